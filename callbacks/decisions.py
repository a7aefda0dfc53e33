"""Decisions page callbacks: the CSV and Excel downloads (reading only; every role may export)."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, ctx, dcc, no_update

from dashboard.export import to_csv_bytes, to_excel_bytes
from dashboard.ids import Decisions
from dashboard.reviews.summary import decisions_frame
from dashboard.services import Services

EXPORT_TYPES = {Decisions.EXPORT_CSV: "csv", Decisions.EXPORT_XLSX: "xlsx"}


def register(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Decisions.DOWNLOAD, "data"),
        Input(Decisions.EXPORT_CSV, "n_clicks"),
        Input(Decisions.EXPORT_XLSX, "n_clicks"),
        prevent_initial_call=True,
    )
    def export(csv_clicks: object, xlsx_clicks: object) -> Any:
        kind = EXPORT_TYPES.get(ctx.triggered_id)
        if kind is None:
            return no_update
        run = services.runs.load_current()
        frame = decisions_frame(services.reviewing.decisions.decisions().values(), run)
        payload = to_csv_bytes(frame) if kind == "csv" else to_excel_bytes(frame)
        return dcc.send_bytes(payload, f"pricescope-decisions.{kind}")
