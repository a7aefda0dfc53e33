"""Overview callbacks: the segment picker redraws the money-at-stake chart for the page's run."""

from __future__ import annotations

import logging

from dash import Dash, Input, Output, State

from dashboard.errors import InputError
from dashboard.figures.overview import at_stake_by_segment_figure
from dashboard.figures.theme import Figure, empty_figure
from dashboard.ids import Overview
from dashboard.query.overview import at_stake_by_segment
from dashboard.services import Services

logger = logging.getLogger(__name__)


def register(app: Dash, services: Services) -> None:
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
        return at_stake_by_segment_figure(at_stake_by_segment(run, column), column)
