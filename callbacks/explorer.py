"""Outlier Explorer callbacks.

One reducer turns every event (a control, a chip, a chart click, the URL, the grid) into a new
filter state, writes it to the URL hash, and in the same response draws what the change affects:
the KPIs and each chart whose data changed, and the table's first block of rows, which the grid
takes (assets/explorer_grid.js) without asking the server again. Three stores remember
the parts of the state the charts, the table and the detail panel show.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from dash import ALL, Dash, Input, Output, Patch, State, ctx, dcc, no_update
from dash.development.base_component import Component

from dashboard.display import Display
from dashboard.errors import InputError
from dashboard.explain.comparables import comparables
from dashboard.explain.item import explain
from dashboard.explorer_state import ExplorerRun, Trigger, apply_event
from dashboard.export import to_csv_bytes, to_excel_bytes
from dashboard.figures.theme import empty_figure
from dashboard.filters import FilterState, ParsedFilters, chips, filter_model_of, to_url_hash
from dashboard.filters.events import ExplorerEvents, changed_parts, controls_of, views_of
from dashboard.filters.fields import CONTROLS, feedback_field, feedback_of
from dashboard.ids import Explorer, Reviews
from dashboard.query import explorer as q
from dashboard.reviews.export_rows import with_decisions
from dashboard.reviews.read_only import current_decisions
from dashboard.run_display import display_for
from dashboard.runs import Run
from dashboard.scoring.given import PredictionColumns
from dashboard.services import Services
from layouts.explorer import TABLE_BLOCK_ROWS
from layouts.explorer_columns import remembered_choice, table_column_defs, visible_columns
from layouts.explorer_parts import chip_badges, detail_body, problem_alert
from layouts.explorer_views import (
    CHART_PARTS,
    chart_parts,
    chart_views,
    first_rows,
    table_block,
)

logger = logging.getLogger(__name__)

SEGMENTS = {"type": Explorer.SEGMENT, "column": ALL}
CHIPS = {"type": Explorer.CHIP, "key": ALL}
FEEDBACK = {"type": Explorer.FILTER_FEEDBACK, "field": ALL}
EXPORT_TYPES = {Explorer.EXPORT_CSV: "csv", Explorer.EXPORT_XLSX: "xlsx"}


@dataclass(frozen=True)
class Page:
    """One run's Explorer for one request: the run, the rules for its events, the shared caches."""

    run: Run
    events: ExplorerEvents
    services: Services

    @property
    def indexes(self) -> q.ExplorerIndexes:
        return self.services.explorer_indexes

    @property
    def explorer(self) -> ExplorerRun:
        return ExplorerRun(self.run, self.events, self.indexes)

    def state(self, text: object) -> FilterState:
        return self.events.from_hash(text).state

    @property
    def display(self) -> Display:
        return display_for(self.services.settings, self.run.info)

    def columns(self, state: FilterState, choice: object) -> list[dict[str, Any]]:
        """The grid's columns for ``state``'s order and the browser's remembered choice."""
        shown = visible_columns(self.run.info, choice)
        return table_column_defs(self.run.info, state.table_sort, self.display, shown)


def open_page(services: Services, run_id: object) -> Page | None:
    if not isinstance(run_id, str):
        return None
    try:
        run = services.runs.load(run_id)
    except InputError:
        return None
    categories = q.segment_categories(run, indexes=services.explorer_indexes)
    return Page(run, ExplorerEvents(run.info, categories), services)


def register(app: Dash, services: Services) -> None:
    _register_reducer(app, services)
    _register_charts(app, services)
    _register_table(app, services)
    _register_detail(app, services)
    _register_export(app, services)
    _register_column_chooser(app, services)
    _register_clientside(app)


# -- the reducer ------------------------------------------------------------------------------

_REDUCER_OUTPUTS = {
    "hash": Output(Explorer.URL, "hash"),
    "charts": Output(Explorer.CHART_STATE, "data"),
    "table": Output(Explorer.TABLE_STATE, "data"),
    "item": Output(Explorer.ITEM_STATE, "data"),
    "problems": Output(Explorer.PROBLEMS, "children"),
    "chips": Output(Explorer.CHIPS, "children"),
    "detail_open": Output(Explorer.DETAIL, "is_open"),
    "columns": Output(Explorer.TABLE, "columnDefs"),
    "filter_model": Output(Explorer.TABLE, "filterModel"),
    "segments": Output(SEGMENTS, "value"),
    "feedback": Output(FEEDBACK, "children"),
    **{name: Output(cid, "value") for name, cid in CONTROLS.items()},
    # Drawn here rather than by callbacks listening to the stores: one round trip per change.
    # The charts callback draws them too, after a saved decision (hence the duplicates).
    "kpis": Output(Explorer.KPIS, "children", allow_duplicate=True),
    "scatter": Output(Explorer.SCATTER, "figure", allow_duplicate=True),
    "scores": Output(Explorer.SCORES, "figure", allow_duplicate=True),
    "heatmap": Output(Explorer.HEATMAP, "figure", allow_duplicate=True),
    "bars": Output(Explorer.BARS, "figure", allow_duplicate=True),
    "rows": Output(Explorer.TABLE, "dashGridOptions"),
    "count": Output(Explorer.TABLE_COUNT, "children", allow_duplicate=True),
}
_REDUCER_INPUTS = {
    "url": Input(Explorer.URL, "hash"),
    **{name: Input(cid, "value") for name, cid in CONTROLS.items()},
    "segments": Input(SEGMENTS, "value"),
    "chip_clicks": Input(CHIPS, "n_clicks"),
    "clear": Input(Explorer.CLEAR_ALL, "n_clicks"),
    "heatmap_click": Input(Explorer.HEATMAP, "clickData"),
    "bar_click": Input(Explorer.BARS, "clickData"),
    "scatter_selection": Input(Explorer.SCATTER, "selectedData"),
    "scatter_click": Input(Explorer.SCATTER, "clickData"),
    "cell": Input(Explorer.TABLE, "cellClicked"),
    "rows_request": Input(Explorer.TABLE, "getRowsRequest"),
    "detail_open": Input(Explorer.DETAIL, "is_open"),
}
_REDUCER_STATE = {
    "table_store": State(Explorer.TABLE_STATE, "data"),
    "item_store": State(Explorer.ITEM_STATE, "data"),
    "chart_store": State(Explorer.CHART_STATE, "data"),
    "run_id": State(Explorer.RUN_ID, "data"),
    "column_choice": State(Explorer.COLUMN_CHOICE, "data"),
}


def _register_reducer(app: Dash, services: Services) -> None:
    # On load too: the URL may ask for another view than the first one the layout carries.
    @app.callback(
        output=_REDUCER_OUTPUTS,
        inputs=_REDUCER_INPUTS,
        state=_REDUCER_STATE,
        prevent_initial_call="initial_duplicate",
    )
    def reduce(**args: Any) -> dict[str, Any]:
        page = open_page(services, args["run_id"])
        if page is None:
            unavailable = problem_alert(("This run is no longer available; reload the page.",))
            return {**_unchanged(), "problems": unavailable}
        from_url = ctx.triggered_id in (None, Explorer.URL)
        previous = _previous_state(page, args, from_url)
        parsed = _apply(page, previous, args)
        if not from_url and parsed.state == previous and not parsed.problems:
            return _unchanged()
        outputs = _outputs(page, previous, parsed, from_url, args["column_choice"])
        return _keep_views_on_screen(outputs, args) if from_url else outputs


def _unchanged() -> dict[str, Any]:
    return {name: no_update for name in _REDUCER_OUTPUTS} | {
        "segments": [no_update] * len(ctx.outputs_grouping["segments"]),
        "feedback": [no_update] * len(ctx.outputs_grouping["feedback"]),
    }


def _previous_state(page: Page, args: dict[str, Any], from_url: bool) -> FilterState:
    """What was shown before this event: the URL itself, except when the URL is what changed
    (then the stores remember what the views show)."""
    if not from_url:
        return page.state(args["url"])
    item = args["item_store"]
    return replace(page.state(args["table_store"]), item=item if isinstance(item, str) else None)


def _apply(page: Page, previous: FilterState, args: dict[str, Any]) -> ParsedFilters:
    fired = ctx.triggered[0] if ctx.triggered else {}
    prop = str(fired.get("prop_id", "")).rsplit(".", 1)[-1]
    segments = {e["id"]["column"]: e["value"] for e in ctx.args_grouping["segments"]}
    trigger = Trigger(ctx.triggered_id, prop, fired.get("value"))
    return apply_event(page.explorer, previous, trigger, {**args, "segments": segments})


def _outputs(
    page: Page, previous: FilterState, parsed: ParsedFilters, from_url: bool, choice: object
) -> dict[str, Any]:
    state, trigger = parsed.state, ctx.triggered_id
    beside = feedback_of(parsed.field_problems)
    # A control whose text was not understood keeps the text, next to the sentence about it.
    refused = {feedback_field(field) for field, _sentence in parsed.field_problems}
    views, before = views_of(state), views_of(previous)
    controls = controls_of(state)
    axes = q.default_heatmap_axes(page.run, state, indexes=page.indexes) or (None, None)
    controls.update(heatmap_x=axes[0], heatmap_y=axes[1])
    drawn = _drawn(page, previous, state, trigger)
    return {
        **drawn,
        "hash": no_update if from_url else "#" + to_url_hash(state),
        "charts": views.charts if from_url or views.charts != before.charts else no_update,
        "table": views.table if from_url or views.table != before.table else no_update,
        "item": views.item if from_url or views.item != before.item else no_update,
        "problems": problem_alert(parsed.general_problems),
        "chips": chip_badges(chips(state, page.display)),
        "detail_open": state.item is not None,
        "columns": page.columns(state, choice) if from_url else no_update,
        "filter_model": filter_model_of(state.table_filters) if from_url else no_update,
        "segments": [
            controls["segments"].get(entry["id"]["column"])
            for entry in ctx.outputs_grouping["segments"]
        ],
        "feedback": [
            beside.get(entry["id"]["field"]) for entry in ctx.outputs_grouping["feedback"]
        ],
        **{
            name: no_update if cid == trigger or feedback_field(name) in refused else controls[name]
            for name, cid in CONTROLS.items()
        },
    }


def _drawn(
    page: Page, previous: FilterState, state: FilterState, trigger: object
) -> dict[str, Any]:
    """The KPIs and charts whose data changed, and the table's first block of rows if they
    changed, except when the grid asked for rows itself (it awaits the rows callback's answer)."""
    parts = changed_parts(previous, state)
    drawn = chart_parts(page.services, page.run, state, parts)
    views = {part: drawn.get(part, no_update) for part in CHART_PARTS}
    if "rows" not in parts or trigger == Explorer.TABLE:
        return {**views, "rows": no_update, "count": no_update}
    block = first_rows(page.services, page.run, state, TABLE_BLOCK_ROWS)
    rows = Patch()
    rows["context"] = {"firstRows": block.response}
    return {**views, "rows": rows, "count": block.count}


def _keep_views_on_screen(outputs: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    """A URL that asks for the charts or the table already on screen (the first view, which the
    layout carries; back to a view that differs only in the open item) redraws neither."""
    if outputs["charts"] == args["chart_store"]:
        outputs["charts"] = no_update
    if outputs["table"] == args["table_store"]:
        outputs.update(table=no_update, columns=no_update, filter_model=no_update)
    return outputs


# -- the views ----------------------------------------------------------------------------------


def _register_charts(app: Dash, services: Services) -> None:
    # A saved review decision changes what a view filtered by decision shows; every other change
    # is drawn by the reducer.
    @app.callback(
        Output(Explorer.KPIS, "children", allow_duplicate=True),
        Output(Explorer.SCATTER, "figure", allow_duplicate=True),
        Output(Explorer.SCORES, "figure", allow_duplicate=True),
        Output(Explorer.HEATMAP, "figure", allow_duplicate=True),
        Output(Explorer.BARS, "figure", allow_duplicate=True),
        Input(Reviews.VERSION, "data"),
        State(Explorer.CHART_STATE, "data"),
        State(Explorer.RUN_ID, "data"),
        prevent_initial_call=True,
    )
    def draw_charts(_decisions: object, charts: object, run_id: object) -> tuple[Any, ...]:
        page = open_page(services, run_id)
        if page is None:
            blank = empty_figure("This run is no longer available")
            return None, blank, blank, blank, blank
        state = page.state(charts)
        if not state.decisions:
            return (no_update,) * 5  # nothing shown depends on the decisions
        return chart_views(services, page.run, state)


def _register_table(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Explorer.TABLE, "getRowsResponse"),
        Output(Explorer.TABLE_COUNT, "children"),
        Input(Explorer.TABLE, "getRowsRequest"),
        State(Explorer.TABLE_STATE, "data"),
        State(Explorer.RUN_ID, "data"),
    )
    def serve_rows(request: object, table: object, run_id: object) -> tuple[Any, Any]:
        page = open_page(services, run_id)
        if page is None or not isinstance(request, dict):
            return no_update, no_update
        block = table_block(services, page.run, page.state(table), request)
        return block.response, block.count


def _register_detail(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Explorer.DETAIL_BODY, "children"),
        Output(Explorer.DETAIL, "title"),
        Input(Explorer.ITEM_STATE, "data"),
        State(Explorer.RUN_ID, "data"),
    )
    def show_item(item: object, run_id: object) -> tuple[Component | None, str]:
        page = open_page(services, run_id)
        if page is None or not isinstance(item, str):
            return None, "Item"
        detail = q.item_detail(page.run, item, indexes=page.indexes)
        if detail is None:
            return problem_alert((f"There is no item {item!r} in this run.",)), "Item"
        similar = comparables(page.run, detail.item_id, indexes=services.similarity)
        why = explain(services.runs, page.run, detail.item_id, indexes=page.indexes)
        given = PredictionColumns.from_card(page.run.model_card)
        rows = [c.as_row() for c in similar]
        return detail_body(detail, rows, why, given, page.display), f"Item {detail.item_id}"


def _register_export(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Explorer.DOWNLOAD, "data"),
        Input(Explorer.EXPORT_CSV, "n_clicks"),
        Input(Explorer.EXPORT_XLSX, "n_clicks"),
        State(Explorer.TABLE_STATE, "data"),
        State(Explorer.RUN_ID, "data"),
        prevent_initial_call=True,
    )
    def export(csv_clicks: object, xlsx_clicks: object, table: object, run_id: object) -> Any:
        page = open_page(services, run_id)
        kind = EXPORT_TYPES.get(ctx.triggered_id)
        if page is None or kind is None:
            return no_update
        rows = q.export_rows(page.run, page.state(table), indexes=page.indexes)
        reviewing = services.reviewing
        # While the database is down the file carries the run without decisions (none are known).
        current = current_decisions(reviewing.decisions, reviewing.health, page.run.info.dataset)
        frame = with_decisions(rows, current or {})
        name = f"pricescope-{page.run.run_id}.{kind}"
        payload = to_csv_bytes(frame) if kind == "csv" else to_excel_bytes(frame)
        return dcc.send_bytes(payload, name)


def _register_column_chooser(app: Dash, services: Services) -> None:
    # The browser remembers the ticks (a localStorage store); on load they come back to the list
    # and the grid, and every change is remembered. One callback, so the list and the store can
    # feed each other without a loop between callbacks.
    @app.callback(
        Output(Explorer.COLUMN_CHOICE, "data"),
        Output(Explorer.COLUMN_LIST, "value"),
        Output(Explorer.TABLE, "columnDefs", allow_duplicate=True),
        Input(Explorer.COLUMN_LIST, "value"),
        State(Explorer.COLUMN_CHOICE, "data"),
        State(Explorer.TABLE_STATE, "data"),
        State(Explorer.RUN_ID, "data"),
        prevent_initial_call="initial_duplicate",
    )
    def choose_columns(ticked: object, remembered: object, table: object, run_id: object) -> Any:
        page = open_page(services, run_id)
        chosen = ctx.triggered_id == Explorer.COLUMN_LIST
        if page is None or not (chosen or isinstance(remembered, dict)):
            return no_update, no_update, no_update  # nothing remembered: the layout's defaults
        if chosen:
            remembered = remembered_choice(page.run.info, remembered, ticked)
        columns = page.columns(page.state(table), remembered)
        ticks = [c["field"] for c in columns[1:] if not c["hide"]]
        return remembered if chosen else no_update, ticks, columns


def _register_clientside(app: Dash) -> None:
    # "Copy link" copies the page's own address, hash and all.
    app.clientside_callback(
        "function(n) { return window.location.href; }",
        Output(Explorer.COPY_LINK, "content"),
        Input(Explorer.COPY_LINK, "n_clicks"),
        prevent_initial_call=True,
    )
