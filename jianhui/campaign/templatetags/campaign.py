"""Template filters of the campaign pages: exact fractions for <meter> and charts."""

from __future__ import annotations

from fractions import Fraction

from django import template

register = template.Library()


@register.filter
def ratio(value) -> str:
    """A Fraction as a plain decimal for an HTML attribute (meter value): 0.9817."""
    if value is None:
        return ""
    return f"{float(Fraction(value)):.4f}"


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def shown_by(value, progress) -> str:
    """A baseline, goal or achieved value shown the way its target reads (98.2%, 15,028)."""
    return progress.shown(value)
