"""How a run's numbers and names read on screen: human column labels, the currency, timestamps.

One label table serves every page, chart, export and report: the scoring columns have fixed names
("Fair price", "At stake"), any other column is turned into words (``BRAND_TIER`` and
``brand_tier`` both read "Brand tier"), and a dataset's mapping may name its own columns better
(``labels``). Money carries the dataset's currency (its mapping's ``currency``, else the
``PRICESCOPE_CURRENCY`` setting). Nothing here imports Dash: the CLI and reports use it too.
:mod:`dashboard.run_display` finds a run's display from its dataset version.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dashboard.errors import InputError
from dashboard.formatting import money as compact_money

#: The names of the columns PriceScope itself adds to a run's items, and the words shown for them.
BUILT_IN_LABELS: Mapping[str, str] = {
    "item_id": "Item",
    "actual": "Price",
    "fair_price": "Fair price",
    "lower": "Interval low",
    "upper": "Interval high",
    "score": "Score",
    "direction": "Direction",
    "flagged": "Flagged",
    "at_stake": "At stake",
    "volume": "Volume",
    "decision": "Decision",
    "new_price": "New price",
    "list_price": "List price",
    "discount_depth": "Discount depth",
}
#: Words kept in capitals when a column name is turned into a label.
_ACRONYMS = frozenset({"id", "sku", "ean", "gtin", "upc", "eu", "uk", "us", "vat", "mape", "url"})
#: Currency codes written as a sign before the amount; any other code is written after it.
_SIGNS: Mapping[str, str] = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹"}
_CODE = re.compile(r"^[A-Z]{3}$")
DEFAULT_CURRENCY = "EUR"


def check_currency(code: object) -> str:
    """An ISO 4217-style three-letter code, upper-cased; InputError with a sentence otherwise."""
    text = str(code or "").strip().upper()
    if not _CODE.match(text):
        raise InputError(
            f"{str(code)[:20]!r} is not a currency code; use three letters such as EUR, USD or GBP."
        )
    return text


def humanize(column: str) -> str:
    """``BRAND_TIER`` / ``brand_tier`` / ``brandTier`` → "Brand tier"; acronyms stay capitals."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(column))
    words = [w for w in re.split(r"[\s_\-.]+", spaced) if w]
    if not words:
        return str(column)
    shown = [w.upper() if w.lower() in _ACRONYMS else w.lower() for w in words]
    first = shown[0]
    shown[0] = first if first.isupper() and len(first) > 1 else first[:1].upper() + first[1:]
    return " ".join(shown)


def format_timestamp(value: object) -> str:
    """``2026-11-29T08:45:48+00:00`` → "29 Nov 2026, 08:45 UTC"; what cannot be read stays as is."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value or "").strip()
        if not text:
            return "–"
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


@dataclass(frozen=True)
class Display:
    """Labels and currency for the run on screen; built by :func:`display_for`."""

    currency: str = DEFAULT_CURRENCY
    labels: Mapping[str, str] = field(default_factory=dict)

    def label(self, column: str) -> str:
        """The words shown for a column: the dataset's own, then PriceScope's, then its name in words."""
        return self.labels.get(column) or BUILT_IN_LABELS.get(column) or humanize(column)

    def _with_currency(self, amount: str, negative: bool) -> str:
        sign = "−" if negative else ""
        symbol = _SIGNS.get(self.currency)
        if symbol is not None:
            return f"{sign}{symbol}{amount}"
        return f"{sign}{amount} {self.currency}"

    def money(self, value: float | None) -> str:
        """A compact amount with the currency: "€12.3k", "−€1.20M", "12.3k SEK"."""
        if value is None or not math.isfinite(value):
            return "–"
        return self._with_currency(compact_money(abs(value)), value < 0)

    def signed_money(self, value: float | None) -> str:
        """As :meth:`money`, with a plus sign on gains ("+€12.3k")."""
        text = self.money(value)
        return f"+{text}" if value is not None and math.isfinite(value) and value > 0 else text

    def price(self, value: float | None) -> str:
        """One price, exactly: "€125.99", "1,250.00 SEK"."""
        if value is None or not math.isfinite(value):
            return "–"
        return self._with_currency(f"{abs(value):,.2f}", value < 0)

    @property
    def symbol(self) -> str:
        """What a chart's axis puts before (a sign) or after (a code) its amounts."""
        return _SIGNS.get(self.currency, "")

    @property
    def suffix(self) -> str:
        return "" if self.currency in _SIGNS else f" {self.currency}"

    def d3_money(self) -> str:
        """A JavaScript expression for an AG Grid ``valueFormatter``: exact prices in the currency."""
        return (
            "params.value == null ? '' : "
            f"'{self.symbol}' + d3.format(',.2f')(params.value) + '{self.suffix}'"
        )
