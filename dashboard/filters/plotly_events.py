"""Bridges between the page's events and the filter state's raw shape (still Dash-free)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from dashboard.filters.clean import Problems
from dashboard.filters.fields import SCALARS, as_json
from dashboard.filters.parse import parse_region
from dashboard.filters.state import (
    BarSelection,
    CellSelection,
    FilterState,
    RegionSelection,
    Selection,
)
from dashboard.filters.table_model import filter_model_of, sort_model_of


def region_from_plotly(
    selected_data: object, *, log_x: bool = False, log_y: bool = False
) -> RegionSelection | None:
    """The box or lasso in a scatter's ``selectedData`` (x = fair price, y = actual), or ``None``.

    Plotly puts a box in ``selectedData["range"]`` and a lasso in ``selectedData["lassoPoints"]``;
    only the outline is used, never the list of points, so the selection is small and fits in the
    URL. Set ``log_x``/``log_y`` when that axis is logarithmic and the coordinates arrive as
    exponents (axis range units); they are turned back into prices here.
    """
    if not isinstance(selected_data, Mapping):
        return None
    box = selected_data.get("range")
    lasso = selected_data.get("lassoPoints")
    if isinstance(box, Mapping):
        xs, ys = _axis_values(box)
        if len(xs) != 2 or len(ys) != 2:
            return None
        kind, raw_points = "box", [[xs[0], ys[0]], [xs[1], ys[1]]]
    elif isinstance(lasso, Mapping):
        xs, ys = _axis_values(lasso)
        kind, raw_points = "lasso", [list(point) for point in zip(xs, ys, strict=False)]
    else:
        return None
    if log_x or log_y:
        raw_points = [_unlog(point, log_x, log_y) for point in raw_points]
    return parse_region(kind, raw_points, Problems())


def _axis_values(raw: Mapping[str, Any]) -> tuple[list[object], list[object]]:
    x_key = next((k for k in raw if isinstance(k, str) and k.startswith("x")), None)
    y_key = next((k for k in raw if isinstance(k, str) and k.startswith("y")), None)
    xs, ys = raw.get(x_key) if x_key else None, raw.get(y_key) if y_key else None
    if not isinstance(xs, list) or not isinstance(ys, list) or len(xs) != len(ys):
        return [], []
    return xs, ys


def _unlog(point: list[object], log_x: bool, log_y: bool) -> list[object]:
    def power(value: object, on: bool) -> object:
        if not on or isinstance(value, bool) or not isinstance(value, int | float):
            return value
        try:
            return math.pow(10.0, value)
        except OverflowError:
            return math.inf

    return [power(point[0], log_x), power(point[1], log_y)]


def state_to_raw(state: FilterState) -> dict[str, Any]:
    """The state as plain JSON (for a ``dcc.Store``); :func:`parse_filter_state` reads it back."""
    return {
        **{entry.field: as_json(getattr(state, entry.field)) for entry in SCALARS},
        "segments": {column: list(values) for column, values in state.segments},
        "selections": [_selection_raw(s) for s in state.selections],
        "table_sort": sort_model_of(state.table_sort),
        "table_filters": filter_model_of(state.table_filters),
    }


def _selection_raw(selection: Selection) -> dict[str, Any]:
    if isinstance(selection, BarSelection):
        return {"kind": "bar", "column": selection.column, "value": selection.value}
    if isinstance(selection, CellSelection):
        return {
            "kind": "cell",
            "x_column": selection.x_column,
            "x_value": selection.x_value,
            "y_column": selection.y_column,
            "y_value": selection.y_value,
        }
    return {"kind": selection.kind, "points": [list(p) for p in selection.points]}
