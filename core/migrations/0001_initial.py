from django.db import migrations, models


class Migration(migrations.Migration):
    """JobLease and Heartbeat move here from tiktok_admin with their rows: the tables are renamed, nothing
    is copied (tiktok_admin's 0002 drops the models from its state only)."""

    initial = True

    dependencies = [("tiktok_admin", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="JobLease",
                    fields=[
                        ("name", models.CharField(max_length=200, primary_key=True, serialize=False)),
                        ("owner", models.CharField(max_length=100)),
                        ("expires_at", models.DateTimeField()),
                    ],
                ),
                migrations.CreateModel(
                    name="Heartbeat",
                    fields=[
                        ("name", models.CharField(max_length=100, primary_key=True, serialize=False)),
                        ("seen_at", models.DateTimeField()),
                        ("worker", models.CharField(blank=True, max_length=200)),
                    ],
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE tiktok_admin_joblease RENAME TO core_joblease",
                    "ALTER TABLE core_joblease RENAME TO tiktok_admin_joblease",
                ),
                migrations.RunSQL(
                    "ALTER TABLE tiktok_admin_heartbeat RENAME TO core_heartbeat",
                    "ALTER TABLE core_heartbeat RENAME TO tiktok_admin_heartbeat",
                ),
            ],
        ),
    ]
