"""An area officer's import stays inside the officer's area: every kind rejects rows whose
jurisdiction, enterprise or organisation lies elsewhere, and nothing of such a file is written."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from jianhui.accounts.models import Role
from jianhui.accounts.scope import scope_paths
from jianhui.enterprises.models import Enterprise
from jianhui.imports.samples import write_csv
from jianhui.imports.services import import_file
from jianhui.lib.codes import make_credit_code, make_id_number
from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import Coverage, Member, OrganisationKind, UnionOrganisation
from jianhui.unions.services import found_organisation

D = dt.date
OUTSIDE = "不在您的管辖范围内"
FIRM_HEADER = ["企业名称", "统一社会信用代码", "所属辖区", "职工人数"]


@pytest.fixture
def areas(build, user_in):
    county = build.jurisdiction("范围县")
    a = build.jurisdiction("甲镇", county)
    b = build.jurisdiction("乙镇", county)
    fa = build.enterprise(a, name="甲镇企业", employees=100)
    fb = build.enterprise(b, name="乙镇企业", employees=100)
    oa = found_organisation(name="甲镇企业工会", kind=OrganisationKind.STANDALONE, jurisdiction=a,
                            founded_on=D(2021, 1, 1), enterprises=[fa])
    ob = found_organisation(name="乙镇企业工会", kind=OrganisationKind.STANDALONE, jurisdiction=b,
                            founded_on=D(2021, 1, 1), enterprises=[fb])
    officer = user_in(a, Role.AREA_OFFICER)
    return {"county": county, "a": a, "b": b, "fa": fa, "fb": fb, "oa": oa, "ob": ob,
            "scope": scope_paths(officer), "officer": officer}


def run(tmp_path, kind, header, rows, scope):
    path = write_csv(tmp_path / f"{kind}.csv", header, rows)
    return import_file(kind, path, user="officer", scope=scope)


def errors(report) -> dict[tuple[int, str], str]:
    return {(e.row, e.column): e.message for e in report.errors}


def test_enterprises_only_into_the_officers_area(tmp_path, areas):
    mine, theirs = make_credit_code("91999999MB0000001"), make_credit_code("91999999MB0000002")
    rows = [["新企业一", mine, "甲镇", 10], ["新企业二", theirs, "乙镇", 10]]
    report = run(tmp_path, "enterprises", FIRM_HEADER, rows, areas["scope"])
    assert errors(report) == {(3, "所属辖区"): f"所属辖区“乙镇”{OUTSIDE}：只能导入您所管辖辖区"
                                              "（及其下级）的数据，请删除该行或改由上级工会导入。"}
    assert not Enterprise.objects.filter(credit_code__in=[mine, theirs]).exists()
    # The same file without the other area's row goes in.
    report = run(tmp_path, "enterprises", FIRM_HEADER, rows[:1], areas["scope"])
    assert report.errors == [] and report.created == 1


def test_an_enterprise_of_another_area_cannot_be_taken_over(tmp_path, areas):
    fb = areas["fb"]
    report = run(tmp_path, "enterprises", FIRM_HEADER, [["改名", fb.credit_code, "甲镇", 10]],
                 areas["scope"])
    assert list(errors(report)) == [(2, "统一社会信用代码")]
    assert "已登记在其他辖区" in report.errors[0].message
    fb.refresh_from_db()
    assert (fb.name, fb.jurisdiction) == ("乙镇企业", areas["b"])
    # Without a scope (the CLI, a county administrator) the move is an ordinary update.
    report = run(tmp_path, "enterprises", FIRM_HEADER, [["改名", fb.credit_code, "甲镇", 10]],
                 None)
    assert report.errors == [] and report.updated == 1


def test_members_only_in_enterprises_of_the_area(tmp_path, areas):
    header = ["姓名", "公民身份号码", "所在企业信用代码", "入会日期"]
    ids = [make_id_number("510623", D(1990, 1, 1), n) for n in (11, 13)]
    rows = [["张三", ids[0], areas["fa"].credit_code, "2024-01-05"],
            ["李四", ids[1], areas["fb"].credit_code, "2024-01-05"]]
    report = run(tmp_path, "members", header, rows, areas["scope"])
    assert list(errors(report)) == [(3, "所在企业信用代码")]
    assert OUTSIDE in report.errors[0].message and report.created == 1
    assert not Member.objects.filter(enterprise__in=[areas["fa"], areas["fb"]]).exists()


def test_unions_and_coverage_only_inside_the_area(tmp_path, areas):
    header = ["工会名称", "组织类型", "所属辖区", "成立日期", "覆盖企业信用代码"]
    fa, fb = areas["fa"], areas["fb"]
    rows = [["甲镇联合会", "工会联合会", "甲镇", "2024-01-01", f"{fa.credit_code}、{fb.credit_code}"],
            ["乙镇联合会", "工会联合会", "乙镇", "2024-01-01", fb.credit_code]]
    report = run(tmp_path, "unions", header, rows, areas["scope"])
    assert set(errors(report)) == {(2, "覆盖企业信用代码"), (3, "所属辖区")}
    assert not UnionOrganisation.objects.filter(name__in=["甲镇联合会", "乙镇联合会"]).exists()

    header = ["工会名称", "企业信用代码", "覆盖开始日期", "覆盖结束日期"]
    rows = [["甲镇企业工会", fa.credit_code, "2021-01-01", "2025-01-01"],  # own: fine
            ["乙镇企业工会", fb.credit_code, "2021-01-01", "2025-01-01"],  # other area's union
            ["甲镇企业工会", fb.credit_code, "2025-01-01", ""]]  # other area's enterprise
    report = run(tmp_path, "coverage", header, rows, areas["scope"])
    got = errors(report)
    assert {(3, "工会名称"), (3, "企业信用代码"), (4, "企业信用代码")} == set(got)
    assert all(OUTSIDE in m for m in got.values())
    assert Coverage.objects.get(enterprise=fa).end_on is None


def test_jurisdictions_only_below_the_officers_area(tmp_path, areas):
    header = ["辖区名称", "辖区代码", "上级辖区", "类型"]
    a, b = areas["a"], areas["b"]
    rows = [["甲镇一片区", "", a.code, "片区"],
            ["乙镇一片区", "", "乙镇", "片区"],
            ["新县", "", "", "县"]]
    report = run(tmp_path, "jurisdictions", header, rows, areas["scope"])
    got = errors(report)
    assert set(got) == {(3, "上级辖区"), (4, "上级辖区")}
    assert got[(3, "上级辖区")].startswith("上级辖区“乙镇”" + OUTSIDE)
    assert got[(4, "上级辖区")].startswith("新建顶级辖区" + OUTSIDE)
    report = run(tmp_path, "jurisdictions", header,
                 [["乙镇改名", b.code, areas["county"].code, "乡镇"]], areas["scope"])
    assert list(errors(report)) == [(2, "辖区代码")]
    assert report.errors[0].message.startswith("辖区“乙镇”" + OUTSIDE)
    # The officer's own area is placed by the county: renaming it means changing a node
    # under the county, which is outside.
    report = run(tmp_path, "jurisdictions", header,
                 [["甲镇改名", a.code, areas["county"].code, "乡镇"]], areas["scope"])
    assert errors(report) == {(2, "上级辖区"): f"上级辖区“范围县”{OUTSIDE}：只能导入您所管辖辖区"
                                              "（及其下级）的数据，请删除该行或改由上级工会导入。"}
    report = run(tmp_path, "jurisdictions", header, rows[:1], areas["scope"])
    assert report.errors == [] and Jurisdiction.objects.get(name="甲镇一片区").parent == a
    a.refresh_from_db()
    assert a.name == "甲镇"


def test_cli_user_option_applies_that_users_scope(tmp_path, areas):
    path = write_csv(tmp_path / "e.csv", FIRM_HEADER,
                     [["命令行企业", make_credit_code("91999999MB0000003"), "乙镇", 10]])
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import", "enterprises", str(path), "--dry-run",
                     "--user", areas["officer"].username, stderr=err, stdout=io.StringIO())
    assert OUTSIDE in err.getvalue()
    # A name that is no web user is refused (a typo must not widen the scope to everything);
    # without --user the CLI itself may write everywhere.
    with pytest.raises(CommandError, match="没有用户名为“ops-shell”的用户"):
        call_command("import", "enterprises", str(path), "--user", "ops-shell",
                     stderr=io.StringIO(), stdout=io.StringIO())
    assert not Enterprise.objects.filter(name="命令行企业").exists()
    call_command("import", "enterprises", str(path), stderr=io.StringIO(), stdout=io.StringIO())
    assert Enterprise.objects.get(name="命令行企业").jurisdiction == areas["b"]
