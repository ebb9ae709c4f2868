from django.db import migrations


class Migration(migrations.Migration):
    """The audit trail now lives in core (core 0002 renamed its table): drop it from this app's state only."""

    dependencies = [("integration", "0004_connect_attempt_outcome_40"), ("core", "0002_audit_trail")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
    ]
