"""Runs one queued recompute job and keeps its record true: progress, heartbeat, cancel, outcome.

The same function runs in a DiskcacheManager subprocess and in a Celery worker. It never raises:
every way a job can end becomes a record status with a reason the analyst can read, and the
returned outcome says the same to the page that started it.

A heartbeat thread writes the record twice a second (so a killed job is noticed), forwards a
progress snapshot to the page, and enforces cancel requests and the time limit: it interrupts the
main thread, which stops even inside a long model fit, up to the moment publishing starts (from
then on the run is completed rather than left half-made).
"""

from __future__ import annotations

import _thread
import logging
import math
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dashboard.config import Settings
from dashboard.errors import InputError
from dashboard.jobs.dataset_jobs import SCORE_KIND, score_dataset
from dashboard.jobs.recompute import RecomputeOutcome, recompute
from dashboard.jobs.records import (
    CACHED,
    CANCELLED,
    DONE,
    FAILED,
    QUEUED,
    JobBook,
    JobRecord,
    job_book,
)
from dashboard.jobs.scopes import ScopeRequest
from dashboard.progress import Cancelled

logger = logging.getLogger(__name__)

HEARTBEAT_S = 0.5
#: The bar's creep between reports assumes a step takes at least this long and this share.
MIN_STEP_S, MIN_STEP_SHARE, CREEP_CEILING = 2.0, 0.05, 0.99
#: A disposable job process that has not stopped this long after a cancel ends itself.
HARD_STOP_S = 1.0
#: Jobs yield the CPU to the web processes (nice value added to the job process).
JOB_NICENESS = 10
Snapshot = dict[str, Any]
Report = Callable[[Snapshot], None]


def snapshot(record: JobRecord, now: float | None = None) -> Snapshot:
    """What the page shows for a job: plain JSON."""
    eta = record.eta(now)
    return {
        "job_id": record.job_id,
        "status": record.status,
        "stage": record.stage,
        "percent": round(100 * record.fraction, 1),
        "elapsed_s": round(record.elapsed(now), 1),
        "eta_s": None if eta is None else round(eta, 1),
        "run_id": record.run_id,
        "error": record.error,
        "shared_with": record.shared_with,
        "scope_label": record.scope_label,
    }


def run_job(
    settings: Settings, job_id: str, report: Report | None = None, *, disposable: bool = False
) -> Snapshot:
    """Runs the queued job ``job_id`` to its end and returns the final snapshot.

    ``disposable``: this process exists to run jobs (a background-callback subprocess, a Celery
    pool child). It then lowers its CPU priority, so the web processes stay responsive, and if a
    cancel or the time limit does not stop the job within ``HARD_STOP_S`` (the main thread is
    deep in native code), it records the end and exits.
    """
    book = job_book(settings)
    record = book.get(job_id)
    if record is None:
        return {"job_id": job_id, "status": FAILED, "error": "There is no such job."}
    if record.status != QUEUED:
        # Delivered twice (a worker restart) or cancelled before it started: nothing to do.
        return snapshot(book.settle(record))
    now = time.time()
    book.update(
        job_id,
        status="running",
        started_at=now,
        heartbeat_at=now,
        stage="starting",
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
    if disposable:
        _lower_priority()
    watch = _Watch(book, job_id, report, time_limit=settings.job_time_limit, disposable=disposable)
    watch.start()
    restore_sigterm = _stop_on_sigterm(watch) if disposable else None
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
        reason = watch.stop_reason or "cancelled by the analyst"
        status = FAILED if watch.timed_out else CANCELLED
        final = book.finish(job_id, status, error=reason)
    except InputError as err:
        final = book.finish(job_id, FAILED, error=str(err))
    except Exception as err:
        if watch.stop_reason is not None:
            # The stop interrupts the main thread wherever it is; inside native code (a model
            # fit) the interrupt can surface as some other exception. It is still the stop.
            logger.info("job %s stopped (%s: %s)", job_id, type(err).__name__, err)
            status = FAILED if watch.timed_out else CANCELLED
            final = book.finish(job_id, status, error=watch.stop_reason)
        else:
            logger.exception("recompute job %s failed", job_id)
            final = book.finish(job_id, FAILED, error=_reason(err))
    finally:
        watch.stop()
        if restore_sigterm is not None:
            restore_sigterm()
    result = snapshot(final or record)
    if report is not None:
        report(result)
    return result


def _stop_on_sigterm(watch: _Watch) -> Callable[[], None] | None:
    """Makes SIGTERM (an operator or a process manager stopping the job's process) a cancel.

    The pages cancel through the job record, not with a Celery revoke-and-terminate, which
    leaves a single-process pool flagged as terminated while the job finishes (see ``app.py``).

    The stop is recorded before the exception is raised, because an exception raised inside a
    model fit can come out as some other error; either way the job then ends as cancelled rather
    than as failed. Returns the function that puts the previous handler back.
    """
    if threading.current_thread() is not threading.main_thread():
        return None

    def on_sigterm(signum: int, frame: object) -> None:
        if watch.stop_reason is None:
            watch.stop_reason = "cancelled by the analyst"
        raise Cancelled(watch.stop_reason)

    previous = signal.signal(signal.SIGTERM, on_sigterm)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


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


@dataclass
class _Progress:
    stage: str = "starting"
    fraction: float = 0.0


class _Watch:
    """The heartbeat thread and the progress hook of one job."""

    def __init__(
        self,
        book: JobBook,
        job_id: str,
        report: Report | None,
        time_limit: int,
        disposable: bool = False,
    ) -> None:
        self.disposable = disposable
        self.book, self.job_id, self.report = book, job_id, report
        self.time_limit = time_limit
        self.started = time.monotonic()
        self.latest = _Progress()
        self._reported_at, self._reported_fraction = self.started, 0.0
        self._step = (0.0, 0.0)
        self._shown = 0.0
        self.stop_reason: str | None = None
        self.timed_out = False
        self._stopping = threading.Event()
        self._publishing = threading.Event()
        self._interrupted = False
        self._main = threading.current_thread() is threading.main_thread()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=2)

    def hold(self) -> None:
        """From now on the job completes: a late cancel no longer interrupts it."""
        self._publishing.set()

    def progress(self, stage: str, fraction: float) -> None:
        """The job's progress hook: records the stage and stops the job if it should stop."""
        if self.stop_reason is not None and not self._publishing.is_set():
            raise Cancelled(self.stop_reason)
        if stage == "publishing":
            self.hold()
        now, fraction = time.monotonic(), max(min(fraction, 1.0), self.latest.fraction)
        if fraction > self._reported_fraction:
            self._step = (now - self._reported_at, fraction - self._reported_fraction)
            self._reported_at, self._reported_fraction = now, fraction
        self.latest = _Progress(stage, fraction)
        self._write()

    def _creeping(self) -> _Progress:
        """The latest progress, moved on within the current step as the previous step went.

        Folds take seconds each; without this the bar would stand still between reports. The
        creep slows as it nears the previous step's share, so it keeps moving without running
        far ahead of the next real report.
        """
        latest = self.latest
        seconds, share = self._step
        if share <= 0:
            return latest
        pace = max(seconds, MIN_STEP_S)
        gone = (time.monotonic() - self._reported_at) / pace
        creep = max(share, MIN_STEP_SHARE) * (1.0 - math.exp(-gone))
        return _Progress(latest.stage, min(self._reported_fraction + creep, CREEP_CEILING))

    def _beat(self) -> None:
        while not self._stopping.wait(HEARTBEAT_S):
            try:
                record = self._write()
            except OSError:
                logger.exception("heartbeat of job %s could not be written", self.job_id)
                continue
            if record is None or self._publishing.is_set():
                continue
            if record.cancel_requested and self.stop_reason is None:
                self._halt("cancelled by the analyst")
            elif time.monotonic() - self.started > self.time_limit and self.stop_reason is None:
                self.timed_out = True
                self._halt(f"the job ran past its {self.time_limit} s time limit and was stopped")

    def _halt(self, reason: str) -> None:
        self.stop_reason = reason
        if self._main and not self._interrupted:
            # Raises KeyboardInterrupt in the main thread at its next bytecode, so a cancel
            # does not wait for the end of a model fit.
            self._interrupted = True
            _thread.interrupt_main()
        if self.disposable:
            timer = threading.Timer(HARD_STOP_S, self._hard_stop)
            timer.daemon = True
            timer.start()

    def _hard_stop(self) -> None:
        """The main thread did not stop in time: record the end and leave the process."""
        if self._stopping.is_set() or self._publishing.is_set():
            return
        status = FAILED if self.timed_out else CANCELLED
        self.book.finish(self.job_id, status, error=self.stop_reason)
        logger.warning(
            "job %s did not stop within %s s; ending its process", self.job_id, HARD_STOP_S
        )
        os._exit(0)

    def _write(self) -> JobRecord | None:
        creeping = self._creeping()
        # Never backwards on screen, even when a step turns out shorter than the one before.
        self._shown = max(self._shown, creeping.fraction)
        latest = _Progress(creeping.stage, self._shown)
        record = self.book.update(
            self.job_id, stage=latest.stage, fraction=latest.fraction, heartbeat_at=time.time()
        )
        if record is not None and self.report is not None and record.status not in {FAILED}:
            self.report(snapshot(record))
        return record
