"""The engine and the two ways in: :meth:`Database.read` and :meth:`Database.write`.

Writes go through :meth:`Database.write`, which on SQLite starts the transaction with ``BEGIN
IMMEDIATE``: a deferred transaction that reads and then writes can fail with "database is locked"
when another process wrote in between, where an immediate one simply waits its turn.

Engines are one per process and database URL (:func:`shared_engine`). Job records are written from
forked diskcache job processes and from Celery's prefork pool children, and a pooled connection must
never be used by two processes (SQLAlchemy's "Using Connection Pools with Multiprocessing"): a
process that finds the engine of the process it was forked from drops it without closing the
parent's connections and makes its own, and every pool also refuses, on checkout, a connection that
another process opened.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import StaticPool

_BUSY_TIMEOUT_MS = 30_000
# url -> (the process that made it, the engine): see shared_engine.
_ENGINES: dict[str, tuple[int, Engine]] = {}
_ENGINES_LOCK = threading.Lock()
# A server that does not answer fails a connect in seconds, not the OS's minutes: requests then
# degrade to read-only mode (see dashboard.db.health) instead of hanging.
CONNECT_TIMEOUT_SECONDS = 3


def utc_now() -> datetime:
    return datetime.now(UTC)


def is_in_memory(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def shared_engine(url: str) -> Engine:
    """This process's engine for ``url``: made on first use, made again after a fork."""
    pid = os.getpid()
    found = _ENGINES.get(url)
    if found is not None and found[0] == pid:
        return found[1]
    with _ENGINES_LOCK:
        found = _ENGINES.get(url)
        if found is not None and found[0] == pid:
            return found[1]
        if found is not None:
            # Inherited from the parent: forget its pool without closing the parent's connections.
            found[1].dispose(close=False)
        engine = make_engine(url)
        _ENGINES[url] = (pid, engine)
        return engine


class Database:
    """An engine plus the two ways in: :meth:`read` and :meth:`write` (each one transaction).

    The engine is this process's shared one for the URL (see :func:`shared_engine`), so a
    ``Database`` handed to a forked process connects afresh there. An in-memory SQLite database
    lives and dies with its connection, so each ``Database`` of one has its own.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._own_engine = make_engine(url) if is_in_memory(url) else None

    @property
    def engine(self) -> Engine:
        return self._own_engine or shared_engine(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            connection = connection.execution_options(pricescope_immediate=True)
            with connection.begin():
                yield connection

    def dispose(self) -> None:
        self.engine.dispose()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # The driver's own transaction handling is off so the "begin" hook below decides how
        # each transaction starts.
        connect_args: dict[str, Any] = {"isolation_level": None, "timeout": _BUSY_TIMEOUT_MS / 1000}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args=connect_args)
        else:
            # An in-memory database lives and dies with its connection, so every user of the
            # engine shares that one connection (tests, driven from one thread at a time).
            engine = create_engine(
                url,
                connect_args={**connect_args, "check_same_thread": False},
                poolclass=StaticPool,
            )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    else:
        # pool_pre_ping: a connection the server dropped (a restart, an outage) is replaced on
        # checkout, so the app recovers without a restart of its own.
        postgresql = parsed.get_backend_name() == "postgresql"
        server_args = {"connect_timeout": CONNECT_TIMEOUT_SECONDS} if postgresql else {}
        engine = create_engine(
            url, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args=server_args
        )
    event.listen(engine, "connect", _remember_process)
    event.listen(engine, "checkout", _refuse_other_process)
    return engine


def _remember_process(_dbapi_connection: Any, record: Any) -> None:
    record.info["pid"] = os.getpid()


def _refuse_other_process(_dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A pooled connection opened by another process (the one this was forked from) is dropped
    unclosed, and the pool opens a new one: closing it would end the parent's session."""
    if record.info.get("pid", os.getpid()) != os.getpid():
        record.dbapi_connection = proxy.dbapi_connection = None
        raise exc.DisconnectionError(
            f"connection opened by process {record.info['pid']}, used in {os.getpid()}"
        )


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """WAL mode, retried: switching a database out of rollback mode needs it to itself for a
    moment, and SQLite answers "database is locked" at once, without waiting on the busy timeout,
    when processes that start together all try it at the same time."""
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_on_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get("pricescope_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
