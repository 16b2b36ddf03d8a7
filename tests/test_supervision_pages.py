"""Supervision pages on the hand-built campaign: the daily report form beside the data's
numbers, issuing and printing a bulletin, overdue inspections in red, confirming and
withdrawing escalations with the notice .docx, the weekly material, the bell, and the HTML
fonts agreeing with the .docx fonts."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.test import Client
from docx import Document
from supervision_world import D, make_world

from jianhui.accounts.models import Role
from jianhui.campaign.models import AreaContact, ContactRole
from jianhui.documents import fonts, read_text
from jianhui.supervision import escalation
from jianhui.supervision.models import DailyReport, EscalationStep, Inspection, StepStatus


@pytest.fixture
def site(build, user_in):
    campaign, towns, firms = make_world(build)
    county = campaign.jurisdiction
    people = {"admin": user_in(county, Role.COUNTY_ADMIN),
              "leader": user_in(county, Role.COUNTY_LEADER),
              "jia": user_in(towns["甲镇"], Role.AREA_OFFICER),
              "force": user_in(towns["丙镇"], Role.TASK_FORCE)}
    AreaContact.objects.create(area=campaign.areas.get(jurisdiction=towns["甲镇"]),
                               role=ContactRole.OFFICER, name="甲镇干部", user=people["jia"])
    clients = {}
    for name, user in people.items():
        clients[name] = Client()
        clients[name].force_login(user)
    return campaign, towns, clients, people


def test_daily_report_form_shows_the_data_beside_what_is_typed(site):
    campaign, towns, clients, people = site
    url = f"/supervision/{campaign.key}/reports/{towns['甲镇'].code}/2023-08-10/"
    page = clients["jia"].get(url).content.decode()
    assert "系统数据（08-09 至 08-10）" in page and 'class="known">1<' in page  # 1 new union
    response = clients["jia"].post(url, {"new_unions": 2, "new_members": 30, "visits": 4,
                                         "problems": "一家企业负责人外出。", "plan": "继续走访。"})
    assert response.status_code == 302
    report = DailyReport.objects.get(campaign=campaign, jurisdiction=towns["甲镇"])
    assert (report.new_unions, report.submitted_by) == (2, people["jia"])
    page = clients["jia"].get(url).content.decode()
    assert "已于" in page and 'value="2"' in page
    # Another area's officer cannot reach it; a leader reads it but cannot write.
    assert clients["force"].get(url).status_code == 404
    assert clients["leader"].post(url, {"new_unions": 9}).status_code == 403


def test_overview_counts_completeness_and_timeliness(site):
    campaign, towns, clients, _ = site
    DailyReport.objects.create(campaign=campaign, jurisdiction=towns["甲镇"], on=D(2023, 8, 1))
    page = clients["admin"].get(f"/supervision/{campaign.key}/?as_of=2023-08-02").content.decode()
    assert "各片区日报" in page and "50.0%" in page  # 1 of 2 working days


def test_issue_a_bulletin_print_it_and_download_it(site):
    campaign, towns, clients, _ = site
    base = f"/supervision/{campaign.key}/bulletins/"
    assert clients["jia"].post(base, {"date": "2023-08-10"}).status_code == 403
    response = clients["admin"].post(base, {"date": "2023-08-10"})
    assert response.status_code == 302 and response["Location"].endswith("/bulletins/1/")
    page = clients["jia"].get(base + "1/").content.decode()
    assert "第1期" in page and "测试县建会入会集中行动进展情况" in page
    assert '<tr class="lag">' in page and "css/official.css" in page
    again = clients["admin"].post(base, {"date": "2023-08-10"})
    assert again["Location"].endswith("/bulletins/1/")  # frozen: the same issue
    docx = clients["jia"].get(base + "1/docx/")
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "第1期" in read_text(docx.content)
    fixed = clients["admin"].post(base, {"date": "2023-08-10", "reissue": "1", "note": "补正。"})
    assert fixed["Location"].endswith("/bulletins/2/")
    assert "已由" in clients["admin"].get(base + "1/").content.decode()  # corrected by 第2期


def test_overdue_inspections_are_red(site):
    campaign, towns, clients, _ = site
    page = clients["admin"].get(
        f"/supervision/{campaign.key}/inspections/?as_of=2023-08-10").content.decode()
    # Every three working days from 8-1: 8-1, 8-4, 8-9 are due before 8-10, none recorded.
    assert Inspection.objects.filter(campaign=campaign).overdue(D(2023, 8, 10)).count() == 9
    assert page.count('<tr class="overdue">') == 9 and "9 次督导逾期" in page
    url = f"/supervision/{campaign.key}/inspections/{towns['丙镇'].code}/2023-08-01/"
    assert clients["jia"].post(url, {"action": "record"}).status_code == 404  # not 甲镇's
    response = clients["force"].post(url, {"action": "record", "done_on": "2023-08-01",
                                           "inspectors": "王秀英", "rating": "fair",
                                           "findings": "台账不全。"})
    assert response.status_code == 302
    assert Inspection.objects.get(jurisdiction=towns["丙镇"], due_on=D(2023, 8, 1)).done_on
    # A date field shows its value as the browser's date input wants it (not 2023/08/01).
    assert 'value="2023-08-01"' in clients["force"].get(url).content.decode()


def test_leader_confirms_and_withdraws_and_downloads_the_notice(site):
    campaign, towns, clients, _ = site
    steps = escalation.propose(campaign, D(2023, 8, 10))
    step = next(s for s in steps if s.escalation.jurisdiction == towns["丙镇"])
    url = f"/supervision/{campaign.key}/escalations/{step.escalation_id}/"
    assert clients["admin"].post(url, {"action": "confirm", "step": step.pk}).status_code == 403
    assert clients["leader"].post(url, {"action": "confirm", "step": step.pk}).status_code == 302
    step.refresh_from_db()
    assert step.status == StepStatus.CONFIRMED and step.confirmed_by is not None
    notice = clients["leader"].get(f"{url}notice/{step.pk}/")
    assert any("丙镇" in line and "通报批评" in line for line in read_text(notice.content))
    other = next(s for s in steps if s != step)
    other_url = f"/supervision/{campaign.key}/escalations/{other.escalation_id}/"
    clients["leader"].post(other_url, {"action": "withdraw", "step": other.pk, "reason": ""})
    assert EscalationStep.objects.get(pk=other.pk).status == StepStatus.PROPOSED  # no reason
    clients["leader"].post(other_url, {"action": "withdraw", "step": other.pk, "reason": "核实有误。"})
    assert EscalationStep.objects.get(pk=other.pk).status == StepStatus.WITHDRAWN


def test_weekly_material_docx(site):
    campaign, _, clients, _ = site
    response = clients["admin"].get(
        f"/supervision/{campaign.key}/meetings/material/?as_of=2023-08-11")
    text = read_text(response.content)
    assert "建会入会工作推进会材料" in text and "一、各片区本周进展" in text
    assert any(line.startswith("丙镇\t") and line.endswith("滞后") for line in text)


def test_bell_lists_what_each_user_must_do(site):
    campaign, towns, clients, _ = site
    escalation.propose(campaign, D(2023, 8, 10))
    officer = clients["jia"].get("/supervision/bell/?as_of=2023-08-10").content.decode()
    assert "甲镇 08-10 日报未报送" in officer
    leader = clients["leader"].get("/supervision/bell/?as_of=2023-08-10").content.decode()
    assert "待确认：丙镇书面通报批评" in leader and "日报未报送" not in leader
    assert clients["leader"].get("/supervision/bell/?count=1&as_of=2023-08-10").content.decode(
    ).startswith("待办 ")


def test_print_stylesheet_names_the_documents_fonts():
    css = (Path(__file__).parents[1] / "jianhui/static/css/official.css").read_text()
    for var, font in (("--title", fonts.TITLE), ("--hei", fonts.HEI),
                      ("--fangsong", fonts.FANGSONG), ("--kai", fonts.KAI)):
        assert f"{var}: {font.css_stack()};" in css
    assert "size: A4" in css and "@media print" in css


def test_bulletin_docx_fonts_are_named_for_word(site):
    campaign, _, clients, _ = site
    clients["admin"].post(f"/supervision/{campaign.key}/bulletins/", {"date": "2023-08-10"})
    data = clients["admin"].get(f"/supervision/{campaign.key}/bulletins/1/docx/").content
    document = Document(io.BytesIO(data))
    east_asia = {r._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
        for p in document.paragraphs for r in p.runs}
    assert {"方正小标宋简体", "黑体", "仿宋_GB2312"} <= east_asia
    assert dt.date(2023, 8, 10).isoformat() in str(document.core_properties.created)


def test_meeting_minutes_and_action_items_tracked_until_done(site):
    campaign, _, clients, people = site
    base = f"/supervision/{campaign.key}/meetings/"
    assert clients["jia"].post(base, {"held_on": "2023-08-11"}).status_code == 403
    response = clients["admin"].post(base, {"held_on": "2023-08-11", "title": "第二次推进会",
                                             "minutes": "通报进度。", "decisions": "丙镇加快。"})
    assert response["Location"].endswith("/meetings/2023-08-11/")
    again = clients["admin"].post(base, {"held_on": "2023-08-11", "title": "重复"})
    assert "已有推进会纪要" in again.content.decode()
    url = base + "2023-08-11/"
    clients["admin"].post(url, {"action": "item", "text": "丙镇逐户走访", "owner": "甲镇干部",
                                "due_on": "2023-08-15"})
    item = campaign.meetings.get().items.get()
    item.owner_user = people["jia"]
    item.save()
    page = clients["admin"].get(url + "?as_of=2023-08-16").content.decode()
    assert '<tr class="overdue">' in page
    bell = clients["jia"].get("/supervision/bell/?as_of=2023-08-16").content.decode()
    assert "丙镇逐户走访（08-15 到期）" in bell
    clients["jia"].post(url + "?as_of=2023-08-16", {"action": "done", "item": item.pk,
                                                    "note": "已走访"})
    item.refresh_from_db()
    assert item.done_on == D(2023, 8, 16) and item.note == "已走访"


def test_talk_record_and_inspection_photo(site, fresh_data_dir):
    from django.core.files.uploadedfile import SimpleUploadedFile

    campaign, towns, clients, people = site
    case_step = next(s for s in escalation.propose(campaign, D(2023, 8, 10))
                     if s.escalation.jurisdiction == towns["丙镇"])
    escalation.confirm(case_step, people["leader"])
    talk = EscalationStep.objects.create(escalation=case_step.escalation, kind="talk",
                                         on=D(2023, 8, 15), reason="仍滞后。")
    escalation.confirm(talk, people["leader"])
    url = f"/supervision/{campaign.key}/escalations/{case_step.escalation_id}/"
    clients["leader"].post(url, {"action": "talk", "talk_on": "2023-08-16",
                                 "talk_record": "约谈镇工会主席。", "commitments": "一周内走访。"})
    talk.refresh_from_db()
    assert (talk.talk_on, talk.commitments) == (D(2023, 8, 16), "一周内走访。")
    inspection = f"/supervision/{campaign.key}/inspections/{towns['丙镇'].code}/2023-08-01/"
    photo = SimpleUploadedFile("现场.png", b"\x89PNG\r\n", content_type="image/png")
    response = clients["force"].post(inspection, {
        "action": "record", "done_on": "2023-08-01", "inspectors": "王秀英", "rating": "good",
        "findings": "", "photo": photo, "caption": "现场"})
    assert response.status_code == 302
    saved = Inspection.objects.get(jurisdiction=towns["丙镇"], due_on=D(2023, 8, 1))
    stored = saved.photos.get()
    served = clients["force"].get(f"{inspection}photos/{stored.pk}/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == b"\x89PNG\r\n"
    assert clients["jia"].get(f"{inspection}photos/{stored.pk}/").status_code == 404
    bad = SimpleUploadedFile("x.exe", b"MZ")
    page = clients["force"].post(inspection, {"action": "record", "done_on": "2023-08-01",
                                              "inspectors": "王秀英", "rating": "good",
                                              "photo": bad}).content.decode()
    assert "不支持的文件类型" in page and saved.photos.count() == 1
