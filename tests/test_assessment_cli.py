"""`jianhui assess run|show` on the demo: the JSON contract, the ranking of the areas against
`jianhui progress --json`, and every data-driven input against `jianhui stats --json`.

The session's demo has no supervision records (other tests count on that), so
`test_full_demo` loads the concentrated action's supervision (two bulletins, the reports,
inspections and 辑庆镇's escalation) and the 2023 assessment again inside its own transaction,
as `jianhui load-demo` does, and runs the checks on that."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from jianhui.assessment.models import Scheme
from jianhui.demo.assessment import CAMPAIGN

FIGURE_KEYS = {"enterprises", "unionized", "establishment_rate", "members",
               "employees_unionized", "membership_rate", "employees"}


def _json(*args) -> dict:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return json.loads(out.getvalue())


@pytest.fixture
def shown(demo):
    return _json("assess", "show", "--scheme", "2023", "--json")


def test_full_demo(demo):
    from jianhui.demo.assessment import load_demo_assessment
    from jianhui.demo.supervision import load_demo_supervision

    assert load_demo_supervision(bulletin_days=2)["escalations"]
    Scheme.objects.filter(key="2023").delete()
    load_demo_assessment()
    shown = _json("assess", "show", "--scheme", "2023", "--json")
    test_show_prints_exactly_the_contract(shown)
    test_areas_rank_as_their_completion_in_progress(shown)
    test_every_data_driven_input_matches_stats(shown)
    jiqing = next(r for r in shown["results"] if r["code"] == "510623117")
    scores = {s["indicator"]: s for s in jiqing["scores"]}
    # 辑庆镇 was escalated three times (criticism, talk, rectification): 3 × 0.5 capped at 1.
    assert scores["escalated"]["inputs"]["escalation_steps"] == 3
    assert scores["escalated"]["points"] == -1
    assert scores["reports"]["inputs"]["due"] > 0


def test_show_prints_exactly_the_contract(shown):
    assert set(shown) == {"scheme", "as_of", "status", "results"}
    assert (shown["scheme"], shown["as_of"], shown["status"]) == ("2023", "2023-12-31", "locked")
    kinds = [r["kind"] for r in shown["results"]]
    assert kinds.count("area") == 4 and kinds.count("organisation") > 90
    for r in shown["results"]:
        assert set(r) == {"rank", "unit", "code", "kind", "total", "grade", "scores"}
        assert r["grade"] in {"优秀", "良好", "合格", "不合格"}
        assert r["total"] == pytest.approx(sum(s["points"] for s in r["scores"]), abs=1e-6)
        for s in r["scores"]:
            assert set(s) == {"indicator", "points", "max", "inputs"}
            assert s["points"] <= s["max"] + 1e-9


def test_areas_rank_as_their_completion_in_progress(shown):
    progress = _json("progress", "--campaign", CAMPAIGN, "--as-of", shown["as_of"], "--json")
    areas = [r for r in shown["results"] if r["kind"] == "area"]
    completion = {}
    for area in areas:
        rows = [p for p in progress["rows"] if p["code"] == area["code"]]
        score = next(s for s in area["scores"] if s["indicator"] == "completion")
        assert score["inputs"]["targets"] == rows  # the very rows `progress --json` prints
        completion[area["code"]] = sum(p["completion"] for p in rows) / len(rows)
        assert score["inputs"]["completion"] == pytest.approx(completion[area["code"]])
    by_rank = [a["code"] for a in sorted(areas, key=lambda a: a["rank"])]
    assert by_rank == sorted(completion, key=completion.get, reverse=True)


def test_every_data_driven_input_matches_stats(shown):
    scheme = Scheme.objects.get(key=shown["scheme"])
    stats = {r["code"]: r for r in _json("stats", "--as-of", shown["as_of"],
                                         "--json")["jurisdictions"]}
    start = {r["code"]: r for r in _json("stats", "--as-of", scheme.campaign.start_on.isoformat(),
                                         "--json")["jurisdictions"]}
    checked = 0
    for area in (r for r in shown["results"] if r["kind"] == "area"):
        for s in area["scores"]:
            for key, value in s["inputs"].items():
                if key in FIGURE_KEYS:
                    assert value == stats[area["code"]][key], (area["code"], s["indicator"], key)
                    checked += 1
            if "members_at_start" in s["inputs"]:
                assert s["inputs"]["members_at_start"] == start[area["code"]]["members"]
    assert checked >= 4 * 7
    # The grassroots unions' members add up to their areas' members.
    for code in ("510623400", "510623401", "510623117", "510623118"):
        org_members = sum(
            next(s for s in r["scores"] if s["indicator"] == "org_membership")["inputs"]["members"]
            for r in shown["results"] if r["kind"] == "organisation"
            and r["code"].startswith(code + "-"))
        assert org_members == stats[code]["members"]


def test_run_refuses_a_locked_scheme_with_a_chinese_error(demo):
    with pytest.raises(CommandError, match="已于 .* 锁定"):
        call_command("assess", "run", "--scheme", "2023", "--json", stdout=io.StringIO())


def test_unknown_scheme(demo):
    with pytest.raises(CommandError, match="没有编号为“1999”的考核方案。已有的方案编号：2023"):
        call_command("assess", "show", "--scheme", "1999", "--json", stdout=io.StringIO())


def test_copy_then_run_a_draft(demo):
    out = io.StringIO()
    call_command("assess", "copy", "--scheme", "2023", "--key", "2024", stdout=out)
    assert "已复制“2023”为“2024”" in out.getvalue()
    new = Scheme.objects.get(key="2024")
    assert (new.year, new.as_of.isoformat(), new.status) == (2024, "2024-12-31", "draft")
    assert new.indicators.count() == Scheme.objects.get(key="2023").indicators.count()
    data = _json("assess", "run", "--scheme", "2024", "--json")
    assert data["status"] == "draft" and data["results"]
