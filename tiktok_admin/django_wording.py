"""Django's own form messages, said the way this app speaks.

Django's Spanish catalog addresses the merchant as "usted" ("Introduzca una dirección...") while every page
of this app says "tú". App catalogs come before Django's base catalog (django/conf/locale) in the lookup, so
naming the msgids here makes `makemessages` keep them in tiktok_admin's catalog and our wording wins.
Messages of contrib apps listed before tiktok_admin in INSTALLED_APPS (the login error of
django.contrib.auth and django.contrib.admin) cannot be overridden this way; `LoginForm` and `OpsLoginForm`
below say them in our own words instead. Both apply the project's input rules (core.forms) first.
"""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext_lazy

from core.forms import ControlCharactersRule

# The validators and fields our forms use (setup, exclusions, pixel settings, login).
DJANGO_MESSAGES = (
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a valid URL."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a valid value."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
)


class LoginForm(ControlCharactersRule, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password. Both are case-sensitive."),
        "inactive": _("This account is inactive."),
    }


class OpsLoginForm(ControlCharactersRule, AdminAuthenticationForm):
    """The operations admin's login (/django-admin/), in the same words."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password for an operations account. Both are case-sensitive."),
        "inactive": _("This account is inactive."),
    }
