"""Job records: one small JSON file per recompute job, shared by every process on the machine.

``<data_dir>/jobs/<job_id>.json`` is rewritten atomically (temp file + ``os.replace``) under a
book-wide file lock, so the web process (cancel requests) and the job process (progress, outcome)
never lose each other's changes. A job that is killed cannot write its own end, so a record's
*effective* status also looks at its heartbeat: a running job whose heartbeat stopped is shown as
interrupted with that reason (retryable), and a job whose cancel was requested and which went quiet
as cancelled.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dashboard.config import Settings
from dashboard.errors import InputError

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
_SETTLED = frozenset({FAILED, CANCELLED, INTERRUPTED})

#: A running job writes its heartbeat twice a second; this long without one means it is gone.
STALE_AFTER_S = 20.0
#: After a cancel request, this long without a heartbeat means the job has stopped.
CANCEL_QUIET_S = 2.0
#: A queued job nobody started in this time never will (no worker, or the worker died).
QUEUE_TIMEOUT_S = 120.0
_JOB_ID = re.compile(r"^j-\d{14}-[0-9a-f]{6}$")
_LOCK_FILE = ".records.lock"


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
    """The job records every process of this deployment shares."""
    return JobBook(settings.jobs_dir)


class JobBook:
    """The job records under one directory (``settings.jobs_dir``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

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
        with self._locked():
            self._write(record)
        return record

    def get(self, job_id: str) -> JobRecord | None:
        path = self.root / f"{check_job_id(job_id)}.json"
        try:
            return JobRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (ValueError, TypeError):
            logger.warning("unreadable job record %s", path)
            return None

    def update(self, job_id: str, **changes: Any) -> JobRecord | None:
        """Applies ``changes`` unless the record has already ended (an end is never overwritten)."""
        with self._locked():
            record = self.get(job_id)
            if record is None or record.status in TERMINAL:
                return record
            record = replace(record, **changes)
            self._write(record)
            return record

    def finish(self, job_id: str, status: str, **changes: Any) -> JobRecord | None:
        if status not in TERMINAL:
            raise ValueError(f"{status!r} is not an end state")
        return self.update(job_id, status=status, finished_at=time.time(), **changes)

    def request_cancel(self, job_id: str) -> JobRecord | None:
        record = self.update(job_id, cancel_requested=True)
        if record is not None and record.status == QUEUED:
            # Nothing runs yet: the job will see the end state when it starts and do nothing.
            return self.finish(job_id, CANCELLED, error="cancelled before it started")
        return record

    def recent(self, limit: int = 20, now: float | None = None) -> list[JobRecord]:
        """The newest records first, each with its effective status written back if it ended."""
        if not self.root.is_dir():
            return []
        names = sorted((p.name for p in self.root.glob("j-*.json")), reverse=True)[:limit]
        records = [r for n in names if (r := self.get(n.removesuffix(".json"))) is not None]
        return [self.settle(r, now) for r in records]

    def latest_of(
        self, started_by: str, origin: str, within_s: float, now: float | None = None
    ) -> JobRecord | None:
        """The newest job ``started_by`` queued from page ``origin`` in the last ``within_s``
        seconds, with its effective status: the job a page reattaches to when it is opened.

        Job ids start with their creation time, so the newest-first scan stops at the first one
        older than ``within_s`` (longer than any job may run, so no running job is missed).
        """
        if not self.root.is_dir():
            return None
        now = now or time.time()
        for name in sorted((p.name for p in self.root.glob("j-*.json")), reverse=True):
            record = self.get(name.removesuffix(".json"))
            if record is None:
                continue
            if now - record.created_at > within_s:
                return None
            if record.started_by == started_by and record.origin == origin:
                return self.settle(record, now)
        return None

    def settle(
        self, record: JobRecord, now: float | None = None, stale_after_s: float = STALE_AFTER_S
    ) -> JobRecord:
        """The record with its effective status: a job that went quiet is ended, with a reason
        (and one log line, from the process that noticed)."""
        ending = effective_end(record, now or time.time(), stale_after_s)
        if ending is None:
            return record
        status, reason = ending
        stamp = time.time()
        ended = self.update(record.job_id, status=status, finished_at=stamp, error=reason)
        if ended is not None and ended.finished_at == stamp:
            logger.warning("job %s ended as %s — %s", record.job_id, status, reason)
        return ended or record

    def reap(
        self, stale_after_s: float = STALE_AFTER_S, now: float | None = None, scan: int = 200
    ) -> list[JobRecord]:
        """Ends every job among the newest ``scan`` that has in fact ended (its heartbeat older
        than ``stale_after_s``, a cancel it went quiet after, a queue nobody took it from); the
        reaper's timer calls this, so no page view is needed. Returns the records it ended."""
        now = now or time.time()
        began = time.time()
        ended: list[JobRecord] = []
        for record in self.recent(scan, now=now):  # settles each with the default bound
            if record.active:
                record = self.settle(record, now, stale_after_s)
            if record.status in _SETTLED and (record.finished_at or 0.0) >= began:
                ended.append(record)
        return ended

    def _write(self, record: JobRecord) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"{record.job_id}.json"
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_text(json.dumps(record.to_json(), indent=1), encoding="utf-8")
        temp.replace(path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / _LOCK_FILE).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


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
