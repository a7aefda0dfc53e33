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

from dashboard.errors import InputError
from dashboard.formatting import count
from dashboard.ids import Jobs
from dashboard.jobs import JobRecord
from dashboard.jobs.choices import MAX_SCOPE_VALUES, DatasetChoice, dataset_choices
from dashboard.jobs.dataset_jobs import SCORE_KIND
from dashboard.jobs.records import CACHED, CANCELLED, DONE, FAILED
from dashboard.jobs.scopes import PERIOD_LABELS
from dashboard.runs import DEMO_DATASET, RunInfo
from dashboard.services import Services
from layouts.widgets import job_progress

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
                            runs_table(
                                services.runs.list_runs(),
                                services.runs.current_id(),
                                dataset_names(services),
                            ),
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
    datasets = dataset_choices(services.settings)
    chosen = _first_dataset(services, datasets)
    filters, ready = scope_filters(services, chosen)
    return dbc.Card(
        [
            dbc.CardHeader("Scope"),
            dbc.CardBody(
                [
                    dbc.Label("Dataset", html_for=Jobs.DATASET),
                    dcc.Dropdown(
                        id=Jobs.DATASET,
                        options=[
                            {
                                "label": d.name
                                if d.has_transactions
                                else f"{d.name} (no transactions)",
                                "value": d.slug,
                            }
                            for d in datasets
                        ],
                        value=chosen,
                        clearable=False,
                        placeholder="No datasets yet",
                        className="mb-3",
                    ),
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
                    html.Div(filters, id=Jobs.FILTERS),
                    html.Div(
                        [
                            dbc.Button(
                                "Recompute",
                                id=Jobs.RECOMPUTE,
                                color="primary",
                                className="me-2",
                                disabled=not ready,
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


def _first_dataset(services: Services, datasets: list[DatasetChoice]) -> str | None:
    """The current run's dataset when it has transactions, else the first that has, else any."""
    current = services.runs.current()
    wanted = current.dataset if current is not None else DEMO_DATASET
    with_lines = [d.slug for d in datasets if d.has_transactions]
    if wanted in with_lines:
        return wanted
    anything = with_lines or [d.slug for d in datasets]
    return anything[0] if anything else None


def scope_filters(services: Services, dataset: str | None) -> tuple[list[Component], bool]:
    """One dropdown per scope column of the dataset's transactions, and whether it can be
    recomputed; for a dataset without transactions, the sentence that says so."""
    if dataset is None:
        return [html.P("There are no datasets yet: add one on the Data page.")], False
    try:
        facts = services.scopes.facts(services.settings, dataset)
    except InputError as refusal:
        return [dbc.Alert(str(refusal), color="info", className="mb-0")], False
    parts = [_multi(column, values) for column, values in facts.choices.items()]
    if facts.too_varied:
        names = ", ".join(facts.too_varied)
        parts.append(
            html.P(
                f"Not offered as filters, having more than {MAX_SCOPE_VALUES:,} values: {names}.",
                className="small text-muted mb-0",
            )
        )
    if not facts.choices:
        parts.append(
            html.P(
                "These transactions have no scope columns: a recompute takes every order line "
                "of the period.",
                className="small text-muted mb-0",
            )
        )
    return parts, True


def _multi(column: str, values: tuple[str, ...]) -> Component:
    label = column.replace("_", " ").strip().capitalize() or column
    return html.Div(
        [
            dbc.Label(label, className="mb-1"),
            dcc.Dropdown(
                id={"type": Jobs.FILTER, "column": column},
                options=list(values),
                multi=True,
                placeholder=f"All ({len(values):,} values)",
            ),
        ],
        className="mb-2",
    )


def dataset_names(services: Services) -> dict[str, str]:
    """Each dataset's name by its key, for the runs table's headings."""
    return {d.slug: d.name for d in dataset_choices(services.settings)}


def _progress_card() -> Component:
    return dbc.Card(
        [
            dbc.CardHeader("Progress"),
            dbc.CardBody(
                [
                    *job_progress(
                        Jobs.PROGRESS, Jobs.STAGE, Jobs.TIMING, "No job started from this page yet."
                    ),
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
                f"{record.scope_label} — {how}; not current until someone makes it so. ",
                dcc.Link(
                    "Open it in the Explorer",
                    href=f"/explorer?run={record.run_id}" if record.run_id else "/explorer",
                ),
            ],
            color="success",
            className="mb-0",
        )
    colour = "warning" if record.status == CANCELLED else "danger"
    failed = "Scoring failed: " if record.scope.get("kind") == SCORE_KIND else "Recompute failed: "
    title = "Cancelled: " if record.status == CANCELLED else failed
    return dbc.Alert(
        [html.Strong(title), record.error or "no reason was recorded"],
        color=colour,
        className="mb-0",
    )


def runs_table(
    runs: list[RunInfo], current_id: str | None, names: dict[str, str] | None = None
) -> Component:
    """The runs, grouped under their dataset's name; the dataset with the newest run first."""
    if not runs:
        return html.P("No runs yet.", className="text-muted mb-0")
    names = names or {}
    groups: dict[str, list[RunInfo]] = {}
    for info in runs:  # newest first, so the groups come in the order of their newest run
        groups.setdefault(info.dataset, []).append(info)
    rows: list[Component] = []
    for dataset, members in groups.items():
        rows.append(
            html.Tr(
                html.Th(names.get(dataset, dataset), colSpan=5, className="table-light"),
                className="jobs-runs-dataset",
            )
        )
        rows.extend(_run_row(info, info.run_id == current_id) for info in members)
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
    heads = ("Started", "Job", "By", "Status", "Duration", "Run", "Error", "")
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
            html.Td(record.run_id or "", className="small text-muted font-monospace"),
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
