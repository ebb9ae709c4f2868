import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """The audit trail moves here from integration with its rows: the table is renamed, nothing is copied
    (integration's 0005 drops the model from its state only)."""

    dependencies = [
        ("core", "0001_initial"),
        ("integration", "0004_connect_attempt_outcome_40"),
        ("store", "0003_affiliate"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        (
                            "actor_label",
                            models.CharField(blank=True, help_text="system actor when there is no user", max_length=100),
                        ),
                        ("action", models.CharField(choices=[("app_installed", "App installed"), ("app_uninstalled", "App uninstalled"), ("setup_saved", "Setup saved"), ("connect_cancelled", "Connection cancelled at TikTok"), ("connect_started", "Connection started"), ("connected", "Connected"), ("connect_failed", "Connection failed"), ("disconnected", "Disconnected"), ("auto_disconnected", "Disconnected automatically"), ("advanced_matching_on", "Advanced Matching enabled"), ("advanced_matching_off", "Advanced Matching disabled"), ("sync_requested", "Catalog sync requested"), ("shop_connected", "TikTok Shop connected"), ("shop_disconnected", "TikTok Shop disconnected"), ("tokens_rotated", "Tokens re-encrypted")], max_length=40)),
                        ("detail", models.JSONField(blank=True, default=dict)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "store",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="tiktok_audit",
                                to="store.store",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "audit event",
                        "verbose_name_plural": "audit trail",
                        "ordering": ["-at", "-id"],
                        "indexes": [models.Index(fields=["store", "-at"], name="audit_store_at")],
                    },
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE integration_auditevent RENAME TO core_auditevent",
                    "ALTER TABLE core_auditevent RENAME TO integration_auditevent",
                ),
            ],
        ),
    ]
