"""Tests for jianhui.lib.codes (no Django needed).

Check characters are cross-checked against an independent implementation written here from the
weights in DOMAIN.md section 3, not against stdnum.
"""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from jianhui.lib.codes import (
    CREDIT_CODE_ALPHABET,
    CodeError,
    clean_text,
    credit_code_check_char,
    id_birth_date,
    id_check_char,
    id_division_known,
    id_gender,
    is_valid_credit_code,
    is_valid_id_number,
    is_valid_mobile,
    make_credit_code,
    make_id_number,
    mask_id_number,
    mask_phone,
    normalise_credit_code,
    normalise_id_number,
    normalise_mobile,
    to_half_width,
)

# ---------------------------------------------------------------- independent reference

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
RIC_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
RIC_CHECK = "10X98765432"


def ref_credit_check(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    index = 31 - total % 31
    return ALPHABET[0 if index == 31 else index]


def ref_id_check(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, RIC_WEIGHTS, strict=True))
    return RIC_CHECK[total % 11]


def to_full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def error_of(func, *args, **kwargs) -> str:
    with pytest.raises(CodeError) as info:
        func(*args, **kwargs)
    assert str(info.value) == info.value.message
    assert isinstance(info.value, ValueError)
    return info.value.message


TODAY = date(2025, 6, 1)

# ---------------------------------------------------------------- text helpers


def test_to_half_width():
    assert to_half_width("９１５１０６２３ＭＡ") == "91510623MA"
    assert to_half_width("ａ\u3000！～") == "a !~"
    assert to_half_width("中江县") == "中江县"


def test_clean_text():
    assert clean_text(None) == ""
    assert clean_text("  ａｂｃ\u3000") == "abc"
    assert clean_text(123) == "123"


# ---------------------------------------------------------------- credit codes

# Published example codes (stdnum documentation and public business licences).
PUBLISHED_CREDIT_CODES = [
    "91110000600037341L",
    "91440300708461136T",
    "914403001922038216",
    "91330100799655058B",
    "91110108551385082Q",
]


@pytest.mark.parametrize("code", PUBLISHED_CREDIT_CODES)
def test_published_credit_codes(code):
    assert ref_credit_check(code[:17]) == code[17]
    assert credit_code_check_char(code[:17]) == code[17]
    assert normalise_credit_code(code) == code
    assert is_valid_credit_code(code)


def test_make_credit_code_county_prefix():
    first17 = "91510623MA62Q0ABC"
    code = make_credit_code(first17)
    assert code == first17 + ref_credit_check(first17)
    assert normalise_credit_code(code) == code


def test_check_index_31_means_zero():
    # Find a prefix whose sum is a multiple of 31: the check character must be "0".
    for n in range(31):
        first17 = "9151062300000" + f"{n:04d}"
        if ref_credit_check(first17) == "0":
            assert credit_code_check_char(first17) == "0"
            break
    else:  # pragma: no cover
        pytest.fail("no prefix with check index 31 found")


def test_credit_code_normalisation():
    code = make_credit_code("91510623MA62Q0ABC")
    messy = " " + to_full_width(code[:9].lower()) + "\u3000" + code[9:12] + " \t" + code[12:]
    assert normalise_credit_code(messy) == code


def test_credit_code_empty():
    for value in (None, "", "   ", "\u3000"):
        assert "为空" in error_of(normalise_credit_code, value)
    assert not is_valid_credit_code(None)


def test_credit_code_wrong_length():
    message = error_of(normalise_credit_code, "91510623MA62Q0AB")
    assert "18位" in message and "16位" in message
    assert "19位" in error_of(normalise_credit_code, "91510623MA62Q0ABCDE")


def test_credit_code_illegal_characters():
    code = make_credit_code("91510623MA62Q0ABC")
    message = error_of(normalise_credit_code, code[:10] + "O" + code[11:])
    assert "「O」" in message
    assert "I、O、S、V、Z" in message
    assert "「建」" in error_of(normalise_credit_code, "建" + code[1:])


def test_credit_code_wrong_check_character():
    code = make_credit_code("91510623MA62Q0ABC")
    wrong = ALPHABET[(ALPHABET.index(code[17]) + 1) % 31]
    message = error_of(normalise_credit_code, code[:17] + wrong)
    assert "第18位应为「" + code[17] + "」" in message
    assert "错误" in message and "核对" in message


def test_credit_code_excel_number():
    message = error_of(normalise_credit_code, "9.15106E+17")
    assert "Excel" in message and "文本格式" in message
    assert "Excel" in error_of(normalise_credit_code, 9.15106230000000e17)


def test_credit_code_check_char_rejects_bad_prefix():
    with pytest.raises(CodeError):
        credit_code_check_char("91510623")
    with pytest.raises(CodeError):
        credit_code_check_char("91510623MA62Q0ABI")


credit_prefixes = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


@given(credit_prefixes)
def test_make_credit_code_property(first17):
    code = make_credit_code(first17)
    assert code[17] == ref_credit_check(first17)
    assert normalise_credit_code(code.lower()) == code
    assert is_valid_credit_code(code)


@given(credit_prefixes, st.integers(0, 17), st.integers(1, 30))
def test_credit_code_single_substitution_detected(first17, position, shift):
    code = make_credit_code(first17)
    replacement = ALPHABET[(ALPHABET.index(code[position]) + shift) % 31]
    changed = code[:position] + replacement + code[position + 1 :]
    assert ref_credit_check(changed[:17]) != changed[17]
    assert not is_valid_credit_code(changed)


def test_alphabet_constant():
    assert CREDIT_CODE_ALPHABET == ALPHABET


# ---------------------------------------------------------------- ID numbers


def test_standard_example_with_x():
    # The example from GB 11643-1999 itself, check character X.
    assert ref_id_check("11010519491231002") == "X"
    assert normalise_id_number("11010519491231002x") == "11010519491231002X"
    assert is_valid_id_number("11010519491231002X")
    assert id_birth_date("11010519491231002X") == date(1949, 12, 31)
    assert id_gender("11010519491231002X") == "女"


def test_id_number_accepts_int_and_whitespace():
    number = make_id_number("510623", date(1990, 1, 1), 123)
    assert number == "51062319900101123" + ref_id_check("51062319900101123")
    if number[-1] != "X":
        assert normalise_id_number(int(number)) == number
    assert normalise_id_number(" " + number[:6] + " " + to_full_width(number[6:]) + "\u3000") == (
        number
    )


def test_division_created_after_birth_year_is_accepted():
    # 510603 旌阳区 dates from 1996; people born in 1970 hold 510603 numbers.
    number = make_id_number("510603", date(1970, 3, 15), 21)
    assert not ric.is_valid(number)  # stdnum's birth-place rule would reject it
    assert normalise_id_number(number) == number
    assert id_division_known(number)


def test_unknown_division_is_not_rejected():
    number = make_id_number("519999", date(1985, 7, 1), 2)
    assert is_valid_id_number(number)
    assert not id_division_known(number)
    assert id_division_known(make_id_number("510623", date(1985, 7, 1), 2))


def test_id_empty():
    for value in (None, "", "  "):
        assert "为空" in error_of(normalise_id_number, value)


def test_id_legacy_15_digits():
    message = error_of(normalise_id_number, "510623900101123")
    assert "15位" in message and "18位" in message


def test_id_wrong_length():
    message = error_of(normalise_id_number, "5106231990010112")
    assert "18位" in message and "16位" in message


@pytest.mark.parametrize(
    "value",
    ["5.10623E+17", "5.10623e+17", "510623199001011000.0", 5.10623199001011e17, 510623199001011.0],
)
def test_id_excel_number(value):
    message = error_of(normalise_id_number, value)
    assert "Excel 把身份证号当成数字保存" in message
    assert "后几位已丢失" in message
    assert "文本格式" in message and "重新录入" in message


def test_id_non_digits():
    assert "「A」" in error_of(normalise_id_number, "51062A199001011234")
    assert "「Y」" in error_of(normalise_id_number, "51062319900101123Y")


def test_id_feb_30():
    first17 = "51062319900230123"
    message = error_of(normalise_id_number, first17 + id_check_char(first17))
    assert "19900230" in message and "不是有效日期" in message


def test_id_future_birth_date():
    number = make_id_number("510623", date(2025, 6, 2), 1)
    assert "晚于今天" in error_of(normalise_id_number, number, today=TODAY)
    assert is_valid_id_number(number, today=date(2025, 6, 2))
    tomorrow = date.today() + timedelta(days=1)
    assert not is_valid_id_number(make_id_number("510623", tomorrow, 1))


def test_id_before_1900():
    number = make_id_number("510623", date(1899, 12, 31), 1)
    assert "1900" in error_of(normalise_id_number, number)


def test_id_wrong_check_char():
    number = make_id_number("510623", date(1990, 1, 1), 123)
    wrong = RIC_CHECK[(RIC_CHECK.index(number[17]) + 1) % 11]
    message = error_of(normalise_id_number, number[:17] + wrong)
    assert "第18位应为「" + number[17] + "」" in message


def test_make_id_number_rejects_bad_input():
    with pytest.raises(CodeError):
        make_id_number("51062", date(1990, 1, 1), 1)
    with pytest.raises(CodeError):
        make_id_number("510623", date(1990, 1, 1), 1000)


divisions = st.text(alphabet="0123456789", min_size=6, max_size=6)
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(0, 999)


@given(divisions, births, sequences)
def test_make_id_number_property(division, birth, sequence):
    number = make_id_number(division, birth, sequence)
    assert number[:17] == f"{division}{birth:%Y%m%d}{sequence:03d}"
    assert number[17] == ref_id_check(number[:17])
    assert normalise_id_number(number.lower(), today=TODAY) == number
    assert id_birth_date(number) == birth
    assert id_gender(number) == ("男" if sequence % 2 else "女")


@given(divisions, births, sequences, st.integers(0, 17), st.integers(1, 10))
def test_id_single_substitution_detected(division, birth, sequence, position, shift):
    number = make_id_number(division, birth, sequence)
    chars = RIC_CHECK if position == 17 else "0123456789"
    replacement = chars[(chars.index(number[position]) + shift) % len(chars)]
    if replacement == number[position]:  # shift of 10 on a digit is a no-op
        return
    changed = number[:position] + replacement + number[position + 1 :]
    assert ref_id_check(changed[:17]) != changed[17]
    assert not is_valid_id_number(changed, today=TODAY)


# ---------------------------------------------------------------- mobile numbers


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        13812345678,
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "8613812345678",
        "+86-13812345678",
        "１３８１２３４５６７８",
    ],
)
def test_mobile_normalisation(value):
    assert normalise_mobile(value) == "13812345678"
    assert is_valid_mobile(value)


def test_mobile_rejections():
    assert "为空" in error_of(normalise_mobile, "")
    assert "10位" in error_of(normalise_mobile, "1381234567")
    assert "应以1开头" in error_of(normalise_mobile, "23812345678")
    assert "「a」" in error_of(normalise_mobile, "138a2345678")
    assert not is_valid_mobile("0838-1234567")


# ---------------------------------------------------------------- masking


def test_mask_id_number():
    assert mask_id_number("51062319900101123X") == "510623********123X"
    assert mask_id_number("") == ""
    assert mask_id_number("510623900101123") == "51062" + "*" * 10
    assert mask_id_number("123") == "1**"


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "138****5678"
    assert mask_phone("") == ""
    assert mask_phone("08381234567") == "083****4567"
    assert mask_phone("0838123456") == "083*****56"
    assert mask_phone("12345") == "*****"


@given(st.text(max_size=30))
def test_masking_never_fails_and_hides(text):
    for masked in (mask_id_number(text), mask_phone(text)):
        assert isinstance(masked, str)
        if clean_text(text):
            assert "*" in masked
