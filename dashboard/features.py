"""Decide which columns of an arbitrary price table a model can learn from, and prepare them.

Nothing here assumes tyres: a table is inspected column by column, each column is classified as
numeric, categorical, boolean or date, or dropped with a reason in plain words that the person who
supplied the table can act on ("id-like: 100 % unique values").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from dashboard.errors import InputError

logger = logging.getLogger(__name__)

#: A column with a larger share of missing values carries too little to learn from.
MAX_MISSING_SHARE = 0.6
#: HistGradientBoosting's native categorical support accepts at most this many categories.
MAX_CATEGORIES = 255
#: A text-like column whose share of distinct values reaches this is an identifier, not a feature.
ID_UNIQUE_SHARE = 0.95
#: Below this many rows, "every value distinct" says nothing about being an identifier.
ID_MIN_ROWS = 20
#: A run of consecutive whole numbers not starting at 0 or 1 counts rows only from this length.
COUNTER_MIN_ROWS = 100
#: Strings that average this many words (or characters) are prose, not categories.
TEXT_MIN_WORDS = 4.0
TEXT_MIN_CHARS = 40.0
#: ... unless they repeat: a few long labels ("All-season touring tyre for vans") are categories.
TEXT_MIN_DISTINCT = 50
#: Share of non-missing values that must parse for a text column to count as numbers or dates.
PARSE_SHARE = 0.95
#: Values inspected when guessing whether text holds numbers or dates (keeps inference fast).
SNIFF_ROWS = 2_000

TRUE_TOKENS = frozenset({"yes", "y", "true", "t", "1", "1.0", "on"})
FALSE_TOKENS = frozenset({"no", "n", "false", "f", "0", "0.0", "off"})
DATE_PARTS = ("year", "month", "days")

_ID_NAME = re.compile(
    r"(^|[\s_.\-])(id|sku|ean|upc|gtin|uuid|guid|key|index|code)$|^unnamed:?\s*\d*$|^$",
    re.IGNORECASE,
)
_DATE_TEXT = re.compile(
    r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})([ T].*)?$"
)


@dataclass(frozen=True)
class FeatureSpec:
    """Which columns the model uses, in which role, and why the others are left out.

    ``categories`` fixes the levels of every categorical column, so a table prepared later (one new
    item, a re-scored subset) gets the same category codes as the table the spec was inferred from.
    """

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    boolean: tuple[str, ...]
    dates: tuple[str, ...]
    dropped: dict[str, str]
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def used(self) -> tuple[str, ...]:
        """Source columns the model learns from, in table order within each role."""
        return self.numeric + self.categorical + self.boolean + self.dates

    def date_feature_names(self, column: str) -> tuple[str, ...]:
        """Names of the model features a date column expands into."""
        return tuple(f"{column}[{part}]" for part in DATE_PARTS)


@dataclass(frozen=True)
class _Verdict:
    role: str  # "numeric" | "categorical" | "boolean" | "dates" | "dropped"
    reason: str = ""
    categories: tuple[str, ...] = ()


def infer_features(
    table: pd.DataFrame, *, target: str, exclude: Iterable[str] | Mapping[str, str] = ()
) -> FeatureSpec:
    """Classify every column of ``table`` except ``target`` and the ``exclude`` columns.

    ``exclude`` may map each column to the reason it is excluded ("id column"); a plain iterable of
    names gets a generic reason. Raises :class:`InputError` when no usable column remains.
    """
    _check_column_names(table)
    reasons = dict(exclude) if isinstance(exclude, Mapping) else dict.fromkeys(exclude, "")
    roles: dict[str, list[str]] = {"numeric": [], "categorical": [], "boolean": [], "dates": []}
    dropped: dict[str, str] = {}
    categories: dict[str, tuple[str, ...]] = {}
    for column in table.columns:
        name = str(column)
        if name == target:
            dropped[name] = "the price being modelled (target)"
            continue
        if name in reasons:
            dropped[name] = reasons[name] or "excluded by the caller"
            continue
        verdict = _classify(name, table[column])
        if verdict.role == "dropped":
            dropped[name] = verdict.reason
            continue
        roles[verdict.role].append(name)
        if verdict.role == "categorical":
            categories[name] = verdict.categories
    spec = FeatureSpec(
        numeric=tuple(roles["numeric"]),
        categorical=tuple(roles["categorical"]),
        boolean=tuple(roles["boolean"]),
        dates=tuple(roles["dates"]),
        dropped=dropped,
        categories=categories,
    )
    if not spec.used:
        listing = "; ".join(f"'{col}': {why}" for col, why in dropped.items())
        raise InputError(
            f"No usable feature columns: {listing or 'the table has no other columns'}."
        )
    logger.info("features: %d used, %d dropped", len(spec.used), len(dropped))
    return spec


def feature_frame(table: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """The model-ready frame: numeric float64, categoricals as ``category`` with the spec's levels,
    booleans as 0/1 floats, each date expanded into year, month and days since 1970. NA stays NaN.
    """
    _check_column_names(table)
    lookup = {str(column): column for column in table.columns}
    missing = [name for name in spec.used if name not in lookup]
    if missing:
        raise InputError(f"The table lacks feature columns the model needs: {', '.join(missing)}.")
    parts: dict[str, pd.Series] = {}
    index = pd.RangeIndex(len(table))
    for name in spec.numeric:
        parts[name] = pd.Series(_as_float(table[lookup[name]]), index=index)
    for name in spec.categorical:
        levels = spec.categories.get(name, ())
        text = _as_text(table[lookup[name]])
        # Values the spec never saw become missing: the model routes them like any NaN.
        known = text.where(text.isin(levels))
        codes = pd.Categorical(known, categories=list(levels))
        parts[name] = pd.Series(codes, index=index)
    for name in spec.boolean:
        parts[name] = pd.Series(_as_boolean(table[lookup[name]]), index=index)
    for name in spec.dates:
        stamps = _as_datetime(table[lookup[name]])
        year, month, days = _date_parts(stamps)
        for part_name, values in zip(
            spec.date_feature_names(name), (year, month, days), strict=True
        ):
            parts[part_name] = pd.Series(values, index=index)
    return pd.DataFrame(parts, index=index)


# --- classification -------------------------------------------------------------------------


def _check_column_names(table: pd.DataFrame) -> None:
    names = [str(column) for column in table.columns]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InputError(f"The table has duplicate column names: {', '.join(duplicates)}.")


def column_kind(name: str, column: pd.Series) -> tuple[str, str]:
    """What scoring would make of a column, and why: ``("numeric" | "categorical" | "boolean" |
    "dates" | "dropped", reason)``. The reason is empty for a used column."""
    verdict = _classify(name, column)
    return verdict.role, verdict.reason


def _classify(name: str, column: pd.Series) -> _Verdict:
    rows = len(column)
    missing = int(column.isna().sum())
    if rows == 0 or missing == rows:
        return _Verdict("dropped", "empty: every value is missing")
    if missing / rows > MAX_MISSING_SHARE:
        return _Verdict(
            "dropped",
            f"mostly missing: {_pct(missing / rows)} of values missing "
            f"(limit {_pct(MAX_MISSING_SHARE)})",
        )
    present = column.dropna()
    if present.nunique() <= 1:
        where = "every value" if missing == 0 else "every non-missing value"
        return _Verdict("dropped", f"constant: {where} is {present.iloc[0]!r}")
    if _is_boolean(column, present):
        return _Verdict("boolean")
    if pd.api.types.is_numeric_dtype(column.dtype):
        return _classify_numbers(name, _as_float(column))
    if _is_temporal(column, present):
        return _Verdict("dates")
    return _classify_text(name, column, present)


def _classify_numbers(name: str, values: np.ndarray) -> _Verdict:
    present = values[~np.isnan(values)]
    distinct = np.unique(present)
    if len(distinct) <= 1:
        return _Verdict("dropped", "constant apart from missing values")
    all_distinct = len(distinct) == len(values)
    integral = bool(np.all(np.mod(distinct, 1) == 0))
    consecutive = distinct[-1] - distinct[0] == len(distinct) - 1
    # A permutation of consecutive integers is a row counter (an unnamed first CSV column) when
    # it counts from 0 or 1, or is long enough that a real quantity would repeat or skip values
    # (thirty model years 1990-2019 in a thirty-row table are a feature, not a counter).
    counts_rows = distinct[0] in (0, 1) or len(values) >= COUNTER_MIN_ROWS
    if all_distinct and integral and consecutive and counts_rows and len(values) >= 3:
        return _Verdict("dropped", "id-like: a row counter (consecutive whole numbers)")
    unique_share = len(distinct) / len(values)
    if integral and _ID_NAME.search(name) and unique_share >= ID_UNIQUE_SHARE:
        return _Verdict("dropped", f"id-like: named like an id, {_pct(unique_share)} unique values")
    return _Verdict("numeric")


def _classify_text(name: str, column: pd.Series, present: pd.Series) -> _Verdict:
    text = _as_text(column).dropna()
    sample = text.iloc[:SNIFF_ROWS]
    numbers = pd.to_numeric(sample.str.strip(), errors="coerce")
    if numbers.notna().mean() >= PARSE_SHARE:
        return _classify_numbers(name, _as_float(column))
    if sample.str.match(_DATE_TEXT).mean() >= PARSE_SHARE:
        return _Verdict("dates")
    distinct = text.unique()
    unique_share = len(distinct) / len(column)
    # Runs of non-space characters: the words str.split() would give, without building the lists.
    words = float(sample.str.count(r"\S+").mean())
    chars = float(sample.str.len().mean())
    if (words >= TEXT_MIN_WORDS or chars >= TEXT_MIN_CHARS) and len(distinct) > TEXT_MIN_DISTINCT:
        return _Verdict("dropped", f"free text: {words:.1f} words per value on average")
    if unique_share >= ID_UNIQUE_SHARE and len(column) >= ID_MIN_ROWS:
        return _Verdict("dropped", f"id-like: {_pct(unique_share)} unique values")
    if len(distinct) > MAX_CATEGORIES:
        return _Verdict(
            "dropped",
            f"too many categories: {len(distinct):,} distinct values (limit {MAX_CATEGORIES})",
        )
    return _Verdict("categorical", categories=tuple(sorted(str(value) for value in distinct)))


def _is_boolean(column: pd.Series, present: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(column.dtype):
        return True
    if pd.api.types.is_numeric_dtype(column.dtype):
        return set(np.unique(_as_float(present))) <= {0.0, 1.0}
    if _is_temporal(column, present):
        return False
    tokens = set(_as_text(present).str.strip().str.lower().unique())
    return bool(tokens) and tokens <= TRUE_TOKENS | FALSE_TOKENS


def _is_temporal(column: pd.Series, present: pd.Series) -> bool:
    dtype = column.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return True
    if isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        return bool(pa.types.is_temporal(dtype.pyarrow_dtype))
    if pd.api.types.is_object_dtype(dtype):
        sample = present.iloc[:SNIFF_ROWS]
        return bool(
            sample.map(lambda value: isinstance(value, date | datetime)).mean() >= PARSE_SHARE
        )
    return False


# --- conversion -----------------------------------------------------------------------------


def _as_float(column: pd.Series) -> np.ndarray:
    """Numbers as float64 with NaN for anything missing or unparseable."""
    if pd.api.types.is_bool_dtype(column.dtype):
        return column.astype("float64").to_numpy(dtype="float64", na_value=np.nan)
    if not pd.api.types.is_numeric_dtype(column.dtype):
        column = pd.to_numeric(_as_text(column).str.strip(), errors="coerce")
    return column.to_numpy(dtype="float64", na_value=np.nan)


def _as_text(column: pd.Series) -> pd.Series:
    """Values as strings (mixed-type object columns included), missing values kept missing."""
    text = column.astype("object").map(_text_or_none)
    return text.astype("str")


def _text_or_none(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def _as_boolean(column: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
        return _as_float(column)
    tokens = _as_text(column).str.strip().str.lower()
    flags = np.where(
        tokens.isin(TRUE_TOKENS), 1.0, np.where(tokens.isin(FALSE_TOKENS), 0.0, np.nan)
    )
    return flags.astype("float64")


def _as_datetime(column: pd.Series) -> pd.Series:
    if isinstance(column.dtype, pd.ArrowDtype) or pd.api.types.is_object_dtype(column.dtype):
        column = column.astype("object").map(_text_or_none)
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        stamps = column
    else:
        stamps = pd.to_datetime(column, errors="coerce", format="mixed")
    if getattr(stamps.dt, "tz", None) is not None:
        # Keep the local wall-clock date: "launched 1 January" should not become 31 December.
        stamps = stamps.dt.tz_localize(None)
    return stamps


def _date_parts(stamps: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    year = stamps.dt.year.to_numpy(dtype="float64", na_value=np.nan)
    month = stamps.dt.month.to_numpy(dtype="float64", na_value=np.nan)
    epoch = pd.Timestamp("1970-01-01")
    days = ((stamps - epoch).dt.total_seconds() / 86_400.0).to_numpy(
        dtype="float64", na_value=np.nan
    )
    return year, month, days


def _pct(share: float) -> str:
    return f"{100 * share:.0f} %"
