"""Exact rates and how they are shown (DOMAIN.md §2: exact fractions until display, half up)."""

from __future__ import annotations

from fractions import Fraction


def rate(numerator: int, denominator: int) -> Fraction:
    """An exact rate; 0 when the denominator is 0."""
    return Fraction(numerator, denominator) if denominator else Fraction(0)


def percent(value: Fraction, digits: int = 1) -> str:
    """Display a rate as a percentage rounded half up: Fraction(161, 164) → '98.2%'."""
    if value < 0:
        return "-" + percent(-value, digits)
    scale = 10**digits
    scaled = Fraction(value) * 100 * scale
    rounded = (scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)
    whole, frac = divmod(rounded, scale)
    return f"{whole}.{frac:0{digits}d}%" if digits else f"{whole}%"


def shown_rate(value: Fraction, digits: int = 1) -> Fraction:
    """The rate exactly as `percent` shows it, as a number (98.2% → 0.982): for Excel cells
    formatted as percentages and for charts, so that every display agrees to the digit."""
    scale = 10**digits * 100
    scaled = Fraction(value) * scale
    sign = -1 if scaled < 0 else 1
    scaled = abs(scaled)
    rounded = (scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)
    return Fraction(sign * rounded, scale)
