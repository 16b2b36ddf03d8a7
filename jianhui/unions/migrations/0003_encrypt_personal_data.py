"""Members' ID numbers and phones and chairs' phones encrypted at rest; the one-open-membership
rule moves onto the ID number's blind index. Reversible: going back decrypts in place."""

from django.db import migrations, models

import jianhui.crypto.fields
import jianhui.unions.fields
from jianhui.crypto.migration import Column, convert
from jianhui.lib.codes import compact_code

MEMBER = [Column("id_number", "id_number", compact_code, index="id_number_index"),
          Column("phone", "phone")]
ORGANISATION = [Column("chair_phone", "phone")]


def encrypt(apps, schema_editor):
    convert(schema_editor, "unions_member", MEMBER, forward=True)
    convert(schema_editor, "unions_unionorganisation", ORGANISATION, forward=True)


def decrypt(apps, schema_editor):
    convert(schema_editor, "unions_member", MEMBER, forward=False)
    convert(schema_editor, "unions_unionorganisation", ORGANISATION, forward=False)


class Migration(migrations.Migration):

    dependencies = [
        ("unions", "0002_member_public_key"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="member",
            name="member_one_open_membership",
        ),
        migrations.AddField(
            model_name="member",
            name="id_number_index",
            field=jianhui.crypto.fields.BlindIndexField(db_index=True, default="", source="id_number", verbose_name="身份证号检索码"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="member",
            name="id_number",
            field=jianhui.unions.fields.EncryptedIDNumberField(verbose_name="公民身份号码"),
        ),
        migrations.AlterField(
            model_name="member",
            name="phone",
            field=jianhui.crypto.fields.EncryptedPhoneField(blank=True, max_length=32, verbose_name="手机号码"),
        ),
        migrations.AlterField(
            model_name="unionorganisation",
            name="chair_phone",
            field=jianhui.crypto.fields.EncryptedPhoneField(blank=True, max_length=32, verbose_name="联系电话"),
        ),
        migrations.RunPython(encrypt, decrypt),
        migrations.AddConstraint(
            model_name="member",
            constraint=models.UniqueConstraint(condition=models.Q(("left_on__isnull", True)), fields=("id_number_index",), name="member_one_open_membership"),
        ),
        migrations.AddConstraint(
            model_name="member",
            constraint=models.CheckConstraint(condition=models.Q(("id_number_index", ""), _negated=True), name="member_id_indexed"),
        ),
    ]
