"""Reading real files: header aliases, title rows, encodings, and the cell value parsers."""

from __future__ import annotations

import datetime as dt

import pytest

from jianhui.imports.kinds import KINDS
from jianhui.imports.readers import ALIASES, Columns, csv_encoding, normalise_header, open_table
from jianhui.imports.samples import write_csv, write_xlsx
from jianhui.imports.values import (
    JURISDICTION_KIND,
    ORGANISATION_KIND,
    SCALE,
    STATUS,
    ValueProblem,
    parse_date,
    parse_int,
    split_codes,
)

ISSUE_ALIASES = {
    "单位名称": "企业名称", "社会信用代码": "统一社会信用代码", "信用代码": "统一社会信用代码",
    "统一代码": "统一社会信用代码", "所属园区": "所属辖区", "所属乡镇": "所属辖区",
    "所属区域": "所属辖区", "职工总数": "职工人数", "从业人数": "职工人数",
    "身份证号": "公民身份号码", "身份证号码": "公民身份号码", "证件号码": "公民身份号码",
    "手机": "手机号码", "手机号": "手机号码", "联系方式": "手机号码", "入会时间": "入会日期",
    "撤销时间": "撤销日期",
}


@pytest.mark.parametrize("alias,name", ISSUE_ALIASES.items())
def test_each_alias_of_the_issue(alias, name):
    assert ALIASES[alias] == name
    columns = Columns(names=(name,), required=(name,))
    assert columns.resolve(f" {alias} *") == name
    assert columns.resolve(alias + "＊") == name  # full-width star


@pytest.mark.parametrize("alias", ["单位名称", "社会信用代码", "信用代码", "统一代码", "所属园区",
                                   "所属乡镇", "所属区域", "职工总数", "从业人数"])
def test_enterprise_aliases_resolve_in_the_enterprise_kind(alias):
    assert KINDS["enterprises"].columns.resolve(alias) == ISSUE_ALIASES[alias]


@pytest.mark.parametrize("alias", ["身份证号", "身份证号码", "证件号码", "手机", "手机号",
                                   "联系方式", "入会时间", "信用代码", "统一社会信用代码"])
def test_member_aliases_resolve_in_the_member_kind(alias):
    assert KINDS["members"].columns.resolve(alias) in KINDS["members"].columns.names


def test_union_alias_for_dissolution():
    assert KINDS["unions"].columns.resolve("撤销时间") == "撤销日期"
    assert KINDS["unions"].columns.resolve("统一社会信用代码") == "工会统一社会信用代码"


def test_header_normalisation():
    assert normalise_header("　企业 名称 *") == "企业名称"
    assert normalise_header("职工人数（人）") == "职工人数(人)"


COLUMNS = KINDS["members"].columns
HEADER = ["姓名*", "身份证号", "手机", "企业信用代码", "入会时间"]
ROW = ["张三", "510623198001010011", "13800000000", "91510623MA0000001X", "2024-01-05"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_encodings_and_title_row(tmp_path, encoding):
    path = write_csv(tmp_path / "m.csv", HEADER, [ROW, ["", "", "", "", ""], ROW],
                     encoding=encoding, title="中江县会员名册（2024年）")
    assert csv_encoding(path) == ("gb18030" if encoding == "gb18030" else "utf-8-sig")
    table = open_table(path, COLUMNS)
    assert table.header_row == 2 and table.missing == []
    rows = list(table.rows)
    assert [n for n, _ in rows] == [3, 5]  # Excel's row numbers; the blank row 4 skipped
    assert rows[0][1]["姓名"] == "张三" and table.headers["公民身份号码"] == "身份证号"


def test_xlsx_title_rows_and_row_numbers(tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", HEADER, [ROW, ROW], title="会员名册")
    table = open_table(path, COLUMNS)
    assert table.header_row == 2 and table.missing == []
    assert [n for n, _ in table.rows] == [3, 4]


def test_missing_required_column_is_reported(tmp_path):
    path = write_csv(tmp_path / "m.csv", HEADER[:3], [ROW[:3]])
    assert set(open_table(path, COLUMNS).missing) == {"所在企业信用代码", "入会日期"}


@pytest.mark.parametrize("value", [
    dt.date(2024, 1, 5), dt.datetime(2024, 1, 5, 8, 30), 45296, 45296.0, "45296", "2024-01-05",
    "2024/1/5", "2024.1.5", "2024年1月5日", "２０２４年１月５日", "2024-01-05 00:00:00", "20240105",
])
def test_each_date_form(value):
    from jianhui.imports.values import text

    assert parse_date(text(value) if isinstance(value, str) else value) == dt.date(2024, 1, 5)


@pytest.mark.parametrize("value", ["2024-02-30", "2023/2/29", "2024年13月1日", "明天", "0"])
def test_impossible_dates_are_rejected(value):
    with pytest.raises(ValueProblem) as exc:
        parse_date(value)
    assert value in str(exc.value) or "不是有效" in str(exc.value)


@pytest.mark.parametrize("value,expected", [
    (120, 120), (120.0, 120), ("120", 120), ("120人", 120), ("1,200", 1200), ("1，200", 1200),
    ("120.0", 120), (" 35 ", 35),
])
def test_integers(value, expected):
    assert parse_int(value) == expected


@pytest.mark.parametrize("value", ["十二", "12.5", 12.5, "-3", "abc"])
def test_bad_integers(value):
    with pytest.raises(ValueProblem):
        parse_int(value)


def test_enumerations_accept_their_spellings_and_list_them_in_errors():
    assert SCALE("大") == SCALE("大型") == "large" and SCALE("微") == "micro"
    assert STATUS("存续") == STATUS("开业") == "operating" and STATUS("歇业") == "suspended"
    assert STATUS("注销") == "deregistered" and STATUS("吊销") == "revoked"
    assert ORGANISATION_KIND("联合基层工会") == "joint"
    assert JURISDICTION_KIND("片区") == "area" and JURISDICTION_KIND("县") == "county"
    with pytest.raises(ValueProblem) as exc:
        STATUS("正常")
    assert "在营、存续、开业、停业、歇业、注销、吊销" in str(exc.value)
    with pytest.raises(ValueProblem) as exc:
        SCALE("巨型")
    assert "大型、中型、小型、微型" in str(exc.value)


def test_split_codes():
    assert split_codes("A、B,C;D，E；F\nG H") == list("ABCDEFGH")
