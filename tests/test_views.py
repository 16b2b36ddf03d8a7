"""Pages render in Chinese for each role, everything is behind login, and an area officer
never sees another area's enterprise, organisation or figures."""

from __future__ import annotations

import pytest
from django.test import Client

from jianhui.enterprises.models import Enterprise
from jianhui.unions.models import Member, OrganisationKind, UnionOrganisation

AS_OF = "2023-09-29"


def _enterprise(area: str) -> Enterprise:
    return Enterprise.objects.filter(jurisdiction__name=area, coverages__isnull=False,
                                     members__isnull=False).distinct().order_by("name").first()


@pytest.mark.parametrize("url", ["/", "/enterprises/", "/unions/", "/enterprises/91510623MA6XXXXXX1/"])
def test_every_page_needs_login(db, url):
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_login_page_is_chinese_and_logs_in(db):
    client = Client()
    page = client.get("/accounts/login/")
    assert "登录" in page.content.decode()
    response = client.post("/accounts/login/", {"username": "admin", "password": "Demo-Pass-2023"})
    assert response.status_code == 302
    bad = Client().post("/accounts/login/", {"username": "admin", "password": "wrong-password"})
    assert "用户名或密码不正确" in bad.content.decode()


def test_county_dashboard_shows_the_seed_figures(admin_client):
    html = admin_client.get("/", {"as_of": AS_OF}).content.decode()
    for text in ("164", "161", "98.2%", "96", "15,028", "高新区", "凯州新城", "辑庆镇", "兴隆镇",
                 "建会率", "chart-data", "vendor/echarts/echarts.min.js"):
        assert text in html, text
    assert "https://" not in html and "http://" not in html  # nothing loaded from outside


def test_dashboard_shows_every_figure_the_statistics_define(admin_client):
    """Headline cards for 基层工会委员会 and 联合基层工会; the area table has every figure column
    (employees of unionized enterprises among them), as its Excel export does."""
    import re

    from jianhui.statistics.columns import FIGURE_COLUMNS

    html = admin_client.get("/", {"as_of": AS_OF}).content.decode()
    cards = dict(re.findall(r'data-key="(\w+)"><span class="label">[^<]+</span><b>([^<]+)</b>', html))
    assert (cards["committees"], cards["joint_unions"], cards["federations"]) == ("96", "0", "3")
    table = html[html.index('id="jurisdictions"'):html.index("</thead>")]
    headers = re.findall(r"<th[^>]*>([^<]+)</th>", table)
    assert headers == ["辖区", *FIGURE_COLUMNS.headers()]
    assert {"基层工会委员会", "联合基层工会", "已建会企业职工"} <= set(headers)


def test_dashboard_change_since_previous_day(few_members, admin_client):
    html = admin_client.get("/", {"as_of": "2023-09-29"}).content.decode()
    assert "较前一日" in html
    # Drill down into an area; an unknown code is a 404.
    area = admin_client.get("/", {"as_of": AS_OF, "j": "510623400"}).content.decode()
    assert "中江高新技术产业园区建会入会情况" in area
    assert admin_client.get("/", {"j": "nope"}).status_code == 404


def test_bad_date_falls_back_with_a_message(few_members, admin_client):
    html = admin_client.get("/", {"as_of": "2023-13-45"}).content.decode()
    assert "无法识别" in html


def test_area_officer_dashboard_is_their_area(gaoxin_client):
    html = gaoxin_client.get("/", {"as_of": AS_OF}).content.decode()
    assert "中江高新技术产业园区建会入会情况" in html and ">80<" in html
    assert gaoxin_client.get("/", {"j": "510623"}).status_code == 404
    assert gaoxin_client.get("/", {"j": "510623401"}).status_code == 404


def test_enterprise_list_search_filters_and_pagination(admin_client):
    page = admin_client.get("/enterprises/", {"as_of": AS_OF}).content.decode()
    assert "共 164 条" in page and "第 1 / 4 页" in page
    not_unionized = admin_client.get("/enterprises/", {"as_of": AS_OF, "status": "not_unionized"})
    assert "共 3 条" in not_unionized.content.decode() or not_unionized.context["page"].paginator.count == 3
    standalone = admin_client.get("/enterprises/", {"as_of": AS_OF, "status": "standalone"})
    assert standalone.context["page"].paginator.count == 96
    covered = admin_client.get("/enterprises/", {"as_of": AS_OF, "status": "covered",
                                                 "jurisdiction": "510623117"})
    assert covered.context["page"].paginator.count == 22
    e = Enterprise.objects.order_by("name").first()
    for q in (e.name[-6:], e.credit_code, e.credit_code.lower(), e.name_initials[:6]):
        found = admin_client.get("/enterprises/", {"q": q, "all": "1"}).context["page"]
        assert e in list(found.object_list) or found.paginator.count > 50, q
    micro = admin_client.get("/enterprises/", {"scale": "micro"}).context["page"]
    assert all(x.scale == "micro" for x in micro.object_list)
    empty = admin_client.get("/enterprises/", {"q": "不存在的企业名称"}).content.decode()
    assert "没有符合条件的企业" in empty


def test_enterprise_detail_masks_personal_data(admin_client):
    e = _enterprise("高新区")
    response = admin_client.get(f"/enterprises/{e.credit_code}/")
    html = response.content.decode()
    assert e.name in html and "建会历程" in html and "会员名单" in html
    member = next(m for m in response.context["members"].object_list if m.phone)
    assert member.id_number not in html and member.phone not in html
    assert member.id_number[:6] + "********" + member.id_number[-4:] in html
    assert member.phone[:3] + "****" + member.phone[-4:] in html
    # Each roster row: the closed reveal link and the edit link of that member, once.
    key = member.public_key
    assert html.count(f'hx-get="/members/{key}/reveal/"') == 1
    assert html.count(f'<a href="/members/{key}/edit/">编辑</a>') == 1
    assert f"<td>{member.joined_on.isoformat()}</td>" in html
    # Lower-case codes in the URL find the same enterprise.
    assert admin_client.get(f"/enterprises/{e.credit_code.lower()}/").status_code == 200


def test_area_officer_gets_404_across_areas(gaoxin_client, kaizhou_client):
    mine, theirs = _enterprise("高新区"), _enterprise("凯州新城")
    assert gaoxin_client.get(f"/enterprises/{mine.credit_code}/").status_code == 200
    assert gaoxin_client.get(f"/enterprises/{theirs.credit_code}/").status_code == 404
    assert kaizhou_client.get(f"/enterprises/{mine.credit_code}/").status_code == 404
    listing = gaoxin_client.get("/enterprises/", {"all": "1"}).context["page"]
    assert listing.paginator.count == Enterprise.objects.filter(jurisdiction__name="高新区").count()
    assert gaoxin_client.get("/enterprises/", {"jurisdiction": "510623401"}).status_code == 404
    fed = UnionOrganisation.objects.get(kind=OrganisationKind.FEDERATION, jurisdiction__name="辑庆镇")
    assert gaoxin_client.get(fed.get_absolute_url()).status_code == 404
    own_fed = UnionOrganisation.objects.get(kind=OrganisationKind.FEDERATION,
                                            jurisdiction__name="高新区")
    assert gaoxin_client.get(own_fed.get_absolute_url()).status_code == 200
    orgs = gaoxin_client.get("/unions/", {"all": "1"}).context["page"]
    assert {o.jurisdiction.name for o in orgs.object_list} == {"高新区"}


def test_union_pages(few_members, admin_client):
    fed = UnionOrganisation.objects.get(kind=OrganisationKind.FEDERATION, jurisdiction__name="兴隆镇")
    html = admin_client.get(fed.get_absolute_url(), {"as_of": AS_OF}).content.decode()
    assert fed.name in html and "覆盖企业" in html and "覆盖中" in html
    response = admin_client.get(fed.get_absolute_url(), {"as_of": AS_OF})
    assert response.context["member_count"] == Member.objects.of_organisation(
        fed, __import__("datetime").date(2023, 9, 29)).count() > 0
    listing = admin_client.get("/unions/", {"as_of": AS_OF, "kind": "federation"})
    assert listing.context["page"].paginator.count == 3
    joint = UnionOrganisation.objects.get(kind=OrganisationKind.JOINT)
    assert "已撤销" in admin_client.get(joint.get_absolute_url(), {"as_of": AS_OF}).content.decode()


def test_user_without_role_sees_nothing(db, user_in, django_user_model):
    user = django_user_model.objects.create_user("nobody", password=None)
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 403
    assert client.get("/enterprises/").context["page"].paginator.count == 0


def test_static_assets_are_served_locally(admin_client):
    for path in ("/static/vendor/echarts/echarts.min.js", "/static/vendor/htmx/htmx.min.js",
                 "/static/css/jianhui.css", "/static/js/dashboard.js"):
        assert Client().get(path).status_code == 200, path


@pytest.mark.parametrize("code", [None, "510623400"])
def test_dashboard_needs_at_most_15_queries(admin_client, django_assert_max_num_queries, code):
    """Session, user, roles, the node, its children, the figures of every date (two), the
    warnings, the breadcrumbs: not one query per date or per child."""
    params = {"as_of": "2023-09-29", **({"j": code} if code else {})}
    admin_client.get("/", params)  # warm: the session's first touch
    with django_assert_max_num_queries(15):
        assert admin_client.get("/", params).status_code == 200
