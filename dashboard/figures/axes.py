"""Axis ticks that read as money: whole amounts with the currency, never Plotly's bare log digits.

Plotly labels a log axis ``2, 5, 100, 2, 5, 1000``: 200 reads as "2". These helpers compute the
ticks from the data's range instead, so every tick is a full amount ("€50", "€200", "€1k").
"""

from __future__ import annotations

import math
from typing import Any

from dashboard.display import Display

# Mantissa sets from the sparsest to the densest; a log axis takes the sparsest that gives enough ticks.
_MANTISSAS: tuple[tuple[float, ...], ...] = (
    (1.0,),
    (1.0, 2.0, 5.0),
    (1.0, 1.5, 2.0, 3.0, 5.0, 7.0),
    (1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0),
)
_MIN_TICKS = 4
_SCALES = ((1e9, "B"), (1e6, "M"), (1e3, "k"))


def short_amount(value: float) -> str:
    """A round amount in few characters: 50 → "50", 1000 → "1k", 1500 → "1.5k", 0.5 → "0.5"."""
    for divisor, suffix in _SCALES:
        if abs(value) >= divisor:
            return f"{value / divisor:.3g}{suffix}"
    return f"{value:.3g}"


def money_tick(value: float, display: Display) -> str:
    """One tick label: the amount with the currency's sign or code ("€200", "1.5k SEK")."""
    return f"{display.symbol}{short_amount(value)}{display.suffix}"


def log_money_ticks(low: float, high: float, display: Display) -> dict[str, Any]:
    """``tickvals``/``ticktext`` for a log money axis spanning ``[low, high]``: 1-2-5 steps (or
    sparser over many decades, denser over a narrow range), each a full amount with the currency."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= 0:
        return {}
    low = max(low, high * 1e-9, 1e-9)
    values: list[float] = []
    for mantissas in _MANTISSAS:
        values = _ticks_between(low, high, mantissas)
        if len(values) >= _MIN_TICKS:
            break
    if len(values) < 2:
        values = sorted({_round_sig(low), _round_sig(high)})
    return {
        "tickmode": "array",
        "tickvals": values,
        "ticktext": [money_tick(v, display) for v in values],
    }


def money_axis(display: Display) -> dict[str, Any]:
    """A linear money axis: compact SI amounts with the currency ("€40k", "€1.2M")."""
    return {"tickformat": "~s", "tickprefix": display.symbol, "ticksuffix": display.suffix}


def hover_money(display: Display, field: str) -> str:
    """A hovertemplate piece for an exact amount with the currency: ``€%{x:,.2f}``."""
    return f"{display.symbol}%{{{field}:,.2f}}{display.suffix}"


def _ticks_between(low: float, high: float, mantissas: tuple[float, ...]) -> list[float]:
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    return [
        _round_sig(m * 10.0**decade)
        for decade in range(first, last + 1)
        for m in mantissas
        if low <= m * 10.0**decade <= high
    ]


def _round_sig(value: float) -> float:
    # 3 × 10⁻¹ is 0.30000000000000004 in binary; the tick should say 0.3.
    return float(f"{value:.3g}")
