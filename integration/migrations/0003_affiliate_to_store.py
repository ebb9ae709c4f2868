"""The Affiliate model moved to the store (store.Affiliate, created by store 0003): the rows are copied
there as they are (ids included), then this app's table is dropped. Reversible: the rows are copied back."""

from django.core.management.color import no_style
from django.db import migrations

COLUMNS = "id, store_id, code, name, created_at"


def _copy(apps, schema_editor, source, target):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    source_table = quote(apps.get_model(*source)._meta.db_table)
    target_model = apps.get_model(*target)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(target_model._meta.db_table)} ({COLUMNS}) SELECT {COLUMNS} FROM {source_table}"
        )
        # The ids were copied: move the target's id sequence past them (PostgreSQL; nothing on SQLite).
        for sql in connection.ops.sequence_reset_sql(no_style(), [target_model]):
            cursor.execute(sql)


def to_store(apps, schema_editor):
    _copy(apps, schema_editor, ("integration", "Affiliate"), ("store", "Affiliate"))


def to_integration(apps, schema_editor):
    _copy(apps, schema_editor, ("store", "Affiliate"), ("integration", "Affiliate"))


class Migration(migrations.Migration):

    dependencies = [
        ("integration", "0002_healthcheckrun_and_more"),
        ("store", "0003_affiliate"),
    ]

    operations = [
        migrations.RunPython(to_store, to_integration),
        migrations.DeleteModel(name="Affiliate"),
    ]
