"""Hand the Entitlement model to the library app: state only, its table stays as it is."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0001_initial"),
        ("library", "0001_initial"),
        ("delivery", "0002_entitlement_in_library"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Entitlement")],
            database_operations=[],
        ),
    ]
