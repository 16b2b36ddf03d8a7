"""The scoring run: draw up the units, compute every data-driven score, collect the manual
ones, total, rank and grade — in one transaction, replacing the previous run's scores. A locked
scheme is never run again: its stored scores and inputs are the assessment."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jianhui.lib.scoping import paths_q
from jianhui.unions.models import UnionOrganisation

from . import ranking
from .formulas import REGISTRY, Context
from .models import (
    GradingMode,
    Indicator,
    ManualScore,
    Method,
    Role,
    Scheme,
    Score,
    Status,
    Unit,
    UnitKind,
)
from .numbers import plain

PLACES = Decimal("0.00000001")


def to_decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        PLACES, rounding=ROUND_HALF_UP)


def check_runnable(scheme: Scheme, indicators: list[Indicator]) -> None:
    if scheme.status == Status.LOCKED:
        raise ValidationError(f"考核方案“{scheme.key}”已于 {scheme.locked_at:%Y-%m-%d} 锁定，"
                              "结果不再重新计算。")
    problems = scheme.weight_problems(indicators)
    for ind in indicators:
        try:
            ind.full_clean()
        except ValidationError as exc:
            problems += [f"指标“{ind.name}”：{m}" for m in exc.messages]
    codes = {i.code for i in indicators}
    unknown = [c for c in scheme.tie_break_codes() if c not in codes]
    if unknown:
        problems.append(f"同分排序规则中的指标编号 {'、'.join(unknown)} 不在本方案中。")
    if problems:
        raise ValidationError(problems)


def draw_units(scheme: Scheme) -> list[Unit]:
    """The units of the scheme: the campaign's areas and the union organisations alive on the
    assessment date in them. Existing units are kept (manual scores hang on them); in a draft,
    units no longer eligible and without manual scores are removed."""
    campaign = scheme.campaign
    areas = [a.jurisdiction for a in campaign.areas.select_related("jurisdiction")]
    wanted: dict[tuple[str, str], dict] = {}
    for order, j in enumerate(areas):
        wanted[UnitKind.AREA, j.code] = dict(jurisdiction=j, organisation=None, name=j.name,
                                             path=j.path, area_code=j.code, order=order)
    area_of = {j.path: j for j in areas}
    orgs = (UnionOrganisation.objects.alive(scheme.as_of).select_related("jurisdiction")
            .filter(paths_q("jurisdiction__path", tuple(area_of)))
            .order_by("jurisdiction__path", "key"))
    for order, org in enumerate(orgs):
        area = next(a for p, a in area_of.items() if org.jurisdiction.path.startswith(p))
        wanted[UnitKind.ORGANISATION, org.key] = dict(
            jurisdiction=org.jurisdiction, organisation=org, name=org.name,
            path=org.jurisdiction.path, area_code=area.code, order=order)
    existing = {(u.kind, u.code): u for u in scheme.units.all()}
    for (kind, code), fields in wanted.items():
        unit = existing.get((kind, code))
        if unit is None:
            Unit.objects.create(scheme=scheme, kind=kind, code=code, **fields)
    if scheme.status == Status.DRAFT:
        stale = [u.pk for k, u in existing.items() if k not in wanted]
        Unit.objects.filter(pk__in=stale, manual_scores__isnull=True).delete()
    return list(scheme.units.select_related("jurisdiction", "organisation"))


def _manual(indicator: Indicator, manual: ManualScore | None) -> dict:
    if manual is None:
        missing = indicator.role == Role.SCORED
        return dict(points=Fraction(0), value=None, value_shown="尚未评分" if missing else "无",
                    inputs={}, links=[], words="尚未评分，暂按 0 分计" if missing else "无此项，0 分",
                    assessor="", reason="", missing=missing)
    points = Fraction(manual.points)
    return dict(points=points, value=float(points), value_shown=f"{plain(manual.points)} 分",
                inputs={"points": float(points), "evidence": [e.name for e in manual.evidence.all()]},
                links=[], words=f"评审打分 {plain(manual.points)} 分",
                assessor=manual.assessor, reason=manual.reason, missing=False)


def _formula(indicator: Indicator, ctx: Context, unit: Unit) -> dict:
    f = REGISTRY[indicator.formula]
    m = f.compute(ctx, unit)
    points = indicator.points_for(m.value)
    return dict(points=points, value=float(m.value), value_shown=m.shown, inputs=m.inputs,
                links=[list(link) for link in m.links],
                words=f"{m.words}；{indicator.rule_in_words()} = {float(to_decimal(points)):g} 分",
                assessor="", reason="", missing=False)


@transaction.atomic
def run(scheme: Scheme) -> list[Unit]:
    """Score every unit of the scheme; return them ranked (areas first)."""
    scheme = Scheme.objects.select_for_update().select_related("campaign").get(pk=scheme.pk)
    indicators = list(scheme.indicators.all())
    check_runnable(scheme, indicators)
    units = draw_units(scheme)
    ctx = Context(scheme.campaign, scheme.as_of, units)
    manual = {(m.indicator_id, m.unit_id): m for m in ManualScore.objects.filter(
        indicator__scheme=scheme).prefetch_related("evidence")}
    Score.objects.filter(unit__scheme=scheme).delete()
    scores, entries = [], {kind: [] for kind in UnitKind}
    tie_codes = scheme.tie_break_codes()
    for unit in units:
        total, by_code = Decimal(0), {}
        for ind in indicators:
            if not ind.applies(unit.kind):
                continue
            if ind.method == Method.MANUAL:
                got = _manual(ind, manual.get((ind.pk, unit.pk)))
            else:
                got = _formula(ind, ctx, unit)
            points = to_decimal(got.pop("points"))
            scores.append(Score(unit=unit, indicator=ind, points=points, **got))
            total += points
            by_code[ind.code] = Fraction(points)
        unit.total = total
        entries[unit.kind].append(ranking.Entry(
            key=unit.pk, total=Fraction(total),
            tie_break=tuple(by_code.get(c, Fraction(0)) for c in tie_codes)))
    Score.objects.bulk_create(scores)
    by_pk = {u.pk: u for u in units}
    for group in entries.values():
        ranked = ranking.rank(group)
        if scheme.grading == GradingMode.QUOTAS:
            ranking.grade_by_quotas(ranked, Fraction(scheme.excellent_share),
                                    Fraction(scheme.good_share), Fraction(scheme.pass_min))
        else:
            for e in ranked:
                e.grade = ranking.grade_by_thresholds(
                    e.total, Fraction(scheme.excellent_min), Fraction(scheme.good_min),
                    Fraction(scheme.pass_min))
        for e in ranked:
            unit = by_pk[e.key]
            unit.rank, unit.grade = e.rank, e.grade
    Unit.objects.bulk_update(units, ["total", "rank", "grade"])
    scheme.ran_at = timezone.now()
    scheme.save(update_fields=["ran_at"])
    return ranked_units(scheme)


def ranked_units(scheme: Scheme):
    return list(scheme.units.select_related("jurisdiction", "organisation")
                .order_by("kind", "rank", "order"))

