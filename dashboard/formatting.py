"""How numbers read on screen: compact money, counts with separators, percentages."""

from __future__ import annotations

import math

# (smallest magnitude shown with this suffix, divisor, suffix, decimals). The thresholds sit just below
# the round numbers so that 999,999 reads "1.00M", not "1,000.0k".
_MONEY_SCALES = ((999_995_000.0, 1e9, "B", 2), (999_950.0, 1e6, "M", 2), (9_999.5, 1e3, "k", 1))


def money(value: float | None) -> str:
    """1234 → '1,234'; 12_345 → '12.3k'; 1_234_567 → '1.23M'. Money in the catalogue's own currency."""
    if value is None or not math.isfinite(value):
        return "–"
    for threshold, divisor, suffix, decimals in _MONEY_SCALES:
        if abs(value) >= threshold:
            return f"{value / divisor:,.{decimals}f}{suffix}"
    return f"{value:,.0f}"


def count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def percent(value: float | None, *, digits: int = 1) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{100 * value:.{digits}f} %"
