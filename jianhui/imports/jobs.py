"""Import jobs: an uploaded file validated (a dry run), previewed, confirmed, then imported.

Small files run inside the request; larger ones (JIANHUI_IMPORT_INLINE_MAX_KB) in one
in-process worker thread, started lazily. The job row is the only shared state: the page polls
it. A job left running by a process that died is found when someone looks at it (`reap`):
the import wrote its rows, its ImportRecord, its audit event and the job's own final state in
one transaction, so a job still "importing" wrote nothing; (jobs of older versions: their
ImportRecord, when there is one, says it committed).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from jianhui.accounts.rights import Right, right_paths
from jianhui.audit.log import client_ip, record
from jianhui.audit.models import Action
from jianhui.lib.files import sha256_file

from . import uploads
from .kinds import KINDS, Report
from .models import RUNNING, ImportJob, ImportRecord, JobStatus
from .services import import_file

logger = logging.getLogger(__name__)

WORKER_TOKEN = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
KEEP_ISSUES = 2000  # issues of each level kept in the database; the file keeps the report's
# (the first kinds.base.MAX_ISSUES of each level)
PROGRESS_EVERY = 0.5  # seconds between progress writes


def create_job(user, kind: str, mode: str, upload) -> ImportJob:
    """Check and store an upload and make its job (not yet run). Raises UploadRejected."""
    if upload.size > uploads.max_bytes():
        raise uploads.UploadRejected(uploads.too_large_message(upload.size))
    suffix = uploads.suffix_of(upload.name)
    stored_name, path = uploads.store(upload, suffix)
    try:
        uploads.check_content(path, suffix)
    except uploads.UploadRejected:
        uploads.remove(stored_name)
        raise
    inline_max = settings.JIANHUI_IMPORT_INLINE_MAX_KB * 1024
    return ImportJob.objects.create(
        user=user, kind=kind, mode=mode, stored_name=stored_name,
        file_name=os.path.basename(upload.name)[:255], file_size=upload.size,
        sha256=sha256_file(path), total=uploads.estimate_rows(path),
        background=upload.size > inline_max, worker=WORKER_TOKEN,
    )


def start(job: ImportJob) -> None:
    """Validate now (small file) or hand the job to the worker thread."""
    if job.background:
        submit(job.pk)
    else:
        run_job(job.pk)


def confirm(job: ImportJob, request) -> bool:
    """Move a valid, validated job to importing. Only one confirmation wins: a second one (a
    double click, a resubmitted form, another tab) changes nothing and returns False."""
    won = ImportJob.objects.filter(
        pk=job.pk, status=JobStatus.VALIDATED, error_count=0, file_deleted=False,
    ).update(status=JobStatus.IMPORTING, phase="waiting", done=0, confirmed_at=timezone.now(),
             worker=WORKER_TOKEN, client_ip=client_ip(request),
             request_id=getattr(request, "request_id", "")[:32], updated_at=timezone.now())
    if won:
        job.refresh_from_db()
        start(job)
    return bool(won)


# ------------------------------------------------------------------ running
def run_job(job_id) -> None:
    """Do whatever the job is waiting for: its validation or its import."""
    if ImportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.VALIDATING, worker=WORKER_TOKEN, updated_at=timezone.now()):
        _run(job_id, dry_run=True)
    elif ImportJob.objects.filter(pk=job_id, status=JobStatus.IMPORTING, phase="waiting").update(
            phase="read", worker=WORKER_TOKEN, updated_at=timezone.now()):
        _run(job_id, dry_run=False)


class _Progress:
    def __init__(self, job_id) -> None:
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, phase: str, done: int) -> None:
        now = time.monotonic()
        if phase == "read" and now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        ImportJob.objects.filter(pk=self.job_id).update(phase=phase, done=done,
                                                         updated_at=timezone.now())


def _run(job_id, dry_run: bool) -> None:
    job = ImportJob.objects.select_related("user").get(pk=job_id)

    def finish(report: Report) -> None:
        """The job's outcome and, for an import, its audit event: inside the import's
        transaction when it wrote, so a crash cannot separate them from the rows."""
        _finish(job, report, dry_run)

    try:
        report = import_file(
            job.kind, uploads.stored_path(job.stored_name), mode=job.mode, dry_run=dry_run,
            user=job.user.get_username(), file_name=job.file_name,
            progress=_Progress(job.pk), scope=right_paths(job.user, Right.IMPORT),
            audit=None if dry_run else finish,
        )
    except Exception as exc:
        logger.exception("import job %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), updated_at=timezone.now(),
            message=f"处理过程中出现意外错误，没有写入任何数据。请联系系统管理员，并告知任务编号 {job.pk}。")
        if not dry_run:
            _audit(job, written=False, failure=type(exc).__name__)
        return
    if dry_run:
        _finish(job, report, dry_run)


def _finish(job: ImportJob, report: Report, dry_run: bool) -> None:
    _keep_report(job, report)
    now = timezone.now()
    if dry_run:
        job.status, job.validated_at = JobStatus.VALIDATED, now
    elif report.written:
        job.status, job.finished_at = JobStatus.DONE, now
    else:  # the database changed between the preview and the confirmation
        job.status = JobStatus.VALIDATED
        job.message = ("确认导入时重新校验发现了新的问题（系统中的数据在预览之后发生了变化），"
                       "没有写入任何数据。请查看下面的错误，修改文件后重新上传。")
    job.record_id = report.record_id
    job.phase = ""
    job.save()
    if not dry_run:
        _audit(job, written=report.written)


def _keep_report(job: ImportJob, report: Report) -> None:
    """Counts and the first issues (personal data masked) in the database; every issue, as
    written, in a file beside the upload for the marked workbook."""
    issues = [("error", i.row, i.column, i.message) for i in report.errors] + [
        ("warning", i.row, i.column, i.message) for i in report.warnings]
    side = uploads.side_files(job.stored_name)
    side[2].unlink(missing_ok=True)  # a marked workbook of an earlier run is stale
    fd = os.open(side[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(issues, fh, ensure_ascii=False)

    def masked(items) -> list[dict[str, Any]]:
        return [{"row": i.row, "column": i.column, "value": uploads.redact(i.value),
                 "message": uploads.redact(i.message)} for i in items[:KEEP_ISSUES]]

    job.report = {"rows": report.rows, "created": report.created, "updated": report.updated,
                  "unchanged": report.unchanged, "written": report.written,
                  "errors": masked(report.errors), "warnings": masked(report.warnings)}
    job.error_count, job.warning_count = report.errors.total, report.warnings.total
    job.done = report.rows


@dataclass
class _RequestOf:
    """The confirming request as the audit log needs it, for a job finished in the worker."""

    META: dict
    request_id: str


def _audit(job: ImportJob, written: bool, failure: str = "") -> None:
    counts = {k: job.report.get(k, 0) for k in ("rows", "created", "updated", "unchanged")}
    record(Action.IMPORT, user=job.user,
           request=_RequestOf({"REMOTE_ADDR": job.client_ip}, job.request_id),
           model="imports.ImportJob", object_key=str(job.pk),
           object_repr=f"{KINDS[job.kind].label}导入：{job.file_name}"[:200],
           detail={"kind": job.kind, "mode": job.mode, "file": job.file_name,
                   "sha256": job.sha256, "written": written, **counts,
                   "errors": job.error_count, "warnings": job.warning_count,
                   "record": job.record_id, **({"failure": failure} if failure else {})})


# ------------------------------------------------------------------ the worker thread
_queue: queue.Queue = queue.Queue()
_thread: threading.Thread | None = None
_lock = threading.Lock()


def submit(job_id) -> None:
    _ensure_worker()
    _queue.put(job_id)


def _ensure_worker() -> None:
    global _thread
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_loop, name="jianhui-import", daemon=True)
            _thread.start()


def _loop() -> None:
    while True:
        job_id = _queue.get()
        try:
            if job_id is None:
                return
            close_old_connections()
            run_job(job_id)
        except Exception:  # keep the worker alive for the next job
            logger.exception("import worker: job %s", job_id)
        finally:
            close_old_connections()
            _queue.task_done()


def wait_idle() -> None:
    """Block until every submitted job has been run (tests, shutdown)."""
    _queue.join()


def stop_worker(timeout: float = 10) -> None:
    global _thread
    with _lock:
        thread, _thread = _thread, None
    if thread is not None and thread.is_alive():
        _queue.put(None)
        thread.join(timeout)


# ------------------------------------------------------------------ jobs of dead processes
def _process_gone(worker: str) -> bool:
    try:
        host, pid, _boot = worker.rsplit(":", 2)
        pid_number = int(pid)
    except ValueError:
        return True
    if host != socket.gethostname():
        return False  # another machine's worker: it alone can tell
    if pid_number == os.getpid():
        return True  # our pid but not our token: this process is a restart (containers)
    try:
        os.kill(pid_number, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def reap(job: ImportJob) -> ImportJob:
    """A job whose worker process is gone is finished now: done if its import committed,
    failed otherwise (nothing was written: an import is one transaction)."""
    if job.status not in RUNNING or job.worker == WORKER_TOKEN or not _process_gone(job.worker):
        return job
    committed = None
    if job.status == JobStatus.IMPORTING and job.confirmed_at:
        committed = ImportRecord.objects.filter(
            user=job.user.get_username(), sha256=job.sha256, dry_run=False, written=True,
            started_at__gte=job.confirmed_at).order_by("started_at").first()
    if committed is not None:
        job.status, job.record, job.finished_at = JobStatus.DONE, committed, committed.finished_at
        job.report = {**job.report, "rows": committed.rows, "created": committed.created,
                      "updated": committed.updated, "unchanged": committed.unchanged,
                      "written": True}
        job.message = "服务在导入完成后重启；数据已全部写入。"
    else:
        job.message = (
            "服务在导入过程中重启，导入已中断；导入在一个事务中进行，没有写入任何数据。请重新上传文件。"
            if job.status == JobStatus.IMPORTING else
            "服务在校验过程中重启，任务已中断，没有写入任何数据。请重新上传文件。")
        job.status, job.finished_at = JobStatus.FAILED, timezone.now()
    # Only if nobody else got there first.
    if ImportJob.objects.filter(pk=job.pk, status__in=RUNNING, worker=job.worker).update(
            status=job.status, record=job.record, finished_at=job.finished_at,
            report=job.report, message=job.message, phase="", updated_at=timezone.now()):
        return job
    job.refresh_from_db()
    return job
