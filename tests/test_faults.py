"""The faults of issue 14, each reproduced first: what a local account, a hostile file, a crash
at the wrong moment or a busy SQLite could still do. One section per numbered point."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str, data_dir: Path, umask: int = 0o022, **env) -> subprocess.CompletedProcess:
    """Run code in a fresh process with Django set up on data_dir (SQLite), under umask."""
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("DATABASE_URL", "JIANHUI_SECRET_KEY", "JIANHUI_FIELD_KEY")}
    environment.update(JIANHUI_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="jianhui.settings",
                       **env)
    script = f"import os\nos.umask({umask})\nimport django\ndjango.setup()\n"
    return subprocess.run([sys.executable, "-c", script + textwrap.dedent(code)], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=120)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- 1. a local account could read the database (and a live session key) -----------------------

def test_data_dir_and_every_file_are_private_under_umask_022(tmp_path):
    data = tmp_path / "fresh"
    proc = _python("""
    from django.conf import settings
    from django.db import connection
    from jianhui.crypto.keyring import load_keyring
    from jianhui.imports import uploads
    with connection.cursor() as c:  # a write: the WAL and its index exist while we hold it
        c.execute("CREATE TABLE t (x)")
        c.execute("INSERT INTO t VALUES (1)")
    load_keyring()
    uploads.upload_dir()
    (settings.DATA_DIR / "written.log").write_text("a log line")
    for name in ("jianhui.sqlite3", "jianhui.sqlite3-wal", "jianhui.sqlite3-shm"):
        print(name, oct(os.stat(settings.DATA_DIR / name).st_mode & 0o777))
    """, data)
    assert proc.returncode == 0, proc.stderr
    modes = dict(line.split() for line in proc.stdout.splitlines() if line.startswith("jianhui"))
    assert modes == {"jianhui.sqlite3": "0o600", "jianhui.sqlite3-wal": "0o600",
                     "jianhui.sqlite3-shm": "0o600"}
    assert _mode(data) == 0o700
    for path in data.rglob("*"):
        assert _mode(path) & 0o077 == 0, f"{path} is {oct(_mode(path))}"


def test_a_readable_data_dir_is_tightened_at_start(tmp_path):
    data = tmp_path / "old"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    db = data / "jianhui.sqlite3"
    db.write_bytes(b"")
    os.chmod(db, 0o644)
    (data / "secret_key").write_text("k" * 50)
    os.chmod(data / "secret_key", 0o644)
    proc = _python("print('ok')", data)
    assert proc.returncode == 0, proc.stderr
    assert _mode(data) == 0o700 and _mode(db) == 0o600 and _mode(data / "secret_key") == 0o600
    assert "jianhui.sqlite3" in proc.stderr and "0600" in proc.stderr  # says what it did


def test_a_data_dir_that_cannot_be_tightened_is_refused_in_chinese(tmp_path, monkeypatch):
    from jianhui.lib import files

    data = tmp_path / "foreign"
    data.mkdir()
    os.chmod(data, 0o755)

    def refuse(path, mode):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(files.os, "chmod", refuse)
    with pytest.raises(files.NotPrivate) as caught:
        files.secure_data_dir(data, ("jianhui.sqlite3",))
    message = str(caught.value)
    assert str(data) in message and "chmod 700" in message and "其他用户" in message


# --- 2. a 400 KB upload cost 3 GB -----------------------------------------------------------------

MEMBER_HEADER = ["姓名", "公民身份号码", "所在企业信用代码", "入会日期"]
BOUND_MB = 300  # the stated bound for any import of a file up to the 50 MB upload limit

MEASURE = """
    import json, resource, time
    from pathlib import Path
    from django.db import connection
    from jianhui.imports.models import ImportRecord
    from jianhui.imports.services import import_file

    def peak_mb():
        # This process's own high-water mark (Linux: VmHWM). getrusage's ru_maxrss also keeps
        # the parent's at the exec: a big test process (an xdist worker) would count as ours.
        status = Path("/proc/self/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    with connection.schema_editor() as editor:
        editor.create_model(ImportRecord)
    before = peak_mb()
    started = time.perf_counter()
    report = import_file("members", {path!r}, dry_run=True, user="test")
    print(json.dumps({{"before_mb": before, "seconds": time.perf_counter() - started,
                      "peak_mb": peak_mb(),
                      "errors": [e.as_json() for e in report.errors]}}, ensure_ascii=False))
"""


def _measure(path: Path, tmp_path: Path) -> dict:
    import json

    proc = _python(MEASURE.format(path=str(path)), tmp_path / "measure")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    from jianhui.imports.samples import write_xlsx_bomb

    return write_xlsx_bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx", MEMBER_HEADER, 400)


def test_the_400_kb_bomb_is_refused_within_bounded_memory(bomb, tmp_path):
    assert bomb.stat().st_size < 500_000
    measured = _measure(bomb, tmp_path)
    print("bomb:", {k: v for k, v in measured.items() if k != "errors"})
    assert measured["peak_mb"] < BOUND_MB, measured["peak_mb"]
    [error] = measured["errors"]
    assert "拒绝导入" in error["message"]  # refused for its 400 MB cell, before calamine read it
    assert "32767" in error["message"] or "解压" in error["message"]
    assert len(error["message"]) < 500


def test_the_bomb_on_the_cli_is_one_short_line_about_the_whole_file(db, bomb):
    """On main the CLI echoed the cell: 1.6 GB of stderr for a 1.5 MB file."""
    from test_import_cli import cli

    code, out, err = cli("members", str(bomb))
    assert code == 1 and "Traceback" not in err
    assert len(err.encode()) < 2000, len(err)
    assert "错误 整个文件：" in err and "第0行" not in err and "拒绝导入" in err


def test_a_sheet_reaching_far_cells_is_refused_before_it_is_laid_out(tmp_path):
    """calamine lays a sheet out densely from A1: one cell at XFD1048576 would be 17·10⁹ cells."""
    from jianhui.imports.samples import write_xlsx_bomb

    far = write_xlsx_bomb(tmp_path / "far.xlsx", MEMBER_HEADER, 0, cell_ref="XFD1048576")
    # In a process of its own: on main calamine aborts the process trying to allocate it.
    proc = _python(f"""
    from jianhui.imports.readers import FileProblem, raw_rows
    try:
        next(raw_rows({str(far)!r}))
    except FileProblem as exc:
        print(exc)
    """, tmp_path / "far")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "超出第 256 列" in proc.stdout


def _csv(path: Path, rows: list[list[str]], header=MEMBER_HEADER) -> Path:
    from jianhui.imports.samples import write_csv

    return write_csv(path, header, rows)


def test_an_oversize_cell_is_a_chinese_row_error_on_the_cli(db, tmp_path):
    from test_import_cli import cli

    path = _csv(tmp_path / "big.csv", [["张三", "1" * 17 + "X", "x", "2024-01-01"],
                                        ["李四" * 100_000, "x", "x", "2024-01-01"]])
    code, out, err = cli("members", str(path), "--json")
    assert code == 1 and "Traceback" not in err
    import json

    errors = json.loads(out)["errors"]
    oversize = [e for e in errors if e["row"] == 3]
    assert oversize and "32767" in oversize[0]["message"] and "第3行" not in oversize[0]["value"]
    assert len(oversize[0]["value"]) <= 200


def test_rows_and_columns_are_limited_while_streaming(db, tmp_path, monkeypatch):
    from jianhui.imports import readers
    from jianhui.imports.services import import_file

    wide = _csv(tmp_path / "wide.csv", [["张三", "x", "x", "2024-01-01", *["1"] * 300]],
                header=[*MEMBER_HEADER, *[f"列{i}" for i in range(300)]])
    report = import_file("members", wide, dry_run=True)
    assert any("列" in e.message and str(readers.MAX_COLUMNS) in e.message for e in report.errors)
    monkeypatch.setattr(readers, "MAX_ROWS", 10)
    long = _csv(tmp_path / "long.csv", [["张三", "x", "x", "2024-01-01"]] * 20)
    report = import_file("members", long, dry_run=True)
    assert any("10" in e.message and "行" in e.message and "拆分" in e.message
               for e in report.errors)
    assert report.rows <= 11


def test_the_problem_list_is_capped_and_the_total_counted(db, tmp_path, monkeypatch):
    from jianhui.imports.kinds import base
    from jianhui.imports.services import import_file

    monkeypatch.setattr(base, "MAX_ISSUES", 50)
    bad = _csv(tmp_path / "bad.csv", [[f"人{i}", "123", "x", "2024-01-01"] for i in range(400)])
    report = import_file("members", bad, dry_run=True)
    assert len(report.errors) == 50 and report.errors.total >= 800  # two per row
    data = report.as_json()
    assert len(data["errors"]) == 50 and data["error_total"] == report.errors.total
    assert "共" in report.summary("会员") and str(report.errors.total) in report.summary("会员")


def test_stderr_of_the_cli_is_capped(db, tmp_path, monkeypatch):
    import importlib

    from test_import_cli import cli

    command = importlib.import_module("jianhui.imports.management.commands.import")
    monkeypatch.setattr(command, "SHOWN", 20)
    bad = _csv(tmp_path / "bad.csv", [[f"人{i}", "123", "x", "2024-01-01"] for i in range(400)])
    code, out, err = cli("members", str(bad))
    assert code == 1
    assert len(err.splitlines()) <= 25 and "未显示" in err


# --- 3. an import could be written and reported as not written -------------------------------------

MEMBER_COLUMNS = ["姓名", "公民身份号码", "手机号码", "所在企业信用代码", "入会日期"]


@pytest.fixture
def covered_firm(build):
    import datetime as dt

    from jianhui.unions.models import OrganisationKind
    from jianhui.unions.services import found_organisation

    county = build.jurisdiction("故障县")
    firm = build.enterprise(county, name="故障企业", employees=5000,
                            founded_on=dt.date(2020, 1, 1))
    found_organisation(name="故障企业工会", kind=OrganisationKind.STANDALONE, jurisdiction=county,
                       founded_on=dt.date(2021, 1, 1), enterprises=[firm])
    return firm


def _member_rows(firm, n: int, first: int = 1) -> list[list]:
    import datetime as dt

    from jianhui.lib.codes import make_id_number

    return [[f"会员{i}", make_id_number("110105", dt.date(1971, 1, 1) + dt.timedelta(days=i // 400),
                                       i % 400 * 2 + 1), "",
             firm.credit_code, "2024-01-05"] for i in range(first, first + n)]


def test_a_crash_right_after_the_commit_leaves_a_job_that_tells_the_truth(
        tmp_path, fresh_data_dir, covered_firm, user_in, monkeypatch):
    import contextlib
    import socket
    import types

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from jianhui.accounts.models import Role
    from jianhui.audit.models import Action, AuditEvent
    from jianhui.imports import jobs, services
    from jianhui.imports.models import ImportJob, ImportRecord, JobStatus
    from jianhui.imports.samples import write_csv
    from jianhui.unions.models import Member

    officer = user_in(covered_firm.jurisdiction, Role.AREA_OFFICER)
    path = write_csv(tmp_path / "m.csv", MEMBER_COLUMNS, _member_rows(covered_firm, 3))
    job = jobs.create_job(officer, "members", "upsert",
                          SimpleUploadedFile("m.csv", path.read_bytes()))
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.VALIDATED and job.error_count == 0
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.IMPORTING, phase="waiting",
                                               confirmed_at=timezone.now())
    real_atomic = services.transaction.atomic

    @contextlib.contextmanager
    def killed_after_commit(*args, **kwargs):
        with real_atomic(*args, **kwargs):
            yield
        raise KeyboardInterrupt("kill -9 right after the import's commit")

    monkeypatch.setattr(services, "transaction", types.SimpleNamespace(atomic=killed_after_commit))
    with pytest.raises(KeyboardInterrupt):
        jobs.run_job(job.pk)
    monkeypatch.undo()
    # The process is gone: another one looks at the job.
    ImportJob.objects.filter(pk=job.pk).update(
        worker=f"{socket.gethostname()}:{os.getpid()}:deadbeef")
    job = jobs.reap(ImportJob.objects.get(pk=job.pk))

    written = Member.objects.filter(enterprise=covered_firm).count()
    assert written == 3  # the rows committed ...
    assert job.status == JobStatus.DONE and "没有写入" not in job.message  # ... and it says so
    assert ImportRecord.objects.filter(pk=job.record_id, written=True, created=3).exists()
    event = AuditEvent.objects.filter(action=Action.IMPORT, object_key=str(job.pk)).get()
    assert event.detail["written"] is True and event.detail["created"] == 3


KILLED_AFTER_COMMIT = """
    import datetime as dt, os, signal, sys
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.utils import timezone
    from jianhui.accounts.models import Assignment, Role
    from jianhui.imports import jobs
    from jianhui.imports.kinds.members import MemberImporter
    from jianhui.imports.models import ImportJob, JobStatus
    from jianhui.imports.samples import write_csv
    from jianhui.imports.services import import_file
    from jianhui.lib.codes import make_credit_code, make_id_number
    from jianhui.regions.models import Jurisdiction

    work = {work!r}
    firm = make_credit_code("91510623MA0000001")
    for kind, header, rows in [
        ("jurisdictions", ["辖区名称", "辖区代码", "上级辖区", "类型"], [["测试县", "510699", "", "县"]]),
        ("enterprises", ["企业名称", "统一社会信用代码", "所属辖区", "职工人数", "成立日期"],
         [["测试企业", firm, "510699", 1000, "2015-01-01"]]),
        ("unions", ["工会名称", "组织类型", "所属辖区", "成立日期", "覆盖企业信用代码"],
         [["测试企业工会", "基层工会委员会", "510699", "2020-01-01", firm]])]:
        assert import_file(kind, write_csv(f"{{work}}/{{kind}}.csv", header, rows)).written
    members = write_csv(f"{{work}}/members.csv", ["姓名", "公民身份号码", "所在企业信用代码", "入会日期"],
        [[f"会员{{i}}", make_id_number("110105", dt.date(1970, 1, 1) + dt.timedelta(days=i),
                                     1), firm, "2024-01-05"] for i in range(50)])
    user = get_user_model().objects.create_user("cadre", password=None)
    Assignment.objects.create(user=user, role=Role.COUNTY_ADMIN,
                              jurisdiction=Jurisdiction.objects.get(code="510699"))
    job = jobs.create_job(user, "members", "upsert",
                          SimpleUploadedFile("members.csv", members.read_bytes()))
    jobs.run_job(job.pk)
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.VALIDATED
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.IMPORTING, phase="waiting",
                                               confirmed_at=timezone.now(),
                                               worker=jobs.WORKER_TOKEN)
    print(job.pk, flush=True)
    real_write = MemberImporter.write

    def write_then_die_at_commit(self):  # kill -9 the moment the import's transaction commits
        real_write(self)
        transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))

    MemberImporter.write = write_then_die_at_commit
    jobs.run_job(job.pk)
    print("still alive", flush=True)
"""

AFTER_THE_KILL = """
    import json
    from jianhui.audit.models import Action, AuditEvent
    from jianhui.imports import jobs
    from jianhui.imports.models import ImportJob, ImportRecord
    from jianhui.unions.models import Member
    job = jobs.reap(ImportJob.objects.get(pk={job!r}))
    event = AuditEvent.objects.filter(action=Action.IMPORT, object_key=str(job.pk)).first()
    print(json.dumps({{"status": job.status, "message": job.message,
                      "members": Member.objects.count(),
                      "record": ImportRecord.objects.filter(pk=job.record_id, written=True,
                                                            created=50).exists(),
                      "event": event.detail if event else None}}, ensure_ascii=False))
"""


def test_kill_9_at_the_commit_leaves_a_job_that_tells_the_truth(small_site, tmp_path):
    """The issue's finding reproduced with a real SIGKILL: the server process dies the moment
    the import's transaction commits; the job, looked at afterwards, says what was written."""
    import json
    import shutil

    site = tmp_path / "killed"
    shutil.copytree(small_site, site)
    proc = _python(KILLED_AFTER_COMMIT.format(work=str(tmp_path)), site)
    assert proc.returncode == -9, proc.stderr[-3000:]
    assert "still alive" not in proc.stdout
    job = proc.stdout.split()[0]
    proc = _python(AFTER_THE_KILL.format(job=job), site)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.splitlines()[-1])
    assert seen["members"] == 50  # committed ...
    assert seen["status"] == "done" and "没有写入" not in seen["message"]  # ... and said so
    assert seen["record"] and seen["event"]["written"] is True and seen["event"]["created"] == 50


def test_a_failed_write_leaves_no_record_claiming_it_was_written(
        tmp_path, fresh_data_dir, covered_firm, monkeypatch):
    from django.db import DatabaseError

    from jianhui.audit.models import AuditEvent
    from jianhui.imports.models import ImportRecord
    from jianhui.imports.samples import write_csv
    from jianhui.imports.services import import_file
    from jianhui.unions.models import Member

    calls = []

    def audit_fails(report):
        calls.append(report.written)
        if report.written:  # the event cannot be written: neither may the rows be
            raise DatabaseError("the audit log refused")

    path = write_csv(tmp_path / "m.csv", MEMBER_COLUMNS, _member_rows(covered_firm, 2))
    before = AuditEvent.objects.count()
    report = import_file("members", path, user="tester", audit=audit_fails)
    assert not report.written and Member.objects.filter(enterprise=covered_firm).count() == 0
    assert not ImportRecord.objects.filter(user="tester", written=True).exists()
    assert AuditEvent.objects.count() == before
    assert calls == [True, False]  # tried with the rows, then recorded as not written
    assert "已全部撤销" in report.errors[0].message


def test_cli_imports_are_audited_naming_the_os_user_or_user(db, tmp_path, covered_firm, user_in):
    import getpass
    import json

    from test_import_cli import cli

    from jianhui.accounts.models import Role
    from jianhui.audit.models import Action, AuditEvent
    from jianhui.imports.samples import write_csv

    path = write_csv(tmp_path / "m.csv", MEMBER_COLUMNS, _member_rows(covered_firm, 2))
    status, out, err = cli("members", str(path), "--json")
    assert status == 0, err
    event = AuditEvent.objects.filter(action=Action.IMPORT).latest("id")
    assert getpass.getuser() in event.username and event.detail["written"] is True
    assert event.detail["created"] == 2 and event.detail["file"] == "m.csv"
    assert event.detail["record"] and json.loads(out)["created"] == 2

    officer = user_in(covered_firm.jurisdiction, Role.COUNTY_ADMIN)
    path = write_csv(tmp_path / "n.csv", MEMBER_COLUMNS, _member_rows(covered_firm, 1, first=9))
    status, out, err = cli("members", str(path), "--user", officer.username)
    assert status == 0, err
    event = AuditEvent.objects.filter(action=Action.IMPORT).latest("id")
    assert event.username == officer.username and event.user_id == officer.pk and event.detail["os_user"] == getpass.getuser()

    bad = write_csv(tmp_path / "bad.csv", MEMBER_COLUMNS, [["坏", "1", "", "x", "2024-01-05"]])
    status, out, err = cli("members", str(bad))
    assert status == 1
    event = AuditEvent.objects.filter(action=Action.IMPORT).latest("id")
    assert event.detail["written"] is False and event.detail["errors"] >= 1


# --- 4. wrong text was stored silently ---------------------------------------------------------------

def _bytes_csv(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    return path


def test_a_mixed_encoding_file_is_refused_naming_the_row(db, tmp_path, covered_firm):
    from jianhui.imports.services import import_file
    from jianhui.unions.models import Member

    rows = _member_rows(covered_firm, 3)
    header = ",".join(MEMBER_COLUMNS)
    first = [header.encode("gb18030")] + [",".join(r).encode("gb18030") for r in rows]
    assert import_file("members", _bytes_csv(tmp_path / "gb.csv", first)).written
    # The same people again, names corrected, one row pasted from a UTF-8 file.
    rows[1][0] = "欧阳娜娜"
    mixed = [header.encode("gb18030"), ",".join(rows[0]).encode("gb18030"),
             ",".join(rows[1]).encode("utf-8"), ",".join(rows[2]).encode("gb18030")]
    report = import_file("members", _bytes_csv(tmp_path / "mixed.csv", mixed))
    assert not report.written
    [error] = report.errors
    assert error.row == 3 and "编码" in error.message and "UTF-8" in error.message
    assert sorted(Member.objects.filter(enterprise=covered_firm).values_list("name", flat=True)
                  ) == ["会员1", "会员2", "会员3"]  # nothing garbled, nothing overwritten

    # A UTF-8 file (most of it) with one GB18030 row: that row is the one named.
    other = [header.encode("utf-8")] + [",".join(r).encode("utf-8") for r in rows]
    other[2] = ",".join(rows[1]).encode("gb18030")
    report = import_file("members", _bytes_csv(tmp_path / "other.csv", other))
    assert [e.row for e in report.errors] == [3] and "GB18030" in report.errors[0].message


def test_a_nul_byte_after_64_kib_is_refused_naming_the_row(db, tmp_path, covered_firm):
    from jianhui.imports.services import import_file
    from jianhui.unions.models import Member

    rows = _member_rows(covered_firm, 1200)
    rows[1100][0] = "会员\x00一千一"
    path = tmp_path / "nul.csv"
    path.write_text("\n".join(",".join(r) for r in [MEMBER_COLUMNS, *rows]) + "\n",
                    encoding="utf-8")
    assert path.read_bytes().index(b"\x00") > 64 * 1024
    report = import_file("members", path)
    assert not report.written and [e.row for e in report.errors] == [1102]
    assert "控制字符" in report.errors[0].message and "第3个字" in report.errors[0].message
    assert not Member.objects.filter(enterprise=covered_firm).exists()


@pytest.mark.parametrize(("column", "value", "words"), [
    ("公民身份号码", "51062319900101\u200b0036", ["零宽空格", "U+200B", "第15位"]),
    ("所在企业信用代码", None, ["从右至左", "U+202E", "第1位"]),
    ("姓名", "张\u202e三", ["从右至左", "U+202E", "第2个字"]),
    ("姓名", "李\u200d四", ["零宽连接符", "第2个字"]),
])
def test_invisible_characters_are_refused_naming_them(db, tmp_path, covered_firm, column,
                                                       value, words):
    from jianhui.imports.samples import write_csv
    from jianhui.imports.services import import_file

    rows = _member_rows(covered_firm, 1)
    at = MEMBER_COLUMNS.index(column)
    rows[0][at] = value if value is not None else "\u202e" + covered_firm.credit_code
    report = import_file("members", write_csv(tmp_path / "m.csv", MEMBER_COLUMNS, rows))
    assert not report.written
    [error] = report.errors
    assert error.row == 2 and all(w in error.message for w in words), error.message
    assert "位数" not in error.message and "当前为19位" not in error.message


def test_invisible_characters_are_refused_in_jurisdiction_names_and_codes(db, tmp_path):
    from jianhui.imports.samples import write_csv
    from jianhui.imports.services import import_file
    from jianhui.regions.models import Jurisdiction

    header = ["辖区名称", "辖区代码", "上级辖区", "类型"]
    rows = [["隐形县", "779900", "", "县"], ["南华\u200b镇", "779901", "779900", "乡镇"],
            ["凯江镇", "7799\u202e02", "779900", "乡镇"]]
    report = import_file("jurisdictions", write_csv(tmp_path / "j.csv", header, rows))
    assert not report.written and not Jurisdiction.objects.filter(code__startswith="7799").exists()
    messages = {e.row: e.message for e in report.errors}
    assert "零宽空格" in messages[3] and "第3个字" in messages[3]
    assert "从右至左强制符" in messages[4] and "第5个字" in messages[4]


def test_an_oversize_cell_is_a_chinese_row_error_on_the_web(tmp_path, fresh_data_dir, covered_firm,
                                                           user_in, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from jianhui.accounts.models import Role
    from jianhui.imports.samples import write_csv

    settings.JIANHUI_IMPORT_INLINE_MAX_KB = 10_000  # validated within the request
    officer = user_in(covered_firm.jurisdiction, Role.AREA_OFFICER)
    client = Client()
    client.force_login(officer)
    rows = _member_rows(covered_firm, 2)
    rows[1][0] = "长" * 100_000  # 300 KB: a line the reader takes, a cell it refuses
    path = write_csv(tmp_path / "big.csv", MEMBER_COLUMNS, rows)
    response = client.post("/imports/", {"kind": "members", "mode": "upsert",
                                          "file": SimpleUploadedFile("big.csv", path.read_bytes())})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "32767" in page and "第3行" in page and "意外错误" not in page


# --- 7. audit rows were tamper-evident only while the trigger stood --------------------------------

def _verify(*args: str) -> tuple[int, str, str]:
    import io

    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_an_audit_row_rewritten_behind_the_triggers_back_is_found(db):
    import json

    from django.db import connection

    from jianhui.audit import triggers
    from jianhui.audit.log import record
    from jianhui.audit.models import Action

    events = [record(Action.EXPORT, username=f"审计{i}", object_repr="会员名册", reason="核对")
              for i in range(3)]
    code, out, err = _verify("--json")
    assert code == 0, err
    good = json.loads(out)
    assert good["ok"] is True and good["events"] >= 3 and good["first_broken"] is None

    # Someone holding the database drops the trigger and rewrites a row.
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET username = %s WHERE id = %s",
                       ["别人", events[1].pk])
    triggers.install(connection)
    code, out, err = _verify("--json")
    assert code == 1
    bad = json.loads(out)
    assert bad["ok"] is False and bad["first_broken"]["id"] == events[1].pk
    code, out, err = _verify()
    assert code == 1 and f"编号 {events[1].pk}" in err and "被改动" in err


def test_a_deleted_audit_row_breaks_the_chain_at_the_next_one(db):
    import json

    from django.db import connection

    from jianhui.audit import triggers
    from jianhui.audit.log import record
    from jianhui.audit.models import Action

    events = [record(Action.REVEAL, username="干部", reason=f"第{i}次") for i in range(3)]
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    triggers.install(connection)
    code, out, _ = _verify("--json")
    assert code == 1 and json.loads(out)["first_broken"]["id"] == events[2].pk


def _jianhui(args: list[str], data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "JIANHUI_SECRET_KEY", "JIANHUI_FIELD_KEY")}
    env["JIANHUI_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "jianhui.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def small_site(tmp_path_factory) -> Path:
    """A migrated SQLite data dir with a few audit events and an upload: no demo county."""
    data = tmp_path_factory.mktemp("site") / "data"
    proc = _python("""
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from jianhui.audit.log import record
    for i in range(3):
        record("export", username=f"审计{i}", object_repr="会员名册")
    from jianhui.imports import uploads
    (uploads.upload_dir() / ("a" * 32 + ".csv")).write_text("姓名,身份证号\\n张三,510623199001011234\\n")
    """, data)
    assert proc.returncode == 0, proc.stderr
    return data


def test_backup_runs_audit_verify_and_reports_a_broken_chain(small_site, tmp_path):
    import json
    import shutil
    import sqlite3

    site = tmp_path / "tampered"
    shutil.copytree(small_site, site)
    con = sqlite3.connect(site / "jianhui.sqlite3")
    con.execute("DROP TRIGGER audit_no_update")
    con.execute("UPDATE audit_auditevent SET username = '别人' WHERE username = '审计1'")
    con.commit()
    con.close()
    proc = _jianhui(["backup", str(tmp_path), "--json"], site)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["audit_chain"]["ok"] is False and summary["audit_chain"]["first_broken"]["id"]
    assert "哈希链已断裂" in proc.stderr and "被改动" in proc.stderr


# --- 6. backups carried plaintext uploads; damage at the end and forgery went unnoticed ------------

@pytest.fixture(scope="module")
def site_backup(small_site, tmp_path_factory) -> Path:
    import json

    out = tmp_path_factory.mktemp("backups")
    proc = _jianhui(["backup", str(out), "--json"], small_site)
    assert proc.returncode == 0, proc.stderr
    return Path(json.loads(proc.stdout)["file"])


def _restore(archive: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    return _jianhui(["restore", str(archive)], tmp_path / "target")


def test_backups_leave_the_uploads_out(site_backup):
    import tarfile

    with tarfile.open(site_backup) as tar:
        names = tar.getnames()
    assert "database/jianhui.sqlite3" in names
    assert not [n for n in names if "uploads" in n], names


@pytest.mark.parametrize("damage", ["flip_9_before_end", "trailing_zeros", "trailing_text",
                                    "cut_short"])
def test_an_archive_is_verified_to_its_last_byte(site_backup, tmp_path, damage):
    from jianhui.ops.archive import verify_whole
    from jianhui.ops.datadir import OpsError

    data = bytearray(site_backup.read_bytes())
    if damage == "flip_9_before_end":
        data[-9] ^= 0x01
    elif damage == "trailing_zeros":
        data += b"\0" * 512
    elif damage == "trailing_text":
        data += b"appended by someone"
    else:
        del data[-20:]
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(bytes(data))
    verify_whole(site_backup)  # the untouched file passes
    with pytest.raises(OpsError, match="拒绝恢复"):
        verify_whole(broken)
    if damage == "flip_9_before_end":  # and the command refuses it, changing nothing
        proc = _restore(broken, tmp_path)
        assert proc.returncode != 0 and "拒绝恢复" in proc.stderr, proc.stderr
        assert not (tmp_path / "target" / "jianhui.sqlite3").exists()


@pytest.mark.parametrize("tail", [b"", b"\0" * 512, b"appended"])
def test_bytes_after_a_member_that_inflates_beyond_a_window_are_refused(tmp_path, tail):
    """A member whose last read inflates to more than the 1 MiB output window leaves the bytes
    after it in zlib's unconsumed_tail, which zlib no longer consumes: refused, not a loop."""
    import gzip

    from jianhui.ops.archive import verify_whole
    from jianhui.ops.datadir import OpsError

    path = tmp_path / "big.tar.gz"
    path.write_bytes(gzip.compress(b"a" * (6 << 20), compresslevel=1) + tail)
    if not tail:
        verify_whole(path)
        return
    with pytest.raises(OpsError, match="多余的内容"):
        verify_whole(path)


def test_a_forged_archive_with_a_consistent_manifest_is_refused(site_backup, tmp_path):
    """Someone rewrites the database inside a backup and fixes the manifest's checksums: only
    the HMAC under the key, which they do not hold, can tell."""
    import hashlib
    import io
    import json
    import sqlite3
    import tarfile

    with tarfile.open(site_backup) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}
    db = tmp_path / "db.sqlite3"
    db.write_bytes(files["database/jianhui.sqlite3"])
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER IF EXISTS audit_no_update")
    con.execute("UPDATE audit_auditevent SET username = '伪造'")
    con.commit()
    con.close()
    files["database/jianhui.sqlite3"] = db.read_bytes()
    manifest = json.loads(files["manifest.json"])
    manifest["files"]["database/jianhui.sqlite3"] = {
        "sha256": hashlib.sha256(files["database/jianhui.sqlite3"]).hexdigest(),
        "size": len(files["database/jianhui.sqlite3"])}
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    files.pop("manifest.sig", None)
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(forged, "w:gz") as out:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    proc = _restore(forged, tmp_path)
    assert proc.returncode != 0 and "签名" in proc.stderr, proc.stderr
    assert not (tmp_path / "target" / "jianhui.sqlite3").exists()


def test_an_untouched_backup_still_restores(site_backup, tmp_path):
    proc = _restore(site_backup, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "target" / "jianhui.sqlite3").exists()


def test_waitress_answers_an_oversized_upload_with_our_chinese_413(small_site, tmp_path):
    import shutil
    import socket
    import time

    site = tmp_path / "serving"
    shutil.copytree(small_site, site)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(JIANHUI_DATA_DIR=str(site), JIANHUI_MAX_REQUEST_MB="1")
    server = subprocess.Popen([sys.executable, "-m", "jianhui.cli", "serve", "--port", str(port)],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(b"POST /imports/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: multipart/form-data; boundary=x\r\n"
                         b"Content-Length: 5000000\r\n\r\n")  # waitress answers on the length
            answer = b""
            try:
                while chunk := conn.recv(65536):
                    answer += chunk
            except ConnectionResetError:
                pass
    finally:
        server.terminate()
        server.wait(10)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b"text/html" in head and "提交的内容过大" in body.decode("utf-8")
    assert b"Request Entity Too Large" not in body


# --- 5. SQLite under a big import: logins and page views failed -------------------------------------

BUSY_SITE = """
    import json, threading, time
    from django.contrib.auth import get_user_model
    from django.test import Client
    from jianhui.accounts.models import Assignment, Role
    from jianhui.imports.kinds.members import MemberImporter
    from jianhui.imports.samples import write_csv
    from jianhui.imports.services import import_file
    from jianhui.lib.codes import make_credit_code, make_id_number
    from jianhui.regions.models import Jurisdiction
    import datetime as dt

    work = {work!r}
    firm = make_credit_code("91510623MA0000001")
    for kind, header, rows in [
        ("jurisdictions", ["辖区名称", "辖区代码", "上级辖区", "类型"], [["测试县", "510699", "", "县"]]),
        ("enterprises", ["企业名称", "统一社会信用代码", "所属辖区", "职工人数", "成立日期"],
         [["测试企业", firm, "510699", 100000, "2015-01-01"]]),
        ("unions", ["工会名称", "组织类型", "所属辖区", "成立日期", "覆盖企业信用代码"],
         [["测试企业工会", "基层工会委员会", "510699", "2020-01-01", firm]])]:
        assert import_file(kind, write_csv(f"{{work}}/{{kind}}.csv", header, rows)).written
    members = write_csv(f"{{work}}/members.csv", ["姓名", "公民身份号码", "所在企业信用代码", "入会日期"],
        [[f"会员{{i}}", make_id_number("110105", dt.date(1970, 1, 1) + dt.timedelta(days=i // 400),
                                     i % 400 * 2 + 1), firm, "2024-01-05"] for i in range(2000)])
    user = get_user_model().objects.create_user("cadre", password="Busy-Site-2024")
    Assignment.objects.create(user=user, role=Role.COUNTY_ADMIN,
                              jurisdiction=Jurisdiction.objects.get(code="510699"))
    browsing = Client()
    assert browsing.post("/accounts/login/", {{"username": "cadre", "password": "Busy-Site-2024"}}).status_code == 302
    assert browsing.get("/").status_code == 200
    session = browsing.session
    session["_touched"] = 0  # last touched long ago: this page view would push the expiry on
    session.save()

    # The import's write holds SQLite's one write lock for {hold} s (a big import's write phase).
    writing = threading.Event()
    real_write = MemberImporter.write
    def slow_write(self):
        real_write(self)
        writing.set()
        time.sleep({hold})
    MemberImporter.write = slow_write
    result = {{}}
    importer = threading.Thread(target=lambda: result.update(
        written=import_file("members", members, user="cli").written))
    importer.start()
    writing.wait(60)
    seen = []
    started = time.perf_counter()
    page = browsing.get("/")
    seen.append(("page view", page.status_code, time.perf_counter() - started))
    for _ in range(2):
        started = time.perf_counter()
        client = Client()
        login = client.post("/accounts/login/", {{"username": "cadre", "password": "Busy-Site-2024"}})
        dashboard = client.get("/")
        seen.append(("login", login.status_code, time.perf_counter() - started))
        seen.append(("dashboard", dashboard.status_code, 0))
    importer.join()
    print(json.dumps({{"seen": seen, "written": result.get("written")}}))
"""


def test_logins_and_page_views_during_an_import_wait_but_never_fail(small_site, tmp_path):
    import json
    import shutil

    site = tmp_path / "busy"
    shutil.copytree(small_site, site)
    hold = 5
    proc = _python(BUSY_SITE.format(work=str(tmp_path), hold=hold), site,
                   JIANHUI_ALLOWED_HOSTS="testserver")
    assert proc.returncode == 0, proc.stderr[-3000:]
    outcome = json.loads(proc.stdout.splitlines()[-1])
    print(outcome)
    assert outcome["written"] is True
    statuses = {(what, code) for what, code, _ in outcome["seen"]}
    assert statuses == {("page view", 200), ("login", 302), ("dashboard", 200)}
    page_seconds = outcome["seen"][0][2]
    assert page_seconds < hold / 2  # a page view needs no write: it does not wait for the import


def test_a_long_narrow_sheet_is_not_mistaken_for_a_wide_one(tmp_path, monkeypatch):
    """The cell count is rows × the columns actually used: 400,000 rows of 6 columns fit."""
    from jianhui.imports import readers

    monkeypatch.setattr(readers, "MAX_CELLS", 60)
    rows = "".join(f'<row r="{r}"><c r="A{r}"/><c r="F{r}"/></row>' for r in range(1, 11))
    import zipfile

    path = tmp_path / "narrow.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", f"<worksheet><sheetData>{rows}</sheetData>"
                                                      "</worksheet>")
    readers.check_workbook_archive(path)  # 10 rows × 6 columns = 60: fits
    monkeypatch.setattr(readers, "MAX_CELLS", 59)
    with pytest.raises(readers.FileProblem, match="10 行、6 列"):
        readers.check_workbook_archive(path)


def test_invisible_characters_are_refused_in_names_typed_on_the_web(gaoxin_client):
    from htmlforms import form_data

    from jianhui.enterprises.models import Enterprise

    firm = Enterprise.objects.filter(jurisdiction__code="510623400").order_by("name").first()
    url = f"/enterprises/{firm.credit_code}/edit/"
    data = form_data(gaoxin_client.get(url).content.decode(), id="editform")
    data["name"] = "德阳\u202e司公限有"
    response = gaoxin_client.post(url, data)
    assert response.status_code == 200
    assert "从右至左强制符" in response.content.decode() and "第3个字" in response.content.decode()
    assert Enterprise.objects.get(pk=firm.pk).name == firm.name
