"""The background callback that runs a page's queued job: one for every page that starts jobs.

A page queues a job (a record with a ticket) into its request store; this callback, on that store,
runs the job in a Dash background process (a diskcache subprocess or a Celery worker) with the
page's progress outputs and its Cancel button as the cancel input.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, ctx

from dashboard.jobs.managers import CALLER_DATA
from dashboard.jobs.queue import caller_from_forwarded, start_page_job
from dashboard.services import Services
from layouts.jobs import progress_parts

PROGRESS_INTERVAL_MS = 500


def register_job_runner(
    app: Dash,
    services: Services,
    *,
    request: str,
    result: str,
    progress: tuple[str, str, str],
    cancel: str,
    running: list[tuple[Output, Any, Any]],
) -> None:
    """``progress`` names the bar, the stage line and the timing line of the page."""
    bar, stage, timing = progress

    @app.callback(
        Output(result, "data"),
        Input(request, "data"),
        background=True,
        running=running,
        progress=[
            Output(bar, "value"),
            Output(bar, "label"),
            Output(stage, "children"),
            Output(timing, "children"),
        ],
        cancel=[Input(cancel, "n_clicks")],
        interval=PROGRESS_INTERVAL_MS,
        prevent_initial_call=True,
    )
    def run_page_job(set_progress: Any, queued: object) -> dict[str, Any]:
        # Any client can POST here with a job id it saw: the job checks its caller (forwarded by
        # Dash with the context) and the ticket only the queueing page was given, where it runs.
        caller = caller_from_forwarded(ctx.custom_data.get(CALLER_DATA))

        def report(snapshot: dict[str, Any]) -> None:
            set_progress(progress_parts(snapshot))

        return start_page_job(services.settings, queued, caller, report=report)
