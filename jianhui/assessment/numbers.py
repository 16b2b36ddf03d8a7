"""Points as a cadre writes them: 15, 13.5, -0.5 (not 15.00 or 1E+1)."""

from __future__ import annotations

from decimal import Decimal


def plain(value: Decimal | int | float) -> str:
    text = f"{Decimal(str(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
