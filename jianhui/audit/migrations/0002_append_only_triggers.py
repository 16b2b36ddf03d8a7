"""Triggers that keep the audit table append-only in the database (see audit/triggers.py).

Vendor-checked: PostgreSQL and SQLite get their own SQL; other engines get nothing.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from jianhui.audit import triggers

    triggers.install(schema_editor.connection)


def backwards(apps, schema_editor):
    from jianhui.audit import triggers

    triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
