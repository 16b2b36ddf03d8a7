"""Reading users' spreadsheets: .xlsx/.xls through python-calamine, .csv in UTF-8 or GB18030.

Rows are streamed (generators) so memory stays bounded by what the importers keep, not by the
file. Row numbers are the ones the user sees in Excel: 1-based, counting title and header rows.

A file may be hostile (issue 14, point 2): every limit below is checked while streaming, before
the memory is spent. An .xlsx is a zip whose parts are inflated here first, counting (a 400 KB
file may unzip to 400 MB), and whose sheet is scanned for cells far out (calamine lays a sheet
out densely: one cell at XFD1048576 is 17 billion cells); only then does calamine read it.
"""

from __future__ import annotations

import codecs
import csv
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from jianhui.lib.codes import to_half_width
from jianhui.lib.text import invisible_message

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

# Limits on what one file may make us hold (issue 14, point 2).
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_ROWS = 1_048_575  # data rows: an Excel sheet's rows less the header
MAX_COLUMNS = 256  # columns a row may have (Excel 97-2003's limit; our templates use ≤ 10)
MAX_CELLS = 8_000_000  # rows × columns of a sheet as calamine lays it out (~32 bytes a cell)
MAX_LINE_CHARS = 1 << 20  # one physical line of a CSV file
MAX_UNZIPPED = 512 << 20  # an .xlsx unzipped, all parts together
MAX_RATIO = 100  # unzipped / zipped for a part larger than RATIO_FROM
RATIO_FROM = 1 << 20


class FileProblem(Exception):
    """The file cannot be read at all (format, encoding); the message is Chinese.

    `row`: the row where reading had to stop, when there is one (0: the file as a whole)."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.row = row


def _too_many_rows(row: int) -> FileProblem:
    return FileProblem(f"文件超过 {MAX_ROWS} 行数据的上限，读到第{row}行时停止："
                       "请把文件拆分为几个较小的文件分批导入（每个文件都要保留表头）。", row)


def _too_many_columns(row: int, count: int) -> FileProblem:
    return FileProblem(f"第{row}行有 {count} 列,超过 {MAX_COLUMNS} 列的上限：请删除多余的列"
                       "（只保留导入模板中的列）后重新导入。", row)


def _oversize_cell(row: int) -> FileProblem:
    return FileProblem(f"第{row}行有单元格超过 {MAX_CELL_CHARS} 个字（Excel 单元格的上限）："
                       "该行内容有误，请核对后重新导入。", row)


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

    if path.suffix.lower() != ".xls":  # .xls is not compressed: bounded by the upload limit
        check_workbook_archive(path)
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except Exception as exc:  # calamine raises several unrelated types for broken files
        raise FileProblem(f"无法读取工作簿：{exc}。请确认文件是 Excel 工作簿且未加密。") from exc
    # calamine pads the range from cell A1, so positions are the user's row numbers.
    yield from sheet.iter_rows()


class BadRow(list):
    """A row that cannot be taken as it is (a line in another encoding, a NUL in a cell):
    its cells as well as they could be read, and the Chinese reason. It is reported as an
    error of its row and never stored; reading goes on to find the others."""

    def __init__(self, cells, problem: str, column: str = "") -> None:
        super().__init__(cells)
        self.problem = problem
        self.column = column


_SAVE_AS = "一个文件只能用一种编码，否则文字会变成乱码。请把整个文件在 Excel 中另存为“CSV UTF-8”后重新导入。"


def csv_encoding(path: Path) -> str:
    """The one encoding of a CSV file, found once: UTF-8 (utf-8-sig) when every line decodes
    as UTF-8, else the one of UTF-8 and GB18030 (Excel's “CSV” on Chinese Windows) in which
    most lines with non-ASCII text are written. Lines in the other one are errors of their row
    (`_decoded_lines`), never read in the wrong encoding."""
    utf8 = other = 0
    with path.open("rb") as fh:
        while line := fh.readline(MAX_LINE_CHARS):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                other += 1
            else:
                utf8 += 1
    return "gb18030" if other > utf8 else "utf-8-sig"


def _utf8_text(line: bytes) -> bool:
    """Does a line of a GB18030 file read as UTF-8 Chinese? (Then it was pasted from a UTF-8
    file: GB18030 text almost never forms valid UTF-8 made only of CJK characters.)"""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    wide = [c for c in text if ord(c) > 0x7F]
    return bool(wide) and all("\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef"
                              for c in wide)


def _csv_rows(path: Path) -> Iterator[list[object]]:
    encoding = csv_encoding(path)
    bad: dict[int, str] = {}  # physical line → why it cannot be read
    with path.open("rb") as fh:
        reader = csv.reader(_decoded_lines(fh, encoding, bad))
        while True:
            first = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # a cell over field_size_limit
                raise _oversize_cell(reader.line_num) from exc
            if len(cells) > MAX_COLUMNS:
                raise _too_many_columns(reader.line_num, len(cells))
            if bad:
                problems = [bad.pop(n) for n in range(first, reader.line_num + 1) if n in bad]
                if problems:
                    yield BadRow(cells, problems[0])
                    continue
            yield cells


def _decoded_lines(fh, encoding: str, bad: dict[int, str]) -> Iterator[str]:
    """The lines of a CSV file decoded in its one encoding; a line longer than
    MAX_LINE_CHARS is refused before it is held; a line that is not in the encoding is
    decoded with replacement characters (for the marked workbook) and noted in `bad`."""
    csv.field_size_limit(MAX_CELL_CHARS)
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    number = 0
    while line := fh.readline(MAX_LINE_CHARS):
        number += 1
        if len(line) == MAX_LINE_CHARS and not line.endswith(b"\n"):
            raise FileProblem(f"第{number}行超过 {MAX_LINE_CHARS} 个字节，不是正常的表格行："
                              "请确认文件是导入模板格式的 CSV 文件。", number)
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8):]
        if line.isascii():
            yield line.decode("ascii")
            continue
        try:
            text = line.decode(codec)
        except UnicodeDecodeError:
            text = line.decode(codec, "replace")
            bad[number] = (
                "这一行不是 UTF-8 编码（像是 GB18030/GBK，Excel 默认的“CSV”格式），而文件其余各行是 "
                "UTF-8：" if codec == "utf-8" else
                "这一行无法按 GB18030（GBK）编码读取，而文件其余各行是 GB18030：") + _SAVE_AS
        else:
            if codec == "gb18030" and _utf8_text(line):
                bad[number] = "这一行是 UTF-8 编码，而文件其余各行是 GB18030（GBK）编码：" + _SAVE_AS
        yield text


# ---------------------------------------------------------------- .xlsx archives
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
# A cell beyond column MAX_COLUMNS (IV) or a row beyond Excel's 1,048,576, in a sheet's XML.
_FAR_COLUMN = re.compile(rb'<(?:\w+:)?c r="(?:[A-Z]{3,}|[J-Z][A-Z]|I[W-Z])[0-9]')
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row r="([0-9]{1,12})"')
_COLUMN = re.compile(rb'<(?:\w+:)?c r="([A-Z]{1,2})[0-9]')
TEXT_BYTES = MAX_CELL_CHARS * 4 + 64  # a cell's text in UTF-8 (entities: &amp; is 5 bytes)


def check_workbook_archive(path: Path) -> None:
    """Inflate every part of an .xlsx, counting, and scan its sheets; raise FileProblem when
    it unzips beyond MAX_UNZIPPED or MAX_RATIO, or lays out more than MAX_CELLS cells.

    The zip's declared sizes are checked first, then the actual inflated bytes (a forged
    header does not help), one chunk at a time: memory stays at a chunk."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileProblem("无法读取工作簿：文件不是有效的 .xlsx（zip）文件。请在 Excel 中打开后"
                          "“另存为”.xlsx 再导入。") from exc
    with archive, path.open("rb") as raw:
        parts = archive.infolist()
        declared = sum(p.file_size for p in parts)
        if declared > MAX_UNZIPPED:
            raise _unzips_to(declared)
        total = 0
        for part in parts:
            total += _check_part(raw, part, total)


def _check_part(raw, part: zipfile.ZipInfo, before: int) -> int:
    """One part of an .xlsx inflated and counted (the parts before it unzipped to `before`).
    A sheet or the shared strings: no text longer than a cell may be; a sheet: no cell
    beyond column MAX_COLUMNS and no more than MAX_CELLS cells laid out. Returns its size."""
    sheet = part.filename.startswith("xl/worksheets/")
    text = sheet or part.filename.startswith("xl/sharedStrings")
    size = rows = width = 0
    tail = b""
    for chunk in _inflate(raw, part):
        size += len(chunk)
        if before + size > MAX_UNZIPPED:
            raise _unzips_to(before + size)
        if size > RATIO_FROM and size > MAX_RATIO * max(part.compress_size, 1):
            raise FileProblem(
                f"工作簿中的「{part.filename}」压缩比异常（解压后超过原大小的 {MAX_RATIO} "
                "倍），可能是恶意构造的文件，拒绝导入。请在 Excel 中打开核对后“另存为”.xlsx 再导入。")
        if not text:
            continue
        window = tail + chunk
        pieces = window.split(b"<")  # linear, in C: the text runs between tags
        if max(map(len, pieces)) > TEXT_BYTES:
            raise FileProblem(
                f"工作簿中有单元格超过 {MAX_CELL_CHARS} 个字（Excel 单元格的上限），"
                "可能是恶意构造的文件，拒绝导入。请在 Excel 中打开核对后“另存为”.xlsx 再导入。")
        if sheet:
            if _FAR_COLUMN.search(window):
                raise FileProblem(
                    f"工作表「{part.filename}」中有超出第 {MAX_COLUMNS} 列的单元格：请删除"
                    "多余的列（只保留导入模板中的列）后重新导入。")
            numbers = _ROW_NUMBER.findall(window)
            if numbers:
                rows = max(rows, *map(int, numbers))
            letters = set(_COLUMN.findall(window))  # a few distinct ones per chunk
            if letters:
                width = max(width, *map(_column_number, letters))
        tail = b"<" + pieces[-1] if len(pieces) > 1 else pieces[-1]  # a tag or text cut in two
    width = width or 26  # cells without references: assume a full alphabet
    if sheet and rows * width > MAX_CELLS:
        raise FileProblem(
            f"工作表「{part.filename}」有 {rows} 行、{width} 列，超过"
            f"单次导入 {MAX_CELLS} 个单元格的上限：请拆分为几个较小的文件分批导入"
            "（每个文件都要保留表头），并删除多余的列。", rows)
    return size


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _unzips_to(size: int) -> FileProblem:
    return FileProblem(
        f"工作簿解压后超过 {MAX_UNZIPPED >> 20} MB（至少 {size / (1 << 20):.0f} MB）的上限，"
        "可能含有异常大的单元格或是恶意构造的文件，拒绝导入。请在 Excel 中打开核对，"
        "或拆分为几个较小的文件分批导入。")


def _inflate(raw, part: zipfile.ZipInfo) -> Iterator[bytes]:
    """The bytes of one zip part as stored, inflated a chunk at a time (never trusting the
    declared uncompressed size)."""
    raw.seek(part.header_offset)
    header = raw.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise FileProblem("工作簿已损坏（zip 结构不完整）：请在 Excel 中打开后“另存为”.xlsx 再导入。")
    fields = _LOCAL_HEADER.unpack(header)
    raw.seek(fields[9] + fields[10], 1)  # the name and the extra field
    left = part.compress_size
    if part.compress_type == zipfile.ZIP_STORED:
        while left > 0 and (data := raw.read(min(left, 1 << 20))):
            left -= len(data)
            yield data
        return
    if part.compress_type != zipfile.ZIP_DEFLATED:
        raise FileProblem("工作簿使用了不支持的压缩方式：请在 Excel 中“另存为”.xlsx 再导入。")
    inflater = zlib.decompressobj(-15)
    try:
        while left > 0 or inflater.unconsumed_tail:
            data = inflater.unconsumed_tail
            if not data:
                data = raw.read(min(left, 1 << 16))
                if not data:
                    break
                left -= len(data)
            out = inflater.decompress(data, 1 << 20)
            if out:
                yield out
            if inflater.eof:
                break
    except zlib.error as exc:
        raise FileProblem("工作簿已损坏（无法解压）：请在 Excel 中打开后“另存为”.xlsx 再导入。") from exc


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
    last = header_row + MAX_ROWS
    for number, row in enumerate(rows, start=header_row + 1):
        if number > last:
            raise _too_many_rows(number)
        if row.__class__ is BadRow:
            yield number, row
            continue
        if _blank(row):
            continue
        if len(row) > MAX_COLUMNS:
            raise _too_many_columns(number, len(row))
        if len(row) >= full:
            cells = dict(zip(names, pick(row), strict=True))
        else:  # a short row (CSV lines may stop early): the missing cells are empty
            width = len(row)
            cells = {name: row[i] if i < width else "" for name, i in index.items()}
        for name, value in cells.items():  # before any cell is parsed, kept or echoed
            if value.__class__ is str and (len(value) > MAX_CELL_CHARS or "\x00" in value):
                if len(value) > MAX_CELL_CHARS:
                    raise _oversize_cell(number)
                yield number, BadRow(row, invisible_message(name, value), name)
                break
        else:
            yield number, cells
