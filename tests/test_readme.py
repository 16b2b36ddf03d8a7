"""The README as a newcomer reads it: links that stay inside the repository, whole tables, a
command table naming every command (import first among the data commands), and the three
steps of starting with one's own county in order."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_links_stay_inside_the_repository():
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        assert "../shared" not in text, doc.name
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            if re.match(r"https?://", target):
                continue
            path = (doc.parent / target).resolve()
            assert path.is_relative_to(ROOT) and path.exists(), (doc.name, target)


def _tables(text: str) -> list[list[str]]:
    """Runs of consecutive table lines; a table broken by other lines shows up as two."""
    tables, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables + ([current] if current else [])


def test_tables_are_whole():
    """Every table starts with its header and separator (a table cut in two would leave a
    headless second half)."""
    for doc in DOCS:
        for table in _tables(doc.read_text(encoding="utf-8")):
            assert re.match(r"^\|[-| :]+\|$", table[1]), (doc.name, table[0])
            columns = table[0].count("|")
            assert all(row.count("|") >= columns for row in table), (doc.name, table[0])


def test_the_command_table_lists_every_command_import_first_among_data():
    section = README[README.index("## 命令行"):README.index("## 配置")]
    listed = re.findall(r"^\| `jianhui ([a-z-]+)", section, flags=re.MULTILINE)
    ours = {name.replace("_", "-") for name, app in get_commands().items()
            if app.startswith("jianhui")}
    assert ours <= set(listed), ours - set(listed)
    data = section[section.index("**数据**"):section.index("**账号**")]
    first = re.search(r"^\| `jianhui ([a-z-]+)", data, flags=re.MULTILINE).group(1)
    assert first == "import"


def test_starting_with_your_own_county_names_the_three_steps_in_order():
    section = README[README.index("## 使用自己县的数据"):README.index("## 角色与安全")]
    steps = [section.index(s) for s in ("jianhui init", "下载模板", "按顺序导入")]
    assert steps == sorted(steps)
    order = [section.index(k) for k in ("辖区 → 企业", "企业 → 工会组织", "工会组织 → 覆盖关系",
                                        "→ 会员")]
    assert order == sorted(order)
