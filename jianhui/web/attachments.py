"""Evidence files (photos of an inspection, a union's documents): kept in the data dir, never
under a public URL, created 0600 in 0700 directories, and served only through a view that has
already checked the request's Scope."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404

from jianhui.lib.xlsx import content_disposition

MAX_BYTES = 20 * 1024 * 1024
ALLOWED_SUFFIXES = {".jpg", ".jpeg", ".png", ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ofd"}


def attachments_storage() -> FileSystemStorage:
    """The storage of every FileField holding evidence (a callable: the data dir is read when
    a file is stored, so tests that move it are honoured)."""
    return FileSystemStorage(location=settings.DATA_DIR / "attachments", base_url=None,
                             file_permissions_mode=0o600, directory_permissions_mode=0o700)


def check_upload(upload) -> str | None:
    """Why an uploaded evidence file is refused (Chinese), or None."""
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        return (f"不支持的文件类型“{suffix or '无扩展名'}”：请上传照片（jpg、png）、PDF、OFD、"
                "Word 或 Excel 文件。")
    if upload.size > MAX_BYTES:
        return f"文件过大（{upload.size / 1024 / 1024:.1f} MB），单个佐证材料不超过 20 MB。"
    return None


def serve_attachment(field_file, download_name: str | None = None) -> FileResponse:
    """The file behind `field_file` (the caller has checked the Scope); 404 when missing."""
    if not field_file:
        raise Http404("没有上传佐证材料。")
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("佐证材料文件已不存在。") from exc
    name = download_name or PurePath(field_file.name).name
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=kind)
    response["Content-Disposition"] = content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
