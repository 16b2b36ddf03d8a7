"""Masking everywhere, and revealing one member's full ID number and phone with a reason."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db.models import F
from django.test import Client

from jianhui.accounts.models import Role
from jianhui.audit.models import Action, AuditEvent
from jianhui.lib.codes import mask_id_number, mask_phone
from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import Member

GAOXIN = "510623400"


@pytest.fixture
def member(db) -> Member:
    """A 高新区 member with a phone, on the first page of the enterprise's roster."""
    some = (Member.objects.filter(enterprise__jurisdiction__code=GAOXIN, left_on__isnull=True)
            .order_by("pk").first())
    first_page = (Member.objects.filter(enterprise=some.enterprise_id)
                  .order_by(F("left_on").asc(nulls_first=True), "-joined_on", "name")
                  .select_related("enterprise")[:50])
    return next(m for m in first_page if m.phone)


def url(m: Member) -> str:
    return f"/members/{m.public_key}/reveal/"


def reveals(m: Member):
    return AuditEvent.objects.filter(action=Action.REVEAL, object_key=m.public_key)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_pages_show_masked_values_and_a_reveal_link(gaoxin_client, member):
    html = gaoxin_client.get(member.enterprise.get_absolute_url()).content.decode()
    assert member.id_number not in html and member.phone not in html
    assert mask_id_number(member.id_number) in html and mask_phone(member.phone) in html
    assert f'hx-get="{url(member)}"' in html
    org = member.organisation_on(member.joined_on)
    html = gaoxin_client.get(org.get_absolute_url() + "?as_of=2023-09-29").content.decode()
    assert "完整信息" in html and member.id_number not in html
    assert mask_phone(org.chair_phone) in html and org.chair_phone not in html


def test_no_reveal_link_without_the_right(user_in, member):
    officer = client_for(user_in(Jurisdiction.objects.get(code=GAOXIN), Role.TASK_FORCE))
    html = officer.get(member.enterprise.get_absolute_url()).content.decode()
    assert "查看完整信息" not in html and mask_id_number(member.id_number) in html


def test_reveal_asks_for_a_reason_in_chinese(gaoxin_client, member):
    page = gaoxin_client.get(url(member)).content.decode()
    assert "查看理由" in page and member.id_number not in page and "csrfmiddlewaretoken" in page
    for reason, message in (("", "请填写查看理由"), ("  ", "请填写查看理由"), ("核实", "至少 4 个字")):
        response = gaoxin_client.post(url(member), {"reason": reason}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 200 and message in html
        assert member.id_number not in html and member.phone not in html
    assert not reveals(member).exists()


def test_reveal_shows_the_values_and_is_audited(gaoxin_client, member):
    response = gaoxin_client.post(url(member), {"reason": "核实会员身份，办理困难帮扶"},
                                  headers={"HX-Request": "true"}, REMOTE_ADDR="10.1.2.3")
    html = response.content.decode()
    assert member.id_number in html and member.phone in html
    assert "<html" not in html  # an htmx fragment for the row, not a page
    assert "no-store" in response["Cache-Control"]
    event = reveals(member).get()
    assert (event.username, event.reason, event.ip) == ("gaoxin", "核实会员身份，办理困难帮扶",
                                                        "10.1.2.3")
    assert event.object_repr == member.name and event.detail["fields"] == ["id_number", "phone"]
    # Without htmx the same URL is a small page.
    page = gaoxin_client.post(url(member), {"reason": "再次核实会员身份"}).content.decode()
    assert "<html" in page and member.id_number in page and reveals(member).count() == 2


def test_reveal_without_the_right_is_forbidden(user_in, member):
    for role, refused in ((Role.TASK_FORCE, 403), (Role.COUNTY_LEADER, 403),
                          (Role.AUDITOR, 404)):  # an auditor sees no member at all
        c = client_for(user_in(Jurisdiction.objects.get(code=GAOXIN), role))
        assert c.get(url(member)).status_code == refused
        assert c.post(url(member), {"reason": "核实会员身份"}).status_code == refused
    assert not reveals(member).exists()


def test_reveal_out_of_scope_is_not_found(kaizhou_client, member):
    assert kaizhou_client.get(url(member)).status_code == 404
    assert kaizhou_client.post(url(member), {"reason": "核实会员身份"}).status_code == 404
    assert kaizhou_client.get("/members/nosuchmember/reveal/").status_code == 404
    assert not reveals(member).exists()


def test_reveal_needs_login_and_csrf(member):
    assert Client().get(url(member)).status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(get_user_model().objects.get(username="gaoxin"))
    assert strict.post(url(member), {"reason": "核实会员身份"}).status_code == 403
    assert not reveals(member).exists()


def test_cancel_puts_the_link_back(gaoxin_client, member):
    html = gaoxin_client.get(url(member) + "?cancel=1", headers={"HX-Request": "true"}
                             ).content.decode()
    assert "查看完整信息" in html and "<form" not in html


# ------------------------------------------------------------------ the back office


def test_admin_masks_and_searches_by_full_id(admin_client, member):
    listing = admin_client.get("/admin/unions/member/", {"q": member.id_number}).content.decode()
    assert listing.count(mask_id_number(member.id_number)) == 1 and member.name in listing
    assert listing.count('<th class="field-name">') == 1 and url(member) in listing
    # The number appears only where the user typed it (the search box and links keeping it).
    echoed = listing.replace(f'value="{member.id_number}"', "").replace(
        f"q%3D{member.id_number}", "").replace(f"q={member.id_number}", "")
    assert member.id_number not in echoed
    everyone = admin_client.get("/admin/unions/member/").content.decode()
    assert "510623********" in everyone and member.id_number not in everyone
    form = admin_client.get(f"/admin/unions/member/{member.pk}/change/").content.decode()
    assert member.id_number not in form and member.phone not in form
    assert mask_id_number(member.id_number) in form and url(member) in form
    firm = member.enterprise
    form = admin_client.get(f"/admin/enterprises/enterprise/{firm.pk}/change/").content.decode()
    assert firm.phone not in form and mask_phone(firm.phone) in form
    org = member.organisation_on(member.joined_on)
    form = admin_client.get(f"/admin/unions/unionorganisation/{org.pk}/change/").content.decode()
    assert org.chair_phone not in form and mask_phone(org.chair_phone) in form


def test_admin_change_form_keeps_or_corrects_the_hidden_values(admin_client, member):
    path = f"/admin/unions/member/{member.pk}/change/"
    data = {"name": "改名", "id_number": "", "phone": "", "enterprise": member.enterprise_id,
            "joined_on": member.joined_on.isoformat(), "left_on": "",
            "lock_version": member.version}
    response = admin_client.post(path, data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    member.refresh_from_db()
    assert member.name == "改名" and member.phone and member.id_number
    kept_id = member.id_number
    data["lock_version"] = member.version  # the admin's change form is versioned
    response = admin_client.post(path, {**data, "phone": "139 0000 1234"})
    member.refresh_from_db()
    assert member.phone == "13900001234" and member.id_number == kept_id
    data["lock_version"] = member.version
    response = admin_client.post(path, {**data, "id_number": kept_id[:-1] + "0"
                                         if kept_id[-1] != "0" else kept_id[:-1] + "1"})
    assert response.status_code == 200 and "校验不通过" in response.content.decode()
