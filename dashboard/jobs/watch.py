"""The watch over one running job: its heartbeat, its progress hook, and how it is stopped.

A heartbeat thread writes the record twice a second (so a killed job is noticed), forwards a
progress snapshot to the page, and enforces cancel requests and the time limit: it interrupts the
main thread, which stops even inside a long model fit, up to the moment publishing starts (from
then on the run is completed rather than left half-made).

A job is stopped for one of three reasons, and each ends differently: the analyst's cancel
(cancelled), its time limit (failed), or its process being told to stop by something else — a
restart, a deploy, an operator's SIGTERM (interrupted, and retryable).
"""

from __future__ import annotations

import _thread
import logging
import math
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dashboard.jobs.records import CANCELLED, FAILED, INTERRUPTED, QUEUED, JobBook, JobRecord
from dashboard.progress import Cancelled

logger = logging.getLogger(__name__)

HEARTBEAT_S = 0.5
#: The bar's creep between reports assumes a step takes at least this long and this share.
MIN_STEP_S, MIN_STEP_SHARE, CREEP_CEILING = 2.0, 0.05, 0.99
#: A disposable job process that has not stopped this long after a stop request ends itself.
HARD_STOP_S = 1.0
#: A heartbeat that keeps failing (the records' store is unreachable) is logged at most this often.
BEAT_FAILURE_LOG_S = 30.0

#: Why a job stopped: the analyst's cancel, its time limit, or its process being stopped.
CANCEL, TIME_LIMIT, INTERRUPTION = "cancel", "time limit", "interruption"
CANCEL_REASON = "cancelled by the analyst"
INTERRUPTED_REASON = (
    "interrupted: the job's process was stopped (a restart or deploy) before it finished — retry it"
)
REQUEUED_REASON = (
    "interrupted: the job's process was stopped (a restart or deploy); the job is back in the "
    "queue and runs again from the start when a worker takes it"
)
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


def put_back_in_queue(book: JobBook, job_id: str) -> JobRecord | None:
    """An interrupted job whose message goes back to the broker: queued again, saying why, so the
    worker that takes the message runs it from the start (and a cancel still ends it first)."""
    now = time.time()
    record = book.update(
        job_id,
        status=QUEUED,
        stage="back in the queue after an interruption",
        fraction=0.0,
        started_at=None,
        # A queued record's heartbeat is when it was queued: the queue timeout counts from here.
        heartbeat_at=now,
        worker=None,
        error=REQUEUED_REASON,
    )
    logger.warning("job %s interrupted; put back in the queue", job_id)
    return record


@dataclass
class _Progress:
    stage: str = "starting"
    fraction: float = 0.0


class JobWatch:
    """The heartbeat thread and the progress hook of one job."""

    def __init__(
        self,
        book: JobBook,
        job_id: str,
        report: Report | None,
        time_limit: int,
        disposable: bool = False,
        requeue: bool = False,
    ) -> None:
        self.disposable, self.requeue = disposable, requeue
        self.book, self.job_id, self.report = book, job_id, report
        self.time_limit = time_limit
        self.started = time.monotonic()
        self.latest = _Progress()
        self._reported_at, self._reported_fraction = self.started, 0.0
        self._step = (0.0, 0.0)
        self._shown = 0.0
        self.stop_reason: str | None = None
        self.stop_kind: str | None = None
        self._stopping = threading.Event()
        self._publishing = threading.Event()
        self._interrupted = False
        self._beat_failed_at: float | None = None
        self._main = threading.current_thread() is threading.main_thread()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    @property
    def timed_out(self) -> bool:
        return self.stop_kind == TIME_LIMIT

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)

    @property
    def publishing(self) -> bool:
        return self._publishing.is_set()

    def hold(self) -> None:
        """From now on the job completes: a late cancel no longer interrupts it."""
        self._publishing.set()

    def ending(self) -> tuple[str, str]:
        """The status and reason a stopped job ends with."""
        if self.stop_kind == TIME_LIMIT:
            return FAILED, self.stop_reason or "the job ran past its time limit"
        if self.stop_kind == INTERRUPTION:
            return INTERRUPTED, INTERRUPTED_REASON
        return CANCELLED, self.stop_reason or CANCEL_REASON

    def mark_stop(self, kind: str, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_kind, self.stop_reason = kind, reason

    def progress(self, stage: str, fraction: float) -> None:
        """The job's progress hook: records the stage and stops the job if it should stop."""
        if self.stop_reason is not None and not self._publishing.is_set():
            raise Cancelled(self.stop_reason)
        if stage == "publishing":
            self.hold()
        if stage != self.latest.stage:
            logger.info("job %s: %s", self.job_id, stage)
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
            except Exception as error:  # the heartbeat must outlive any store error
                self._beat_failed(error)
                continue
            if self._beat_failed_at is not None:
                logger.info("heartbeat of job %s written again", self.job_id)
                self._beat_failed_at = None
            if record is None or self._publishing.is_set():
                continue
            if record.cancel_requested:
                self.halt(CANCEL, CANCEL_REASON)
            elif time.monotonic() - self.started > self.time_limit:
                reason = f"the job ran past its {self.time_limit} s time limit and was stopped"
                self.halt(TIME_LIMIT, reason)

    def _beat_failed(self, error: BaseException) -> None:
        """One line for the first failure, then at most one per ``BEAT_FAILURE_LOG_S``: a store
        that is down for a minute must not fill the log with a line (or a traceback) per beat."""
        now = time.monotonic()
        if self._beat_failed_at is not None and now - self._beat_failed_at < BEAT_FAILURE_LOG_S:
            return
        self._beat_failed_at = now
        first_line = str(error).splitlines()[0][:200] if str(error) else ""
        logger.warning(
            "heartbeat of job %s could not be written (%s: %s); retrying",
            self.job_id,
            type(error).__name__,
            first_line,
        )

    def halt(self, kind: str, reason: str) -> None:
        if self.stop_reason is not None:
            return
        self.mark_stop(kind, reason)
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
        self._stopping.set()
        if self.stop_kind == INTERRUPTION and self.requeue:
            # The broker gets the message back when this process is gone (a lost worker).
            put_back_in_queue(self.book, self.job_id)
        else:
            status, reason = self.ending()
            self.book.finish(self.job_id, status, error=reason)
            logger.warning("job %s ended %s: %s", self.job_id, status, reason)
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


def stop_on_sigterm(watch: JobWatch) -> Callable[[], None] | None:
    """Makes SIGTERM (a restart, a deploy, an operator stopping the job's process) an
    interruption: the job stops and says so, and is put back in the queue or offered for retry.
    Only a cancel the analyst asked for (through the record) is a cancel.

    The stop is recorded before the exception is raised, because an exception raised inside a
    model fit can come out as some other error; either way the job then ends as interrupted
    rather than as failed. Returns the function that puts the previous handler back.
    """
    if threading.current_thread() is not threading.main_thread():
        return None

    def on_sigterm(signum: int, frame: object) -> None:
        logger.warning("job %s: its process received SIGTERM", watch.job_id)
        if watch.publishing:
            return  # publishing takes a moment and is completed rather than left half-made
        watch.mark_stop(INTERRUPTION, INTERRUPTED_REASON)
        raise Cancelled(watch.stop_reason or INTERRUPTED_REASON)

    previous = signal.signal(signal.SIGTERM, on_sigterm)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore
