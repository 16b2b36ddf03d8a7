"""The authorisation matrix: every URL of the project × every role × an object inside and
outside the role's scope, for GET and POST, against one table.

The URL list comes from the resolver, so a page added without a row here fails
`test_every_url_is_in_the_table`. "Inside" is an enterprise (its union, a member) of the
高新区 standalone union whose chair is the union-chair persona, and the 高新区 officer
account; "outside" is the same in 凯州新城. Area personas (task force, area officer, union
chair) hold their role in 高新区; county personas (county admin, county leader, auditor) hold
theirs in the county. For import jobs "inside" is a job the area officer uploaded and
"outside" one the county administrator uploaded: a job is its uploader's alone.

Codes: 200 page, 302 redirect (to the login page for anonymous requests, or after a
successful POST), 400 bad request (a POST without its form), 403 no right, 404 not found /
out of scope, 405 method not allowed. POSTs carry no form data: they prove the door is shut
(403/404/302 to login) or, for those allowed in, that an empty form changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from http.cookies import SimpleCookie

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jianhui.accounts.models import Assignment, Role
from jianhui.imports.models import ImportJob, JobStatus
from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import Member, OrganisationKind, UnionOrganisation

PERSONAS = ["anon", "superuser", "county_admin", "county_leader", "task_force", "area_officer",
            "union_chair", "auditor"]
SHORT = dict(zip(PERSONAS, ["an", "su", "ca", "cl", "tf", "ao", "uc", "au"], strict=True))


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield (f"{namespace}{p.name}" if p.name else namespace + prefix + str(p.pattern)), p


def project_urls() -> dict[str, URLPattern]:
    return dict(walk(get_resolver().url_patterns))


@dataclass(frozen=True)
class Row:
    """`get`/`post`: one line "an:302 su:200/200 ... *:403" — persona: code for a URL
    without an object, "in/out" codes for one with an object; '*' covers the rest."""
    get: str
    post: str = ""
    obj: str | None = None  # which object fills the URL's arguments
    query: str = ""

    @staticmethod
    def parse(spec: str) -> dict[str, list[int]]:
        out = {}
        for part in spec.split():
            who, codes = part.split(":")
            out[who] = [int(c) for c in codes.split("/")]
        return out

    def expect(self, method: str) -> dict[str, list[int]]:
        table = self.parse(self.get if method == "GET" else self.post)
        out = {p: table.get(SHORT[p], table.get("*")) for p in PERSONAS}
        # One code on a row with an object: the same inside and outside (e.g. anonymous).
        return {p: codes * 2 if self.obj and codes and len(codes) == 1 else codes
                for p, codes in out.items()}


# Recurring lines.
LOGIN = "an:302"
READ_SCOPED = f"{LOGIN} su:200/200 ca:200/200 cl:200/200 tf:200/404 ao:200/404 uc:200/404 au:404/404"
EDIT_SCOPED = f"{LOGIN} su:200/200 ca:200/200 cl:403/403 tf:200/404 ao:200/404 uc:200/404 au:404/404"
ANY_SIGNED_IN = f"{LOGIN} *:200"
USERS_ADMIN = f"{LOGIN} su:200/200 ca:200/200 *:403/403"
IMPORTERS = f"{LOGIN} su:200 ca:200 tf:200 ao:200 *:403"
CAMPAIGN_READ = f"{LOGIN} uc:404 au:404 *:200"
CAMPAIGN_COUNTY = f"{LOGIN} su:200 ca:200 uc:404 au:404 *:403"
CAMPAIGN_COUNTY_AREA = f"{LOGIN} su:200/200 ca:200/200 cl:403/403 tf:403/404 ao:403/404 uc:404/404 au:404/404"
CAMPAIGN_WRITE = f"{LOGIN} cl:403 uc:404 au:404 *:200"
CAMPAIGN_SCOPED = f"{LOGIN} su:200/200 ca:200/200 cl:200/200 tf:200/404 ao:200/404 uc:404/404 au:404/404"
CAMPAIGN_EDIT = f"{LOGIN} su:200/200 ca:200/200 cl:403/403 tf:200/404 ao:200/404 uc:404/404 au:404/404"
# Supervision: union chairs reach no campaign (404), auditors have no view right (403).
SUP_CAMPAIGN = (f"{LOGIN} su:200/404 ca:200/404 cl:200/404 tf:200/404 ao:200/404 uc:404/404 "
                "au:403/403")
SUP_AREA = f"{LOGIN} su:200/200 ca:200/200 cl:200/200 tf:200/404 ao:200/404 uc:404/404 au:403/403"
SUP_COUNTY_WRITE = (f"{LOGIN} su:200/404 ca:200/404 cl:403/404 tf:403/404 ao:403/404 uc:404/404 "
                    "au:403/403")
JOBS = f"{LOGIN} su:404/404 ca:404/200 tf:404/404 ao:200/404 cl:403/403 uc:403/403 au:403/403"

TABLE: dict[str, Row] = {
    # --- signing in ---------------------------------------------------------------------------
    "login": Row(get="*:200", post="*:200"),
    "login_otp": Row(get="*:302", post="*:302"),
    "logout": Row(get=f"{LOGIN} *:405", post="*:302"),
    "password_change": Row(get=ANY_SIGNED_IN, post=ANY_SIGNED_IN),
    "account_security": Row(get=ANY_SIGNED_IN, post=ANY_SIGNED_IN),
    # The one-time 初始化 page exists only on an empty database (test_firstrun.py).
    "init_page": Row(get="*:302", post="*:302"),
    # --- campaign data ------------------------------------------------------------------------
    "dashboard": Row(get=f"{LOGIN} su:403 au:302 uc:302 *:200"),
    "enterprise_list": Row(get=ANY_SIGNED_IN),
    "enterprise_list?export": Row(get=f"{LOGIN} au:403 *:200", post=f"{LOGIN} au:403 *:200",
                                  query="?export=xlsx"),
    "enterprise_detail": Row(get=READ_SCOPED, obj="enterprise"),
    "enterprise_edit": Row(get=EDIT_SCOPED, post=EDIT_SCOPED, obj="enterprise"),
    "organisation_list": Row(get=ANY_SIGNED_IN),
    "organisation_list?export": Row(get=f"{LOGIN} au:403 *:200", post=f"{LOGIN} au:403 *:200",
                                    query="?export=xlsx"),
    "organisation_detail": Row(get=READ_SCOPED, obj="organisation"),
    "organisation_edit": Row(get=EDIT_SCOPED, post=EDIT_SCOPED, obj="organisation"),
    "member_list": Row(get=ANY_SIGNED_IN),
    "member_list?export": Row(get=f"{LOGIN} au:403 *:200", post=f"{LOGIN} au:403 *:200",
                              query="?export=xlsx"),
    "member_edit": Row(get=EDIT_SCOPED, post=EDIT_SCOPED, obj="member"),
    "member_reveal": Row(
        get=f"{LOGIN} su:200/200 ca:200/200 cl:403/403 tf:403/404 ao:200/404 uc:200/404 au:404/404",
        post=f"{LOGIN} su:200/200 ca:200/200 cl:403/403 tf:403/404 ao:200/404 uc:200/404 au:404/404",
        obj="member"),
    # --- imports ------------------------------------------------------------------------------
    # An empty upload is a bad request for those allowed to import.
    "imports:index": Row(get=IMPORTERS, post=IMPORTERS.replace("200", "400")),
    "imports:template": Row(get=f"{LOGIN} su:200/404 ca:200/404 tf:200/404 ao:200/404 *:403/403",
                            obj="kind"),
    "imports:job": Row(get=JOBS, obj="job"),
    # A finished job: the progress fragment answers 204 (the page reloads itself), there is
    # no marked workbook left to download (test_import_web downloads one), confirm is POST only.
    "imports:progress": Row(get=JOBS.replace("200", "204"), obj="job"),
    "imports:confirm": Row(get=f"{LOGIN} *:405", post=JOBS.replace("200", "302"), obj="job"),
    "imports:workbook": Row(get=JOBS.replace("200", "404"), obj="job"),
    # --- audit --------------------------------------------------------------------------------
    "audit:events": Row(get=f"{LOGIN} su:200 au:200 *:403"),
    "audit:export": Row(get=f"{LOGIN} su:200 au:200 *:403"),
    # --- users --------------------------------------------------------------------------------
    "user_list": Row(get=f"{LOGIN} su:200 ca:200 *:403"),
    "user_add": Row(get=f"{LOGIN} su:200 ca:200 *:403", post=f"{LOGIN} su:200 ca:200 *:403"),
    "user_detail": Row(get=USERS_ADMIN, post=USERS_ADMIN, obj="user"),
    "user_role_remove": Row(get=USERS_ADMIN, post=USERS_ADMIN.replace("200", "302"),
                            obj="user_role"),
    "user_confirm": Row(get=USERS_ADMIN, post=USERS_ADMIN.replace("200", "302"), obj="user_op"),
    # --- campaign (jianhui/campaign) ------------------------------------------------------
    # A union chair and an auditor reach no part of the campaign: its pages are 404 to them.
    "campaign:list": Row(get=f"{LOGIN} au:200 uc:200 *:302"),
    "campaign:detail": Row(get=CAMPAIGN_READ, obj="campaign"),
    "campaign:tasks": Row(get=CAMPAIGN_READ, obj="campaign"),
    # Copying a campaign: who may edit at the campaign's level (the county); an empty form
    # is shown again with its errors.
    "campaign:copy": Row(get=CAMPAIGN_COUNTY, post=CAMPAIGN_COUNTY, obj="campaign"),
    "campaign:trainings": Row(get=CAMPAIGN_READ, obj="campaign"),
    "campaign:training_new": Row(get=CAMPAIGN_WRITE, post=CAMPAIGN_WRITE, obj="campaign"),
    "campaign:training": Row(get=CAMPAIGN_SCOPED, obj="campaign_training"),
    "campaign:analysis": Row(get=CAMPAIGN_READ, obj="campaign"),
    "campaign:analysis?export": Row(get=CAMPAIGN_READ, obj="campaign", query="?export=xlsx"),
    "campaign:survey_list": Row(get=CAMPAIGN_READ, obj="campaign"),
    "campaign:survey_list?export": Row(get=CAMPAIGN_READ, obj="campaign", query="?export=xlsx"),
    "campaign:outreach_list": Row(get=CAMPAIGN_READ, obj="campaign"),
    "campaign:outreach_list?export": Row(get=CAMPAIGN_READ, obj="campaign",
                                         query="?export=xlsx"),
    "campaign:board": Row(get=CAMPAIGN_SCOPED, obj="campaign_area"),
    "campaign:case": Row(get=CAMPAIGN_SCOPED, obj="campaign_case"),
    # The people of an area: the county's to change (an empty POST is an unknown action).
    "campaign:people": Row(get=CAMPAIGN_COUNTY_AREA, post=CAMPAIGN_COUNTY_AREA,
                           obj="campaign_area"),
    "campaign:new_unions": Row(get=CAMPAIGN_SCOPED, obj="campaign_area"),
    # An empty step is refused with a message on the page it redirects to.
    "campaign:record_step": Row(get=f"{LOGIN} *:405/405", post=CAMPAIGN_EDIT.replace("200", "302"),
                                obj="campaign_org"),
    # The matrix's organisations have no evidence uploaded: found nowhere, for anyone.
    "campaign:step_evidence": Row(get=f"{LOGIN} *:404/404", obj="campaign_evidence"),
    # The enterprise page's panel: scoped like the page (a chair's panel is empty).
    "campaign:enterprise_panel": Row(get=READ_SCOPED, obj="enterprise"),
    # The phone forms: an empty POST shows the form's errors; a county leader only reads.
    "campaign:survey": Row(get=CAMPAIGN_EDIT, post=CAMPAIGN_EDIT, obj="campaign_case"),
    "campaign:outreach": Row(get=CAMPAIGN_EDIT, post=CAMPAIGN_EDIT, obj="campaign_case"),
    # POST only; an empty move is refused with a message on the board it redirects to.
    "campaign:move": Row(get=f"{LOGIN} *:405/405",
                         post=CAMPAIGN_EDIT.replace("200", "302"), obj="campaign_case"),
    "campaign:task_done": Row(get=f"{LOGIN} *:405/405",
                              post=CAMPAIGN_EDIT.replace("200", "302"), obj="campaign_task"),
    # --- supervision (an out-of-scope object is another area's; "out" campaign: none such) ----
    "supervision:current": Row(get=f"{LOGIN} au:403 uc:404 *:302"),
    "supervision:bell": Row(get=ANY_SIGNED_IN),
    "supervision:overview": Row(get=SUP_CAMPAIGN, obj="campaign"),
    "supervision:report": Row(get=SUP_AREA, post=SUP_AREA.replace("cl:200/200", "cl:403/403"),
                              obj="report"),
    "supervision:bulletins": Row(get=SUP_CAMPAIGN, post=SUP_COUNTY_WRITE.replace("200", "302"),
                                 obj="campaign"),
    "supervision:bulletin": Row(get=SUP_CAMPAIGN, obj="bulletin"),
    "supervision:bulletin_docx": Row(get=SUP_CAMPAIGN, obj="bulletin"),
    "supervision:inspections": Row(get=SUP_CAMPAIGN, obj="campaign"),
    "supervision:inspection": Row(get=SUP_AREA, obj="inspection", post=(
        f"{LOGIN} su:200/200 ca:200/200 cl:403/403 tf:200/404 ao:403/404 uc:404/404 au:403/403")),
    "supervision:inspection_photo": Row(get=SUP_AREA, obj="photo"),
    "supervision:meetings": Row(get=SUP_CAMPAIGN, post=SUP_COUNTY_WRITE, obj="campaign"),
    "supervision:meeting_material": Row(get=SUP_CAMPAIGN, obj="campaign"),
    "supervision:meeting": Row(get=SUP_CAMPAIGN, post=SUP_COUNTY_WRITE, obj="meeting"),
    "supervision:escalations": Row(get=SUP_CAMPAIGN, post=SUP_COUNTY_WRITE.replace("200", "302"),
                                   obj="campaign"),
    # An empty POST is no known action: a message and back to the page.
    "supervision:escalation": Row(get=SUP_AREA, post=SUP_AREA.replace("200", "302"),
                                  obj="escalation"),
    "supervision:notice_docx": Row(get=SUP_AREA, obj="notice"),
    # --- plumbing -----------------------------------------------------------------------------
    "favicon.ico": Row(get="*:301"),
    "admin/login/": Row(get="*:302", post="*:302"),  # the back office signs in through ours
}

# Every Django admin page: staff only. Personas other than the superuser are not staff and
# land on the login page; the superuser reaches every list and every object's pages.
ADMIN_NAMESPACE = "admin:"
MEMBERS_PER_ENTERPRISE = 1  # conftest: module_few_members


@pytest.fixture(scope="module")
def module_world(module_db, module_few_members):
    """Built once for the module (conftest: module_db) on the demo trimmed to one member per
    enterprise: the rows prove who gets which code, not how long a big export takes."""
    with module_db():
        return _world()


def supervision_objects(gaoxin, kaizhou) -> dict:
    """A bulletin, a meeting, an inspection with a photo and an escalation with a criticism
    notice in each of 高新区 and 凯州新城, in the demo's campaign."""
    import datetime as dt

    from django.core.files.base import ContentFile

    from jianhui.campaign.models import Campaign
    from jianhui.supervision.models import (
        Bulletin,
        Escalation,
        Inspection,
        Meeting,
        StepKind,
        Trigger,
    )
    from jianhui.supervision.schedule import ensure_schedule

    campaign = Campaign.objects.get(key="2023-zj")
    on = dt.date(2023, 8, 1)
    Bulletin.objects.create(campaign=campaign, issue_no=1, on=on, names={}, document=b"PK", content={
        "campaign": campaign.key, "issue_no": 1, "date": "2023-08-01", "total": {
            "jurisdiction": "510623", "since": "2023-07-31", "enterprises": 1, "unionized": 1,
            "standalone": 1, "covered": 0, "establishment_rate": 1.0, "members": 1,
            "membership_rate": 1.0, "unionized_change": 0, "members_change": 0,
            "establishment_rate_change": 0.0},
        "ranking": [], "lagging": [], "new_unionized": [], "missing_reports": []})
    Meeting.objects.create(campaign=campaign, held_on=on)
    ensure_schedule(campaign)
    out = {"campaign": [{"key": campaign.key}, {"key": "no-such"}],
           "bulletin": [{"key": campaign.key, "no": 1}, {"key": campaign.key, "no": 999}],
           "meeting": [{"key": campaign.key, "day": "2023-08-01"},
                       {"key": campaign.key, "day": "2023-01-02"}]}
    for name in ("report", "inspection", "photo", "escalation", "notice"):
        out[name] = []
    for area in (gaoxin, kaizhou):
        where = {"key": campaign.key, "code": area.code, "day": "2023-08-01"}
        inspection = Inspection.objects.get(campaign=campaign, jurisdiction=area, due_on=on)
        photo = inspection.photos.create(file=ContentFile(b"\x89PNG", name="p.png"))
        case = Escalation.objects.create(campaign=campaign, jurisdiction=area,
                                         trigger=Trigger.SLOW, opened_on=on)
        step = case.steps.create(kind=StepKind.CRITICISM, on=on, reason="测试", notice=b"PK")
        out["report"].append(where)
        out["inspection"].append(where)
        out["photo"].append({**where, "photo": photo.pk})
        out["escalation"].append({"key": campaign.key, "pk": case.pk})
        out["notice"].append({"key": campaign.key, "pk": case.pk, "step": step.pk})
    return out


@pytest.fixture
def world(db, module_world, fresh_data_dir):
    return module_world


def _world():
    User = get_user_model()
    demo = Jurisdiction.objects.get(code="510623")
    gaoxin = Jurisdiction.objects.get(code="510623400")
    kaizhou = Jurisdiction.objects.get(code="510623401")
    org = (UnionOrganisation.objects.filter(jurisdiction=gaoxin, kind=OrganisationKind.STANDALONE)
           .order_by("key").first())
    clients, users = {"anon": Client()}, {}
    for persona in PERSONAS[1:]:
        user = users[persona] = User.objects.create_user(
            f"matrix_{persona}", password=None, is_superuser=persona == "superuser",
            is_staff=persona == "superuser")
        if persona in {"county_admin", "county_leader", "auditor"}:
            Assignment.objects.create(user=user, role=persona, jurisdiction=demo)
        elif persona == "union_chair":
            Assignment.objects.create(user=user, role=Role.UNION_CHAIR, jurisdiction=gaoxin,
                                      organisation=org)
        elif persona != "superuser":
            Assignment.objects.create(user=user, role=persona, jurisdiction=gaoxin)
        client = Client()
        client.force_login(user)
        clients[persona] = client
    inside = org.coverages.order_by("start_on").first().enterprise
    outside_org = UnionOrganisation.objects.filter(jurisdiction=kaizhou).order_by("key").first()
    outside = outside_org.coverages.order_by("start_on").first().enterprise
    jobs = [ImportJob.objects.create(user=users[p], kind="members", stored_name="x.csv",
                                     file_name="会员.csv", status=JobStatus.DONE)
            for p in ("area_officer", "county_admin")]
    objects = {
        "enterprise": [{"credit_code": e.credit_code} for e in (inside, outside)],
        "organisation": [{"key": o.key} for o in (org, outside_org)],
        "member": [{"key": Member.objects.filter(enterprise=e).order_by("pk").first().public_key}
                   for e in (inside, outside)],
        "kind": [{"kind": "members"}, {"kind": "nonexistent"}],
        "job": [{"job_id": j.pk} for j in jobs],
        "user": [{"username": "gaoxin"}, {"username": "kaizhou"}],
        "user_role": [{"username": "gaoxin", "code": "510623400"},
                      {"username": "kaizhou", "code": "510623401"}],
        "user_op": [{"username": "gaoxin", "op": "disable"},
                    {"username": "kaizhou", "op": "disable"}],
    }
    from jianhui.campaign.models import Campaign, Outreach, Training

    campaign = "2023-zj"
    held_in = Training.objects.filter(jurisdiction=gaoxin).order_by("pk").first()
    held_out = Training.objects.create(campaign=Campaign.objects.get(key=campaign),
                                       on=held_in.on, place="凯州新城", topic="矩阵测试",
                                       organiser="凯州新城工会", jurisdiction=kaizhou)
    objects.update({
        "campaign": [{"key": campaign}] * 2,  # one campaign: "inside" and "outside" alike
        "campaign_area": [{"key": campaign, "code": j.code} for j in (gaoxin, kaizhou)],
        "campaign_case": [{"key": campaign, "credit_code": e.credit_code}
                          for e in (inside, outside)],
        "campaign_org": [{"key": campaign, "org": o.key} for o in (org, outside_org)],
        "campaign_evidence": [{"key": campaign, "org": o.key, "step": "committee"}
                              for o in (org, outside_org)],
        "campaign_training": [{"key": campaign, "pk": t.pk} for t in (held_in, held_out)],
        "campaign_task": [{"key": campaign, "pk": Outreach.objects.filter(
            enterprise__jurisdiction=j).order_by("pk").first().pk} for j in (gaoxin, kaizhou)],
    })
    assert inside.jurisdiction == gaoxin and outside.jurisdiction == kaizhou
    return clients, objects


def test_every_url_is_in_the_table():
    urls = project_urls()
    named = {name.split("?")[0] for name in TABLE}
    missing = [n for n in urls if n not in named and not n.startswith(ADMIN_NAMESPACE)]
    assert not missing, f"URLs without a row in the authorisation table: {missing}"
    stale = [n for n in named if n not in urls]
    assert not stale, f"rows for URLs that no longer exist: {stale}"


def _url(name: str, kwargs: dict | None) -> str:
    base = name.split("?")[0]
    if "/" in base or "." in base:  # an unnamed pattern: its path is its name
        return "/" + base
    return reverse(base, kwargs=kwargs or None)


class _Undo(Exception):
    pass


def _run(clients, url: str, method: str, persona: str) -> int:
    """The status of one request; whatever a POST changed is undone, so each persona meets
    the same world (one persona's removal of a role cannot turn the next one's into a 404)."""
    client = clients[persona]
    cookies = client.cookies
    client.cookies = SimpleCookie(cookies)  # the clients are shared: a logout stays here
    try:
        if method == "GET":
            return client.get(url).status_code
        with transaction.atomic():
            status = client.post(url).status_code
            raise _Undo
    except _Undo:
        return status
    finally:
        client.cookies = cookies


@pytest.mark.parametrize("name", sorted(TABLE))
def test_matrix(name, world):
    clients, objects = world
    row = TABLE[name]
    if name.startswith("supervision:"):  # made only for the rows that use them
        objects.update(supervision_objects(*Jurisdiction.objects.filter(
            code__in=["510623400", "510623401"]).order_by("code")))
    targets = objects[row.obj] if row.obj else [None]
    failures = []
    for method in ("GET", "POST"):
        if method == "POST" and not row.post:
            continue
        for persona, expected in row.expect(method).items():
            assert expected and len(expected) == len(targets), (name, persona, expected)
            for where, kwargs, want in zip(("in", "out"), targets, expected, strict=False):
                url = _url(name, kwargs) + row.query
                got = _run(clients, url, method, persona)
                if got != want:
                    failures.append(f"{method} {url} as {persona} ({where}): {got}, "
                                    f"expected {want}")
    assert not failures, "\n".join(failures)


def _admin_targets():
    """Every admin URL with its arguments: a real object of its model where it takes one."""
    out = []
    for name, pattern in project_urls().items():
        if not name.startswith(ADMIN_NAMESPACE):
            continue
        out.append((name, pattern))
    return out


def test_admin_is_for_the_superuser_only(world):
    clients, _ = world
    registry = {f"{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}
    superuser_request = RequestFactory().get("/admin/")
    superuser_request.user = get_user_model().objects.get(username="matrix_superuser")
    checked = 0
    for name, pattern in _admin_targets():
        short = name[len(ADMIN_NAMESPACE):]
        if "/" in short or "(" in short:  # unnamed admin patterns (redirects, catch-all)
            continue
        kwargs = {}
        converters = pattern.pattern.converters
        if {"content_type_id", "object_id"} <= set(converters):
            continue  # view_on_site redirects to the object's own page, tested above
        if "object_id" in converters:
            model = registry[short.rsplit("_", 1)[0]]
            obj = model._default_manager.order_by("pk").first()
            if obj is None:
                continue
            kwargs["object_id"] = obj.pk
        if short == "app_list":
            kwargs["app_label"] = "unions"
        if set(converters) - {"object_id"}:
            continue
        url = reverse(name, kwargs=kwargs or None)
        for persona in PERSONAS:
            if persona == "superuser":
                continue
            got = _run(clients, url, "GET", persona)
            assert got == 302, f"GET {url} as {persona}: {got}"
            assert _run(clients, url, "POST", persona) in (302, 403), f"POST {url} as {persona}"
        got = _run(clients, url, "GET", "superuser")
        # Pages a ModelAdmin refuses even the superuser (the audit log and django-axes'
        # records are read-only: no add, change or delete) answer 403.
        action = short.rsplit("_", 1)[-1]
        model_admin = next((a for key, a in ((k, admin.site._registry[m])
                                             for k, m in registry.items())
                            if short.startswith(key + "_")), None)
        refused = model_admin is not None and action in {"add", "delete"} and not getattr(
            model_admin, f"has_{action}_permission")(superuser_request, *(
                [] if action == "add" else [model_admin.model._default_manager.first()]))
        allowed = {403} if refused else {200, 302}
        if (short, got) in {("logout", 405), ("autocomplete", 403)}:
            allowed = {got}  # POST-only logout; autocomplete without its field parameters
        assert got in allowed, f"GET {url} as superuser: {got}, expected {allowed}"
        checked += 1
    assert checked > 30
