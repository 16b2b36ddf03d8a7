"""What every import kind shares: the report, row-level issues, cell reading, mode rules.

An importer sees each data row once (`add`: parse and check what one row can check, keep a
compact tuple), then checks the whole file against the database in a few bulk queries
(`check`), then — only when nothing is wrong — writes in bulk (`write`, inside the caller's
transaction).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import ValidationError

from jianhui.enterprises.models import Enterprise
from jianhui.lib.codes import CodeError
from jianhui.regions.models import Jurisdiction

from ..readers import Columns
from ..values import ValueProblem, is_blank, text

MODES = ("upsert", "create", "update")
BATCH = 2000  # rows per bulk statement and per `__in` lookup
# A file with millions of bad rows must not make millions of issues (issue 14, point 2): the
# first MAX_ISSUES of each level are kept (and shown), the rest only counted; a cell's value
# is echoed up to VALUE_CHARS, a message up to MESSAGE_CHARS (its start and its end, the fix).
MAX_ISSUES = 10_000
VALUE_CHARS = 200
MESSAGE_CHARS = 1000


def clip(text: str, limit: int) -> str:
    """text, or its start and end around an ellipsis when longer than limit."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    return text[:head] + "……" + text[len(text) - (limit - head - 2):]


class Issues(list):
    """The issues of one level: the first MAX_ISSUES kept, `total` counting all of them."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.total = len(self)

    def append(self, issue) -> None:
        self.total += 1
        if len(self) < MAX_ISSUES:
            super().append(issue)


@dataclass
class Issue:
    row: int
    column: str
    value: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value,
                "message": self.message}


@dataclass
class Report:
    kind: str
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: Issues = field(default_factory=Issues)
    warnings: Issues = field(default_factory=Issues)
    written: bool = False
    record_id: int | None = None  # the ImportRecord this run left

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "file": self.file, "rows": self.rows, "created": self.created,
            "updated": self.updated, "unchanged": self.unchanged,
            "errors": [i.as_json() for i in self.errors],
            "warnings": [i.as_json() for i in self.warnings],
            # the lists hold the first MAX_ISSUES; these count them all
            "error_total": self.errors.total, "warning_total": self.warnings.total,
        }

    def summary(self, label: str, dry_run: bool = False) -> str:
        counts = (f"共 {self.rows} 行：新增 {self.created}，更新 {self.updated}，"
                  f"未变 {self.unchanged}，错误 {self.errors.total}，提示 {self.warnings.total}")
        if self.errors:
            return f"{label}导入未执行，文件有 {self.errors.total} 处错误，未写入任何数据。{counts}。"
        if dry_run:
            return f"{label}文件校验通过（试运行，未写入）。{counts}。"
        return f"{label}导入完成。{counts}。"


OUTSIDE = "不在您的管辖范围内：只能导入您所管辖辖区（及其下级）的数据，请删除该行或改由上级工会导入。"


def inside(scope: list[str] | None, path: str) -> bool:
    """Is a jurisdiction path inside a user's scope (None: everything, as for the CLI)?"""
    return scope is None or any(path.startswith(p) for p in scope)


def shown(value: object) -> str:
    """A cell value as the user would recognise it in an error table."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:G}"
    return "" if value is None else text(value)


def chunks(items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Memo:
    """A parser that remembers: credit codes and dates repeat down a column, so each distinct
    cell value is parsed once. Errors are not remembered (they are rare and re-raised)."""

    KEYS = (str, dt.date, dt.datetime, int, float)  # not bool: True == 1 would share an entry

    def __init__(self, parse: Callable[[object], Any], size: int = 100_000) -> None:
        self.parse = parse
        self.size = size
        self.memo: dict[object, Any] = {}

    def __call__(self, value: object) -> Any:
        if type(value) not in self.KEYS:
            return self.parse(value)
        try:
            return self.memo[value]
        except KeyError:
            pass
        parsed = self.parse(value)
        if len(self.memo) < self.size:
            self.memo[value] = parsed
        return parsed


class Importer:
    kind: ClassVar[str]
    label: ClassVar[str]
    columns: ClassVar[Columns]

    def __init__(self, report: Report, mode: str = "upsert",
                 scope: list[str] | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.report = report
        self.mode = mode
        # Jurisdiction path prefixes the importing user may write in; None: everywhere (CLI).
        self.scope = scope
        self._jurisdiction_paths: dict[int, str] | None = None
        self.headers: dict[str, str] = {}
        self.present: set[str] = set()

    # ------------------------------------------------------------ reporting
    def header(self, column: str) -> str:
        return self.headers.get(column, column)

    def error(self, row: int, column: str, value: object, message: str) -> None:
        self.report.errors.append(self._issue(row, column, value, message))

    def warn(self, row: int, column: str, value: object, message: str) -> None:
        self.report.warnings.append(self._issue(row, column, value, message))

    def _issue(self, row: int, column: str, value: object, message: str) -> Issue:
        return Issue(row, self.header(column), clip(shown(value), VALUE_CHARS),
                     clip(message, MESSAGE_CHARS))

    def start(self, headers: dict[str, str]) -> None:
        self.headers = headers
        self.present = set(headers)

    # ------------------------------------------------------------ the three phases
    def add(self, number: int, cells: dict[str, object]) -> None:
        raise NotImplementedError

    def check(self) -> None:
        raise NotImplementedError

    def touched(self) -> tuple[set[int], set[int]]:
        """The enterprises and organisations `write` wrote (their statistics are refreshed in the
        same transaction: bulk writes send no model signals)."""
        return set(), set()

    def write(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------ scope
    def allows_jurisdiction(self, pk: int) -> bool:
        if self.scope is None:
            return True
        if self._jurisdiction_paths is None:
            self._jurisdiction_paths = dict(Jurisdiction.objects.values_list("pk", "path"))
        return inside(self.scope, self._jurisdiction_paths.get(pk, ""))

    def enterprises_outside(self, codes: Iterable[str]) -> set[str]:
        """Credit codes of existing enterprises that lie outside the user's scope."""
        if self.scope is None:
            return set()
        found: set[str] = set()
        for batch in chunks(set(codes)):
            found.update(code for code, pk in Enterprise.objects.filter(
                credit_code__in=batch).values_list("credit_code", "jurisdiction_id")
                if not self.allows_jurisdiction(pk))
        return found

    def drop_enterprises_outside(self, rows: list, column: str) -> list:
        """Report rows (with .number and .credit_code) whose enterprise is out of scope and
        leave them out of the checks against the database."""
        outside = self.enterprises_outside(r.credit_code for r in rows)
        if not outside:
            return rows
        for r in rows:
            if r.credit_code in outside:
                self.error(r.number, column, r.credit_code,
                           f"统一社会信用代码为「{r.credit_code}」的企业{OUTSIDE}")
        return [r for r in rows if r.credit_code not in outside]

    # ------------------------------------------------------------ helpers
    def decide(self, number: int, column: str, value: object, existing: bool,
               changed: bool) -> str | None:
        """create / update / unchanged for a row, or None (error) when the mode forbids it."""
        if existing and self.mode == "create":
            self.error(number, column, value,
                       f"{self.header(column)}「{shown(value)}」已存在：仅新增模式不能修改已有数据，"
                       "请删除该行或改用“新增或更新”模式。")
            return None
        if not existing and self.mode == "update":
            self.error(number, column, value,
                       f"{self.header(column)}「{shown(value)}」不存在：仅更新模式不能新增，"
                       "请核对或改用“新增或更新”模式。")
            return None
        if not existing:
            self.report.created += 1
            return "create"
        if changed:
            self.report.updated += 1
            return "update"
        self.report.unchanged += 1
        return "unchanged"

    def model_errors(self, number: int, instance: Any, fields: dict[str, str],
                     cells: dict[str, object]) -> bool:
        """Run the model's own clean() (no queries) and report its errors by column."""
        try:
            instance.clean()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = fields.get(name, next(iter(fields.values())))
                for message in messages:
                    self.error(number, column, cells.get(column, ""), message)
            return False
        return True


class RowReader:
    """Reads one row's cells, reporting each problem with the row and the user's header."""

    def __init__(self, importer: Importer, number: int, cells: dict[str, object]) -> None:
        self.importer = importer
        self.number = number
        self.cells = cells
        self.ok = True

    def has(self, column: str) -> bool:
        return column in self.importer.present

    def get(self, column: str, parse: Callable[[object], Any] = text,
            required: bool = False, max_length: int | None = None) -> Any:
        raw = self.cells.get(column, "")
        if is_blank(raw):
            if required:
                self.fail(column, raw, f"{self.importer.header(column)}为必填项，不能为空：请填写后重新导入。")
            return None
        try:
            value = parse(raw)
        except (ValueProblem, CodeError) as exc:
            self.fail(column, raw, str(exc))
            return None
        if max_length and isinstance(value, str) and len(value) > max_length:
            self.fail(column, raw, f"{self.importer.header(column)}最多 {max_length} 个字，"
                                   f"当前 {len(value)} 个字：请精简后重新导入。")
            return None
        return value

    def fail(self, column: str, raw: object, message: str) -> None:
        self.importer.error(self.number, column, raw, message)
        self.ok = False


class JurisdictionIndex:
    """All jurisdictions in one query; resolves a cell by code, else by name or full name."""

    def __init__(self, scope: list[str] | None = None) -> None:
        self.scope = scope
        self.by_code: dict[str, Jurisdiction] = {}
        self.by_name: dict[str, list[Jurisdiction]] = {}
        for j in Jurisdiction.objects.select_related("parent"):
            self.by_code[j.code] = j
            for name in {j.name, j.full_name} - {""}:
                self.by_name.setdefault(name, []).append(j)

    def resolve(self, value: object) -> Jurisdiction:
        found = self._find(value)
        if not inside(self.scope, found.path):
            raise ValueProblem(f"所属辖区“{found.name}”{OUTSIDE}")
        return found

    def _find(self, value: object) -> Jurisdiction:
        ref = shown(value).replace(" ", "")
        if ref in self.by_code:
            return self.by_code[ref]
        found = self.by_name.get(ref, [])
        if len(found) == 1:
            return found[0]
        if found:
            codes = "、".join(f"{j.code}（{j.parent.name if j.parent else '顶级'}下）" for j in found)
            raise ValueProblem(f"有 {len(found)} 个名为「{ref}」的辖区：请改填辖区代码（{codes}）。")
        raise ValueProblem(f"找不到辖区「{ref}」：请填写系统中已有的辖区名称或辖区代码，或先导入辖区。")


def day(value: dt.date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else "今"
