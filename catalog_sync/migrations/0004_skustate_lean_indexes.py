"""The state table loses two redundant indexes (the FK indexes on connection and batch: the unique
(connection, sku_id) index and the partial skustate_batch index serve those lookups) and gets a fill factor
of 90, so the updates that change no indexed column (a review poll refreshing a row still in review,
attempts and last_error) can stay on their page as HOT updates. PostgreSQL only."""

import django.db.models.deletion
from django.db import migrations, models


FILLFACTOR = 90


def _fillfactor(value: int | None):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        setting = f"SET (fillfactor = {value})" if value else "RESET (fillfactor)"
        schema_editor.execute(f"ALTER TABLE catalog_sync_skustate {setting}")

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('catalog_sync', '0003_run_sets'),
        ('integration', '0005_audit_trail_moves_to_core'),
    ]

    operations = [
        migrations.AlterField(
            model_name='skustate',
            name='batch',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='catalog_sync.syncbatch'),
        ),
        migrations.AlterField(
            model_name='skustate',
            name='connection',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='sku_states', to='integration.tiktokconnection'),
        ),
        migrations.RunPython(_fillfactor(FILLFACTOR), _fillfactor(None)),
    ]
