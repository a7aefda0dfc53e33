"""Which Dash background-callback manager runs the jobs: Celery + Redis, or a local disk cache.

With ``REDIS_URL`` set, jobs go to Celery workers (``celery -A app:celery_app``) through Redis, so
any number of web processes and machines share them. Otherwise each job runs in a subprocess of the web
process, with one explicit private (0700) diskcache directory that every web worker shares.

A job's process has no request to ask who started it, so every callback request carries its
caller into the callback's context (``ctx.custom_data[CALLER_DATA]``); Dash hands that context to
the background job with the arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery import Celery
from dash import CeleryManager, DiskcacheManager, hooks
from flask import current_app, has_request_context

from dashboard.auth import current_identity
from dashboard.config import Settings
from dashboard.jobs.queue import forwarded_caller
from dashboard.jobs.worker_health import install_worker_heartbeat

#: Seconds Celery allows beyond the job's own time limit (which the job enforces itself, with a
#: clear reason) before it interrupts (soft) and then kills (hard) the task.
SOFT_LIMIT_GRACE_S = 30
HARD_LIMIT_GRACE_S = 60
#: Where a callback's context holds the identity of the request's caller.
CALLER_DATA = "pricescope_caller"


@hooks.custom_data(CALLER_DATA)
def _caller_of_request(_context: Any) -> dict[str, str] | None:
    """The signed-in caller (the local admin when the app runs without sign-in), as plain JSON."""
    if not has_request_context():
        return None
    # The login manager is installed exactly when the app requires sign-in.
    sign_in_required = getattr(current_app, "login_manager", None) is not None
    return forwarded_caller(current_identity(sign_in_required))


def background_manager(settings: Settings) -> CeleryManager | DiskcacheManager:
    if settings.redis_url:
        return CeleryManager(celery_app(settings))
    import diskcache

    return DiskcacheManager(diskcache.Cache(str(private_dir(settings.cache_dir / "jobs"))))


def private_dir(path: Path) -> Path:
    """``path`` created if needed and readable by this user only: job results are user data."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def celery_app(settings: Settings) -> Celery:
    if not settings.redis_url:
        raise ValueError("Celery needs REDIS_URL")
    app = Celery("pricescope", broker=settings.redis_url, backend=settings.redis_url)
    app.conf.update(
        # A job is acknowledged only when it ends, and a worker takes one at a time, so a job is
        # never stuck behind a long one in another worker's prefetch buffer.
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        # A worker that dies mid-job must not hand the job to another worker: a cancelled job
        # would come back. The job record shows the loss instead.
        task_reject_on_worker_lost=False,
        task_soft_time_limit=settings.job_time_limit + SOFT_LIMIT_GRACE_S,
        task_time_limit=settings.job_time_limit + HARD_LIMIT_GRACE_S,
        task_track_started=True,
        result_expires=24 * 3600,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    install_worker_heartbeat(app)  # /readyz and worker-check: see dashboard.jobs.worker_health
    return app
