"""The reaper: a timer in every web process and job worker that ends the jobs that have in fact
ended, so a killed worker's job reads as interrupted within the stale bound even when nobody has
a page open (and the page that started it stops waiting and offers Retry).

Without a broker (diskcache mode) every job process is a child of a web process on this host, so
a running job whose process is gone here (a server restart, a killed process) is interrupted at
once, at start-up and on every tick, rather than after the stale bound.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from dashboard.config import Settings
from dashboard.jobs.records import INTERRUPTED, RUNNING, JobBook, JobRecord, job_book

logger = logging.getLogger(__name__)

#: The reapers started in this process, by jobs location: one each, however often it is asked.
_STARTED: dict[tuple[int, str], threading.Thread] = {}
_STARTING = threading.Lock()
#: A process whose start time is this much later than the job's start is another one (pid reuse).
_PID_REUSE_SLACK_S = 2.0


def start_reaper(settings: Settings) -> threading.Thread:
    """Starts this process's reaper for ``settings``' jobs (once), after ending the jobs a
    previous server left behind; returns its thread."""
    key = (os.getpid(), str(settings.jobs_dir))
    with _STARTING:
        running = _STARTED.get(key)
        if running is not None and running.is_alive():
            return running
        sweep(settings)
        thread = threading.Thread(
            target=_reap_forever, args=(settings,), name="job-reaper", daemon=True
        )
        thread.start()
        _STARTED[key] = thread
    logger.info("job reaper every %.1f s (stale after %.0f s)", *_timing(settings))
    return thread


def _timing(settings: Settings) -> tuple[float, float]:
    return settings.job_reaper_interval_s, settings.job_stale_after_s


def _reap_forever(settings: Settings) -> None:
    while True:
        time.sleep(settings.job_reaper_interval_s)
        try:
            sweep(settings)
        except Exception as error:  # the timer must outlive a store outage
            logger.warning(
                "job reaper could not read the job records (%s: %s)", type(error).__name__, error
            )


def sweep(settings: Settings, now: float | None = None) -> list[JobRecord]:
    """One pass: the records this pass ended (each also logged once where it is ended)."""
    book = job_book(settings)
    ended = [] if settings.redis_url else interrupt_orphans(book)
    return ended + book.reap(now)


def interrupt_orphans(book: JobBook, host: str | None = None) -> list[JobRecord]:
    """Interrupts every running job whose process on this host is gone."""
    host = host or socket.gethostname()
    ended: list[JobRecord] = []
    for record in book.recent(200):
        if record.status != RUNNING or not _gone_from(record, host):
            continue
        reason = (
            f"interrupted: its process is gone (the server restarted, or the process was "
            f"killed) during {record.stage!r} — retry it"
        )
        done = book.end(record, INTERRUPTED, reason)
        if done is not None:
            ended.append(done)
    return ended


def _gone_from(record: JobRecord, host: str) -> bool:
    """Whether the record's worker ran on ``host`` and that process no longer exists."""
    worker_host, _, raw_pid = (record.worker or "").rpartition(":")
    if worker_host != host or not raw_pid.isdigit():
        return False
    import psutil

    try:
        process = psutil.Process(int(raw_pid))
        if process.status() == psutil.STATUS_ZOMBIE:
            return True
        started = record.started_at or record.created_at
        return bool(process.create_time() > started + _PID_REUSE_SLACK_S)
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:  # not ours to look at: it exists
        return False
