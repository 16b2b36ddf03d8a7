"""The assessment's pages: the schemes, a scheme's ranking (table and chart), a unit's breakdown
with its objections, and the county's steps (run, publish, lock) behind a confirmation.

Who sees what: a scheme is seen by whoever reads any part of its campaign; every unit's rank,
total and grade are public to them, its per-indicator points only to those whose scope reaches
the unit (or to all when the scheme publishes scores); a breakdown outside the scope is a 404.
The county (the right to edit at the campaign's jurisdiction) scores, runs, publishes and
answers objections; locking needs the right to lock assessments there (county leaders).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jianhui.accounts.rights import Right, right_required
from jianhui.audit.log import record
from jianhui.audit.models import Action
from jianhui.web.attachments import serve_attachment
from jianhui.web.exporting import Export
from jianhui.web.pages import get_scoped, paginate

from . import scoring, services
from .forms import NewSchemeForm, SchemeForm, indicators_formset
from .models import (
    Evidence,
    Grade,
    ManualScore,
    Measure,
    Method,
    Objection,
    Scheme,
    Score,
    Status,
    TiltPlan,
    Unit,
    UnitKind,
    Visibility,
)
from .notice import notice_filename, results_notice
from .tables import RANKING_COLUMNS, chart_data, ranking_rows

NO_VIEW = "您没有查看考核结果的权限。"


def _scheme(request, key: str) -> Scheme:
    return get_scoped(Scheme.objects.select_related("campaign__jurisdiction"), request.scope,
                      key=key)


def can_manage(request, scheme: Scheme) -> bool:
    return request.scope.holds(Right.EDIT, scheme.campaign.jurisdiction)


def can_lock(request, scheme: Scheme) -> bool:
    return request.scope.holds(Right.LOCK_ASSESSMENT, scheme.campaign.jurisdiction)


@right_required(Right.VIEW, NO_VIEW)
def scheme_list(request):
    schemes = Scheme.objects.within(request.scope).select_related("campaign")
    return render(request, "assessment/list.html", {
        "page": paginate(request, schemes), "may_create": bool(_managed_campaigns(request))})


@right_required(Right.VIEW, NO_VIEW)
def ranking(request, key: str):
    scheme = _scheme(request, key)
    export = Export(request, pii=False)
    if export.ready():
        return export.send(f"{scheme.name}_排名.xlsx", RANKING_COLUMNS, ranking_rows(scheme),
                           model="assessment.Unit", sheet="考核排名",
                           title=f"{scheme.name}排名（考核基准日 {scheme.as_of:%Y-%m-%d}，"
                                 f"{scheme.get_status_display()}）")
    reach = set(Unit.objects.within(request.scope).filter(scheme=scheme)
                .values_list("pk", flat=True))
    areas = list(scheme.units.filter(kind=UnitKind.AREA).order_by("rank", "order"))
    orgs = paginate(request, scheme.units.filter(kind=UnitKind.ORGANISATION)
                    .order_by("rank", "order"))
    indicators = {kind: [i for i in scheme.indicators.all() if i.applies(kind)]
                  for kind in UnitKind}
    shown = [u.pk for u in (*areas, *orgs.object_list)
             if u.pk in reach or scheme.visibility == Visibility.SCORES]
    points: dict[int, dict[int, Score]] = {}
    for s in Score.objects.filter(unit__in=shown):
        points.setdefault(s.unit_id, {})[s.indicator_id] = s

    def rows(units, kind):
        return [(u, u.pk in reach, [points.get(u.pk, {}).get(i.pk) for i in indicators[kind]]
                 if u.pk in points else None) for u in units]

    return render(request, "assessment/ranking.html", {
        "scheme": scheme, "areas": rows(areas, UnitKind.AREA),
        "orgs": rows(orgs.object_list, UnitKind.ORGANISATION), "page": orgs,
        "area_indicators": indicators[UnitKind.AREA],
        "org_indicators": indicators[UnitKind.ORGANISATION],
        "highlight": len(reach) < scheme.units.count(),  # one's own rows among the others
        "chart": chart_data(scheme), "can_manage": can_manage(request, scheme),
        "can_lock": can_lock(request, scheme),
        "tilt": services.tilt_candidates(scheme) if scheme.locked else [],
        "open_objections": scheme.units.filter(objections__outcome="").count(),
        "unscored": (ManualScore.objects.filter(indicator__scheme=scheme,
                                                recorded_at__gt=scheme.ran_at).count()
                     if scheme.status == Status.DRAFT and scheme.ran_at else 0),
        "indicators": scheme.indicators.all(),
    })


def _managed_campaigns(request) -> list[int]:
    from jianhui.campaign.models import Campaign

    return [c.pk for c in Campaign.objects.within(request.scope).select_related("jurisdiction")
            if request.scope.holds(Right.EDIT, c.jurisdiction)]


@right_required(Right.VIEW, NO_VIEW)
def new(request):
    """A new draft scheme from scratch, for the campaigns the user manages."""
    from jianhui.campaign.models import Campaign

    managed = _managed_campaigns(request)
    if not managed:
        raise PermissionDenied("只有县总工会可以新建考核方案。")
    form = NewSchemeForm(request.POST or None,
                         campaigns=Campaign.objects.filter(pk__in=managed).order_by("-start_on"))
    if request.method == "POST" and form.is_valid():
        scheme = form.save()
        record(Action.CREATE, user=request.user, obj=scheme, object_key=scheme.key,
               detail={"kind": "assessment_created"})
        messages.success(request, f"已新建“{scheme.name}”（草稿）：请设置考核规则和指标。")
        return redirect("assessment:edit", key=scheme.key)
    return render(request, "assessment/new.html", {"form": form})


@right_required(Right.VIEW, NO_VIEW)
def edit(request, key: str):
    """The county sets up a draft scheme: its rules and its indicators (formulas from the
    registry's list, weights adding up to 100 for each kind of unit)."""
    scheme = _scheme(request, key)
    if not can_manage(request, scheme):
        raise PermissionDenied("只有县总工会可以设置考核方案。")
    if scheme.status != Status.DRAFT:
        messages.error(request, f"方案已{scheme.get_status_display()}：指标和规则不再修改。")
        return redirect(scheme.get_absolute_url())
    form = SchemeForm(request.POST or None, instance=scheme)
    indicators = indicators_formset(scheme)(request.POST or None, instance=scheme, prefix="ind")
    if request.method == "POST" and form.is_valid() and indicators.is_valid():
        with transaction.atomic():
            form.save()
            indicators.save()
        record(Action.UPDATE, user=request.user, obj=scheme, object_key=scheme.key,
               detail={"kind": "assessment_scheme_edited", "fields": form.changed_data})
        messages.success(request, "方案已保存：点击“重新计分”按新的指标计算。")
        return redirect(scheme.get_absolute_url())
    return render(request, "assessment/edit.html", {"scheme": scheme, "form": form,
                                                    "indicators": indicators})


@right_required(Right.VIEW, NO_VIEW)
def breakdown(request, key: str, kind: str, code: str):
    scheme = _scheme(request, key)
    unit = get_scoped(Unit.objects.filter(scheme=scheme), request.scope, kind=kind, code=code)
    scores = list(unit.scores.select_related("indicator"))
    manual = {m.indicator_id: m for m in unit.manual_scores.prefetch_related("evidence")}
    may_object = (scheme.status == Status.PUBLISHED and not can_manage(request, scheme)
                  and request.scope.holds(Right.EDIT, unit.jurisdiction,
                                          organisation=unit.organisation))
    return render(request, "assessment/breakdown.html", {
        "scheme": scheme, "unit": unit, "scores": scores,
        "rows": [(s, manual.get(s.indicator_id)) for s in scores],
        "may_score": scheme.status == Status.DRAFT and can_manage(request, scheme),
        "pending": {i for i, m in manual.items()
                    if scheme.status == Status.DRAFT
                    and (scheme.ran_at is None or m.recorded_at > scheme.ran_at)},
        "objections": unit.objections.select_related("indicator"),
        "may_object": may_object, "can_manage": can_manage(request, scheme),
        "accountability": unit.accountability.all(),
        "may_tilt": (scheme.locked and can_manage(request, scheme)
                     and unit.kind == UnitKind.ORGANISATION and unit.rank is not None
                     and unit.rank <= scheme.tilt_top_n),
        "may_hold": scheme.locked and can_manage(request, scheme) and unit.grade == Grade.FAIL,
        "candidates": services.escalations_of(unit) if unit.grade == Grade.FAIL else [],
        "measures": Measure.choices,
        "tilt": TiltPlan.objects.filter(unit=unit).first(),
    })


@require_POST
@right_required(Right.VIEW, NO_VIEW)
def object_to(request, key: str, kind: str, code: str):
    scheme = _scheme(request, key)
    unit = get_scoped(Unit.objects.filter(scheme=scheme), request.scope, kind=kind, code=code)
    if not request.scope.holds(Right.EDIT, unit.jurisdiction, organisation=unit.organisation):
        raise PermissionDenied("只有本单位的工作人员可以提出异议。")
    if can_manage(request, scheme):  # the county answers objections; it does not file them
        raise PermissionDenied("异议由被考核单位提出，县总工会负责答复。")
    indicator = scheme.indicators.filter(code=request.POST.get("indicator", "")).first()
    try:
        if indicator is None:
            raise ValidationError("请选择要提出异议的指标。")
        services.file_objection(unit, indicator, reason=request.POST.get("reason", ""),
                                by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已对“{indicator.name}”提出异议，等待县总工会答复。")
    return redirect(unit.get_absolute_url())


@require_POST
@right_required(Right.VIEW, NO_VIEW)
def answer(request, key: str, pk: int):
    scheme = _scheme(request, key)
    if not can_manage(request, scheme):
        raise PermissionDenied("只有县总工会可以答复异议。")
    objection = get_scoped(Objection.objects.filter(unit__scheme=scheme), request.scope, pk=pk)
    raw = request.POST.get("corrected_points", "").strip()
    try:
        try:
            corrected = Decimal(raw) if raw else None
        except InvalidOperation as exc:
            raise ValidationError(f"更正后的分数“{raw}”不是数字。") from exc
        services.answer_objection(objection, outcome=request.POST.get("outcome", ""),
                                  reply=request.POST.get("reply", ""), by=request.user,
                                  corrected_points=corrected,
                                  assessor=request.POST.get("assessor", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已答复异议。")
    return redirect(objection.unit.get_absolute_url())


def _managed_unit(request, key: str, kind: str, code: str,
                  what: str = "记录资源倾斜和考核问责") -> Unit:
    scheme = _scheme(request, key)
    unit = get_scoped(Unit.objects.filter(scheme=scheme), request.scope, kind=kind, code=code)
    if not can_manage(request, scheme):
        raise PermissionDenied(f"只有县总工会可以{what}。")
    return unit


def _done(request, unit: Unit, action, success: str):
    try:
        action()
    except (ValidationError, ValueError, InvalidOperation) as exc:
        text = "；".join(exc.messages) if isinstance(exc, ValidationError) else "请检查填写的数字和日期。"
        messages.error(request, text)
    else:
        messages.success(request, success)
    return redirect(unit.get_absolute_url())


@require_POST
@right_required(Right.VIEW, NO_VIEW)
def tilt(request, key: str, kind: str, code: str):
    unit = _managed_unit(request, key, kind, code)
    post = request.POST
    return _done(request, unit, lambda: services.set_tilt(
        unit, staff_positions=int(post.get("staff_positions") or 0),
        funds=Decimal(post.get("funds") or 0), note=post.get("note", ""), by=request.user),
        f"已记录{unit.name}的资源倾斜计划。")


@require_POST
@right_required(Right.VIEW, NO_VIEW)
def accountability(request, key: str, kind: str, code: str):
    unit = _managed_unit(request, key, kind, code)
    post = request.POST
    return _done(request, unit, lambda: services.hold_accountable(
        unit, measure=post.get("measure", ""),
        decided_on=dt.date.fromisoformat(post.get("decided_on", "")),
        note=post.get("note", ""), escalations=post.getlist("escalations"), by=request.user),
        f"已记录对{unit.name}的考核问责。")


@require_POST
@right_required(Right.VIEW, NO_VIEW)
def score(request, key: str, kind: str, code: str, indicator: str):
    """A manual score entered by the county while the scheme is a draft: points, the named
    assessor, the reason and evidence files. It counts from the next run; once published a
    score changes only through an answered objection."""
    unit = _managed_unit(request, key, kind, code, "录入评审打分")
    scheme = unit.scheme
    ind = scheme.indicators.filter(code=indicator, method=Method.MANUAL).first()
    if ind is None or not ind.applies(unit.kind):
        raise Http404("没有这项评审打分指标。")
    post = request.POST

    def save():
        if scheme.locked:
            raise ValidationError(f"考核方案“{scheme.key}”已锁定，评分不再改变。")
        if scheme.status != Status.DRAFT:
            raise ValidationError("方案已公示：评分只能通过答复异议更正。")
        raw = post.get("points", "").strip()
        try:
            points = Decimal(raw)
        except InvalidOperation as exc:
            raise ValidationError(f"分数“{raw}”不是数字：请填写如 13.5 的分数。") from exc
        services.set_manual_score(ind, unit, points=points, assessor=post.get("assessor", ""),
                                  reason=post.get("reason", "").strip(), by=request.user,
                                  files=request.FILES.getlist("evidence"))

    return _done(request, unit, save,
                 f"已保存{unit.name}的“{ind.name}”评分：重新计分后计入总分和排名。")


@right_required(Right.VIEW, NO_VIEW)
def evidence(request, key: str, kind: str, code: str, pk: int):
    """An evidence file behind a manual score, for whoever may read the unit's breakdown."""
    scheme = _scheme(request, key)
    unit = get_scoped(Unit.objects.filter(scheme=scheme), request.scope, kind=kind, code=code)
    found = Evidence.objects.filter(manual_score__unit=unit, pk=pk).first()
    if found is None:
        raise Http404("没有这份佐证材料。")
    return serve_attachment(found.file, found.name)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@right_required(Right.EXPORT, "您没有导出的权限。")
def notice(request, key: str):
    """The results notice as .docx (GB/T 9704), from the stored results."""
    scheme = _scheme(request, key)
    name = notice_filename(scheme)
    data = results_notice(scheme)
    record(Action.EXPORT, model="assessment.Scheme", object_key=scheme.key, object_repr=name,
           detail={"kind": "results_notice", "status": scheme.status})
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = (
        f"attachment; filename=\"assessment-{scheme.key}.docx\"; filename*=utf-8''{quote(name)}")
    return response


STEPS = {
    "run": ("重新计分", "按考核基准日的数据重新计算全部得分、排名和等级。", Status.DRAFT),
    "publish": ("公示", "公示后各单位可以对各项得分提出异议；公示前会重新计分一次。", Status.DRAFT),
    "lock": ("锁定", "锁定后考核结果和全部输入数据不再改变，也不能再提出异议。此操作不能撤销。",
             Status.PUBLISHED),
    "copy": ("复制为新方案", "把本方案的指标、权重、满分线、等级和同分规则复制为新的草稿方案，"
             "考核基准日顺延一年；得分、异议不复制。", None),
}


@right_required(Right.VIEW, NO_VIEW)
def step(request, key: str, op: str):
    """The county's steps, each confirmed on its own page before it happens."""
    scheme = _scheme(request, key)
    if op not in STEPS:
        raise PermissionDenied("未知的操作。")
    allowed = can_lock(request, scheme) if op == "lock" else can_manage(request, scheme)
    if not allowed:
        raise PermissionDenied("您没有执行此操作的权限。")
    label, text, _ = STEPS[op]
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        if op == "copy":
            return _copy(request, scheme)
        try:
            if op == "run":
                scoring.run(scheme)
            elif op == "publish":
                raw = request.POST.get("objection_deadline", "").strip()
                try:
                    deadline = dt.date.fromisoformat(raw) if raw else None
                except ValueError as exc:
                    raise ValidationError(f"异议截止日期“{raw}”不是有效日期。") from exc
                services.publish(scheme, by=request.user, objection_deadline=deadline)
            else:
                services.lock(scheme, by=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已{label}：{scheme.name}。")
        return redirect(scheme.get_absolute_url())
    return render(request, "assessment/confirm.html", {
        "scheme": scheme, "op": op, "label": label, "text": text,
        "new_key": str(scheme.year + 1), "new_name": scheme.name.replace(
            str(scheme.year), str(scheme.year + 1))})


def _copy(request, scheme: Scheme):
    key, name = request.POST.get("key", "").strip(), request.POST.get("name", "").strip()
    try:
        if not key:
            raise ValidationError("请填写新方案的编号，例如 2024。")
        new = services.copy_scheme(scheme, key=key, name=name or None)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(request.path)
    record(Action.CREATE, user=request.user, obj=new, object_key=new.key,
           detail={"kind": "assessment_copied", "from": scheme.key})
    messages.success(request, f"已复制为“{new.name}”（草稿）：点击“重新计分”生成被考核单位，"
                              "再录入评审打分。")
    return redirect(new.get_absolute_url())
