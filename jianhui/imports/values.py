"""Cell value parsers: each returns the value or raises ValueProblem with a Chinese message.

Values arrive as calamine gives them (str, float, int, bool, date, datetime, "") or as CSV
strings. Messages say what is wrong and how to fix it; the caller adds row and column.
"""

from __future__ import annotations

import datetime as dt
import re

from jianhui.enterprises.models import OperatingStatus, Scale
from jianhui.lib.codes import clean_text
from jianhui.lib.text import invisible_message
from jianhui.regions.models import JurisdictionKind
from jianhui.unions.models import OrganisationKind


class ValueProblem(ValueError):
    """A cell's value is wrong; ``str(exc)`` is the Chinese message."""


EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug aside)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_INTEGER_NOISE = re.compile(r"[,，\s人名]")


def is_blank(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def text(value: object) -> str:
    """Trimmed half-width text; an integral float (Excel's 120.0) is written as 120."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return clean_text(value)


def visible_text(label: str):
    """A parser for a name (企业名称, 工会名称, 姓名, 法定代表人 ...): text that holds no
    character a reader cannot see (the rule lives in lib/text.py)."""

    def parse(value: object) -> str:
        result = text(value)
        if not result.isprintable():
            raise ValueProblem(invisible_message(label, result))
        return result

    return parse


def parse_date(value: object) -> dt.date:
    """Excel dates, Excel serial numbers, 2024-01-05, 2024/1/5, 2024.1.5, 2024年1月5日, 20240105."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueProblem(f"「{value}」不是日期：请填写如 2024-01-05 的日期。")
    if isinstance(value, int | float):
        return _serial(value)
    raw = text(value)
    candidate = raw.split(" ")[0].split("T")[0] if re.match(r"^\d{4}\D", raw) else raw
    if match := _DATE.match(candidate) or _COMPACT_DATE.match(candidate):
        year, month, day = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise ValueProblem(
                f"日期「{raw}」不存在（{year}年没有{month}月{day}日）：请核对后重新填写。"
            ) from None
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        return _serial(float(raw))
    raise ValueProblem(
        f"无法识别日期「{raw}」：请填写如 2024-01-05、2024/1/5、2024.1.5 或 2024年1月5日 的日期。"
    )


def _serial(number: float) -> dt.date:
    if not 1 <= number < 2958466:  # Excel's last date is 9999-12-31
        raise ValueProblem(f"「{number}」不是有效的 Excel 日期：请填写如 2024-01-05 的日期。")
    return EXCEL_EPOCH + dt.timedelta(days=int(number))


def parse_int(value: object) -> int:
    """Non-negative integers: 120, 120.0, "1,200", "120人"."""
    if isinstance(value, bool):
        raise ValueProblem(f"「{value}」不是整数：请填写人数，如 120。")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueProblem(f"「{value:g}」不是整数：人数应为整数，请核对。")
        number = int(value)
    else:
        raw = text(value)
        digits = _INTEGER_NOISE.sub("", raw)
        if re.fullmatch(r"-?\d+(\.0+)?", digits):
            number = int(digits.split(".")[0])
        else:
            raise ValueProblem(f"「{raw}」不是整数：请只填写数字，如 120。")
    if number < 0:
        raise ValueProblem(f"「{number}」是负数：人数不能为负，请核对。")
    return number


class Choice:
    """An enumeration: accepted spellings → stored value, with the accepted list in errors."""

    def __init__(self, label: str, mapping: dict[str, str]) -> None:
        self.label = label
        self.mapping = mapping

    def __call__(self, value: object) -> str:
        raw = text(value)
        key = raw.replace(" ", "")
        if key in self.mapping:
            return self.mapping[key]
        accepted = "、".join(self.mapping)
        raise ValueProblem(f"{self.label}「{raw}」无法识别：可填写 {accepted}。")


SCALE = Choice("企业规模", {
    "大型": Scale.LARGE, "中型": Scale.MEDIUM, "小型": Scale.SMALL, "微型": Scale.MICRO,
    "大": Scale.LARGE, "中": Scale.MEDIUM, "小": Scale.SMALL, "微": Scale.MICRO,
})
STATUS = Choice("经营状态", {
    "在营": OperatingStatus.OPERATING, "存续": OperatingStatus.OPERATING,
    "开业": OperatingStatus.OPERATING, "停业": OperatingStatus.SUSPENDED,
    "歇业": OperatingStatus.SUSPENDED, "注销": OperatingStatus.DEREGISTERED,
    "吊销": OperatingStatus.REVOKED,
})
ORGANISATION_KIND = Choice("组织类型", {
    "基层工会委员会": OrganisationKind.STANDALONE, "基层工会": OrganisationKind.STANDALONE,
    "联合基层工会": OrganisationKind.JOINT, "工会联合会": OrganisationKind.FEDERATION,
    "联合会": OrganisationKind.FEDERATION,
})
JURISDICTION_KIND = Choice("辖区类型", {
    label: value for value, label in JurisdictionKind.choices
})


def split_codes(value: object) -> list[str]:
    """One or more codes separated by 、 , ; ，； or line breaks (full-width already folded)."""
    return [p for p in re.split(r"[、,;，；\s]+", text(value)) if p]
