"""Runs one queued recompute job and keeps its record true: progress, heartbeat, cancel, outcome.

The same function runs in a spawned diskcache job process and in a Celery worker. It never raises
for a job's own failure: every way a job can end becomes a record status with a reason the analyst
can read, and the returned outcome says the same to the page that started it. The one exception is
:class:`JobRequeued`: with a broker, a job whose process is stopped by a restart is put back in the
queue, and the exception tells the Celery task to give its message back.

The heartbeat, progress and stopping live in ``dashboard.jobs.watch``.
"""

from __future__ import annotations

import logging
import os
import socket
import time

from dashboard.config import Settings
from dashboard.errors import InputError
from dashboard.jobs.dataset_jobs import SCORE_KIND, score_dataset
from dashboard.jobs.recompute import RecomputeOutcome, recompute
from dashboard.jobs.records import (
    CACHED,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    JobBook,
    JobRecord,
    job_book,
)
from dashboard.jobs.scopes import ScopeRequest
from dashboard.jobs.watch import (
    INTERRUPTION,
    JobWatch,
    Report,
    Snapshot,
    put_back_in_queue,
    snapshot,
    stop_on_sigterm,
)
from dashboard.progress import Cancelled

logger = logging.getLogger(__name__)

#: Jobs yield the CPU to the web processes (nice value added to the job process).
JOB_NICENESS = 10
#: The watch class under its former name (tests hold a job at a stage through it).
_Watch = JobWatch

__all__ = ["JobRequeued", "Report", "Snapshot", "run_job", "snapshot"]


class JobRequeued(BaseException):  # a signal to the task, not an error
    """The job was interrupted and put back in the queue: the Celery task must give its message
    back to the broker. A ``BaseException``, so that Dash's job wrapper (which turns every
    ``Exception`` into an error result) lets it through to the task."""


def run_job(
    settings: Settings,
    job_id: str,
    report: Report | None = None,
    *,
    disposable: bool = False,
    requeue: bool = False,
) -> Snapshot:
    """Runs the queued job ``job_id`` to its end and returns the final snapshot.

    ``disposable``: this process exists to run jobs (a spawned job process, a Celery pool
    child). It then lowers its CPU priority, so the web processes stay responsive; a SIGTERM
    interrupts the job; and if a stop does not take within ``HARD_STOP_S`` (the main thread is
    deep in native code), it records the end and exits. ``requeue``: a broker delivered the job,
    so an interrupted job goes back in the queue (and :class:`JobRequeued` is raised) instead of
    ending as interrupted.
    """
    book = job_book(settings)
    record = book.get(job_id)
    if record is None:
        return {"job_id": job_id, "status": FAILED, "error": "There is no such job."}
    if record.status != QUEUED:
        # Delivered twice, cancelled before it started, or interrupted and reaped: nothing to do.
        logger.info("job %s not started: it is %s", job_id, record.status)
        return snapshot(book.settle(record))
    now = time.time()
    book.update(
        job_id,
        status=RUNNING,
        started_at=now,
        heartbeat_at=now,
        stage="starting",
        error=None,
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
    logger.info("job %s started: %s (by %s)", job_id, record.scope_label, record.started_by)
    if disposable:
        _lower_priority()
    watch = JobWatch(
        book,
        job_id,
        report,
        time_limit=settings.job_time_limit,
        disposable=disposable,
        requeue=requeue,
    )
    watch.start()
    restore_sigterm = stop_on_sigterm(watch) if disposable else None
    requeued = False
    try:
        outcome = _run(settings, record, book, watch)
        watch.hold()
        final = book.finish(
            job_id,
            CACHED if outcome.cached else DONE,
            run_id=outcome.run_id,
            stage="ready",
            fraction=1.0,
            shared_with=outcome.shared_with,
        )
    except (Cancelled, KeyboardInterrupt):
        final, requeued = _stopped(book, watch)
    except InputError as err:
        final = book.finish(job_id, FAILED, error=str(err))
    except Exception as err:
        if watch.stop_reason is not None:
            # The stop interrupts the main thread wherever it is; inside native code (a model
            # fit) the interrupt can surface as some other exception. It is still the stop.
            logger.info("job %s stopped (%s: %s)", job_id, type(err).__name__, err)
            final, requeued = _stopped(book, watch)
        else:
            logger.exception("recompute job %s failed", job_id)
            final = book.finish(job_id, FAILED, error=_reason(err))
    finally:
        watch.stop()
        if restore_sigterm is not None:
            restore_sigterm()
    if requeued:
        raise JobRequeued(job_id)
    result = snapshot(final or record)
    _log_end(result)
    if report is not None:
        report(result)
    return result


def _stopped(book: JobBook, watch: JobWatch) -> tuple[JobRecord | None, bool]:
    """The record of a job that was stopped, and whether it went back in the queue."""
    if watch.stop_kind == INTERRUPTION and watch.requeue:
        watch.stop()  # no heartbeat may write over the queued record
        return put_back_in_queue(book, watch.job_id), True
    status, reason = watch.ending()
    return book.finish(watch.job_id, status, error=reason), False


def _log_end(result: Snapshot) -> None:
    status = result.get("status")
    line = "job %s ended %s after %.1f s%s"
    detail = f": {result.get('error')}" if result.get("error") else ""
    level = logging.INFO if status in {DONE, CACHED} else logging.WARNING
    logger.log(level, line, result.get("job_id"), status, result.get("elapsed_s") or 0.0, detail)


def _lower_priority() -> None:
    try:
        os.nice(JOB_NICENESS)
    except OSError:  # not permitted here: the job still runs, at normal priority
        logger.warning("could not lower the priority of job process %s", os.getpid())


def _run(settings: Settings, record: JobRecord, book: JobBook, watch: _Watch) -> RecomputeOutcome:
    raw = record.scope
    if raw.get("kind") == SCORE_KIND:
        return score_dataset(settings, raw, progress=watch.progress)
    request = ScopeRequest.from_json(raw)
    return recompute(settings, request, job_id=record.job_id, book=book, progress=watch.progress)


def _reason(err: BaseException) -> str:
    name = type(err).__name__
    if name in {"SoftTimeLimitExceeded", "TimeLimitExceeded"}:
        return "the job ran past its time limit and was stopped"
    if isinstance(err, MemoryError):
        return "the job ran out of memory"
    return f"{name}: {err}"[:500]
