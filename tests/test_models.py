"""The model rules (DOMAIN.md §1-§4) as enforced by full_clean and the services.

Every rejection is a ValidationError carrying a Chinese message that says what is wrong.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

import jianhui.regions
from jianhui.enterprises.models import Enterprise, OperatingStatus, Scale
from jianhui.lib.codes import make_credit_code, make_id_number
from jianhui.regions.models import Jurisdiction, JurisdictionKind
from jianhui.unions.models import Coverage, Member, OrganisationKind, UnionOrganisation
from jianhui.unions.services import (
    cover,
    dissolve,
    end_coverage,
    enrol,
    found_organisation,
    leave,
)

D = dt.date(2023, 6, 15)
DAY = dt.timedelta(days=1)
EARLY = dt.date(2021, 1, 1)
CODE = make_credit_code("91999999MB0000001")  # an enterprise's credit code
UNION_CODE = make_credit_code("81510623000000001")


def org(build, kind=OrganisationKind.FEDERATION, *enterprises, on=EARLY, **extra):
    jurisdiction = enterprises[0].jurisdiction if enterprises else build.jurisdiction("测试县")
    return found_organisation(name=f"测试{kind}", kind=kind, jurisdiction=jurisdiction,
                              founded_on=on, enterprises=list(enterprises), **extra)


def messages(excinfo, field: str) -> str:
    return " ".join(excinfo.value.message_dict[field])


def unsaved_enterprise(build, **fields) -> Enterprise:
    fields = {"credit_code": CODE, "name": "未保存企业", "employees": 50} | fields
    return Enterprise(jurisdiction=build.jurisdiction("测试县"), **fields)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


def id_ending_in_x(birth=dt.date(1985, 3, 7)) -> str:
    return next(n for s in range(1000) if (n := make_id_number("110101", birth, s))[-1] == "X")


@pytest.fixture
def place(build):
    return build.jurisdiction("测试县")


# --- coverage --------------------------------------------------------------------------------

def test_standalone_union_covers_one_enterprise_at_a_time(build, place):
    first, second = build.enterprise(place), build.enterprise(place)
    union = org(build, OrganisationKind.STANDALONE, first)
    with pytest.raises(ValidationError) as exc:
        cover(union, second, D)
    assert "同一时间只能覆盖一家企业" in messages(exc, "organisation")

    end_coverage(Coverage.objects.get(enterprise=first), D)
    with pytest.raises(ValidationError):
        cover(union, second, D - DAY)  # still overlaps the first coverage
    cover(union, second, D)  # from the day the first coverage ended
    assert Coverage.objects.active(D).get(organisation=union).enterprise == second


def test_enterprise_is_covered_by_one_organisation_at_a_time(build, place):
    e = build.enterprise(place)
    first, second = org(build), org(build)
    cover(first, e, EARLY, end_on=D)  # closed: cover() has no open coverage to end
    with pytest.raises(ValidationError) as exc:
        cover(second, e, D - 10 * DAY, end_on=D - DAY)
    assert "一家企业同一时间只能由一个工会组织覆盖" in messages(exc, "enterprise")
    clash = Coverage(organisation=second, enterprise=e, start_on=EARLY - DAY, end_on=EARLY + DAY)
    with pytest.raises(ValidationError):
        clash.full_clean()
    cover(second, e, D)  # touching, not overlapping


def test_database_allows_one_open_coverage_per_enterprise(build, place):
    e = build.enterprise(place)
    first, second = org(build), org(build)
    with pytest.raises(IntegrityError), transaction.atomic():
        Coverage.objects.create(organisation=first, enterprise=e, start_on=EARLY)
        Coverage.objects.create(organisation=second, enterprise=e, start_on=D)
    with pytest.raises(IntegrityError), transaction.atomic():
        Coverage.objects.create(organisation=first, enterprise=e, start_on=D, end_on=D)


@pytest.mark.parametrize("kind", [OrganisationKind.JOINT, OrganisationKind.FEDERATION])
def test_joint_organisation_with_fewer_than_two_enterprises_warns(build, place, kind):
    one, two = build.enterprise(place), build.enterprise(place)
    union = org(build, kind, one)  # legal, no error
    (warning,) = union.coverage_warnings(D)
    assert "应覆盖两家及以上企业" in warning and "1 家" in warning
    cover(union, two, D)
    assert union.coverage_warnings(D) == []
    assert len(union.coverage_warnings(D - DAY)) == 1


def test_coverage_cannot_start_before_the_organisation_was_founded(build, place):
    e = build.enterprise(place)
    union = org(build, on=D)
    with pytest.raises(ValidationError) as exc:
        cover(union, e, D - DAY)
    assert "2023-06-14" in messages(exc, "start_on") and "成立日期" in messages(exc, "start_on")
    late = build.enterprise(place, founded_on=D + DAY)
    with pytest.raises(ValidationError) as exc:  # nor before the enterprise was founded
        cover(union, late, D)
    assert late.name in messages(exc, "start_on")
    cover(union, e, D)
    union.founded_on = D + DAY  # moving the founding date past the coverage is refused too
    with pytest.raises(ValidationError) as exc:
        union.full_clean()
    assert "覆盖关系" in messages(exc, "founded_on")


def test_coverage_cannot_start_after_the_organisation_was_dissolved(build, place):
    e, f = build.enterprise(place), build.enterprise(place)
    live = org(build, OrganisationKind.FEDERATION, e, f)
    dead = dissolve(org(build), D)
    with pytest.raises(ValidationError):
        cover(dead, e, D + DAY)
    assert Coverage.objects.active(D + DAY).get(enterprise=e).organisation == live


@pytest.mark.parametrize("end_on", [D - DAY, D])
def test_coverage_must_end_after_it_starts(build, place, end_on):
    e = build.enterprise(place)
    with pytest.raises(ValidationError) as exc:
        cover(org(build), e, D, end_on=end_on)
    assert "必须晚于开始日期" in messages(exc, "end_on")
    assert not Coverage.objects.filter(enterprise=e).exists()


# --- members ---------------------------------------------------------------------------------

def test_one_person_holds_one_membership_at_a_time(build, place):
    a, b, c = build.enterprise(place), build.enterprise(place), build.enterprise(place)
    org(build, OrganisationKind.STANDALONE, a)
    org(build, OrganisationKind.FEDERATION, b, c)
    person = build.id_number()
    member = enrol(name="张三", id_number=person, enterprise=a, joined_on=EARLY)
    with pytest.raises(ValidationError) as exc:
        enrol(name="张三", id_number=person, enterprise=b, joined_on=D)
    assert "同一时间只能是一个工会组织的会员" in messages(exc, "id_number")

    leave(member, D)
    with pytest.raises(ValidationError):
        enrol(name="张三", id_number=person, enterprise=b, joined_on=D - DAY)
    moved = enrol(name="张三", id_number=person, enterprise=b, joined_on=D)
    assert list(Member.objects.by_id_number(person).active(D)) == [moved]


def test_joining_needs_a_covered_founded_enterprise(build, place):
    e = build.enterprise(place)
    with pytest.raises(ValidationError) as exc:
        enrol(name="李四", id_number=build.id_number(), enterprise=e, joined_on=D)
    assert "2023-06-15" in messages(exc, "joined_on")
    assert "没有工会组织覆盖" in messages(exc, "joined_on")

    union = org(build, OrganisationKind.STANDALONE, e, on=D)
    with pytest.raises(ValidationError) as exc:  # the day before coverage starts
        enrol(name="李四", id_number=build.id_number(), enterprise=e, joined_on=D - DAY)
    assert "2023-06-14" in messages(exc, "joined_on")
    enrol(name="李四", id_number=build.id_number(), enterprise=e, joined_on=D)
    dissolve(union, D + DAY)
    with pytest.raises(ValidationError):
        enrol(name="王五", id_number=build.id_number(), enterprise=e, joined_on=D + DAY)


def test_joining_before_the_enterprise_was_founded_is_rejected(build, place):
    e = build.enterprise(place, founded_on=D + 10 * DAY)
    org(build, OrganisationKind.STANDALONE, e, on=D + 10 * DAY)
    with pytest.raises(ValidationError) as exc:
        enrol(name="李四", id_number=build.id_number(), enterprise=e, joined_on=D)
    assert "2023-06-15" in messages(exc, "joined_on")
    assert "尚未成立" in messages(exc, "joined_on")


def test_member_gender_and_birth_date_come_from_the_id_number(build, place):
    e = build.enterprise(place)
    org(build, OrganisationKind.STANDALONE, e)
    woman = enrol(name="赵女士", id_number=make_id_number("110101", dt.date(1990, 5, 17), 124),
                  enterprise=e, joined_on=D)
    assert (woman.gender, woman.birth_date) == ("女", dt.date(1990, 5, 17))
    # Derived on save even when clean is bypassed.
    man = Member.objects.create(
        name="钱先生", id_number=make_id_number("110101", dt.date(1975, 12, 1), 123),
        enterprise=e, joined_on=D)
    man.refresh_from_db()
    assert (man.gender, man.birth_date) == ("男", dt.date(1975, 12, 1))


def test_member_with_a_bad_check_character_is_rejected(build, place):
    e = build.enterprise(place)
    org(build, OrganisationKind.STANDALONE, e)
    good = make_id_number("110101", dt.date(1990, 5, 17), 123)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        Member(name="孙六", id_number=bad, enterprise=e, joined_on=D).full_clean()
    assert "校验不通过" in messages(exc, "id_number")
    with pytest.raises(ValidationError):
        enrol(name="孙六", id_number=bad, enterprise=e, joined_on=D)
    assert not Member.objects.filter(enterprise=e).exists()


def test_lower_case_x_is_accepted_and_stored_upper_case(build, place):
    a, b, c = build.enterprise(place), build.enterprise(place), build.enterprise(place)
    org(build, OrganisationKind.STANDALONE, a)
    org(build, OrganisationKind.FEDERATION, b, c)
    number = id_ending_in_x()
    member = enrol(name="周七", id_number=number.lower(), enterprise=a, joined_on=D)
    member.refresh_from_db()
    assert member.id_number == number
    assert Member.objects.by_id_number(number).count() == 1
    assert Member.objects.by_id_number(number.lower()).count() == 1
    with pytest.raises(ValidationError):  # the same person, whichever case
        enrol(name="周七", id_number=number, enterprise=b, joined_on=D)
    raw = Member.objects.create(name="吴八", id_number=id_ending_in_x(dt.date(1986, 1, 2)).lower(),
                                enterprise=c, joined_on=D)
    assert Member.objects.values_list("id_number", flat=True).get(pk=raw.pk).endswith("X")


# --- enterprises and organisations -----------------------------------------------------------

@pytest.mark.parametrize("typed", [CODE.lower(), full_width(CODE), full_width(CODE.lower())])
def test_enterprise_credit_code_is_normalised(build, typed):
    e = unsaved_enterprise(build, credit_code=typed)
    e.full_clean()
    assert e.credit_code == CODE


@pytest.mark.parametrize("typed", [f" {CODE} ", f"{CODE[:6]} {CODE[6:12]}\u3000{CODE[12:]}"])
def test_enterprise_credit_code_with_spaces_is_normalised(build, typed):
    e = unsaved_enterprise(build, credit_code=typed)
    e.full_clean()
    assert e.credit_code == CODE


def test_union_credit_code_with_spaces_is_normalised(build):
    assert org(build, credit_code=f"{UNION_CODE[:9]} {UNION_CODE[9:]}").credit_code == UNION_CODE


def test_enterprise_credit_code_with_a_bad_check_character_is_rejected(build):
    wrong = CODE[:17] + ("0" if CODE[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        unsaved_enterprise(build, credit_code=wrong).full_clean()
    assert "校验不通过" in messages(exc, "credit_code")


def test_deregistration_date_and_status_go_together(build):
    with pytest.raises(ValidationError) as exc:
        unsaved_enterprise(build, status=OperatingStatus.DEREGISTERED).full_clean()
    assert "注销日期" in messages(exc, "deregistered_on")
    with pytest.raises(ValidationError) as exc:
        unsaved_enterprise(build, deregistered_on=D).full_clean()
    assert "注销" in messages(exc, "status")
    unsaved_enterprise(build, deregistered_on=D, status=OperatingStatus.DEREGISTERED).full_clean()


def test_female_employees_cannot_exceed_employees(build):
    with pytest.raises(ValidationError) as exc:
        unsaved_enterprise(build, employees=10, female_employees=11).full_clean()
    assert "不能多于职工人数" in messages(exc, "female_employees")
    unsaved_enterprise(build, employees=10, female_employees=10).full_clean()


def test_union_credit_code_starts_with_81(build, place):
    with pytest.raises(ValidationError) as exc:
        org(build, credit_code=CODE)
    assert "81" in messages(exc, "credit_code")
    union = org(build, credit_code=UNION_CODE.lower())
    assert union.credit_code == UNION_CODE
    assert not UnionOrganisation.objects.filter(credit_code=CODE).exists()


SCALES = [(0, Scale.MICRO), (19, Scale.MICRO), (20, Scale.SMALL), (299, Scale.SMALL),
          (300, Scale.MEDIUM), (999, Scale.MEDIUM), (1000, Scale.LARGE), (5000, Scale.LARGE)]


@pytest.mark.parametrize(("employees", "scale"), SCALES)
def test_scale_from_employees(employees, scale):
    assert Enterprise(employees=employees).scale == scale
    assert Enterprise(employees=employees, scale_override=Scale.MEDIUM).scale == Scale.MEDIUM


def test_of_scale_agrees_with_the_derived_scale(build, place):
    made = [build.enterprise(place, employees=n) for n, _ in SCALES]
    made += [build.enterprise(place, employees=5, scale_override=Scale.LARGE),
             build.enterprise(place, employees=5000, scale_override=Scale.MICRO),
             build.enterprise(place, employees=25, scale_override=Scale.SMALL)]
    mine = Enterprise.objects.filter(jurisdiction=place)
    for scale in Scale:
        assert set(mine.of_scale(scale)) == {e for e in made if e.scale == scale}, scale
    assert sum(mine.of_scale(s).count() for s in Scale) == len(made)


# --- jurisdictions ---------------------------------------------------------------------------

def test_jurisdiction_path_and_depth(build):
    county = build.jurisdiction("测试县")
    town = build.jurisdiction("甲镇", parent=county)
    area = build.jurisdiction("一片区", parent=town, kind=JurisdictionKind.AREA)
    assert (county.path, county.depth) == (f"/{county.code}/", 0)
    assert (town.path, town.depth) == (f"/{county.code}/{town.code}/", 1)
    assert (area.path, area.depth) == (f"/{county.code}/{town.code}/{area.code}/", 2)
    assert set(Jurisdiction.objects.subtree(town)) == {town, area}
    assert area.ancestors() == [county, town]


def test_reparenting_updates_descendant_paths(build):
    county, other = build.jurisdiction("测试县"), build.jurisdiction("另一县")
    town = build.jurisdiction("甲镇", parent=county)
    area = build.jurisdiction("一片区", parent=town, kind=JurisdictionKind.AREA)
    spot = build.jurisdiction("一点", parent=area, kind=JurisdictionKind.AREA)
    host = build.jurisdiction("乙镇", parent=other)

    town.parent = host  # one level deeper
    town.full_clean()
    town.save()
    for node in (area, spot):
        node.refresh_from_db()
    prefix = f"/{other.code}/{host.code}/{town.code}/"
    assert (town.path, town.depth) == (prefix, 2)
    assert (area.path, area.depth) == (f"{prefix}{area.code}/", 3)
    assert (spot.path, spot.depth) == (f"{prefix}{area.code}/{spot.code}/", 4)
    assert not Jurisdiction.objects.subtree(county).exclude(pk=county.pk).exists()
    assert set(Jurisdiction.objects.subtree(other)) == {other, host, town, area, spot}


def test_jurisdiction_cannot_be_moved_under_its_own_descendant(build):
    county = build.jurisdiction("测试县")
    town = build.jurisdiction("甲镇", parent=county)
    area = build.jurisdiction("一片区", parent=town, kind=JurisdictionKind.AREA)
    town.parent = area
    with pytest.raises(ValidationError) as exc:
        town.full_clean()
    assert "上级辖区" in messages(exc, "parent")


SCHEMA_OPERATIONS = {"CreateModel", "AddField", "AlterField", "RemoveField", "RenameField",
                     "AddIndex", "RemoveIndex", "AddConstraint", "RemoveConstraint",
                     "AlterModelOptions", "AlterUniqueTogether", "DeleteModel", "RenameModel"}


def test_region_migrations_create_no_jurisdictions():
    """The demo county is loaded by the test setup, never by a migration."""
    files = sorted((Path(jianhui.regions.__file__).parent / "migrations").glob("*.py"))
    assert any(f.name.startswith("0001") for f in files)
    for path in files:
        source = path.read_text(encoding="utf-8")
        for word in ("RunPython", "RunSQL", "objects.", "bulk_create", "loaddata", "INSERT"):
            assert word not in source, f"{path.name} contains {word}"
        operations = {
            node.func.attr for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "migrations"
        }
        assert operations <= SCHEMA_OPERATIONS, f"{path.name}: {operations - SCHEMA_OPERATIONS}"
