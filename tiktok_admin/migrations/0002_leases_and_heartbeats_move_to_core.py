from django.db import migrations


class Migration(migrations.Migration):
    """JobLease and Heartbeat now live in core (core 0001 renamed their tables): drop them from this app's
    state only."""

    dependencies = [("tiktok_admin", "0001_initial"), ("core", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="JobLease"), migrations.DeleteModel(name="Heartbeat")],
            database_operations=[],
        ),
    ]
