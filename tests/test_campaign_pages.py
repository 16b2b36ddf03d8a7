"""The campaign's pages on the demo county: the campaign page agrees with `jianhui stats` and
`jianhui progress`, lagging targets are red, the work board shows stages as of a date, a card
moves only with a note, the phone forms write through the services, an officer reaches only
their own area's cases (404 elsewhere), and the demo's field work leaves the seed's figures as
they were."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.core.management import call_command

from jianhui import statistics
from jianhui.campaign.models import (
    Attendance,
    Campaign,
    Case,
    Flag,
    FoundingStep,
    Outreach,
    Stage,
    StageChange,
    SurveyVisit,
    Training,
)
from jianhui.enterprises.models import EmployeeSurvey, Enterprise
from jianhui.regions.models import Jurisdiction

KEY = "2023-zj"
DAY = "2023-09-29"
GAOXIN, KAIZHOU = "510623400", "510623401"


def _json(command: str, *args: str) -> dict:
    out = io.StringIO()
    call_command(command, "--json", *args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def _refusers():
    """The three enterprises of 高新区 that refused (not unionized on the seed's day)."""
    return list(Enterprise.objects.filter(jurisdiction__code=GAOXIN, campaign_cases__flag__in=[
        Flag.REFUSED, Flag.DEFERRED]).order_by("credit_code"))


def _kaizhou_firm():
    return Enterprise.objects.filter(jurisdiction__code=KAIZHOU).order_by("credit_code").first()


# --- the campaign page ---------------------------------------------------------------------

def test_campaign_page_agrees_with_stats_and_progress(admin_client, demo):
    html = admin_client.get(f"/campaign/{KEY}/?as_of={DAY}").content.decode()
    stats = _json("stats", "--as-of", DAY)["total"]
    headline = dict(re.findall(r'data-key="(\w+)"><span class="label">[^<]*</span><b>([^<]+)</b>',
                               html))
    assert headline["enterprises"] == str(stats["enterprises"]) == "164"
    assert headline["unionized"] == "161" and headline["establishment_rate"] == "98.2%"
    assert headline["members"] == "15,028" and headline["federations"] == "3"
    progress = _json("progress", "--as-of", DAY)
    rows = re.findall(r'<tr class="(lagging)?" data-code="(\d+)" data-kind="(\w+)">', html)
    assert [(c, k) for _, c, k in rows] == [(r["code"], r["target_kind"])
                                            for r in progress["rows"]]
    assert not any(lag for lag, _, _ in rows)  # every target met on the seed's day
    assert "高新区" in html and "陈建国" in html and "第一督导专班" in html


def test_lagging_targets_are_red(admin_client, demo):
    html = admin_client.get(f"/campaign/{KEY}/?as_of=2023-06-30").content.decode()
    progress = _json("progress", "--as-of", "2023-06-30")
    lagging = [r for r in progress["rows"] if r["lagging"]]
    assert lagging, "the demo lags mid-year"
    assert html.count('<tr class="lagging"') == len(lagging)
    assert html.count('<span class="tag red">滞后</span>') == len(lagging)
    # The page's 时序进度 is the one of `jianhui progress`: 273 of 365 days → 74.8%.
    assert lagging[0]["time_progress"] == 273 / 365 and "74.8%" in html


def test_progress_json_shows_every_area_and_agrees_with_stats(demo):
    progress = _json("progress", "--as-of", DAY)
    stats = {r["code"]: r for r in _json("stats", "--as-of", DAY)["jurisdictions"]}
    assert progress["campaign"] == KEY and progress["as_of"] == DAY
    areas = {j.code for j in Jurisdiction.objects.filter(campaign_areas__campaign__key=KEY)}
    assert areas <= {r["code"] for r in progress["rows"]}
    for r in progress["rows"]:
        assert isinstance(r["completion"], float) and r["completion"] >= 1
        assert r["achieved"] == stats[r["code"]][r["target_kind"]]


def test_officer_sees_only_their_area(gaoxin_client, demo):
    html = gaoxin_client.get(f"/campaign/{KEY}/?as_of={DAY}").content.decode()
    codes = set(re.findall(r'data-code="(\d+)"', html))
    assert codes == {GAOXIN}
    assert "凯州新城建会" not in html
    firm = _kaizhou_firm()
    for url in (f"/campaign/{KEY}/areas/{KAIZHOU}/", f"/campaign/{KEY}/cases/{firm.credit_code}/",
                f"/campaign/{KEY}/cases/{firm.credit_code}/survey/",
                f"/campaign/{KEY}/cases/{firm.credit_code}/outreach/"):
        assert gaoxin_client.get(url).status_code == 404, url
    before = StageChange.objects.count()
    response = gaoxin_client.post(f"/campaign/{KEY}/cases/{firm.credit_code}/move/",
                                  {"stage": Stage.AGREED, "on": DAY, "note": "越权"})
    assert response.status_code == 404 and StageChange.objects.count() == before
    response = gaoxin_client.post(f"/campaign/{KEY}/cases/{firm.credit_code}/survey/",
                                  {"surveyed_on": DAY, "surveyor": "某", "employees": 1,
                                   "willingness": "willing"})
    assert response.status_code == 404


# --- the work board ------------------------------------------------------------------------

def _column(html: str, stage: str) -> str:
    start = html.index(f'data-stage="{stage}"')
    end = html.find('<section class="column"', start)
    return html[start:end if end > 0 else None]


def test_board_shows_the_stages_as_of_a_date(gaoxin_client, demo):
    names = [e.name for e in _refusers()]
    assert len(names) == 3
    early = gaoxin_client.get(f"/campaign/{KEY}/areas/{GAOXIN}/?as_of=2022-12-31").content.decode()
    late = gaoxin_client.get(f"/campaign/{KEY}/areas/{GAOXIN}/?as_of={DAY}").content.decode()
    assert all(n in _column(early, Stage.SURVEYED) for n in names)
    assert all(n in _column(late, Stage.CONTACTED) for n in names)
    assert "拒绝" in late and "暂缓" in late and "担心增加成本" in late
    assert "未建会企业 3 家，已建会 77 家" in late


def test_moving_a_card_needs_a_note_and_records_who(gaoxin_client, demo):
    firm = _refusers()[0]
    url = f"/campaign/{KEY}/cases/{firm.credit_code}/move/?as_of={DAY}"
    headers = {"HX-Request": "true"}
    before = StageChange.objects.count()
    response = gaoxin_client.post(url, {"stage": Stage.AGREED, "on": DAY, "note": " "},
                                  headers=headers)
    assert response.status_code == 200 and StageChange.objects.count() == before
    assert "请填写说明" in response.content.decode()
    response = gaoxin_client.post(url, {"stage": Stage.AGREED, "on": DAY, "flag": "",
                                        "note": "老板回乡，同意建会"}, headers=headers)
    assert response.status_code == 200 and response["HX-Retarget"] == "#board"
    change = StageChange.objects.latest("pk")
    assert (change.stage, change.flag, change.by.username) == (Stage.AGREED, "", "gaoxin")
    assert firm.name in _column(response.content.decode(), Stage.AGREED)
    assert Case.objects.get(campaign__key=KEY, enterprise=firm).stage == Stage.AGREED
    # Without htmx: a redirect to the board, and the case page lists the change.
    response = gaoxin_client.post(url, {"stage": Stage.PREPARING, "on": DAY, "note": "筹备组成立"})
    assert response.status_code == 302 and response["Location"].endswith(f"/areas/{GAOXIN}/")
    html = gaoxin_client.get(f"/campaign/{KEY}/cases/{firm.credit_code}/").content.decode()
    assert "筹备组成立" in html and "老板回乡，同意建会" in html


def test_a_county_leader_reads_but_cannot_move(demo, user_in):
    from django.test import Client

    from jianhui.accounts.models import Role

    client = Client()
    client.force_login(user_in(demo, Role.COUNTY_LEADER))
    firm = _refusers()[0]
    assert client.get(f"/campaign/{KEY}/areas/{GAOXIN}/").status_code == 200
    assert "调整阶段" not in client.get(f"/campaign/{KEY}/areas/{GAOXIN}/").content.decode()
    response = client.post(f"/campaign/{KEY}/cases/{firm.credit_code}/move/",
                           {"stage": Stage.AGREED, "on": DAY, "note": "x"})
    assert response.status_code == 403


# --- field work on the phone ---------------------------------------------------------------

def test_survey_form_writes_the_employee_figure_the_statistics_use(gaoxin_client, demo):
    firm = _refusers()[1]
    gaoxin = Jurisdiction.objects.get(code=GAOXIN)
    on = dt.date.today()
    before = statistics.totals(on, gaoxin).employees
    employees_before = Enterprise.objects.with_employees(on).get(pk=firm.pk).employees_on
    response = gaoxin_client.post(f"/campaign/{KEY}/cases/{firm.credit_code}/survey/", {
        "surveyed_on": on.isoformat(), "surveyor": "周丽", "employees": employees_before + 10,
        "female_employees": 3, "willingness": "undecided", "route": "own",
        "concerns": ["cost", "other"], "concern_note": "怕每月多交经费", "note": "复核"})
    assert response.status_code == 302
    visit = SurveyVisit.objects.get(survey__enterprise=firm, survey__surveyed_on=on)
    assert visit.by.username == "gaoxin" and visit.campaign.key == KEY
    assert statistics.totals(on, gaoxin).employees == before + 10
    case = Case.objects.get(campaign__key=KEY, enterprise=firm)
    assert (case.concerns, case.concern_note) == (["cost", "other"], "怕每月多交经费")
    # A second survey the same day is refused with the reason, on the form.
    response = gaoxin_client.post(f"/campaign/{KEY}/cases/{firm.credit_code}/survey/", {
        "surveyed_on": on.isoformat(), "surveyor": "周丽", "employees": 5,
        "willingness": "willing"})
    assert response.status_code == 200 and "同一天只记一次" in response.content.decode()
    response = gaoxin_client.post(f"/campaign/{KEY}/cases/{firm.credit_code}/survey/", {
        "surveyed_on": (on - dt.timedelta(days=1)).isoformat(), "surveyor": "周丽",
        "employees": 5, "female_employees": 9, "willingness": "willing"})
    assert "女职工人数（9）不能多于职工人数（5）" in response.content.decode()
    assert not EmployeeSurvey.objects.filter(enterprise=firm, employees=5).exists()


def test_outreach_form_feeds_my_tasks(gaoxin_client, demo):
    firm = _refusers()[2]
    today = dt.date.today()
    due = today - dt.timedelta(days=1)
    response = gaoxin_client.post(f"/campaign/{KEY}/cases/{firm.credit_code}/outreach/", {
        "kind": "visit", "on": (today - dt.timedelta(days=3)).isoformat(), "by_name": "周丽",
        "outcome": "老板答应下周见面", "next_step": "约老板面谈", "next_due": due.isoformat()})
    assert response.status_code == 302
    html = gaoxin_client.get(f"/campaign/{KEY}/tasks/").content.decode()
    mine = html[html.index('id="my-tasks"'):html.index("辖区内其他待办")]
    assert "约老板面谈" in mine and "逾期" in mine
    outreach = Outreach.objects.get(enterprise=firm, next_step="约老板面谈")
    assert gaoxin_client.post(f"/campaign/{KEY}/tasks/{outreach.pk}/done/").status_code == 302
    outreach.refresh_from_db()
    assert outreach.next_done_on == today
    response = gaoxin_client.post(f"/campaign/{KEY}/cases/{firm.credit_code}/outreach/", {
        "kind": "phone", "on": today.isoformat(), "by_name": "周丽", "outcome": "电话",
        "next_due": today.isoformat()})
    assert "请写明下一步做什么" in response.content.decode()


def test_records_lists_and_their_exports(admin_client, gaoxin_client, demo):
    html = gaoxin_client.get(f"/campaign/{KEY}/surveys/").content.decode()
    assert "共 80 条" in html  # every enterprise of 高新区 surveyed, nothing of other areas
    response = admin_client.get(f"/campaign/{KEY}/outreach/?export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


# --- the demo's field work -----------------------------------------------------------------

def test_demo_field_work_is_complete_and_consistent(demo):
    campaign = Campaign.objects.get(key=KEY)
    on = dt.date(2023, 9, 29)
    in_scope = Enterprise.objects.filter(jurisdiction__path__startswith=demo.path).in_scope(on)
    assert in_scope.count() == 164
    assert SurveyVisit.objects.filter(campaign=campaign,
                                      survey__enterprise__in=in_scope).count() == 164
    refusers = _refusers()
    assert len(refusers) == 3 and all(Case.objects.get(enterprise=e).concerns for e in refusers)
    assert Training.objects.filter(campaign=campaign).count() == 2
    assert Attendance.objects.filter(training__campaign=campaign).exists()
    assert Outreach.objects.filter(campaign=campaign).count() > 100
    # No change was ever recorded as 已建会, nor on or after the day a union covered it.
    assert not StageChange.objects.filter(stage=Stage.FOUNDED).exists()
    assert FoundingStep.objects.filter(done_on__gt=on).count() == 0
    t = statistics.totals(on, demo)
    assert (t.enterprises, t.unionized, t.standalone, t.covered, t.federations, t.members) == (
        164, 161, 96, 65, 3, 15028)


@pytest.mark.parametrize("url", ["", "areas/510623400/", "tasks/", "surveys/", "outreach/"])
def test_pages_have_a_chinese_title_and_heading(admin_client, demo, url):
    html = admin_client.get(f"/campaign/{KEY}/{url}?as_of={DAY}").content.decode()
    assert re.search(r"<h1>[^<]*[\u4e00-\u9fff]", html)


# --- 专题研判 --------------------------------------------------------------------------------

def test_analysis_classes_the_three_remaining_enterprises(admin_client, demo):
    from jianhui.campaign.analysis import band_of, route_of

    html = admin_client.get(f"/campaign/{KEY}/analysis/?as_of={DAY}").content.decode()
    rows = re.findall(r"<tr><td><a [^>]*>([^<]+)</a></td><td>([^<]+)</td><td>(\d+)</td>"
                      r"<td>([^<]*)</td><td>([^<]+)</td>", html)
    refusers = {e.name: e for e in _refusers()}
    assert {r[0] for r in rows} == set(refusers) and {r[1] for r in rows} == {"高新区"}
    on = dt.date(2023, 9, 29)
    for name, _, employees, scale, band in rows:
        e = Enterprise.objects.with_employees(on).get(name=name)
        assert int(employees) == e.employees_on and scale == e.scale_on(e.employees_on)
        assert route_of(e.employees_on) == "own" and band_of(e.employees_on) != "lt25"
        assert band == {"25_99": "25-99人", "100_299": "100-299人"}[band_of(e.employees_on)]
    assert "未建会 3 家" in html and "单独建会：建立基层工会委员会" in html
    # At the start it lists every enterprise still to organise, as `jianhui stats` counts them.
    html = admin_client.get(f"/campaign/{KEY}/analysis/?as_of=2022-10-01").content.decode()
    missing = _json("stats", "--as-of", "2022-10-01")["total"]["not_unionized"]
    assert len(re.findall(r"<tr><td><a ", html)) == missing == 107
    response = admin_client.get(f"/campaign/{KEY}/analysis/?as_of={DAY}&export=xlsx")
    assert response.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    texts = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert any(row[:1] == ["25-99人"] or row[:1] == ["100-299人"] for row in texts)
    assert sum(row[-2] for row in texts if row and row[0] in {"25人以下", "25-99人", "100-299人",
                                                              "300人及以上"}) == 3


def test_bands_and_routes():
    from jianhui.campaign.analysis import band_of, route_of

    assert [band_of(n) for n in (0, 24, 25, 99, 100, 299, 300)] == [
        "lt25", "lt25", "25_99", "25_99", "100_299", "100_299", "ge300"]
    assert (route_of(24), route_of(25)) == ("joint", "own")


def test_enterprise_page_loads_its_campaign_panel(gaoxin_client, demo):
    firm = _refusers()[0]
    page = gaoxin_client.get(f"/enterprises/{firm.credit_code}/").content.decode()
    assert f'hx-get="/campaign/enterprise/{firm.credit_code}/"' in page
    panel = gaoxin_client.get(f"/campaign/enterprise/{firm.credit_code}/").content.decode()
    assert "已宣传对接" in panel and f"/campaign/{KEY}/cases/{firm.credit_code}/" in panel
    assert gaoxin_client.get(f"/campaign/enterprise/{_kaizhou_firm().credit_code}/"
                             ).status_code == 404


# --- 专题培训 --------------------------------------------------------------------------------

def test_trainings_roll_attendance_up_by_area_and_record_a_new_one(gaoxin_client, demo):
    html = gaoxin_client.get(f"/campaign/{KEY}/trainings/").content.decode()
    # Both demo trainings: the county's cadre training (attended from 高新区) and the briefing.
    assert html.count('href="/campaign/2023-zj/trainings/') >= 2
    gaoxin = Jurisdiction.objects.get(code=GAOXIN)
    expected = Attendance.objects.filter(training__campaign__key=KEY,
                                         jurisdiction__path__startswith=gaoxin.path).count()
    assert f"<td>{expected} 人次</td>" in html
    firm, other = _refusers()[0], _kaizhou_firm()
    form = {"kind": "briefing", "on": DAY, "place": "园区会议室", "topic": "政策宣讲",
            "organiser": "高新区工会", "jurisdiction": gaoxin.pk,
            "attendees": f"张三 {firm.credit_code}\n李四\n王五 {other.credit_code}"}
    response = gaoxin_client.post(f"/campaign/{KEY}/trainings/new/", form)
    assert response.status_code == 200 and "第 3 行" in response.content.decode()
    assert not Training.objects.filter(topic="政策宣讲").exists()
    form["attendees"] = f"张三 {firm.credit_code}\n李四"
    response = gaoxin_client.post(f"/campaign/{KEY}/trainings/new/", form)
    assert response.status_code == 302
    training = Training.objects.get(topic="政策宣讲")
    assert {(a.name, a.enterprise_id, a.jurisdiction.code) for a in training.attendees.all()} == {
        ("张三", firm.pk, GAOXIN), ("李四", None, GAOXIN)}
    assert "张三" in gaoxin_client.get(response["Location"]).content.decode()


# --- the back office -----------------------------------------------------------------------

def test_back_office_keeps_two_leaders_per_area(demo, settings):
    from django.forms import inlineformset_factory

    from jianhui.campaign.admin import ContactFormSet
    from jianhui.campaign.models import AreaContact, CampaignArea

    area = CampaignArea.objects.get(campaign__key=KEY, jurisdiction__code=GAOXIN)
    area.campaign.deadline = dt.date.today() + dt.timedelta(days=30)  # active today
    area.campaign.save()
    FormSet = inlineformset_factory(CampaignArea, AreaContact, formset=ContactFormSet,
                                    fields=["role", "name", "title"], extra=1)
    contacts = list(area.contacts.order_by("pk"))

    def data(extra_role: str, delete_first: bool = False) -> dict:
        d = {"contacts-TOTAL_FORMS": str(len(contacts) + 1),
             "contacts-INITIAL_FORMS": str(len(contacts))}
        for i, c in enumerate(contacts):
            d.update({f"contacts-{i}-id": c.pk, f"contacts-{i}-role": c.role,
                      f"contacts-{i}-name": c.name, f"contacts-{i}-title": c.title})
        if delete_first:
            d["contacts-0-DELETE"] = "on"
        n = len(contacts)
        d.update({f"contacts-{n}-role": extra_role, f"contacts-{n}-name": "第三人"})
        return d

    third = FormSet(data("leader"), instance=area, prefix="contacts")
    assert not third.is_valid() and "已有 2 名包片领导" in str(third.non_form_errors())
    officer = FormSet(data("officer"), instance=area, prefix="contacts")
    assert officer.is_valid()
    swap = FormSet(data("leader", delete_first=True), instance=area, prefix="contacts")
    assert swap.is_valid()  # one leader replaced by another: still two


# --- 建组织、建阵地、建制度 ----------------------------------------------------------------------

def test_new_unions_checklist_and_evidence(gaoxin_client, kaizhou_client, demo, fresh_data_dir):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jianhui.campaign.founding import new_unions
    from jianhui.campaign.models import Step

    campaign = Campaign.objects.get(key=KEY)
    gaoxin = Jurisdiction.objects.get(code=GAOXIN)
    on = dt.date(2023, 9, 29)
    lists = new_unions(campaign, on, {GAOXIN: gaoxin.path})[GAOXIN]
    unfinished = [c for c in lists if not c.complete]
    assert lists and unfinished, "the demo keeps some new unions unfinished"
    html = gaoxin_client.get(f"/campaign/{KEY}/areas/{GAOXIN}/unions/?as_of={DAY}").content.decode()
    assert f"{len(lists)} 个新建工会，{len(lists) - len(unfinished)} 个已全部完成" in html
    assert html.index(unfinished[0].organisation.name) < html.index('<span class="tag green">已完成')
    org, missing = next((c.organisation, s) for c in unfinished for s in Step
                        if s.value not in c.done and s != Step.CREDIT_CODE)
    url = f"/campaign/{KEY}/unions/{org.key}/steps/"
    early = gaoxin_client.post(url, {"step": missing.value, "done_on": "2000-01-01"}, follow=True)
    assert "早于" in early.content.decode()
    photo = SimpleUploadedFile("职工之家.jpg", b"\xff\xd8\xff fake jpeg", content_type="image/jpeg")
    response = gaoxin_client.post(url, {"step": missing.value, "done_on": DAY, "evidence": photo})
    assert response.status_code == 302
    evidence = f"/campaign/{KEY}/unions/{org.key}/steps/{missing.value}/evidence/"
    download = gaoxin_client.get(evidence)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\xff")
    assert kaizhou_client.get(evidence).status_code == 404
    assert kaizhou_client.post(url, {"step": missing.value, "done_on": DAY}).status_code == 404


def test_copy_for_next_year_from_the_page(admin_client, gaoxin_client, demo):
    assert gaoxin_client.get(f"/campaign/{KEY}/copy/").status_code == 403
    page = admin_client.get(f"/campaign/{KEY}/copy/").content.decode()
    assert 'value="2024-zj"' in page
    taken = admin_client.post(f"/campaign/{KEY}/copy/", {"key": KEY, "name": "x", "years": 1})
    assert "已被使用" in taken.content.decode()
    response = admin_client.post(f"/campaign/{KEY}/copy/", {"key": "2024-zj",
                                                             "name": "2024年行动", "years": 1})
    assert response.status_code == 302 and response["Location"] == "/campaign/2024-zj/"
    new = Campaign.objects.get(key="2024-zj")
    assert (new.start_on, new.deadline) == (dt.date(2023, 10, 1), dt.date(2024, 9, 30))
    assert new.targets.count() == Campaign.objects.get(key=KEY).targets.count()
    assert all(a.leaders().count() == 2 for a in new.areas.all())


def test_area_people_keep_two_leaders_and_removal_asks_first(admin_client, gaoxin_client, demo):
    from jianhui.campaign.models import CampaignArea

    area = CampaignArea.objects.get(campaign__key=KEY, jurisdiction__code=GAOXIN)
    area.campaign.deadline = dt.date.today() + dt.timedelta(days=30)  # active today
    area.campaign.save()
    url = f"/campaign/{KEY}/areas/{GAOXIN}/people/"
    assert gaoxin_client.get(url).status_code == 403  # the county assigns an area's leaders
    response = admin_client.post(url, {"op": "leaders", "leader1": "甲", "leader2": "甲"},
                                 follow=True)
    assert "不能是同一人" in response.content.decode()
    admin_client.post(url, {"op": "leaders", "leader1": "甲", "title1": "副主席",
                            "leader2": "乙"})
    assert {c.name for c in area.leaders()} == {"甲", "乙"}
    leader = area.leaders().first()
    asked = admin_client.post(url, {"op": "remove", "contact": leader.pk}).content.decode()
    assert "确认移除" in asked and area.leaders().count() == 2
    refused = admin_client.post(url, {"op": "remove", "contact": leader.pk, "confirm": "yes"},
                                follow=True).content.decode()
    assert "须有两名包片领导" in refused and area.leaders().count() == 2
    admin_client.post(url, {"op": "officer", "name": "新联络员", "username": "gaoxin"})
    assert area.contacts.get(name="新联络员").user.username == "gaoxin"


def test_a_long_board_column_shows_its_first_cards_and_counts_the_rest(gaoxin_client, demo,
                                                                       monkeypatch):
    from jianhui.campaign.views import board

    monkeypatch.setattr(board, "CARDS_PER_COLUMN", 2)
    html = gaoxin_client.get(f"/campaign/{KEY}/areas/{GAOXIN}/?as_of={DAY}").content.decode()
    column = _column(html, Stage.CONTACTED)
    assert '<span class="count">3</span>' in column and column.count('class="case-card') == 2
    assert "另有 1 家未显示" in column
