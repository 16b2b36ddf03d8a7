"""Import a file: read, validate everything, then write all of it in one transaction or nothing.

    report = import_file("members", path, mode="upsert", dry_run=False, user="zhang")

Every call leaves an ImportRecord, also when the file was refused. When the file is written,
its rows, its ImportRecord and the caller's `audit` (the audit event, a job's final state)
commit in one transaction: a crash at any moment leaves all of them or none (issue 14, point 3).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils import timezone

from jianhui.audit.log import login_name
from jianhui.lib.files import sha256_file
from jianhui.statistics import sync

from .kinds import KINDS, Report
from .models import ImportRecord
from .readers import BadRow, FileProblem, open_table

Progress = Callable[[str, int], None]  # (phase, rows done so far)
Audit = Callable[[Report], None]  # records the act; report.written and record_id are set


def import_file(kind: str, path: str | Path, *, mode: str = "upsert", dry_run: bool = False,
                user: str | None = None, file_name: str | None = None,
                progress: Progress | None = None, scope: list[str] | None = None,
                audit: Audit | None = None) -> Report:
    """Validate the whole file; when valid and not a dry run, write it in one transaction.

    `scope`: the jurisdiction path prefixes the importing user may write in
    (`jianhui.accounts.scope.scope_paths`); rows outside them are errors. None: everywhere.
    `audit`: called once for a run that is not a dry run, inside the write's transaction when
    the rows are written (so the event commits with them), after the record otherwise.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}; choose from {', '.join(KINDS)}")
    path = Path(path)
    started = timezone.now()
    report = Report(kind=kind, file=file_name or path.name)
    importer = KINDS[kind](report, mode, scope=scope)
    try:
        table = open_table(path, importer.columns)
    except FileProblem as exc:
        importer.error(exc.row, "", "", str(exc))
    else:
        importer.start(table.headers)
        for name in table.missing:
            importer.error(table.header_row, name, "",
                           f"缺少必填列「{name}」：请在表头中加上这一列（可下载导入模板对照）。")
        if not table.missing:
            _validate(importer, table.rows, report, progress)
    report.errors.sort(key=lambda i: i.row)
    report.warnings.sort(key=lambda i: i.row)
    if not report.errors and not dry_run:
        if progress:
            progress("write", report.rows)
        sha256 = sha256_file(path)
        try:
            with transaction.atomic():
                importer.write()
                sync.refresh(*importer.touched())
                report.written = True
                _record(report, kind, user, started, sha256, mode, dry_run)
                if audit is not None:
                    audit(report)
        except DatabaseError as exc:  # e.g. someone enrolled the same person meanwhile
            report.written, report.record_id = False, None
            detail = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            importer.error(0, "", "", "写入数据库时出错，已全部撤销，未写入任何数据。可能有人同时修改了"
                                      "相同的数据：请稍后重新导入；如仍出错，请联系管理员"
                                      f"（技术信息：{detail}）。")
        else:
            return report
    _record(report, kind, user, started, sha256_file(path) if path.exists() else "", mode,
            dry_run)
    if audit is not None and not dry_run:
        audit(report)
    return report


def _record(report: Report, kind: str, user: str | None, started, sha256: str, mode: str,
            dry_run: bool) -> None:
    record = ImportRecord.objects.create(
        kind=kind, user=user or login_name(), started_at=started, finished_at=timezone.now(),
        file_name=report.file[:255], sha256=sha256,
        mode=mode, dry_run=dry_run, written=report.written, rows=report.rows,
        created=report.created, updated=report.updated, unchanged=report.unchanged,
        errors=report.errors.total, warnings=report.warnings.total,
    )
    report.record_id = record.pk


def _validate(importer, rows, report: Report, progress: Progress | None) -> None:
    try:
        for number, cells in rows:
            report.rows += 1
            if cells.__class__ is BadRow:  # not decodable, or a NUL: an error, never stored
                importer.error(number, cells.column, "", cells.problem)
                continue
            importer.add(number, cells)
            if progress and report.rows % 1000 == 0:
                progress("read", report.rows)
    except FileProblem as exc:  # reading had to stop (a limit, a broken file)
        importer.error(exc.row, "", "", str(exc))
        return
    if progress:
        progress("check", report.rows)
    importer.check()
