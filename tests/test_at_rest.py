"""What an attacker who copies the database file (or a dump) finds: no ID number and no phone.

The demo is loaded by `jianhui load-demo` into a file-based SQLite database in a fresh data dir,
the values are read back through the application, and the raw bytes of the database files are
searched for them. On PostgreSQL the same search runs over a pg_dump of the test database. The
data migrations are run both ways on a database holding clear values.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from jianhui.enterprises.models import Enterprise
from jianhui.lib.codes import make_id_number
from jianhui.unions.models import Member, UnionOrganisation

ROOT = Path(__file__).resolve().parent.parent

DUMP_VALUES = r"""
import json, django
django.setup()
from jianhui.enterprises.models import Enterprise
from jianhui.unions.models import Member, UnionOrganisation
print(json.dumps({
    "ids": list(Member.objects.values_list("id_number", flat=True)),
    "phones": [p for p in Member.objects.values_list("phone", flat=True) if p]
              + [p for p in UnionOrganisation.objects.values_list("chair_phone", flat=True) if p]
              + [p for p in Enterprise.objects.values_list("phone", flat=True) if p],
    "credit_codes": list(Enterprise.objects.values_list("credit_code", flat=True)),
    "names": list(Enterprise.objects.values_list("name", flat=True)[:20]),
}))
"""


def run(args: list[str], data_dir: Path, database_url: str = "") -> str:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "JIANHUI_FIELD_KEY", "JIANHUI_FIELD_CIPHER"}}
    env.update(JIANHUI_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="jianhui.settings",
               JIANHUI_DEMO_PASSWORD="Demo-Pass-2023")
    if database_url:
        env["DATABASE_URL"] = database_url
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def found(blob: bytes, values: list[str]) -> set[str]:
    """Which of the digit strings `values` occur anywhere in `blob` (plain ASCII)."""
    wanted = {v.encode() for v in values}
    lengths = {len(w) for w in wanted}
    hits = set()
    for n in lengths:
        for m in re.finditer(rb"(?=([0-9]{%d}|[0-9]{%d}X))" % (n, n - 1), blob):
            if m.group(1) in wanted:
                hits.add(m.group(1).decode())
    return hits


def database_bytes(data_dir: Path) -> bytes:
    files = sorted(data_dir.glob("jianhui.sqlite3*"))  # the database, -wal, -shm, -journal
    assert files
    return b"".join(f.read_bytes() for f in files)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory, demo_data_dir):
    data_dir = demo_data_dir(tmp_path_factory.mktemp("at-rest"))  # as `jianhui load-demo` left it
    return data_dir, json.loads(run(["-c", DUMP_VALUES], data_dir))


def test_the_sqlite_file_holds_no_id_number_and_no_phone(demo_file):
    data_dir, values = demo_file
    assert len(values["ids"]) > 15000 and len(values["phones"]) > 13000
    blob = database_bytes(data_dir)
    # The search finds what is stored in clear (credit codes, names in UTF-8) ...
    assert all(code.encode() in blob for code in values["credit_codes"])
    assert all(name.encode() in blob for name in values["names"])
    # ... and none of the ID numbers or phones.
    assert found(blob, values["ids"]) == set()
    assert found(blob, values["phones"]) == set()
    assert stat_mode(data_dir / "field.key") == 0o600


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="pg_dump needs PostgreSQL (DATABASE_URL)")
def test_a_pg_dump_holds_no_id_number_and_no_phone(demo):
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump not installed")
    s = connection.settings_dict
    dump = subprocess.run(
        ["pg_dump", "--data-only", "-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432),
         "-U", s["USER"], s["NAME"]],
        capture_output=True, env={**os.environ, "PGPASSWORD": s.get("PASSWORD") or ""},
        timeout=300, check=True).stdout
    ids = list(Member.objects.values_list("id_number", flat=True))
    phones = [p for p in Member.objects.values_list("phone", flat=True) if p] + [
        p for p in UnionOrganisation.objects.values_list("chair_phone", flat=True) if p] + [
        p for p in Enterprise.objects.values_list("phone", flat=True) if p]
    codes = list(Enterprise.objects.values_list("credit_code", flat=True))
    assert len(ids) > 15000
    assert all(code.encode() in dump for code in codes)  # the dump is searchable ...
    assert found(dump, ids) == set() and found(dump, phones) == set()  # ... and holds none


# ------------------------------------------------------------------ the data migrations

MIGRATION_STEP = r"""
import datetime as dt, json, sys
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from jianhui.lib.codes import make_id_number

IDS = [make_id_number("510623", dt.date(1970, 1, 1) + dt.timedelta(days=n), n % 1000)
       for n in range(600)]
PHONES = [f"139{n:08d}" for n in range(600)]
step = sys.argv[1]


def raw():
    with connection.cursor() as c:
        c.execute("SELECT id_number, phone FROM unions_member ORDER BY id")
        members = c.fetchall()
        c.execute("SELECT chair_phone FROM unions_unionorganisation")
        chairs = [r[0] for r in c.fetchall()]
        c.execute("SELECT phone FROM enterprises_enterprise")
        firms = [r[0] for r in c.fetchall()]
    return {"members": members, "chairs": chairs, "firms": firms}


if step == "clear":  # the schema before encryption, holding clear values
    # Only what unions 0001 needs, and accounts for the role groups synced after migrating;
    # not everything migrated forward and then back.
    call_command("migrate", "accounts", verbosity=0)
    call_command("migrate", "unions", "0001", verbosity=0)
    call_command("migrate", "enterprises", "0001", verbosity=0)
    old = MigrationExecutor(connection).loader.project_state(
        [("unions", "0001_initial"), ("enterprises", "0001_initial")]).apps
    J, E = old.get_model("regions", "Jurisdiction"), old.get_model("enterprises", "Enterprise")
    O, C = old.get_model("unions", "UnionOrganisation"), old.get_model("unions", "Coverage")
    M = old.get_model("unions", "Member")
    county = J.objects.create(code="510623", name="中江县", kind="county", path="/510623/")
    firm = E.objects.create(credit_code="91510623MA6000000X", name="迁移测试有限公司",
                            jurisdiction=county, phone="13800000001", employees=10)
    org = O.objects.create(key="510623-001", name="迁移测试工会", kind="standalone",
                           jurisdiction=county, founded_on=dt.date(2020, 1, 1),
                           chair="王主席", chair_phone="13800000002")
    C.objects.create(organisation=org, enterprise=firm, start_on=dt.date(2020, 1, 1))
    M.objects.bulk_create([
        M(name=f"会员{n}", id_number=number, gender="男", phone=PHONES[n], enterprise=firm,
          joined_on=dt.date(2020, 2, 1)) for n, number in enumerate(IDS)])
elif step == "forward":
    call_command("migrate", verbosity=0)
    from jianhui.enterprises.models import Enterprise
    from jianhui.unions.models import Member, UnionOrganisation
    print(json.dumps({
        "raw": raw(),
        "read": [list(r) for r in Member.objects.order_by("pk").values_list("id_number", "phone")],
        "found": Member.objects.by_id_numbers(IDS).count(),
        "keys": len(set(Member.objects.values_list("public_key", flat=True))),
        "chair": UnionOrganisation.objects.get().chair_phone,
        "firm": Enterprise.objects.get().phone,
    }))
elif step == "backward":
    call_command("migrate", "unions", "0001", verbosity=0)
    call_command("migrate", "enterprises", "0001", verbosity=0)
    print(json.dumps(raw()))
"""

IDS = [make_id_number("510623", dt.date(1970, 1, 1) + dt.timedelta(days=n), n % 1000)
       for n in range(600)]
PHONES = [f"139{n:08d}" for n in range(600)]


def migration_round_trip(data_dir: Path, database_url: str = "") -> None:
    script = data_dir / "step.py"
    script.write_text(MIGRATION_STEP)
    run([str(script), "clear"], data_dir, database_url)
    if not database_url:  # the search finds clear values where they are
        assert found(database_bytes(data_dir), IDS + PHONES) == set(IDS + PHONES)
    after = json.loads(run([str(script), "forward"], data_dir, database_url))
    assert after["read"] == [[i, p] for i, p in zip(IDS, PHONES, strict=True)]
    assert after["found"] == len(IDS) and after["keys"] == len(IDS)
    assert (after["chair"], after["firm"]) == ("13800000002", "13800000001")
    stored = [v for row in after["raw"]["members"] for v in row] + after["raw"]["chairs"] + \
        after["raw"]["firms"]
    assert all(v.startswith("v1:aes:") for v in stored)
    if not database_url:  # secure_delete: the clear values are gone from the file, free pages too
        assert found(database_bytes(data_dir), IDS + PHONES + ["13800000001"]) == set()
    back = json.loads(run([str(script), "backward"], data_dir, database_url))
    assert back == {"members": [[i, p] for i, p in zip(IDS, PHONES, strict=True)],
                    "chairs": ["13800000002"], "firms": ["13800000001"]}


def test_migrations_encrypt_existing_data_and_back_on_sqlite(tmp_path):
    migration_round_trip(tmp_path)


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="needs PostgreSQL (DATABASE_URL)")
def test_migrations_encrypt_existing_data_and_back_on_postgresql(tmp_path, db):
    s = connection.settings_dict
    name = f"{s['NAME']}_migrations"
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
    admin = ["psql", "-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432), "-U",
             s["USER"], "-d", "postgres", "-q", "-c"]
    subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{name}"'], check=True)
    subprocess.run([*admin, f'CREATE DATABASE "{name}"'], check=True)
    try:
        migration_round_trip(tmp_path, url)
    finally:
        subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{name}"'], check=True)


def test_sqlite_overwrites_deleted_content(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    # Debian builds SQLite with secure_delete on by default; other builds need the pragma.
    assert "PRAGMA secure_delete=ON" in connection.settings_dict["OPTIONS"]["init_command"]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1
