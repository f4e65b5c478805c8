"""Take over the shop's Entitlement model: state only, the table (shop_entitlement) stays."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0004_loudness"),
        ("shop", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Entitlement",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("format_id", models.CharField(max_length=20)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "customer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="entitlements",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "track",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="catalog.track",
                            ),
                        ),
                        (
                            "order",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="entitlements",
                                to="shop.order",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "shop_entitlement",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("customer", "track", "format_id"),
                                name="entitlement_unique",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
