"""The figures of DOMAIN.md §2 on small hand-built trees, every number computed by hand.

Each test builds its own root jurisdiction (never the demo county's), writes through the
services so the model rules hold, and asks `statistics` for that root only.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jianhui import statistics
from jianhui.accounts.scope import scope_paths
from jianhui.enterprises.models import EmployeeSurvey, OperatingStatus
from jianhui.regions.models import JurisdictionKind
from jianhui.statistics import sync, totals
from jianhui.unions.models import Coverage, Member, OrganisationKind, UnionOrganisation
from jianhui.unions.services import dissolve, end_coverage, enrol, found_organisation, leave

D = dt.date(2023, 6, 15)
DAY = dt.timedelta(days=1)
EARLY = dt.date(2021, 1, 1)  # organisations founded well before D
JOINED = dt.date(2022, 1, 1)  # members joined well before D


def org(jurisdiction, kind, *enterprises, on=EARLY, name=None) -> UnionOrganisation:
    return found_organisation(
        name=name or f"{jurisdiction.name}{kind}{len(enterprises)}", kind=kind,
        jurisdiction=jurisdiction, founded_on=on, enterprises=list(enterprises),
    )


def standalone(enterprise, on=EARLY) -> UnionOrganisation:
    return org(enterprise.jurisdiction, OrganisationKind.STANDALONE, enterprise, on=on,
               name=f"{enterprise.name}工会委员会")


def federation(jurisdiction, *enterprises, on=EARLY) -> UnionOrganisation:
    return org(jurisdiction, OrganisationKind.FEDERATION, *enterprises, on=on)


def members(build, enterprise, n, joined_on=JOINED) -> list[Member]:
    return [
        enrol(name=f"会员{i}", id_number=build.id_number(female=bool(i % 2)),
              enterprise=enterprise, joined_on=joined_on)
        for i in range(n)
    ]


# --- in scope --------------------------------------------------------------------------------

def test_in_scope_by_founding_and_deregistration_dates(build):
    root = build.jurisdiction("测试县")
    build.enterprise(root, employees=1, founded_on=D + DAY)  # founded after D
    build.enterprise(root, employees=10, founded_on=None)  # unknown founding date
    build.enterprise(root, employees=20, founded_on=D)
    build.enterprise(root, employees=2, deregistered_on=D, status=OperatingStatus.DEREGISTERED)
    build.enterprise(root, employees=40, deregistered_on=D + DAY,
                     status=OperatingStatus.DEREGISTERED)
    build.enterprise(root, employees=80, status=OperatingStatus.SUSPENDED)  # 停业 stays

    on_d = totals(D, root)
    assert (on_d.enterprises, on_d.employees) == (4, 10 + 20 + 40 + 80)
    assert (on_d.unionized, on_d.not_unionized) == (0, 4)
    before = totals(D - DAY, root)  # 20 not yet founded; 2 not yet deregistered
    assert (before.enterprises, before.employees) == (4, 10 + 2 + 40 + 80)
    after = totals(D + DAY, root)  # 1 founded; 40 deregistered
    assert (after.enterprises, after.employees) == (4, 1 + 10 + 20 + 80)


def test_a_revoked_enterprise_leaves_scope_on_its_revocation_date(build):
    """吊销 like 注销 (DOMAIN.md §2): in scope the day before, out on the date itself, with
    its union coverage and its members; the organisation itself stays alive."""
    root = build.jurisdiction("测试县")
    revoked = build.enterprise(root, employees=30, revoked_on=D, status=OperatingStatus.REVOKED)
    build.enterprise(root, employees=7, revoked_on=D + DAY,
                             status=OperatingStatus.REVOKED)
    build.enterprise(root, employees=100)
    standalone(revoked)
    members(build, revoked, 3)

    before = totals(D - DAY, root)
    assert (before.enterprises, before.employees) == (3, 30 + 7 + 100)
    assert (before.unionized, before.standalone, before.members) == (1, 1, 3)
    on_d = totals(D, root)
    assert (on_d.enterprises, on_d.employees) == (2, 7 + 100)
    assert (on_d.unionized, on_d.standalone, on_d.members, on_d.employees_unionized) == (0, 0, 0, 0)
    assert on_d.committees == 1  # the organisation is alive until it is dissolved
    after = totals(D + DAY, root)
    assert (after.enterprises, after.employees) == (1, 100)


# --- organisations alive, coverage -----------------------------------------------------------

def test_organisation_founded_on_d_counts_and_dissolved_on_d_does_not(build):
    root = build.jurisdiction("测试县")
    new, old = build.enterprise(root), build.enterprise(root)
    standalone(new, on=D)
    dissolve(standalone(old), D)

    on_d = totals(D, root)
    assert (on_d.enterprises, on_d.unionized, on_d.standalone) == (2, 1, 1)
    assert on_d.standalone_unions == 1
    before = totals(D - DAY, root)
    assert (before.unionized, before.standalone, before.standalone_unions) == (1, 1, 1)


def test_coverage_of_a_dissolved_organisation_does_not_unionize(build):
    root = build.jurisdiction("测试县")
    a, b = build.enterprise(root), build.enterprise(root)
    fed = federation(root, a, b)
    members(build, a, 3)
    # Dissolved without the service: the coverage rows stay open, yet nothing counts.
    UnionOrganisation.objects.filter(pk=fed.pk).update(dissolved_on=D)
    sync.refresh(organisation_ids=[fed.pk])  # what every bulk writer does after writing
    assert Coverage.objects.filter(organisation=fed, end_on__isnull=True).count() == 2

    on_d, before = totals(D, root), totals(D - DAY, root)
    assert (on_d.unionized, on_d.covered, on_d.members, on_d.federations) == (0, 0, 0, 0)
    assert (before.unionized, before.covered, before.members, before.federations) == (2, 2, 3, 1)


def test_organisations_by_kind_per_jurisdiction(build):
    root = build.jurisdiction("测试县")
    a, b = build.jurisdiction("甲镇", parent=root), build.jurisdiction("乙镇", parent=root)
    standalone(build.enterprise(a))
    org(a, OrganisationKind.JOINT, build.enterprise(a), build.enterprise(a))
    federation(b, build.enterprise(b), build.enterprise(b), build.enterprise(b))
    dissolve(federation(b), D - 10 * DAY)  # dissolved before D
    federation(b, on=D + DAY)  # founded after D

    t = statistics.table(D, root)
    kinds = ("standalone_unions", "joint_unions", "federations")
    by_kind = {j.code: tuple(getattr(t.row(j.code).figures, k) for k in kinds)
               for j in (root, a, b)}
    assert by_kind == {root.code: (1, 1, 1), a.code: (1, 1, 0), b.code: (0, 0, 1)}
    assert (t.row(a.code).figures.standalone, t.row(a.code).figures.covered) == (1, 2)
    assert (t.total.unionized, t.total.standalone, t.total.covered) == (6, 1, 5)


def test_coverage_moves_from_federation_to_own_union(build):
    root = build.jurisdiction("测试县")
    town = build.jurisdiction("甲镇", parent=root)
    e, other = build.enterprise(town), build.enterprise(town)
    fed = federation(town, e, other)
    people = members(build, e, 3)
    move = D  # day M
    own = standalone(e, on=move)
    assert Coverage.objects.get(organisation=fed, enterprise=e).end_on == move

    for on, own_kind in ((move - DAY, 0), (move, 1), (move + DAY, 1)):
        f = totals(on, root)
        assert (f.unionized, f.standalone, f.covered) == (2, own_kind, 2 - own_kind), on
        assert f.members == 3, on
        assert statistics.table(on, root).row(town.code).figures.members == 3
    m = people[0]
    assert m.organisation_on(move - DAY) == fed
    assert m.organisation_on(move) == own
    assert m.organisation_on(move + DAY) == own
    assert Member.objects.of_organisation(fed, move - DAY).count() == 3
    assert Member.objects.of_organisation(own, move - DAY).count() == 0
    assert Member.objects.of_organisation(fed, move).count() == 0
    assert Member.objects.of_organisation(own, move).count() == 3


# --- members ---------------------------------------------------------------------------------

def test_member_joined_on_d_counts_and_left_on_d_does_not(build):
    root = build.jurisdiction("测试县")
    e = build.enterprise(root)
    standalone(e)
    leaves_d, stays, leaves_next = members(build, e, 3)
    (joins_d,) = members(build, e, 1, joined_on=D)
    leave(leaves_d, D)
    leave(leaves_next, D + DAY)

    def counted(on):
        return {m.pk for m in Member.objects.counted(on).filter(enterprise=e)}

    assert totals(D - DAY, root).members == 3
    assert counted(D - DAY) == {leaves_d.pk, stays.pk, leaves_next.pk}
    assert totals(D, root).members == 3
    assert counted(D) == {joins_d.pk, stays.pk, leaves_next.pk}
    assert totals(D + DAY, root).members == 2
    assert counted(D + DAY) == {joins_d.pk, stays.pk}


def test_members_do_not_count_after_their_enterprise_coverage_ended(build):
    root = build.jurisdiction("测试县")
    a, b = build.enterprise(root), build.enterprise(root)
    federation(root, a, b)
    members(build, a, 2)
    members(build, b, 1)
    end_coverage(Coverage.objects.get(enterprise=a), D)

    assert (totals(D - DAY, root).members, totals(D - DAY, root).unionized) == (3, 2)
    assert (totals(D, root).members, totals(D, root).unionized) == (1, 1)


def test_members_do_not_count_after_their_enterprise_deregistered(build):
    root = build.jurisdiction("测试县")
    e = build.enterprise(root, employees=30)
    standalone(e)
    members(build, e, 2)
    e.status, e.deregistered_on = OperatingStatus.DEREGISTERED, D
    e.full_clean()
    e.save()

    before, on_d = totals(D - DAY, root), totals(D, root)
    assert (before.enterprises, before.members, before.employees_unionized) == (1, 2, 30)
    assert (on_d.enterprises, on_d.members, on_d.employees_unionized) == (0, 0, 0)


def test_members_count_in_their_enterprise_jurisdiction(build):
    root = build.jurisdiction("测试县")
    a, b = build.jurisdiction("甲镇", parent=root), build.jurisdiction("乙镇", parent=root)
    x, y = build.enterprise(b), build.enterprise(b)
    federation(a, x, y)  # the federation belongs to 甲镇, its enterprises to 乙镇
    members(build, x, 3)

    t = statistics.table(D, root)
    fa, fb = t.row(a.code).figures, t.row(b.code).figures
    assert (fa.federations, fa.enterprises, fa.members) == (1, 0, 0)
    assert (fb.federations, fb.covered, fb.members) == (0, 2, 3)
    assert t.total.members == 3


# --- employees -------------------------------------------------------------------------------

def test_employees_from_latest_survey_on_or_before_d(build):
    root = build.jurisdiction("测试县")
    surveyed = build.enterprise(root, employees=100)
    build.enterprise(root, employees=40)  # never surveyed: its registered count
    standalone(surveyed)
    for on, n in ((JOINED, 80), (D, 90), (D + DAY, 1000)):
        EmployeeSurvey.objects.create(enterprise=surveyed, surveyed_on=on, employees=n)

    def employees(on):
        f = totals(on, root)
        return f.employees, f.employees_unionized

    assert employees(JOINED - DAY) == (100 + 40, 100)  # no survey yet: the register
    assert employees(JOINED) == (80 + 40, 80)
    assert employees(D - DAY) == (80 + 40, 80)
    assert employees(D) == (90 + 40, 90)  # the survey after D is ignored
    assert employees(D + DAY) == (1000 + 40, 1000)


# --- rates -----------------------------------------------------------------------------------

def test_rates_are_exact_fractions(build):
    root = build.jurisdiction("测试县")
    a, b, c = (build.enterprise(root, employees=n) for n in (30, 50, 7))
    build.enterprise(root, employees=11)  # not unionized
    standalone(a)
    federation(root, b, c)
    members(build, a, 6)
    members(build, b, 5)

    f = totals(D, root)
    assert (f.enterprises, f.unionized, f.members, f.employees_unionized) == (4, 3, 11, 87)
    assert f.establishment_rate == Fraction(3, 4)
    assert f.membership_rate == Fraction(11, 87)
    assert isinstance(f.establishment_rate, Fraction)
    assert isinstance(f.membership_rate, Fraction)
    assert statistics.table(D, root).total == f


def test_rates_are_zero_when_the_denominator_is_zero(build):
    root = build.jurisdiction("测试县")
    empty = totals(D, root)
    assert (empty.establishment_rate, empty.membership_rate) == (Fraction(0), Fraction(0))
    build.enterprise(root)  # in scope but no unionized employees
    f = totals(D, root)
    assert (f.establishment_rate, f.membership_rate) == (Fraction(0), Fraction(0))
    assert statistics.table(D, root).as_json()["total"]["membership_rate"] == 0.0


@pytest.mark.parametrize(("value", "shown"), [
    (Fraction(161, 164), "98.2%"),
    (Fraction(77, 80), "96.3%"),  # 96.25 rounds half up
    (Fraction(1, 8), "12.5%"),
    (Fraction(1, 1600), "0.1%"),  # 0.0625 → 0.1
    (Fraction(2, 3), "66.7%"),
    (Fraction(1, 3), "33.3%"),
    (Fraction(0), "0.0%"),
    (Fraction(1), "100.0%"),
])
def test_percent_rounds_half_up_to_one_decimal(value, shown):
    assert statistics.percent(value) == shown


def test_percent_with_no_decimals():
    assert statistics.percent(Fraction(161, 164), 0) == "98%"
    assert statistics.percent(Fraction(1, 200), 0) == "1%"  # 0.5 rounds half up


def test_percent_of_a_negative_change():
    # A change of a rate since the previous day, f(D) - f(D-1), may be negative.
    assert statistics.percent(Fraction(-1, 1000)) == "-0.1%"
    assert statistics.percent(Fraction(-1, 3)) == "-33.3%"


# --- the 25-member rule ----------------------------------------------------------------------

def test_rule25_warns_for_25_members_under_a_federation_only(build):
    root = build.jurisdiction("测试县")
    town = build.jurisdiction("甲镇", parent=root)
    e25, e24, own = build.enterprise(town), build.enterprise(town), build.enterprise(town)
    federation(town, e25, e24)
    standalone(own)
    last, *_ = members(build, e25, 25)
    members(build, e24, 24)
    members(build, own, 25)

    f = totals(D, root)
    assert (f.members, f.rule25_warnings) == (74, 1)
    assert statistics.table(D, root).row(town.code).figures.rule25_warnings == 1
    assert [r["enterprise_id"] for r in statistics.rule25_enterprises(D, [root.path])] == [e25.pk]
    leave(last, D)  # 24 members from D on
    assert totals(D, root).rule25_warnings == 0
    assert totals(D - DAY, root).rule25_warnings == 1


# --- roll-up and JSON ------------------------------------------------------------------------

ROW_KEYS = {
    "code", "name", "kind", "parent", "enterprises", "unionized", "standalone", "covered",
    "not_unionized", "federations", "joint_unions", "employees", "employees_unionized",
    "members", "establishment_rate", "membership_rate", "rule25_warnings", "committees",
}


def three_levels(build):
    """county (1 not unionized) → 甲镇 (1 standalone) → 一片区 (2 joint); 乙镇 (2 federation)."""
    county = build.jurisdiction("测试县")
    town = build.jurisdiction("甲镇", parent=county)
    area = build.jurisdiction("一片区", parent=town, kind=JurisdictionKind.AREA)
    other = build.jurisdiction("乙镇", parent=county)
    build.enterprise(county, employees=5)
    s = build.enterprise(town, employees=40)
    standalone(s)
    j1, j2 = build.enterprise(area, employees=10), build.enterprise(area, employees=20)
    org(town, OrganisationKind.JOINT, j1, j2)
    f1, f2 = build.enterprise(other, employees=60), build.enterprise(other, employees=8)
    federation(other, f1, f2)
    members(build, s, 4)
    members(build, j1, 2)
    members(build, f1, 25)
    return county, town, area, other


def test_roll_up_sums_descendants(build):
    county, town, area, other = three_levels(build)
    t = statistics.table(D, county)
    assert [r.jurisdiction.code for r in t.rows] == [c.code for c in (county, town, area, other)]
    fig = {r.jurisdiction.code: r.figures for r in t.rows}
    assert fig[area.code] == statistics.Figures(
        enterprises=2, covered=2, unionized=2, employees=30, employees_unionized=30, members=2)
    assert fig[town.code] == statistics.Figures(
        enterprises=3, standalone=1, covered=2, unionized=3, standalone_unions=1,
        joint_unions=1, employees=70, employees_unionized=70, members=6)
    assert fig[other.code] == statistics.Figures(
        enterprises=2, covered=2, unionized=2, federations=1, employees=68,
        employees_unionized=68, members=25, rule25_warnings=1)
    assert fig[county.code] == statistics.Figures(
        enterprises=6, standalone=1, covered=4, unionized=5, standalone_unions=1,
        joint_unions=1, federations=1, employees=143, employees_unionized=138, members=31,
        rule25_warnings=1)
    assert t.total == fig[county.code] == statistics.totals(D, county)
    assert statistics.totals(D, town) == fig[town.code]


def test_table_json_contract(build):
    county, town, area, other = three_levels(build)
    data = statistics.table(D, county).as_json()
    assert set(data) == {"as_of", "total", "jurisdictions"}
    assert data["as_of"] == "2023-06-15"
    assert set(data["total"]) == ROW_KEYS - {"code", "name", "kind", "parent"}
    rows = {r["code"]: r for r in data["jurisdictions"]}
    assert all(set(r) == ROW_KEYS for r in rows.values())
    parents = {code: r["parent"] for code, r in rows.items()}
    assert parents == {county.code: None, town.code: county.code, area.code: town.code,
                       other.code: county.code}
    assert rows[area.code]["kind"] == "片区"
    assert rows[area.code]["name"] == "一片区"
    c = rows[county.code]
    assert type(c["establishment_rate"]) is float and type(c["membership_rate"]) is float
    assert c["establishment_rate"] == 5 / 6
    assert c["membership_rate"] == 31 / 138
    assert (c["not_unionized"], c["covered"], c["members"]) == (1, 4, 31)
    # Alive 基层工会委员会 on D, rolled up like the other figures (town's one in the county).
    assert (c["committees"], rows[town.code]["committees"], rows[other.code]["committees"]) == (
        1, 1, 0)


# --- scoping ---------------------------------------------------------------------------------

def test_user_sees_only_their_subtree(build, user_in):
    county, town, area, other = three_levels(build)
    user = user_in(town)

    t = statistics.table(D, paths=scope_paths(user))
    assert [r.jurisdiction.code for r in t.rows] == [town.code, area.code]
    assert t.total == statistics.totals(D, town) == statistics.totals(D, paths=scope_paths(user))
    assert (t.total.enterprises, t.total.members) == (3, 6)
    narrowed = statistics.table(D, county, paths=scope_paths(user))  # asking for the county gives 甲镇 only
    assert [r.jurisdiction.code for r in narrowed.rows] == [town.code, area.code]
    assert narrowed.total == t.total
    assert statistics.table(D, other, paths=scope_paths(user)).rows == []


# --- query count -----------------------------------------------------------------------------

def grown_tree(build, towns: int, enterprises: int):
    root = build.jurisdiction("测试县")
    places = [root] + [build.jurisdiction(f"{i}镇", parent=root) for i in range(towns)]
    es = [build.enterprise(places[i % len(places)]) for i in range(enterprises)]
    federation(root, *es[::2])
    for e in es[1::2]:
        standalone(e)
    for e in es:
        members(build, e, 1)
        EmployeeSurvey.objects.create(enterprise=e, surveyed_on=JOINED, employees=33)
    return root


def queries(root, user=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        statistics.table(D, root, paths=None if user is None else scope_paths(user)).as_json()
    return len(ctx.captured_queries)


def test_query_count_is_constant(build, user_in):
    small, big = grown_tree(build, 1, 2), grown_tree(build, 5, 20)
    assert statistics.totals(D, big).members == 20
    assert queries(small) == queries(big) <= 6
    assert queries(None, user_in(small)) == queries(None, user_in(big))
