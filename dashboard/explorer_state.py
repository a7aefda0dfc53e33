"""What one event on the Explorer page does to its filter state, as a pure function (no Dash).

The page's reducer callback reads which component fired, which property and with what value, and
the current values of its inputs; :func:`apply_event` decides what that means for the state: a
link was opened, a control changed, a chip was removed, a chart was clicked, the grid asked for
rows, the detail panel was closed. Chart clicks need the run's data to know what was clicked (the
heatmap's axes, the scatter's points), so the query layer is asked here, not in the callback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dashboard.figures.explorer import scatter_item_at
from dashboard.filters.events import ExplorerEvents
from dashboard.filters.fields import CONTROLS, FILTER_CONTROLS, VIEW_CONTROLS
from dashboard.filters.parse import ParsedFilters
from dashboard.filters.state import FilterState
from dashboard.ids import Explorer
from dashboard.query import explorer as q
from dashboard.runs import Run

# AG Grid's own id of the row-selection (tick box) column: ticking a row for review opens nothing.
GRID_SELECTION_COLUMN = "ag-Grid-SelectionColumn"


@dataclass(frozen=True)
class Trigger:
    """The event: the component that fired (an id, a pattern-matching id as a dict, or ``None``
    on the page's first call), the property that changed and its new value."""

    component: str | Mapping[str, Any] | None
    prop: str = ""
    value: object = None


@dataclass(frozen=True)
class ExplorerRun:
    """One run's Explorer: the run, the rules for its events and the shared query indexes."""

    run: Run
    events: ExplorerEvents
    indexes: q.ExplorerIndexes | None = None


def is_pattern(component: object, kind: str) -> bool:
    """Whether a trigger's component is a pattern-matching id of type ``kind``."""
    return isinstance(component, Mapping) and component.get("type") == kind


def apply_event(
    page: ExplorerRun, previous: FilterState, trigger: Trigger, inputs: Mapping[str, Any]
) -> ParsedFilters:
    """The state after ``trigger``, from the state ``previous`` the page showed before it.

    ``inputs`` holds the reducer's input values by name: ``url`` (the hash), one entry per control
    field of :data:`dashboard.filters.fields.CONTROLS`, ``segments`` (``{column: chosen values}``),
    ``heatmap_click``, ``bar_click``, ``scatter_selection``, ``scatter_click``, ``cell``,
    ``rows_request`` and ``detail_open``. Any of them may be missing or hostile.
    """
    component, events = trigger.component, page.events
    if component in (None, Explorer.URL):
        return events.from_hash(inputs.get("url"))
    if component in CONTROLS.values() or is_pattern(component, Explorer.SEGMENT):
        return _controls(events, previous, component, inputs)
    if is_pattern(component, Explorer.CHIP):
        assert isinstance(component, Mapping)
        clicked = bool(trigger.value)
        return events.remove_chip(previous, component.get("key")) if clicked else _same(previous)
    if component == Explorer.CLEAR_ALL:
        return events.clear_all(previous)
    if component in (Explorer.HEATMAP, Explorer.BARS, Explorer.SCATTER):
        return _chart_event(page, previous, trigger, inputs)
    if component == Explorer.TABLE and trigger.prop == "cellClicked":
        return _cell_clicked(page, previous, inputs.get("cell"))
    if component == Explorer.TABLE:
        return events.table_request(previous, inputs.get("rows_request"))
    if component == Explorer.DETAIL and not inputs.get("detail_open"):
        return events.close_item(previous)
    return _same(previous)


def _same(state: FilterState) -> ParsedFilters:
    return ParsedFilters(state)


def _controls(
    events: ExplorerEvents, previous: FilterState, component: object, inputs: Mapping[str, Any]
) -> ParsedFilters:
    # Filter controls are read together; a view control only when it is the one that changed
    # (its default is "let the page choose", which a link should not spell out).
    values: dict[str, Any] = {name: inputs.get(name) for name in FILTER_CONTROLS}
    values.update({n: inputs.get(n) for n, cid in VIEW_CONTROLS.items() if cid == component})
    segments = inputs.get("segments")
    values["segments"] = segments if isinstance(segments, Mapping) else {}
    return events.controls(previous, values)


def _chart_event(
    page: ExplorerRun, previous: FilterState, trigger: Trigger, inputs: Mapping[str, Any]
) -> ParsedFilters:
    run, events, indexes = page.run, page.events, page.indexes
    if trigger.component == Explorer.HEATMAP:
        axes = q.default_heatmap_axes(run, previous, indexes=indexes)
        return events.heatmap_click(previous, inputs.get("heatmap_click"), axes)
    if trigger.component == Explorer.BARS:
        column = q.default_bars_column(run, previous, indexes=indexes)
        return events.bar_click(previous, inputs.get("bar_click"), column)
    if trigger.prop == "clickData":
        points = q.scatter_points(run, previous, indexes=indexes)
        item = scatter_item_at(points, inputs.get("scatter_click"))
        return events.open_item(previous, item, item is not None)
    return events.scatter_selection(previous, inputs.get("scatter_selection"))


def _cell_clicked(page: ExplorerRun, previous: FilterState, cell: object) -> ParsedFilters:
    if not isinstance(cell, Mapping):
        return page.events.open_item(previous, None, False)
    if cell.get("colId") == GRID_SELECTION_COLUMN:
        return _same(previous)
    item = cell.get("rowId")
    known = q.item_detail(page.run, item, indexes=page.indexes) is not None
    return page.events.open_item(previous, item, known)
