"""One date format per language on every page (FORMAT_MODULE_PATH): the short formats are the long ones,
so `date:"SHORT_DATETIME_FORMAT"` in one table and `date:"DATETIME_FORMAT"` beside it read the same.

Portuguese writes month names in lower case ("3 de dezembro de 2026"), Django's pt_BR catalog capitalises
them. The msgids below are Django's own (django.utils.dates); tiktok_admin's catalog comes before Django's
base catalog in the lookup, so our translations win, and naming them here keeps them through
`make messages` (as tiktok_admin/django_wording.py does for form messages).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, pgettext_lazy

MONTHS = (
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)
# The "E" format character (a month name inside a date) uses these.
MONTHS_ALT = (
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
)
