"""The assessment as `jianhui assess show --json` prints it (a contract: keys as the issue
lists them, unrounded numbers, public codes)."""

from __future__ import annotations

from typing import Any

from .models import Scheme, Score


def as_json(scheme: Scheme) -> dict[str, Any]:
    units = list(scheme.units.order_by("kind", "rank", "order"))
    scores: dict[int, list[Score]] = {}
    for s in (Score.objects.filter(unit__scheme=scheme).select_related("indicator")
              .order_by("indicator__order", "indicator__pk")):
        scores.setdefault(s.unit_id, []).append(s)
    return {
        "scheme": scheme.key,
        "as_of": scheme.as_of.isoformat(),
        "status": scheme.status,
        "results": [{
            "rank": u.rank, "unit": u.name, "code": u.code, "kind": u.kind,
            "total": float(u.total) if u.total is not None else None,
            "grade": u.get_grade_display() if u.grade else None,
            "scores": [{"indicator": s.indicator.code, "points": float(s.points),
                        "max": float(s.indicator.max_points), "inputs": s.inputs}
                       for s in scores.get(u.pk, [])],
        } for u in units],
    }
