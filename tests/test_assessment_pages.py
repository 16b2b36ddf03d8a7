"""The assessment's pages: the ranking shows every unit's total but per-indicator points only
for the units the user reaches; a breakdown outside the scope is a 404; an objection goes from
the area's officer to the county and back through the pages; the county's steps need a
confirmation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from jianhui.assessment import scoring, services
from jianhui.assessment.models import ManualScore, Objection, Outcome, Scheme, Status, UnitKind
from jianhui.unions.models import OrganisationKind, UnionOrganisation


@pytest.fixture
def chair_client(db) -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="chair"))
    return client


def test_area_officer_sees_own_breakdown_and_only_totals_of_others(gaoxin_client):
    page = gaoxin_client.get("/assessment/2023/")
    assert page.status_code == 200
    html = page.content.decode()
    rows = {line.split("</td>")[1]: line for line in html.split("<tr")
            if "<td>" in line and "</td>" in line}
    own = next(v for k, v in rows.items() if "高新区" in k)
    other = next(v for k, v in rows.items() if "凯州新城" in k)
    assert 'href="/assessment/2023/area/510623400/"' in own and "只公布" not in own
    assert "只公布总分、名次和等级" in other and "/assessment/2023/area/510623401/" not in other
    kaizhou = Scheme.objects.get(key="2023").units.get(kind=UnitKind.AREA, code="510623401")
    assert f"{kaizhou.total:.2f}" in other  # its total is public
    assert gaoxin_client.get("/assessment/2023/area/510623400/").status_code == 200
    assert gaoxin_client.get("/assessment/2023/area/510623401/").status_code == 404
    kaizhou_org = Scheme.objects.get(key="2023").units.filter(
        kind=UnitKind.ORGANISATION, code__startswith="510623401-").first()
    assert gaoxin_client.get(kaizhou_org.get_absolute_url()).status_code == 404


def test_union_chair_sees_only_own_union(chair_client):
    scheme = Scheme.objects.get(key="2023")
    own = UnionOrganisation.objects.filter(jurisdiction__code="510623400",
                                           kind=OrganisationKind.STANDALONE).order_by("key")[0]
    mine = scheme.units.get(kind=UnitKind.ORGANISATION, code=own.key)
    assert chair_client.get(mine.get_absolute_url()).status_code == 200
    other = scheme.units.filter(kind=UnitKind.ORGANISATION).exclude(pk=mine.pk).first()
    assert chair_client.get(other.get_absolute_url()).status_code == 404
    assert chair_client.get("/assessment/2023/area/510623400/").status_code == 404
    assert chair_client.get("/assessment/2023/").status_code == 200


def test_breakdown_explains_each_score(admin_client):
    html = admin_client.get("/assessment/2023/area/510623117/").content.decode()
    assert "建会率 = 已建会 28 家 ÷ 在册 28 家 = 100.0%" in html
    assert "/enterprises/?jurisdiction=510623117&amp;status=unionized&amp;as_of=2023-12-31" in html
    assert "评分人：陈建国" in html and "异议成立，已更正" in html  # the demo's objection
    assert "经复核，第四季度联席会议纪要属实" in html


def test_ranking_export(admin_client):
    from io import BytesIO

    from openpyxl import load_workbook

    response = admin_client.get("/assessment/2023/?export=xlsx")
    assert response.status_code == 200
    ws = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1] == ("类别", "名次", "单位", "编号", "所属片区", "总分", "等级")
    assert rows[2][:4] == ("园区/乡镇", 1, "辑庆镇", "510623117")
    assert len(rows) == 2 + Scheme.objects.get(key="2023").units.count()


@pytest.fixture
def published(demo):
    scheme = services.copy_scheme(Scheme.objects.get(key="2023"), key="2024")
    scoring.run(scheme)
    party = scheme.indicators.get(code="party")
    for unit in scheme.units.filter(kind=UnitKind.AREA):
        services.set_manual_score(party, unit, points=Decimal(12), assessor="陈建国",
                                  reason="查阅资料")
    services.publish(scheme, objection_deadline=dt.date(2099, 1, 1))
    return scheme


def test_objection_round_trip_through_the_pages(published, gaoxin_client, kaizhou_client,
                                               admin_client):
    url = "/assessment/2024/area/510623400/"
    assert 'id="object-form"' in gaoxin_client.get(url).content.decode()
    # Another area cannot object for 高新区 (not even see it).
    assert kaizhou_client.post(url + "objection/", {"indicator": "party",
                                                    "reason": "x"}).status_code == 404
    r = gaoxin_client.post(url + "objection/", {"indicator": "party", "reason": ""})
    assert r.status_code == 302 and not Objection.objects.filter(unit__scheme=published).exists()
    gaoxin_client.post(url + "objection/", {"indicator": "party",
                                            "reason": "联席会议纪要已补交，请复核。"})
    objection = Objection.objects.get(unit__scheme=published)
    assert objection.is_open and objection.filed_by.username == "gaoxin"
    # The officer cannot answer their own objection; the county can.
    answer = f"/assessment/2024/objections/{objection.pk}/answer/"
    assert gaoxin_client.post(answer, {"outcome": "rejected", "reply": "x"}).status_code == 403
    admin_client.post(answer, {"outcome": Outcome.UPHELD, "reply": "纪要属实，更正为 14 分。",
                               "corrected_points": "14", "assessor": "陈建国"})
    objection.refresh_from_db()
    assert objection.outcome == Outcome.UPHELD
    unit = published.units.get(kind=UnitKind.AREA, code="510623400")
    assert unit.scores.get(indicator__code="party").points == 14
    html = gaoxin_client.get(url).content.decode()
    assert "纪要属实，更正为 14 分。" in html and "异议成立，已更正" in html


def test_lock_needs_confirmation_and_the_leader(published, demo, user_in):
    from django.contrib.auth import get_user_model

    from jianhui.accounts.models import Role

    leader, county_admin = Client(), Client()
    leader.force_login(get_user_model().objects.get(username="leader"))
    county_admin.force_login(user_in(demo, Role.COUNTY_ADMIN))
    assert county_admin.get("/assessment/2024/step/lock/").status_code == 403
    page = leader.get("/assessment/2024/step/lock/")
    assert page.status_code == 200 and "此操作不能撤销" in page.content.decode()
    leader.post("/assessment/2024/step/lock/")  # no confirmation: nothing happens
    assert Scheme.objects.get(key="2024").status == Status.PUBLISHED
    leader.post("/assessment/2024/step/lock/", {"confirm": "yes"})
    assert Scheme.objects.get(key="2024").status == Status.LOCKED


def test_results_notice_docx(admin_client):
    from jianhui.documents import read_text

    response = admin_client.get("/assessment/2023/notice.docx")
    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert "filename*=utf-8''2023" in response["Content-Disposition"]
    text = "\n".join(read_text(response.content))
    assert "中江县总工会文件" in text
    assert "关于2023年度建会入会专项考核结果的通报" in text and "公示稿" not in text
    scheme = Scheme.objects.get(key="2023")
    for unit in scheme.units.filter(kind=UnitKind.AREA):  # the areas' table, stored results
        assert f"{unit.rank}\t{unit.name}\t{unit.total:.2f}\t{unit.get_grade_display()}" in text
    fails = scheme.units.filter(kind=UnitKind.ORGANISATION, grade="fail").count()
    assert f"不合格{fails}个" in text


def test_demo_tilt_plan_and_accountability(admin_client):
    scheme = Scheme.objects.get(key="2023")
    top = scheme.units.filter(kind=UnitKind.ORGANISATION, rank__lte=scheme.tilt_top_n)
    assert top.count() >= 3 and all(u.tilt.funds > 0 for u in top)
    failed = scheme.units.filter(kind=UnitKind.ORGANISATION, grade="fail")
    assert failed.exists() and all(u.accountability.exists() for u in failed)
    html = admin_client.get(failed.first().get_absolute_url()).content.decode()
    assert "限期整改" in html and "入会率偏低" in html
    ranking = admin_client.get("/assessment/2023/").content.decode()
    assert 'id="tilt"' in ranking and "50,000" in ranking


def test_tilt_only_for_the_top_and_accountability_only_for_fails(demo):
    from django.core.exceptions import ValidationError

    scheme = Scheme.objects.get(key="2023")
    fourth = scheme.units.filter(kind=UnitKind.ORGANISATION, rank__gt=scheme.tilt_top_n).first()
    with pytest.raises(ValidationError, match="不在前 3 名之内"):
        services.set_tilt(fourth, staff_positions=1, funds=Decimal(1))
    passed = scheme.units.get(kind=UnitKind.AREA, code="510623400")
    with pytest.raises(ValidationError, match="只有不合格单位需要问责"):
        services.hold_accountable(passed, measure="talk", decided_on=dt.date(2024, 1, 1),
                                  note="x")


@pytest.fixture
def draft(demo):
    scheme = services.copy_scheme(Scheme.objects.get(key="2023"), key="2024")
    scoring.run(scheme)
    return scheme


def test_manual_score_with_evidence_through_the_page(draft, admin_client, gaoxin_client,
                                                     kaizhou_client, fresh_data_dir):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = "/assessment/2024/area/510623400/"
    post = url + "score/party/"
    assert f'action="{post}"' in admin_client.get(url).content.decode()
    assert post not in gaoxin_client.get(url).content.decode()  # the area cannot score itself
    assert gaoxin_client.post(post, {"points": "15", "assessor": "我", "reason": "x"}
                              ).status_code == 403
    assert admin_client.post(url + "score/completion/", {"points": "1"}).status_code == 404

    def refused(data: dict, message: str) -> None:
        page = admin_client.post(post, data, follow=True).content.decode()
        assert message in page, message
        assert not ManualScore.objects.filter(indicator__scheme=draft).exists()

    ok = {"points": "13.5", "assessor": "陈建国", "reason": "联席会议纪要齐全。"}
    refused({**ok, "reason": " "}, "请填写评分理由")
    refused({**ok, "assessor": ""}, "请填写评分人姓名")
    refused({**ok, "points": "16"}, "应在 0 至 15 之间，收到 16")
    refused({**ok, "points": "十三"}, "分数“十三”不是数字")
    refused({**ok, "evidence": [SimpleUploadedFile("a.exe", b"MZ")]}, "不支持的文件类型“.exe”")
    minutes = b"%PDF-1.4 minutes"
    admin_client.post(post, {**ok, "evidence": [SimpleUploadedFile("纪要.pdf", minutes),
                                                SimpleUploadedFile("签到.jpg", b"\xff\xd8")]})
    manual = ManualScore.objects.get(indicator__scheme=draft)
    assert (manual.points, manual.assessor, manual.by.username) == (Decimal("13.5"), "陈建国",
                                                                   "admin")
    first = manual.evidence.get(name="纪要.pdf")
    # Counted from the next run: the breakdown and the ranking say so until then.
    html = admin_client.get(url).content.decode()
    assert "已录入 13.5 分" in html and f"{url}evidence/{first.pk}/" in html
    assert "1 项评审打分" in admin_client.get("/assessment/2024/").content.decode()
    # The evidence is read by whoever reads the breakdown: the area itself, not another.
    assert b"".join(gaoxin_client.get(f"{url}evidence/{first.pk}/").streaming_content) == minutes
    assert kaizhou_client.get(f"{url}evidence/{first.pk}/").status_code == 404
    scoring.run(draft)
    unit = draft.units.get(kind=UnitKind.AREA, code="510623400")
    score = unit.scores.get(indicator__code="party")
    assert (score.points, score.assessor, score.reason) == (Decimal("13.5"), "陈建国",
                                                            "联席会议纪要齐全。")
    assert "已录入" not in admin_client.get(url).content.decode()
    # Published: a score changes only through an answered objection.
    for other in draft.units.filter(kind=UnitKind.AREA).exclude(pk=unit.pk):
        services.set_manual_score(score.indicator, other, points=Decimal(12), assessor="陈建国",
                                  reason="查阅资料")
    services.publish(draft)
    page = admin_client.post(post, {**ok, "points": "15"}, follow=True).content.decode()
    assert "评分只能通过答复异议更正" in page
    assert ManualScore.objects.get(indicator__scheme=draft, unit=unit).points == Decimal("13.5")
    assert post not in page


def test_copy_from_last_year_through_the_page(demo, admin_client, gaoxin_client):
    page = admin_client.get("/assessment/2023/step/copy/").content.decode()
    assert 'value="2024"' in page and "2024年度建会入会专项考核" in page
    assert gaoxin_client.get("/assessment/2023/step/copy/").status_code == 403
    taken = admin_client.post("/assessment/2023/step/copy/", {"confirm": "yes", "key": "2023"},
                              follow=True).content.decode()
    assert "方案编号“2023”已被使用" in taken and Scheme.objects.count() == 1
    r = admin_client.post("/assessment/2023/step/copy/", {"confirm": "yes", "key": "2024",
                                                          "name": ""})
    assert r.status_code == 302 and r["Location"] == "/assessment/2024/"
    new = Scheme.objects.get(key="2024")
    assert (new.status, new.as_of, new.copied_from.key) == (Status.DRAFT, dt.date(2024, 12, 31),
                                                           "2023")
    assert new.indicators.count() == Scheme.objects.get(key="2023").indicators.count()
    assert "尚未计分" in admin_client.get("/assessment/2024/").content.decode()


def test_the_county_answers_objections_but_does_not_file_them(published, admin_client):
    url = "/assessment/2024/area/510623400/"
    assert 'id="object-form"' not in admin_client.get(url).content.decode()
    r = admin_client.post(url + "objection/", {"indicator": "party", "reason": "代为提出"})
    assert r.status_code == 403 and not Objection.objects.filter(unit__scheme=published).exists()


def _edit_data(scheme) -> dict:
    """The edit page's form as the browser would send it back unchanged."""
    from jianhui.assessment.forms import SchemeForm, indicators_formset

    indicators = indicators_formset(scheme)(instance=scheme, prefix="ind")
    data = {}
    for form in (SchemeForm(instance=scheme), indicators.management_form, *indicators.forms):
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def test_the_county_sets_up_a_draft_scheme(draft, admin_client, gaoxin_client):
    url = "/assessment/2024/edit/"
    assert gaoxin_client.get(url).status_code == 403
    page = admin_client.get(url).content.decode()
    assert "目标任务完成进度" in page and "（评审打分，不选）" in page
    data = _edit_data(draft)
    n = next(k.split("-")[1] for k, v in data.items() if v == "reports")
    # 5 points moved off 日报按时报送 without adding them elsewhere: refused, nothing saved.
    page = admin_client.post(url, {**data, f"ind-{n}-weight": "0"}).content.decode()
    assert "园区/乡镇的计分指标权重合计为 95" in page
    assert draft.indicators.get(code="reports").weight == 5
    completion = next(k.split("-")[1] for k, v in data.items() if v == "completion")
    r = admin_client.post(url, {**data, f"ind-{n}-DELETE": "on",
                                f"ind-{completion}-weight": "45", "name": "2024年度考核",
                                "tilt_top_n": "5"})
    assert r.status_code == 302
    draft.refresh_from_db()
    assert (draft.name, draft.tilt_top_n) == ("2024年度考核", 5)
    assert not draft.indicators.filter(code="reports").exists()
    assert draft.indicators.get(code="completion").weight == 45
    # Published (or locked): the rules no longer change.
    r = admin_client.get("/assessment/2023/edit/", follow=True)
    assert "指标和规则不再修改" in r.content.decode()


def test_publish_with_an_objection_deadline(draft, admin_client):
    party = draft.indicators.get(code="party")
    for unit in draft.units.filter(kind=UnitKind.AREA):
        services.set_manual_score(party, unit, points=Decimal(12), assessor="陈建国",
                                  reason="查阅资料")
    page = admin_client.get("/assessment/2024/step/publish/").content.decode()
    assert 'name="objection_deadline"' in page
    bad = admin_client.post("/assessment/2024/step/publish/",
                            {"confirm": "yes", "objection_deadline": "2025-02-30"}, follow=True)
    assert "不是有效日期" in bad.content.decode()
    assert Scheme.objects.get(key="2024").status == Status.DRAFT
    admin_client.post("/assessment/2024/step/publish/",
                      {"confirm": "yes", "objection_deadline": "2025-01-15"})
    published = Scheme.objects.get(key="2024")
    assert (published.status, published.objection_deadline) == (Status.PUBLISHED,
                                                                 dt.date(2025, 1, 15))
    assert "异议截止 2025-01-15" in admin_client.get("/assessment/2024/").content.decode()


def test_a_new_scheme_from_scratch(demo, admin_client, gaoxin_client):
    assert "新建方案" in admin_client.get("/assessment/").content.decode()
    assert "新建方案" not in gaoxin_client.get("/assessment/").content.decode()
    assert gaoxin_client.get("/assessment/new/").status_code == 403
    data = {"key": "new", "name": "2024年度考核", "year": "2024", "as_of": "2024-12-31",
            "campaign": Scheme.objects.get(key="2023").campaign_id}
    page = admin_client.post("/assessment/new/", data).content.decode()
    assert "“new”是系统保留的地址" in page and not Scheme.objects.filter(key="new").exists()
    r = admin_client.post("/assessment/new/", {**data, "key": "2024"})
    assert r.status_code == 302 and r["Location"] == "/assessment/2024/edit/"
    scheme = Scheme.objects.get(key="2024")
    assert (scheme.status, scheme.indicators.count()) == (Status.DRAFT, 0)
    # Six empty lines to fill at once: the weights must add up to 100 in one save.
    page = admin_client.get("/assessment/2024/edit/").content.decode()
    assert 'name="ind-TOTAL_FORMS" value="6"' in page
