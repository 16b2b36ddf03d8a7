"""The campaign page's 专程督导 panel (issue 12: "overdue inspections shown in red on the
campaign page"), on the supervision tests' hand-built campaign: inspections every three working
days from 8-1 in three towns, none recorded."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from supervision_world import D, make_world

from jianhui.accounts.models import Role
from jianhui.supervision.models import Inspection


def _overdue_rows(html: str) -> list[str]:
    """The jurisdiction codes of the panel's red rows."""
    panel = html[html.index('id="overdue-inspections"'):]
    panel = panel[:panel.index("</section>")]
    return re.findall(r'<tr class="overdue" data-code="(\d+)">', panel)


@pytest.fixture
def world(build, user_in):
    campaign, towns, _ = make_world(build)
    clients = {}
    for name, where, role in (("admin", campaign.jurisdiction, Role.COUNTY_ADMIN),
                              ("jia", towns["甲镇"], Role.AREA_OFFICER)):
        clients[name] = Client()
        clients[name].force_login(user_in(where, role))
    return campaign, towns, clients


def test_overdue_inspections_are_red_on_the_campaign_page(world):
    campaign, towns, clients = world
    url = f"/campaign/{campaign.key}/?as_of=2023-08-10"
    html = clients["admin"].get(url).content.decode()
    # Due 8-1, 8-4 and 8-9 in each of three towns, none recorded: nine, the oldest first.
    rows = _overdue_rows(html)
    assert len(rows) == 9 and set(rows) == {t.code for t in towns.values()}
    assert '<span class="tag red">9 次</span>' in html and "逾期 9 天" in html
    # An officer of 甲镇 sees 甲镇's three only.
    assert _overdue_rows(clients["jia"].get(url).content.decode()) == [towns["甲镇"].code] * 3
    # Recorded inspections leave the list; on the first day of the action nothing is overdue.
    Inspection.objects.filter(jurisdiction=towns["丙镇"]).update(done_on=D(2023, 8, 9))
    html = clients["admin"].get(url).content.decode()
    assert len(_overdue_rows(html)) == 6 and towns["丙镇"].code not in _overdue_rows(html)
    html = clients["admin"].get(f"/campaign/{campaign.key}/?as_of=2023-08-02").content.decode()
    assert _overdue_rows(html) == [towns["甲镇"].code, towns["乙镇"].code]
    Inspection.objects.update(done_on=D(2023, 8, 1))
    html = clients["admin"].get(url).content.decode()
    assert _overdue_rows(html) == [] and "没有逾期未记录的督导" in html
    html = clients["admin"].get(f"/campaign/{campaign.key}/?as_of=2023-08-01").content.decode()
    assert _overdue_rows(html) == [] and "集中行动自 2023-08-01 起每三个工作日督导一次" in html


def test_a_long_list_shows_its_oldest_ten_and_counts_the_rest(world):
    campaign, _, clients = world
    html = clients["admin"].get(f"/campaign/{campaign.key}/?as_of=2023-08-20").content.decode()
    # 8-1, 8-4, 8-9, 8-14, 8-17 in three towns: fifteen, ten listed.
    assert len(_overdue_rows(html)) == 10 and "另有 5 次逾期未列出" in html
    assert "show=overdue&amp;as_of=2023-08-20" in html


def test_no_panel_without_a_concentrated_action(world):
    campaign, _, clients = world
    campaign.action_start = campaign.action_end = None
    campaign.save(update_fields=["action_start", "action_end"])
    html = clients["admin"].get(f"/campaign/{campaign.key}/?as_of=2023-08-10").content.decode()
    assert 'id="overdue-inspections"' not in html
