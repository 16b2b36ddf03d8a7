"""Page parts kept until the next write (web/fragments.py, statistics/generation.py): the
dashboard, the lists and an enterprise page are rendered once per write and scope, and every
write the pages show (forms, services, the admin's saves, deletions, rolled-back writes) is seen
on the next request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jianhui.enterprises.models import Enterprise
from jianhui.regions.models import Jurisdiction
from jianhui.statistics import generation
from jianhui.unions.models import Member
from jianhui.web import fragments

AS_OF = "2023-09-29"
PAGES = ["/?j=510623", "/enterprises/", "/members/"]


def html_of(client, path, **params) -> str:
    path, _, query = path.partition("?")
    extra = dict(pair.split("=") for pair in query.split("&") if pair)
    response = client.get(path, {"as_of": AS_OF, **extra, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_a_kept_page_asks_the_database_only_who_is_asking_and_whether_anything_changed(
        admin_client):
    firm = Enterprise.objects.filter(members__isnull=False).order_by("pk").first()
    for path in [*PAGES, firm.get_absolute_url()]:
        first = html_of(admin_client, path)
        with CaptureQueriesContext(connection) as again:
            second = html_of(admin_client, path)
        assert _unmasked(second) == _unmasked(first)
        # session, user, the sign-in gate, the generation token (and the dashboard's root):
        # nothing of the enterprises or members
        tables = " ".join(q["sql"] for q in again.captured_queries)
        assert len(again.captured_queries) <= 5, tables
        assert "enterprises_enterprise" not in tables and "unions_member" not in tables


def test_a_saved_enterprise_shows_on_every_kept_page_at_once(admin_client):
    firm = Enterprise.objects.filter(members__isnull=False).order_by("pk").first()
    pages = [firm.get_absolute_url(), f"/enterprises/?q={firm.credit_code}"]
    for path in pages:
        assert firm.name in html_of(admin_client, path)
    firm.name = "改名后的测试企业有限公司"
    firm.save()
    for path in pages:
        assert "改名后的测试企业有限公司" in html_of(admin_client, path)


def test_a_new_member_changes_the_kept_dashboard_and_roster(admin_client):
    before = html_of(admin_client, "/?j=510623")
    assert "15,028" in before
    firm = Enterprise.objects.filter(members__isnull=False).order_by("pk").first()
    someone = Member.objects.filter(enterprise=firm).order_by("pk").first()
    Member.objects.create(name="新会员甲", id_number=_fresh_id_number(), enterprise=firm,
                          joined_on=dt.date(2023, 9, 1), gender=someone.gender,
                          birth_date=someone.birth_date)
    assert "15,029" in html_of(admin_client, "/?j=510623")
    assert "新会员甲" in html_of(admin_client, "/members/", q="新会员甲")


def test_a_renamed_or_removed_jurisdiction_shows_at_once(admin_client, build):
    county = Jurisdiction.objects.get(code="510623")
    town = build.jurisdiction("临时镇", county)
    assert "临时镇" in html_of(admin_client, "/enterprises/")
    town.name = "改名镇"
    town.save()
    html = html_of(admin_client, "/enterprises/")
    assert "改名镇" in html and "临时镇" not in html
    town.delete()
    assert "改名镇" not in html_of(admin_client, "/enterprises/")


def test_a_rolled_back_write_leaves_no_page_behind(admin_client):
    """The token is random: after a rollback and another write, the kept page of the rolled-
    back data is never found again (a counter would come back to the same value)."""
    firm = Enterprise.objects.filter(members__isnull=False).order_by("pk").first()
    path = firm.get_absolute_url()
    with pytest.raises(RuntimeError), transaction.atomic():
        firm.name = "回滚前的名称"
        firm.save()
        assert "回滚前的名称" in html_of(admin_client, path)
        raise RuntimeError
    firm.refresh_from_db()
    firm.name = "另一次写入的名称"
    firm.save()
    html = html_of(admin_client, path)
    assert "另一次写入的名称" in html and "回滚前的名称" not in html


def test_people_with_other_roles_never_get_each_others_page(admin_client, gaoxin_client):
    """The same address, kept for the county first: 高新区's officer still sees only 高新区."""
    kaizhou = Enterprise.objects.filter(jurisdiction__code="510623401").in_scope(
        dt.date(2023, 9, 29)).order_by("name")
    county_wide = html_of(admin_client, "/enterprises/", jurisdiction="510623401")
    assert kaizhou and all(e.name in county_wide for e in kaizhou[:20])
    refused = gaoxin_client.get("/enterprises/", {"as_of": AS_OF, "jurisdiction": "510623401"})
    assert refused.status_code == 404
    assert not any(e.name in refused.content.decode() for e in kaizhou)
    gaoxin = html_of(gaoxin_client, "/enterprises/")
    assert not any(e.name in gaoxin for e in kaizhou)


def test_a_part_holding_a_csrf_token_or_a_nonce_is_used_once_and_not_kept(rf, admin_client):
    from jianhui.accounts.scope import Scope

    request = rf.get("/enterprises/")
    request.scope = Scope(superuser=True)
    calls = []

    def render(text):
        def inner():
            calls.append(text)
            return {"html": text}
        return inner

    for text in ['<input name="csrfmiddlewaretoken" value="x">', '<script nonce="n">']:
        calls.clear()
        for _ in range(2):
            assert fragments.kept(request, "test", dt.date(2023, 9, 29), render(text)) == {
                "html": text}
        assert calls == [text, text]
    calls.clear()
    for _ in range(2):
        fragments.kept(request, "test", dt.date(2023, 9, 29), render("<p>plain</p>"))
    assert calls == ["<p>plain</p>"]


def test_without_a_token_nothing_is_kept(db):
    from jianhui.statistics.models import Generation

    Generation.objects.all().delete()
    assert generation.current() is None
    calls = []
    for _ in range(2):
        generation.remembered("k", lambda: calls.append(1))
    assert len(calls) == 2
    generation.bump()  # the next write puts a token back
    assert generation.current() is not None


def _unmasked(html: str) -> str:
    """The page without what differs on every request: the masked CSRF token, the CSP nonce."""
    import re

    html = re.sub(r'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]*', r"\1", html)
    return re.sub(r'nonce="[^"]*"', "", html)


def _fresh_id_number() -> str:
    from jianhui.lib.codes import make_id_number

    for seq in range(1, 999, 2):
        candidate = make_id_number("510623", dt.date(1990, 5, 17), seq)
        if not Member.objects.by_id_number(candidate).exists():
            return candidate
    raise AssertionError("no free ID number")


def test_keeping_can_be_switched_off(admin_client, settings):
    settings.JIANHUI_KEEP_PAGES = False
    html_of(admin_client, "/enterprises/")
    with CaptureQueriesContext(connection) as again:
        html_of(admin_client, "/enterprises/")
    tables = " ".join(q["sql"] for q in again.captured_queries)
    assert "enterprises_enterprise" in tables and "statistics_generation" not in tables


def test_an_import_shows_on_the_kept_list_at_once(admin_client, tmp_path):
    """Imports write in bulk (no model signals) and refresh the facts: the same refresh
    replaces the token, so a kept list shows an imported enterprise and a renamed one."""
    from jianhui.imports.samples import write_csv
    from jianhui.imports.services import import_file
    from jianhui.lib.codes import make_credit_code

    header = ["企业名称", "统一社会信用代码", "所属辖区", "职工人数", "经营状态", "成立日期"]
    firm = Enterprise.objects.filter(jurisdiction__name="辑庆镇").order_by("pk").first()
    before = html_of(admin_client, "/enterprises/", jurisdiction="510623117")
    assert firm.name in before and "新导入的测试企业" not in before
    rows = [["新导入的测试企业", make_credit_code("91510623MA0000777"), "辑庆镇", 30, "在营",
             "2020-01-01"],
            ["导入改名的测试企业", firm.credit_code, "辑庆镇", firm.employees, "在营",
             firm.founded_on.isoformat() if firm.founded_on else ""]]
    report = import_file("enterprises", write_csv(tmp_path / "e.csv", header, rows))
    assert not report.errors, report.errors
    after = html_of(admin_client, "/enterprises/", jurisdiction="510623117")
    assert "新导入的测试企业" in after and "导入改名的测试企业" in after
    assert f">{firm.name}</a>" not in after and f">{firm.name}</a>" in before
