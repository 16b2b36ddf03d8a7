"""Text helpers for Chinese names."""

from __future__ import annotations


def initials(text: str) -> str:
    """Pinyin initials in lower case, so that 'zjgx' finds 中江高新…; other characters kept."""
    # Imported here: pypinyin's phrase tables are a third of the project's import time, and
    # most processes (the CLI's stats, backup, restore, serve) never spell a name.
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(letters).lower().replace(" ", "")
