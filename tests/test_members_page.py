"""The member roster /members/: filters, scope, masking, empty states, links from detail pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from jianhui.accounts.models import Role
from jianhui.enterprises.models import Enterprise
from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import Member, OrganisationKind, UnionOrganisation

AS_OF = "2023-09-29"
ON = dt.date(2023, 9, 29)


def listed(client: Client, **params):
    response = client.get("/members/", params)
    assert response.status_code == 200
    return response.context["page"], response.content.decode()


def test_roster_counts_active_members_and_masks_them(admin_client):
    page, html = listed(admin_client, as_of=AS_OF)
    assert page.paginator.count == Member.objects.active(ON).count() == 15028
    assert 'href="/members/" class="on"' in html and "会员名单" in html
    for m in page.object_list:
        assert m.id_number not in html
        assert m.id_number[:6] + "********" + m.id_number[-4:] in html
        if m.phone:
            assert m.phone not in html and m.phone[:3] + "****" + m.phone[-4:] in html


def test_search_by_name_and_by_full_id_number(admin_client):
    someone = Member.objects.order_by("pk").first()
    page, _ = listed(admin_client, q=someone.name, status="all")
    assert page.object_list and all(someone.name in m.name for m in page.object_list)
    page, _ = listed(admin_client, q=someone.id_number.lower(), status="all")
    assert {m.pk for m in page.object_list} == set(
        Member.objects.by_id_number(someone.id_number).values_list("pk", flat=True))
    page, html = listed(admin_client, q="没有这个人")
    assert page.paginator.count == 0 and "没有符合条件的会员" in html


def test_status_and_enterprise_filters(admin_client):
    page, _ = listed(admin_client, as_of=AS_OF, status="left")
    assert page.paginator.count == Member.objects.filter(left_on__lte=ON).count() > 0
    assert all(m.left_on <= ON for m in page.object_list)
    e = Enterprise.objects.filter(members__left_on__isnull=False).order_by("name").first()
    page, html = listed(admin_client, enterprise=e.credit_code.lower(), status="all")
    assert page.paginator.count == Member.objects.filter(enterprise=e).count()
    assert f"企业：<a href=\"{e.get_absolute_url()}\">{e.name}</a>" in html


def test_organisation_filter_matches_the_union_page(few_members, admin_client):
    for fed in UnionOrganisation.objects.filter(kind=OrganisationKind.FEDERATION):
        union_page = admin_client.get(fed.get_absolute_url(), {"as_of": AS_OF})
        page, html = listed(admin_client, organisation=fed.key, as_of=AS_OF)
        assert page.paginator.count == union_page.context["member_count"] > 0
        assert f"/members/?organisation={fed.key}&amp;as_of={AS_OF}" in union_page.content.decode()
        assert all(m.org_key == fed.key for m in page.object_list)


def test_roster_stays_in_scope(gaoxin_client):
    gaoxin = Jurisdiction.objects.get(code="510623400")
    page, _ = listed(gaoxin_client, status="all")
    assert page.paginator.count == Member.objects.filter(
        enterprise__jurisdiction__path__startswith=gaoxin.path).count()
    theirs = Enterprise.objects.filter(jurisdiction__code="510623401",
                                       members__isnull=False).first()
    assert gaoxin_client.get("/members/", {"enterprise": theirs.credit_code}).status_code == 404
    fed = UnionOrganisation.objects.get(kind=OrganisationKind.FEDERATION, jurisdiction__name="辑庆镇")
    assert gaoxin_client.get("/members/", {"organisation": fed.key}).status_code == 404


def test_empty_roster_says_how_to_fill_it(build, user_in):
    client = Client()
    client.force_login(user_in(build.jurisdiction("空白县"), Role.AREA_OFFICER))
    page, html = listed(client)
    assert page.paginator.count == 0 and "还没有会员记录" in html and "导出 Excel" not in html


def test_enterprise_page_links_to_its_roster(admin_client):
    e = Enterprise.objects.filter(members__isnull=False).order_by("name").first()
    html = admin_client.get(e.get_absolute_url(), {"as_of": AS_OF}).content.decode()
    assert f"/members/?enterprise={e.credit_code}&amp;status=all&amp;as_of={AS_OF}" in html


def test_member_list_counts_at_most_the_limit(admin_client, monkeypatch):
    """A list of more rows than the limit says "N+" and offers the pages up to it, without
    counting the whole table (COUNT over a LIMIT subquery)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jianhui.web.pages import BoundedPaginator

    monkeypatch.setattr(BoundedPaginator, "limit", 1000)
    with CaptureQueriesContext(connection) as ctx:
        html = admin_client.get("/members/", {"status": "all"}).content.decode()
    assert "共 1,000+ 名会员" in html and "第 1 / 20 页" in html
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 1001" in sql for sql in counts[:1])
    assert "按录入时间由近到远列出" in html  # not sorted by names over the whole table
    last = admin_client.get("/members/", {"status": "all", "page": 20}).content.decode()
    assert "第 20 / 20 页" in last


@pytest.mark.parametrize("path", ["/members/", "/enterprises/", "/unions/"])
def test_jurisdiction_filter_names_every_jurisdiction_and_keeps_the_choice(admin_client, path):
    """The filter's options (built in one join, not a template loop): every jurisdiction of the
    scope in tree order, towns indented under the county on the roster and the enterprise
    list, the chosen one selected, names escaped."""
    import re

    town = Jurisdiction.objects.filter(parent__isnull=False).order_by("path").first()
    Jurisdiction.objects.filter(pk=town.pk).update(name="<b>镇</b>")
    html = admin_client.get(path, {"jurisdiction": town.code}).content.decode()
    select = html[html.index('<select name="jurisdiction">'):]
    select = select[:select.index("</select>")]
    options = re.findall(r'<option value="(\d*)"( selected)?>([^<]*)', select)
    assert [o[0] for o in options[1:]] == [
        j.code for j in Jurisdiction.objects.all().options()]
    assert [o[0] for o in options if o[1]] == [town.code]
    assert "&lt;b&gt;镇&lt;/b&gt;" in select and "<b>" not in select
    label = dict((o[0], o[2]) for o in options)[town.code]
    assert label.startswith("\u3000") == (path != "/unions/")
