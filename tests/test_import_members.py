"""Importing members: row-level errors, all-or-nothing, idempotent re-import, coverage by date."""

from __future__ import annotations

import datetime as dt

import pytest

from jianhui.imports.models import ImportRecord
from jianhui.imports.samples import write_csv, write_xlsx
from jianhui.imports.services import import_file
from jianhui.lib.codes import make_id_number
from jianhui.unions.models import Member, OrganisationKind
from jianhui.unions.services import found_organisation, leave

# Every import leaves the statistics' facts in step (conftest.facts_in_step).
pytestmark = pytest.mark.usefixtures("facts_in_step")

HEADER = ["姓名", "公民身份号码", "手机号码", "所在企业信用代码", "入会日期", "离会日期"]
D = dt.date


@pytest.fixture
def firm(build):
    county = build.jurisdiction("导入县")
    e = build.enterprise(county, name="甲公司", employees=3000, founded_on=D(2020, 1, 1))
    found_organisation(name="甲公司工会", kind=OrganisationKind.STANDALONE, jurisdiction=county,
                       founded_on=D(2021, 1, 1), enterprises=[e])
    return e


def ids(n: int, start: int = 0) -> list[str]:
    return [make_id_number("110101", D(1955, 1, 1) + dt.timedelta(days=(start + i) // 500),
                           (start + i) % 500 * 2 + 1) for i in range(n)]


def rows_for(firm, n: int, joined="2024-01-05", start: int = 0) -> list[list]:
    return [[f"会员{i}", idn, "", firm.credit_code, joined, ""]
            for i, idn in enumerate(ids(n, start))]


def run(tmp_path, rows, name="m.csv", **kwargs):
    path = (write_xlsx if name.endswith(".xlsx") else write_csv)(tmp_path / name, HEADER, rows)
    return import_file("members", path, user="tester", **kwargs)


def test_import_creates_members_with_derived_fields(tmp_path, firm):
    rows = rows_for(firm, 3)
    rows[0][2] = "138 0000 0000"
    report = run(tmp_path, rows, "m.xlsx")
    assert (report.rows, report.created, report.errors) == (3, 3, [])
    m = Member.objects.by_id_number(rows[0][1]).get()
    assert m.gender == "男" and m.birth_date == D(1955, 1, 1) and m.phone == "13800000000"
    assert m.enterprise == firm and m.joined_on == D(2024, 1, 5)
    record = ImportRecord.objects.get(file_name="m.xlsx")
    assert (record.user, record.kind, record.created, record.written) == ("tester", "members", 3, True)
    assert len(record.sha256) == 64


def test_derived_fields_agree_with_the_codes_module():
    from jianhui.imports.kinds.members import birth_date_of, gender_of
    from jianhui.lib.codes import id_birth_date, id_gender

    for n in ids(40, start=123) + [make_id_number("510623", D(2000, 2, 29), 2)]:
        assert (gender_of(n), birth_date_of(n)) == (id_gender(n), id_birth_date(n))


def test_reimport_is_unchanged_and_writes_nothing(tmp_path, firm):
    rows = rows_for(firm, 50)
    assert run(tmp_path, rows).created == 50
    before = list(Member.objects.filter(enterprise=firm).values_list("pk", "version", "updated_at"))
    again = run(tmp_path, rows)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 50, [])
    after = list(Member.objects.filter(enterprise=firm).values_list("pk", "version", "updated_at"))
    assert before == after


def test_update_by_natural_key_and_modes(tmp_path, firm):
    rows = rows_for(firm, 2)
    run(tmp_path, rows)
    rows[0][0] = "改名"
    rows[1][5] = "2025-01-01"
    report = run(tmp_path, rows)
    assert (report.updated, report.unchanged) == (2, 0)
    assert Member.objects.by_id_number(rows[0][1]).get().name == "改名"
    assert Member.objects.by_id_number(rows[1][1]).get().left_on == D(2025, 1, 1)
    created = run(tmp_path, rows, mode="create")
    assert len(created.errors) == 2 and "已存在" in created.errors[0].message
    fresh = rows_for(firm, 1, start=900)
    updated = run(tmp_path, fresh, mode="update")
    assert "不存在" in updated.errors[0].message and not Member.objects.by_id_number(fresh[0][1])


def test_all_or_nothing_with_one_bad_row_among_2000(tmp_path, firm):
    rows = rows_for(firm, 2000)
    rows[1234][4] = "2024-02-30"
    report = run(tmp_path, rows)
    assert [(e.row, e.column) for e in report.errors] == [(1236, "入会日期")], report.errors
    assert "2024-02-30" in report.errors[0].message
    assert not Member.objects.filter(enterprise=firm).exists()
    assert not ImportRecord.objects.get(file_name="m.csv").written


def test_every_row_error_is_collected_with_row_and_column(tmp_path, firm):
    idn = ids(8)
    rows = [
        ["", idn[0], "", firm.credit_code, "2024-01-05", ""],  # 2: name missing
        ["乙", "110101195501010012", "", firm.credit_code, "2024-01-05", ""],  # 3: check char
        ["丙", 5.10623e17, "", firm.credit_code, "2024-01-05", ""],  # 4: Excel-mangled
        ["丁", idn[3], "123", firm.credit_code, "2024-01-05", ""],  # 5: phone
        ["戊", idn[4], "", "91510623MA0000001X", "2024-01-05", ""],  # 6: credit code check
        ["己", idn[5], "", firm.credit_code, "2024-01-05", "2023-01-01"],  # 7: dates in order
        ["庚", idn[6], "", firm.credit_code, "2020-06-01", ""],  # 8: not covered on that date
        ["辛", idn[6], "", firm.credit_code, "2020-06-01", ""],  # 9: duplicate in file
    ]
    report = run(tmp_path, rows, "m.xlsx")
    got = {(e.row, e.column) for e in report.errors}
    assert got == {(2, "姓名"), (3, "公民身份号码"), (4, "公民身份号码"), (5, "手机号码"),
                   (6, "所在企业信用代码"), (7, "离会日期"), (8, "入会日期"), (9, "公民身份号码")}
    by_row = {e.row: e for e in report.errors}
    assert "必填" in by_row[2].message
    assert "校验不通过" in by_row[3].message
    assert by_row[4].value == "5.10623E+17" and "丢失" in by_row[4].message
    assert "2020-06-01" in by_row[8].message and "没有工会组织覆盖" in by_row[8].message
    assert "重复" in by_row[9].message and "第 8 行" in by_row[9].message
    assert Member.objects.filter(enterprise=firm).count() == 0


def test_unknown_enterprise_and_out_of_scope(tmp_path, build, firm):
    county = firm.jurisdiction
    later = build.enterprise(county, founded_on=D(2024, 6, 1))
    rows = [["甲", ids(1)[0], "", "91999999MA00999991", "2024-01-05", ""],
            ["乙", ids(2)[1], "", later.credit_code, "2024-01-05", ""]]
    report = run(tmp_path, rows)
    messages = [e.message for e in report.errors]
    assert len(messages) == 2
    assert any("没有统一社会信用代码" in m or "校验" in m for m in messages)
    assert "尚未成立或已注销" in messages[1] and "2024-01-05" in messages[1]


def test_one_active_membership_per_person(tmp_path, build, firm):
    other = build.enterprise(firm.jurisdiction, name="乙公司", founded_on=D(2020, 1, 1))
    found_organisation(name="乙公司工会", kind=OrganisationKind.STANDALONE,
                       jurisdiction=firm.jurisdiction, founded_on=D(2021, 1, 1), enterprises=[other])
    idn = ids(1)[0]
    assert run(tmp_path, [["甲", idn, "", firm.credit_code, "2022-01-01", ""]]).created == 1
    clash = run(tmp_path, [["甲", idn, "", other.credit_code, "2023-01-01", ""]])
    assert clash.errors and "甲公司的会员" in clash.errors[0].message
    assert "同一时间只能是一个工会组织的会员" in clash.errors[0].message
    # Leaving the first and joining the second in one file is fine.
    moved = run(tmp_path, [["甲", idn, "", firm.credit_code, "2022-01-01", "2023-01-01"],
                           ["甲", idn, "", other.credit_code, "2023-01-01", ""]])
    assert (moved.errors, moved.updated, moved.created) == ([], 1, 1)
    assert Member.objects.by_id_number(idn).count() == 2


def test_warnings_do_not_block(tmp_path, build, firm):
    small = build.enterprise(firm.jurisdiction, name="小公司", employees=1)
    found_organisation(name="小公司工会", kind=OrganisationKind.STANDALONE,
                       jurisdiction=firm.jurisdiction, founded_on=D(2021, 1, 1), enterprises=[small])
    odd = make_id_number("999999", D(1990, 1, 1), 11)
    rows = [["甲", odd, "", small.credit_code, "2024-01-05", ""],
            ["乙", ids(1)[0], "", small.credit_code, "2024-01-05", ""]]
    report = run(tmp_path, rows)
    assert report.errors == [] and report.created == 2
    messages = " ".join(w.message for w in report.warnings)
    assert "999999" in messages and "多于职工人数 1" in messages


def test_existing_membership_after_leave(tmp_path, firm):
    idn = ids(1)[0]
    run(tmp_path, [["甲", idn, "", firm.credit_code, "2022-01-01", ""]])
    leave(Member.objects.by_id_number(idn).get(), D(2022, 6, 1))
    report = run(tmp_path, [["甲", idn, "", firm.credit_code, "2023-01-01", ""]])
    assert report.errors == [] and report.created == 1


@pytest.mark.parametrize("mangled", ["5.10623E+17", "510623198001010000.0"])
def test_excel_mangled_id_numbers_in_csv(tmp_path, firm, mangled):
    report = run(tmp_path, [["甲", mangled, "", firm.credit_code, "2024-01-05", ""]])
    (error,) = report.errors
    assert (error.row, error.column, error.value) == (2, "公民身份号码", mangled)
    assert "后几位已丢失" in error.message and "文本格式" in error.message
