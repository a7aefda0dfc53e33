"""Validating a price table for scoring, and reading its prices and volumes as numbers.

Messages are written for the person who supplied the table: one sentence that names the column,
the count and an example. Row numbers in messages are 0-based positions, the same numbers as the
``row`` column the CLI writes.

Decisions a user may need to know:
- A target (or volume) written as text is coerced when it is unambiguous: surrounding spaces, a
  currency sign or code (``$12``, ``12 EUR``) and comma thousands separators in groups of three
  (``1,234.50``). Anything else, including decimal commas (``12,50``), is reported as not numeric.
- Missing target values are rejected, not dropped: the output promises one row per input row.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dashboard.errors import InputError

MIN_ROWS = 50  # five folds of ten, and enough held-out residuals to calibrate an interval
MAX_ROWS = 5_000_000

_CURRENCY = r"(?:[$€£¥]|USD|EUR|GBP|CHF|JPY)"
_PRICE_PATTERN = (
    rf"^(?P<sign>[-+]?)\s*{_CURRENCY}?\s*(?P<sign2>[-+]?)"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)"
    rf"\s*{_CURRENCY}?$"
)


# --------------------------------------------------------------------------------------- names


def _quote(name: object) -> str:
    return f"'{name}'"


def _missing_column_message(name: str, role: str, columns: Sequence[object]) -> str:
    names = [str(c) for c in columns]
    by_case = [c for c in names if c.lower() == name.lower()]
    close = by_case or difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    if close:
        hint = "did you mean " + " or ".join(_quote(c) for c in close) + "?"
    elif names:
        shown = ", ".join(_quote(c) for c in names[:8])
        more = f" and {len(names) - 8} more" if len(names) > 8 else ""
        hint = f"the columns are {shown}{more}."
    else:
        hint = "the table has no columns."
    return f"The {role} column '{name}' is not in the table; {hint}"


def require_column(columns: Sequence[object], name: str, role: str) -> None:
    """InputError naming the closest existing columns if ``name`` is not among ``columns``."""
    if name not in {str(column) for column in columns}:
        raise InputError(_missing_column_message(name, role, columns))


def duplicate_column_names(columns: Sequence[object]) -> list[str]:
    """Column names that occur more than once, each listed once, in first-seen order."""
    seen: set[str] = set()
    repeated: list[str] = []
    for name in map(str, columns):
        if name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    return repeated


# ------------------------------------------------------------------------------------- numbers


def _as_text_numbers(values: pd.Series) -> pd.Series:
    """Parse text such as ``"$1,234.50"`` to floats; NaN where the text is not a number."""
    text = values.astype(str).str.strip()
    direct = pd.to_numeric(text, errors="coerce").astype("float64")
    unparsed = direct.isna()
    if not unparsed.any():
        return direct
    parts = text[unparsed].str.extract(_PRICE_PATTERN)
    negative = (parts["sign"] == "-") | (parts["sign2"] == "-")
    number = pd.to_numeric(parts["number"].str.replace(",", "", regex=False), errors="coerce")
    signed = number.astype("float64").where(~negative, -number.astype("float64"))
    both_signs = (parts["sign"].fillna("") != "") & (parts["sign2"].fillna("") != "")
    direct[unparsed] = signed.where(~both_signs, np.nan)
    return direct


def _is_missing(values: pd.Series) -> pd.Series:
    missing = values.isna()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        blank = values.astype(str).str.strip().eq("")
        missing = missing | (blank & values.notna())
    return missing


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {plural or noun + 's'}"


def _show(value: object) -> str:
    """A cell value as a user would recognise it: text quoted, numbers plain."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def _first_row(mask: pd.Series) -> int:
    return int(np.flatnonzero(mask.to_numpy(dtype=bool))[0])


def numeric_column(table: pd.DataFrame, column: str, role: str) -> pd.Series:
    """The column as float64 (NaN where missing), or InputError if some values are not numbers.

    Booleans, dates and durations are not numbers here, even though pandas can cast them.
    """
    values = table[column].reset_index(drop=True)  # positions, whatever the caller's index
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        raise InputError(f"The {role} column '{column}' holds {dtype} values, not numbers.")
    if pd.api.types.is_timedelta64_dtype(dtype) or pd.api.types.is_complex_dtype(dtype):
        raise InputError(f"The {role} column '{column}' holds {dtype} values, not numbers.")
    if pd.api.types.is_numeric_dtype(dtype):
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        return pd.Series(numbers, index=table.index, name=column)
    missing = _is_missing(values)
    present = values[~missing].astype(object)
    is_bool = present.map(lambda v: isinstance(v, bool | np.bool_)).astype(bool)
    numbers = np.full(len(values), np.nan)
    numbers[~missing.to_numpy()] = _as_text_numbers(present).where(~is_bool, np.nan).to_numpy()
    failed = pd.Series(np.isnan(numbers) & ~missing.to_numpy())
    if failed.any():
        row = _first_row(failed)
        bad = int(failed.sum())
        raise InputError(
            f"The {role} column '{column}' has {_count(bad, 'value')} that "
            f"{'is not a number' if bad == 1 else 'are not numbers'}, "
            f"e.g. {str(values.iloc[row])!r} in row {row}."
        )
    return pd.Series(numbers, index=table.index, name=column)


def clean_target(table: pd.DataFrame, target: str) -> pd.Series:
    """The target prices as float64, coerced from text where unambiguous (see module docs).

    Shared by validation, scoring and the CLI so all three read a price the same way.
    """
    return clean_prices(table, target, "target", "fill in or remove the rows without a price")


def clean_prices(table: pd.DataFrame, column: str, role: str, remedy: str) -> pd.Series:
    """A column of prices (the target, or a model's predicted price or bound) as positive finite
    float64, read like the target; InputError naming the ``role`` and, for gaps, the ``remedy``."""
    prices = numeric_column(table, column, role)
    _reject_missing(prices, column, role, remedy)
    infinite = np.isinf(prices)
    if infinite.any():
        raise InputError(
            f"The {role} column '{column}' has {_count(int(infinite.sum()), 'infinite value')}, "
            f"e.g. in row {_first_row(infinite)}."
        )
    non_positive = prices <= 0
    if non_positive.any():
        row = _first_row(non_positive)
        raise InputError(
            f"The {role} column '{column}' has {_count(int(non_positive.sum()), 'price')} that "
            f"{'is' if int(non_positive.sum()) == 1 else 'are'} zero or negative, "
            f"e.g. {_show(table[column].iloc[row])} in row {row}; prices must be positive."
        )
    return prices


def clean_volume(table: pd.DataFrame, volume_col: str) -> pd.Series:
    """Units sold (or stocked) per item as float64: present, finite and not negative."""
    volume = numeric_column(table, volume_col, "volume")
    _reject_missing(volume, volume_col, "volume", "use 0 where nothing was sold")
    bad = np.isinf(volume) | (volume < 0)
    if bad.any():
        row = _first_row(bad)
        raise InputError(
            f"The volume column '{volume_col}' has "
            f"{_count(int(bad.sum()), 'negative or infinite value')}, "
            f"e.g. {_show(table[volume_col].iloc[row])} in row {row}; volumes must be 0 or more."
        )
    return volume


def _reject_missing(values: pd.Series, column: str, role: str, remedy: str) -> None:
    missing = values.isna()
    if missing.any():
        raise InputError(
            f"The {role} column '{column}' has {_count(int(missing.sum()), 'missing value')} "
            f"(the first in row {_first_row(missing)}); {remedy}."
        )


# ---------------------------------------------------------------------------------- validation


def _check_roles(roles: dict[str, str | None], columns: Sequence[object]) -> None:
    given = {role: col for role, col in roles.items() if col is not None}
    by_column: dict[str, list[str]] = {}
    for role, col in given.items():
        by_column.setdefault(col, []).append(role)
    for col, col_roles in by_column.items():
        if len(col_roles) > 1:
            both = " and the ".join(col_roles)
            raise InputError(
                f"The column '{col}' is given as both the {both} column; "
                "each role needs its own column."
            )
    for role, col in given.items():
        require_column(columns, col, role)


def _check_column_names(table: pd.DataFrame) -> None:
    """Text names, one level, each once: what files give and what scoring looks columns up by."""
    if isinstance(table.columns, pd.MultiIndex):
        raise InputError("The table has multi-level column names; give each column one name.")
    for name in table.columns:
        if not isinstance(name, str):
            raise InputError(f"Column names must be text, but one is {name!r}.")
    repeated = duplicate_column_names(list(table.columns))
    if repeated:
        raise InputError(f"The table has more than one column named '{repeated[0]}'.")


def _check_row_count(rows: int) -> None:
    if rows < MIN_ROWS:
        raise InputError(f"The table has {rows:,} rows; scoring needs at least {MIN_ROWS:,}.")
    if rows > MAX_ROWS:
        raise InputError(
            f"The table has {rows:,} rows, more than the limit of {MAX_ROWS:,}; "
            "split it or score a sample."
        )


def check_ids(table: pd.DataFrame, id_col: str) -> None:
    ids = table[id_col]
    missing = _is_missing(ids)
    if missing.any():
        raise InputError(
            f"The id column '{id_col}' has {_count(int(missing.sum()), 'missing value')} "
            f"(the first in row {_first_row(missing)}); every item needs an id."
        )
    repeated = ids.duplicated(keep=False)
    if repeated.any():
        distinct = int(ids[repeated].nunique())
        example = ids.iloc[_first_row(repeated)]
        # Equality as duplicated() sees it (by value), not a label lookup, which a bool would break.
        times = int((ids[repeated] == example).sum())
        raise InputError(
            f"The id column '{id_col}' has {_count(distinct, 'id')} that occur"
            f"{'s' if distinct == 1 else ''} more than once, e.g. {_show(example)} "
            f"({times} times); ids must be unique."
        )


def validate_price_table(
    table: pd.DataFrame,
    *,
    target: str,
    id_col: str | None = None,
    volume_col: str | None = None,
    group_col: str | None = None,
) -> None:
    """Raise InputError (one sentence) if ``table`` cannot be scored with these column roles.

    Checks, in order: column names are text and unique; each role names its own column; the named columns exist (suggesting close
    names); the row count is within MIN_ROWS..MAX_ROWS; the target parses as positive finite
    numbers with none missing (see :func:`clean_target`); ids are present and unique; the volume
    is present, numeric and not negative. The group column may hold anything, missing included.
    """
    roles = {"target": target, "id": id_col, "volume": volume_col, "group": group_col}
    _check_column_names(table)
    _check_roles(roles, list(table.columns))
    _check_row_count(len(table))
    clean_target(table, target)
    if id_col is not None:
        check_ids(table, id_col)
    if volume_col is not None:
        clean_volume(table, volume_col)
