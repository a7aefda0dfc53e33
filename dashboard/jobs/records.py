"""Job records: one row per recompute job in the SQL database, shared by every process and host.

The web processes (queueing, cancel requests) and the job's process (a diskcache child or a Celery
worker, maybe on another host) change a record with conditional updates of the fields they name
(:mod:`dashboard.jobs.record_rows`), so they never lose each other's changes and an ended record
stays ended. A job that is killed cannot write its own end, so a record's *effective* status also
looks at its heartbeat: a running job whose heartbeat stopped is shown as interrupted with that
reason (retryable), and a job whose cancel was requested and which went quiet as cancelled.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dashboard.config import Settings
from dashboard.db import Database, job_records, ready_database
from dashboard.errors import InputError
from dashboard.jobs import record_rows

logger = logging.getLogger(__name__)

QUEUED, RUNNING, WAITING = "queued", "running", "waiting"
DONE, CACHED, FAILED, CANCELLED = "done", "cached", "failed", "cancelled"
#: Stopped by something other than its analyst (a restart, a deploy, a dead worker): retryable.
INTERRUPTED = "interrupted"
ACTIVE = frozenset({QUEUED, RUNNING, WAITING})
#: The pages a job can be queued from (a record's ``origin``).
JOBS_PAGE, DATA_PAGE = "jobs", "data"
TERMINAL = frozenset({DONE, CACHED, FAILED, CANCELLED, INTERRUPTED})
#: The ends a settle gives a job that went quiet.

#: A running job writes its heartbeat twice a second; this long without one means it is gone.
STALE_AFTER_S = 20.0
#: After a cancel request, this long without a heartbeat means the job has stopped.
CANCEL_QUIET_S = 2.0
#: A queued job nobody started in this time never will (no worker, or the worker died).
QUEUE_TIMEOUT_S = 120.0
_JOB_ID = re.compile(r"^j-\d{14}-[0-9a-f]{6}$")
# (database, record files folder) pairs whose files this process has imported.
_IMPORTED: set[tuple[str, Path]] = set()


@dataclass(frozen=True)
class JobRecord:
    job_id: str
    scope: dict[str, Any]
    scope_label: str
    started_by: str
    status: str = QUEUED
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    heartbeat_at: float | None = None
    stage: str = "queued"
    fraction: float = 0.0
    run_id: str | None = None
    error: str | None = None
    cancel_requested: bool = False
    shared_with: str | None = None
    worker: str | None = None
    #: Handed only to the page that queued the job: starting it needs this (see ``jobs.queue``).
    ticket: str | None = None
    #: The page the job was queued from ("jobs", "data"): a page reattaches to its own jobs.
    origin: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def elapsed(self, now: float | None = None) -> float:
        """Seconds the job has run (or ran); 0 while queued."""
        if self.started_at is None:
            return 0.0
        end = self.finished_at if self.finished_at is not None else (now or time.time())
        return max(end - self.started_at, 0.0)

    def eta(self, now: float | None = None) -> float | None:
        """Seconds left, extrapolated from the pace so far; ``None`` until there is a pace."""
        if not self.active or self.fraction < 0.03:
            return None
        elapsed = self.elapsed(now)
        return elapsed * (1.0 - self.fraction) / self.fraction

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> JobRecord:
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def new_job_id(now: datetime | None = None) -> str:
    return f"j-{(now or datetime.now(UTC)).strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"


def check_job_id(job_id: object) -> str:
    if not isinstance(job_id, str) or not _JOB_ID.match(job_id):
        raise InputError(f"{str(job_id)[:40]!r} is not a job id.")
    return job_id


def job_book(settings: Settings) -> JobBook:
    """The job records every process of this deployment shares: the SQL database's."""
    database = ready_database(settings.database)
    key = (settings.database, settings.jobs_dir)
    if key not in _IMPORTED:
        # Record files from before the records moved into the database, read once.
        record_rows.import_job_files(database, settings.jobs_dir, _checked_row)
        _IMPORTED.add(key)
    return JobBook(database, settings.job_stale_after_s)


def _checked_row(raw: Any) -> dict[str, Any]:
    return JobRecord.from_json(raw).to_json()


class JobBook:
    """The job records in one database: the one users and decisions live in."""

    def __init__(self, database: Database, stale_after_s: float = STALE_AFTER_S) -> None:
        self.database = database
        #: A running job whose heartbeat is older than this has in fact ended (interrupted).
        self.stale_after_s = stale_after_s

    def create(
        self, scope: dict[str, Any], scope_label: str, started_by: str, origin: str | None = None
    ) -> JobRecord:
        record = JobRecord(
            job_id=new_job_id(),
            scope=scope,
            scope_label=scope_label,
            started_by=started_by,
            ticket=secrets.token_urlsafe(16),
            origin=origin,
        )
        record_rows.insert(self.database, record.to_json())
        return record

    def get(self, job_id: str) -> JobRecord | None:
        found = record_rows.fetch(self.database, check_job_id(job_id))
        return None if found is None else JobRecord.from_json(found)

    def update(self, job_id: str, **changes: Any) -> JobRecord | None:
        """Applies ``changes`` unless the record has already ended (an end is never overwritten).

        Only the named fields are written, in one conditional statement, so a change made by
        another process at the same moment (a cancel request, a heartbeat) is kept.
        """
        return self._change(job_id, changes, job_records.c.status.not_in(TERMINAL))

    def finish(self, job_id: str, status: str, **changes: Any) -> JobRecord | None:
        if status not in TERMINAL:
            raise ValueError(f"{status!r} is not an end state")
        return self.update(job_id, status=status, finished_at=time.time(), **changes)

    def request_cancel(self, job_id: str) -> JobRecord | None:
        record = self.update(job_id, cancel_requested=True)
        if record is not None and record.status == QUEUED:
            # Nothing runs yet: the job will see the end state when it starts and do nothing.
            # Only while it is still queued: a job that started meanwhile stops on the request.
            ending = {
                "status": CANCELLED,
                "finished_at": time.time(),
                "error": "cancelled before it started",
            }
            return self._change(job_id, ending, job_records.c.status == QUEUED)
        return record

    def recent(self, limit: int = 20, now: float | None = None) -> list[JobRecord]:
        """The newest records first, each with its effective status written back if it ended."""
        rows = record_rows.newest(self.database, limit)
        return [self.settle(JobRecord.from_json(row), now) for row in rows]

    def latest_of(
        self, started_by: str, origin: str, within_s: float, now: float | None = None
    ) -> JobRecord | None:
        """The newest job ``started_by`` queued from page ``origin`` in the last ``within_s``
        seconds, with its effective status: the job a page reattaches to when it is opened.

        ``within_s`` is longer than any job may run, so no running job is missed.
        """
        now = now or time.time()
        columns = job_records.c
        rows = record_rows.newest(
            self.database,
            1,
            columns.started_by == started_by,
            columns.origin == origin,
            columns.created_at >= now - within_s,
        )
        return self.settle(JobRecord.from_json(rows[0]), now) if rows else None

    def settle(self, record: JobRecord, now: float | None = None) -> JobRecord:
        """The record with its effective status: a job that went quiet is ended, with a reason
        (and one log line, from the process that noticed)."""
        ending = effective_end(record, now or time.time(), self.stale_after_s)
        if ending is None:
            return record
        return self.end(record, *ending) or self.get(record.job_id) or record

    def reap(self, now: float | None = None, scan: int = 200) -> list[JobRecord]:
        """Ends every job among the newest ``scan`` that has in fact ended (its heartbeat older
        than the stale bound, a cancel it went quiet after, a queue nobody took it from); the
        reaper's timer calls this, so no page view is needed. Returns the records it ended."""
        now = now or time.time()
        ended: list[JobRecord] = []
        for row in record_rows.newest(self.database, scan):
            record = JobRecord.from_json(row)
            ending = effective_end(record, now, self.stale_after_s)
            if ending is not None and (done := self.end(record, *ending)) is not None:
                ended.append(done)
        return ended

    def end(self, record: JobRecord, status: str, reason: str) -> JobRecord | None:
        """Ends ``record`` as judged from it, unless it moved on since it was read (started, beat
        again or ended in another process): then the newer record stands and this returns None.
        The process whose call ends it logs it, once."""
        columns = job_records.c
        beat = record.heartbeat_at
        unchanged = (columns.status == record.status) & (
            columns.heartbeat_at.is_(None) if beat is None else columns.heartbeat_at == beat
        )
        changes = {"status": status, "finished_at": time.time(), "error": reason}
        changed = record_rows.change(self.database, check_job_id(record.job_id), changes, unchanged)
        if changed is None:
            return None
        logger.warning("job %s ended as %s — %s", record.job_id, status, reason)
        return JobRecord.from_json(changed)

    def _change(self, job_id: str, changes: dict[str, Any], condition: Any) -> JobRecord | None:
        changed = record_rows.change(self.database, check_job_id(job_id), changes, condition)
        if changed is not None:
            return JobRecord.from_json(changed)
        return self.get(job_id)


def effective_end(
    record: JobRecord, now: float, stale_after_s: float = STALE_AFTER_S
) -> tuple[str, str] | None:
    """How an active record has in fact ended, judged by its heartbeat; ``None`` if it has not.

    Only a cancel the analyst asked for ends as cancelled; a job that went quiet without one was
    stopped by something else (a killed worker, a restart): interrupted, and retryable.
    """
    if not record.active:
        return None
    if record.status == QUEUED:
        # A requeued job's heartbeat is when it went back in the queue.
        queued_at = max(record.created_at, record.heartbeat_at or 0.0)
        if now - queued_at <= QUEUE_TIMEOUT_S:
            return None
        if record.error is not None:  # interrupted once and put back in the queue
            return INTERRUPTED, (
                f"interrupted: the job's process was stopped and no worker took it back within "
                f"{QUEUE_TIMEOUT_S:.0f} s — retry it"
            )
        return FAILED, (
            f"no worker started the job within {QUEUE_TIMEOUT_S:.0f} s (is the job worker running?)"
        )
    beat = record.heartbeat_at or record.started_at or record.created_at
    quiet = now - beat
    if record.cancel_requested and quiet > CANCEL_QUIET_S:
        return CANCELLED, "cancelled by the analyst"
    if quiet > stale_after_s:
        return INTERRUPTED, (
            f"interrupted: its worker stopped responding {quiet:.0f} s ago during "
            f"{record.stage!r} (the process was killed, crashed or ran out of memory) — retry it"
        )
    return None
