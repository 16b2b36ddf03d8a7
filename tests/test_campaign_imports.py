"""The campaign's import kinds: 摸底情况 (surveys, written through services.record_survey) and
目标任务 (targets), on the import framework's path: everything checked first, row-level Chinese
errors, nothing written when one row is wrong, the user's scope enforced, templates offered."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from fractions import Fraction
from urllib.parse import unquote

from openpyxl import load_workbook

from jianhui import statistics
from jianhui.campaign.models import Case, Flag, SurveyVisit, Target, TargetKind
from jianhui.campaign.progress import progress
from jianhui.enterprises.models import EmployeeSurvey, Enterprise
from jianhui.imports.samples import write_csv
from jianhui.imports.services import import_file
from jianhui.regions.models import Jurisdiction

SURVEY_HEADER = ["统一社会信用代码", "摸底日期", "职工人数", "女职工人数", "有无党组织", "建会意愿",
                 "建议建会方式", "摸底人", "备注"]


def _open_firms(code: str = "510623400") -> list[Enterprise]:
    """Enterprises of an area not unionized on 2023-09-29 (the refusing owners)."""
    return list(Enterprise.objects.filter(jurisdiction__code=code, campaign_cases__flag__in=[
        Flag.REFUSED, Flag.DEFERRED]).order_by("credit_code"))


def test_survey_import_writes_through_the_survey_service(demo, tmp_path):
    firm = _open_firms()[0]
    gaoxin = Jurisdiction.objects.get(code="510623400")
    day = dt.date(2023, 9, 25)
    employees_before = statistics.totals(day, gaoxin).employees
    was = Enterprise.objects.with_employees(day).get(pk=firm.pk).employees_on
    path = write_csv(tmp_path / "摸底.csv", SURVEY_HEADER, [
        [firm.credit_code, "2023/9/25", was + 7, 3, "有", "拒绝", "单独建会", "周丽", "复核"],
    ])
    report = import_file("surveys", path, scope=[gaoxin.path])
    assert report.errors == [] and report.written and report.created == 1
    visit = SurveyVisit.objects.get(survey__enterprise=firm, survey__surveyed_on=day)
    assert (visit.campaign.key, visit.has_party_org, visit.willingness) == ("2023-zj", True,
                                                                           "refusing")
    assert statistics.totals(day, gaoxin).employees == employees_before + 7
    assert Case.objects.get(enterprise=firm).flag in (Flag.REFUSED, Flag.DEFERRED)


def test_a_bad_survey_row_stops_the_whole_file(demo, tmp_path):
    firms = _open_firms()
    kaizhou = Enterprise.objects.filter(jurisdiction__code="510623401").order_by("pk").first()
    before = EmployeeSurvey.objects.count()
    path = write_csv(tmp_path / "摸底.csv", SURVEY_HEADER, [
        [firms[0].credit_code, "2023-09-20", 50, "", "", "观望", "", "周丽", ""],
        [firms[1].credit_code, "2023-09-20", 10, 12, "", "愿意", "", "周丽", ""],
        [firms[2].credit_code, "2023-09-20", 60, "", "", "也许", "", "周丽", ""],
        [kaizhou.credit_code, "2023-09-20", 60, "", "", "愿意", "", "周丽", ""],
        [firms[0].credit_code, "2023-09-20", 51, "", "", "观望", "", "周丽", ""],
    ])
    gaoxin = Jurisdiction.objects.get(code="510623400")
    report = import_file("surveys", path, scope=[gaoxin.path])
    assert not report.written and EmployeeSurvey.objects.count() == before
    messages = {(i.row, i.column): i.message for i in report.errors}
    assert "不能多于职工人数" in messages[3, "女职工人数"]
    assert "也许" in messages[4, "建会意愿"] and "愿意、观望、拒绝" in messages[4, "建会意愿"]
    assert "不在您的管辖范围内" in messages[5, "统一社会信用代码"]
    assert "第 2 行重复" in messages[6, "摸底日期"]


def test_target_import_creates_and_updates_and_checks_values(demo, tmp_path):
    gaoxin = Jurisdiction.objects.get(code="510623400")
    header = ["行动编号", "辖区", "目标类型", "目标值", "起算日期", "完成时限"]
    path = write_csv(tmp_path / "目标.csv", header, [
        ["2023-ZJ", "高新区", "已建会企业数", "78", "", ""],
        ["2023-zj", "510623400", "建会率", "97%", "", "2023-09-30"],
    ])
    report = import_file("targets", path)
    assert report.errors == [] and (report.created, report.updated) == (1, 1)
    unionized = Target.objects.get(campaign__key="2023-zj", jurisdiction=gaoxin,
                                   kind=TargetKind.UNIONIZED)
    rate = Target.objects.get(campaign__key="2023-zj", jurisdiction=gaoxin,
                              kind=TargetKind.ESTABLISHMENT_RATE)
    assert unionized.value == 78 and rate.value == Decimal("0.97")
    assert rate.start_on == dt.date(2022, 10, 1)  # the campaign's, when left blank
    [p] = progress([unionized], dt.date(2023, 9, 29))
    assert p.completion == Fraction(77 - 38, 78 - 38) and p.lagging
    bad = write_csv(tmp_path / "错.csv", header, [
        ["2023-zj", "高新区", "入会率", "95", "", ""],
        ["2099-xx", "高新区", "会员人数", "100", "", ""],
        ["2023-zj", "凯州新城", "会员人数", "2600", "", ""],
    ])
    report = import_file("targets", bad, scope=[gaoxin.path])
    messages = {(i.row, i.column): i.message for i in report.errors}
    assert "0.95" in messages[2, "目标值"]
    assert "没有编号为“2099-xx”的行动" in messages[3, "行动编号"]
    assert "不在您的管辖范围内" in messages[4, "辖区"]
    assert not report.written and Target.objects.filter(kind=TargetKind.MEMBERSHIP_RATE,
                                                        jurisdiction=gaoxin).count() == 0


def test_import_page_offers_the_campaign_kinds_and_their_templates(admin_client, demo):
    page = admin_client.get("/imports/").content.decode()
    assert 'value="surveys"' in page and 'value="targets"' in page
    for kind, name in (("surveys", "摸底情况"), ("targets", "目标任务")):
        response = admin_client.get(f"/imports/templates/{kind}/")
        assert response.status_code == 200
        assert name in unquote(response["Content-Disposition"])
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert [c.value for c in sheet[1]][:2] in (["统一社会信用代码*", "摸底日期*"],
                                                   ["行动编号*", "辖区*"])


def fill(kind: str, tmp_path, rows: list[dict]):
    """Type rows into a downloaded template's first sheet, as a user would."""
    from jianhui.imports.readers import normalise_header
    from jianhui.imports.templates_xlsx import build_template

    wb = load_workbook(io.BytesIO(build_template(kind)))
    ws = wb.worksheets[0]
    position = {normalise_header(c.value): c.column for c in ws[1]}
    for r, values in enumerate(rows, start=2):
        for name, value in values.items():
            ws.cell(row=r, column=position[name], value=value)
    wb.save(tmp_path / f"{kind}.xlsx")
    return tmp_path / f"{kind}.xlsx"


def test_filled_campaign_templates_import(demo, tmp_path):
    firm = _open_firms()[0]
    path = fill("surveys", tmp_path, [{
        "统一社会信用代码": firm.credit_code, "摸底日期": dt.date(2023, 9, 21), "职工人数": 70,
        "建会意愿": "观望", "建议建会方式": "单独建会", "有无党组织": "没有", "摸底人": "周丽",
        "行动编号": "2023-zj"}])
    report = import_file("surveys", path)
    assert report.errors == [] and report.created == 1
    path = fill("targets", tmp_path, [{"行动编号": "2023-zj", "辖区": "辑庆镇",
                                       "目标类型": "入会率", "目标值": "80%"}])
    report = import_file("targets", path)
    assert report.errors == [] and report.created == 1
