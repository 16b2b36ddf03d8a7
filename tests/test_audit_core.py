"""The audit log's core: events carry the request's user, IP and id; rows cannot change."""

from __future__ import annotations

import pytest

from jianhui.accounts.models import Role
from jianhui.accounts.rights import Right, has_right
from jianhui.audit.log import record
from jianhui.audit.models import Action, AppendOnly, AuditEvent
from jianhui.regions.models import Jurisdiction


def test_event_cannot_be_changed_or_deleted(db):
    event = record(Action.EXPORT, username="tester", detail={"rows": 3})
    event.reason = "改一下"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).detail == {"rows": 3}


def test_request_id_header_and_context(gaoxin_client):
    response = gaoxin_client.get("/")
    assert response.status_code == 200
    assert len(response["X-Request-ID"]) == 32


def test_rights_follow_role_and_jurisdiction(demo, user_in):
    gaoxin = Jurisdiction.objects.get(code="510623400")
    kaizhou = Jurisdiction.objects.get(code="510623401")
    officer = user_in(gaoxin, Role.AREA_OFFICER)
    assert has_right(officer, Right.EDIT, gaoxin)
    assert not has_right(officer, Right.EDIT, kaizhou)
    assert not has_right(officer, Right.MANAGE_USERS)
    leader = user_in(demo, Role.COUNTY_LEADER)
    assert has_right(leader, Right.VIEW, kaizhou)
    assert not has_right(leader, Right.EDIT, kaizhou)
    auditor = user_in(demo, Role.AUDITOR)
    assert has_right(auditor, Right.VIEW_AUDIT)
    assert not has_right(auditor, Right.VIEW, gaoxin)
