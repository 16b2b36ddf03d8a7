"""Reading users' spreadsheets: .xlsx/.xls through python-calamine, .csv in UTF-8 or GB18030.

Rows are streamed (generators) so memory stays bounded by what the importers keep, not by the
file. Row numbers are the ones the user sees in Excel: 1-based, counting title and header rows.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from jianhui.lib.codes import to_half_width

# Common headers of real files → our column names (issue 4). Kinds add their own aliases.
ALIASES: dict[str, str] = {
    "单位名称": "企业名称",
    "社会信用代码": "统一社会信用代码",
    "信用代码": "统一社会信用代码",
    "统一代码": "统一社会信用代码",
    "所属园区": "所属辖区",
    "所属乡镇": "所属辖区",
    "所属区域": "所属辖区",
    "职工总数": "职工人数",
    "从业人数": "职工人数",
    "身份证号": "公民身份号码",
    "身份证号码": "公民身份号码",
    "证件号码": "公民身份号码",
    "手机": "手机号码",
    "手机号": "手机号码",
    "联系方式": "手机号码",
    "入会时间": "入会日期",
    "撤销时间": "撤销日期",
}

HEADER_SEARCH_ROWS = 30  # a header below this many title rows is not a header
_SPACES = re.compile(r"\s+")


class FileProblem(Exception):
    """The file cannot be read at all (format, encoding); the message is Chinese."""


def normalise_header(value: object) -> str:
    """Trim, full-width → half-width, drop all spaces and a trailing * (required marker)."""
    text = _SPACES.sub("", to_half_width("" if value is None else str(value)))
    return text.rstrip("*")


@dataclass
class Columns:
    """What a kind accepts: its column names, which are required, and its own aliases."""

    names: tuple[str, ...]
    required: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict)
    # Any one of these groups must be present (e.g. 工会名称 or 工会统一社会信用代码).
    one_of: tuple[tuple[str, ...], ...] = ()

    def resolve(self, header: object) -> str | None:
        name = normalise_header(header)
        for _ in range(3):
            if name in self.names:
                return name
            name = self.aliases.get(name) or ALIASES.get(name) or name
        return name if name in self.names else None

    def required_or_key(self) -> set[str]:
        return set(self.required) | {n for group in self.one_of for n in group}


@dataclass
class Table:
    """An opened file: where the header is, which column is which, and the data rows."""

    header_row: int
    index: dict[str, int]  # column name → position
    headers: dict[str, str]  # column name → the header as written in the user's file
    missing: list[str]
    rows: Iterator[tuple[int, dict[str, object]]]


def raw_rows(path: str | Path) -> Iterator[list[object]]:
    """Every row of the first sheet (or the CSV), from row 1, as lists of cell values."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        yield from _workbook_rows(path)
    else:
        raise FileProblem(f"不支持的文件类型「{path.suffix}」：请上传 .xlsx、.xls 或 .csv 文件。")


def _workbook_rows(path: Path) -> Iterator[list[object]]:
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except Exception as exc:  # calamine raises several unrelated types for broken files
        raise FileProblem(f"无法读取工作簿：{exc}。请确认文件是 Excel 工作簿且未加密。") from exc
    # calamine pads the range from cell A1, so positions are the user's row numbers.
    yield from sheet.iter_rows()


def csv_encoding(path: Path) -> str:
    """utf-8-sig when the whole file decodes strictly as UTF-8, else gb18030 (Excel on Windows)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8-sig"


def _csv_rows(path: Path) -> Iterator[list[object]]:
    encoding = csv_encoding(path)
    try:
        with path.open(encoding=encoding, newline="", errors="strict") as fh:
            yield from csv.reader(fh)
    except UnicodeDecodeError as exc:
        raise FileProblem(
            "CSV 文件既不是 UTF-8 也不是 GB18030 编码：请在 Excel 中另存为“CSV UTF-8”后重新导入。"
        ) from exc


def _blank(row: Iterable[object]) -> bool:
    for v in row:  # a loop, not all(): this runs for every row and usually stops at once
        if v is not None and (v.__class__ is not str or v.strip()):
            return False
    return True


def open_table(path: str | Path, columns: Columns) -> Table:
    """Find the header row (the first with a required column) and stream the rows below it."""
    rows = raw_rows(path)
    wanted = columns.required_or_key()
    for number, row in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
            break
        resolved = [columns.resolve(cell) for cell in row]
        if not wanted.intersection(resolved):
            continue
        index: dict[str, int] = {}
        headers: dict[str, str] = {}
        for position, (name, cell) in enumerate(zip(resolved, row, strict=True)):
            if name and name not in index:
                index[name] = position
                headers[name] = str(cell).strip()
        missing = [n for n in columns.required if n not in index]
        missing += ["或".join(g) for g in columns.one_of if not any(n in index for n in g)]
        return Table(number, index, headers, missing, _data_rows(rows, number, index))
    names = "、".join(columns.required)
    raise FileProblem(
        f"在文件前{HEADER_SEARCH_ROWS}行中没有找到表头：表头应包含 {names} 等列，请使用导入模板。"
    )


def _data_rows(rows: Iterator[list[object]], header_row: int,
               index: dict[str, int]) -> Iterator[tuple[int, dict[str, object]]]:
    names, positions = tuple(index), tuple(index.values())
    pick = itemgetter(*positions) if len(positions) > 1 else (lambda row: (row[positions[0]],))
    full = max(positions) + 1
    for number, row in enumerate(rows, start=header_row + 1):
        if _blank(row):
            continue
        if len(row) >= full:
            yield number, dict(zip(names, pick(row), strict=True))
        else:  # a short row (CSV lines may stop early): the missing cells are empty
            width = len(row)
            yield number, {name: row[i] if i < width else "" for name, i in index.items()}
