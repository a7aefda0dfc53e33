"""Jobs: choose a scope and recompute, watch and cancel, switch runs, and see recent jobs.

The page's pieces are rendered here from plain data (job snapshots, run infos) so the callbacks
only fetch and hand over.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.formatting import count
from dashboard.ids import Jobs
from dashboard.jobs import JobRecord
from dashboard.jobs.records import CACHED, CANCELLED, DONE, FAILED
from dashboard.jobs.scopes import PERIOD_LABELS
from dashboard.runs import RunInfo
from dashboard.services import Services

TICK_MS = 1_000
STATUS_COLOURS = {
    "queued": "secondary",
    "running": "primary",
    "waiting": "info",
    DONE: "success",
    CACHED: "success",
    FAILED: "danger",
    CANCELLED: "warning",
}


def layout(services: Services) -> Component:
    return html.Div(
        [
            dcc.Store(id=Jobs.REQUEST),
            dcc.Store(id=Jobs.RESULT),
            dcc.Store(id=Jobs.RUNS_SIGNATURE),
            dcc.Interval(id=Jobs.TICK, interval=TICK_MS),
            html.H2("Recompute for a scope", className="h4 mb-3"),
            dbc.Row(
                [
                    dbc.Col(_scope_card(services), lg=5, className="mb-3"),
                    dbc.Col(_progress_card(), lg=7, className="mb-3"),
                ]
            ),
            dbc.Card(
                [
                    dbc.CardHeader("Runs"),
                    dbc.CardBody(
                        html.Div(
                            runs_table(services.runs.list_runs(), services.runs.current_id()),
                            id=Jobs.RUNS,
                        )
                    ),
                ],
                className="mb-3",
            ),
            dbc.Card(
                [dbc.CardHeader("Recent jobs"), dbc.CardBody(html.Div(id=Jobs.JOBS_TABLE))],
                className="mb-3",
            ),
        ]
    )


def _scope_card(services: Services) -> Component:
    choices = services.scopes.choices(services.settings)
    return dbc.Card(
        [
            dbc.CardHeader("Scope"),
            dbc.CardBody(
                [
                    dbc.Label("Period", html_for=Jobs.PERIOD),
                    dbc.RadioItems(
                        id=Jobs.PERIOD,
                        options=[
                            {"label": text, "value": key} for key, text in PERIOD_LABELS.items()
                        ],
                        value="12m",
                        inline=True,
                        className="mb-2",
                    ),
                    dcc.DatePickerRange(
                        id=Jobs.DATES,
                        display_format="YYYY-MM-DD",
                        disabled=True,
                        className="mb-3 d-block",
                    ),
                    _multi("Regions", Jobs.REGIONS, choices.get("region", ())),
                    _multi("Customer segments", Jobs.SEGMENTS, choices.get("customer_segment", ())),
                    _multi("Channels", Jobs.CHANNELS, choices.get("channel", ())),
                    html.Div(
                        [
                            dbc.Button(
                                "Recompute", id=Jobs.RECOMPUTE, color="primary", className="me-2"
                            ),
                            dbc.Button(
                                "Cancel",
                                id=Jobs.CANCEL,
                                color="danger",
                                outline=True,
                                disabled=True,
                            ),
                        ],
                        className="mt-3",
                    ),
                    html.Div(id=Jobs.SCOPE_ERROR, className="mt-3"),
                ]
            ),
        ],
        className="h-100",
    )


def _multi(label: str, component_id: Jobs, values: tuple[str, ...]) -> Component:
    return html.Div(
        [
            dbc.Label(label, html_for=component_id, className="mb-1"),
            dcc.Dropdown(
                id=component_id,
                options=list(values),
                multi=True,
                placeholder=f"All {label.lower()}",
            ),
        ],
        className="mb-2",
    )


def _progress_card() -> Component:
    return dbc.Card(
        [
            dbc.CardHeader("Progress"),
            dbc.CardBody(
                [
                    dbc.Progress(
                        id=Jobs.PROGRESS,
                        value=0,
                        label="",
                        striped=True,
                        style={"height": "1.5rem"},
                    ),
                    html.Div(
                        "No job started from this page yet.",
                        id=Jobs.STAGE,
                        className="mt-2 fw-semibold",
                    ),
                    html.Div(id=Jobs.TIMING, className="text-muted small"),
                    html.Div(id=Jobs.OUTCOME, className="mt-3"),
                    html.Div(id=Jobs.NOTE, className="mt-2 small text-muted"),
                ]
            ),
        ],
        className="h-100",
    )


def progress_parts(snapshot: dict[str, Any]) -> list[Any]:
    """The background callback's progress outputs: bar value, bar label, stage, timing."""
    percent = float(snapshot.get("percent") or 0.0)
    eta = snapshot.get("eta_s")
    timing = f"{duration(snapshot.get('elapsed_s'))} elapsed"
    if eta is not None:
        timing += f" · about {duration(eta)} left"
    return [percent, f"{percent:.0f} %", snapshot.get("stage", ""), timing]


def outcome_alert(record: JobRecord | None) -> Component | None:
    """How this page's last job ended, or nothing while it runs."""
    if record is None or record.active:
        return None
    if record.status in {DONE, CACHED}:
        how = "answered from the run computed earlier" if record.status == CACHED else "published"
        if record.shared_with:
            how = f"computed by job {record.shared_with} at the same time and shared"
        return dbc.Alert(
            [
                html.Strong("Run ready: "),
                f"{record.scope_label} — {how}; it is the current run now. ",
                dcc.Link("Open it in the Explorer", href="/explorer"),
            ],
            color="success",
            className="mb-0",
        )
    colour = "warning" if record.status == CANCELLED else "danger"
    title = "Cancelled: " if record.status == CANCELLED else "Recompute failed: "
    return dbc.Alert(
        [html.Strong(title), record.error or "no reason was recorded"],
        color=colour,
        className="mb-0",
    )


def runs_table(runs: list[RunInfo], current_id: str | None) -> Component:
    if not runs:
        return html.P("No runs yet.", className="text-muted mb-0")
    rows = [_run_row(info, info.run_id == current_id) for info in runs]
    header = html.Thead(html.Tr([html.Th(h) for h in ("Run", "Scope", "Published", "Items", "")]))
    return dbc.Table([header, html.Tbody(rows)], size="sm", hover=True, className="mb-0")


def _run_row(info: RunInfo, current: bool) -> Component:
    scope = info.scope.get("label") or "whole catalogue"
    action: Component = (
        dbc.Badge("current", color="success")
        if current
        else dbc.Button(
            "Make current",
            id={"type": Jobs.MAKE_CURRENT, "run": info.run_id},
            size="sm",
            color="secondary",
            outline=True,
            className="text-nowrap",
        )
    )
    return html.Tr(
        [
            html.Td(
                [
                    html.Div(info.label.split(" · ")[0]),
                    html.Div(info.run_id, className="small text-muted font-monospace"),
                ],
                className="fw-semibold" if current else None,
            ),
            html.Td(scope),
            html.Td(info.created_at.replace("T", " ").replace("+00:00", " UTC")),
            html.Td(count(info.rows)),
            html.Td(action),
        ],
        className="table-success" if current else None,
    )


def jobs_table(records: list[JobRecord], now: float | None = None) -> Component:
    if not records:
        return html.P("No jobs yet.", className="text-muted mb-0")
    now = now or time.time()
    heads = ("Started", "Scope", "By", "Status", "Duration", "Error", "")
    header = html.Thead(html.Tr([html.Th(h) for h in heads]))
    return dbc.Table(
        [header, html.Tbody([_job_row(r, now) for r in records])], size="sm", className="mb-0"
    )


def _job_row(record: JobRecord, now: float) -> Component:
    status = record.status
    if record.active and record.cancel_requested:
        status = "cancelling"
    badge = dbc.Badge(status, color=STATUS_COLOURS.get(record.status, "secondary"))
    detail = f" {record.stage} ({100 * record.fraction:.0f} %)" if record.active else ""
    control = (
        dbc.Button(
            "Stop",
            id={"type": Jobs.STOP, "job": record.job_id},
            size="sm",
            color="danger",
            outline=True,
        )
        if record.active
        else dbc.Button(
            "Run again",
            id={"type": Jobs.RERUN, "job": record.job_id},
            size="sm",
            color="secondary",
            outline=True,
        )
    )
    return html.Tr(
        [
            html.Td(_clock(record.created_at)),
            html.Td(record.scope_label),
            html.Td(record.started_by),
            html.Td([badge, html.Span(detail, className="small text-muted")]),
            html.Td(duration(record.elapsed(now))),
            html.Td(record.error or "", className="text-danger small"),
            html.Td(control),
        ]
    )


def duration(seconds: object) -> str:
    if not isinstance(seconds, int | float):
        return "–"
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
