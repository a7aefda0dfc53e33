"""The price-change file: the approved repricings, as a pricing system imports them.

One row per approved reprice: item id, old price, new price, effective date, approver (and when it
was approved, who proposed it, the dataset and the run the old price comes from). Numbers are plain:
a point for decimals, no currency sign, no thousands separator, so any importer reads them. The CSV
is UTF-8 without a byte-order mark; text that a spreadsheet would run as a formula is escaped as in
every other export (:func:`dashboard.export.escape_text`).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import pandas as pd

from dashboard.errors import InputError
from dashboard.export import escape_text, to_excel_bytes
from dashboard.reviews.actions import APPROVED, REPRICE
from dashboard.reviews.model import Decision
from dashboard.runs import Run

COLUMNS = (
    "item_id",
    "old_price",
    "new_price",
    "effective_date",
    "approved_by",
    "approved_at",
    "proposed_by",
    "dataset",
    "run_id",
)
KINDS = ("csv", "xlsx")
#: How far ahead a price change may be scheduled.
MAX_DAYS_AHEAD = 366


def default_effective_date(today: date) -> date:
    """Tomorrow: today's prices are already on the shelf."""
    return today + timedelta(days=1)


def parse_effective_date(raw: object, today: date) -> date:
    """The date the new prices take effect (``YYYY-MM-DD``): today at the earliest, a year ahead at
    the latest; :class:`InputError` with a sentence otherwise."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise InputError("Choose the date the new prices take effect.")
    if not isinstance(raw, str):
        raise InputError("The effective date could not be read; choose it again.")
    try:
        chosen = date.fromisoformat(raw.strip()[:10])
    except ValueError:
        raise InputError(f"“{raw[:20]}” is not a date; choose one such as 2026-12-01.") from None
    if chosen < today:
        raise InputError(
            f"The effective date {chosen:%d %b %Y} has passed; choose today or a later date."
        )
    if chosen > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InputError(f"The effective date {chosen:%d %b %Y} is more than a year ahead.")
    return chosen


def approved_changes(decisions: Iterable[Decision]) -> list[Decision]:
    """The approved reprices, oldest approval first (the order they were signed off)."""
    approved = [
        d
        for d in decisions
        if d.action == REPRICE and d.status == APPROVED and d.new_price is not None
    ]
    return sorted(approved, key=lambda d: (d.reviewed_at or d.decided_at, d.item_id))


def price_change_frame(
    decisions: Iterable[Decision], run: Run | None, effective: date
) -> pd.DataFrame:
    """One row per approved reprice. The old price is the item's price in ``run`` (the run on
    screen) when it is there, else the price the author saw when proposing."""
    changes = approved_changes(decisions)
    prices: dict[str, float] = {}
    if run is not None and changes:
        items = run.items
        wanted = items["item_id"].astype("str").isin([d.item_id for d in changes])
        chosen = items.loc[wanted, ["item_id", "actual"]]
        prices = dict(
            zip(chosen["item_id"].astype("str"), chosen["actual"].astype(float), strict=True)
        )
    rows = [
        {
            "item_id": d.item_id,
            "old_price": prices.get(d.item_id, d.actual if d.actual is not None else math.nan),
            "new_price": d.new_price,
            "effective_date": effective.isoformat(),
            "approved_by": d.reviewed_by or "",
            "approved_at": _iso(d.reviewed_at),
            "proposed_by": d.decided_by,
            "dataset": d.dataset,
            "run_id": run.run_id if run is not None and d.item_id in prices else d.run_id,
        }
        for d in changes
    ]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def plain_number(value: object) -> str:
    """``99.5`` → ``"99.50"``, ``9.995`` → ``"9.995"``: at least the cents, never a separator."""
    if value is None or not isinstance(value, int | float) or not math.isfinite(value):
        return ""
    text = f"{value:.4f}".rstrip("0")
    whole, _, part = text.partition(".")
    return f"{whole}.{part.ljust(2, '0')}"


def price_change_bytes(frame: pd.DataFrame, kind: str) -> bytes:
    """The file: CSV (plain numbers as text) or an Excel workbook (numbers as numbers)."""
    if kind == "xlsx":
        return to_excel_bytes(frame)
    if kind != "csv":
        raise InputError(f"A price-change file is CSV or Excel, not {kind!r}.")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False):
        writer.writerow(
            plain_number(value) if name in ("old_price", "new_price") else escape_text(str(value))
            for name, value in zip(frame.columns, row, strict=True)
        )
    return buffer.getvalue().encode("utf-8")


def file_name(dataset: str, effective: date, kind: str) -> str:
    return f"pricescope-price-changes-{dataset}-{effective.isoformat()}.{kind}"


def _iso(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""
