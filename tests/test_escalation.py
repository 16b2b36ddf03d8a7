"""The escalation ladder on a hand-built fixture: which rule proposes which step for which
area, nothing moving without confirmation, withdrawal with a reason, and a full run from
criticism to a closed rectification."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from supervision_world import START, D, make_world, unionize

from jianhui.documents import read_text
from jianhui.lib.workdays import working_days
from jianhui.supervision import escalation
from jianhui.supervision.bulletin import issue
from jianhui.supervision.escalation import EscalationError
from jianhui.supervision.models import (
    DailyReport,
    Escalation,
    RectificationItem,
    StepKind,
    StepStatus,
    Trigger,
)


def at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def world(build):
    """Every area reports every working day on time, except 乙镇, late (20:00) on 8-7, 8-8
    and 8-9; 乙镇 unionized one of its two on 8-9 (not lagging, not stalled)."""
    campaign, towns, firms = make_world(build)
    unionize(firms["乙镇"][0], D(2023, 8, 9))
    late = {D(2023, 8, 7), D(2023, 8, 8), D(2023, 8, 9)}
    for day in working_days(START, D(2023, 8, 31)):
        for name, town in towns.items():
            hour = 20 if name == "乙镇" and day in late else 17
            DailyReport.objects.create(campaign=campaign, jurisdiction=town, on=day,
                                       submitted_at=at(day, hour))
    leader = get_user_model().objects.get(username="leader")
    return campaign, towns, firms, leader


def proposals(campaign, on):
    return {(p.jurisdiction.name, p.kind, p.trigger) for p in escalation.evaluate(campaign, on)}


def test_rules_propose_exactly_the_expected_steps(world):
    campaign, towns, firms, _ = world
    # 8-10: 甲镇 2/4 ahead of 10/31; 乙镇 late three times (slow); 丙镇 1/5, lagging and no
    # gain since 8-7 (stalled).
    assert proposals(campaign, D(2023, 8, 10)) == {
        ("乙镇", StepKind.CRITICISM, Trigger.SLOW),
        ("丙镇", StepKind.CRITICISM, Trigger.STALLED),
    }
    # 8-4 (时序进度 4/31): 甲镇 1/4 and 丙镇 1/5 are ahead; 乙镇 0, lagging with no gain.
    assert proposals(campaign, D(2023, 8, 4)) == {("乙镇", StepKind.CRITICISM, Trigger.STALLED)}
    # At the deadline every area is below its target: missed outranks the other triggers.
    assert proposals(campaign, D(2023, 8, 31)) == {
        ("甲镇", StepKind.CRITICISM, Trigger.MISSED),
        ("乙镇", StepKind.CRITICISM, Trigger.MISSED),
        ("丙镇", StepKind.CRITICISM, Trigger.MISSED),
    }


def test_lagging_in_three_consecutive_bulletins_is_little_progress(world):
    campaign, towns, firms, _ = world
    # 丙镇 gains (2/5 on 8-21, 3/5 on 8-23), yet stays behind 21/31, 22/31, 23/31.
    unionize(firms["丙镇"][1], D(2023, 8, 21))
    unionize(firms["丙镇"][2], D(2023, 8, 23))
    for day in (D(2023, 8, 21), D(2023, 8, 22), D(2023, 8, 23)):
        issue(campaign, day)
    found = {p.jurisdiction.name: p for p in escalation.evaluate(campaign, D(2023, 8, 23))}
    assert found["丙镇"].trigger == Trigger.STALLED
    assert found["丙镇"].facts["lagging_bulletins"] == [1, 2, 3]


def test_nothing_moves_without_confirmation_and_withdrawal_needs_a_reason(world):
    campaign, towns, _, leader = world
    made = escalation.propose(campaign, D(2023, 8, 10))
    assert {s.status for s in made} == {StepStatus.PROPOSED}
    assert all(s.proposed_by_name == "督办规则" and s.facts for s in made)
    assert escalation.propose(campaign, D(2023, 8, 11)) == []  # pending: nothing more
    slow = next(s for s in made if s.escalation.jurisdiction == towns["乙镇"])
    with pytest.raises(EscalationError, match="理由"):
        escalation.withdraw(slow, leader, "  ")
    escalation.withdraw(slow, leader, "迟报系网络故障，已核实。")
    slow.escalation.refresh_from_db()
    assert not slow.escalation.is_open and slow.withdraw_reason == "迟报系网络故障，已核实。"
    # The late reports it was about are not counted a second time.
    assert ("乙镇", StepKind.CRITICISM, Trigger.SLOW) not in proposals(campaign, D(2023, 8, 11))


def test_full_ladder_from_criticism_to_closed_rectification(world):
    campaign, towns, _, leader = world
    made = escalation.propose(campaign, D(2023, 8, 10))
    step = next(s for s in made if s.escalation.jurisdiction == towns["丙镇"])
    escalation.confirm(step, leader)
    step.confirmed_at = at(D(2023, 8, 10), 16)
    step.save(update_fields=["confirmed_at"])
    notice = read_text(bytes(step.notice))
    assert any("丙镇" in line and "通报批评" in line for line in notice)
    assert any("完成进度20.0%，低于时序进度32.3%" in line for line in notice)
    with pytest.raises(EscalationError):
        escalation.confirm(step, leader)
    case = step.escalation
    # Two working days later (8-11, 8-14): not yet; the third (8-15), still lagging: a talk.
    assert escalation.propose(campaign, D(2023, 8, 14)) == [] or all(
        s.escalation != case for s in escalation.propose(campaign, D(2023, 8, 14)))
    talk = [s for s in escalation.propose(campaign, D(2023, 8, 15)) if s.escalation == case]
    assert [s.kind for s in talk] == [StepKind.TALK]
    escalation.confirm(talk[0], leader, talk_on=D(2023, 8, 16))
    talk[0].confirmed_at = at(D(2023, 8, 15), 16)
    talk[0].save(update_fields=["confirmed_at"])
    rectify = [s for s in escalation.propose(campaign, D(2023, 8, 18)) if s.escalation == case]
    assert [s.kind for s in rectify] == [StepKind.RECTIFY]
    escalation.confirm(rectify[0], leader)
    item = RectificationItem.objects.create(jurisdiction=towns["丙镇"], escalation=case,
                                            text="走访未建会企业4家", owner="镇工会主席",
                                            due_on=D(2023, 8, 25))
    with pytest.raises(EscalationError, match="未经核验"):
        escalation.close(case, leader, D(2023, 8, 25))
    with pytest.raises(EscalationError, match="尚未填写"):
        escalation.verify(item, leader)
    item.done_on, item.evidence = D(2023, 8, 24), "已走访4家，2家召开建会筹备会。"
    item.save()
    escalation.verify(item, leader)
    closing = escalation.close(case, leader, D(2023, 8, 25))
    case.refresh_from_db()
    assert closing.kind == StepKind.CLOSE and not case.is_open
    assert [s.kind for s in case.steps.order_by("pk")] == [
        StepKind.CRITICISM, StepKind.TALK, StepKind.RECTIFY, StepKind.CLOSE]
    assert Escalation.objects.open().filter(campaign=campaign, jurisdiction=towns["丙镇"]).count() == 0
