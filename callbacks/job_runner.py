"""What every page that starts jobs shares: the background callback that runs a queued job, and
the person whose jobs a page follows.

A page queues a job (a record with a ticket) into its request store; the background callback on
that store only runs the job, in a Dash background process (a diskcache subprocess or a Celery
worker), and returns its final snapshot. It names no progress, running or cancel components: Dash
keeps polling a background callback after its page is left, and a progress or running update for a
component no longer in the layout is a console error ("ID running component not found in
layout"), while a plain output for a missing component is dropped quietly. What a page shows of a
job (bar, stage, timing, buttons, outcome) is drawn by the page's own interval from the job's
record, which the job keeps up to date (status, stage, progress, heartbeat); so the page can be
left and opened again and finds its job, and Cancel works through the record, from any process.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, ctx

from dashboard.auth import current_identity
from dashboard.db.health import DatabaseUnavailableError
from dashboard.jobs import JobRecord, job_book
from dashboard.jobs.lookup import followed_job
from dashboard.jobs.managers import CALLER_DATA, mark_page_job
from dashboard.jobs.queue import REFUSED, caller_from_forwarded, start_page_job
from dashboard.services import Services

#: How often the browser asks whether the background callback has finished.
POLL_INTERVAL_MS = 1_000


def register_job_runner(app: Dash, services: Services, *, request: str, result: str) -> None:
    def run_page_job(queued: object) -> dict[str, Any]:
        # Any client can POST here with a job id it saw: the job checks its caller (forwarded by
        # Dash with the context) and the ticket only the queueing page was given, where it runs.
        caller = caller_from_forwarded(ctx.custom_data.get(CALLER_DATA))
        return start_page_job(services.settings, queued, caller)

    # Marked before Dash registers it: without a broker it runs in a freshly spawned process.
    app.callback(
        Output(result, "data"),
        Input(request, "data"),
        background=True,
        interval=POLL_INTERVAL_MS,
        prevent_initial_call=True,
    )(mark_page_job(run_page_job))


def job_owner(services: Services) -> str | None:
    """The name a page's jobs are recorded under for the caller; None when nobody is signed in."""
    identity = current_identity(services.settings.sign_in_required)
    return identity.name if identity is not None else None


def refused_start(result: object) -> str | None:
    """Why the background callback could not start the job, or None when it started (how a job
    ended is drawn from its record; only a refused start never reaches one)."""
    if isinstance(result, dict) and result.get("status") == REFUSED:
        return str(result.get("error") or "The job could not start.")
    return None


def followed_page_job(services: Services, origin: str) -> JobRecord | None:
    """The caller's newest job queued from the page ``origin`` (running, or ended not long ago)."""
    try:
        with services.reviewing.health.guard("follow a page's job"):
            book = job_book(services.settings)
            return followed_job(book, job_owner(services), origin, services.settings.job_time_limit)
    except DatabaseUnavailableError:  # read-only mode: the page keeps what it shows
        return None
