"""Text helpers for Chinese names."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def initials(text: str) -> str:
    """Pinyin initials in lower case, so that 'zjgx' finds 中江高新…; other characters kept."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(letters).lower().replace(" ", "")
