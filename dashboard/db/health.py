"""Whether the database answers, remembered for a few seconds, and what an outage looks like.

Users and review decisions live in the database; the runs do not. When the database cannot be
reached the app keeps serving what it can from the session and the runs (read-only mode) and says
so, instead of answering 500. :class:`DatabaseHealth` is the one place that tells an outage from
any other database error, remembers it for :data:`RETRY_AFTER_SECONDS` (so an outage does not make
every request wait on a connect timeout), logs it in one line per request, and forgets it as soon
as the database answers again: the pool's pre-ping and invalidation reconnect without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import g, has_request_context, request
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from dashboard.db.engine import Database

logger = logging.getLogger(__name__)

#: How long an outage is believed before the database is asked again; and how long an answer is.
RETRY_AFTER_SECONDS = 5.0
UP_FOR_SECONDS = 5.0

#: What every page says while the database is down (the shell's banner).
READ_ONLY_BANNER = (
    "Reviews are unavailable: the database cannot be reached. Pages show the runs; nothing can be "
    "saved until it is back."
)
#: What a save says instead of saving.
NOT_SAVED = (
    "Not saved: the database is unavailable. Your entries are kept; try again when it is back."
)
#: What the login page says instead of signing in.
SIGN_IN_UNAVAILABLE = (
    "Sign-in is unavailable: the database cannot be reached. Try again in a minute."
)
#: What a page part that shows decisions says in their place.
DECISIONS_UNAVAILABLE = "Decisions are unavailable while the database cannot be reached."
JOBS_UNAVAILABLE = "Jobs are unavailable while the database cannot be reached."
NOT_STARTED = "Not started: the database is unavailable. Try again when it is back."
NOT_CANCELLED = "Not cancelled: the database is unavailable. Try again when it is back."

_LOGGED_FLAG = "pricescope_database_outage_logged"


class DatabaseUnavailableError(Exception):
    """The database cannot be reached; the message is one line for the log."""


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be reached (rather than a bad query or a
    constraint): the driver's operational and interface errors, a dropped connection, and a pool
    that has no connection to give within its timeout."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeoutError):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def outage_summary(error: BaseException) -> str:
    """ "OperationalError: connection refused": the first line of the driver's message."""
    cause = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    first = lines[0] if lines else "no message"
    # psycopg: 'connection failed: connection to server at "127.0.0.1", port 5432 failed:
    # Connection refused' -- the last clause is the reason.
    reason = first.rsplit(" failed: ", 1)[-1] if " failed: " in first else first
    return f"{type(error).__name__}: {reason[:200]}"


class DatabaseHealth:
    """The database's state as this process last saw it, shared by its threads."""

    def __init__(
        self,
        database: Database,
        *,
        retry_after: float = RETRY_AFTER_SECONDS,
        up_for: float = UP_FOR_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.retry_after = retry_after
        self.up_for = up_for
        self._clock = clock
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._checked_at: float | None = None
        self._last_problem = ""

    @property
    def known_down(self) -> bool:
        """Down, and not long enough ago that it is worth asking again."""
        with self._lock:
            return (
                self._down_since is not None
                and self._checked_at is not None
                and self._clock() - self._checked_at < self.retry_after
            )

    def reachable(self) -> bool:
        """Whether the database answers: remembered for a few seconds, else asked with a
        ``SELECT 1`` (bounded by the engine's connect timeout)."""
        with self._lock:
            fresh_for = self.retry_after if self._down_since is not None else self.up_for
            if self._checked_at is not None and self._clock() - self._checked_at < fresh_for:
                return self._down_since is None
        try:
            with self.guard("health check"), self.database.read() as connection:
                connection.execute(text("SELECT 1"))
        except DatabaseUnavailableError:
            return False
        return True

    @contextmanager
    def guard(self, what: str) -> Iterator[None]:
        """Runs the body against the database; an outage (now, or remembered) becomes a
        :class:`DatabaseUnavailableError` and one log line. Other errors pass through untouched."""
        if self.known_down:
            self._log(f"database unavailable: {self._last_problem}", what)
            raise DatabaseUnavailableError(self._last_problem)
        try:
            yield
        except Exception as error:
            if not is_outage(error):
                raise
            problem = outage_summary(error)
            self._mark(down=True, problem=problem)
            self._log(f"database unavailable: {problem}", what)
            logger.debug("database error in %s", what, exc_info=True)
            raise DatabaseUnavailableError(problem) from error
        self._mark(down=False)

    def _mark(self, *, down: bool, problem: str = "") -> None:
        with self._lock:
            now = self._clock()
            was_down = self._down_since is not None
            self._checked_at = now
            if down:
                self._down_since = self._down_since if was_down else now
                self._last_problem = problem
                return
            self._down_since = None
        if was_down:
            logger.warning("database reachable again")

    def _log(self, message: str, what: str) -> None:
        """One line per request (a page load runs several guarded reads), naming the request."""
        if has_request_context():
            if g.get(_LOGGED_FLAG):
                return
            g.setdefault(_LOGGED_FLAG, True)
            logger.warning("%s (%s, %s %s)", message, what, request.method, request.path)
            return
        logger.warning("%s (%s)", message, what)
