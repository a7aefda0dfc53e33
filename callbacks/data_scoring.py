"""Data page callbacks that score and switch runs: publish the mapped upload as a dataset version
and queue its scoring (or score a dataset's latest version), run the job in the background, draw
its progress, Cancel and how it ended from its record on the page's tick (the Jobs page's pattern,
see ``callbacks.job_runner``: a page left mid-run and opened again finds the job), and
"Open in Explorer" on a dataset's newest run (viewed with ``?run=``, not made current)."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update

from callbacks.job_runner import followed_page_job, refused_start, register_job_runner
from callbacks.shell import announce_current_run
from dashboard.auth import Identity, caller_or_refusal
from dashboard.datasets.intake import Target, publish_upload
from dashboard.datasets.store import check_slug
from dashboard.datasets.web import DATASET_ROLE, upload_area
from dashboard.db.health import NOT_CANCELLED, NOT_STARTED
from dashboard.errors import InputError
from dashboard.ids import Data
from dashboard.jobs import JobRecord, job_book
from dashboard.jobs.dataset_jobs import queue_score_job, retry_score_job
from dashboard.jobs.queue import start_failure
from dashboard.jobs.records import DATA_PAGE, check_job_id
from dashboard.run_choice import run_address
from dashboard.services import Services
from layouts.data import datasets_view
from layouts.data_scoring import scoring_outcome
from layouts.data_upload import refusal, success_note
from layouts.jobs_outcome import job_progress_view

EXPLORER_PATH = "/explorer"


def register(app: Dash, services: Services) -> None:
    _register_queue(app, services)
    _register_job(app, services)
    _register_cancel(app, services)
    _register_outcome(app, services)
    _register_refused(app)
    _register_open(app, services)


def writer(services: Services) -> Identity | str:
    """The caller if they may upload, map and score (analysts and admins), else the refusal."""
    return caller_or_refusal(services.settings.sign_in_required, DATASET_ROLE)


def my_scoring_job(services: Services) -> JobRecord | None:
    return followed_page_job(services, DATA_PAGE)


def _register_queue(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Data.REQUEST, "data"),
        Output(Data.SCORE_NOTE, "children"),
        Output(Data.NOTE, "children", allow_duplicate=True),
        Output(Data.DATASETS, "children", allow_duplicate=True),
        Output(Data.UPLOADED, "data", allow_duplicate=True),
        Input(Data.SCORE, "n_clicks"),
        Input({"type": Data.SCORE_LATEST, "dataset": ALL}, "n_clicks"),
        Input({"type": Data.RETRY, "job": ALL}, "n_clicks"),
        State({"type": Data.ROLE, "column": ALL}, "value"),
        State({"type": Data.LABEL, "column": ALL}, "value"),
        State(Data.NAME, "value"),
        State(Data.CURRENCY, "value"),
        State(Data.UPLOADED, "data"),
        State(Data.TARGET, "data"),
        prevent_initial_call=True,
    )
    def queue_scoring(
        clicks: object,
        latest_clicks: object,
        retries: object,
        roles: object,
        labels: object,
        name: object,
        currency: object,
        raw_upload: object,
        raw_target: object,
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
        if not services.reviewing.health.reachable():
            return refuse(NOT_STARTED)
        book = job_book(services.settings)
        running = my_scoring_job(services)
        if running is not None and running.active:
            return refuse("A scoring job from this page is still running: wait or cancel it.")
        try:
            if isinstance(trigger, dict) and trigger.get("type") == Data.RETRY:
                request = retry_score_job(services.settings, book, trigger.get("job"), caller)
                return request, None, None, no_update, no_update
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
        except OSError as error:
            return refuse(start_failure(error))
        saved = success_note(f"Saved {info.name} · {version.label}; scoring it now.")
        return request, None, saved, datasets_view(services, may_write=True), None


def _register_job(app: Dash, services: Services) -> None:
    register_job_runner(app, services, request=Data.REQUEST, result=Data.RESULT)


def _register_cancel(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Data.CANCEL_NOTE, "children"),
        Input(Data.CANCEL, "n_clicks"),
        prevent_initial_call=True,
    )
    def cancel(clicks: object) -> Any:
        if not clicks:
            return no_update
        refused = writer(services)
        if isinstance(refused, str):
            return refused
        if not services.reviewing.health.reachable():
            return NOT_CANCELLED
        mine = my_scoring_job(services)
        if mine is None or not mine.active:
            return "You have no running scoring job to cancel."
        job_id = mine.job_id
        try:
            record = job_book(services.settings).request_cancel(check_job_id(job_id))
        except InputError as error:
            return str(error)
        return "Stopping the scoring job…" if record is not None else "There is no such job."


def _register_outcome(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Data.PROGRESS, "value"),
        Output(Data.PROGRESS, "label"),
        Output(Data.STAGE, "children"),
        Output(Data.TIMING, "children"),
        Output(Data.CANCEL, "disabled"),
        Output(Data.OUTCOME, "children"),
        Output(Data.DATASETS, "children"),
        Output(Data.FOLLOWED, "data"),
        # Not the background callback's result: Dash holds back a callback while one of its
        # inputs is the output of a callback still running, and the job runs for minutes.
        Input(Data.TICK, "n_intervals"),
        Input(Data.REQUEST, "data"),
        State(Data.FOLLOWED, "data"),
    )
    def follow_scoring(tick: object, request: object, drawn: object) -> tuple[Any, ...]:
        # The job is drawn from its record each tick; the outcome and the datasets list are
        # redrawn only when the job or its status changes.
        record = my_scoring_job(services)
        if record is None:
            return (no_update,) * 8
        now_drawn = {"job_id": record.job_id, "status": record.status}
        progress = job_progress_view(record)
        if record.active:
            outcome: Any = None if now_drawn != drawn else no_update
            return (*progress, record.cancel_requested, outcome, no_update, now_drawn)
        if now_drawn == drawn:
            return (no_update,) * 8
        if record.run_id is not None and isinstance(drawn, dict):
            announce_current_run(services.runs.current_id())
        may_write = not isinstance(writer(services), str)
        view = datasets_view(services, may_write)
        return (*progress, True, scoring_outcome(record), view, now_drawn)


def _register_refused(app: Dash) -> None:
    @app.callback(
        Output(Data.OUTCOME, "children", allow_duplicate=True),
        Input(Data.RESULT, "data"),
        prevent_initial_call=True,
    )
    def say_why_a_start_was_refused(result: object) -> Any:
        refusal = refused_start(result)
        return scoring_outcome(None, refusal) if refusal is not None else no_update


def _register_open(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Data.NOTE, "children"),
        Output(Data.GO, "href"),
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
        except InputError as error:
            return refusal(str(error)), no_update
        # Viewing the run changes nothing for anyone else: Make current is a separate decision.
        return None, run_address(EXPLORER_PATH, runs[0].run_id)
