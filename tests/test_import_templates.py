"""The downloadable templates: headers the importer reads, required columns marked, dropdowns
from the importer's own enumerations, text-formatted codes, an instructions sheet — and a
filled template of each kind imports."""

from __future__ import annotations

import datetime as dt
import functools
import io

import pytest
from openpyxl import load_workbook

from jianhui.campaign.importers import PARTY, ROUTE, TARGET_KIND, WILLINGNESS
from jianhui.enterprises.models import Enterprise
from jianhui.imports.kinds import KINDS
from jianhui.imports.readers import normalise_header
from jianhui.imports.services import import_file
from jianhui.imports.templates_xlsx import INSTRUCTIONS, build_template
from jianhui.imports.values import JURISDICTION_KIND, ORGANISATION_KIND, SCALE, STATUS
from jianhui.lib.codes import make_credit_code, make_id_number
from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import Coverage, Member, UnionOrganisation

EXPECTED_HEADERS = {
    "jurisdictions": ["辖区名称*", "辖区代码", "上级辖区*", "类型"],
    "enterprises": ["企业名称*", "统一社会信用代码*", "所属辖区*", "行业", "企业规模", "职工人数*",
                    "女职工人数", "农民工人数", "经营状态", "法定代表人", "联系人", "联系电话", "地址",
                    "成立日期", "注销日期", "吊销日期"],
    "unions": ["工会名称*", "组织类型*", "所属辖区*", "成立日期*", "撤销日期", "工会主席", "联系电话",
               "工会统一社会信用代码", "覆盖企业信用代码*"],
    "coverage": ["工会名称", "工会统一社会信用代码", "企业信用代码*", "覆盖开始日期*", "覆盖结束日期"],
    "members": ["姓名*", "公民身份号码*", "手机号码", "所在企业信用代码*", "入会日期*", "离会日期"],
    # the campaign's kinds (jianhui/campaign/importers.py)
    "surveys": ["统一社会信用代码*", "摸底日期*", "职工人数*", "女职工人数", "农民工人数", "有无党组织",
                "建会意愿*", "建议建会方式", "拟加入的联合工会", "摸底人*", "备注", "行动编号"],
    "targets": ["行动编号*", "辖区*", "目标类型*", "目标值*", "起算日期", "完成时限"],
}
DROPDOWNS = {
    "jurisdictions": {"类型": JURISDICTION_KIND},
    "enterprises": {"企业规模": SCALE, "经营状态": STATUS},
    "unions": {"组织类型": ORGANISATION_KIND},
    "coverage": {},
    "members": {},
    "surveys": {"建会意愿": WILLINGNESS, "建议建会方式": ROUTE, "有无党组织": PARTY},
    "targets": {"目标类型": TARGET_KIND},
}
TEXT_COLUMNS = {"统一社会信用代码", "公民身份号码", "手机号码", "所在企业信用代码", "辖区代码",
                "上级辖区", "所属辖区", "联系电话", "工会统一社会信用代码", "覆盖企业信用代码",
                "企业信用代码"}


@functools.cache
def template_bytes(kind: str) -> bytes:
    return build_template(kind)


def workbook(kind: str):
    return load_workbook(io.BytesIO(template_bytes(kind)))


@pytest.mark.parametrize("kind", list(KINDS))
def test_headers_are_what_the_importer_reads_with_required_ones_marked(kind):
    wb = workbook(kind)
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers == EXPECTED_HEADERS[kind]
    columns = KINDS[kind].columns
    assert [columns.resolve(h) for h in headers] == list(columns.names)
    fills = {normalise_header(c.value): c.fill.fgColor.rgb for c in ws[1]}
    required = {fills[n] for n in columns.required}
    optional = {fills[n] for n in columns.names
                if n not in columns.required_or_key()}
    assert len(required) == 1 and len(optional) <= 1 and not required & optional
    for cell in ws[1]:  # the header's note says required or not and explains the column
        name = normalise_header(cell.value)
        need = ("必填" if name in columns.required else
                "二选一" if name in columns.required_or_key() else "选填")
        assert cell.comment.text.startswith(need + "。" if need != "二选一" else need)
    assert ws.freeze_panes == "A2" and ws.max_row == 1  # no example rows on the data sheet


@pytest.mark.parametrize("kind", list(KINDS))
def test_dropdowns_list_exactly_what_the_importer_accepts(kind):
    ws = workbook(kind).worksheets[0]
    letters = {normalise_header(c.value): c.column_letter for c in ws[1]}
    lists = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert len(lists) == len(DROPDOWNS[kind])
    for column, choice in DROPDOWNS[kind].items():
        letter = letters[column]
        dv = lists[f"{letter}2:{letter}1048576"]
        assert dv.formula1 == '"' + ",".join(choice.mapping) + '"'
        assert dv.showErrorMessage and "请从下拉列表中选择" in dv.error
        for value in choice.mapping:  # and each listed value really is accepted
            choice(value)


@pytest.mark.parametrize("kind", list(KINDS))
def test_code_and_id_columns_are_text_dates_are_dates(kind):
    ws = workbook(kind).worksheets[0]
    for cell in ws[1]:
        name = normalise_header(cell.value)
        fmt = ws.column_dimensions[cell.column_letter].number_format
        if name in TEXT_COLUMNS:
            assert fmt == "@", name
        if name.endswith("日期"):
            assert fmt == "yyyy-mm-dd", name


@pytest.mark.parametrize("kind", list(KINDS))
def test_instructions_sheet_lists_every_column(kind):
    wb = workbook(kind)
    assert wb.sheetnames == [KINDS[kind].label, INSTRUCTIONS]
    ws = wb[INSTRUCTIONS]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "2024年1月5日" in text and "2024/1/5" in text and "不写入任何数据" in text
    table = {}
    for row in ws.iter_rows(values_only=True):
        if row[0] and row[1] in ("必填", "选填", "二选一"):
            table[normalise_header(row[0])] = row
    columns = KINDS[kind].columns
    assert list(table) == list(columns.names)
    for name, (_, need, explanation, values, _example, _aliases) in table.items():
        assert explanation
        assert need == ("必填" if name in columns.required else
                        "二选一" if name in columns.required_or_key() else "选填")
        if choice := DROPDOWNS[kind].get(name):
            assert values == "、".join(choice.mapping)
    if kind == "enterprises":
        assert "单位名称" in table["企业名称"][5] and "从业人数" in table["职工人数"][5]


def fill(kind: str, tmp_path, rows: list[dict]):
    """Fill a downloaded template as a user would (typing into the first sheet) and save it."""
    wb = workbook(kind)
    ws = wb.worksheets[0]
    position = {normalise_header(c.value): c.column for c in ws[1]}
    for r, values in enumerate(rows, start=2):
        for name, value in values.items():
            ws.cell(row=r, column=position[name], value=value)
    path = tmp_path / f"{kind}.xlsx"
    wb.save(path)
    return path


def test_filled_templates_of_every_kind_import(tmp_path, db):
    D = dt.date
    code = [make_credit_code(f"91555555MA{n:07d}") for n in range(3)]
    ids = [make_id_number("510623", D(1990, 1, 1), n) for n in (21, 22)]
    steps = [
        ("jurisdictions", [{"辖区名称": "模板县", "辖区代码": "559900", "类型": "县"},
                           {"辖区名称": "模板园区", "辖区代码": "559900401", "上级辖区": "模板县",
                            "类型": "园区"}]),
        ("enterprises", [{"企业名称": f"模板企业{i}", "统一社会信用代码": c, "所属辖区": "模板园区",
                          "职工人数": 20, "企业规模": "小型", "经营状态": "在营",
                          "成立日期": D(2020, 1, 1)} for i, c in enumerate(code)]),
        ("unions", [{"工会名称": "模板企业0工会", "组织类型": "基层工会委员会", "所属辖区": "559900401",
                     "成立日期": D(2021, 1, 1), "覆盖企业信用代码": code[0]},
                    {"工会名称": "模板联合会", "组织类型": "工会联合会", "所属辖区": "模板园区",
                     "成立日期": "2021/1/1", "覆盖企业信用代码": f"{code[1]}、{code[2]}"}]),
        ("coverage", [{"工会名称": "模板联合会", "企业信用代码": code[2],
                       "覆盖开始日期": D(2021, 1, 1), "覆盖结束日期": D(2024, 1, 1)}]),
        ("members", [{"姓名": "张三", "公民身份号码": ids[0], "手机号码": "13800000000",
                      "所在企业信用代码": code[0], "入会日期": D(2022, 3, 1)},
                     {"姓名": "李四", "公民身份号码": ids[1], "所在企业信用代码": code[1],
                      "入会日期": "2022年3月1日"}]),
    ]
    for kind, rows in steps:
        report = import_file(kind, fill(kind, tmp_path, rows), user="tester")
        assert report.errors == [], (kind, report.errors)
        assert report.rows == len(rows) and report.created + report.updated == len(rows), kind
    assert Jurisdiction.objects.get(code="559900401").parent.code == "559900"
    assert Enterprise.objects.filter(credit_code__in=code).count() == 3
    assert UnionOrganisation.objects.get(name="模板联合会").kind == "federation"
    assert Coverage.objects.get(enterprise__credit_code=code[2]).end_on == D(2024, 1, 1)
    assert Member.objects.by_id_numbers(ids).count() == 2


def test_template_download(admin_client):
    response = admin_client.get("/imports/templates/members/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "filename*=utf-8''%E4%BC%9A%E5%91%98" in response["Content-Disposition"]  # 会员…
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb.worksheets[0][1]] == EXPECTED_HEADERS["members"]
    assert admin_client.get("/imports/templates/nothing/").status_code == 404
