"""The Jobs page's own job, drawn from its record, and making a run current after a confirmation.

Every tick reads the caller's newest job from this page out of the job records (not out of the
page's stores, which are new each time the page is opened), so a page that was left mid-run and
opened again shows the job's progress with Cancel, and then how it ended. The outcome and the
buttons are redrawn only when the job or its status changes (the followed store remembers what is
drawn), so an open confirmation or a focused button is not replaced under the analyst.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, no_update

from callbacks.job_runner import followed_page_job
from dashboard.db.health import JOBS_UNAVAILABLE
from dashboard.errors import InputError
from dashboard.ids import Jobs
from dashboard.jobs import JobRecord
from dashboard.jobs.records import JOBS_PAGE
from dashboard.runs import RunInfo
from dashboard.services import Services
from layouts.jobs import scope_filters
from layouts.jobs_outcome import job_progress_view, outcome_alert


def my_job(services: Services) -> JobRecord | None:
    return followed_page_job(services, JOBS_PAGE)


def register_follow(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Jobs.PROGRESS, "value"),
        Output(Jobs.PROGRESS, "label"),
        Output(Jobs.STAGE, "children"),
        Output(Jobs.TIMING, "children"),
        Output(Jobs.CANCEL, "disabled"),
        Output(Jobs.RECOMPUTE, "disabled", allow_duplicate=True),
        Output(Jobs.OUTCOME, "children"),
        Output(Jobs.FOLLOWED, "data"),
        Output(Jobs.NOTE, "children", allow_duplicate=True),
        # Not the background callback's result: Dash holds back a callback while one of its
        # inputs is the output of a callback still running, and the job runs for minutes.
        Input(Jobs.TICK, "n_intervals"),
        Input(Jobs.REQUEST, "data"),
        State(Jobs.DATASET, "value"),
        State(Jobs.FOLLOWED, "data"),
        prevent_initial_call="initial_duplicate",
    )
    def follow(tick: object, request: object, dataset: object, drawn: object) -> tuple[Any, ...]:
        record = my_job(services)
        if record is None:
            if services.reviewing.health.known_down:  # not "no recent job": it cannot be read
                return (no_update, no_update, JOBS_UNAVAILABLE, *(no_update,) * 6)
            return (no_update,) * 9
        now_drawn = {"job_id": record.job_id, "status": record.status}
        progress = job_progress_view(record)
        if record.active:
            # Cancel stays enabled until the job is told to stop; Recompute waits for the end.
            controls = [record.cancel_requested, True]
            outcome: Any = None if now_drawn != drawn else no_update
            return (*progress, *controls, outcome, now_drawn, no_update)
        if now_drawn == drawn:
            return (no_update,) * 9  # ended and drawn already
        ready = isinstance(dataset, str) and scope_filters(services, dataset)[1]
        # "Stopping job…" no longer applies: the outcome says how it ended.
        return (*progress, True, not ready, _outcome(services, record), now_drawn, None)


def _outcome(services: Services, record: JobRecord) -> Any:
    run: RunInfo | None = None
    warnings: tuple[str, ...] = ()
    if record.run_id is not None:
        try:
            run = services.runs.info(record.run_id)
            warnings = services.runs.warnings(record.run_id)
        except InputError:
            run = None  # removed since: the outcome says so
    return outcome_alert(record, run, warnings)
