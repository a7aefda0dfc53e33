"""Overview callbacks: the segment picker redraws the money-at-stake chart for the page's run; a
click on a bar or a top item opens the Explorer on it."""

from __future__ import annotations

import logging

from dash import Dash, Input, Output, State, no_update

from dashboard.errors import InputError
from dashboard.figures.overview import BAR_HINT, at_stake_by_segment_figure
from dashboard.figures.theme import Figure, empty_figure
from dashboard.ids import Overview
from dashboard.query.overview import at_stake_by_segment
from dashboard.query.overview_links import item_link, segment_link
from dashboard.run_display import display_for
from dashboard.runs import Run
from dashboard.services import Services

logger = logging.getLogger(__name__)


def register(app: Dash, services: Services) -> None:
    def run_of(run_id: object) -> Run | None:
        if not isinstance(run_id, str):
            return None
        try:
            return services.runs.load(run_id)
        except InputError as error:
            logger.info("overview link for an unreadable run: %s", error)
            return None

    @app.callback(
        Output(Overview.SEGMENT_CHART, "figure"),
        Input(Overview.SEGMENT_COLUMN, "value"),
        State(Overview.RUN_ID, "data"),
        prevent_initial_call=True,
    )
    def redraw_segment_chart(column: object, run_id: object) -> Figure:
        if not isinstance(column, str) or not isinstance(run_id, str):
            return empty_figure("Choose a segment column")
        try:
            run = services.runs.load(run_id)
        except InputError as error:
            return empty_figure(str(error))
        if column not in run.info.columns.segments:
            return empty_figure(f"{column!r} is not a segment column of this run")
        display = display_for(services.settings, run.info)
        table = at_stake_by_segment(run, column)
        return at_stake_by_segment_figure(table, column, display, click_hint=BAR_HINT)

    @app.callback(
        Output(Overview.GO, "href", allow_duplicate=True),
        Input(Overview.SEGMENT_CHART, "clickData"),
        State(Overview.SEGMENT_COLUMN, "value"),
        State(Overview.RUN_ID, "data"),
        prevent_initial_call=True,
    )
    def open_segment(click: object, column: object, run_id: object) -> object:
        run = run_of(run_id)
        points = click.get("points") if isinstance(click, dict) else None
        point = points[0] if isinstance(points, list) and points else None
        segment = point.get("y") if isinstance(point, dict) else None
        href = segment_link(run, column, segment) if run is not None else None
        return href or no_update

    @app.callback(
        Output(Overview.GO, "href", allow_duplicate=True),
        Input(Overview.TOP_TABLE, "selectedRows"),
        State(Overview.RUN_ID, "data"),
        prevent_initial_call=True,
    )
    def open_item(rows: object, run_id: object) -> object:
        run = run_of(run_id)
        row = rows[0] if isinstance(rows, list) and rows else None
        item = row.get("item_id") if isinstance(row, dict) else None
        href = item_link(run, item) if run is not None else None
        return href or no_update
