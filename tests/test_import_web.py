"""数据导入 in the browser's terms: upload → preview → confirm → result, the marked workbook,
background jobs and their progress, who may do what, and what uploads are refused."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import threading
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from jianhui.accounts.models import Role
from jianhui.audit.models import Action, AuditEvent
from jianhui.enterprises.models import Enterprise
from jianhui.imports import annotate, jobs
from jianhui.imports.models import ImportJob, ImportRecord, JobStatus
from jianhui.imports.samples import write_csv, write_xlsx
from jianhui.lib.codes import make_credit_code, make_id_number
from jianhui.unions.models import Member, OrganisationKind
from jianhui.unions.services import found_organisation

D = dt.date
FIRM_HEADER = ["企业名称", "统一社会信用代码", "所属辖区", "职工人数"]
MEMBER_HEADER = ["姓名", "公民身份号码", "手机号码", "所在企业信用代码", "入会日期"]
RED, YELLOW = "00FFC7CE", "00FFEB9C"
CHEAP_PAGE = "/unions/?q=没有这个工会"  # any page shows the nav


def code(n: int) -> str:
    return make_credit_code(f"91444444MA{n:07d}")


@pytest.fixture(autouse=True)
def data_dir(settings, fresh_data_dir):
    settings.JIANHUI_IMPORT_INLINE_MAX_KB = 512
    return settings.DATA_DIR


@pytest.fixture
def area(build):
    county = build.jurisdiction("网页县")
    town = build.jurisdiction("网页镇", county)
    other = build.jurisdiction("别的镇", county)
    return county, town, other


@pytest.fixture
def officer(area, user_in):
    return user_in(area[1], Role.AREA_OFFICER)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client, kind: str, path, mode: str = "upsert", name: str | None = None):
    with open(path, "rb") as fh:
        data = SimpleUploadedFile(name or os.path.basename(path), fh.read())
    return client.post("/imports/", {"kind": kind, "mode": mode, "file": data})


def job_of(response) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[:2000]
    match = re.fullmatch(r"/imports/jobs/([0-9a-f-]{36})/", response["Location"])
    return ImportJob.objects.get(pk=match.group(1))


def figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'<span class="label">(.+?)</span><b>([\d,]+)</b>', html))


# ------------------------------------------------------------------ the whole flow
def test_upload_preview_confirm_result(tmp_path, area, officer, build):
    _, town, _ = area
    same = build.enterprise(town, name="原有企业", employees=30)
    moved = build.enterprise(town, name="人数要改", employees=30)
    rows = [["新企业一", code(1), "网页镇", 10], ["新企业二", code(2), town.code, 20],
            [same.name, same.credit_code, "网页镇", 30], [moved.name, moved.credit_code, "网页镇", 99]]
    client = client_for(officer)
    job = job_of(upload(client, "enterprises", write_csv(tmp_path / "企业名录.csv", FIRM_HEADER, rows)))
    assert (job.status, job.background, job.user) == (JobStatus.VALIDATED, False, officer)
    assert not Enterprise.objects.filter(credit_code__in=[code(1), code(2)]).exists()  # a dry run

    page = client.get(job.get_absolute_url()).content.decode()
    assert figures(page) == {"数据行数": "4", "将新增": "2", "将更新": "1", "未变": "1", "错误": "0",
                             "提示": "0"}
    assert "校验通过，请确认导入" in page and f'action="/imports/jobs/{job.pk}/confirm/"' in page

    response = client.post(f"/imports/jobs/{job.pk}/confirm/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.record.written and job.record.created == 2
    assert Enterprise.objects.filter(credit_code__in=[code(1), code(2)]).count() == 2
    moved.refresh_from_db()
    assert moved.employees == 99
    page = client.get(job.get_absolute_url()).content.decode()
    assert "导入完成" in page and figures(page)["新增"] == "2"
    assert '<a href="/enterprises/" id="imported-list">查看企业名录</a>' in page

    # A second confirmation (double click, another tab) does nothing.
    version = Enterprise.objects.get(credit_code=code(1)).version
    response = client.post(f"/imports/jobs/{job.pk}/confirm/", follow=True)
    assert "已经确认过导入" in response.content.decode()
    assert ImportRecord.objects.filter(sha256=job.sha256, dry_run=False).count() == 1
    assert Enterprise.objects.get(credit_code=code(1)).version == version

    # The import is audited once, with kind, file, hash and counts.
    event = AuditEvent.objects.get(action=Action.IMPORT, object_key=str(job.pk))
    assert event.username == officer.username
    assert event.detail | {} == {**event.detail, "kind": "enterprises", "file": "企业名录.csv",
                                 "sha256": job.sha256, "rows": 4, "created": 2, "updated": 1,
                                 "unchanged": 1, "written": True}
    # The index lists the job.
    index = client.get("/imports/").content.decode()
    assert "企业名录.csv" in index and "已导入" in index


def test_errors_block_confirmation_and_nothing_is_written(tmp_path, area, officer):
    rows = [["好企业", code(3), "网页镇", 10],
            ["坏代码", "91444444MA000000X", "网页镇", 10],
            ["别处企业", code(4), "别的镇", 10],
            ["没人数", code(5), "网页镇", "很多"]]
    client = client_for(officer)
    job = job_of(upload(client, "enterprises", write_csv(tmp_path / "e.csv", FIRM_HEADER, rows)))
    assert job.status == JobStatus.VALIDATED and job.error_count == 3
    page = client.get(job.get_absolute_url()).content.decode()
    assert "文件中有 3 处错误，没有写入任何数据" in page and "确认导入</button>" not in page
    table = re.findall(r"<tr><td>第 (\d+) 行</td><td>(.+?)</td><td class=\"mono\">(.*?)</td>", page)
    assert table == [("3", "统一社会信用代码", "91444444MA000000X"), ("4", "所属辖区", "别的镇"),
                     ("5", "职工人数", "很多")]
    assert "所属辖区“别的镇”不在您的管辖范围内" in page
    response = client.post(f"/imports/jobs/{job.pk}/confirm/", follow=True)
    assert "文件中还有错误，不能导入" in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.VALIDATED and job.confirmed_at is None
    assert not Enterprise.objects.filter(credit_code=code(3)).exists()
    assert not AuditEvent.objects.filter(action=Action.IMPORT, object_key=str(job.pk)).exists()


def test_error_table_is_paginated(tmp_path, area, officer):
    rows = [[f"企业{i}", f"BAD{i}", "网页镇", 1] for i in range(120)]
    client = client_for(officer)
    job = job_of(upload(client, "enterprises", write_csv(tmp_path / "e.csv", FIRM_HEADER, rows)))
    assert job.error_count == 120
    first = client.get(job.get_absolute_url()).content.decode()
    assert "第 1 / 3 页，共 120 条" in first and first.count("<td>第 ") == 50
    last = client.get(job.get_absolute_url() + "?page=3").content.decode()
    assert last.count("<td>第 ") == 20 and "<td>第 121 行</td>" in last


# ------------------------------------------------------------------ the marked workbook
@pytest.fixture
def covered(area, build):
    _, town, _ = area
    firm = build.enterprise(town, name="小企业", employees=1, founded_on=D(2020, 1, 1))
    found_organisation(name="小企业工会", kind=OrganisationKind.STANDALONE, jurisdiction=town,
                       founded_on=D(2021, 1, 1), enterprises=[firm])
    return firm


def member_rows(firm) -> list[list]:
    ids = [make_id_number("510623", D(1990, 1, 1), n) for n in (31, 33, 35, 37)]
    return [
        ["张三", ids[0], "13800000000", firm.credit_code, "2024-01-05"],  # 2: fine
        ["李四", ids[1], "123", firm.credit_code, "2024-01-05"],  # 3: bad phone
        ["王五", ids[2], "", firm.credit_code, "2020-06-01"],  # 4: before the union existed
        ["赵六", "51062319900101", "", firm.credit_code, "2024-01-05"],  # 5: bad ID number
        ["孙七", ids[3], "", firm.credit_code, "2024-02-01"],  # 6: fine, one member too many
    ]


def cells_marked(ws) -> dict[str, tuple[str, str]]:
    return {c.coordinate: (c.fill.fgColor.rgb, c.comment.text) for row in ws.iter_rows()
            for c in row if c.comment}


def test_marked_workbook_highlights_bad_cells_with_comments(tmp_path, officer, covered):
    rows = member_rows(covered)
    path = write_xlsx(tmp_path / "会员.xlsx", MEMBER_HEADER, rows, title="2024年会员名册")
    client = client_for(officer)
    job = job_of(upload(client, "members", path))
    assert (job.error_count, job.warning_count) == (3, 1)  # 2 rows for 1 employee: a warning
    page = client.get(job.get_absolute_url()).content.decode()
    assert "下载标注了错误的工作簿" in page

    response = client.get(f"/imports/jobs/{job.pk}/workbook/")
    assert response.status_code == 200
    assert "_%E9%97%AE%E9%A2%98%E6%A0%87%E6%B3%A8.xlsx" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.worksheets[0]
    assert ws["A1"].value == "2024年会员名册" and ws["B3"].value == rows[0][1]  # the user's own
    marked = cells_marked(ws)
    # Header on row 2, data from row 3: the rows as Excel shows them.
    assert set(marked) == {"C4", "E5", "B6", "D3"}
    assert marked["C4"] == (RED, "错误：手机号应为11位，当前为3位：请核对后重新填写（座机号码不能作为手机号）。")
    assert marked["E5"][0] == RED and "没有工会组织覆盖" in marked["E5"][1]
    assert marked["B6"][0] == RED and marked["B6"][1].startswith("错误：")
    assert marked["D3"][0] == YELLOW and marked["D3"][1].startswith("提示：")
    assert "有 2 名在册会员，多于职工人数 1" in marked["D3"][1]
    assert ws["F2"].value == "导入检查结果" and "错误[手机号码]" in ws["F4"].value
    assert ws["F3"].value.startswith("提示[所在企业信用代码]")
    listed = [r for r in wb["问题清单"].iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[2]) for r in listed] == [(3, "提示"), (4, "错误"), (5, "错误"), (6, "错误")]
    event = AuditEvent.objects.get(action=Action.DOWNLOAD, object_key=str(job.pk))
    assert event.username == officer.username and event.detail["errors"] == 3


def test_streamed_workbook_marks_the_same_cells(tmp_path, officer, covered, monkeypatch):
    """Large workbooks are rebuilt cell by cell instead of opened whole: same marks."""
    monkeypatch.setattr(annotate, "PRESERVE_MAX_BYTES", 0)
    path = write_xlsx(tmp_path / "会员.xlsx", MEMBER_HEADER, member_rows(covered), title="名册")
    client = client_for(officer)
    job = job_of(upload(client, "members", path))
    response = client.get(f"/imports/jobs/{job.pk}/workbook/")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    marked = cells_marked(ws)
    assert {k: v[0] for k, v in marked.items()} == {"C4": RED, "E5": RED, "B6": RED, "D3": YELLOW}
    assert ws["F2"].value == "导入检查结果"


def test_csv_upload_gets_an_xlsx_of_its_rows(tmp_path, officer, covered):
    rows = member_rows(covered)
    rows[0][0] = "=HYPERLINK(\"http://x\")"  # a formula in a CSV stays text in the workbook
    path = write_csv(tmp_path / "会员.csv", MEMBER_HEADER, rows, encoding="gb18030")
    client = client_for(officer)
    job = job_of(upload(client, "members", path))
    response = client.get(f"/imports/jobs/{job.pk}/workbook/")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    assert ws.title == "会员"  # named after the user's file, not the stored one
    assert [c.value for c in ws[1]][:5] == MEMBER_HEADER
    assert ws["B2"].value == rows[0][1] and ws["B2"].data_type == "s"  # ID numbers stay text
    assert ws["A2"].value == rows[0][0] and ws["A2"].data_type == "s"
    marked = cells_marked(ws)
    assert {k: v[0] for k, v in marked.items()} == {"C3": RED, "E4": RED, "B5": RED, "D2": YELLOW}


def test_missing_column_marks_the_header_rows_first_cell(tmp_path, officer):
    path = write_xlsx(tmp_path / "e.xlsx", FIRM_HEADER[:3], [["甲", code(6), "网页镇"]])
    client = client_for(officer)
    job = job_of(upload(client, "enterprises", path))
    assert job.error_count == 1 and job.report["errors"][0]["column"] == "职工人数"
    ws = load_workbook(io.BytesIO(b"".join(
        client.get(f"/imports/jobs/{job.pk}/workbook/").streaming_content))).worksheets[0]
    assert cells_marked(ws) == {"A1": (RED, "错误：" + job.report["errors"][0]["message"])}


def test_personal_data_is_masked_in_what_the_database_keeps(tmp_path, officer, covered):
    rows = member_rows(covered)
    rows.append(list(rows[0]))  # a duplicate: the error's value is the full ID number
    rows[1][2] = "1380000000"  # a 10-digit "mobile": shown as typed would leak it
    client = client_for(officer)
    job = job_of(upload(client, "members", write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows)))
    duplicate = job.report["errors"][-1]
    assert duplicate["column"] == "公民身份号码"
    assert duplicate["value"] == rows[0][1][:6] + "********" + rows[0][1][-4:]
    stored = str(job.report)
    for sensitive in (rows[0][1], "51062319900101", "13800000000", "1380000000"):
        assert sensitive not in stored
    page = client.get(job.get_absolute_url()).content.decode()
    assert rows[0][1] not in page and duplicate["value"] in page
    # The user's own workbook keeps what the user wrote.
    ws = load_workbook(io.BytesIO(b"".join(client.get(
        f"/imports/jobs/{job.pk}/workbook/").streaming_content))).worksheets[0]
    assert ws["B7"].value == rows[0][1] and ws["B7"].fill.fgColor.rgb == RED


# ------------------------------------------------------------------ background jobs
@pytest.fixture
def background(settings, monkeypatch):
    """Every upload goes to the worker; the test runs the worker's job itself."""
    settings.JIANHUI_IMPORT_INLINE_MAX_KB = 0
    submitted: list = []
    monkeypatch.setattr(jobs, "submit", submitted.append)
    return submitted


def test_background_job_progress_and_reload(tmp_path, officer, covered, background, monkeypatch):
    rows = [[f"会员{i}", make_id_number("110101", D(1960, 1, 1) + dt.timedelta(days=i // 400),
                                        i % 400 * 2 + 1), "", covered.credit_code, "2024-01-05"]
            for i in range(2500)]
    covered.employees = 3000
    covered.save()
    client = client_for(officer)
    job = job_of(upload(client, "members", write_csv(tmp_path / "big.csv", MEMBER_HEADER, rows)))
    assert background == [job.pk] and job.status == JobStatus.QUEUED and job.total == 2500

    page = client.get(job.get_absolute_url()).content.decode()
    assert f'hx-get="/imports/jobs/{job.pk}/progress/"' in page
    assert 'hx-trigger="every 1s"' in page and "排队等待校验" in page
    fragment = client.get(f"/imports/jobs/{job.pk}/progress/")
    assert fragment.status_code == 200 and 'hx-trigger="every 1s"' in fragment.content.decode()
    early = client.post(f"/imports/jobs/{job.pk}/confirm/", follow=True).content.decode()
    assert "文件还在校验中" in early and ImportJob.objects.get(pk=job.pk).status == JobStatus.QUEUED

    seen = []  # what the page would show at each progress report
    original = jobs._Progress.__call__

    def spy(self, phase, done):
        original(self, phase, done)
        current = ImportJob.objects.get(pk=self.job_id)
        seen.append((current.status, current.phase, current.done, current.percent))
    monkeypatch.setattr(jobs._Progress, "__call__", spy)
    jobs.run_job(job.pk)
    assert seen[0] == (JobStatus.VALIDATING, "read", 1000, 36)
    assert seen[-1][:2] == (JobStatus.VALIDATING, "check")

    done = client.get(f"/imports/jobs/{job.pk}/progress/")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"  # polling ends: reload
    for _ in range(2):  # reloading shows the same job, validated
        page = client.get(job.get_absolute_url()).content.decode()
        assert figures(page)["将新增"] == "2,500" and 'hx-trigger="every 1s"' not in page

    client.post(f"/imports/jobs/{job.pk}/confirm/")
    job.refresh_from_db()
    assert background == [job.pk, job.pk] and (job.status, job.phase) == (JobStatus.IMPORTING,
                                                                          "waiting")
    page = client.get(job.get_absolute_url()).content.decode()
    assert "正在导入" in page and "等待开始" in page
    assert not Member.objects.filter(enterprise=covered).exists()
    jobs.run_job(job.pk)
    jobs.run_job(job.pk)  # a second run of the same job does nothing
    assert Member.objects.filter(enterprise=covered).count() == 2500
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.record.created == 2500
    event = AuditEvent.objects.get(action=Action.IMPORT, object_key=str(job.pk))
    assert event.username == officer.username and event.ip == "127.0.0.1"


def test_the_worker_thread_runs_submitted_jobs(tmp_path, officer, covered, settings, monkeypatch):
    """The real worker thread, sharing the test's connection (as Django's live server does
    for tests) so that it sees the test's uncommitted data."""
    settings.JIANHUI_IMPORT_INLINE_MAX_KB = 0
    conn = connections["default"]
    ran_in = []
    run, submit = jobs.run_job, jobs.submit

    def run_on_shared_connection(job_id):
        connections["default"] = conn
        ran_in.append(threading.current_thread().name)
        run(job_id)
    monkeypatch.setattr(jobs, "run_job", run_on_shared_connection)
    monkeypatch.setattr(jobs, "close_old_connections", lambda: None)
    monkeypatch.setattr(jobs, "submit", lambda job_id: None)  # the upload only queues
    client = client_for(officer)
    job = job_of(upload(client, "members", write_csv(tmp_path / "m.csv", MEMBER_HEADER,
                                                     member_rows(covered)[:1])))
    assert job.status == JobStatus.QUEUED
    conn.inc_thread_sharing()
    try:
        submit(job.pk)
        jobs.wait_idle()
    finally:
        jobs.stop_worker()
        conn.dec_thread_sharing()
    assert ran_in == ["jianhui-import"]
    job.refresh_from_db()
    assert job.status == JobStatus.VALIDATED and job.report["created"] == 1


def test_jobs_of_a_dead_process_are_shown_as_failed(officer):
    gone = f"{jobs.socket.gethostname()}:{os.getpid()}:deadbeef"  # our pid, another boot
    job = ImportJob.objects.create(user=officer, kind="members", stored_name="0" * 32 + ".csv",
                                   file_name="m.csv", status=JobStatus.VALIDATING, worker=gone)
    importing = ImportJob.objects.create(
        user=officer, kind="members", stored_name="1" * 32 + ".csv", file_name="n.csv",
        status=JobStatus.IMPORTING, phase="write", worker=gone, confirmed_at=timezone.now())
    alive = ImportJob.objects.create(user=officer, kind="members", stored_name="2" * 32 + ".csv",
                                     file_name="o.csv", status=JobStatus.VALIDATING,
                                     worker=jobs.WORKER_TOKEN)
    committed = ImportJob.objects.create(
        user=officer, kind="members", stored_name="3" * 32 + ".csv", file_name="p.csv",
        sha256="ab" * 32, status=JobStatus.IMPORTING, phase="write", worker=gone,
        confirmed_at=timezone.now() - dt.timedelta(minutes=1))
    record = ImportRecord.objects.create(  # it committed; the process died right after
        kind="members", user=officer.username, started_at=timezone.now(), sha256="ab" * 32,
        file_name="p.csv", written=True, rows=7, created=7, finished_at=timezone.now())
    client = client_for(officer)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "服务在校验过程中重启，任务已中断" in page and 'hx-trigger="every 1s"' not in page
    page = client.get(committed.get_absolute_url()).content.decode()
    assert "数据已全部写入" in page and figures(page)["新增"] == "7"
    assert ImportJob.objects.get(pk=committed.pk).record == record
    page = client.get(importing.get_absolute_url()).content.decode()
    assert "导入在一个事务中进行，没有写入任何数据" in page
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.FAILED
    assert ImportJob.objects.get(pk=alive.pk).status == JobStatus.VALIDATING
    assert 'hx-trigger="every 1s"' in client.get(alive.get_absolute_url()).content.decode()


# ------------------------------------------------------------------ permissions
@pytest.mark.parametrize("role", [Role.AUDITOR, Role.COUNTY_LEADER, Role.UNION_CHAIR])
def test_roles_without_the_import_right_get_403(demo, user_in, role, tmp_path):
    client = client_for(user_in(demo, role))
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/templates/members/").status_code == 403
    path = write_csv(tmp_path / "e.csv", FIRM_HEADER, [["甲", code(7), "中江县", 1]])
    assert upload(client, "enterprises", path).status_code == 403
    assert not ImportJob.objects.exists()
    assert "数据导入" not in client.get(CHEAP_PAGE).content.decode()


def test_nav_link_for_users_who_may_import(gaoxin_client, admin_client):
    for client in (gaoxin_client, admin_client):
        assert '<a href="/imports/"' in client.get(CHEAP_PAGE).content.decode()


def test_another_users_job_is_404(tmp_path, area, officer, user_in):
    client = client_for(officer)
    path = write_csv(tmp_path / "e.csv", FIRM_HEADER, [["甲", "BAD", "网页镇", 1]])
    job = job_of(upload(client, "enterprises", path))
    other = client_for(user_in(area[1], Role.AREA_OFFICER))  # same area, another person
    for url in ("", "progress/", "workbook/"):
        assert other.get(f"{job.get_absolute_url()}{url}").status_code == 404
    assert other.post(f"{job.get_absolute_url()}confirm/").status_code == 404
    assert client.get(f"{job.get_absolute_url()}workbook/").status_code == 200
    assert other.get(f"/imports/jobs/{uuid.uuid4()}/").status_code == 404
    assert "e.csv" not in other.get("/imports/").content.decode()


# ------------------------------------------------------------------ refused uploads
def refused(response) -> str:
    assert response.status_code == 400
    return re.search(r'id="file-error">(.*?)</p>', response.content.decode()).group(1)


def test_size_limit(tmp_path, area, officer, settings, data_dir):
    settings.JIANHUI_UPLOAD_MAX_MB = 1
    client = client_for(officer)
    rows = [[f"企业{i}", f"91444444MA{i:08d}", "网页镇", 1] for i in range(30000)]  # 1.3 MB
    path = write_csv(tmp_path / "big.csv", FIRM_HEADER, rows)
    assert 1 << 20 < path.stat().st_size < 2 << 20
    # Read until past the limit, then refused.
    assert refused(upload(client, "enterprises", path)).startswith("文件超过了 1 MB 的上限")
    huge = tmp_path / "huge.csv"  # past the limit by more than 1 MB: refused unread
    huge.write_bytes(path.read_bytes() * 2)
    assert re.match(r"文件大小为 2\.\d MB，超过了 1 MB 的上限：请把文件拆分",
                    refused(upload(client, "enterprises", huge)))
    assert not ImportJob.objects.exists()
    assert not (data_dir / "uploads").exists() or not list((data_dir / "uploads").iterdir())


def test_type_is_checked_by_extension_and_content(tmp_path, area, officer, data_dir):
    client = client_for(officer)
    csv_path = write_csv(tmp_path / "e.csv", FIRM_HEADER, [["甲", code(8), "网页镇", 1]])
    text = refused(upload(client, "enterprises", csv_path, name="e.txt"))
    assert text.startswith("不支持的文件类型「.txt」")
    text = refused(upload(client, "enterprises", csv_path, name="e.xlsx"))
    assert text.startswith("文件内容不是Excel 工作簿（.xlsx）")
    png = tmp_path / "p.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(200))
    assert refused(upload(client, "enterprises", png)).startswith("文件内容不是CSV 文本文件")
    xlsx = write_xlsx(tmp_path / "e.xlsx", FIRM_HEADER, [["甲", code(8), "网页镇", 1]])
    assert refused(upload(client, "enterprises", xlsx, name="e.xls")).startswith(
        "文件内容不是Excel 97-2003 工作簿")
    assert not ImportJob.objects.exists() and not list((data_dir / "uploads").iterdir())
    # The real thing is stored under a random name, readable by the server only.
    job = job_of(upload(client, "enterprises", xlsx, name="名册.xlsx"))
    stored = data_dir / "uploads" / job.stored_name
    assert stored.exists() and re.fullmatch(r"[0-9a-f]{32}\.xlsx", job.stored_name)
    assert job.file_name == "名册.xlsx"
    assert stored.stat().st_mode & 0o777 == 0o600


def test_old_uploads_are_deleted(tmp_path, area, officer, data_dir):
    from jianhui.imports.uploads import purge_expired

    client = client_for(officer)
    path = write_csv(tmp_path / "e.csv", FIRM_HEADER, [["甲", "BAD", "网页镇", 1]])
    job = job_of(upload(client, "enterprises", path))
    assert purge_expired() == 0
    assert purge_expired(timezone.now() + dt.timedelta(hours=25)) == 1
    assert not list((data_dir / "uploads").iterdir())
    job.refresh_from_db()
    assert job.file_deleted
    page = client.get(job.get_absolute_url()).content.decode()
    assert "下载标注了错误的工作簿" not in page
    assert client.get(f"{job.get_absolute_url()}workbook/").status_code == 404
