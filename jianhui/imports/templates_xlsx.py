"""The downloadable .xlsx template of each import kind.

Everything a template says about columns comes from the importer itself (its `Columns`, the
enumerations in `values.py`, the aliases in `readers.py`), so the template cannot drift from
what the importer accepts. Only the human explanations (HELP) live here, and a test checks
that every column has one.

The first sheet holds the header only (the importer reads the first sheet); examples are on
the second sheet, 填写说明, where they cannot be imported by accident.
"""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from jianhui.lib.codes import make_credit_code, make_id_number

from .kinds import KINDS
from .kinds.enterprises import PARSERS as ENTERPRISE_PARSERS
from .readers import ALIASES, Columns
from .values import JURISDICTION_KIND, ORGANISATION_KIND, Choice

INSTRUCTIONS = "填写说明"
REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")  # orange: must be filled
ONE_OF_FILL = PatternFill("solid", fgColor="FFE699")  # yellow: one of a pair
OPTIONAL_FILL = PatternFill("solid", fgColor="DDEBF7")  # light blue: optional
TEXT, DATE, COUNT = "@", "yyyy-mm-dd", "0"
LAST_ROW = 1048576
DATE_FORMS = "Excel 日期、2024-01-05、2024/1/5、2024.1.5、2024年1月5日 或 20240105"

# Enumerated columns: the importer's own Choice objects, so the dropdowns list exactly what
# it accepts.
ENUMS: dict[str, dict[str, Choice]] = {
    "jurisdictions": {"类型": JURISDICTION_KIND},
    "enterprises": {c: p for c, p in ENTERPRISE_PARSERS.items() if isinstance(p, Choice)},
    "unions": {"组织类型": ORGANISATION_KIND},
    "coverage": {},
    "members": {},
}

# How records are matched in the default mode (新增或更新).
KEYS = {
    "jurisdictions": "辖区代码；未填代码时按同一上级辖区下的辖区名称",
    "enterprises": "统一社会信用代码",
    "unions": "工会统一社会信用代码；未填时按工会名称 + 所属辖区",
    "coverage": "工会 + 企业信用代码 + 覆盖开始日期",
    "members": "公民身份号码 + 所在企业 + 入会日期",
}

EXAMPLE_CREDIT_CODE = make_credit_code("91510623MA6200001")
EXAMPLE_ID_NUMBER = make_id_number("510623", dt.date(1990, 1, 1), 123)

# column → (explanation, example)
HELP: dict[str, dict[str, tuple[str, str]]] = {
    "jurisdictions": {
        "辖区名称": ("辖区的简称，如“高新区”“辑庆镇”。", "辑庆镇"),
        "辖区代码": ("行政区划代码或自定的编码，不含“/”。不填时系统按上级辖区代码自动编号。",
                 "510623117"),
        "上级辖区": ("上级辖区的名称或代码，可以是系统中已有的，也可以是本文件中前后任一行。"
                 "只有顶级辖区（省、市、县或区，通常已由 jianhui init 建立）可以不填。", "510623"),
        "类型": ("辖区的类型；不填时顶级为县，其余为乡镇。", "乡镇"),
    },
    "enterprises": {
        "企业名称": ("营业执照上的企业名称。", "中江县示例机械有限公司"),
        "统一社会信用代码": ("18 位统一社会信用代码，字母大小写均可；用于识别同一企业。",
                     EXAMPLE_CREDIT_CODE),
        "所属辖区": ("企业所在的园区、乡镇等，填写名称或代码；须在您的管辖范围内。", "高新区"),
        "行业": ("国民经济行业分类的门类或大类名称。", "制造业"),
        "企业规模": ("不填时按职工人数自动划分。", "中型"),
        "职工人数": ("在职职工总数，不小于 0 的整数。", "120"),
        "女职工人数": ("不小于 0 的整数，不能多于职工人数。", "45"),
        "农民工人数": ("不小于 0 的整数，不能多于职工人数。", "60"),
        "经营状态": ("不填时为在营；填“注销”须同时填写注销日期。", "在营"),
        "法定代表人": ("法定代表人姓名。", "王某某"),
        "联系人": ("企业建会入会工作的联系人。", "李某"),
        "联系电话": ("联系人的电话，手机或座机。", "0838-7201234"),
        "地址": ("企业住所或经营场所。", "中江县高新区示例路 8 号"),
        "成立日期": ("营业执照上的成立日期。", "2018-06-01"),
        "注销日期": ("已注销企业的注销日期；在营企业不填。", ""),
        "吊销日期": ("被吊销营业执照的企业的吊销日期，自该日起不再计入统计；未吊销的不填。", ""),
    },
    "unions": {
        "工会名称": ("工会组织的全称。", "中江县示例机械有限公司工会委员会"),
        "组织类型": ("基层工会委员会只覆盖本企业；多家企业联合建会选联合基层工会或工会联合会。",
                 "基层工会委员会"),
        "所属辖区": ("工会组织所在的园区、乡镇等，填写名称或代码；须在您的管辖范围内。", "高新区"),
        "成立日期": ("工会组织的成立日期，也是覆盖企业的开始日期。", "2021-03-01"),
        "撤销日期": ("已撤销的工会组织的撤销日期；撤销后不再覆盖任何企业。", ""),
        "工会主席": ("工会主席姓名。", "张某"),
        "联系电话": ("工会的联系电话。", "13800000000"),
        "工会统一社会信用代码": ("工会法人资格登记的统一社会信用代码，以 81 开头；"
                       "填写后用于识别同一工会。", ""),
        "覆盖企业信用代码": ("所覆盖企业的统一社会信用代码，多家企业用顿号、逗号、分号或换行分隔；"
                     "覆盖从成立日期开始。", EXAMPLE_CREDIT_CODE),
    },
    "coverage": {
        "工会名称": ("覆盖企业的工会组织名称；与工会统一社会信用代码二选一，重名时请填代码。",
                 "中江县高新区工会联合会"),
        "工会统一社会信用代码": ("工会的统一社会信用代码（81 开头）；与工会名称二选一。", ""),
        "企业信用代码": ("被覆盖企业的统一社会信用代码。", EXAMPLE_CREDIT_CODE),
        "覆盖开始日期": ("开始覆盖的日期，不早于工会和企业的成立日期。", "2023-05-01"),
        "覆盖结束日期": ("不再覆盖的第一天；仍在覆盖则不填。企业转由其他工会覆盖时，"
                   "原覆盖的结束日期填新覆盖的开始日期。", ""),
    },
    "members": {
        "姓名": ("会员姓名。", "张三"),
        "公民身份号码": ("18 位居民身份证号码，末位 X 大小写均可。请保持文本格式："
                   "被 Excel 转成数字的号码已丢失末尾数字，会被判为错误。",
                   EXAMPLE_ID_NUMBER),
        "手机号码": ("11 位手机号码。", "13800000000"),
        "所在企业信用代码": ("会员所在企业的统一社会信用代码；该企业在入会日期须有工会组织覆盖，"
                     "且在您的管辖范围内。", EXAMPLE_CREDIT_CODE),
        "入会日期": ("加入工会的日期。", "2024-01-05"),
        "离会日期": ("不再是会员的第一天；仍是会员则不填。", ""),
    },
}


def number_format(column: str) -> str:
    if column.endswith("日期"):
        return DATE
    if column.endswith("人数"):
        return COUNT
    return TEXT  # names, codes, ID numbers, phones: Excel must not turn them into numbers


def required_kind(columns: Columns, column: str) -> str:
    """"required", "one_of" or "optional"."""
    if column in columns.required:
        return "required"
    if any(column in group for group in columns.one_of):
        return "one_of"
    return "optional"


def aliases_of(columns: Columns, column: str) -> list[str]:
    candidates = {*ALIASES, *columns.aliases}
    return sorted(a for a in candidates if a != column and columns.resolve(a) == column)


def header_text(columns: Columns, column: str) -> str:
    return f"{column}*" if column in columns.required else column


def accepted(kind: str, column: str) -> str:
    if choice := ENUMS[kind].get(column):
        return "、".join(choice.mapping)
    fmt = number_format(column)
    if fmt == DATE:
        return DATE_FORMS
    if fmt == COUNT:
        return "不小于 0 的整数"
    return ""


def build_template(kind: str) -> bytes:
    importer = KINDS[kind]
    columns = importer.columns
    wb = Workbook()
    ws = wb.active
    ws.title = importer.label
    _data_sheet(ws, kind, columns)
    _instructions(wb.create_sheet(INSTRUCTIONS), kind, importer.label, columns)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def template_name(kind: str) -> str:
    return f"{KINDS[kind].label}导入模板.xlsx"


def _data_sheet(ws, kind: str, columns: Columns) -> None:
    fills = {"required": REQUIRED_FILL, "one_of": ONE_OF_FILL, "optional": OPTIONAL_FILL}
    notes = {"required": "必填。", "one_of": "二选一，至少填写一项。", "optional": "选填。"}
    for position, column in enumerate(columns.names, start=1):
        letter = get_column_letter(position)
        need = required_kind(columns, column)
        cell = ws.cell(row=1, column=position, value=header_text(columns, column))
        cell.fill = fills[need]
        cell.font = Font(bold=need != "optional")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        explanation = HELP[kind][column][0]
        text = f"{notes[need]}{explanation}"
        if values := accepted(kind, column):
            text += f"\n可填写：{values}"
        cell.comment = Comment(text, "建会")
        cell.comment.width, cell.comment.height = 300, 140
        dimension = ws.column_dimensions[letter]
        dimension.width = max(12, 2 * len(column) + 6)
        dimension.number_format = number_format(column)
        if choice := ENUMS[kind].get(column):
            listed = ",".join(choice.mapping)
            dv = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True,
                                showErrorMessage=True, errorTitle=f"{column}无法识别",
                                error=f"请从下拉列表中选择：{'、'.join(choice.mapping)}")
            dv.add(f"{letter}2:{letter}{LAST_ROW}")
            ws.add_data_validation(dv)
        elif number_format(column) == COUNT:
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                                allow_blank=True, showErrorMessage=True,
                                errorTitle=f"{column}应为整数", error="请填写不小于 0 的整数，如 120。")
            dv.add(f"{letter}2:{letter}{LAST_ROW}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 24


def _instructions(ws, kind: str, label: str, columns: Columns) -> None:
    first = columns.names[0]
    general = [
        f"1. 在第一个工作表「{label}」中从第 2 行起每行填写一条记录，不要修改第 1 行的表头；"
        "列的顺序可以调整，用不到的选填列可以删除。本说明页不会被导入。",
        "2. 表头带 * （橙色）的列必须填写；黄色的列二选一；蓝色的列选填。"
        "把鼠标停在表头上可以看到该列的说明。",
        f"3. 日期可以填写：{DATE_FORMS}。",
        "4. 代码、身份证号、手机号等列已设为文本格式，请不要改成数字格式："
        "Excel 会把长数字变成科学计数法并丢失末尾数字。",
        "5. 上传后系统先校验整个文件：只要有一处错误就不写入任何数据；"
        "校验结果列出每处错误所在的行、列和修改方法，并可下载标注了错误的工作簿，改好后重新上传。",
        f"6. 导入模式：“新增或更新”（默认）按{KEYS[kind]}找到已有记录并更新，找不到则新增；"
        "“仅新增”遇到已有记录报错；“仅更新”遇到新记录报错。同一文件重复导入不会产生重复数据。",
        "7. 也可以直接上传其他来源的 .xlsx、.xls 或 .csv 文件（CSV 为 UTF-8 或 GB18030 编码），"
        f"表头可以使用下表中“也可用的列名”；表头所在行之前可以有标题行，如“{first}”所在行即为表头。",
    ]
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 60
    ws.column_dimensions["D"].width = 40
    ws.column_dimensions["E"].width = 26
    ws.column_dimensions["F"].width = 30
    ws.append([f"{label}导入模板 · 填写说明"])
    ws["A1"].font = Font(bold=True, size=14)
    for line in general:
        ws.append([line])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=6)
        ws.cell(row=ws.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[ws.max_row].height = 32
    ws.append([])
    ws.append(["列名", "是否必填", "填写说明", "可填写的值", "示例", "也可用的列名"])
    head = ws.max_row
    thin = Side(style="thin", color="BFBFBF")
    for cell in ws[head]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
    need_label = {"required": "必填", "one_of": "二选一", "optional": "选填"}
    for column in columns.names:
        explanation, example = HELP[kind][column]
        ws.append([header_text(columns, column), need_label[required_kind(columns, column)],
                   explanation, accepted(kind, column), example,
                   "、".join(aliases_of(columns, column))])
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.number_format = TEXT
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
