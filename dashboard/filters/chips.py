"""Removable chips: one per active filter or chart selection, each naming what it does."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from dashboard.display import Display
from dashboard.filters.fields import FILTERS, RANGES, VIEWS, default_of, range_of
from dashboard.filters.state import (
    BarSelection,
    CellSelection,
    FilterState,
    Selection,
    TableFilter,
)

_VALUES_SHOWN = 3


@dataclass(frozen=True)
class Chip:
    """``key`` identifies the filter for :func:`remove_chip`; ``label`` is what the chip reads."""

    key: str
    label: str


def chips(state: FilterState, display: Display | None = None) -> list[Chip]:
    """Every active filter and selection, in the order the page shows them, in the words and
    currency of ``display`` (the run's; the built-in labels and default currency without one)."""
    shown = display or Display()
    found: list[Chip] = []
    for entry in FILTERS:
        value = getattr(state, entry.field)
        paired = range_of(entry.field)
        if paired is not None and paired.chip is not None and paired.chip_key is not None:
            low, high = getattr(state, paired.low), getattr(state, paired.high)
            if entry.field == paired.low and (low is not None or high is not None):
                found.append(Chip(paired.chip_key, paired.chip(low, high, shown)))
        elif entry.chip is not None and value != default_of(entry.field):
            found.append(Chip(entry.removal_key, entry.chip(value, shown)))
    for column, values in state.segments:
        found.append(Chip(f"seg:{column}", f"{shown.label(column)}: {_values_label(values)}"))
    for index, selection in enumerate(state.selections):
        found.append(Chip(_selection_key(index, selection), _selection_label(selection, shown)))
    for table_filter in state.table_filters:
        found.append(Chip(f"table:{table_filter.column}", _table_label(table_filter, shown)))
    return found


def _selection_label(selection: Selection, display: Display) -> str:
    if isinstance(selection, BarSelection):
        return f"{display.label(selection.column)} = {selection.value}"
    if isinstance(selection, CellSelection):
        x, y = display.label(selection.x_column), display.label(selection.y_column)
        return f"{x} = {selection.x_value} × {y} = {selection.y_value}"
    return selection.label


def _table_label(table_filter: TableFilter, display: Display) -> str:
    conditions = table_filter.label.split(": ", 1)[1]
    heading = "Interval" if table_filter.column == "lower" else display.label(table_filter.column)
    return f"Table {heading}: {conditions}"


def remove_chip(state: FilterState, key: str) -> FilterState:
    """``state`` without the filter behind chip ``key``; an unknown key changes nothing."""
    paired = next((r for r in RANGES if r.chip_key == key), None)
    if paired is not None:
        cleared: dict[str, Any] = {paired.low: None, paired.high: None}
        return replace(state, **cleared)
    entry = next((e for e in FILTERS if e.chip is not None and e.removal_key == key), None)
    if entry is not None:
        return replace(state, **{entry.field: default_of(entry.field)})
    if key.startswith("seg:"):
        column = key[4:]
        return replace(state, segments=tuple(s for s in state.segments if s[0] != column))
    if key.startswith("table:"):
        column = key[6:]
        return replace(
            state, table_filters=tuple(f for f in state.table_filters if f.column != column)
        )
    if key.startswith("sel:"):
        kept = tuple(s for i, s in enumerate(state.selections) if _selection_key(i, s) != key)
        return replace(state, selections=kept)
    return state


def clear_all(state: FilterState) -> FilterState:
    """No filters and no selections; keeps the view settings (heatmap axes and metric, the open
    item) and the table order, which are how the analyst looks, not what they look at."""
    return FilterState(
        table_sort=state.table_sort, **{entry.field: getattr(state, entry.field) for entry in VIEWS}
    )


def _selection_key(index: int, selection: Selection) -> str:
    # The position keeps keys unique; the source lets the page tell which chart to clear.
    return f"sel:{index}:{selection.source}"


def _values_label(values: tuple[str, ...]) -> str:
    shown = ", ".join(values[:_VALUES_SHOWN])
    rest = len(values) - _VALUES_SHOWN
    return f"{shown} +{rest} more" if rest > 0 else shown
