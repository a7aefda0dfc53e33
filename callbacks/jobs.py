"""Jobs page callbacks.

Recompute queues a job (a record on disk) and puts its id and ticket in a store; a Dash
*background* callback on that store only runs the job (a diskcache subprocess or a Celery worker;
see ``callbacks.job_runner``). A one-second tick re-reads the job records, which are the truth
shared by every process: it draws the analyst's newest job from this page (``callbacks.jobs_follow``:
progress, Cancel, how it ended, even after the page was left and opened again, or for a job that
was killed and could not say so itself), the recent jobs of everyone, and the runs.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.development.base_component import Component

from callbacks.job_runner import refused_start, register_job_runner
from callbacks.jobs_follow import my_job, register_follow
from callbacks.shell import announce_current_run
from dashboard.auth import Identity, caller_or_refusal
from dashboard.db.health import (
    JOBS_UNAVAILABLE,
    NOT_CANCELLED,
    NOT_STARTED,
    DatabaseUnavailableError,
)
from dashboard.errors import InputError
from dashboard.ids import Jobs
from dashboard.jobs import job_book
from dashboard.jobs.queue import (
    JOB_ROLE,
    queue_job,
    scope_to_queue,
    start_failure,
)
from dashboard.jobs.records import JOBS_PAGE, check_job_id
from dashboard.services import Services
from layouts.jobs import dataset_names, run_warnings_by_id, scope_filters
from layouts.jobs_tables import jobs_table, runs_table


def register(app: Dash, services: Services) -> None:
    _register_period(app)
    _register_dataset(app, services)
    _register_queue(app, services)
    _register_job(app, services)
    _register_cancel(app, services)
    _register_refresh(app, services)
    register_follow(app, services)


def _register_period(app: Dash) -> None:
    @app.callback(Output(Jobs.DATES, "disabled"), Input(Jobs.PERIOD, "value"))
    def dates_only_for_a_range(period: object) -> bool:
        return period != "range"


def _register_dataset(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Jobs.FILTERS, "children"),
        Output(Jobs.RECOMPUTE, "disabled", allow_duplicate=True),
        Input(Jobs.DATASET, "value"),
        prevent_initial_call=True,
    )
    def filters_of_the_dataset(dataset: object) -> tuple[Any, bool]:
        if not isinstance(dataset, str):
            return "Choose a dataset.", True
        filters, ready = scope_filters(services, dataset)
        running = my_job(services)
        return filters, not ready or (running is not None and running.active)


def _form_filters(values: object, ids: object) -> dict[str, object]:
    """Scope column → chosen values, from the filter dropdowns' values and ids as sent."""
    if not isinstance(values, list) or not isinstance(ids, list):
        return {}
    return {
        str(one["column"]): value
        for one, value in zip(ids, values, strict=False)
        if isinstance(one, dict) and isinstance(one.get("column"), str)
    }


def _register_queue(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Jobs.REQUEST, "data"),
        Output(Jobs.SCOPE_ERROR, "children"),
        Input(Jobs.RECOMPUTE, "n_clicks"),
        Input({"type": Jobs.RERUN, "job": ALL}, "n_clicks"),
        Input({"type": Jobs.RETRY, "job": ALL}, "n_clicks"),
        State(Jobs.PERIOD, "value"),
        State(Jobs.DATES, "start_date"),
        State(Jobs.DATES, "end_date"),
        State(Jobs.DATASET, "value"),
        State({"type": Jobs.FILTER, "column": ALL}, "value"),
        State({"type": Jobs.FILTER, "column": ALL}, "id"),
        prevent_initial_call=True,
    )
    def queue(
        clicks: object,
        reruns: object,
        retries: object,
        period: object,
        start: object,
        end: object,
        dataset: object,
        filter_values: object,
        filter_ids: object,
    ) -> tuple[Any, Any]:
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update, no_update  # a re-rendered button, not a click
        analyst = _analyst(services)
        if isinstance(analyst, str):
            return no_update, analyst
        if not services.reviewing.health.reachable():
            return no_update, NOT_STARTED
        book = job_book(services.settings)
        running = my_job(services)
        if running is not None and running.active:
            return no_update, "Your job from this page is still running: wait for it or cancel it."
        form = {"dataset": dataset, "period": period, "start": start, "end": end}
        form["filters"] = _form_filters(filter_values, filter_ids)
        trigger = ctx.triggered_id
        try:
            raw = scope_to_queue(
                book, form, trigger.get("job") if isinstance(trigger, dict) else None
            )
            queued = queue_job(services.settings, book, raw, analyst, services.scopes, JOBS_PAGE)
            return queued, None
        except InputError as error:
            return no_update, str(error)
        except OSError as error:
            return no_update, start_failure(error)


def _analyst(services: Services) -> Identity | str:
    """The caller if they may run jobs (analysts and admins), else the sentence that refuses them."""
    return caller_or_refusal(services.settings.sign_in_required, JOB_ROLE)


def _register_job(app: Dash, services: Services) -> None:
    register_job_runner(app, services, request=Jobs.REQUEST, result=Jobs.RESULT)

    @app.callback(
        Output(Jobs.SCOPE_ERROR, "children", allow_duplicate=True),
        Input(Jobs.RESULT, "data"),
        prevent_initial_call=True,
    )
    def say_why_a_start_was_refused(result: object) -> Any:
        refusal = refused_start(result)
        return refusal if refusal is not None else no_update


def _register_cancel(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Jobs.NOTE, "children"),
        Input(Jobs.CANCEL, "n_clicks"),
        Input({"type": Jobs.STOP, "job": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def cancel(clicks: object, stops: object) -> str:
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update  # type: ignore[return-value]
        refusal = _analyst(services)
        if isinstance(refusal, str):
            return refusal
        trigger = ctx.triggered_id
        job_id = trigger.get("job") if isinstance(trigger, dict) else None
        if not services.reviewing.health.reachable():
            return NOT_CANCELLED
        if job_id is None:  # the page's Cancel: the caller's job the page shows, if it runs
            mine = my_job(services)
            if mine is None or not mine.active:
                return "You have no running job to cancel."
            job_id = mine.job_id
        try:
            with services.reviewing.health.guard("cancel a job"):
                record = job_book(services.settings).request_cancel(check_job_id(job_id))
        except InputError as error:
            return str(error)
        except DatabaseUnavailableError:
            return NOT_CANCELLED
        return f"Stopping job {job_id}…" if record is not None else "There is no such job."


def _register_refresh(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Jobs.JOBS_TABLE, "children"),
        Output(Jobs.RUNS, "children"),
        Output(Jobs.RUNS_SIGNATURE, "data"),
        Input(Jobs.TICK, "n_intervals"),
        State(Jobs.RUNS_SIGNATURE, "data"),
    )
    def refresh(tick: object, signature: object) -> tuple[Any, ...]:
        try:
            with services.reviewing.health.guard("list the jobs"):
                jobs_view: Any = jobs_table(job_book(services.settings).recent())
        except DatabaseUnavailableError:
            jobs_view = dbc.Alert(JOBS_UNAVAILABLE, color="warning", className="mb-0")
        runs = services.runs.list_runs()
        current = services.runs.current_id()
        now_signature = [current, *(r.run_id for r in runs)]
        runs_view: Component | Any = no_update
        if now_signature != signature:
            warnings = run_warnings_by_id(services)
            runs_view = runs_table(runs, current, dataset_names(services), warnings)
            if isinstance(signature, list) and signature and signature[0] != current:
                announce_current_run(current)  # another user made another run current
        return jobs_view, runs_view, now_signature
