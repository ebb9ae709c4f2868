"""Brazilian Portuguese: "3 de dezembro de 2026 às 08:48" everywhere (tiktok_admin/formats/__init__.py)."""

DATE_FORMAT = r"j \d\e F \d\e Y"
DATETIME_FORMAT = r"j \d\e F \d\e Y \à\s H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
