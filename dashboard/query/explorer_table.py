"""The Explorer's ranked table: column filters, server-side order, pages, export rows, item detail.

Sorting a million rows is the one expensive step, so it is done once per order over the whole run
(a permutation kept in the run index) and a filtered order is then one boolean pass over it:
``order[keep[order]]``. Paging through the result is slicing.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.filters.state import (
    DIRECTIONS,
    MISSING,
    ColumnCondition,
    SortDirection,
    TableFilter,
)
from dashboard.filters.table_model import NUMBER_COLUMNS, PRICING_COLUMNS
from dashboard.query.explorer_index import RunIndex, SegmentCodes
from dashboard.query.explorer_types import ItemDetail
from dashboard.runs import SCORING_COLUMNS, Run

Sort = tuple[tuple[str, SortDirection], ...]
_FLAG_LABELS = ("False", "True")


def table_order(
    index: RunIndex,
    mask: np.ndarray,
    mask_key: object,
    sort: Sort,
    filters: tuple[TableFilter, ...],
) -> np.ndarray:
    """Row positions of the table, filtered and sorted; computed once per (state, order, filters)."""

    def make() -> np.ndarray:
        keep = mask & column_filters_mask(index, filters) if filters else mask
        order = global_order(index, sort)
        rows = order[keep[order]]
        rows.flags.writeable = False
        return rows

    return index.orders.get_or_make(("rows", mask_key, sort, filters), make)


def global_order(index: RunIndex, sort: Sort) -> np.ndarray:
    """All rows in ``sort`` order, ties by position; missing values last in either direction."""

    def make() -> np.ndarray:
        keys = [np.arange(index.rows)]  # np.lexsort: the last key is the primary one
        for column, direction in reversed(sort):
            key = _sort_key(index, column)
            keys.append(-key if direction == "desc" else key)
        order = np.lexsort(keys)
        order.flags.writeable = False
        return order

    return index.orders.get_or_make(("order", sort), make)


def _sort_key(index: RunIndex, column: str) -> np.ndarray:
    if column in NUMBER_COLUMNS:
        return getattr(index, column)
    if column == "flagged":
        return index.flagged.astype(np.float64)
    if column == "direction":
        alphabetical = np.argsort(np.argsort(np.array(DIRECTIONS)))
        return alphabetical[index.direction].astype(np.float64)
    if column == "item_id":
        return index.orders.get_or_make(("rank", "item_id"), lambda: _item_id_rank(index))
    segment = index.segments[column]
    key = segment.codes.astype(np.float64)
    if segment.labels and segment.labels[-1] == MISSING:
        key[segment.codes == len(segment.labels) - 1] = np.nan
    return key


def _item_id_rank(index: RunIndex) -> np.ndarray:
    rank = np.empty(index.rows, dtype=np.float64)
    rank[pc.sort_indices(index.item_ids).to_numpy()] = np.arange(index.rows)
    return rank


def column_filters_mask(index: RunIndex, filters: tuple[TableFilter, ...]) -> np.ndarray:
    mask = np.ones(index.rows, dtype=bool)
    for table_filter in filters:
        parts = [_condition_mask(index, table_filter, c) for c in table_filter.conditions]
        mask &= (
            np.logical_or.reduce(parts)
            if table_filter.operator == "OR"
            else np.logical_and.reduce(parts)
        )
    return mask


def _condition_mask(
    index: RunIndex, table_filter: TableFilter, condition: ColumnCondition
) -> np.ndarray:
    column = table_filter.column
    if table_filter.kind == "number":
        return _number_mask(getattr(index, column), condition)
    if column == "item_id":
        return _text_array_mask(index.item_ids, condition)
    if column == "direction":
        return _label_mask(DIRECTIONS, index.direction, condition)
    if column == "flagged":
        return _label_mask(_FLAG_LABELS, index.flagged.astype(np.int8), condition)
    segment: SegmentCodes = index.segments[column]
    return _label_mask(segment.labels, segment.codes, condition)


def _number_mask(values: np.ndarray, condition: ColumnCondition) -> np.ndarray:
    kind, value = condition.type, condition.value
    if kind == "blank":
        return np.isnan(values)
    if kind == "notBlank":
        return ~np.isnan(values)
    assert isinstance(value, float)
    if kind == "inRange":
        assert condition.value_to is not None
        return (values > value) & (values < condition.value_to)  # AG Grid's default: ends excluded
    tests = {
        "equals": np.equal,
        "notEqual": np.not_equal,
        "lessThan": np.less,
        "lessThanOrEqual": np.less_equal,
        "greaterThan": np.greater,
        "greaterThanOrEqual": np.greater_equal,
    }
    return tests[kind](values, value)


def text_matches(text: str | None, condition: ColumnCondition) -> bool:
    """One text against one condition, ignoring case; ``None`` (missing) counts as blank."""
    if condition.type in ("blank", "notBlank"):
        return (not text) == (condition.type == "blank")
    needle = str(condition.value).lower()
    if text is None:
        return condition.type in ("notContains", "notEqual")
    value = text.lower()
    outcome = {
        "contains": needle in value,
        "notContains": needle not in value,
        "equals": value == needle,
        "notEqual": value != needle,
        "startsWith": value.startswith(needle),
        "endsWith": value.endswith(needle),
    }
    return outcome[condition.type]


def _label_mask(
    labels: tuple[str, ...], codes: np.ndarray, condition: ColumnCondition
) -> np.ndarray:
    # Decide once per label, then look the answer up per row.
    table = np.array(
        [text_matches(None if label == MISSING else label, condition) for label in labels],
        dtype=bool,
    )
    return table[codes]


def _text_array_mask(values: pa.Array, condition: ColumnCondition) -> np.ndarray:
    if condition.type in ("blank", "notBlank"):
        blank = pc.or_(pc.is_null(values), pc.equal(pc.utf8_length(values), 0))
        result = pc.fill_null(blank, True)
        return _bools(pc.invert(result) if condition.type == "notBlank" else result)
    lowered = pc.utf8_lower(values)
    needle = str(condition.value).lower()
    positive = {
        "contains": lambda: pc.match_substring(lowered, needle),
        "notContains": lambda: pc.match_substring(lowered, needle),
        "equals": lambda: pc.equal(lowered, needle),
        "notEqual": lambda: pc.equal(lowered, needle),
        "startsWith": lambda: pc.starts_with(lowered, needle),
        "endsWith": lambda: pc.ends_with(lowered, needle),
    }[condition.type]()
    matched = _bools(pc.fill_null(positive, False))
    return ~matched if condition.type in ("notContains", "notEqual") else matched


def _bools(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=bool)


def page_records(index: RunIndex, rows: np.ndarray) -> list[dict[str, object]]:
    """JSON-ready records of the displayed columns for a few hundred rows."""
    columns: dict[str, list[object]] = {"item_id": index.item_ids.take(rows).to_pylist()}
    for name, segment in index.segments.items():
        if name in columns or name in NUMBER_COLUMNS or name in ("direction", "flagged"):
            continue
        labels = np.array([*segment.labels, None], dtype=object)
        codes = segment.codes[rows].astype(np.int64)
        if segment.labels and segment.labels[-1] == MISSING:
            codes[codes == len(segment.labels) - 1] = len(segment.labels)
        columns[name] = labels[codes].tolist()
    for name in NUMBER_COLUMNS:
        columns[name] = [None if math.isnan(v) else v for v in getattr(index, name)[rows].tolist()]
    columns["direction"] = np.array(DIRECTIONS, dtype=object)[index.direction[rows]].tolist()
    columns["flagged"] = index.flagged[rows].tolist()
    names = [name for name in display_order(index) if name in columns]
    columns = {name: columns[name] for name in names}
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def display_order(index: RunIndex) -> list[str]:
    """The table's columns: id, segments, then the pricing columns (as ``table_columns``)."""
    segments = [c for c in index.segments if c not in SCORING_COLUMNS]
    return ["item_id", *segments, *(name for name, _ in PRICING_COLUMNS)]


def export_frame(run: Run, index: RunIndex, rows: np.ndarray) -> pd.DataFrame:
    """The displayed columns for ``rows``, in that order, with the run's own types."""
    frame = run.items[display_order(index)].take(rows).reset_index(drop=True)
    return frame.astype({"direction": "str"})


def item_position(index: RunIndex, item_id: str) -> int | None:
    """The row of ``item_id`` in the run's items, or None if the run has no such item."""
    position = pc.index(index.item_ids, pa.scalar(item_id, type=index.item_ids.type)).as_py()
    return None if position is None or position < 0 else int(position)


def item_detail(run: Run, index: RunIndex, item_id: str) -> ItemDetail | None:
    position = item_position(index, item_id)
    if position is None:
        return None
    row = run.items.iloc[position]
    attributes = tuple(
        (str(name), _plain(row[name])) for name in run.items.columns if name not in SCORING_COLUMNS
    )
    return ItemDetail(
        item_id=item_id,
        actual=float(row["actual"]),
        fair_price=float(row["fair_price"]),
        lower=float(row["lower"]),
        upper=float(row["upper"]),
        score=float(row["score"]),
        direction=str(row["direction"]),
        flagged=bool(row["flagged"]),
        at_stake=float(row["at_stake"]),
        attributes=attributes,
    )


def _plain(value: object) -> object:
    """A JSON-safe Python scalar: numpy types unwrapped, missing values as ``None``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def page_bounds(start: object, end: object, limit: int) -> tuple[int, int, tuple[str, ...]]:
    """Validated ``[start, end)`` of a block request, at most ``limit`` rows."""
    problems: list[str] = []
    first = _row_number(start, 0, "start", problems)
    last = _row_number(end, first + 100, "end", problems)
    if last < first:
        problems.append("The requested rows end before they start; the first rows were sent.")
        last = first
    if last - first > limit:
        problems.append(f"At most {limit} rows are sent at a time; the rest were left out.")
        last = first + limit
    return first, last, tuple(problems)


def _row_number(value: object, default: int, which: str, problems: list[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        if value is not None:
            problems.append(f"The {which} row must be a whole number; the default was used.")
        return default
    if not math.isfinite(value) or value < 0:
        problems.append(f"The {which} row must be zero or more; the default was used.")
        return default
    return int(min(value, 2**40))
