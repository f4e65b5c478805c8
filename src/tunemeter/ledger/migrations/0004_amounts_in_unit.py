"""Name stored amounts for what they are: in the account's unit (minor or micro).

Column renames only (ALTER TABLE … RENAME COLUMN on SQLite and PostgreSQL): the entry
table keeps its append-only triggers. The customer-balance check is re-created on the
renamed column.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_account_unit")]

    operations = [
        migrations.RemoveConstraint(model_name="account", name="customer_balance_not_negative"),
        migrations.RenameField(
            model_name="account", old_name="balance_minor", new_name="balance_in_unit"
        ),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind", "customer"), _negated=True)
                | models.Q(("balance_in_unit__gte", 0)),
                name="customer_balance_not_negative",
            ),
        ),
        migrations.RenameField(
            model_name="entry", old_name="amount_minor", new_name="amount_in_unit"
        ),
    ]
