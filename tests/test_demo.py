"""The demo county reproduces the seed's figures on 2023-09-29 and after, and its data obeys
the model's rules (it is bulk-loaded, so the rules are checked here by query)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from django.db.models import Count, Exists, F, OuterRef, Q

from jianhui import statistics
from jianhui.accounts.scope import scope_of, scope_paths
from jianhui.demo.county import AS_OF, load_demo_county
from jianhui.enterprises.models import Enterprise
from jianhui.lib.codes import is_valid_credit_code, is_valid_id_number
from jianhui.unions.models import Coverage, Member, OrganisationKind, UnionOrganisation

SEED = {"enterprises": 164, "unionized": 161, "standalone": 96, "covered": 65,
        "not_unionized": 3, "federations": 3, "joint_unions": 0, "members": 15028}


@pytest.mark.parametrize("on", [AS_OF, dt.date(2024, 6, 30), dt.date(2026, 11, 25)])
def test_seed_figures_on_and_after_the_article_date(demo, on):
    total = statistics.totals(on, demo)
    assert {k: total.as_json()[k] for k in SEED} == SEED
    assert total.establishment_rate == Fraction(161, 164)
    assert statistics.percent(total.establishment_rate) == "98.2%"


def test_areas_are_named_as_in_the_article(demo):
    table = statistics.table(AS_OF, demo)
    names = [r.jurisdiction.name for r in table.rows if r.jurisdiction.parent_id == demo.pk]
    assert names == ["高新区", "凯州新城", "辑庆镇", "兴隆镇"]
    # The refusals are in 高新区; the towns are covered by federations and fully unionized.
    assert table.row("510623400").figures.not_unionized == 3
    for town in ("510623117", "510623118"):
        f = table.row(town).figures
        assert f.not_unionized == 0 and f.covered > f.standalone and f.federations == 1


def test_the_campaign_year_grows_month_by_month(demo):
    before = statistics.totals(dt.date(2022, 9, 30), demo)
    assert before.unionized < 80 and before.members < 8000
    months = [dt.date(2022, 10, 31) + dt.timedelta(days=30 * i) for i in range(11)]
    unionized = [statistics.totals(d, demo).unionized for d in months]
    assert unionized == sorted(unionized) and unionized[0] < unionized[-1] <= 161


def test_history_exercises_moves_dissolution_and_deregistration(demo):
    # A joint union dissolved into the 辑庆镇 federation; alive before, not after.
    assert statistics.totals(dt.date(2022, 9, 30), demo).joint_unions == 1
    assert UnionOrganisation.objects.filter(kind=OrganisationKind.JOINT,
                                            dissolved_on__isnull=False).count() == 1
    # Enterprises that moved from the federation to their own union: unionized on every day.
    moved = Enterprise.objects.annotate(n=Count("coverages")).filter(n=2)
    assert moved.count() >= 4
    # One enterprise deregistered during the year: in scope before, not after.
    gone = Enterprise.objects.get(deregistered_on__isnull=False)
    assert statistics.totals(gone.deregistered_on - dt.timedelta(days=1), demo).enterprises == \
        statistics.totals(gone.deregistered_on, demo).enterprises + 1


def test_demo_data_obeys_the_model_rules(demo):
    assert all(is_valid_credit_code(c) for c in Enterprise.objects.values_list("credit_code", flat=True))
    assert all(c.startswith("91510623") for c in Enterprise.objects.values_list("credit_code", flat=True))
    ids = list(Member.objects.values_list("id_number", flat=True))
    assert len(ids) == len(set(ids)) and all(is_valid_id_number(i) for i in ids[::50])
    # Every member joined while their enterprise was covered (checked for all, in SQL).
    at = OuterRef("joined_on")
    covered_at_join = Coverage.objects.filter(
        Q(end_on__isnull=True) | Q(end_on__gt=at),
        Q(organisation__dissolved_on__isnull=True) | Q(organisation__dissolved_on__gt=at),
        enterprise=OuterRef("enterprise"), start_on__lte=at, organisation__founded_on__lte=at,
    )
    assert not Member.objects.filter(~Exists(covered_at_join)).exists()
    assert not Member.objects.filter(enterprise__founded_on__gt=F("joined_on")).exists()
    # No enterprise is covered twice at once; no standalone union covers two at once.
    for c in Coverage.objects.select_related("organisation", "enterprise"):
        c.clean()
    # Federated enterprises with >= 25 members are the rule-25 warnings.
    assert statistics.totals(AS_OF, demo).rule25_warnings == 2
    # Members never exceed employees in an enterprise.
    counted = Member.objects.counted(AS_OF).values("enterprise").annotate(n=Count("pk"))
    employees = dict(Enterprise.objects.values_list("pk", "employees"))
    assert all(r["n"] <= employees[r["enterprise"]] for r in counted)


def test_load_demo_twice_changes_nothing(demo):
    before = (Enterprise.objects.count(), Member.objects.count(), Coverage.objects.count())
    assert load_demo_county() is None
    assert (Enterprise.objects.count(), Member.objects.count(), Coverage.objects.count()) == before


def test_demo_accounts_are_scoped(demo):
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["admin", "gaoxin", "kaizhou", "jiqing", "xinglong"])}
    assert len(users) == 5
    assert Enterprise.objects.within(scope_of(users["admin"])).count() == 165
    assert statistics.totals(AS_OF, paths=scope_paths(users["gaoxin"])).enterprises == 80
    assert not Enterprise.objects.within(scope_of(users["gaoxin"])).filter(
        ~Q(jurisdiction__name="高新区")).exists()
