"""A random public key per member, for links (the reveal page) and audit entries."""

from django.db import migrations, models

import jianhui.unions.models


def fill_keys(apps, schema_editor):
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    table = qn("unions_member")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn('id')} FROM {table} WHERE {qn('public_key')} IS NULL")
        params = [(jianhui.unions.models.new_member_key(), pk) for (pk,) in cursor.fetchall()]
        cursor.executemany(f"UPDATE {table} SET {qn('public_key')} = %s WHERE {qn('id')} = %s",
                           params)


class Migration(migrations.Migration):

    dependencies = [
        ("unions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="public_key",
            field=models.CharField(editable=False, max_length=16, null=True, verbose_name="会员编号"),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="member",
            name="public_key",
            field=models.CharField(default=jianhui.unions.models.new_member_key, editable=False, help_text="系统随机生成，用于链接和审计记录，不含个人信息。", max_length=16, unique=True, verbose_name="会员编号"),
        ),
    ]
