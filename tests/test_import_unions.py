"""Importing union organisations and coverage: keys, coverage from the founding date, moves,
and overlaps checked after the whole file is applied."""

from __future__ import annotations

import datetime as dt

import pytest

from jianhui.imports.samples import write_csv, write_xlsx
from jianhui.imports.services import import_file
from jianhui.lib.codes import make_credit_code
from jianhui.unions.models import Coverage, OrganisationKind, UnionOrganisation
from jianhui.unions.services import found_organisation

# Every import leaves the statistics' facts in step (conftest.facts_in_step).
pytestmark = pytest.mark.usefixtures("facts_in_step")

D = dt.date
U_HEADER = ["工会名称", "组织类型", "所属辖区", "成立日期", "撤销时间", "工会主席", "联系电话",
            "工会统一社会信用代码", "覆盖企业信用代码"]
C_HEADER = ["工会名称", "工会统一社会信用代码", "企业信用代码", "覆盖开始日期", "覆盖结束日期"]


@pytest.fixture
def county(build):
    return build.jurisdiction("导入县")


@pytest.fixture
def firms(build, county):
    return [build.enterprise(county, name=f"企业{i}", founded_on=D(2020, 1, 1)) for i in range(4)]


def unions(tmp_path, rows, **kwargs):
    return import_file("unions", write_xlsx(tmp_path / "u.xlsx", U_HEADER, rows), **kwargs)


def coverage(tmp_path, rows, **kwargs):
    return import_file("coverage", write_csv(tmp_path / "c.csv", C_HEADER, rows), **kwargs)


def test_unions_with_coverage_from_the_founding_date(tmp_path, county, firms):
    union_code = make_credit_code("81510623MC0000001")
    rows = [["企业0工会", "基层工会委员会", county.name, "2021-03-01", "", "张主席", "13800000000",
             union_code, firms[0].credit_code],
            ["导入联合会", "工会联合会", county.code, "2021/1/1", "", "", "", "",
             f"{firms[1].credit_code}、{firms[2].credit_code}\n{firms[3].credit_code}"]]
    report = unions(tmp_path, rows)
    assert report.errors == [] and report.created == 2
    own = UnionOrganisation.objects.get(credit_code=union_code)
    fed = UnionOrganisation.objects.get(name="导入联合会")
    assert {own.key, fed.key} == {f"{county.code}-001", f"{county.code}-002"}
    assert own.kind == OrganisationKind.STANDALONE and fed.kind == OrganisationKind.FEDERATION
    assert Coverage.objects.get(enterprise=firms[0]).start_on == D(2021, 3, 1)
    assert Coverage.objects.filter(organisation=fed, start_on=D(2021, 1, 1)).count() == 3
    again = unions(tmp_path, rows)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 2, [])
    assert Coverage.objects.filter(organisation__in=[own, fed]).count() == 4


def test_a_file_without_optional_columns_keeps_what_they_hold(tmp_path, county, firms):
    """A file may leave out 联系电话 (a masked export does): existing chairs' phones stay."""
    union_code = make_credit_code("81510623MC0000002")
    unions(tmp_path, [["企业0工会", "基层工会委员会", county.name, "2021-03-01", "", "张主席",
                       "13800000000", union_code, firms[0].credit_code]])
    header = ["工会名称", "组织类型", "所属辖区", "成立日期", "覆盖企业信用代码"]
    short = import_file("unions", write_csv(tmp_path / "short.csv", header, [
        ["企业0工会", "基层工会委员会", county.name, "2021-03-01", firms[0].credit_code]]))
    assert (short.errors, short.updated, short.unchanged) == ([], 0, 1)
    org = UnionOrganisation.objects.get(name="企业0工会")
    assert (org.chair, org.chair_phone, org.credit_code) == ("张主席", "13800000000", union_code)
    # A present but empty column still clears the value: that is what the user wrote.
    cleared = import_file("unions", write_csv(tmp_path / "clear.csv", [*header, "联系电话"], [
        ["企业0工会", "基层工会委员会", county.name, "2021-03-01", firms[0].credit_code, ""]]))
    assert cleared.updated == 1
    assert UnionOrganisation.objects.get(pk=org.pk).chair_phone == ""


def test_union_row_errors(tmp_path, county, firms):
    rows = [
        ["甲工会", "基层工会委员会", county.name, "2021-01-01", "", "", "", "",
         f"{firms[0].credit_code},{firms[1].credit_code}"],  # 2: standalone covering two
        ["乙工会", "工会", county.name, "2021-01-01", "", "", "", "", firms[2].credit_code],  # 3
        ["丙工会", "联合基层工会", county.name, "2021-01-01", "", "", "",
         make_credit_code("91510623MA0000009"), firms[2].credit_code],  # 4: not an 81 code
        ["丁工会", "联合基层工会", county.name, "2019-01-01", "", "", "", "",
         firms[3].credit_code],  # 5: before the enterprise was founded
        ["戊工会", "联合基层工会", county.name, "2021-01-01", "2020-01-01", "", "", "",
         firms[3].credit_code],  # 6: dissolved before founded
    ]
    report = unions(tmp_path, rows)
    got = {(e.row, e.column) for e in report.errors}
    assert got == {(2, "覆盖企业信用代码"), (3, "组织类型"), (4, "工会统一社会信用代码"),
                   (5, "覆盖企业信用代码"), (6, "撤销时间")}
    assert not UnionOrganisation.objects.filter(jurisdiction=county).exists()


def test_founding_an_own_union_moves_coverage_with_warnings(tmp_path, county, firms):
    fed = found_organisation(name="联合会", kind=OrganisationKind.FEDERATION, jurisdiction=county,
                             founded_on=D(2021, 1, 1), enterprises=firms[:2])
    rows = [["企业0工会", "基层工会委员会", county.name, "2023-05-01", "", "", "", "",
             firms[0].credit_code]]
    report = unions(tmp_path, rows)
    assert report.errors == [] and report.created == 1
    messages = " ".join(w.message for w in report.warnings)
    assert "2023-05-01 结束" in messages and "只覆盖 1 家企业" in messages
    old = Coverage.objects.get(organisation=fed, enterprise=firms[0])
    assert old.end_on == D(2023, 5, 1)
    assert Coverage.objects.get(enterprise=firms[0], end_on__isnull=True).start_on == D(2023, 5, 1)


def test_coverage_moving_in_one_file_is_accepted(tmp_path, county, firms):
    a = found_organisation(name="甲联合会", kind=OrganisationKind.FEDERATION, jurisdiction=county,
                           founded_on=D(2021, 1, 1), enterprises=firms[:3])
    found_organisation(name="乙工会", kind=OrganisationKind.STANDALONE, jurisdiction=county,
                       founded_on=D(2022, 1, 1))
    rows = [["甲联合会", "", firms[0].credit_code, "2021-01-01", "2023-01-01"],
            ["乙工会", "", firms[0].credit_code, "2023-01-01", ""]]
    report = coverage(tmp_path, rows)
    assert report.errors == [] and (report.updated, report.created) == (1, 1)
    assert Coverage.objects.get(organisation=a, enterprise=firms[0]).end_on == D(2023, 1, 1)
    again = coverage(tmp_path, rows)
    assert (again.unchanged, again.errors) == (2, [])


def test_true_overlap_is_rejected(tmp_path, county, firms):
    found_organisation(name="甲联合会", kind=OrganisationKind.FEDERATION, jurisdiction=county,
                       founded_on=D(2021, 1, 1), enterprises=firms[:3])
    found_organisation(name="乙工会", kind=OrganisationKind.STANDALONE, jurisdiction=county,
                       founded_on=D(2022, 1, 1))
    rows = [["甲联合会", "", firms[0].credit_code, "2021-01-01", "2023-01-01"],
            ["乙工会", "", firms[0].credit_code, "2022-06-01", ""],  # overlaps 2022-06 .. 2023
            ["乙工会", "", firms[3].credit_code, "2022-07-01", ""],  # standalone: 2nd enterprise
            ["乙工会", "", firms[1].credit_code, "2021-06-01", ""]]  # before 乙工会 was founded
    report = coverage(tmp_path, rows)
    by_row = {e.row: e.message for e in report.errors}
    assert set(by_row) == {3, 4, 5}
    assert "一家企业同一时间只能由一个工会组织覆盖" in by_row[3] and "2021-01-01" in by_row[3]
    assert "基层工会委员会" in by_row[4]
    assert "早于乙工会的成立日期" in by_row[5]
    assert Coverage.objects.get(enterprise=firms[0], organisation__name="甲联合会").end_on is None


def test_coverage_unknown_references(tmp_path, county, firms):
    rows = [["没有的工会", "", firms[0].credit_code, "2021-01-01", ""],
            ["", make_credit_code("81510623MC0000002"), firms[0].credit_code, "2021-01-01", ""]]
    report = coverage(tmp_path, rows)
    assert [(e.row, e.column) for e in report.errors] == [(2, "工会名称"), (3, "工会统一社会信用代码")]
