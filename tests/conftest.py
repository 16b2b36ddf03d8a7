"""Shared fixtures: the demo county loaded once per session, personas, small hand-built trees.

Every test runs inside a transaction on top of the demo, so tests that only read it share one
load, and tests that write see their changes rolled back.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os

import pytest
from django.contrib.auth import get_user_model
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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.test.utils import override_settings

    from jianhui.demo.accounts import ensure_demo_accounts
    from jianhui.demo.campaign import load_demo_campaign
    from jianhui.demo.county import load_demo_county

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        load_demo_county()
        ensure_demo_accounts(DEMO_PASSWORD)
        load_demo_campaign()


@pytest.fixture(autouse=True)
def _fast_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


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
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


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
