"""Data: the datasets with their versions and runs; for analysts, upload, map, score, refresh.

Viewers see the list only. The upload itself goes from the browser to ``POST /data/upload``
(``assets/data_upload.js``, with the session's token from the drop zone's data attributes), so a
200 MB file never travels through a callback; its answer lands in a store the callbacks read.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component
from flask import has_request_context

from dashboard.auth import csrf_token, current_identity
from dashboard.datasets import DatasetInfo, DatasetStore
from dashboard.datasets.mapping import ColumnMapping
from dashboard.datasets.web import DATASET_ROLE, UPLOAD_PATH
from dashboard.display import Display, format_timestamp
from dashboard.formatting import count
from dashboard.ids import Data
from dashboard.runs import RunInfo, run_store
from dashboard.services import Services
from layouts.data_upload import mapping_card, preview_card, scoring_card, transactions_card

ACCEPTED_FILES = ".csv,.tsv,.txt,.csv.gz,.parquet,.pq,.xlsx"
HIDDEN = {"display": "none"}
#: How often the page redraws its analyst's scoring job from the job's record.
SCORING_TICK_MS = 1_000
PROGRESS_NAME: dict[str, Any] = {"data-progress-name": "Upload progress"}  # see assets/a11y.js


def layout(services: Services) -> Component:
    identity = current_identity(services.settings.sign_in_required)
    may_write = identity is not None and identity.can(DATASET_ROLE)
    return html.Div(
        [
            dcc.Location(id=Data.GO, refresh="callback-nav"),
            dcc.Store(id=Data.TARGET, data={"mode": "new"}),
            dcc.Store(id=Data.UPLOADED),
            dcc.Store(id=Data.ROLES_FOR),
            dcc.Store(id=Data.REQUEST),
            dcc.Store(id=Data.RESULT),
            dcc.Store(id=Data.FOLLOWED),
            dcc.Interval(id=Data.TICK, interval=SCORING_TICK_MS),
            html.H2("Datasets", className="h4 mb-3"),
            html.Div(datasets_view(services, may_write), id=Data.DATASETS, className="mb-2"),
            html.Div(id=Data.NOTE, className="mb-3"),
            # Dash checks every callback against one layout per page, made once at start for
            # nobody in particular; so the controls are always there, hidden (and without the
            # upload token) for viewers. Every callback refuses a viewer itself.
            html.Div(_workbench(may_write, services.settings.currency), hidden=not may_write),
            *([] if may_write else [_viewer_note()]),
        ]
    )


def _viewer_note() -> Component:
    return dbc.Alert(
        "Uploading, mapping and scoring datasets needs the analyst role.",
        color="light",
        className="small",
    )


def _workbench(may_write: bool, default_currency: str) -> list[Component]:
    return [
        dbc.Row(
            [
                dbc.Col(upload_card(may_write), lg=5, className="mb-3"),
                dbc.Col(scoring_card(), lg=7, className="mb-3"),
            ]
        ),
        preview_card(),
        mapping_card(default_currency),
        transactions_card(),
    ]


def upload_card(may_write: bool) -> Component:
    token = csrf_token() if may_write and has_request_context() else ""
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    html.Span("Upload a new dataset", id=Data.TARGET_TEXT),
                    dbc.Button(
                        "Upload a new dataset instead",
                        id=Data.NEW_UPLOAD,
                        size="sm",
                        color="link",
                        className="p-0 ms-2",
                        style=HIDDEN,
                    ),
                ]
            ),
            dbc.CardBody(
                [
                    html.Div(
                        [
                            html.P(
                                "Drop a CSV, Parquet or Excel file here, or",
                                className="mb-2",
                            ),
                            # assets/data_upload.js puts the <input type=file> in the slot:
                            # Dash has no file input that leaves the file to the page.
                            html.Label(
                                ["Choose a file", html.Span(id=Data.FILE_SLOT)],
                                className="btn btn-outline-primary btn-sm mb-0",
                            ),
                            html.P(
                                "Semicolons and decimal commas are fine. Up to the size "
                                "limit, the file streams straight to the server.",
                                className="small text-muted mt-2 mb-0",
                            ),
                        ],
                        id=Data.DROP_ZONE,
                        className="data-drop-zone",
                        **_upload_attributes(token),
                    ),
                    html.Div(
                        dbc.Progress(
                            id=Data.UPLOAD_PROGRESS,
                            value=0,
                            label="",
                            className="mt-3",
                            style={"height": "1.25rem"},
                        ),
                        **PROGRESS_NAME,
                    ),
                    html.Div(id=Data.UPLOAD_ERROR, className="mt-2"),
                ]
            ),
        ],
        className="h-100",
    )


def _upload_attributes(token: str) -> dict[str, Any]:
    """What assets/data_upload.js reads from the drop zone: where and how to send the file."""
    return {
        "data-upload-url": UPLOAD_PATH,
        "data-csrf": token,
        "data-store": Data.UPLOADED.value,
        "data-progress": Data.UPLOAD_PROGRESS.value,
        "data-file-input": Data.FILE_INPUT.value,
        "data-accept": ACCEPTED_FILES,
    }


def datasets_view(services: Services, may_write: bool) -> Component:
    datasets = DatasetStore(services.settings.datasets_dir).list()
    if not datasets:
        return html.P("No datasets yet.", className="text-muted")
    runs = run_store(services.settings)
    current = runs.current_id()
    heads = ("Dataset", "Versions", "Latest run", "Transactions", "")
    rows = [
        _dataset_row(
            info,
            runs.list_runs(dataset=info.slug),
            current,
            may_write,
            services.settings.currency,
        )
        for info in datasets
    ]
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in heads])), html.Tbody(rows)],
        size="sm",
        className="mb-0 align-middle data-datasets",
    )


def _dataset_row(
    info: DatasetInfo,
    runs: list[RunInfo],
    current: str | None,
    may_write: bool,
    default_currency: str,
) -> Component:
    latest_run = runs[0] if runs else None
    latest = info.latest
    return html.Tr(
        [
            html.Td(
                [
                    html.Div(info.name, className="fw-semibold"),
                    html.Div(info.slug, className="small text-muted font-monospace"),
                    *_reading(latest.mapping if latest else None, default_currency),
                ]
            ),
            html.Td(_versions(info)),
            html.Td(_run_cell(latest_run, current)),
            html.Td(
                f"{count(latest.transaction_rows)} order lines"
                if latest is not None and latest.transactions is not None
                else html.Span("No transactions", className="text-muted"),
                className="small",
            ),
            html.Td(_actions(info, latest_run, may_write), className="text-end"),
        ]
    )


def _reading(mapping: ColumnMapping | None, default_currency: str) -> list[Component]:
    """How the latest version reads on screen: its currency, and its price and segment columns
    in the words the pages use."""
    if mapping is None:
        return []
    shown = Display(currency=mapping.currency or default_currency, labels=dict(mapping.labels))
    parts = [f"Prices in {shown.currency}: {shown.label(mapping.target)}"]
    if mapping.segments:
        parts.append("segments " + ", ".join(shown.label(c) for c in mapping.segments))
    return [html.Div(" · ".join(parts), className="small text-muted")]


def _versions(info: DatasetInfo) -> Component:
    if not info.versions:
        return html.Span("No version yet", className="text-muted small")
    lines = [
        html.Li(
            [
                html.Strong(v.label),
                f" · {format_timestamp(v.created_at)} · {v.created_by or 'unknown'}"
                f" · {count(v.rows)} rows · {v.source}",
            ]
        )
        for v in reversed(info.versions[-3:])
    ]
    more = len(info.versions) - 3
    if more > 0:
        lines.append(html.Li(f"and {more} older", className="text-muted"))
    return html.Ul(lines, className="list-unstyled small mb-0")


def _run_cell(run: RunInfo | None, current: str | None) -> Component:
    if run is None:
        return html.Span("Not scored yet", className="text-muted small")
    badge = dbc.Badge("current", color="success", className="ms-1") if run.run_id == current else ""
    return html.Div(
        [
            html.Div([run.label, badge]),
            html.Div(
                f"{format_timestamp(run.created_at)} · {count(run.rows)} items",
                className="small text-muted",
            ),
        ],
        className="small",
    )


def _actions(info: DatasetInfo, run: RunInfo | None, may_write: bool) -> Component:
    key = {"dataset": info.slug}
    buttons: list[Component] = []
    if run is not None:
        if may_write:
            buttons.append(_button("Open in Explorer", {"type": Data.OPEN, **key}, "primary"))
        else:  # a viewer looks at the run without switching everyone's current run
            buttons.append(
                dcc.Link("Open in Explorer", href=f"/explorer?run={run.run_id}", className="small")
            )
    if may_write and info.latest is not None:
        buttons.append(_button("Score latest version", {"type": Data.SCORE_LATEST, **key}))
    if may_write:
        buttons.append(_button("Refresh with a new file", {"type": Data.REFRESH, **key}))
        if info.latest is not None:
            buttons.append(_button("Add transactions", {"type": Data.ADD_TRANSACTIONS, **key}))
    return html.Div(buttons, className="d-flex flex-wrap gap-1 justify-content-end")


def _button(text: str, component_id: dict[str, str], colour: str = "secondary") -> Component:
    return dbc.Button(
        text,
        id=component_id,
        size="sm",
        color=colour,
        outline=colour == "secondary",
        className="text-nowrap",
    )
