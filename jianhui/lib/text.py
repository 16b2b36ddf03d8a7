"""Text helpers for Chinese names: pinyin initials, and the characters a reader cannot see."""

from __future__ import annotations


def initials(text: str) -> str:
    """Pinyin initials in lower case, so that 'zjgx' finds 中江高新…; other characters kept."""
    # Imported here: pypinyin's phrase tables are a third of the project's import time, and
    # most processes (the CLI's stats, backup, restore, serve) never spell a name.
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(letters).lower().replace(" ", "")


# ---------------------------------------------------------------- invisible characters
# What a person reads must be what is stored: a code or a name may not carry characters that
# cannot be seen (NUL and other control characters, zero-width characters, direction marks and
# overrides that reorder what is shown). They come in by copying from web pages and chat
# programs; a reader cannot find them, so the message names the character and its position.
_INVISIBLE_NAMES = {
    0x00A0: "不换行空格", 0x00AD: "软连字符", 0x061C: "阿拉伯字母标记",
    0x200B: "零宽空格", 0x200C: "零宽非连接符", 0x200D: "零宽连接符",
    0x200E: "从左至右标记", 0x200F: "从右至左标记",
    0x202A: "从左至右嵌入符", 0x202B: "从右至左嵌入符", 0x202C: "方向格式结束符",
    0x202D: "从左至右强制符", 0x202E: "从右至左强制符",
    0x2060: "零宽不换行符", 0x2066: "从左至右隔离符", 0x2067: "从右至左隔离符",
    0x2068: "方向隔离符", 0x2069: "方向隔离结束符", 0xFEFF: "零宽不换行空格（BOM）",
}


def invisible_characters(text: str) -> list[tuple[int, str]]:
    """(1-based position, 「name U+XXXX」) of every character of text that cannot be seen;
    the ordinary space is visible. Fast for the usual text (str.isprintable, in C)."""
    if text.isprintable():
        return []
    found = []
    for position, char in enumerate(text, start=1):
        if char.isprintable():
            continue
        code = ord(char)
        if code < 0x20 or 0x7F <= code < 0xA0:
            name = "NUL 控制字符" if code == 0 else "控制字符"
        else:
            name = _INVISIBLE_NAMES.get(code, "不可见字符")
        found.append((position, f"{name} U+{code:04X}"))
    return found


def invisible_message(label: str, text: str, unit: str = "个字") -> str | None:
    """A Chinese message naming the first invisible character of text and where it is, or
    None. `unit`: 位 for codes (第15位), 个字 for names (第2个字)."""
    found = invisible_characters(text)
    if not found:
        return None
    position, name = found[0]
    more = f"（共 {len(found)} 处）" if len(found) > 1 else ""
    return (f"{label}第{position}{unit}是看不见的字符「{name}」{more}：通常是从网页或聊天软件复制时"
            "带进来的。请删除该内容后重新输入。")
