"""Validation, normalisation and masking of Chinese identification codes.

Unified social credit codes (GB 32100-2015), resident ID numbers (GB 11643-1999) and mobile
numbers. Pure functions, no Django. Error messages are user-facing Simplified Chinese that say
what is wrong and how to fix it (see DOMAIN.md section 3).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from .text import invisible_message

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
# What Excel (or pandas) leaves of a long number: 5.10623E+17, 510623199001011000.0 ...
_EXCEL_NUMBER = re.compile(r"^[+-]?\d+(\.\d*)?(E[+-]?\d+)?$", re.IGNORECASE)
_EXCEL_MESSAGE = (
    "{name}「{raw}」是数字格式：Excel 把{name}当成数字保存，后几位已丢失，无法还原。"
    "请把该列设置为文本格式后重新录入完整的{name}。"
)


class CodeError(ValueError):
    """A code failed validation; ``message`` is a Chinese explanation with a fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def to_half_width(text: str) -> str:
    """Full-width ASCII (U+FF01..U+FF5E) to half-width; ideographic space to space."""
    # translate() looks every character up in a dict; most text has nothing to translate
    return text.translate(_HALF_WIDTH) if _FULL_WIDTH.search(text) else text


def clean_text(value: object) -> str:
    """None becomes ""; anything else is str()-ed, made half-width and stripped."""
    if value is None:
        return ""
    return to_half_width(str(value)).strip()


def _compact(value: object) -> str:
    """clean_text, then drop all whitespace (also inside) and upper-case."""
    return "".join(clean_text(value).split()).upper()


def compact_code(value: object) -> str:
    """The canonical spelling of a code for comparison: half-width, no spaces, upper case.

    For any valid ID number or credit code this equals its normalised form, at a fraction of
    the cost of validating it again (the blind index of encrypted ID numbers relies on that).
    """
    if type(value) is str and value.isascii() and value.isalnum():
        return value.upper()  # the common case, already compact
    return _compact(value)


def _looks_like_excel_number(value: object, text: str) -> bool:
    if isinstance(value, float):
        return True
    return bool(_EXCEL_NUMBER.match(text)) and ("." in text or "E" in text)


def _succeeds(normalise: Callable[..., str], *args: object) -> bool:
    try:
        normalise(*args)
    except CodeError:
        return False
    return True


def _illegal(text: str, allowed: str) -> str:
    """The distinct characters of text not in allowed, joined with 、 for a message."""
    return "、".join(dict.fromkeys(c for c in text if c not in allowed))


# ---------------------------------------------------------------- credit codes


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 are given."""
    prefix = _compact(first17)
    if len(prefix) != 17 or _illegal(prefix, CREDIT_CODE_ALPHABET):
        raise CodeError(
            f"计算校验位需要17位由数字和大写字母（不含 I、O、S、V、Z）组成的前缀，"
            f"收到「{prefix}」：请检查长度和字符。"
        )
    return uscc.calc_check_digit(prefix)


def make_credit_code(first17: str) -> str:
    """Append the check character to a 17-character prefix (demo data)."""
    return _compact(first17) + credit_code_check_char(first17)


def normalise_credit_code(value: object) -> str:
    """Return the 18-character upper-case credit code or raise CodeError."""
    code = _compact(value)
    name = "统一社会信用代码"
    if not code:
        raise CodeError(f"{name}为空：请填写营业执照上的18位{name}。")
    if not code.isprintable():  # before the length: a character nobody can see is the fault
        raise CodeError(invisible_message(name, code, "位"))
    if _looks_like_excel_number(value, code):
        raise CodeError(_EXCEL_MESSAGE.format(name=name, raw=code))
    if len(code) != 18:
        raise CodeError(
            f"{name}应为18位，当前为{len(code)}位：请对照营业执照核对，检查是否漏填或多填了字符。"
        )
    bad = _illegal(code, CREDIT_CODE_ALPHABET)
    if bad:
        raise CodeError(
            f"{name}含有非法字符「{bad}」：只能由数字和大写字母组成，且从不使用 I、O、S、V、Z"
            f"（字母 O 通常是数字 0、I 通常是数字 1 之误），请对照营业执照核对。"
        )
    expected = uscc.calc_check_digit(code[:17])
    if code[17] != expected:
        raise CodeError(
            f"{name}「{code}」校验不通过：按前17位计算，第18位应为「{expected}」，"
            f"实际为「{code[17]}」。很可能有字符录入错误，请对照营业执照逐位核对。"
        )
    return code


def is_valid_credit_code(value: object) -> bool:
    return _succeeds(normalise_credit_code, value)


# ---------------------------------------------------------------- resident ID numbers


def id_check_char(first17: str) -> str:
    """The 18th character (0-9 or X) of an ID number whose first 17 digits are given."""
    prefix = _compact(first17)
    if len(prefix) != 17 or not (prefix.isascii() and prefix.isdigit()):
        raise CodeError(f"计算身份证校验位需要17位数字，收到「{prefix}」：请检查长度和字符。")
    return ric.calc_check_digit(prefix + "X")


_ID_LAST = frozenset("0123456789X")
_ID_CHECK = [str((1 - 2 * r) % 11).replace("10", "X") for r in range(11)]  # by int(first17, 13) % 11
_BIRTH_DATES: dict[str, date] = {}
_STARTED_ON = date.today()  # a birth date up to this day is never in the future


def _birth_date(digits: str) -> date | None:
    """The date of 8 ASCII digits YYYYMMDD (remembered: people share birthdays), or None."""
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
    if len(_BIRTH_DATES) < 100_000:  # every day since 1750: never reached by real numbers
        _BIRTH_DATES[digits] = birth
    return birth


def normalise_id_number(value: object, today: date | None = None) -> str:
    """Return the 18-character ID number (check character upper case) or raise CodeError.

    The division code is deliberately not checked against stdnum's table (see DOMAIN.md 3):
    use ``id_division_known`` for a warning instead.
    """
    # The common case: already 18 ASCII characters. Imports call this for every row and every
    # lookup, so it skips the general clean-up; anything unusual takes the path below.
    if (type(value) is str and len(value) == 18 and value.isascii() and value[:17].isdigit()
            and value[17] in _ID_LAST):
        birth = _BIRTH_DATES.get(value[6:14]) or _birth_date(value[6:14])
        if (birth is not None and 1900 <= birth.year
                and (birth <= today if today else birth <= _STARTED_ON or birth <= date.today())
                and value[17] == _ID_CHECK[int(value[:17], 13) % 11]):
            return value
    number = _compact(value)
    name = "身份证号"
    if not number:
        raise CodeError(f"{name}为空：请填写18位公民身份号码。")
    if not number.isprintable():
        raise CodeError(invisible_message(name, number, "位"))
    if _looks_like_excel_number(value, number):
        raise CodeError(_EXCEL_MESSAGE.format(name=name, raw=number))
    if len(number) == 15 and number.isascii() and number.isdigit():
        raise CodeError(
            f"「{number}」是15位的旧版{name}：请改填18位的新版{name}（以居民身份证上印的为准）。"
        )
    if len(number) != 18:
        raise CodeError(
            f"{name}应为18位，当前为{len(number)}位：请对照身份证核对，检查是否漏填或多填了数字。"
        )
    bad = _illegal(number[:17], "0123456789")
    if bad:
        raise CodeError(f"{name}前17位只能是数字，发现「{bad}」：请对照身份证核对。")
    if number[17] not in "0123456789X":
        raise CodeError(
            f"{name}最后一位只能是数字或字母 X，当前为「{number[17]}」：请对照身份证核对。"
        )
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        raise CodeError(
            f"{name}第7-14位的出生日期「{number[6:14]}」不是有效日期：请对照身份证核对。"
        ) from None
    today = today or date.today()
    if birth > today:
        raise CodeError(
            f"{name}中的出生日期 {birth.isoformat()} 晚于今天：请对照身份证核对第7-14位。"
        )
    if birth.year < 1900:
        raise CodeError(
            f"{name}中的出生日期 {birth.isoformat()} 早于1900年：请对照身份证核对第7-14位。"
        )
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise CodeError(
            f"{name}「{number}」校验不通过：按前17位计算，第18位应为「{expected}」，"
            f"实际为「{number[17]}」。很可能有数字录入错误，请对照身份证逐位核对。"
        )
    return number


def is_valid_id_number(value: object, today: date | None = None) -> bool:
    return _succeeds(normalise_id_number, value, today)


def id_birth_date(id_number: str) -> date:
    """Birth date encoded in a (valid) ID number."""
    return ric.get_birth_date(normalise_id_number(id_number))


def id_gender(id_number: str) -> str:
    """Return 男 if the 17th digit is odd, 女 if it is even."""
    return "男" if int(normalise_id_number(id_number)[16]) % 2 else "女"


def id_division_known(id_number: str) -> bool:
    """Whether stdnum knows the 6-digit division code (in any year). For warnings only."""
    division = _compact(id_number)[:6]
    if len(division) != 6 or not (division.isascii() and division.isdigit()):
        return False
    info = {k: v for _, props in numdb.get("cn/loc").info(division) for k, v in props.items()}
    return "county" in info


def make_id_number(division: str, birth: date, sequence: int) -> str:
    """Build a valid ID number (demo data): division + YYYYMMDD + 3-digit sequence + check."""
    if not (len(division) == 6 and division.isascii() and division.isdigit()):
        raise CodeError(f"行政区划代码应为6位数字，收到「{division}」。")
    if not 0 <= sequence <= 999:
        raise CodeError(f"顺序码应在0到999之间，收到{sequence}。")
    first17 = f"{division}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


# ---------------------------------------------------------------- mobile numbers


def normalise_mobile(value: object) -> str:
    """Return an 11-digit mobile number (spaces, dashes, +86 removed) or raise CodeError."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    number = re.sub(r"[\s\-]", "", clean_text(value))
    if not number:
        raise CodeError("手机号为空：请填写11位手机号码。")
    if not number.isprintable():
        raise CodeError(invisible_message("手机号", number, "位"))
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("86") and len(number) == 13:
        number = number[2:]
    if not (number.isascii() and number.isdigit()):
        bad = _illegal(number, "0123456789")
        raise CodeError(f"手机号只能包含数字，发现「{bad}」：请只填写11位手机号码。")
    if len(number) != 11:
        raise CodeError(
            f"手机号应为11位，当前为{len(number)}位：请核对后重新填写（座机号码不能作为手机号）。"
        )
    if not number.startswith("1"):
        raise CodeError(
            f"手机号「{number}」应以1开头（座机号码不能作为手机号）：请核对后重新填写11位手机号码。"
        )
    return number


def is_valid_mobile(value: object) -> bool:
    return _succeeds(normalise_mobile, value)


# ---------------------------------------------------------------- masking


def mask_id_number(value: str) -> str:
    """510623********123X for 18 characters; otherwise keep the first third."""
    text = _compact(value)
    if len(text) == 18:
        return text[:6] + "*" * 8 + text[-4:]
    keep = len(text) // 3
    return text[:keep] + "*" * (len(text) - keep)


def mask_phone(value: str) -> str:
    """138****5678 for 11 digits; otherwise keep first 3 and last 2 if long enough."""
    if len(value) == 11 and value.isascii() and value.isdigit():  # as stored: no parsing
        return value[:3] + "****" + value[-4:]
    text = normalise_mobile(value) if is_valid_mobile(value) else _compact(value)
    if len(text) == 11:
        return text[:3] + "****" + text[-4:]
    if len(text) >= 7:
        return text[:3] + "*" * (len(text) - 5) + text[-2:]
    return "*" * len(text)
