"""Cross-area reads and writes found by trying every door with a county officer's account
(the review of issue 5). One test per finding; each failed before its fix.

Personas: an area officer of 高新区, union chairs of 高新区 organisations (the park's
federation, whose enterprises partly moved on to their own unions in 2023), a county
administrator of 高新区 only, and users holding different roles in different places.
"""

from __future__ import annotations

import datetime as dt
import io
import re

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from jianhui.accounts.models import Assignment, Role
from jianhui.enterprises.models import Enterprise
from jianhui.imports.models import ImportJob
from jianhui.imports.samples import write_csv
from jianhui.imports.services import import_file
from jianhui.lib.codes import make_credit_code, mask_id_number
from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import Member, OrganisationKind, UnionOrganisation

GAOXIN, KAIZHOU = "510623400", "510623401"
FEDERATION = "510623400-001"  # 高新区's federation
MOVER = "91510623MA6DAFLW0L"  # left the federation for its own union on 2023-05-05
MOVED_ON = dt.date(2023, 5, 5)


def person(username: str, *roles) -> tuple:
    """A user holding (role, jurisdiction code, organisation key or None) roles, signed in."""
    user = get_user_model().objects.create_user(username, password=None)
    for role, code, key in roles:
        Assignment.objects.create(
            user=user, role=role, jurisdiction=Jurisdiction.objects.get(code=code),
            organisation=UnionOrganisation.objects.get(key=key) if key else None)
    client = Client()
    client.force_login(user)
    return user, client


def form_data(html: str) -> dict[str, str]:
    """The values a page's form would post back (inputs, selected options, textareas)."""
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen.group(1) if chosen else ""
    return data


def active_member(code: str) -> Member:
    return (Member.objects.filter(enterprise__jurisdiction__code=code, left_on__isnull=True)
            .select_related("enterprise").order_by("pk").first())


# --- mixed roles: a right held in one area does not travel to another -------------------------

def test_reveal_export_does_not_reveal_where_the_user_only_views(few_members, demo):
    # Area officer (may reveal) in 高新区, county leader (view only) for the county: the
    # member page lets them open 凯州新城's roster but not reveal it one by one (403), and
    # the export must not hand it over in full either.
    _, client = person("mixed", (Role.AREA_OFFICER, GAOXIN, None),
                       (Role.COUNTY_LEADER, "510623", None))
    theirs = active_member(KAIZHOU)
    assert client.post(f"/members/{theirs.public_key}/reveal/",
                       {"reason": "核对会员身份"}).status_code == 403
    response = client.post(f"/members/?export=xlsx&jurisdiction={KAIZHOU}",
                           {"reveal": "on", "reason": "核对会员名单"})
    if response.status_code == 200:
        content = b"".join(response.streaming_content)
        cells = {str(c) for row in load_workbook(io.BytesIO(content)).active.iter_rows(
            values_only=True) for c in row}
        assert theirs.id_number not in cells
    else:
        assert response.status_code == 403
    # In 高新区, where the officer may reveal, the full export still works.
    mine = active_member(GAOXIN)
    response = client.post(f"/members/?export=xlsx&jurisdiction={GAOXIN}",
                           {"reveal": "on", "reason": "核对会员名单"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert mine.id_number.encode() not in content  # zipped; check the cells instead
    cells = {str(c) for row in load_workbook(io.BytesIO(content)).active.iter_rows(
        values_only=True) for c in row}
    assert mine.id_number in cells


def test_import_writes_only_where_the_user_holds_the_import_right(demo, fresh_data_dir, tmp_path):
    # Area officer in 高新区 (may import), county leader elsewhere (may not): a file with an
    # enterprise for 凯州新城 must be refused, as it is for a plain area officer.
    _, client = person("mixed_import", (Role.AREA_OFFICER, GAOXIN, None),
                       (Role.COUNTY_LEADER, "510623", None))
    path = write_csv(tmp_path / "e.csv", ["企业名称", "统一社会信用代码", "所属辖区", "职工人数"],
                     [["越界企业", make_credit_code("91510623MA7XXXXX4"), "凯州新城", 10]])
    with open(path, "rb") as fh:
        response = client.post("/imports/", {"kind": "enterprises", "mode": "upsert",
                                             "file": SimpleUploadedFile("e.csv", fh.read())})
    assert response.status_code == 302, response.content.decode()[:500]
    job = ImportJob.objects.get(pk=response["Location"].split("/")[-2])
    messages = [e["message"] for e in job.report["errors"]]
    assert any("不在您的管辖范围内" in m for m in messages), messages


# --- what error messages name -----------------------------------------------------------------

def test_member_edit_error_does_not_name_an_enterprise_outside_scope(demo, gaoxin_client):
    # Typing another area's member's ID number into a 高新区 member's form must not tell the
    # officer where that person is a member.
    mine, theirs = active_member(GAOXIN), active_member(KAIZHOU)
    url = f"/members/{mine.public_key}/edit/"
    data = form_data(gaoxin_client.get(url).content.decode())
    data.update({"name": mine.name, "joined_on": mine.joined_on.isoformat(), "left_on": "",
                 "id_number": theirs.id_number, "phone": ""})
    response = gaoxin_client.post(url, data)
    body = response.content.decode()
    assert response.status_code == 200 and "同一人同一时间" in body  # refused, with a reason
    assert theirs.enterprise.name not in body
    assert f"{theirs.joined_on:%Y-%m-%d}" not in body
    mine.refresh_from_db()
    assert mine.id_number != theirs.id_number


def test_member_import_error_does_not_name_an_enterprise_outside_scope(demo, tmp_path):
    theirs = active_member(KAIZHOU)
    firm = Enterprise.objects.get(credit_code=active_member(GAOXIN).enterprise.credit_code)
    path = write_csv(tmp_path / "m.csv", ["姓名", "公民身份号码", "所在企业信用代码", "入会日期"],
                     [[theirs.name, theirs.id_number, firm.credit_code, "2023-09-01"]])
    scope = [Jurisdiction.objects.get(code=GAOXIN).path]
    report = import_file("members", path, user="gaoxin", scope=scope)
    messages = " ".join(e.message for e in report.errors)
    assert "同一人同一时间" in messages, messages  # still refused
    assert theirs.enterprise.name not in messages
    assert f"{theirs.joined_on:%Y-%m-%d}" not in messages


def test_import_error_does_not_name_a_union_outside_scope(demo, tmp_path):
    # A union looked up by its credit code in another area: the error repeats the code the
    # user typed, never the union's name.
    theirs = UnionOrganisation.objects.filter(jurisdiction__code=KAIZHOU,
                                              credit_code__isnull=False).first()
    firm = active_member(GAOXIN).enterprise
    path = write_csv(tmp_path / "c.csv", ["工会统一社会信用代码", "企业信用代码", "覆盖开始日期"],
                     [[theirs.credit_code, firm.credit_code, "2023-09-01"]])
    report = import_file("coverage", path, user="gaoxin",
                         scope=[Jurisdiction.objects.get(code=GAOXIN).path])
    messages = " ".join(e.message for e in report.errors)
    assert "不在您的管辖范围内" in messages
    assert theirs.name not in messages


# --- union chairs reach their own organisation, not the jurisdiction their role is filed under -

def test_chair_cannot_move_enterprise_or_union_to_another_jurisdiction(demo):
    org = (UnionOrganisation.objects.filter(jurisdiction__code=GAOXIN,
                                            kind=OrganisationKind.STANDALONE).order_by("key").first())
    # Filed under the county (the form allows any jurisdiction holding the organisation).
    _, client = person("chair_county", (Role.UNION_CHAIR, "510623", org.key))
    kaizhou = Jurisdiction.objects.get(code=KAIZHOU)
    firm = org.coverages.order_by("start_on").first().enterprise
    for url, obj in ((f"/enterprises/{firm.credit_code}/edit/", firm),
                     (f"/unions/{org.key}/edit/", org)):
        page = client.get(url).content.decode()
        assert "凯州新城" not in page
        data = form_data(page)
        data["jurisdiction"] = str(kaizhou.pk)
        client.post(url, data)
        obj.refresh_from_db()
        assert obj.jurisdiction.code == GAOXIN, url


def test_chair_does_not_see_members_who_joined_after_the_enterprise_moved_on(demo):
    _, client = person("fed_chair", (Role.UNION_CHAIR, GAOXIN, FEDERATION))
    late = Member.objects.filter(enterprise__credit_code=MOVER, joined_on__gt=MOVED_ON).first()
    assert late is not None
    assert client.get(f"/members/{late.public_key}/reveal/").status_code == 404
    assert client.get(f"/members/{late.public_key}/edit/").status_code == 404
    row = f'<td>{late.name}</td><td>{late.gender}</td><td class="mono">{mask_id_number(late.id_number)}'
    page = client.get(f"/members/?status=all&enterprise={MOVER}").content.decode()
    assert "共 0 名会员" not in page  # the federation's own time at the enterprise is there
    assert row not in page
    pages = [client.get(f"/enterprises/{MOVER}/?page={n}") for n in (1, 2, 3)]
    assert pages[0].status_code == 200  # the enterprise's history stays readable
    assert not any(row in p.content.decode() for p in pages)


def test_chair_cannot_edit_or_reveal_what_their_union_no_longer_covers(demo):
    _, client = person("fed_chair2", (Role.UNION_CHAIR, GAOXIN, FEDERATION))
    # A member who joined under the federation and moved on with the enterprise.
    carried = Member.objects.filter(enterprise__credit_code=MOVER, joined_on__lt=MOVED_ON,
                                    left_on__isnull=True).first()
    assert carried is not None
    assert client.get(f"/members/{carried.public_key}/reveal/").status_code == 403
    assert client.get(f"/members/{carried.public_key}/edit/").status_code == 403
    assert client.get(f"/enterprises/{MOVER}/edit/").status_code == 403
    # Their own organisation's current enterprises stay theirs to maintain.
    current = UnionOrganisation.objects.get(key=FEDERATION).coverages.filter(
        end_on__isnull=True).first().enterprise
    assert client.get(f"/enterprises/{current.credit_code}/edit/").status_code == 200


# --- user administration ----------------------------------------------------------------------

def test_park_administrator_cannot_make_a_county_wide_auditor(demo):
    # The audit log is the whole county's; an administrator of 高新区 alone must not be able
    # to create an account that reads it (they see the new account's password).
    _, client = person("park_admin", (Role.COUNTY_ADMIN, GAOXIN, None))
    client.post("/users/add/", {"username": "park_auditor", "name": "审计", "role": "auditor",
                                "jurisdiction": GAOXIN, "organisation": ""})
    assert not Assignment.objects.filter(user__username="park_auditor").exists()


def test_park_administrator_cannot_take_over_a_staff_account(demo):
    # A back-office (staff) account without roles shows in every administrator's list; a
    # park administrator must not reset its password and sign in as it.
    staff = get_user_model().objects.create_user("backoffice", password="Old-Pass-2023x",
                                                 is_staff=True)
    _, client = person("park_admin2", (Role.COUNTY_ADMIN, GAOXIN, None))
    client.post("/users/backoffice/reset-password/")
    staff.refresh_from_db()
    assert staff.check_password("Old-Pass-2023x")
