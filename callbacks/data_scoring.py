"""Data page callbacks that score and switch runs: publish the mapped upload as a dataset version
and queue its scoring (or score a dataset's latest version), run the job in the background with
progress and cancel (the Jobs page's pattern, see ``callbacks.jobs``), say how it ended, and
"Open in Explorer" on a dataset's newest run."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update

from callbacks.job_runner import register_job_runner
from callbacks.shell import announce_current_run
from dashboard.auth import Identity, caller_or_refusal
from dashboard.datasets.intake import Target, publish_upload
from dashboard.datasets.store import check_slug
from dashboard.datasets.web import DATASET_ROLE, upload_area
from dashboard.errors import InputError
from dashboard.ids import Data
from dashboard.jobs import JobBook
from dashboard.jobs.dataset_jobs import queue_score_job
from dashboard.jobs.lookup import page_job, page_job_active
from dashboard.jobs.queue import REFUSED
from dashboard.jobs.records import check_job_id
from dashboard.services import Services
from layouts.data import datasets_view
from layouts.data_upload import refusal, scoring_outcome, success_note

EXPLORER_PATH = "/explorer"


def register(app: Dash, services: Services) -> None:
    _register_queue(app, services)
    _register_job(app, services)
    _register_cancel(app, services)
    _register_outcome(app, services)
    _register_open(app, services)


def writer(services: Services) -> Identity | str:
    """The caller if they may upload, map and score (analysts and admins), else the refusal."""
    return caller_or_refusal(services.settings.sign_in_required, DATASET_ROLE)


def _register_queue(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Data.REQUEST, "data"),
        Output(Data.SCORE_NOTE, "children"),
        Output(Data.NOTE, "children", allow_duplicate=True),
        Output(Data.DATASETS, "children", allow_duplicate=True),
        Output(Data.UPLOADED, "data", allow_duplicate=True),
        Input(Data.SCORE, "n_clicks"),
        Input({"type": Data.SCORE_LATEST, "dataset": ALL}, "n_clicks"),
        State({"type": Data.ROLE, "column": ALL}, "value"),
        State({"type": Data.LABEL, "column": ALL}, "value"),
        State(Data.NAME, "value"),
        State(Data.CURRENCY, "value"),
        State(Data.UPLOADED, "data"),
        State(Data.TARGET, "data"),
        State(Data.REQUEST, "data"),
        prevent_initial_call=True,
    )
    def queue_scoring(
        clicks: object,
        latest_clicks: object,
        roles: object,
        labels: object,
        name: object,
        currency: object,
        raw_upload: object,
        raw_target: object,
        current: object,
    ) -> tuple[Any, ...]:
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return (no_update,) * 5  # a re-rendered button, not a click
        trigger = ctx.triggered_id
        from_list = isinstance(trigger, dict)

        def refuse(sentence: str) -> tuple[Any, ...]:
            note = refusal(sentence)
            return (no_update, None if from_list else note, note if from_list else None) + (
                no_update,
            ) * 2

        caller = writer(services)
        if isinstance(caller, str):
            return refuse(caller)
        book = JobBook(services.settings.jobs_dir)
        if page_job_active(book, current):
            return refuse("A scoring job from this page is still running: wait or cancel it.")
        try:
            if isinstance(trigger, dict):
                slug = check_slug(trigger.get("dataset"))
                request = queue_score_job(services.settings, book, slug, None, caller)
                return request, None, None, no_update, no_update
            upload_id = raw_upload.get("upload_id") if isinstance(raw_upload, dict) else None
            info, version = publish_upload(
                services.settings,
                upload_area(services.settings),
                upload_id,
                caller.name,
                roles,
                Target.parse(raw_target),
                name,
                shown=(currency, labels),
            )
            request = queue_score_job(
                services.settings, book, info.slug, version.version_id, caller
            )
        except InputError as error:
            return refuse(str(error))
        saved = success_note(f"Saved {info.name} · {version.label}; scoring it now.")
        return request, None, saved, datasets_view(services, may_write=True), None


def _register_job(app: Dash, services: Services) -> None:
    register_job_runner(
        app,
        services,
        request=Data.REQUEST,
        result=Data.RESULT,
        progress=(Data.PROGRESS, Data.STAGE, Data.TIMING),
        cancel=Data.CANCEL,
        running=[(Output(Data.CANCEL, "disabled"), False, True)],
    )


def _register_cancel(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Data.CANCEL_NOTE, "children"),
        Input(Data.CANCEL, "n_clicks"),
        State(Data.REQUEST, "data"),
        prevent_initial_call=True,
    )
    def cancel(clicks: object, request: object) -> Any:
        if not clicks:
            return no_update
        refused = writer(services)
        if isinstance(refused, str):
            return refused
        job_id = request.get("job_id") if isinstance(request, dict) else None
        try:
            record = JobBook(services.settings.jobs_dir).request_cancel(check_job_id(job_id))
        except InputError as error:
            return str(error)
        return "Stopping the scoring job…" if record is not None else "There is no such job."


def _register_outcome(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Data.OUTCOME, "children"),
        Output(Data.DATASETS, "children"),
        Input(Data.RESULT, "data"),
        State(Data.REQUEST, "data"),
        prevent_initial_call=True,
    )
    def show_outcome(result: object, request: object) -> tuple[Any, Any]:
        refused = None
        if isinstance(result, dict) and result.get("status") == REFUSED:
            refused = str(result.get("error") or "The job could not start.")
        record = page_job(JobBook(services.settings.jobs_dir), request)
        caller = writer(services)
        may_write = not isinstance(caller, str)
        if record is not None and record.run_id is not None:
            announce_current_run(services.runs.current_id())
        return scoring_outcome(record, refused), datasets_view(services, may_write)


def _register_open(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Data.NOTE, "children"),
        Output(Data.GO, "pathname"),
        Input({"type": Data.OPEN, "dataset": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def open_in_explorer(clicks: object) -> tuple[Any, Any]:
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not ctx.triggered[0].get("value"):
            return no_update, no_update
        caller = writer(services)
        if isinstance(caller, str):
            return refusal(caller), no_update
        try:
            slug = check_slug(trigger.get("dataset"))
            runs = services.runs.list_runs(dataset=slug)
            if not runs:
                return refusal("This dataset has no run yet: score it first."), no_update
            services.runs.set_current(runs[0].run_id)
        except InputError as error:
            return refusal(str(error)), no_update
        return None, EXPLORER_PATH
