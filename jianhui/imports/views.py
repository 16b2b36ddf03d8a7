"""数据导入: templates, upload → validation → preview → confirmation → result.

Only users holding the import right get here (403 otherwise); a job is visible only to the user
who uploaded it (404 for anyone else, as for anything out of scope).
"""

from __future__ import annotations

import json
import secrets

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from jianhui.accounts.rights import Right, right_required
from jianhui.audit.log import record
from jianhui.audit.models import Action

from . import jobs, uploads
from .annotate import mark_workbook
from .kinds import KINDS
from .models import ImportJob, JobStatus
from .templates_xlsx import build_template, template_name

MODES = [("upsert", "新增或更新"), ("create", "仅新增"), ("update", "仅更新")]
MODE_HELP = {"upsert": "已有的记录更新，没有的新增（推荐）", "create": "只新增，遇到已有记录报错",
             "update": "只更新已有记录，遇到新记录报错"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ISSUES_PER_PAGE = 50
# (kind, label, the columns a file must have) in the order a county loads its data
KIND_ROWS = [(k, c.label, "、".join([*c.columns.required, *("或".join(g) for g in c.columns.one_of)]))
             for k, c in KINDS.items()]


# Where to see what an import wrote: (url name, link text) per kind.
IMPORTED_LIST = {
    "jurisdictions": ("dashboard", "在工作台查看各辖区"),
    "enterprises": ("enterprise_list", "查看企业名录"),
    "unions": ("organisation_list", "查看工会组织"),
    "coverage": ("organisation_list", "查看工会组织及其覆盖企业"),
    "members": ("member_list", "查看会员名册"),
}


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="导入内容", choices=[(k, c.label) for k, c in KINDS.items()])
    mode = forms.ChoiceField(label="导入方式", choices=MODES, initial="upsert",
                             widget=forms.RadioSelect)
    file = forms.FileField(label="文件", error_messages={
        "required": "请选择要上传的文件。", "empty": "文件是空的：请选择填好数据的文件。"})


import_right_required = right_required(Right.IMPORT, "您没有导入数据的权限。")


def own_job(request, job_id) -> ImportJob:
    """The user's own job, brought up to date if its worker process died; others' are 404."""
    try:
        job = ImportJob.objects.select_related("user").get(pk=job_id, user=request.user)
    except ImportJob.DoesNotExist as exc:
        raise Http404("未找到该导入任务。") from exc
    return jobs.reap(job)


@csrf_exempt  # the size limit must be in place before the body is read; CSRF is checked below
@import_right_required
def index(request):
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > uploads.max_bytes() + (1 << 20):
            return _index(request, rejected=uploads.too_large_message(
                int(request.META["CONTENT_LENGTH"])))
        request.upload_handlers.insert(0, uploads.SizeLimitHandler(request))
    return csrf_protect(_index)(request)


def _index(request, rejected: str | None = None):
    form = UploadForm()
    if request.method == "POST":
        if rejected:
            pass  # refused by its length alone: the body stays unread
        elif _parse(request) and getattr(request, "upload_too_large", False):
            rejected = uploads.too_large_message()
            form = UploadForm(initial=request.POST.dict())
        else:
            form = UploadForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    job = jobs.create_job(request.user, form.cleaned_data["kind"],
                                          form.cleaned_data["mode"], form.cleaned_data["file"])
                except uploads.UploadRejected as exc:
                    form.add_error("file", str(exc))
                else:
                    uploads.purge_expired()
                    jobs.start(job)
                    return redirect(job.get_absolute_url())
    recent = [jobs.reap(j) for j in ImportJob.objects.filter(user=request.user)
              .select_related("user")[:10]]
    return render(request, "imports/index.html", {
        "form": form, "kinds": KIND_ROWS, "labels": {k: c.label for k, c in KINDS.items()},
        "recent": recent, "mode_help": MODE_HELP,
        "max_mb": uploads.max_bytes() // (1024 * 1024), "file_error": rejected,
    }, status=400 if form.errors or rejected else 200)


def _parse(request) -> bool:
    """Parse the body (the size limit handler flags the request while it reads)."""
    return request.FILES is not None


@require_GET
@import_right_required
def template(request, kind: str):
    if kind not in KINDS:
        raise Http404("没有这种导入模板。")
    response = HttpResponse(build_template(kind), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, template_name(kind))
    return response


@require_GET
@import_right_required
def job_page(request, job_id):
    job = own_job(request, job_id)
    report = job.report or {}
    return render(request, "imports/job.html", {
        "job": job, "report": report, "label": KINDS[job.kind].label,
        "mode_label": dict(MODES)[job.mode],
        "errors": _page(request, report.get("errors", []), "page"),
        "warnings": _page(request, report.get("warnings", []), "wpage"),
        "workbook": _workbook_available(job),
        "imported_list": IMPORTED_LIST.get(job.kind),
    })


def _page(request, items: list, param: str):
    return Paginator(items, ISSUES_PER_PAGE).get_page(request.GET.get(param))


def _workbook_available(job: ImportJob) -> bool:
    return (job.status in (JobStatus.VALIDATED, JobStatus.DONE) and not job.file_deleted
            and (job.error_count or job.warning_count) > 0
            and uploads.side_files(job.stored_name)[1].exists())


@require_GET
@import_right_required
def progress(request, job_id):
    """The progress fragment the job page polls; once the job stops running, reload the page."""
    job = own_job(request, job_id)
    if not job.running:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "imports/_progress.html", {"job": job})


@require_POST
@import_right_required
def confirm(request, job_id):
    job = own_job(request, job_id)
    if job.status == JobStatus.VALIDATED and job.error_count:
        messages.error(request, "文件中还有错误，不能导入：请修改后重新上传。")
    elif job.status in (JobStatus.QUEUED, JobStatus.VALIDATING):
        messages.warning(request, "文件还在校验中，校验完成后才能确认导入。")
    elif job.status == JobStatus.FAILED or job.file_deleted:
        messages.error(request, "该任务已失败或文件已按规定删除，不能导入：请重新上传文件。")
    elif not jobs.confirm(job, request):
        messages.warning(request, "该文件已经确认过导入，没有重复执行。")
    return redirect(job.get_absolute_url())


@require_GET
@import_right_required
def workbook(request, job_id):
    job = own_job(request, job_id)
    if not _workbook_available(job):
        raise Http404("没有可下载的标注工作簿（文件没有问题，或已按规定删除）。")
    source, issues_file, marked = uploads.side_files(job.stored_name)
    if not marked.exists():
        with issues_file.open(encoding="utf-8") as fh:
            issues = [tuple(i) for i in json.load(fh)]
        partial = marked.with_name(f"{marked.name}.{secrets.token_hex(4)}.part")  # per request
        try:
            mark_workbook(job.kind, source, issues, partial,
                          title=job.file_name.rsplit(".", 1)[0])
            partial.replace(marked)
        finally:
            partial.unlink(missing_ok=True)
    record(Action.DOWNLOAD, model="imports.ImportJob", object_key=str(job.pk),
           object_repr=f"标注工作簿：{job.file_name}"[:200],
           detail={"kind": job.kind, "file": job.file_name, "sha256": job.sha256,
                   "errors": job.error_count, "warnings": job.warning_count})
    stem = job.file_name.rsplit(".", 1)[0]
    return FileResponse(marked.open("rb"), as_attachment=True, content_type=XLSX,
                        filename=f"{stem}_问题标注.xlsx")
