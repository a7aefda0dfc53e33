"""Login rate limiting, shared by every worker process through the database.

A name that failed :data:`MAX_FAILURES_PER_NAME` times, or an address that failed
:data:`MAX_FAILURES_PER_ADDRESS` times, within :data:`WINDOW` is refused until the oldest of those
failures leaves the window. Counting failures only means a user who signs in correctly is never
locked out by their own successful logins.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, delete, func, insert, or_, select

from dashboard.db import Database, login_attempts, utc_now

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_ADDRESS = 20


class LoginLimiter:
    def __init__(self, database: Database) -> None:
        self.database = database

    def blocked(self, user_name: str, remote_addr: str) -> bool:
        since = utc_now() - WINDOW
        recent_failures = and_(
            login_attempts.c.attempted_at >= since, login_attempts.c.succeeded.is_(False)
        )
        with self.database.read() as connection:
            by_name = connection.scalar(
                select(func.count()).where(recent_failures, login_attempts.c.user_name == user_name)
            )
            by_address = connection.scalar(
                select(func.count()).where(
                    recent_failures, login_attempts.c.remote_addr == remote_addr
                )
            )
        return (
            int(by_name or 0) >= MAX_FAILURES_PER_NAME
            or int(by_address or 0) >= MAX_FAILURES_PER_ADDRESS
        )

    def record(self, user_name: str, remote_addr: str, *, succeeded: bool) -> None:
        now = utc_now()
        with self.database.write() as connection:
            connection.execute(
                insert(login_attempts).values(
                    user_name=user_name[:64],
                    remote_addr=remote_addr[:64],
                    attempted_at=now,
                    succeeded=succeeded,
                )
            )
            # Old attempts say nothing any more; keep the table small.
            connection.execute(
                delete(login_attempts).where(or_(login_attempts.c.attempted_at < now - 4 * WINDOW))
            )
