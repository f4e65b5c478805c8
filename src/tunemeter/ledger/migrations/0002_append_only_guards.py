"""Refuse UPDATE and DELETE on transfers and entries in the database itself."""

from __future__ import annotations

from django.db import migrations

from tunemeter.ledger.guards import guards_install


def install(apps, schema_editor):
    guards_install(schema_editor, schema_editor.connection.vendor)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
