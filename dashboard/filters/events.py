"""What the Explorer's controls and charts do to the filter state, without Dash.

The page has one reducer callback; it names the event that fired and hands the raw event data here.
Every event goes through :func:`dashboard.filters.parse_filter_state`, so a crafted request is
validated exactly like a click, and the result is a new state plus sentences about anything ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from dashboard.filters.chips import clear_all, remove_chip
from dashboard.filters.fields import CONTROLS, as_json, default_of
from dashboard.filters.link import to_url_hash
from dashboard.filters.parse import ParsedFilters, parse_filter_state
from dashboard.filters.plotly_events import region_from_plotly, state_to_raw
from dashboard.filters.state import DEFAULT_TABLE_SORT, FilterState
from dashboard.filters.url import from_url_hash
from dashboard.runs import RunInfo


@dataclass(frozen=True)
class Views:
    """The parts of a state each view depends on, as canonical text; a view redraws only when its
    part changes. ``charts``: filters, selections and heatmap axes; ``table``: that plus the table's
    order and column filters; ``item``: the open item."""

    charts: str
    table: str
    item: str | None


def views_of(state: FilterState) -> Views:
    charts = replace(state, table_sort=DEFAULT_TABLE_SORT, table_filters=(), item=None)
    return Views(
        charts=to_url_hash(charts), table=to_url_hash(replace(state, item=None)), item=state.item
    )


# What each part of the page draws from. Only the heatmap reads its metric; the bar chart reads the
# heatmap's axes too (it picks a column the heatmap does not show); the table's rows read neither.
# The scatter's points do not depend on its own box/lasso, which only highlights some of them.
DRAWN_PARTS: tuple[str, ...] = (
    "kpis",
    "scatter",
    "scatter_points",
    "scores",
    "heatmap",
    "bars",
    "rows",
)


def drawn_from(state: FilterState) -> dict[str, str]:
    """Per part of the page (:data:`DRAWN_PARTS`), the canonical text of what it is drawn from:
    a part whose text did not change between two states need not be drawn again."""
    no_view = replace(
        state,
        item=None,
        heatmap_x=default_of("heatmap_x"),
        heatmap_y=default_of("heatmap_y"),
        heatmap_metric=default_of("heatmap_metric"),
    )
    charts = replace(no_view, table_sort=DEFAULT_TABLE_SORT, table_filters=())
    common = to_url_hash(charts)
    return {
        "kpis": common,
        "scatter": common,
        "scatter_points": to_url_hash(charts.without_selections("scatter")),
        "scores": common,
        "heatmap": to_url_hash(
            replace(state, table_sort=DEFAULT_TABLE_SORT, table_filters=(), item=None)
        ),
        "bars": to_url_hash(replace(charts, heatmap_x=state.heatmap_x, heatmap_y=state.heatmap_y)),
        "rows": to_url_hash(no_view),
    }


def changed_parts(before: FilterState, after: FilterState) -> frozenset[str]:
    """The parts of the page that ``after`` draws differently from ``before``."""
    old, new = drawn_from(before), drawn_from(after)
    return frozenset(part for part in DRAWN_PARTS if old[part] != new[part])


def controls_of(state: FilterState) -> dict[str, Any]:
    """The values the filter controls should show for ``state``."""
    return {
        **{field: as_json(getattr(state, field)) for field in CONTROLS},
        "segments": {column: list(values) for column, values in state.segments},
    }


class ExplorerEvents:
    """Applies one event to the previous state of one run's Explorer."""

    def __init__(self, run_info: RunInfo, categories: Mapping[str, Sequence[str]]) -> None:
        self.run_info = run_info
        self.categories = categories

    def parse(self, raw: Mapping[str, Any]) -> ParsedFilters:
        return parse_filter_state(raw, self.run_info, self.categories)

    def from_hash(self, text: object) -> ParsedFilters:
        if text is not None and not isinstance(text, str):
            return ParsedFilters(FilterState(), ("The link's filters could not be read.",))
        return from_url_hash(text or "", self.run_info, self.categories)

    def controls(self, previous: FilterState, values: Mapping[str, Any]) -> ParsedFilters:
        """The filter controls changed: their values replace the matching parts of the state."""
        raw = state_to_raw(previous)
        for name in CONTROLS:
            if name in values:
                raw[name] = values[name]
        segments = values.get("segments")
        if isinstance(segments, Mapping):
            raw["segments"] = {column: chosen for column, chosen in segments.items() if chosen}
        return self.parse(raw)

    def heatmap_click(
        self, previous: FilterState, click: object, axes: tuple[str, str] | None
    ) -> ParsedFilters:
        point = _first_point(click)
        if point is None or axes is None:
            return ParsedFilters(previous)
        x_column, y_column = axes
        cell = {
            "kind": "cell",
            "x_column": x_column,
            "x_value": point.get("x"),
            "y_column": y_column,
            "y_value": point.get("y"),
        }
        return self._with_selection(previous, cell)

    def bar_click(self, previous: FilterState, click: object, column: str | None) -> ParsedFilters:
        point = _first_point(click)
        if point is None or column is None:
            return ParsedFilters(previous)
        return self._with_selection(
            previous, {"kind": "bar", "column": column, "value": point.get("y")}
        )

    def scatter_selection(self, previous: FilterState, selected: object) -> ParsedFilters:
        """A box or lasso drawn on the scatter.

        Plotly reports both in data units (prices) even on log axes. An empty selection changes
        nothing: Plotly sends one whenever it redraws the chart, and the selection is removed
        through its chip instead.
        """
        region = region_from_plotly(selected) if selected else None
        if region is None:
            return ParsedFilters(previous)
        if region in previous.selections:  # Plotly re-reports a kept selection after a redraw
            return ParsedFilters(previous)
        raw = {"kind": region.kind, "points": [list(p) for p in region.points]}
        return self._with_selection(previous, raw)

    def open_item(self, previous: FilterState, item_id: object, known: bool) -> ParsedFilters:
        if not isinstance(item_id, str) or not known:
            return ParsedFilters(previous, ("That item is not in this run.",))
        return ParsedFilters(replace(previous, item=item_id))

    def close_item(self, previous: FilterState) -> ParsedFilters:
        return ParsedFilters(replace(previous, item=None))

    def remove_chip(self, previous: FilterState, key: object) -> ParsedFilters:
        if not isinstance(key, str):
            return ParsedFilters(previous)
        return ParsedFilters(remove_chip(previous, key))

    def clear_all(self, previous: FilterState) -> ParsedFilters:
        return ParsedFilters(clear_all(previous))

    def table_request(self, previous: FilterState, request: object) -> ParsedFilters:
        """The grid asked for rows with its own sort and column filters: the state follows them."""
        if not isinstance(request, Mapping):
            return ParsedFilters(previous)
        raw = state_to_raw(previous)
        raw["table_sort"] = request.get("sortModel") or []
        raw["table_filters"] = request.get("filterModel") or {}
        return self.parse(raw)

    def _with_selection(self, previous: FilterState, selection: Mapping[str, Any]) -> ParsedFilters:
        parsed = self.parse({"selections": [selection]})
        if not parsed.state.selections:
            return ParsedFilters(previous, parsed.problems)
        return ParsedFilters(previous.with_selection(parsed.state.selections[0]), parsed.problems)


def _first_point(event: object) -> Mapping[str, Any] | None:
    if not isinstance(event, Mapping):
        return None
    points = event.get("points")
    if not isinstance(points, list) or not points or not isinstance(points[0], Mapping):
        return None
    return points[0]
