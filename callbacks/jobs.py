"""Jobs page callbacks.

Recompute queues a job (a record on disk) and puts its id in a store; a Dash *background* callback
on that store runs the job (a diskcache subprocess or a Celery worker) with progress outputs and
the Cancel button as its cancel input. A one-second tick re-reads the job records, which are the
truth shared by every process: it shows how this page's job ended (including one that was killed
and could not say so itself) and the recent jobs of everyone.
"""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.development.base_component import Component

from callbacks.job_runner import register_job_runner
from callbacks.shell import announce_current_run
from dashboard.auth import Identity, caller_or_refusal
from dashboard.errors import InputError
from dashboard.ids import Jobs
from dashboard.jobs import JobBook
from dashboard.jobs.lookup import page_job, page_job_active
from dashboard.jobs.queue import (
    JOB_ROLE,
    queue_job,
    scope_to_queue,
)
from dashboard.jobs.records import check_job_id
from dashboard.runs import check_run_id
from dashboard.services import Services
from layouts.jobs import (
    dataset_names,
    jobs_table,
    outcome_alert,
    runs_table,
    scope_filters,
)


def register(app: Dash, services: Services) -> None:
    _register_period(app)
    _register_dataset(app, services)
    _register_queue(app, services)
    _register_job(app, services)
    _register_cancel(app, services)
    _register_refresh(app, services)
    _register_make_current(app, services)


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
        return filters, not ready

    @app.callback(
        Output(Jobs.RECOMPUTE, "disabled", allow_duplicate=True),
        Input(Jobs.RESULT, "data"),
        State(Jobs.DATASET, "value"),
        prevent_initial_call=True,
    )
    def recompute_allowed_after_a_job(result: object, dataset: object) -> bool:
        # The job's end re-enables Recompute; a dataset without transactions keeps it disabled.
        return not isinstance(dataset, str) or not scope_filters(services, dataset)[1]


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
        State(Jobs.PERIOD, "value"),
        State(Jobs.DATES, "start_date"),
        State(Jobs.DATES, "end_date"),
        State(Jobs.DATASET, "value"),
        State({"type": Jobs.FILTER, "column": ALL}, "value"),
        State({"type": Jobs.FILTER, "column": ALL}, "id"),
        State(Jobs.REQUEST, "data"),
        prevent_initial_call=True,
    )
    def queue(
        clicks: object,
        reruns: object,
        period: object,
        start: object,
        end: object,
        dataset: object,
        filter_values: object,
        filter_ids: object,
        current: object,
    ) -> tuple[Any, Any]:
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update, no_update  # a re-rendered button, not a click
        analyst = _analyst(services)
        if isinstance(analyst, str):
            return no_update, analyst
        book = JobBook(services.settings.jobs_dir)
        if page_job_active(book, current):
            return no_update, "A job from this page is still running: wait for it or cancel it."
        form = {"dataset": dataset, "period": period, "start": start, "end": end}
        form["filters"] = _form_filters(filter_values, filter_ids)
        trigger = ctx.triggered_id
        try:
            raw = scope_to_queue(
                book, form, trigger.get("job") if isinstance(trigger, dict) else None
            )
            return queue_job(services.settings, book, raw, analyst, services.scopes), None
        except InputError as error:
            return no_update, str(error)


def _analyst(services: Services) -> Identity | str:
    """The caller if they may run jobs (analysts and admins), else the sentence that refuses them."""
    return caller_or_refusal(services.settings.sign_in_required, JOB_ROLE)


def _register_job(app: Dash, services: Services) -> None:
    register_job_runner(
        app,
        services,
        request=Jobs.REQUEST,
        result=Jobs.RESULT,
        progress=(Jobs.PROGRESS, Jobs.STAGE, Jobs.TIMING),
        cancel=Jobs.CANCEL,
        running=[
            (Output(Jobs.RECOMPUTE, "disabled"), True, False),
            (Output(Jobs.CANCEL, "disabled"), False, True),
        ],
    )


def _register_cancel(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Jobs.NOTE, "children"),
        Input(Jobs.CANCEL, "n_clicks"),
        Input({"type": Jobs.STOP, "job": ALL}, "n_clicks"),
        State(Jobs.REQUEST, "data"),
        prevent_initial_call=True,
    )
    def cancel(clicks: object, stops: object, request: object) -> str:
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update  # type: ignore[return-value]
        refusal = _analyst(services)
        if isinstance(refusal, str):
            return refusal
        trigger = ctx.triggered_id
        job_id = trigger.get("job") if isinstance(trigger, dict) else None
        if job_id is None and isinstance(request, dict):
            job_id = request.get("job_id")
        try:
            record = JobBook(services.settings.jobs_dir).request_cancel(check_job_id(job_id))
        except InputError as error:
            return str(error)
        return f"Stopping job {job_id}…" if record is not None else "There is no such job."


def _register_refresh(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Jobs.OUTCOME, "children"),
        Output(Jobs.JOBS_TABLE, "children"),
        Output(Jobs.RUNS, "children"),
        Output(Jobs.RUNS_SIGNATURE, "data"),
        Input(Jobs.TICK, "n_intervals"),
        Input(Jobs.RESULT, "data"),
        State(Jobs.REQUEST, "data"),
        State(Jobs.RUNS_SIGNATURE, "data"),
    )
    def refresh(
        tick: object, result: object, request: object, signature: object
    ) -> tuple[Any, ...]:
        book = JobBook(services.settings.jobs_dir)
        records = book.recent()
        mine = page_job(book, request)
        runs = services.runs.list_runs()
        current = services.runs.current_id()
        now_signature = [current, *(r.run_id for r in runs)]
        runs_view: Component | Any = no_update
        if now_signature != signature:
            runs_view = runs_table(runs, current, dataset_names(services))
            if isinstance(signature, list) and signature and signature[0] != current:
                announce_current_run(current)  # a job published, or another user switched
        return outcome_alert(mine), jobs_table(records), runs_view, now_signature


def _register_make_current(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Jobs.RUNS, "children", allow_duplicate=True),
        Output(Jobs.NOTE, "children", allow_duplicate=True),
        Input({"type": Jobs.MAKE_CURRENT, "run": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def make_current(clicks: object) -> tuple[Any, Any]:
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not ctx.triggered[0].get("value"):
            return no_update, no_update
        refusal = _analyst(services)
        if isinstance(refusal, str):
            return no_update, refusal
        try:
            run_id = check_run_id(trigger.get("run"))  # type: ignore[arg-type]
            services.runs.set_current(run_id)
        except InputError as error:
            return no_update, str(error)
        runs = services.runs.list_runs()
        shown = runs_table(runs, run_id, dataset_names(services))
        announce_current_run(run_id)
        return shown, f"Run {run_id} is the current run now."
