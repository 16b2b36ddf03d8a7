"""What a formula is and the registry the modules of this package fill."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

AREA, ORGANISATION = "area", "organisation"


@dataclass
class Measure:
    value: Fraction
    shown: str  # the value as a cadre reads it: 96.3%, 12 场
    inputs: dict[str, Any]
    words: str  # the formula with this unit's numbers
    links: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Formula:
    key: str
    label: str
    words: str  # the formula in words
    kinds: frozenset[str]
    source: str  # 统计口径 / 行动进度 / 督导记录
    compute: Callable[[Any, Any], Measure]


REGISTRY: dict[str, Formula] = {}


def formula(key: str, label: str, words: str, kinds: set[str], source: str):
    def register(compute: Callable[[Any, Any], Measure]) -> Callable[[Any, Any], Measure]:
        REGISTRY[key] = Formula(key, label, words, frozenset(kinds), source, compute)
        return compute

    return register


def choices() -> list[tuple[str, str]]:
    return [(f.key, f"{f.label}（{f.source}）") for f in REGISTRY.values()]
