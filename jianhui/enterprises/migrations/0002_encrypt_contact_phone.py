"""An enterprise contact's phone is a person's phone: encrypted at rest (reversible)."""

from django.db import migrations

import jianhui.crypto.fields
from jianhui.crypto.migration import Column, convert

COLUMNS = [Column("phone", "phone")]


def encrypt(apps, schema_editor):
    convert(schema_editor, "enterprises_enterprise", COLUMNS, forward=True)


def decrypt(apps, schema_editor):
    convert(schema_editor, "enterprises_enterprise", COLUMNS, forward=False)


class Migration(migrations.Migration):

    dependencies = [
        ("enterprises", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="enterprise",
            name="phone",
            field=jianhui.crypto.fields.EncryptedPhoneField(blank=True, max_length=32, verbose_name="联系电话"),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
