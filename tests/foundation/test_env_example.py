""".env.example, copied to .env as it says, is a working development configuration; a missing production
setting stops manage.py with one line naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What a newcomer's shell has: none of the project's variables (the suite's own are dropped too).
DROP = {"PYTEST_VERSION", "DEBUG", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROP and not k.startswith("TIKTOK_")}
    env["VAR_DIR"] = str(tmp_path / "var")
    return env


def test_the_copied_example_is_a_development_configuration(tmp_path):
    # Loaded the way settings load .env (read_env, existing variables win), then the settings imported.
    code = (
        "import environ, os, django;"
        f"environ.Env.read_env({str(ROOT / '.env.example')!r}, overwrite=False);"
        "os.environ['VAR_DIR'] = os.environ['VAR_DIR_TEST'];"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tiktok_admin.settings');"
        "django.setup();"
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SECRET_KEY == __import__('tiktok_admin.settings').settings._DEV_SECRET,"
        " s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.TIKTOK_APP_SECRET,"
        " '127.0.0.1:8765' in s.TIKTOK_REDIRECT_HOSTS, s.FIELD_ENCRYPTION_KEYS != []);"
        "from django.core.management import call_command; call_command('check')"
    )
    env = clean_env(tmp_path)
    env["VAR_DIR_TEST"] = env["VAR_DIR"]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "True True django.db.backends.sqlite3 filesystem:// sandbox-app-secret True True"
    )
    assert "System check identified no issues" in result.stdout


def test_a_missing_production_setting_is_one_line_naming_it(tmp_path):
    env = clean_env(tmp_path)
    env["DEBUG"] = "0"
    result = subprocess.run(
        [sys.executable, "manage.py", "tiktok_status"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Configuration error: SECRET_KEY must be set when DEBUG is off. "
        "(development: DEBUG=1 in the environment or in .env)\n"
    )
    assert "Traceback" not in result.stderr
