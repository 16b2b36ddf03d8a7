"""Uploaded files: checked by size, extension and content, kept under DATA_DIR/uploads/ with a
random name (never served), counted for the progress bar, removed after a while.

The files hold personal data (ID numbers, phones), so they live only as long as a job needs
them (JIANHUI_UPLOAD_KEEP_HOURS), and what the database keeps of a report is masked.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
import secrets
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils import timezone

from jianhui.lib.codes import mask_id_number, mask_phone

SUFFIXES = (".xlsx", ".xls", ".csv")
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file format of .xls
SNIFF = 64 * 1024


class UploadRejected(Exception):
    """The upload cannot be used; the message is Chinese and says what to do."""


def max_bytes() -> int:
    return settings.JIANHUI_UPLOAD_MAX_MB * 1024 * 1024


def too_large_message(size: int | None = None) -> str:
    got = f"文件大小为 {size / 1024 / 1024:.1f} MB，" if size else "文件"
    return (f"{got}超过了 {settings.JIANHUI_UPLOAD_MAX_MB} MB 的上限："
            "请把文件拆分为几个较小的文件分批导入（每个文件都要保留表头）。")


class SizeLimitHandler(FileUploadHandler):
    """Stops reading an upload as soon as it passes the limit, instead of after receiving it."""

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > max_bytes():
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int):
        return None


def upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def suffix_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        shown = suffix or "（无扩展名）"
        raise UploadRejected(f"不支持的文件类型「{shown}」：请上传 Excel 工作簿（.xlsx、.xls）"
                             "或 CSV 文件（.csv）。")
    return suffix


def check_content(path: Path, suffix: str) -> None:
    """The content must be what the extension says: a renamed file is refused."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF)
    if not head:
        raise UploadRejected("文件是空的：请选择填好数据的文件。")
    if suffix == ".xlsx":
        ok = head.startswith(b"PK\x03\x04") and _is_xlsx(path)
    elif suffix == ".xls":
        ok = head.startswith(OLE2)
    else:
        ok = _looks_like_text(head)
    if not ok:
        kind = {".xlsx": "Excel 工作簿（.xlsx）", ".xls": "Excel 97-2003 工作簿（.xls）",
                ".csv": "CSV 文本文件"}[suffix]
        raise UploadRejected(
            f"文件内容不是{kind}：文件可能已损坏，或只是改了扩展名。"
            "请在 Excel 中打开后“另存为”.xlsx 再上传。")


def _is_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head or head.startswith((b"PK\x03\x04", OLE2, b"%PDF", b"\x89PNG")):
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:  # incremental: a character cut at the end of the sample is no error
            codecs.getincrementaldecoder(encoding)("strict").decode(head, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False


def store(upload, suffix: str) -> tuple[str, Path]:
    """Write the upload under a random name (mode 0600); return (stored name, path)."""
    name = secrets.token_hex(16) + suffix
    path = upload_dir() / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return name, path


def stored_path(stored_name: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}\.(xlsx|xls|csv)", stored_name):
        raise ValueError("not a stored upload name")
    return upload_dir() / stored_name


def side_files(stored_name: str) -> list[Path]:
    """The upload and what was made from it (full issue list, annotated workbook)."""
    base = stored_path(stored_name)
    return [base, base.with_name(base.name + ".issues.json"),
            base.with_name(base.name + ".marked.xlsx")]


def remove(stored_name: str) -> None:
    base = stored_path(stored_name)
    for path in base.parent.glob(base.name + "*"):  # with its side files and leftovers
        path.unlink(missing_ok=True)


def estimate_rows(path: Path) -> int | None:
    """Roughly how many data rows a file has (for the progress bar); None if unknown."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            lines = 0
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    lines += chunk.count(b"\n")
            return max(lines - 1, 0)
        if suffix == ".xlsx":
            return _xlsx_dimension(path)
        from python_calamine import CalamineWorkbook

        return max(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).height - 1, 0)
    except Exception:  # an estimate only: the import itself reports unreadable files
        return None


def _xlsx_dimension(path: Path) -> int | None:
    """The first sheet's <dimension ref="A1:F20001"/> read from the archive, without parsing
    the rows."""
    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist()
                       if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
        if not names:
            return None
        with archive.open(names[0]) as fh:
            head = fh.read(4096).decode("utf-8", "replace")
    match = re.search(r'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
    return max(int(match.group(1)) - 1, 0) if match else None


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete the files of jobs older than JIANHUI_UPLOAD_KEEP_HOURS that are not running."""
    from .models import RUNNING, ImportJob

    now = now or timezone.now()
    limit = now - dt.timedelta(hours=settings.JIANHUI_UPLOAD_KEEP_HOURS)
    old = ImportJob.objects.filter(created_at__lt=limit, file_deleted=False).exclude(
        status__in=RUNNING)
    count = 0
    for job in old.only("pk", "stored_name"):
        remove(job.stored_name)
        count += 1
    old.update(file_deleted=True)
    return count


# Personal data in what the database keeps of a report: values and messages may contain ID
# numbers or mobile numbers (the value is often the ID number itself).
# Mistyped ones too: any run of 14 or more digits (an ID number with digits missing or extra),
# and 10 to 12 digits starting with 1 (a mobile number, or one with a digit missing or extra).
_ID = re.compile(r"(?<![0-9A-Za-z])\d{14,}[Xx]?(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<![0-9A-Za-z.-])1\d{9,11}(?![0-9A-Za-z.-])")


def redact(text: str) -> str:
    text = _ID.sub(lambda m: mask_id_number(m.group(0)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)
