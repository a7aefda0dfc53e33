"""What each column of an uploaded table looks like, the role we suggest for it, and why.

The kinds come from scoring's own feature inference (``dashboard.features``), so the Data page
tells the analyst exactly what ``score`` would do with the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from dashboard.datasets.mapping import SINGLE_ROLES
from dashboard.features import column_kind
from dashboard.runs import MAX_SEGMENT_VALUES

_PRICE_NAME = re.compile(r"(price|cost|amount|msrp|retail|value|eur|usd|gbp)", re.IGNORECASE)
_VOLUME_NAME = re.compile(r"(volume|units|qty|quantity|sold|sales)", re.IGNORECASE)
_PREDICTION_NAME = re.compile(r"(pred|fair|fitted|estimate|model)", re.IGNORECASE)
_BOUND_NAME = re.compile(r"(min|max|low|high|lower|upper|old|new|list)", re.IGNORECASE)
_KIND_LABELS = {
    "numeric": "numeric",
    "categorical": "categorical",
    "boolean": "yes/no",
    "dates": "date",
}
_EXAMPLES = 3
#: Rows a column profile looks at: enough to see every kind, bounded for a 2M-row upload.
PROFILE_ROWS = 100_000


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    kind: (
        str  # numeric, categorical, yes/no, date, id-like, free text, near-unique, mostly missing…
    )
    role: str  # the suggested role (see ``mapping.ITEM_ROLES``)
    reason: str  # why, in words
    missing_share: float
    distinct: int
    examples: tuple[str, ...]


def _dropped_kind(reason: str) -> str:
    for kind in ("id-like", "free text", "mostly missing", "empty", "constant", "too many"):
        if reason.startswith(kind):
            return "many categories" if kind == "too many" else kind
    return "unused"


def profile_table(table: pd.DataFrame, *, total_rows: int | None = None) -> list[ColumnProfile]:
    """One profile per column, in table order, with a suggested role for each.

    ``table`` may be the first rows of a larger table (``UploadArea.sample``); with ``total_rows``
    larger than it, every reason says the profile saw only those rows, because distinct counts
    and shares of missing values are then the sample's.
    """
    sampled = total_rows is not None and total_rows > len(table)
    note = f" (from the first {len(table):,} of {total_rows:,} rows)" if sampled else ""
    profiles = []
    taken: set[str] = set()
    target = _suggest_target(table)
    for column in table.columns:
        name = str(column)
        values = table[column]
        kind, reason = column_kind(name, values)
        distinct = int(values.nunique(dropna=True))
        shown_kind = _KIND_LABELS.get(kind) or _dropped_kind(reason)
        role, why = _suggest_role(name, values, kind, reason, target, distinct)
        if role in taken:  # one column per single role: the first one suggested keeps it
            role, why = ("excluded", reason) if kind == "dropped" else ("feature", why)
        if role in SINGLE_ROLES:
            taken.add(role)
        profiles.append(
            ColumnProfile(
                name=name,
                kind=shown_kind,
                role=role,
                reason=why + note,
                missing_share=float(values.isna().mean()) if len(values) else 0.0,
                distinct=distinct,
                examples=tuple(str(v)[:40] for v in values.dropna().unique()[:_EXAMPLES]),
            )
        )
    return profiles


def suggested_roles(profiles: list[ColumnProfile]) -> dict[str, str]:
    return {profile.name: profile.role for profile in profiles}


def _suggest_target(table: pd.DataFrame) -> str | None:
    numeric = [
        str(c)
        for c in table.columns
        if pd.api.types.is_numeric_dtype(table[c].dtype)
        and not pd.api.types.is_bool_dtype(table[c])
    ]
    named = [c for c in numeric if _PRICE_NAME.search(c) and not _PREDICTION_NAME.search(c)]
    # "price" itself before "Min.Price" or "price_2019": the plainest name is the likeliest target.
    named.sort(key=lambda c: (_BOUND_NAME.search(c) is not None, len(c)))
    return named[0] if named else None


def _suggest_role(
    name: str,
    values: pd.Series,
    kind: str,
    reason: str,
    target: str | None,
    distinct: int,
) -> tuple[str, str]:
    if name == target:
        return "target", "numeric and named like a price"
    if kind == "dropped":
        if reason.startswith("id-like") and distinct == len(values) and not values.isna().any():
            return "id", f"{reason}; unique, so it can identify items"
        return "excluded", reason
    if kind == "numeric" and _PREDICTION_NAME.search(name) and _PRICE_NAME.search(name):
        return "prediction", "numeric and named like a model's predicted price"
    if kind == "numeric" and _VOLUME_NAME.search(name) and not values.lt(0).any():
        return "volume", "numeric, never negative, and named like a sales volume"
    if kind in ("categorical", "boolean") and distinct <= MAX_SEGMENT_VALUES:
        return "segment", f"{_KIND_LABELS[kind]} with {distinct:,} values: a feature and a filter"
    return "feature", f"{_KIND_LABELS.get(kind, kind)}: the model learns from it"
