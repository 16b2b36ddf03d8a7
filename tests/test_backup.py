"""`jianhui backup` / `jianhui restore`: the demo county backed up from one data dir and restored
into another gives the same statistics, row counts, key files and attachments; damaged archives,
non-empty targets, newer schemas and other engines are refused without changing anything.

The CLI runs in subprocesses (a restore replaces the database under its process); one demo load
and one backup are shared by the whole module.
"""

from __future__ import annotations

import getpass
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest

from jianhui.ops.database import model_tables

AS_OF = "2023-09-29"
# An attachment (backed up); import uploads are not (issue 14, point 6: tests/test_faults.py).
UPLOAD = ("attachments/2023/名册-高新区.csv", "姓名,身份证号\n张三,510623199001011234\n".encode())


def cli(args: list[str], data_dir: Path, database_url: str = "",
        check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "JIANHUI_DATA_DIR": str(data_dir), "DATABASE_URL": database_url,
           "JIANHUI_DEMO_PASSWORD": "Demo-Pass-2023"}
    for var in ("JIANHUI_SECRET_KEY", "JIANHUI_FIELD_KEY"):
        env.pop(var, None)
    result = subprocess.run([sys.executable, "-m", "jianhui.cli", *args], env=env,
                            capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"jianhui {' '.join(args)} exited {result.returncode}:\n"
                             f"{result.stderr}")
    return result


def stats(data_dir: Path, database_url: str = "") -> dict:
    return json.loads(cli(["stats", "--json", "--as-of", AS_OF], data_dir, database_url).stdout)


def sqlite_counts(path: Path) -> dict[str, int]:
    """Row counts read straight from a SQLite file, independently of the backup code."""
    con = sqlite3.connect(path)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {label: con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
                for label, table in model_tables().items() if table in tables}
    finally:
        con.close()


def audit_events(path: Path) -> list[tuple[str, str, dict]]:
    con = sqlite3.connect(path)
    try:
        return [(a, u, json.loads(d)) for a, u, d in
                con.execute("SELECT action, username, detail FROM audit_auditevent ORDER BY id")]
    finally:
        con.close()


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def rewrite(archive: Path, dest: Path, changes: dict[str, Callable[[bytes], bytes]]) -> Path:
    """A copy of the archive with some members' contents changed (the manifest as it was,
    unless it is one of the changes)."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(dest, "w:gz") as out:
        for member in src:
            data = src.extractfile(member).read()
            data = changes.get(member.name, lambda b: b)(data)
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return dest


def flip_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]


def edit_manifest(edit: Callable[[dict], None]) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest).encode()
    return change


def assert_untouched(target: Path) -> None:
    """After a refusal: no database, no restored files, no staging left behind."""
    assert not (target / "jianhui.sqlite3").exists()
    assert not (target / "attachments").exists()
    assert not list(target.glob(".restore-*")) and not list(target.glob("before-restore-*"))


@pytest.fixture(scope="module")
def source(tmp_path_factory, demo_data_dir):
    data_dir = demo_data_dir(tmp_path_factory.mktemp("source"))  # as `jianhui load-demo` left it
    upload = data_dir / UPLOAD[0]
    upload.parent.mkdir(parents=True)
    upload.write_bytes(UPLOAD[1])
    before = sqlite_counts(data_dir / "jianhui.sqlite3")
    result = cli(["backup", str(tmp_path_factory.mktemp("backups")), "--json"], data_dir)
    summary = json.loads(result.stdout)  # stdout is only the JSON
    return SimpleNamespace(dir=data_dir, archive=Path(summary["file"]), summary=summary,
                           stderr=result.stderr, counts=before, stats=stats(data_dir))


@pytest.fixture(scope="module")
def restored(source, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("restored")
    result = cli(["restore", str(source.archive), "--json"], data_dir)
    return SimpleNamespace(dir=data_dir, result=json.loads(result.stdout), stderr=result.stderr,
                           stats=stats(data_dir))


def test_backup_file_manifest_and_checksums(source):
    archive = source.archive
    assert archive.name.startswith("jianhui-backup-") and archive.name.endswith(".tar.gz")
    assert archive.stat().st_mode & 0o777 == 0o600
    assert "安全" in source.stderr and "密钥" in source.stderr and "已备份到" in source.stderr
    assert source.summary["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    files = members(archive)
    manifest = json.loads(files.pop("manifest.json"))
    assert len(files.pop("manifest.sig")) == 64  # the manifest's HMAC under the Django key
    assert manifest["format"] == "jianhui-backup" and manifest["format_version"] == 2
    assert manifest["database"] == {"engine": "sqlite", "file": "database/jianhui.sqlite3"}
    assert manifest["jianhui_version"] and manifest["created_at"].startswith("20")
    # The copy holds exactly what the live database held when the backup ran.
    assert manifest["row_counts"] == source.counts
    assert manifest["row_counts"]["unions.Member"] > 15000
    assert manifest["migrations"]["unions"].startswith("0") and "audit" in manifest["migrations"]
    # Every file is listed with the checksum of its content; keys and uploads are the originals.
    assert set(files) == set(manifest["files"]) == {
        "database/jianhui.sqlite3", "keys/secret_key", "keys/field.key", f"data/{UPLOAD[0]}"}
    for name, data in files.items():
        assert manifest["files"][name] == {"sha256": hashlib.sha256(data).hexdigest(),
                                           "size": len(data)}
    assert files["keys/secret_key"] == (source.dir / "secret_key").read_bytes()
    assert files[f"data/{UPLOAD[0]}"] == UPLOAD[1]
    # The field key (ID numbers and phones are encrypted with it) travels with the database.
    assert files["keys/field.key"] == (source.dir / "field.key").read_bytes()
    assert manifest["keys"] == {"secret_key": {"external": False, "file": "keys/secret_key"},
                                "field.key": {"external": False, "file": "keys/field.key"}}


def test_backup_is_audited_with_the_os_user(source):
    events = audit_events(source.dir / "jianhui.sqlite3")
    action, username, detail = events[-1]
    assert (action, username, detail["op"]) == ("backup", getpass.getuser(), "backup")
    assert detail["sha256"] == source.summary["sha256"]
    assert detail["row_counts"]["unions.Member"] == source.counts["unions.Member"]


def test_round_trip_gives_the_same_statistics_rows_keys_and_files(source, restored):
    assert restored.stats == source.stats
    assert restored.stats["total"]["members"] == 15028  # the demo's published figure
    result = restored.result
    assert result["mismatches"] == [] and result["engine"] == "sqlite"
    assert {k: v["restored"] for k, v in result["row_counts"].items()} == source.counts
    restored_counts = sqlite_counts(restored.dir / "jianhui.sqlite3")
    assert restored_counts.pop("audit.AuditEvent") == source.counts["audit.AuditEvent"] + 1
    assert restored_counts == {k: v for k, v in source.counts.items() if k != "audit.AuditEvent"}
    assert "各表行数与备份一致" in restored.stderr
    for path in (restored.dir / "secret_key", restored.dir / "jianhui.sqlite3"):
        assert path.stat().st_mode & 0o777 == 0o600
    assert (restored.dir / "secret_key").read_bytes() == (source.dir / "secret_key").read_bytes()
    assert (restored.dir / UPLOAD[0]).read_bytes() == UPLOAD[1]
    assert not list(restored.dir.glob(".restore-*"))
    action, username, detail = audit_events(restored.dir / "jianhui.sqlite3")[-1]
    assert (action, username, detail["op"]) == ("backup", getpass.getuser(), "restore")
    assert detail["backup_created_at"] == source.summary["created_at"]


# Refusals of bad archives share one empty target and one process (Django starts once).
REFUSE_SCRIPT = """
import io, json, sys
import django
from django.core.management import CommandError, call_command
django.setup()
results = {}
for case, args in json.loads(sys.argv[1]).items():
    try:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
        results[case] = [0, ""]
    except CommandError as exc:
        results[case] = [1, str(exc)]
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def refused(source, tmp_path_factory):
    work = tmp_path_factory.mktemp("bad-archives")
    cut = work / "cut.tar.gz"
    cut.write_bytes(source.archive.read_bytes()[: source.archive.stat().st_size // 2])

    def future(manifest: dict) -> None:
        manifest["migrations"]["unions"] = "9999_from_the_future"

    def from_postgresql(manifest: dict) -> None:
        manifest["database"]["engine"] = "postgresql"

    def external_key(manifest: dict) -> None:
        manifest["keys"]["field.key"] = {"external": True, "env": "JIANHUI_FIELD_KEY",
                                         "fingerprint": "0123456789abcdef"}

    archives = {
        "database": rewrite(source.archive, work / "db.tar.gz",
                            {"database/jianhui.sqlite3": flip_byte}),
        "upload": rewrite(source.archive, work / "up.tar.gz", {f"data/{UPLOAD[0]}": flip_byte}),
        "truncated": cut,
        "newer": rewrite(source.archive, work / "newer.tar.gz",
                         {"manifest.json": edit_manifest(future)}),
        "postgresql": rewrite(source.archive, work / "pg.tar.gz",
                              {"manifest.json": edit_manifest(from_postgresql)}),
        "external_key": rewrite(source.archive, work / "ext.tar.gz",
                                {"manifest.json": edit_manifest(external_key)}),
    }
    cases = {case: ["restore", str(path)] for case, path in archives.items()}
    cases["newer"].append("--force")  # a newer schema is refused even with --force
    target = tmp_path_factory.mktemp("empty")
    env = {**os.environ, "JIANHUI_DATA_DIR": str(target), "DATABASE_URL": "",
           "DJANGO_SETTINGS_MODULE": "jianhui.settings"}
    env.pop("JIANHUI_FIELD_KEY", None)
    result = subprocess.run([sys.executable, "-c", REFUSE_SCRIPT, json.dumps(cases)], env=env,
                            capture_output=True, text=True, timeout=300, check=True)
    return SimpleNamespace(target=target, results=json.loads(result.stdout))


@pytest.mark.parametrize("case, name", [("database", "database/jianhui.sqlite3"),
                                        ("upload", f"data/{UPLOAD[0]}")])
def test_a_tampered_file_is_refused_and_named(refused, source, case, name):
    code, message = refused.results[case]
    assert code == 1
    assert "校验失败" in message and name in message and "未做任何改动" in message
    assert_untouched(refused.target)
    assert (refused.target / "secret_key").read_bytes() != \
        (source.dir / "secret_key").read_bytes()


def test_a_truncated_archive_is_refused(refused):
    code, message = refused.results["truncated"]
    assert code == 1 and "已损坏" in message
    assert_untouched(refused.target)


def test_a_backup_from_newer_code_is_refused_even_with_force(refused):
    code, message = refused.results["newer"]
    assert code == 1 and "unions.9999_from_the_future" in message and "升级" in message
    assert_untouched(refused.target)


def test_restoring_onto_another_engine_is_refused(refused):
    code, message = refused.results["postgresql"]
    assert code == 1 and "不支持跨数据库恢复" in message
    assert_untouched(refused.target)


def test_restore_onto_a_non_empty_target_is_refused(source, restored, tmp_path):
    database = restored.dir / "jianhui.sqlite3"
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    result = cli(["restore", str(source.archive)], restored.dir, check=False)
    assert result.returncode == 1
    assert "空的数据目录" in result.stderr and str(database) in result.stderr
    assert "附件目录" in result.stderr and "--force" in result.stderr
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    # A field-encryption key that is not the backup's is refused even without a database.
    keyed = tmp_path / "keyed"
    keyed.mkdir()
    (keyed / "field.key").write_text("another deployment's key")
    result = cli(["restore", str(source.archive)], keyed, check=False)
    assert result.returncode == 1 and str(keyed / "field.key") in result.stderr
    assert_untouched(keyed)
    assert (keyed / "field.key").read_text() == "another deployment's key"


def test_force_sets_the_old_files_aside_and_restores(source, tmp_path):
    target = tmp_path / "live"
    shutil.copytree(source.dir, target)
    (target / "attachments" / "only-here.txt").write_text("newer upload")
    (target / "field.key").write_text("a key the backup does not have")
    result = cli(["restore", str(source.archive), "--force"], target)
    [aside] = target.glob("before-restore-*")
    assert aside.stat().st_mode & 0o777 == 0o700
    assert (aside / "attachments" / "only-here.txt").read_text() == "newer upload"
    assert (aside / "field.key").read_text() == "a key the backup does not have"
    assert (target / "field.key").read_bytes() == (source.dir / "field.key").read_bytes()
    assert sqlite_counts(aside / "jianhui.sqlite3")["unions.Member"] == \
        source.counts["unions.Member"]
    assert not (target / "attachments" / "only-here.txt").exists()
    assert (target / UPLOAD[0]).read_bytes() == UPLOAD[1]
    assert "原有文件已移到" in result.stderr
    assert stats(target) == source.stats


def test_an_external_field_key_must_be_set_again(refused):
    code, message = refused.results["external_key"]
    assert code == 1 and "JIANHUI_FIELD_KEY" in message and "0123456789abcdef" in message
    assert "无法解密" in message
    assert_untouched(refused.target)


def test_backup_with_an_external_field_key_says_so(source, tmp_path):
    live = tmp_path / "live"
    shutil.copytree(source.dir, live)
    (live / "field.key").unlink()  # the deployment keeps its key in the environment instead
    env_key = "k" * 43
    result = subprocess.run(
        [sys.executable, "-m", "jianhui.cli", "backup", str(tmp_path / "ext.tar.gz")],
        env={**os.environ, "JIANHUI_DATA_DIR": str(live), "DATABASE_URL": "",
             "JIANHUI_FIELD_KEY": env_key}, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "JIANHUI_FIELD_KEY" in result.stderr and "另行妥善保管" in result.stderr
    files = members(tmp_path / "ext.tar.gz")
    key = json.loads(files["manifest.json"])["keys"]["field.key"]
    assert key["external"] is True and key["env"] == "JIANHUI_FIELD_KEY"
    assert len(key["fingerprint"]) == 16 and env_key not in files["manifest.json"].decode()
    assert not any(name.endswith("field.key") for name in files)


def test_backup_while_another_connection_writes(source, tmp_path):
    """The online backup copies the committed state while a writer holds its transaction."""
    live = tmp_path / "live"
    shutil.copytree(source.dir, live)
    writer = sqlite3.connect(live / "jianhui.sqlite3", isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO auth_group (name) VALUES ('未提交的组')")
    out = tmp_path / "during.tar.gz"
    env = {**os.environ, "JIANHUI_DATA_DIR": str(live), "DATABASE_URL": ""}
    proc = subprocess.Popen([sys.executable, "-m", "jianhui.cli", "backup", str(out)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert out.exists(), proc.stderr.read() if proc.poll() is not None else "timed out"
    finally:
        writer.execute("ROLLBACK")  # lets the backup record its audit event
        writer.close()
    assert proc.wait(timeout=60) == 0
    manifest = json.loads(members(out)["manifest.json"])
    assert manifest["row_counts"]["auth.Group"] == source.counts["auth.Group"]  # not the uncommitted one
    assert manifest["row_counts"]["unions.Member"] == source.counts["unions.Member"]


def test_backup_never_overwrites(source):
    before = source.archive.read_bytes()
    result = cli(["backup", str(source.archive)], source.dir, check=False)
    assert result.returncode == 1 and "已存在" in result.stderr
    assert source.archive.read_bytes() == before


# -- PostgreSQL ------------------------------------------------------------------------------

@pytest.fixture
def pg_databases():
    """Makes throwaway databases on the suite's PostgreSQL server; drops them afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("DATABASE_URL 不是 PostgreSQL：跳过 PostgreSQL 备份恢复测试")
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            pytest.skip(f"PATH 中没有 {tool}：跳过 PostgreSQL 备份恢复测试")
    import psycopg

    admin = urlparse(url)._replace(path="/postgres").geturl()
    names = []

    def create() -> str:
        name = f"jh_backup_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        names.append(name)
        return urlparse(url)._replace(path=f"/{name}").geturl()

    yield create
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgresql_round_trip(pg_databases, source, tmp_path):
    src_url, dst_url = pg_databases(), pg_databases()
    src_dir, dst_dir = tmp_path / "src", tmp_path / "dst"
    cli(["load-demo"], src_dir, src_url)
    before = stats(src_dir, src_url)
    backup = json.loads(cli(["backup", str(tmp_path / "pg.tar.gz"), "--json"],
                            src_dir, src_url).stdout)
    files = members(tmp_path / "pg.tar.gz")
    assert files["database/jianhui.pgdump"].startswith(b"PGDMP")  # pg_dump's custom format
    assert backup["engine"] == "postgresql" and backup["row_counts"]["unions.Member"] > 15000

    result = json.loads(cli(["restore", str(tmp_path / "pg.tar.gz"), "--json"],
                            dst_dir, dst_url).stdout)
    assert result["mismatches"] == []
    assert {k: v["restored"] for k, v in result["row_counts"].items()} == backup["row_counts"]
    assert stats(dst_dir, dst_url) == before == source.stats
    assert (dst_dir / "secret_key").read_bytes() == (src_dir / "secret_key").read_bytes()
    assert (dst_dir / "secret_key").stat().st_mode & 0o777 == 0o600

    again = cli(["restore", str(tmp_path / "pg.tar.gz")], dst_dir, dst_url, check=False)
    assert again.returncode == 1 and "已有" in again.stderr and "张表" in again.stderr
    # A SQLite backup onto PostgreSQL (the other way round: test_restoring_onto_another_engine).
    onto_pg = cli(["restore", str(source.archive)], tmp_path / "p", pg_databases(), check=False)
    assert onto_pg.returncode == 1 and "不支持跨数据库恢复" in onto_pg.stderr
