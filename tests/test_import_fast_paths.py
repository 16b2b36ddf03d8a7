"""The import's shortcuts for speed give exactly what the general code gives: the ID number
fast path, the members importer's plain-row parser, the memo of parsed cells, the array
lookup of ID numbers, COPY/executemany writes through the model fields, short CSV rows."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps, register_lookup
from hypothesis import given, settings
from hypothesis import strategies as st

from jianhui.enterprises.models import Enterprise
from jianhui.imports.bulk import insert_rows, prepare
from jianhui.imports.kinds import Report
from jianhui.imports.kinds.base import Memo
from jianhui.imports.kinds.members import MemberImporter
from jianhui.imports.readers import Columns, open_table
from jianhui.imports.values import parse_date
from jianhui.lib.codes import (
    CodeError,
    id_check_char,
    make_credit_code,
    make_id_number,
    normalise_id_number,
)
from jianhui.lib.lookups import ArrayIn
from jianhui.unions.models import Member

# Every import leaves the statistics' facts in step (conftest.facts_in_step).
pytestmark = pytest.mark.usefixtures("facts_in_step")

D = dt.date


def outcome(value, today=None):
    try:
        return normalise_id_number(value, today)
    except CodeError as exc:
        return f"error: {exc}"


@settings(max_examples=400, deadline=None)
@given(first17=st.text("0123456789", min_size=17, max_size=17),
       last=st.sampled_from("0123456789Xx?"), right=st.booleans(),
       today=st.sampled_from([None, D(1990, 1, 1)]))
def test_id_number_fast_path_agrees_with_the_general_one(first17, last, right, today):
    value = first17 + (id_check_char(first17) if right else last)
    # Surrounding spaces make it 20 characters, which only the general path accepts.
    assert outcome(value, today) == outcome(f" {value} ", today)


def test_id_number_fast_path_edge_dates():
    for birth in (D(1899, 12, 31), D(1900, 1, 1), D.today(), D.today() + dt.timedelta(days=1)):
        number = make_id_number("510623", birth, 7)
        assert outcome(number) == outcome(f" {number}")
    first17 = "51062319900230123"  # 30 February
    assert "不是有效日期" in outcome(first17 + id_check_char(first17))


CODE = make_credit_code("91510623MA6C7PWW8")
ROWS = [
    ["张三", "510623199001011237", "13800000000", CODE, "2024-01-05", ""],
    ["  张　三 ", "510623199001011237", "", CODE, "2024/1/5", "2024.3.1"],
    ["ＡＢ", "51062319900101123７", "138 0000 0000", CODE.lower(), D(2024, 1, 5), None],
    ["李四", "11010519491231002x", "+8613800000000", f" {CODE} ", 45296.0, ""],
    ["王五", 510623199001011237, 13800000000.0, CODE, "2024年1月5日", "   "],
    ["赵六", "510623199001011237", "1380000000", CODE, "2024-01-05", ""],
    ["", "510623199001011237", "", CODE, "2024-01-05", ""],
    ["钱七", "510623199001011237", "", CODE, "2024-02-30", ""],
    ["孙八", "510623199001011237", "", CODE, "2024-01-05", "2024-01-05"],
    ["周九", "510623199001011236", "", CODE, "2024-01-05", ""],
    ["吴十", "5.10623E+17", "", CODE, "2024-01-05", ""],
    ["郑一" * 40, "510623199001011237", "", CODE, "2024-01-05", ""],
    ["冯二", "510623199001011237", "", "", "2024-01-05", ""],
    ["陈三", "510623199001011237", "", CODE, "", ""],
    ["褚四", "510623199001011237", True, CODE, True, ""],
]
COLUMNS = MemberImporter.columns.names


@pytest.mark.parametrize("values", ROWS, ids=range(len(ROWS)))
def test_plain_row_parser_agrees_with_the_cell_by_cell_one(values):
    cells = dict(zip(COLUMNS, values, strict=True))
    general = MemberImporter(Report("members", "f"))
    general.start({c: c for c in COLUMNS})
    expected = general._parse(2, cells)
    fast = MemberImporter(Report("members", "f"))._parse_plain(2, cells)
    assert fast is None or (fast == expected and not general.report.errors)
    assert (expected is None) == bool(general.report.errors)


def test_plain_rows_take_the_fast_path():
    cells = dict(zip(COLUMNS, ROWS[0], strict=True))
    assert MemberImporter(Report("members", "f"))._parse_plain(2, cells) is not None


def test_memo_parses_each_value_once_and_keeps_types_apart():
    calls = []

    def parse(value):
        calls.append(value)
        return parse_date(value)

    memo = Memo(parse)
    assert memo("2024-01-05") == memo("2024-01-05") == D(2024, 1, 5)
    assert memo(45296) == D(2024, 1, 5)
    with pytest.raises(ValueError):
        memo(True)  # equal to 1, but not a date: never served from 1's entry
    assert calls == ["2024-01-05", 45296, True]


def test_short_csv_rows_are_padded(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("姓名,公民身份号码,手机号码\n张三,510623199001011237\n李四\n,,\n王五,1,2\n",
                    encoding="utf-8")
    columns = Columns(names=("姓名", "公民身份号码", "手机号码"), required=("姓名",))
    rows = list(open_table(path, columns).rows)
    assert rows == [
        (2, {"姓名": "张三", "公民身份号码": "510623199001011237", "手机号码": ""}),
        (3, {"姓名": "李四", "公民身份号码": "", "手机号码": ""}),
        (5, {"姓名": "王五", "公民身份号码": "1", "手机号码": "2"}),
    ]


@pytest.fixture
def members(build):
    area = build.jurisdiction("查找县")
    firm = build.enterprise(area)
    people = [build.id_number() for _ in range(5)]
    insert_rows(Member, ("name", "id_number", "gender", "birth_date", "phone", "enterprise",
                         "joined_on", "left_on"),
                [(f"人{i}", p, "男", None, "", firm.pk, D(2024, 1, 1), None)
                 for i, p in enumerate(people)])
    return people


def test_id_number_lookup(members):
    found = Member.objects.by_id_numbers([members[0], members[3], None, "110101199001010000"])
    assert sorted(found.values_list("pk", flat=True)) == sorted(
        Member.objects.filter(name__in=["人0", "人3"]).values_list("pk", flat=True))
    assert not Member.objects.by_id_numbers([]).exists()
    lowered = members[4][:17] + members[4][17].lower()  # prepared by the field, as before
    assert Member.objects.by_id_numbers([lowered]).count() == 1


def test_array_lookup_finds_what_in_finds(build):
    area = build.jurisdiction("数组县")
    names = [build.enterprise(area).name for _ in range(4)]
    wanted = [names[0], names[2], None, "没有这家"]
    plain = sorted(Enterprise.objects.filter(name__in=wanted).values_list("pk", flat=True))
    with register_lookup(models.CharField, ArrayIn):
        query = Enterprise.objects.filter(name__in=wanted)
        assert sorted(query.values_list("pk", flat=True)) == plain and len(plain) == 2
        assert ("= ANY(" in str(query.query)) == (connection.vendor == "postgresql")
        assert not Enterprise.objects.filter(name__in=[None]).exists()
        sub = Enterprise.objects.filter(name=names[1]).values("name")
        assert Enterprise.objects.filter(name__in=sub).count() == 1


class Shout(models.CharField):
    """Computes itself from another field in pre_save, as a blind index does."""

    def pre_save(self, model_instance, add):
        value = model_instance.name.upper()
        setattr(model_instance, self.attname, value)
        return value


class Doubled(models.CharField):
    """Converts on its way into the database, as an encrypted field does."""

    def get_db_prep_value(self, value, connection, prepared=False):
        return value * 2


@isolate_apps("jianhui.imports")
def test_rows_are_prepared_as_bulk_create_would():
    keys = itertools.count()

    class Thing(models.Model):
        name = Doubled(max_length=10)
        shout = Shout(max_length=10)
        key = models.CharField(max_length=10, default=lambda: f"k{next(keys)}")
        kind = models.CharField(max_length=10, default="x")
        born = models.DateField()
        stamp = models.DateTimeField(auto_now=True)

        class Meta:
            app_label = "imports"

        def __str__(self) -> str:
            return self.name

    columns, batches = prepare(Thing, ("name", "born"), [("ab", D(2020, 1, 2)),
                                                         ("cd", D(2021, 3, 4))])
    rows = [row for batch in batches for row in batch]
    assert columns == ["name", "born", "shout", "key", "kind", "stamp"]
    born = [connection.ops.adapt_datefield_value(d) for d in (D(2020, 1, 2), D(2021, 3, 4))]
    assert [row[:5] for row in rows] == [("abab", born[0], "AB", "k0", "x"),
                                         ("cdcd", born[1], "CD", "k1", "x")]
    assert rows[0][5] == rows[1][5] is not None


def test_insert_rows_goes_through_the_fields(build):
    firm = build.enterprise(build.jurisdiction("写入县"))
    first17 = "11010519491231002"
    count = insert_rows(Member, ("name", "id_number", "gender", "birth_date", "phone",
                                 "enterprise_id", "joined_on", "left_on"),
                        iter([("甲", first17 + "x", "女", D(1949, 12, 31), "", firm.pk,
                               D(2024, 1, 1), D(2024, 6, 1))]))
    m = Member.objects.get(enterprise=firm)
    assert count == 1
    assert m.id_number == first17 + "X"  # IDNumberField normalised it on the way in
    assert (m.birth_date, m.left_on, m.version) == (D(1949, 12, 31), D(2024, 6, 1), 1)
    assert m.created_at == m.updated_at and m.created_at is not None


def test_insert_rows_refuses_to_leave_a_column_empty():
    with pytest.raises(ValueError, match="id_number"):
        insert_rows(Member, ("name", "gender", "phone", "enterprise", "joined_on"), [])


class ShoutMany(Shout):
    """Shout that can also compute a whole chunk at once, as the blind index can."""

    def pre_save_many(self, columns):
        calls.append("pre_save_many")
        return None if declining else [n.upper() for n in columns["name"]]


class DoubledMany(Doubled):
    def get_db_prep_save_many(self, values, connection):
        calls.append("prep_many")
        return [v * 2 for v in values]


calls: list[str] = []
declining: list[bool] = []  # non-empty: ShoutMany leaves the work to pre_save


@isolate_apps("jianhui.imports")
def test_bulk_forms_of_fields_and_defaults_give_the_same_rows():
    keys = itertools.count()

    def new_key():
        return f"k{next(keys)}"

    new_key.many = lambda n: calls.append(f"many({n})") or [new_key() for _ in range(n)]

    class Many(models.Model):
        name = DoubledMany(max_length=10)
        shout = ShoutMany(max_length=10)
        key = models.CharField(max_length=10, default=new_key)

        class Meta:
            app_label = "imports"

        def __str__(self) -> str:
            return self.name

    calls.clear()
    columns, batches = prepare(Many, ("name",), [("ab",), ("cd",), ("ef",)])
    assert [row for batch in batches for row in batch] == [
        ("abab", "AB", "k0"), ("cdcd", "CD", "k1"), ("efef", "EF", "k2")]
    assert columns == ["name", "shout", "key"]
    assert sorted(calls) == ["many(3)", "pre_save_many", "prep_many"]  # once a chunk each

    # pre_save_many may decline (returns None): then pre_save, row by row, as before
    calls.clear()
    declining.append(True)
    try:
        columns, batches = prepare(Many, ("name", "key"), [("ab", "x"), ("cd", "y")])
        assert [row for batch in batches for row in batch] == [("abab", "x", "AB"),
                                                              ("cdcd", "y", "CD")]
    finally:
        declining.clear()
    assert sorted(calls) == ["pre_save_many", "prep_many"]


def test_member_rows_inserted_in_bulk_are_encrypted_indexed_and_keyed(build):
    firm = build.enterprise(build.jurisdiction("加密写入县"))
    people = [build.id_number() for _ in range(30)]
    phones = [f"1380000{i:04d}" if i % 3 else "" for i in range(30)]
    insert_rows(Member, ("name", "id_number", "gender", "birth_date", "phone", "enterprise_id",
                         "joined_on", "left_on"),
                [(f"人{i}", p, "男", None, phones[i], firm.pk, D(2024, 1, 1), None)
                 for i, p in enumerate(people)])
    field = Member._meta.get_field("id_number")
    got = {m.id_number: m for m in Member.objects.filter(enterprise=firm)}
    assert sorted(got) == sorted(people)
    for person, phone in zip(people, phones, strict=True):
        m = got[person]
        assert m.phone == phone and m.id_number_index == field.index_for(person)
        assert len(m.public_key) == 16 and set(m.public_key) <= set("abcdefghijklmnopqrstuvwxyz234567")
    assert len({m.public_key for m in got.values()}) == 30
    with connection.cursor() as cursor:  # around the fields: what the table holds
        cursor.execute(f"SELECT id_number, phone FROM {Member._meta.db_table} "
                       "WHERE enterprise_id = %s", [firm.pk])
        stored = cursor.fetchall()
    assert all(i.startswith("v1:aes:") and (p == "" or p.startswith("v1:aes:"))
               for i, p in stored)
    assert not {i for i, _ in stored} & set(people)
    assert sum(p == "" for _, p in stored) == phones.count("")


def test_members_table_has_no_redundant_index(db):
    """Each index costs every imported row: the foreign key is served by the (enterprise,
    joined_on) index, and no LIKE-ready copy of a key or hash index (PostgreSQL) is made."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Member._meta.db_table)
    indexes = sorted(tuple(c["columns"]) for c in found.values()
                     if (c["index"] or c["unique"]) and not c["primary_key"])
    assert indexes == [("enterprise_id", "joined_on"), ("id_number_index",),
                       ("id_number_index",), ("public_key",)]
    assert found["member_one_open_membership"]["unique"]  # the partial one, kept
