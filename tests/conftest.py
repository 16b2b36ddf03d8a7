"""Shared fixtures: the demo county loaded once per session, personas, small hand-built trees.

Every test runs inside a transaction on top of the demo, so tests that only read it share one
load, and tests that write see their changes rolled back.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client

from jianhui.accounts.models import Assignment, Role
from jianhui.enterprises.models import Enterprise
from jianhui.lib.codes import make_credit_code, make_id_number
from jianhui.regions.models import Jurisdiction, JurisdictionKind

DEMO_PASSWORD = "Demo-Pass-2023"
# `jianhui load-demo` in the CLI, backup and at-rest tests (subprocesses) leaves out the demo's
# supervision records, which test_demo_supervision loads and checks on its own.
os.environ.setdefault("JIANHUI_DEMO_SUPERVISION", "0")
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# One bytecode cache for this process and its subprocesses where the environment forbids
# writing bytecode: tests/pycache.py, loaded before Django by `-p tests.pycache` (pyproject);
# here again for a run without that option (then only what is imported from here on).
import pycache  # noqa: E402, F401  (tests/ is on sys.path: rootdir conftest)

# The garbage collector: the test process holds ~350,000 long-lived objects (Django, the
# project, the loaded demo's caches), and each full collection walked them all again, some
# 20 times a run. Collect less often, and leave what exists after the demo load out of it.
gc.set_threshold(50_000, 20, 100)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.test.utils import override_settings

    from jianhui.demo.accounts import ensure_demo_accounts
    from jianhui.demo.assessment import load_demo_assessment
    from jianhui.demo.campaign import load_demo_campaign
    from jianhui.demo.county import load_demo_county

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        load_demo_county()
        ensure_demo_accounts(DEMO_PASSWORD)
        load_demo_campaign()
        load_demo_assessment()
    gc.collect()
    gc.freeze()


# --- Speed: build once, share, shrink where size is not the point ---------------------------
# The suite must stay under 4 minutes on 2 cores. Before adding a slow test, reuse these:
# - `module_db` + `module_atomic`: data built once per module (users, logged-in clients,
#   objects) inside one transaction rolled back after the module; each test still rolls back
#   its own changes to that state.
# - `few_members` / `module_few_members`: the demo with the first 10 members of each
#   enterprise (MEMBERS_PER_ENTERPRISE in the module) for a test / a module, where size is not
#   the point (an authorisation row proves who gets 200/403/404, an export test that it masks,
#   not how long 15,028 rows take).
# - `demo_data_dir`: a data dir holding the demo on SQLite, copied from one `jianhui
#   load-demo` per session, for tests that drive the CLI or a server in a subprocess.
# - `migrated_data_dir`: the same for an empty database, copied from one `jianhui migrate`
#   (migrating from nothing costs a subprocess ~6 s of CPU; a copy takes milliseconds).


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """One transaction around the whole module, rolled back after its last test.

    Module-scoped fixtures that depend on this one write their data inside
    `with module_db():`; function-scoped tests (the usual `db`) nest a savepoint in it. Not
    for modules with `transactional_db` tests, whose flush would empty the database.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        yield django_db_blocker.unblock
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _trim_members(per_enterprise: int) -> int:
    """Delete all but the first `per_enterprise` members (by id) of each enterprise; return
    how many are left. Raw SQL: a queryset delete would send 15,000 delete signals."""
    from jianhui.unions.models import Member

    table = connection.ops.quote_name(Member._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER "
            f"(PARTITION BY enterprise_id ORDER BY id) AS n FROM {table}) ranked WHERE n > %s)",
            [per_enterprise])
    return Member.objects.count()


def _per_enterprise(request) -> int:
    return getattr(request.module, "MEMBERS_PER_ENTERPRISE", 10)


@pytest.fixture
def few_members(db, request):
    """This test's demo keeps only the first 10 members of each enterprise (the module may
    set MEMBERS_PER_ENTERPRISE): ~1,600 members, enough for more than a page or a thousand
    rows, for tests where exporting or revealing 15,028 would prove nothing more."""
    return _trim_members(_per_enterprise(request))


@pytest.fixture(scope="module")
def module_few_members(module_db, request):
    """`few_members` for the whole module (with `module_db`)."""
    with module_db():
        return _trim_members(_per_enterprise(request))


def logged_in(user) -> Client:
    """A test client signed in as `user` (no password, no login page)."""
    client = Client()
    client.force_login(user)
    return client


def cli_env(data_dir: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of a `jianhui` subprocess on `data_dir`: SQLite unless a URL is given,
    keys from the data dir (none from the caller's environment), the demo password known."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"JIANHUI_SECRET_KEY", "JIANHUI_FIELD_KEY", "JIANHUI_FIELD_CIPHER"}}
    env.update(JIANHUI_DATA_DIR=str(data_dir), DATABASE_URL=database_url,
               DJANGO_SETTINGS_MODULE="jianhui.settings", JIANHUI_DEMO_PASSWORD=DEMO_PASSWORD,
               **extra)
    return env


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """One `jianhui load-demo` on a fresh SQLite data dir per session (only if a test asks).

    Its `result` (the CompletedProcess) lets a test check what a first load says. Tests never
    write here: they take a copy from `demo_data_dir`."""
    data_dir = tmp_path_factory.mktemp("demo-template")
    result = subprocess.run([sys.executable, "-m", "jianhui.cli", "load-demo"],
                            env=cli_env(data_dir), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return SimpleNamespace(dir=data_dir, result=result)


@pytest.fixture(scope="session")
def demo_data_dir(demo_template):
    """copy(dest) -> dest: a data dir holding the loaded demo (database, secret key, field
    key), as `jianhui load-demo` left it, in a fraction of the load's time."""

    def copy(dest: Path) -> Path:
        shutil.copytree(demo_template.dir, dest, dirs_exist_ok=True)
        return dest

    return copy


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """One `jianhui migrate` on a fresh SQLite data dir per session (only if a test asks):
    an empty, migrated database, as every install has it before `init`. Tests never write
    here: they take a copy from `migrated_data_dir`."""
    data_dir = tmp_path_factory.mktemp("migrated-template")
    result = subprocess.run([sys.executable, "-m", "jianhui.cli", "migrate", "--no-input"],
                            env=cli_env(data_dir), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return data_dir


@pytest.fixture(scope="session")
def migrated_data_dir(migrated_template):
    """copy(dest) -> dest: a data dir with an empty, migrated SQLite database (and its secret
    key), for tests whose subject comes after `migrate` (init, createsuperuser, the first
    page); what migrating a brand-new data dir does is tested on its own (test_cli,
    test_firstrun)."""

    def copy(dest: Path) -> Path:
        shutil.copytree(migrated_template, dest, dirs_exist_ok=True)
        return dest

    return copy


@pytest.fixture(autouse=True)
def _fast_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _nothing_kept_between_tests():
    """Each test's database rolls back to the same generation token (statistics/generation.py),
    and tests write fixtures with `update()` and bulk writes that production code never uses
    without a refresh: page parts kept by an earlier test must not be served to the next."""
    from jianhui.statistics import generation

    generation.forget()


@pytest.fixture
def fresh_data_dir(settings, tmp_path):
    """A fresh DATA_DIR (uploads, job files) for this test; the field key travels with the
    database it encrypts."""
    import shutil

    from jianhui.crypto.keyring import keyring_path

    key = keyring_path()
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir(parents=True)
    if key.exists():
        shutil.copy2(key, settings.DATA_DIR / key.name)
    return settings.DATA_DIR


@pytest.fixture
def demo(db):
    """The demo county's root jurisdiction (already loaded)."""
    return Jurisdiction.objects.get(code="510623")


def _login(username: str) -> Client:
    return logged_in(get_user_model().objects.get(username=username))


@pytest.fixture
def admin_client(db) -> Client:
    return _login("admin")


@pytest.fixture
def gaoxin_client(db) -> Client:
    return _login("gaoxin")


@pytest.fixture
def kaizhou_client(db) -> Client:
    return _login("kaizhou")


@pytest.fixture
def user_in(db):
    """Make a user holding `role` in `jurisdiction`: user_in(j, Role.AREA_OFFICER)."""
    counter = itertools.count(1)

    def make(jurisdiction: Jurisdiction, role: str = Role.AREA_OFFICER):
        user = get_user_model().objects.create_user(f"user{next(counter)}", password=None)
        Assignment.objects.create(user=user, role=role, jurisdiction=jurisdiction)
        return user

    return make


class Builder:
    """Hand-built data small enough to compute by hand, under its own county code."""

    def __init__(self) -> None:
        self._seq = itertools.count(1)

    def jurisdiction(self, name: str, parent: Jurisdiction | None = None,
                     kind: str = JurisdictionKind.TOWN, code: str | None = None) -> Jurisdiction:
        n = next(self._seq)
        code = code or (f"{parent.code}{n:02d}" if parent else f"99{n:04d}")
        j = Jurisdiction(code=code, name=name, kind=kind if parent else JurisdictionKind.COUNTY,
                         parent=parent, order=n)
        j.save()
        return j

    def enterprise(self, jurisdiction: Jurisdiction, name: str | None = None, employees: int = 50,
                   founded_on: dt.date | None = dt.date(2020, 1, 1), **extra) -> Enterprise:
        n = next(self._seq)
        e = Enterprise(
            credit_code=make_credit_code(f"91999999MA{n:07d}"), name=name or f"测试企业{n}",
            jurisdiction=jurisdiction, employees=employees, founded_on=founded_on, **extra,
        )
        e.full_clean()
        e.save()
        return e

    def id_number(self, female: bool = False) -> str:
        n = next(self._seq)
        seq = (n * 2) % 1000 + (0 if female else 1)
        return make_id_number("510623", dt.date(1980, 1, 1) + dt.timedelta(days=n), seq)


@pytest.fixture
def build(db) -> Builder:
    return Builder()


@pytest.fixture
def facts_in_step(db):
    """After the test: the statistics' stored facts of everything outside the demo county
    equal the facts its rows give (every write, bulk ones included, refreshed them)."""
    yield
    from jianhui.statistics.verify import stale_facts
    from jianhui.unions.models import UnionOrganisation

    outside = Enterprise.objects.exclude(jurisdiction__path__startswith="/510623/")
    orgs = UnionOrganisation.objects.exclude(jurisdiction__path__startswith="/510623/")
    assert stale_facts(set(outside.values_list("pk", flat=True)),
                       set(orgs.values_list("pk", flat=True))) == []
