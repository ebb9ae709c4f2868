"""English: "Dec. 3, 2026, 8:48 a.m." everywhere (tiktok_admin/formats/__init__.py)."""

DATE_FORMAT = "N j, Y"
DATETIME_FORMAT = "N j, Y, P"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
