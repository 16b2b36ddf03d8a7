"""The daily bulletin: numbering 第N期, ranking and lagging against a hand-computed fixture,
newly unionized enterprises and missing reports, freezing and correction, the .docx text, and
the CLI agreeing with `jianhui progress` on the demo."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone
from supervision_world import D, make_world, unionize

from jianhui.documents import read_text
from jianhui.supervision.bulletin import BulletinError, issue, issued_document
from jianhui.supervision.models import Bulletin, DailyReport


@pytest.fixture
def world(build):
    """supervision_world's campaign; 甲镇 and 丙镇 reported on 8-10, 乙镇 did not."""
    campaign, towns, firms = make_world(build)
    noon = timezone.make_aware(dt.datetime(2023, 8, 10, 12))
    for name in ("甲镇", "丙镇"):
        DailyReport.objects.create(campaign=campaign, jurisdiction=towns[name],
                                   on=D(2023, 8, 10), submitted_at=noon)
    return campaign, towns, firms


def test_ranking_lagging_new_and_missing_against_hand_computed_figures(world):
    campaign, towns, firms = world
    bulletin, new = issue(campaign, D(2023, 8, 10))
    c = bulletin.content
    assert new and c["issue_no"] == 1 and c["date"] == "2023-08-10"
    assert list(c) == ["campaign", "issue_no", "date", "total", "ranking", "lagging",
                       "new_unionized", "missing_reports"]
    tp = 10 / 31
    assert [(r["rank"], r["name"], r["completion"], r["lagging"]) for r in c["ranking"]] == [
        (1, "甲镇", 0.5, False),  # 2 of 4
        (2, "丙镇", 0.2, True),  # 1 of 5 < 10/31
        (3, "乙镇", 0.0, True),
    ]
    assert all(r["time_progress"] == pytest.approx(tp) for r in c["ranking"])
    # 甲镇 went from 1/4 on 8-9 to 2/4 on 8-10.
    assert [r["change"] for r in c["ranking"]] == [0.25, 0.0, 0.0]
    assert c["lagging"] == [towns["丙镇"].code, towns["乙镇"].code]
    assert c["new_unionized"] == [firms["甲镇"][1].credit_code]
    assert c["missing_reports"] == [towns["乙镇"].code]
    total = c["total"]
    assert (total["enterprises"], total["unionized"], total["unionized_change"]) == (15, 3, 1)
    assert total["establishment_rate"] == pytest.approx(3 / 15)


def test_numbering_freezing_and_correction(world):
    campaign, towns, firms = world
    first, _ = issue(campaign, D(2023, 8, 10))
    second, _ = issue(campaign, D(2023, 8, 11))
    assert (first.issue_no, second.issue_no) == (1, 2)
    frozen_doc, frozen_content = bytes(first.document), first.content
    # The data is corrected afterwards: 乙镇 had in fact unionized one enterprise on 8-5.
    unionize(firms["乙镇"][0], D(2023, 8, 5))
    again, new = issue(campaign, D(2023, 8, 10))
    assert not new and again.pk == first.pk
    assert again.content == frozen_content and bytes(again.document) == frozen_doc
    assert again.content["ranking"][2]["name"] == "乙镇"
    corrected, new = issue(campaign, D(2023, 8, 10), reissue=True, note="乙镇8月5日建会漏报。")
    assert new and corrected.issue_no == 3 and corrected.corrects == first
    assert [r["name"] for r in corrected.content["ranking"]] == ["甲镇", "乙镇", "丙镇"]
    assert corrected.content["lagging"] == [towns["丙镇"].code]
    text = read_text(bytes(corrected.document))
    assert "（更正第1期）" in text and any("乙镇8月5日建会漏报" in line for line in text)
    assert issue(campaign, D(2023, 8, 10))[0] == corrected  # the correction is now in force
    assert Bulletin.objects.get(pk=first.pk).content == frozen_content
    with pytest.raises(BulletinError, match="还没有签发"):
        issue(campaign, D(2023, 8, 14), reissue=True)


def test_new_unionized_counts_from_the_last_bulletin(world):
    campaign, towns, firms = world
    issue(campaign, D(2023, 8, 9))
    unionize(firms["丙镇"][1], D(2023, 8, 11))
    later, _ = issue(campaign, D(2023, 8, 14))  # Monday: since the 8-9 issue, not since Friday
    assert later.content["new_unionized"] == sorted(
        [firms["甲镇"][1].credit_code, firms["丙镇"][1].credit_code])
    assert later.content["missing_reports"] == [t.code for t in towns.values()]


def test_docx_holds_title_issue_number_ranking_rows_and_lagging_names(world):
    campaign, towns, _ = world
    bulletin, _ = issue(campaign, D(2023, 8, 10))
    text = read_text(bytes(bulletin.document))
    assert text[0] == "建会入会工作通报" and text[1] == "第1期"
    assert "测试县建会入会集中行动进展情况" in text
    assert "1\t甲镇\t50.0%\t32.3%\t+25.0\t正常" in text
    assert "2\t丙镇\t20.0%\t32.3%\t0.0\t滞后" in text
    assert "3\t乙镇\t0.0%\t32.3%\t0.0\t滞后" in text
    lagging = next(line for line in text if line.startswith("丙镇（完成进度"))
    assert "乙镇（完成进度0.0%" in lagging
    assert any("乙镇未报送当日日报" in line for line in text)


def test_an_issue_without_its_docx_gets_it_on_first_request_then_keeps_it(world):
    """A batch of past issues (the demo's) is issued without rendering; the .docx comes from
    the frozen content when first asked for, is stored, and does not follow later data."""
    campaign, towns, firms = world
    bulletin, _ = issue(campaign, D(2023, 8, 10), render=False)
    assert not bulletin.document
    unionize(firms["乙镇"][0], D(2023, 8, 10))  # data changes after issue
    doc = issued_document(Bulletin.objects.get(pk=bulletin.pk))
    assert "3\t乙镇\t0.0%\t32.3%\t0.0\t滞后" in read_text(doc)
    assert bytes(Bulletin.objects.get(pk=bulletin.pk).document) == doc
    assert issued_document(Bulletin.objects.get(pk=bulletin.pk)) == doc


def test_cli_ranking_agrees_with_progress_on_the_demo(demo, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("bulletin", "daily", "--campaign", "2023-zj", "--date", "2023-09-05",
                 "--out", str(tmp_path / "b.docx"), "--json", stdout=out, stderr=err)
    bulletin = json.loads(out.getvalue())
    assert "第1期" in err.getvalue() and (tmp_path / "b.docx").stat().st_size > 5000
    progress_out = io.StringIO()
    call_command("progress", "--campaign", "2023-zj", "--as-of", "2023-09-05", "--json",
                 stdout=progress_out)
    rows = {r["code"]: r for r in json.loads(progress_out.getvalue())["rows"]
            if r["target_kind"] == "unionized"}
    assert len(bulletin["ranking"]) == 4
    for r in bulletin["ranking"]:
        p = rows[r["code"]]
        assert (r["completion"], r["time_progress"], r["lagging"]) == (
            p["completion"], p["time_progress"], p["lagging"])
    completions = [r["completion"] for r in bulletin["ranking"]]
    assert completions == sorted(completions, reverse=True)
    assert bulletin["lagging"] == [r["code"] for r in bulletin["ranking"] if r["lagging"]]
    assert "510623117" in bulletin["lagging"]  # 辑庆镇 lags through the action
    # Asking again returns the same, frozen issue.
    again = io.StringIO()
    call_command("bulletin", "daily", "--campaign", "2023-zj", "--date", "2023-09-05",
                 "--out", str(tmp_path / "b2.docx"), "--json", stdout=again, stderr=io.StringIO())
    assert json.loads(again.getvalue()) == bulletin
    assert (tmp_path / "b2.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()


def test_cli_refuses_bad_input_in_chinese_and_writes_nothing(world, tmp_path):
    from django.core.management.base import CommandError

    campaign, _, _ = world

    def run(*args):
        with pytest.raises(CommandError) as caught:
            call_command("bulletin", "daily", "--campaign", campaign.key, *args,
                         stdout=io.StringIO(), stderr=io.StringIO())
        return str(caught.value)

    assert "须是 .docx" in run("--date", "2023-08-10", "--out", str(tmp_path / "b.pdf"))
    assert "不存在" in run("--date", "2023-08-10", "--out", str(tmp_path / "no" / "b.docx"))
    assert "YYYY-MM-DD" in run("--date", "2023-8-1x", "--out", str(tmp_path / "b.docx"))
    assert "还没有签发" in run("--date", "2023-08-10", "--out", str(tmp_path / "b.docx"),
                              "--reissue")
    assert not list(tmp_path.iterdir()) and not campaign.bulletins.exists()
