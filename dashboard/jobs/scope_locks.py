"""Which job computes a scope: one row per scope key in the SQL database, held under a lease.

A job that starts computing a scope takes its row (:meth:`ScopeLocks.held`); a second job for the
same scope finds it held and follows the holder instead of computing the same run twice. The
database is the one every web process and worker shares, so this works across hosts, where the
``flock`` files it replaces only worked on one machine.

A holder renews its lease every few seconds from a background thread. A holder that dies (killed,
out of memory, its host gone) stops renewing, and once the lease has run out the next job takes the
scope over; so does a job that finds the holder's record already ended (a job that ended its own
process before it could let go). A dead holder therefore blocks its scope for at most
:data:`LEASE_S` seconds, never for ever.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from dashboard.db import Database, job_records, scope_locks
from dashboard.jobs.record_rows import insert_new
from dashboard.jobs.records import TERMINAL

logger = logging.getLogger(__name__)

#: A holder that has not renewed its lease for this long is taken to be dead.
LEASE_S = 15.0
#: How often a holder renews: several renewals fit in one lease, so a slow one does not lose it.
RENEW_EVERY_S = 3.0


class ScopeLocks:
    """The scope locks in one database (the job records' database)."""

    def __init__(self, database: Database, lease_s: float = LEASE_S) -> None:
        self.database = database
        self.lease_s = lease_s

    def take(self, key: str, job_id: str, now: float | None = None) -> str | None:
        """Takes the scope ``key`` for ``job_id``: ``None`` once it holds it, else the job id of the
        live holder (the lock is left alone)."""
        now = time.time() if now is None else now
        this = scope_locks.c.scope_key == key
        with self.database.write() as connection:
            # A free scope gets a row with a lease already run out, so taking it and taking over a
            # dead holder's are the same step; the row lock makes concurrent takers take turns.
            connection.execute(
                insert_new(connection, scope_locks).values(
                    scope_key=key, job_id="", acquired_at=now, lease_until=0.0
                )
            )
            row = connection.execute(select(scope_locks).where(this).with_for_update()).one()
            holder = str(row.job_id)
            if holder and holder != job_id and _alive(connection, holder, row.lease_until, now):
                return holder
            connection.execute(
                update(scope_locks)
                .where(this)
                .values(job_id=job_id, acquired_at=now, lease_until=now + self.lease_s)
            )
        if holder and holder != job_id:
            logger.warning(
                "scope %s: job %s takes over the computation of job %s, which stopped holding it",
                key,
                job_id,
                holder,
            )
        return None

    def holder(self, key: str, now: float | None = None) -> str | None:
        """The job id of the live holder of scope ``key``, or ``None`` when it is free."""
        now = time.time() if now is None else now
        with self.database.read() as connection:
            row = connection.execute(
                select(scope_locks).where(scope_locks.c.scope_key == key)
            ).first()
            if row is None or not row.job_id:
                return None
            return str(row.job_id) if _alive(connection, row.job_id, row.lease_until, now) else None

    def renew(self, key: str, job_id: str) -> bool:
        """Extends ``job_id``'s lease on ``key``; ``False`` if it no longer holds it."""
        with self.database.write() as connection:
            renewed = connection.execute(
                update(scope_locks)
                .where(scope_locks.c.scope_key == key, scope_locks.c.job_id == job_id)
                .values(lease_until=time.time() + self.lease_s)
            )
        return bool(renewed.rowcount)

    def release(self, key: str, job_id: str) -> None:
        with self.database.write() as connection:
            connection.execute(
                delete(scope_locks).where(
                    scope_locks.c.scope_key == key, scope_locks.c.job_id == job_id
                )
            )

    @contextlib.contextmanager
    def held(self, key: str, job_id: str) -> Iterator[bool]:
        """Holds scope ``key`` for ``job_id`` while the block runs, renewing the lease; yields
        whether it got it (``False``: another live job holds it, nothing was taken)."""
        if self.take(key, job_id) is not None:
            yield False
            return
        stop = threading.Event()
        renewer = threading.Thread(
            target=self._keep, args=(key, job_id, stop), name=f"scope-lease-{job_id}", daemon=True
        )
        renewer.start()
        try:
            yield True
        finally:
            stop.set()
            renewer.join(timeout=RENEW_EVERY_S + 1)
            self.release(key, job_id)

    def _keep(self, key: str, job_id: str, stop: threading.Event) -> None:
        while not stop.wait(min(RENEW_EVERY_S, self.lease_s / 3)):
            try:
                if not self.renew(key, job_id):
                    logger.warning("scope %s: job %s lost its lock while computing", key, job_id)
                    return
            except Exception as error:  # the database is away for a moment: try again next time
                logger.warning("scope %s: lease of job %s not renewed: %s", key, job_id, error)


def _alive(connection: Connection, holder: str, lease_until: float, now: float) -> bool:
    """A holder is alive while its lease runs and its job record has not ended."""
    if lease_until <= now:
        return False
    status = connection.scalar(select(job_records.c.status).where(job_records.c.job_id == holder))
    return status is not None and status not in TERMINAL
