"""Decisions page callbacks: the CSV and Excel downloads of the dataset on screen (reading only;
every role may export)."""

from __future__ import annotations

import logging
from typing import Any

from dash import Dash, Input, Output, State, ctx, dcc, no_update

from dashboard.datasets.store import check_slug
from dashboard.errors import InputError
from dashboard.export import to_csv_bytes, to_excel_bytes
from dashboard.ids import Decisions
from dashboard.reviews.summary import decisions_frame
from dashboard.run_choice import decisions_run
from dashboard.services import Services

logger = logging.getLogger(__name__)

EXPORT_TYPES = {Decisions.EXPORT_CSV: "csv", Decisions.EXPORT_XLSX: "xlsx"}


def register(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Decisions.DOWNLOAD, "data"),
        Input(Decisions.EXPORT_CSV, "n_clicks"),
        Input(Decisions.EXPORT_XLSX, "n_clicks"),
        State(Decisions.DATASET, "data"),
        prevent_initial_call=True,
    )
    def export(csv_clicks: object, xlsx_clicks: object, dataset: object) -> Any:
        kind = EXPORT_TYPES.get(ctx.triggered_id)
        if kind is None:
            return no_update
        try:
            slug = check_slug(dataset)
            run = decisions_run(services.runs, slug)
            loaded = services.runs.load(run.run_id) if run is not None else None
        except InputError as error:
            logger.info("decisions export refused: %s", error)
            return no_update
        frame = decisions_frame(services.reviewing.decisions.decisions(slug).values(), loaded)
        payload = to_csv_bytes(frame) if kind == "csv" else to_excel_bytes(frame)
        return dcc.send_bytes(payload, f"pricescope-decisions-{slug}.{kind}")
