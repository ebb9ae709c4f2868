#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiktok_admin.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        # Imports the settings, which refuse an unsafe or incomplete production configuration: one line
        # naming the setting tells an operator more than Django's traceback through importlib.
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as exc:
        sys.exit(f"Configuration error: {exc} (development: DEBUG=1 in the environment or in .env)")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
