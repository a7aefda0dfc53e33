"""The Jobs page's two tables: the runs (grouped by dataset, with Make current and each run's
scoring warnings) and the recent jobs of everyone (with Stop and Run again)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime

import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component

from dashboard.display import format_timestamp
from dashboard.formatting import count
from dashboard.ids import Jobs
from dashboard.jobs import JobRecord
from dashboard.jobs.records import CACHED, CANCELLED, DONE, FAILED, INTERRUPTED, QUEUED
from dashboard.runs import RunInfo
from layouts.shell import make_current_button

STATUS_COLOURS = {
    "queued": "secondary",
    "running": "primary",
    "waiting": "info",
    DONE: "success",
    CACHED: "success",
    FAILED: "danger",
    CANCELLED: "warning",
    INTERRUPTED: "warning",
}


def epoch_time(epoch: float | None) -> str:
    """A job record's time (seconds since the epoch) the way every screen writes a timestamp."""
    if epoch is None:
        return "–"
    return format_timestamp(datetime.fromtimestamp(epoch, UTC))


def duration(seconds: object) -> str:
    if not isinstance(seconds, int | float):
        return "–"
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def run_warnings(sentences: tuple[str, ...] | list[str]) -> Component | None:
    """A run's scoring warnings behind a warning sign that opens by click or keyboard."""
    if not sentences:
        return None
    noun = "scoring warning" if len(sentences) == 1 else "scoring warnings"
    return html.Details(
        [
            html.Summary(f"⚠ {len(sentences)} {noun}", className="text-warning-emphasis small"),
            html.Ul([html.Li(s) for s in sentences], className="small mb-0 ps-3"),
        ],
        className="run-warnings",
    )


def runs_table(
    runs: list[RunInfo],
    current_id: str | None,
    names: dict[str, str] | None = None,
    warnings: Mapping[str, tuple[str, ...]] | None = None,
) -> Component:
    """The runs, grouped under their dataset's name; the dataset with the newest run first."""
    if not runs:
        return html.P("No runs yet.", className="text-muted mb-0")
    names = names or {}
    warnings = warnings or {}
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
        rows.extend(
            _run_row(info, info.run_id == current_id, warnings.get(info.run_id, ()))
            for info in members
        )
    header = html.Thead(html.Tr([html.Th(h) for h in ("Run", "Scope", "Published", "Items", "")]))
    return dbc.Table([header, html.Tbody(rows)], size="sm", hover=True, className="mb-0")


def _run_row(info: RunInfo, current: bool, warnings: tuple[str, ...]) -> Component:
    scope = info.scope.get("label") or "whole catalogue"
    action: Component = (
        dbc.Badge("current", color="success")
        if current
        else make_current_button(info.run_id, class_name="text-nowrap", outline=True)
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
            html.Td([html.Div(scope), run_warnings(warnings)]),
            html.Td(format_timestamp(info.created_at), className="text-nowrap"),
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
    elif record.status == QUEUED and record.error:
        status = "requeued"  # interrupted, back in the queue (the reason is in the Error column)
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
            # An interrupted job was stopped by something other than its analyst: retry it.
            "Retry" if record.status == INTERRUPTED else "Run again",
            id={"type": Jobs.RERUN, "job": record.job_id},
            size="sm",
            color="primary" if record.status == INTERRUPTED else "secondary",
            outline=record.status != INTERRUPTED,
        )
    )
    return html.Tr(
        [
            html.Td(epoch_time(record.created_at), className="text-nowrap"),
            html.Td(record.scope_label),
            html.Td(record.started_by),
            html.Td([badge, html.Span(detail, className="small text-muted")]),
            html.Td(duration(record.elapsed(now))),
            html.Td(record.run_id or "", className="small text-muted font-monospace"),
            html.Td(
                record.error or "",
                className="text-warning-emphasis small"
                if record.status == INTERRUPTED or record.active
                else "text-danger small",
            ),
            html.Td(control),
        ]
    )
