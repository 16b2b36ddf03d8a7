"""The audit log end to end: domain changes recorded with masked before/after, the table
append-only down to the database, purging only past the retention, and the auditor's page,
export and back-office view."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, models, transaction
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from jianhui.accounts.models import Assignment, Role
from jianhui.audit import triggers
from jianhui.audit.log import record
from jianhui.audit.models import Action, AppendOnly, AuditEvent
from jianhui.enterprises.models import Enterprise
from jianhui.lib.codes import make_id_number
from jianhui.unions.models import Member, OrganisationKind
from jianhui.unions.services import enrol, found_organisation

D = dt.date(2023, 3, 1)
TABLE = AuditEvent._meta.db_table


def events_for(model: type[models.Model], **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(model=model._meta.label, **filters).order_by("id"))


def as_text(event: AuditEvent) -> str:
    return json.dumps([event.object_key, event.object_repr, event.changes, event.detail],
                      ensure_ascii=False)


@pytest.fixture
def place(build):
    county = build.jurisdiction("测试县", code="990001")
    return build.jurisdiction("测试镇", county)


@pytest.fixture
def auditor_client(demo, user_in) -> Client:
    client = Client()
    client.force_login(user_in(demo, Role.AUDITOR))
    return client


# ------------------------------------------------------------------ domain changes


def test_enterprise_create_update_delete_record_changed_fields(build, place):
    e = build.enterprise(place, name="甲公司", employees=50, phone="13812345678")
    [created] = events_for(Enterprise, action=Action.CREATE)
    assert created.object_key == e.credit_code and created.object_repr == "甲公司"
    assert created.changes["name"] == [None, "甲公司"]
    assert created.changes["phone"] == [None, "138****5678"]
    assert created.changes["jurisdiction"] == [None, f"测试镇（{place.code}）"]
    assert created.changes["status"] == [None, "在营"]  # the choice's label, not "operating"
    assert "name_initials" not in created.changes and "updated_at" not in created.changes

    e.employees, e.phone, e.founded_on = 60, "13900001111", dt.date(2019, 5, 1)
    e.save()
    [updated] = events_for(Enterprise, action=Action.UPDATE)
    assert updated.changes == {
        "employees": [50, 60],
        "phone": ["138****5678", "139****1111"],
        "founded_on": ["2020-01-01", "2019-05-01"],
    }
    e.save()  # nothing changed: nothing recorded
    assert len(events_for(Enterprise, action=Action.UPDATE)) == 1

    code = e.credit_code
    e.delete()
    [deleted] = events_for(Enterprise, action=Action.DELETE)
    assert deleted.object_key == code
    assert deleted.changes["employees"] == [60, None]
    assert deleted.changes["phone"] == ["139****1111", None]
    assert "13900001111" not in as_text(deleted) and "13812345678" not in as_text(created)


def test_member_changes_are_recorded_with_masked_id_and_phone(build, place):
    e = build.enterprise(place, name="乙公司")
    found_organisation(name="乙公司工会委员会", kind=OrganisationKind.STANDALONE,
                       jurisdiction=place, founded_on=D, enterprises=[e])
    person = make_id_number("510623", dt.date(1990, 5, 17), 123)
    member = enrol(name="张三", id_number=person, enterprise=e, joined_on=D, phone="13712345678")
    masked = person[:6] + "********" + person[-4:]
    [created] = events_for(Member, action=Action.CREATE)
    assert created.object_key == f"{masked} 张三" and created.object_repr == "张三"
    assert created.changes["id_number"] == [None, masked]
    assert created.changes["phone"] == [None, "137****5678"]
    assert created.changes["enterprise"] == [None, f"乙公司（{e.credit_code}）"]

    other = make_id_number("510623", dt.date(1991, 6, 1), 457)
    member.id_number, member.phone = other, ""
    member.save()
    [updated] = events_for(Member, action=Action.UPDATE)
    assert updated.changes == {
        "id_number": [masked, other[:6] + "********" + other[-4:]],
        "phone": ["137****5678", ""],
    }
    member.delete()
    [deleted] = events_for(Member, action=Action.DELETE)
    assert deleted.changes["name"] == ["张三", None]
    for event in (created, updated, deleted):
        text = as_text(event)
        assert person not in text and other not in text and "13712345678" not in text
    # The coverage and organisation were recorded under their public keys too.
    [coverage] = events_for(Enterprise._meta.apps.get_model("unions", "Coverage"))
    assert coverage.object_key.endswith(f"/{e.credit_code}/{D}")


def test_password_is_never_logged_and_logins_are_not_changes(db):
    user = get_user_model().objects.create_user("zhang", password="Old-Pass-1234")
    [created] = events_for(get_user_model(), action=Action.CREATE, object_key="zhang")
    assert created.changes["password"] == [None, "已设置密码"]
    user.set_password("New-Pass-5678")
    user.first_name = "张"
    user.save()
    [updated] = events_for(get_user_model(), action=Action.UPDATE, object_key="zhang")
    assert updated.changes == {"password": [None, "密码已修改"], "first_name": ["", "张"]}
    assert user.password not in as_text(updated) and "pbkdf2" not in as_text(updated)
    Client().force_login(user)  # saves last_login: not a change anyone made
    assert len(events_for(get_user_model(), action=Action.UPDATE, object_key="zhang")) == 1


def test_role_assignment_is_recorded(demo, user_in):
    user = user_in(demo, Role.AREA_OFFICER)
    [event] = events_for(Assignment, action=Action.CREATE, object_key=f"{user.username}/510623")
    assert event.changes["role"] == [None, "园区/乡镇工会干部"]


def test_change_through_the_admin_carries_user_ip_and_request_id(admin_client):
    member = Member.objects.filter(left_on__isnull=True).exclude(phone="").order_by("pk").first()
    url = f"/admin/unions/member/{member.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["phone"] = "13600001234"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    [event] = events_for(Member, action=Action.UPDATE)
    assert event.username == "admin" and event.ip == "127.0.0.1"
    assert event.request_id == response["X-Request-ID"]
    assert event.changes == {"phone": [f"{member.phone[:3]}****{member.phone[-4:]}",
                                       "136****1234"]}
    assert member.id_number not in as_text(event)


# ------------------------------------------------------------------ append-only


def _old_event(days: int) -> AuditEvent:
    return AuditEvent.objects.create(action=Action.EXPORT, username="old",
                                     at=timezone.now() - dt.timedelta(days=days))


def _fails(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


def test_triggers_are_installed(db):
    expected = ({"audit_no_update", "audit_no_early_delete"} if connection.vendor == "sqlite"
                else {"audit_append_only", "audit_no_truncate"})
    assert expected <= triggers.installed(connection)


def test_database_rejects_update_and_early_delete(db):
    fresh = record(Action.EXPORT, username="tester", detail={"rows": 1})
    assert _fails(f"UPDATE {TABLE} SET reason = %s WHERE id = %s", ["改了", fresh.pk])
    assert _fails(f"UPDATE {TABLE} SET reason = %s", ["全部改了"])
    assert _fails(f"DELETE FROM {TABLE} WHERE id = %s", [fresh.pk])
    assert _fails(f"DELETE FROM {TABLE}")
    if connection.vendor == "postgresql":
        assert _fails(f"TRUNCATE {TABLE}")
    # The ORM refuses before the database is asked; a plain QuerySet meets the trigger.
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=fresh.pk).update(reason="x")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=fresh.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        models.QuerySet(AuditEvent).filter(pk=fresh.pk).update(reason="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        models.QuerySet(AuditEvent).filter(pk=fresh.pk).delete()
    assert AuditEvent.objects.get(pk=fresh.pk).reason == ""
    # A row past the retention may go (that is what audit-purge does).
    old = _old_event(181)
    assert not _fails(f"DELETE FROM {TABLE} WHERE id = %s", [old.pk])
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


def test_purge_deletes_only_past_the_retention_and_records_itself(db, capsys):
    old, young = _old_event(200), _old_event(170)
    today = timezone.localdate()
    with pytest.raises(CommandError, match="至少 180 天"):
        call_command("audit_purge", before=str(today - dt.timedelta(days=179)), yes=True)
    assert AuditEvent.objects.filter(pk__in=[old.pk, young.pk]).count() == 2

    call_command("audit_purge", before=str(today - dt.timedelta(days=180)), dry_run=True)
    assert AuditEvent.objects.filter(pk=old.pk).exists()
    capsys.readouterr()
    call_command("audit_purge", before=str(today - dt.timedelta(days=180)), yes=True, json=True)
    result = json.loads(capsys.readouterr().out)
    assert result["deleted"] == 1 and not result["dry_run"]
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=young.pk).exists()
    ran = AuditEvent.objects.filter(model="audit.AuditEvent", action=Action.DELETE).get()
    assert ran.detail["deleted"] == result["deleted"] and ran.username.startswith("命令行")


def test_purge_honours_a_longer_retention(db, settings):
    settings.JIANHUI_AUDIT_RETENTION_DAYS = 365
    old = _old_event(200)
    with pytest.raises(CommandError, match="至少 365 天"):
        call_command("audit_purge", before=str(timezone.localdate() - dt.timedelta(days=190)),
                     yes=True)
    assert AuditEvent.objects.filter(pk=old.pk).exists()


# ------------------------------------------------------------------ the auditor's page


def test_audit_page_is_for_auditors_only(auditor_client, admin_client, gaoxin_client):
    assert auditor_client.get("/audit/").status_code == 200
    assert admin_client.get("/audit/").status_code == 200  # superuser
    assert gaoxin_client.get("/audit/").status_code == 403
    assert gaoxin_client.get("/audit/export/").status_code == 403
    assert Client().get("/audit/").status_code == 302  # login first
    assert 'href="/audit/"' in auditor_client.get("/audit/").content.decode()
    assert 'href="/audit/"' not in gaoxin_client.get("/").content.decode()


def test_auditor_home_is_the_audit_log(auditor_client):
    response = auditor_client.get("/")
    assert response.status_code == 302 and response["Location"] == "/audit/"


@pytest.fixture
def sample(db):
    """Events with distinct users, actions, objects, IPs, request ids and times."""
    now = timezone.now()
    person = make_id_number("510623", dt.date(1988, 2, 3), 321)
    made = [
        AuditEvent.objects.create(action=Action.EXPORT, username="auditee-a", ip="10.0.0.1",
                                  request_id="a" * 32, model="enterprises.Enterprise",
                                  object_key="915106230000000001", object_repr="测试导出企业",
                                  detail={"rows": 12}, at=now - dt.timedelta(hours=1)),
        AuditEvent.objects.create(action=Action.UPDATE, username="auditee-b", ip="10.0.0.2",
                                  request_id="b" * 32, model="unions.Member",
                                  object_key=f"{person[:6]}********{person[-4:]} 李四",
                                  object_repr="李四", changes={"phone": ["", "136****1234"]},
                                  at=now - dt.timedelta(days=2)),
        AuditEvent.objects.create(action=Action.REVEAL, username="auditee-a", ip="10.0.0.3",
                                  request_id="c" * 32, model="unions.Member",
                                  object_key="旧记录", object_repr="王五", reason="核对会籍",
                                  at=now - dt.timedelta(days=40)),
    ]
    return made, person


def _listed(client, **params) -> set[str]:
    response = client.get("/audit/", params)
    assert response.status_code == 200
    return {v.event.request_id[0] for v in response.context["rows"]
            if v.event.username.startswith("auditee")}


def test_audit_page_filters(auditor_client, sample):
    _, person = sample
    assert _listed(auditor_client) == {"a", "b"}  # default: the last 30 days
    since = (timezone.localdate() - dt.timedelta(days=60)).isoformat()
    assert _listed(auditor_client, date_from=since) == {"a", "b", "c"}
    assert _listed(auditor_client, date_from="") == {"a", "b", "c"}  # cleared: no lower bound
    assert _listed(auditor_client, user="auditee-b") == {"b"}
    assert _listed(auditor_client, action="export") == {"a"}
    assert _listed(auditor_client, model="unions.Member", date_from=since) == {"b", "c"}
    assert _listed(auditor_client, object="测试导出") == {"a"}
    assert _listed(auditor_client, object=person) == {"b"}  # full ID finds the masked key
    assert _listed(auditor_client, request_id="b" * 32) == {"b"}
    assert _listed(auditor_client, ip="10.0.0.1") == {"a"}
    page = auditor_client.get("/audit/", {"ip": "not-an-ip"}).content.decode()
    assert "请输入有效的IP地址" in page and "auditee-a" in page  # the bad filter is not applied
    page = auditor_client.get("/audit/", {"user": "auditee-b"}).content.decode()
    for text in ("修改", "手机号码", "136****1234", "会员", "李四", "10.0.0.2"):
        assert text in page, text


def test_audit_page_paginates(auditor_client, sample, settings):
    settings.JIANHUI_PAGE_SIZE = 1
    page = auditor_client.get("/audit/", {"user": "auditee"}).content.decode()
    assert "第 1 / 2 页" in page
    second = auditor_client.get("/audit/", {"user": "auditee", "page": 2})
    assert [v.event.username for v in second.context["rows"]] == ["auditee-b"]


def test_export_holds_the_filtered_events_and_is_itself_recorded(auditor_client, sample):
    made, _ = sample
    AuditEvent.objects.create(action=Action.UPDATE, username="auditee-c", ip="10.0.0.9",
                              model="enterprises.Enterprise", object_key="x",
                              object_repr="=HYPERLINK(\"http://evil\")",
                              changes={"name": ["+甲", "@乙"]})
    response = auditor_client.get("/audit/export/", {"user": "auditee"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert response["Cache-Control"] == "no-store"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:6] == ("时间", "用户", "IP地址", "操作", "数据类型", "对象")
    assert ws.freeze_panes == "A2" and ws.column_dimensions["H"].width == 60
    by_user = {r[1]: r for r in rows[1:]}
    assert set(by_user) == {"auditee-a", "auditee-b", "auditee-c"}
    assert by_user["auditee-b"][3] == "修改" and by_user["auditee-b"][4] == "会员"
    assert by_user["auditee-b"][7] == "手机号码：（空） → 136****1234"
    assert by_user["auditee-a"][9] == "行数：12"
    evil = by_user["auditee-c"]
    assert evil[6] == "'=HYPERLINK(\"http://evil\")"
    assert evil[7] == "企业名称：+甲 → @乙"  # neutralised where a cell starts with it only
    [export] = AuditEvent.objects.filter(action=Action.EXPORT, model="audit.AuditEvent")
    assert export.detail["rows"] == 3 and export.detail["filters"]["用户"] == "auditee"
    assert export.username.startswith("user") and export.request_id == response["X-Request-ID"]


def test_admin_can_look_but_never_edit(admin_client, gaoxin_client, sample):
    made, _ = sample
    event = made[1]
    assert admin_client.get("/admin/audit/auditevent/").status_code == 200
    page = admin_client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200 and "136****1234" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403
    assert admin_client.post(f"/admin/audit/auditevent/{event.pk}/change/",
                             {"reason": "x"}).status_code == 403
    assert admin_client.post(f"/admin/audit/auditevent/{event.pk}/delete/",
                             {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).reason == ""
    assert gaoxin_client.get("/admin/audit/auditevent/").status_code == 302  # not staff


def test_detail_codes_read_in_chinese(db):
    """What other parts put in `detail` (codes, field names, paired code and name) is shown to
    the auditor in Chinese, on the page and in the export alike."""
    from jianhui.auditlog.search import present

    user = record(Action.USERS, model="auth.User", object_key="shenji", detail={
        "op": "create", "role": "auditor", "role_name": "审计员", "jurisdiction": "510623",
        "jurisdiction_name": "中江县", "organisation": None, "organisation_name": None})
    assert present(user).detail == [("操作", "新建用户"), ("角色", "审计员"),
                                    ("辖区", "中江县（510623）"), ("工会组织", "（空）")]
    reveal = record(Action.REVEAL, model="unions.Member", object_key="k", detail={
        "fields": ["id_number", "phone"], "enterprise": "91510623MA604G46A9"})
    assert present(reveal).detail_text == ("字段：公民身份号码、手机号码\n"
                                           "企业信用代码：91510623MA604G46A9")
    job = record(Action.IMPORT, model="imports.ImportJob", object_key="j",
                 detail={"kind": "enterprises", "mode": "upsert", "written": True})
    assert present(job).detail == [("类型", "企业"), ("方式", "新增或更新"), ("已写入", "是")]
