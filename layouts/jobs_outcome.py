"""What the Jobs page shows of its analyst's job, drawn from the job's record: the progress bar,
stage and timing lines while it runs, and how it ended (the run it made, with View run and Make
current, and the run's scoring warnings), plus the confirmation that making a run current asks."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.ids import Jobs
from dashboard.jobs import JobRecord, snapshot
from dashboard.jobs.dataset_jobs import SCORE_KIND
from dashboard.jobs.records import CACHED, CANCELLED, DONE, INTERRUPTED, QUEUED
from dashboard.runs import RunInfo
from layouts.jobs_tables import duration, epoch_time
from layouts.shell import make_current_button

#: The stage line when the analyst has no recent job.
IDLE = "You have no recent job: choose a scope and press Recompute."
_ENDED = {DONE: "Finished", CACHED: "Finished", CANCELLED: "Cancelled", INTERRUPTED: "Interrupted"}


def progress_parts(snap: dict[str, Any]) -> list[Any]:
    """A job snapshot as the progress widgets show it: bar value, bar label, stage, timing."""
    percent = float(snap.get("percent") or 0.0)
    eta = snap.get("eta_s")
    timing = f"{duration(snap.get('elapsed_s'))} elapsed"
    if eta is not None:
        timing += f" · about {duration(eta)} left"
    return [percent, f"{percent:.0f} %", snap.get("stage", ""), timing]


def job_progress_view(record: JobRecord) -> list[Any]:
    """Bar value, bar label, stage line and timing line for a running or ended job."""
    value, label, stage, timing = progress_parts(snapshot(record))
    if record.active and record.cancel_requested:
        stage = f"stopping… ({stage})"
    elif record.status == QUEUED and record.error:
        stage = f"{stage}: {record.error}"
    elif not record.active:
        stage = _ENDED.get(record.status, "Failed")
        value, label = (100.0, "100 %") if record.status in {DONE, CACHED} else (value, label)
    timing = f"{record.scope_label} · started {epoch_time(record.created_at)} · {timing}"
    return [value, label, stage, timing]


def outcome_alert(
    record: JobRecord | None, run: RunInfo | None = None, warnings: tuple[str, ...] = ()
) -> Component | None:
    """How the analyst's last job ended, or nothing while it runs. A finished job's run is not
    made current by the job: the analyst views it and decides."""
    if record is None or record.active:
        return None
    if record.status in {DONE, CACHED}:
        return html.Div([_ready(record, run), _warnings_alert(warnings)])
    if record.status == INTERRUPTED:
        return dbc.Alert(
            [
                html.Strong("Interrupted: "),
                interruption(record),
                " Nothing was published.",
                retry_button(Jobs.RETRY, record.job_id),
            ],
            color="warning",
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


def _ready(record: JobRecord, run: RunInfo | None) -> Component:
    how = "answered from the run computed earlier" if record.status == CACHED else "published"
    if record.shared_with:
        how = f"computed by job {record.shared_with} at the same time and shared"
    finished = epoch_time(record.finished_at)
    body: list[Any] = [html.Strong("Run ready: "), f"{record.scope_label} — {how}, {finished}."]
    if run is None or record.run_id is None:
        body.append(" Its run is no longer on this server.")
        return dbc.Alert(body, color="success", className="mb-2")
    body.append(html.Div(f"Run {run.run_id} · {run.rows:,} items", className="small mt-1"))
    actions = [
        dcc.Link(
            "View run",
            href=f"/?run={run.run_id}",
            id=Jobs.VIEW_RUN,
            className="btn btn-sm btn-success me-2",
        ),
        make_current_button(run.run_id, outline=True),
    ]
    body.append(html.Div(actions, className="mt-2"))
    return dbc.Alert(body, color="success", className="mb-2")


def _warnings_alert(warnings: tuple[str, ...]) -> Component | None:
    if not warnings:
        return None
    return dbc.Alert(
        [
            html.Strong("Scoring warnings — read them before you make this run current:"),
            html.Ul([html.Li(w) for w in warnings], className="mb-0 mt-1 small"),
        ],
        color="warning",
        className="mb-0",
        id=Jobs.OUTCOME_WARNINGS,
    )


def retry_button(kind: str, job_id: str) -> Component:
    """Retry for an interrupted job: one click queues the same scope again, as the clicker."""
    return dbc.Button(
        "Retry",
        id={"type": kind, "job": job_id},
        size="sm",
        color="primary",
        className="ms-2",
    )


def interruption(record: JobRecord) -> str:
    """An interrupted job's reason, under a title that already says "Interrupted"."""
    reason = record.error or "its process was stopped before it finished"
    # The alert's title says "Interrupted" and its button "Retry": the reason says only why.
    return reason.removeprefix("interrupted: ").removesuffix(" — retry it").rstrip(".") + "."
