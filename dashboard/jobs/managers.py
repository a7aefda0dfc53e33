"""Which Dash background-callback manager runs the jobs: Celery + Redis, or a local disk cache.

With ``REDIS_URL`` set, jobs go to Celery workers (``celery -A app:celery_app``) through Redis, so
any number of web processes and machines share them. Otherwise each job runs in a fresh process
started by the web process (``dashboard.jobs.spawned``: no inherited sockets or locks), with one
explicit private (0700) diskcache directory that every web worker shares.

A job's process has no request to ask who started it, so every callback request carries its
caller into the callback's context (``ctx.custom_data[CALLER_DATA]``); Dash hands that context to
the background job with the arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery import Celery, Task
from dash import CeleryManager, DiskcacheManager, hooks
from flask import current_app, has_request_context

from dashboard.auth import current_identity
from dashboard.config import Settings
from dashboard.jobs.queue import forwarded_caller
from dashboard.jobs.runner import JobRequeued
from dashboard.jobs.spawned import spawn_job
from dashboard.jobs.worker_health import install_worker_heartbeat

logger = logging.getLogger(__name__)

#: Seconds Celery allows beyond the job's own time limit (which the job enforces itself, with a
#: clear reason) before it interrupts (soft) and then kills (hard) the task.
SOFT_LIMIT_GRACE_S = 30
HARD_LIMIT_GRACE_S = 60
#: Seconds beyond the hard time limit before Redis gives an unacknowledged job to another worker.
VISIBILITY_GRACE_S = 120
#: Redis connections are checked this often (Redis's transport has no AMQP-style heartbeat: this
#: is how a half-dead connection is noticed and replaced).
REDIS_HEALTH_CHECK_S = 10
REDIS_CONNECT_TIMEOUT_S = 5
#: Where a callback's context holds the identity of the request's caller.
CALLER_DATA = "pricescope_caller"
#: The attribute that marks a page's job callback for :class:`SpawningDiskcacheManager`.
PAGE_JOB_MARK = "pricescope_page_job"


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

    cache = diskcache.Cache(str(private_dir(settings.cache_dir / "jobs")))
    return SpawningDiskcacheManager(settings, cache)


def mark_page_job(run: Callable[..., Any]) -> Callable[..., Any]:
    """Marks a page's job callback (before Dash registers it): its job runs in a spawned process
    rebuilt from plain parts (see :class:`SpawningDiskcacheManager`)."""
    setattr(run, PAGE_JOB_MARK, True)
    return run


class _SpawnedPageJob:
    """What Dash keeps for a page job's callback: no closure to fork, only the mark."""


class SpawningDiskcacheManager(DiskcacheManager):
    """Dash's disk-cache manager, but a page's job runs in a fresh ``python -m
    dashboard.jobs.spawned`` process, not a fork of the web process.

    A fork inherits the server's listening socket (an orphaned job then held the port, and the
    restarted server failed with "Address already in use") and any lock another thread of the
    multi-threaded server held at that moment (a job child stuck on a futex). A fresh process
    has neither. It rebuilds the job from plain parts (settings, the request store, the caller)
    and keeps Dash's protocol: the result lands under the same key in the same disk cache, the
    pid is the job's handle, and Dash's cancel kills that pid.
    """

    def __init__(self, settings: Settings, cache: Any) -> None:
        super().__init__(cache)
        self.settings = settings

    def make_job_fn(self, fn: Any, progress: Any, key: Any = None) -> Any:
        if getattr(fn, PAGE_JOB_MARK, False) and not progress:
            return _SpawnedPageJob()
        return super().make_job_fn(fn, progress, key)

    def call_job_fn(self, key: Any, job_fn: Any, args: Any, context: Any) -> Any:
        if not isinstance(job_fn, _SpawnedPageJob):
            return super().call_job_fn(key, job_fn, args, context)
        custom = context.get("custom_data") if isinstance(context, dict) else None
        caller = custom.get(CALLER_DATA) if isinstance(custom, dict) else None
        request = args[0] if isinstance(args, list | tuple) and args else args
        return spawn_job(self.settings, self.handle.directory, key, request, caller)


def private_dir(path: Path) -> Path:
    """``path`` created if needed and readable by this user only: job results are user data."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


class JobTask(Task):
    """The task class of every job: a job interrupted by its process being stopped (a restart,
    a deploy) is sent to the broker again, so a worker runs it again. Dash's task body turns
    every ``Exception`` into an error result, so the job signals this with the ``BaseException``
    :class:`JobRequeued`, and the task turns it into a Celery retry.

    A retry, not a ``Reject(requeue=True)``: a reject is passed on to the broker by the worker's
    main process, which a restart is stopping at the same moment (seen: it never passed it on,
    and the job came back only after the visibility timeout). A retry is published from the
    pool process itself, at once.
    """

    #: An interrupted job may be interrupted again by the next restart: no limit.
    max_retries = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except JobRequeued as requeued:
            logger.warning("job %s sent back to the queue", requeued)
            raise self.retry(countdown=0) from None


def visibility_timeout(settings: Settings) -> int:
    """Seconds before Redis hands an unacknowledged job to another worker: longer than any job
    may run (its hard time limit), so a running job is never delivered twice, and no longer, so
    a dead worker's job comes back in minutes rather than Redis's default hour."""
    return settings.job_time_limit + HARD_LIMIT_GRACE_S + VISIBILITY_GRACE_S


def celery_app(settings: Settings) -> Celery:
    if not settings.redis_url:
        raise ValueError("Celery needs REDIS_URL")
    app = Celery(
        "pricescope", broker=settings.redis_url, backend=settings.redis_url, task_cls=JobTask
    )
    transport = {
        "visibility_timeout": visibility_timeout(settings),
        # Reconnect on a lost connection rather than fail the call that noticed it.
        "retry_on_timeout": True,
        "socket_keepalive": True,
        "health_check_interval": REDIS_HEALTH_CHECK_S,
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_S,
    }
    app.conf.update(
        # A job is acknowledged only when it ends, and a worker takes one at a time, so a job is
        # never stuck behind a long one in another worker's prefetch buffer.
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        # A pool process that dies mid-job (a stop that did not take, a crash) gives its message
        # back. A job the analyst cancelled does not run again: its record has ended, and a job
        # runs only from a queued record (see ``dashboard.jobs.runner``).
        task_reject_on_worker_lost=True,
        task_soft_time_limit=settings.job_time_limit + SOFT_LIMIT_GRACE_S,
        task_time_limit=settings.job_time_limit + HARD_LIMIT_GRACE_S,
        task_track_started=True,
        result_expires=24 * 3600,
        broker_transport_options=transport,
        # Keep trying to reach Redis, at start-up and after an outage, instead of exiting.
        broker_connection_retry=True,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        redis_retry_on_timeout=True,
        redis_socket_keepalive=True,
        redis_backend_health_check_interval=REDIS_HEALTH_CHECK_S,
        # With late acks, a job running when the connection is lost cannot be acknowledged on
        # the new connection, and Redis redelivers it anyway: the worker lets it finish (its
        # record is the truth) rather than cancel it.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        task_publish_retry=True,
        task_publish_retry_policy={
            "max_retries": 5,
            "interval_start": 0.2,
            "interval_step": 0.5,
            "interval_max": 2.0,
        },
        worker_hijack_root_logger=False,
    )
    install_worker_heartbeat(app)  # /readyz and worker-check: see dashboard.jobs.worker_health
    return app
