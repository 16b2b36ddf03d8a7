"""The authorisation matrix: every URL of the project × every role × an object inside and
outside the role's scope, against one table.

The URL list comes from the resolver, so a page added without a row here fails
`test_every_url_is_in_the_table`. Each row says, per persona, the status expected for a GET
(and, for state-changing views, a POST) on an object inside the persona's scope and on one
outside it. "Inside" is an enterprise (and its union, members) of the 高新区 standalone union
whose chair is the union-chair persona; "outside" is in 凯州新城.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from jianhui.accounts.models import Assignment, Role
from jianhui.enterprises.models import Enterprise
from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import Member, OrganisationKind, UnionOrganisation

PERSONAS = ["anon", "superuser", "county_admin", "county_leader", "task_force", "area_officer",
            "union_chair", "auditor"]


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield f"{namespace}{p.name}" if p.name else prefix + str(p.pattern), p


def project_urls() -> dict[str, URLPattern]:
    return dict(walk(get_resolver().url_patterns))


@dataclass
class Row:
    """Expected statuses. `get`/`post`: persona → "in/out" codes (or one code when the URL
    takes no object). '*' is every persona not listed."""
    kwargs: str | None = None  # which object builder fills the URL's arguments
    get: dict[str, str] = field(default_factory=dict)
    post: dict[str, str] | None = None
    query: str = ""

    def expect(self, method: str, persona: str) -> list[int]:
        table = self.get if method == "GET" else self.post
        spec = table.get(persona, table.get("*"))
        assert spec is not None, f"no {method} expectation for {persona}"
        return [int(c) for c in spec.split("/")]


READ_SCOPED = {"anon": "302/302", "superuser": "200/200", "county_admin": "200/200",
               "county_leader": "200/200", "task_force": "200/404", "area_officer": "200/404",
               "union_chair": "200/404", "auditor": "404/404"}
# POST to a read-only page: Django's function views answer POST like GET.
READ_ONLY_POST = None

TABLE: dict[str, Row] = {
    "login": Row(get={"anon": "200", "*": "200"}),
    "logout": Row(get={"*": "405"}, post={"anon": "302", "*": "302"}),
    "dashboard": Row(get={"anon": "302", "auditor": "403", "*": "200"}),
    "enterprise_list": Row(get={"anon": "302", "auditor": "200", "*": "200"}),
    "enterprise_detail": Row(kwargs="enterprise", get=READ_SCOPED),
    "organisation_list": Row(get={"anon": "302", "*": "200"}),
    "organisation_detail": Row(kwargs="organisation", get=READ_SCOPED),
    "favicon.ico": Row(get={"*": "301"}),
}

# Every Django admin page: staff only. Our personas other than the superuser are not staff
# and land on the admin login page; the superuser reaches every page of every model.
ADMIN_RULE = {"superuser": "200", "*": "302"}
ADMIN_NAMESPACE = "admin:"


@pytest.fixture
def personas(demo):
    User = get_user_model()
    gaoxin = Jurisdiction.objects.get(code="510623400")
    org = (UnionOrganisation.objects.filter(jurisdiction=gaoxin, kind=OrganisationKind.STANDALONE)
           .order_by("key").first())
    clients = {"anon": Client()}
    for persona in PERSONAS[1:]:
        user = User.objects.create_user(f"matrix_{persona}", password=None,
                                        is_superuser=persona == "superuser",
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
    inside_enterprise = org.coverages.order_by("start_on").first().enterprise
    kaizhou = Jurisdiction.objects.get(code="510623401")
    outside_org = UnionOrganisation.objects.filter(jurisdiction=kaizhou).order_by("key").first()
    objects = {
        "enterprise": ({"credit_code": inside_enterprise.credit_code},
                       {"credit_code": outside_org.coverages.first().enterprise.credit_code}),
        "organisation": ({"key": org.key}, {"key": outside_org.key}),
        "member": ({"pk": Member.objects.filter(enterprise=inside_enterprise).first().pk},
                   {"pk": Member.objects.filter(enterprise__jurisdiction=kaizhou).first().pk}),
        "jurisdiction": ({"code": gaoxin.code}, {"code": kaizhou.code}),
    }
    assert Enterprise.objects.get(**objects["enterprise"][0]).jurisdiction == gaoxin
    return clients, objects


def test_every_url_is_in_the_table():
    urls = project_urls()
    missing = [n for n in urls if n not in TABLE and not n.startswith(ADMIN_NAMESPACE)]
    assert not missing, f"URLs without a row in the authorisation table: {missing}"
    stale = [n for n in TABLE if n not in urls]
    assert not stale, f"rows for URLs that no longer exist: {stale}"


def _reverse(name: str, pattern: URLPattern, kwargs: dict | None) -> str:
    from django.urls import reverse

    if name in TABLE or ":" in name:
        return reverse(name, kwargs=kwargs or None)
    return "/" + name


@pytest.mark.parametrize("name", sorted(TABLE))
def test_matrix(name, personas):
    clients, objects = personas
    row = TABLE[name]
    pattern = project_urls()[name]
    targets = objects[row.kwargs] if row.kwargs else (None,)
    failures = []
    for method in ("GET", "POST"):
        if method == "POST" and row.post is None:
            continue
        for persona in PERSONAS:
            expected = row.expect(method, persona)
            assert len(expected) == len(targets), f"{name}: give in/out codes for {persona}"
            for where, kwargs, want in zip(("in", "out"), targets, expected, strict=False):
                url = _reverse(name, pattern, kwargs) + row.query
                client = clients[persona]
                response = client.get(url) if method == "GET" else client.post(url)
                if response.status_code != want:
                    failures.append(f"{method} {url} as {persona} ({where}): "
                                    f"{response.status_code}, expected {want}")
    assert not failures, "\n".join(failures)
