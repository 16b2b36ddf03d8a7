"""Edit pages for enterprises, organisations and members: who may edit what, validation, and
optimistic locking (a stale form never overwrites someone else's change)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from htmlforms import form_data

from jianhui.accounts.models import Role
from jianhui.audit.models import Action, AuditEvent
from jianhui.enterprises.models import Enterprise
from jianhui.lib.codes import make_id_number, mask_id_number, mask_phone
from jianhui.lib.versioning import ConcurrentEdit
from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import Member, OrganisationKind, UnionOrganisation
from jianhui.unions.services import leave

GAOXIN, KAIZHOU = "510623400", "510623401"


def _enterprise(area: str) -> Enterprise:
    return (Enterprise.objects.filter(jurisdiction__code=area, members__isnull=False)
            .exclude(phone="").distinct().order_by("name").first())


def _edit_url(e: Enterprise) -> str:
    return f"/enterprises/{e.credit_code}/edit/"


def _open(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    return form_data(response.content.decode(), id="editform")


# --- permissions ---------------------------------------------------------------------------------

def test_area_officer_edits_an_enterprise_of_their_area(gaoxin_client):
    e = _enterprise(GAOXIN)
    data = _open(gaoxin_client, _edit_url(e))
    data.update(employees=str(e.employees + 40), industry="汽车制造业")
    response = gaoxin_client.post(_edit_url(e), data)
    assert response.status_code == 302 and response["Location"] == e.get_absolute_url()
    fresh = Enterprise.objects.get(pk=e.pk)
    assert (fresh.employees, fresh.industry, fresh.version) == (e.employees + 40, "汽车制造业",
                                                                e.version + 1)
    assert fresh.phone == e.phone  # the blank replace-only input kept the phone
    event = AuditEvent.objects.filter(action=Action.UPDATE, object_repr=e.name).get()
    assert event.username == "gaoxin"
    assert event.changes == {"employees": [e.employees, e.employees + 40],
                             "industry": [e.industry, "汽车制造业"]}


def test_another_areas_enterprise_is_not_found(gaoxin_client):
    e = _enterprise(KAIZHOU)
    assert gaoxin_client.get(_edit_url(e)).status_code == 404
    response = gaoxin_client.post(_edit_url(e), {"name": "改名", "lock_version": e.version})
    assert response.status_code == 404
    assert "不在您的辖区范围内" in response.content.decode()
    assert Enterprise.objects.get(pk=e.pk).name == e.name


def test_read_only_roles_get_403_and_no_edit_button(client, demo, user_in, gaoxin_client):
    e = _enterprise(GAOXIN)
    client.force_login(user_in(demo, Role.COUNTY_LEADER))
    response = client.get(_edit_url(e))
    assert response.status_code == 403
    assert "只能查看，不能修改" in response.content.decode()
    assert client.post(_edit_url(e), {"name": "x"}).status_code == 403
    assert f'href="{_edit_url(e)}"' not in client.get(e.get_absolute_url()).content.decode()
    detail = gaoxin_client.get(e.get_absolute_url()).content.decode()
    assert f'href="{_edit_url(e)}"' in detail and "/members/" in detail
    org = UnionOrganisation.objects.filter(jurisdiction__code=GAOXIN).first()
    assert client.get(f"/unions/{org.key}/edit/").status_code == 403
    member = Member.objects.filter(enterprise=e).first()
    assert client.get(f"/members/{member.public_key}/edit/").status_code == 403


def test_jurisdiction_choices_are_only_where_the_user_may_edit(gaoxin_client):
    e = _enterprise(GAOXIN)
    data = _open(gaoxin_client, _edit_url(e))
    kaizhou = Jurisdiction.objects.get(code=KAIZHOU)
    data["jurisdiction"] = str(kaizhou.pk)
    response = gaoxin_client.post(_edit_url(e), data)
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert Enterprise.objects.get(pk=e.pk).jurisdiction.code == GAOXIN


def test_model_rules_come_back_as_chinese_errors(gaoxin_client):
    e = _enterprise(GAOXIN)
    data = _open(gaoxin_client, _edit_url(e))
    data.update(female_employees=str(e.employees + 1), status="deregistered")
    html = gaoxin_client.post(_edit_url(e), data).content.decode()
    assert f"女职工人数（{e.employees + 1}）不能多于职工人数（{e.employees}）" in html
    assert "经营状态为“注销”时请填写注销日期" in html
    assert "填写的内容有误，未保存" in html
    assert Enterprise.objects.get(pk=e.pk).version == e.version


def test_phone_is_never_shown_in_clear_and_is_replaced_or_cleared(gaoxin_client):
    e = _enterprise(GAOXIN)
    page = gaoxin_client.get(_edit_url(e)).content.decode()
    assert e.phone not in page and mask_phone(e.phone) in page
    data = form_data(page, id="editform")
    data["phone"] = "139 1234 5678"
    assert gaoxin_client.post(_edit_url(e), data).status_code == 302
    assert Enterprise.objects.get(pk=e.pk).phone == "139 1234 5678"
    data = _open(gaoxin_client, _edit_url(e))
    data["phone_clear"] = "on"
    assert gaoxin_client.post(_edit_url(e), data).status_code == 302
    assert Enterprise.objects.get(pk=e.pk).phone == ""
    event = AuditEvent.objects.filter(action=Action.UPDATE, object_repr=e.name).first()
    assert event.changes == {"phone": ["139****5678", ""]}


# --- optimistic locking on the pages -------------------------------------------------------

def test_stale_form_shows_what_changed_and_loses_nothing(gaoxin_client, admin_client):
    e = _enterprise(GAOXIN)
    mine = _open(gaoxin_client, _edit_url(e))           # A opens the form
    theirs = _open(admin_client, _edit_url(e))          # B opens it too, and saves first
    theirs.update(employees="999", phone="13800001111")
    assert admin_client.post(_edit_url(e), theirs).status_code == 302

    mine["name"] = "东方峻景电子（改名）"                  # A saves a stale form
    response = gaoxin_client.post(_edit_url(e), mine)
    assert response.status_code == 409
    html = response.content.decode()
    assert "有人在您编辑期间保存了这条记录" in html and "您的修改尚未保存" in html
    assert f"<th>职工人数</th><td>999</td><td>{e.employees}（未修改）</td>" in html
    assert "县总工会管理员（admin）于" in html  # who saved meanwhile, from the audit log
    assert "<th>联系电话</th><td>138****1111</td><td>未修改</td>" in html
    assert "13800001111" not in html  # their new phone is masked too
    saved = Enterprise.objects.get(pk=e.pk)
    assert (saved.name, saved.employees) == (e.name, 999)  # A's save did not happen

    merged = form_data(html, id="editform")               # their change is in A's form now
    assert merged["employees"] == "999" and merged["name"] == "东方峻景电子（改名）"
    assert merged["lock_version"] == str(saved.version)
    assert gaoxin_client.post(_edit_url(e), merged).status_code == 302
    final = Enterprise.objects.get(pk=e.pk)
    assert (final.name, final.employees, final.phone) == ("东方峻景电子（改名）", 999, "13800001111")


def test_both_changed_the_same_field_keeps_yours_after_showing_theirs(gaoxin_client,
                                                                      admin_client):
    e = _enterprise(GAOXIN)
    mine = _open(gaoxin_client, _edit_url(e))
    theirs = _open(admin_client, _edit_url(e))
    theirs["employees"] = "500"
    admin_client.post(_edit_url(e), theirs)
    mine["employees"] = "600"
    html = gaoxin_client.post(_edit_url(e), mine).content.decode()
    assert "<th>职工人数</th><td>500</td><td>600</td>" in html and "保留您的值" in html
    assert Enterprise.objects.get(pk=e.pk).employees == 500
    merged = form_data(html, id="editform")
    assert merged["employees"] == "600"
    gaoxin_client.post(_edit_url(e), merged)
    assert Enterprise.objects.get(pk=e.pk).employees == 600


def test_import_style_bulk_update_also_makes_a_form_stale(gaoxin_client):
    e = _enterprise(GAOXIN)
    mine = _open(gaoxin_client, _edit_url(e))
    e.employees, e.version = 777, e.version + 1   # what the enterprise import does
    Enterprise.objects.bulk_update([e], ["employees", "version"])
    mine["contact"] = "新联系人"
    response = gaoxin_client.post(_edit_url(e), mine)
    assert response.status_code == 409 and "777" in response.content.decode()
    assert Enterprise.objects.get(pk=e.pk).employees == 777


def test_a_tampered_or_missing_version_is_refused(gaoxin_client):
    e = _enterprise(GAOXIN)
    data = _open(gaoxin_client, _edit_url(e))
    del data["lock_version"]
    html = gaoxin_client.post(_edit_url(e), data).content.decode()
    assert "表单缺少版本信息" in html
    assert Enterprise.objects.get(pk=e.pk).version == e.version


def _without_the_forms_check(monkeypatch):
    """Let a stale form through the form's own check, as a save racing it would."""
    from django import forms

    from jianhui.web.locking import VersionedForm

    def clean(self):
        cleaned = forms.ModelForm.clean(self)
        self.instance.version = cleaned["lock_version"]
        return cleaned

    monkeypatch.setattr(VersionedForm, "clean", clean)


def test_the_update_itself_catches_what_the_form_check_missed(gaoxin_client, monkeypatch):
    e = _enterprise(GAOXIN)
    mine = _open(gaoxin_client, _edit_url(e))
    Enterprise.objects.filter(pk=e.pk).update(employees=888, version=e.version + 1)
    _without_the_forms_check(monkeypatch)
    mine["name"] = "竞争中的改名"
    response = gaoxin_client.post(_edit_url(e), mine)
    assert response.status_code == 409
    assert "<th>职工人数</th><td>888</td>" in response.content.decode()
    saved = Enterprise.objects.get(pk=e.pk)
    assert (saved.name, saved.employees) == (e.name, 888)
    assert not AuditEvent.objects.filter(object_repr="竞争中的改名").exists()


def test_admin_save_racing_another_is_refused(admin_client, monkeypatch):
    e = _enterprise(GAOXIN)
    url = f"/admin/enterprises/enterprise/{e.pk}/change/"
    data = form_data(admin_client.get(url).content.decode(), id="enterprise_form")
    Enterprise.objects.filter(pk=e.pk).update(employees=888, version=e.version + 1)
    _without_the_forms_check(monkeypatch)
    data["name"] = "竞争中的改名"
    response = admin_client.post(url, data, follow=True)
    assert response.redirect_chain[0] == (url, 302)
    assert "已被他人修改，本次保存未生效" in response.content.decode()
    assert Enterprise.objects.get(pk=e.pk).name == e.name


# --- the conditional UPDATE itself ---------------------------------------------------------

def test_two_copies_of_a_row_cannot_both_be_saved(demo):
    e = _enterprise(GAOXIN)
    first, second = Enterprise.objects.get(pk=e.pk), Enterprise.objects.get(pk=e.pk)
    first.employees = 1234
    with CaptureQueriesContext(connection) as queries:
        first.save()
    update = next(q["sql"] for q in queries if q["sql"].startswith("UPDATE"))
    assert '"version" = ' in update.split("WHERE")[1]  # UPDATE … WHERE id = … AND version = N
    second.name = "后保存的改名"
    with pytest.raises(ConcurrentEdit, match="已被他人修改"), transaction.atomic():
        second.save()
    fresh = Enterprise.objects.get(pk=e.pk)
    assert (fresh.employees, fresh.name, fresh.version) == (1234, e.name, e.version + 1)


def test_partial_saves_by_services_are_versioned_too(demo):
    member = Member.objects.filter(left_on__isnull=True,
                                   enterprise__jurisdiction__code=GAOXIN).first()
    stale = Member.objects.get(pk=member.pk)
    leave(member, dt.date(2024, 6, 30))                  # save(update_fields=[...]) bumps it
    assert Member.objects.get(pk=member.pk).version == stale.version + 1
    stale.name = "旧副本改名"
    with pytest.raises(ConcurrentEdit), transaction.atomic():
        stale.save()
    assert Member.objects.get(pk=member.pk).left_on == dt.date(2024, 6, 30)


# --- the admin change forms ----------------------------------------------------------------

def test_admin_change_form_refuses_a_stale_save_and_merges(admin_client):
    e = _enterprise(GAOXIN)
    url = f"/admin/enterprises/enterprise/{e.pk}/change/"
    data = form_data(admin_client.get(url).content.decode(), id="enterprise_form")
    assert data["lock_version"] == str(e.version)
    other = Enterprise.objects.get(pk=e.pk)              # someone else saves meanwhile
    other.employees = 555
    other.save()
    data["name"] = "后台改名"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "保存了这条记录的新版本" in html
    assert "职工人数：对方改为“555”，您未修改此项（表单已采用对方的值）" in html
    assert Enterprise.objects.get(pk=e.pk).name == e.name
    again = form_data(html, id="enterprise_form")
    assert again["employees"] == "555" and again["lock_version"] == str(other.version)
    assert admin_client.post(url, again).status_code == 302
    final = Enterprise.objects.get(pk=e.pk)
    assert (final.name, final.employees) == ("后台改名", 555)
    assert AuditEvent.objects.filter(action=Action.UPDATE, username="admin",
                                     changes__name=[e.name, "后台改名"]).exists()


def test_admin_member_and_organisation_forms_are_versioned(admin_client):
    org = UnionOrganisation.objects.filter(jurisdiction__code=GAOXIN).first()
    url = f"/admin/unions/unionorganisation/{org.pk}/change/"
    data = form_data(admin_client.get(url).content.decode(), id="unionorganisation_form")
    UnionOrganisation.objects.filter(pk=org.pk).update(version=org.version + 1, chair="另一人")
    data["chair"] = "新主席"
    html = admin_client.post(url, data).content.decode()
    assert "工会主席：对方改为“另一人”，您填写的是“新主席”" in html
    member = Member.objects.filter(enterprise__jurisdiction__code=GAOXIN).first()
    url = f"/admin/unions/member/{member.pk}/change/"
    data = form_data(admin_client.get(url).content.decode(), id="member_form")
    assert data["lock_version"] == str(member.version)


# --- organisations and members -------------------------------------------------------------

def test_organisation_edit_and_the_standalone_rule(gaoxin_client):
    org = UnionOrganisation.objects.filter(jurisdiction__code=GAOXIN,
                                           kind=OrganisationKind.FEDERATION).first()
    url = f"/unions/{org.key}/edit/"
    page = gaoxin_client.get(url).content.decode()
    if org.chair_phone:
        assert org.chair_phone not in page
    data = form_data(page, id="editform")
    data.update(chair="王新", kind=OrganisationKind.STANDALONE)
    html = gaoxin_client.post(url, data).content.decode()
    assert "基层工会委员会同一时间只能覆盖一家企业" in html
    data["kind"] = org.kind
    assert gaoxin_client.post(url, data).status_code == 302
    assert UnionOrganisation.objects.get(pk=org.pk).chair == "王新"
    assert f'href="{url}"' in gaoxin_client.get(org.get_absolute_url()).content.decode()


def test_officer_with_reveal_right_corrects_an_id_number(gaoxin_client):
    member = Member.objects.filter(enterprise__jurisdiction__code=GAOXIN,
                                   left_on__isnull=True).order_by("pk").first()
    url = f"/members/{member.public_key}/edit/"
    page = gaoxin_client.get(url).content.decode()
    assert member.id_number not in page and mask_id_number(member.id_number) in page
    data = form_data(page, id="editform")
    new_id = make_id_number("510623", dt.date(1991, 3, 8), 842)  # even sequence: female
    data.update(id_number=new_id.lower(), name="更正后的姓名")
    response = gaoxin_client.post(url, data)
    assert response.status_code == 302 and response["Location"] == member.enterprise.get_absolute_url()
    fresh = Member.objects.get(pk=member.pk)
    assert (fresh.id_number, fresh.name, fresh.gender, fresh.birth_date) == (
        new_id, "更正后的姓名", "女", dt.date(1991, 3, 8))
    event = AuditEvent.objects.filter(action=Action.UPDATE, object_repr="更正后的姓名").get()
    assert event.changes["id_number"] == [mask_id_number(member.id_number), mask_id_number(new_id)]
    data = _open(gaoxin_client, url)
    data["id_number"] = "510623199103081234"
    assert "校验" in gaoxin_client.post(url, data).content.decode()  # a bad check digit


def test_member_id_number_is_locked_without_the_reveal_right(client, user_in):
    gaoxin = Jurisdiction.objects.get(code=GAOXIN)
    client.force_login(user_in(gaoxin, Role.TASK_FORCE))
    member = Member.objects.filter(enterprise__jurisdiction=gaoxin).order_by("pk").first()
    url = f"/members/{member.public_key}/edit/"
    page = client.get(url).content.decode()
    assert member.id_number not in page and "没有查看完整个人信息的权限" in page
    data = form_data(page, id="editform")
    assert "id_number" not in data  # disabled: the browser does not send it
    data.update(id_number=make_id_number("510623", dt.date(1990, 1, 1), 11), name="只改姓名")
    assert client.post(url, data).status_code == 302
    fresh = Member.objects.get(pk=member.pk)
    assert (fresh.name, fresh.id_number) == ("只改姓名", member.id_number)


def test_member_edit_is_scoped_and_checked_by_the_model(gaoxin_client):
    other = Member.objects.filter(enterprise__jurisdiction__code=KAIZHOU).first()
    assert gaoxin_client.get(f"/members/{other.public_key}/edit/").status_code == 404
    member = Member.objects.filter(enterprise__jurisdiction__code=GAOXIN).order_by("pk").first()
    url = f"/members/{member.public_key}/edit/"
    data = _open(gaoxin_client, url)
    data["left_on"] = (member.joined_on - dt.timedelta(days=1)).isoformat()
    assert "离会日期必须晚于入会日期" in gaoxin_client.post(url, data).content.decode()
