"""Guardrails on a new price: what a typed price means, and when it is too far out to take on trust.

A price is read as people type it: "99.50" or "99,50" (a decimal comma). "50,000" is refused rather
than guessed at: it is 50 with a decimal comma and 50000 with a thousands separator, and that is the
typo that once turned into a 34M "expected effect".

A new price is **extreme** when it is far from *both* things that say what the item is worth: it
moves the current price by more than ``max_change`` (±30 % by default) and it lies outside
[interval low ÷ ``interval_factor``, interval high × ``interval_factor``] (half the low to twice the
high by default). An extreme price is saved only with an explicit confirmation and a note saying
why; the server checks both (:func:`dashboard.reviews.service.save_review`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from dashboard.config import Settings
from dashboard.errors import InputError

MAX_PRICE = 1e12
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
_AMBIGUOUS = re.compile(r"^\d{1,3},\d{3}$")


class ExtremePriceError(InputError):
    """A new price beyond the guardrails was sent without the confirmation and the note it needs."""


@dataclass(frozen=True)
class RepriceLimits:
    max_change: float = 0.30
    interval_factor: float = 2.0

    @classmethod
    def of(cls, settings: Settings) -> RepriceLimits:
        return cls(settings.reprice_max_change, settings.reprice_interval_factor)


def parse_price(raw: object) -> float:
    """A positive price from a number or typed text; :class:`InputError` with a sentence otherwise."""
    if isinstance(raw, bool) or raw is None or (isinstance(raw, str) and not raw.strip()):
        raise InputError("“Reprice” needs the new price.")
    if isinstance(raw, int | float):
        price = float(raw)
        shown = f"{raw}"
    elif isinstance(raw, str):
        shown = raw.strip()[:40]
        price = _typed_price(shown)
    else:
        raise InputError("The new price must be a number such as 99.50.")
    if not math.isfinite(price):
        raise InputError(f"The new price must be a number such as 99.50, not “{shown}”.")
    if price == 0:
        raise InputError("A new price of 0 would give the item away; enter a price above zero.")
    if price < 0:
        raise InputError(f"A price cannot be negative (“{shown}”); enter a price above zero.")
    if price >= MAX_PRICE:
        raise InputError(f"“{shown}” is not a price this catalogue can hold; check the digits.")
    return round(price, 4)


def _typed_price(text: str) -> float:
    compact = text.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    negative = compact.startswith(("-", "−"))
    digits = compact.lstrip("-−+")
    if _AMBIGUOUS.match(digits):
        whole, _, part = digits.partition(",")
        raise InputError(
            f"“{text}” could be {whole}.{part} or {whole}{part}: write the price without a "
            "thousands separator, with a point or a comma for the cents (99.50 or 99,50)."
        )
    if not _NUMBER.match(digits):
        raise InputError(
            f"“{text}” is not a price: write a number such as 99.50 or 99,50, without currency "
            "signs or thousands separators."
        )
    value = float(digits.replace(",", "."))
    return -value if negative else value


def extreme_reason(
    new_price: float,
    actual: float | None,
    lower: float | None,
    upper: float | None,
    limits: RepriceLimits,
    price_text: Callable[[float], str] | None = None,
) -> str | None:
    """Why ``new_price`` is extreme for an item at ``actual`` with interval [lower, upper], or
    ``None`` when it is not. Exactly on a limit is within it. An unknown price or interval cannot
    vouch for the new price, so the other test decides alone; with neither, nothing is extreme."""
    price_text = price_text or plain_price
    known_price = actual is not None and math.isfinite(actual) and actual > 0
    known_interval = _finite(lower) and _finite(upper)
    if not known_price and not known_interval:
        return None
    parts: list[str] = []
    if known_price:
        assert actual is not None
        change = new_price / actual - 1
        if abs(change) <= limits.max_change:
            return None
        parts.append(
            f"{price_text(actual)} → {price_text(new_price)} is {change:+,.0%} "
            f"(more than ±{limits.max_change:.0%} of the current price)"
        )
    if known_interval:
        assert lower is not None and upper is not None
        low, high = lower / limits.interval_factor, upper * limits.interval_factor
        if low <= new_price <= high:
            return None
        parts.append(
            f"outside {price_text(low)}–{price_text(high)} "
            f"(the fair-price interval widened {limits.interval_factor:g}×)"
        )
    return " and ".join(parts)


def plain_price(value: float) -> str:
    return f"{value:,.2f}"


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
