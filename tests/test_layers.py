"""The structure's promises that a test can hold: one list of personal fields, one Scope per
request (the role table read once), the figures of a request in few queries."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jianhui.crypto.fields import EncryptedCharField
from jianhui.unions.personal import PERSONAL_FIELDS, personal_fields


def test_every_encrypted_field_is_a_listed_personal_field_and_back():
    encrypted = {
        (model._meta.label, f.name)
        for model in apps.get_models() for f in model._meta.concrete_fields
        if isinstance(f, EncryptedCharField)
    }
    listed = {(label, name) for label, names in PERSONAL_FIELDS.items() for name in names}
    assert encrypted == listed
    member = apps.get_model("unions.Member")
    assert personal_fields(member)["id_number"]("510623198001011234") == "510623********1234"


def _role_table_reads(queries) -> int:
    return sum('"accounts_assignment"' in q["sql"] for q in queries)


@pytest.mark.parametrize("username", ["leader", "gaoxin", "zhuanban"])
def test_a_dashboard_request_reads_the_role_table_once(few_members, username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/", {"as_of": "2023-09-29"})
    assert response.status_code == 200
    assert _role_table_reads(ctx.captured_queries) == 1, [
        q["sql"] for q in ctx.captured_queries if "accounts_assignment" in q["sql"]]


def test_a_list_request_reads_the_role_table_once(gaoxin_client):
    with CaptureQueriesContext(connection) as ctx:
        response = gaoxin_client.get("/enterprises/", {"status": "not_unionized"})
    assert response.status_code == 200
    assert _role_table_reads(ctx.captured_queries) == 1
