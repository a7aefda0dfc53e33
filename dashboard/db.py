"""The SQL database: users, review decisions and their audit history, login attempts.

SQLite in WAL mode under the data directory by default (one file, no server, readers never block the
writer); PostgreSQL when ``DATABASE_URL`` is set. The schema is created and migrated on start-up
from :data:`MIGRATIONS`, each applied once and recorded in ``schema_migrations``; several processes
starting at once take turns (an immediate transaction on SQLite, an advisory lock on PostgreSQL).

Writes go through :meth:`Database.write`, which on SQLite starts the transaction with ``BEGIN
IMMEDIATE``: a deferred transaction that reads and then writes can fail with "database is locked"
when another process wrote in between, where an immediate one simply waits its turn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import StaticPool

from dashboard.errors import InputError

logger = logging.getLogger(__name__)

# An advisory lock id for migrations on PostgreSQL: any constant, the same in every process.
_PG_MIGRATION_LOCK = 7_310_501
_BUSY_TIMEOUT_MS = 30_000

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The current decision per item id: decisions carry across runs because the key is the item, not
# the run. ``version`` counts the item's changes; a save must name the version it started from.
decisions = Table(
    "decisions",
    metadata,
    Column("item_id", String(200), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("new_price", Float, nullable=True),
    Column("reason_code", String(32), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("run_id", String(64), nullable=False),
    Column("decided_by", String(64), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    # What the item looked like when decided, so the Decisions page can total money at stake and
    # repricing effects without loading old runs.
    Column("actual", Float, nullable=True),
    Column("fair_price", Float, nullable=True),
    Column("at_stake", Float, nullable=True),
    Column("volume", Float, nullable=True),
    Column("direction", String(8), nullable=True),
)

# Every change, append-only: the audit history. Its id also serves as the decisions' version as a
# whole (the largest id changes whenever any decision does), which keys the Explorer's caches.
decision_history = Table(
    "decision_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("new_price", Float, nullable=True),
    Column("reason_code", String(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("run_id", String(64), nullable=False),
    Column("decided_by", String(64), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("previous_action", String(16), nullable=True),
    Index("ix_decision_history_item", "item_id", "version", unique=True),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_name", String(64), nullable=False),
    Column("remote_addr", String(64), nullable=False),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Index("ix_login_attempts_user", "user_name", "attempted_at"),
    Index("ix_login_attempts_addr", "remote_addr", "attempted_at"),
)


def _create_v1(connection: Connection) -> None:
    for table in (users, decisions, decision_history, login_attempts):
        table.create(connection, checkfirst=True)


#: (version, what it does, how) in order; a new schema change is a new entry, never an edit.
MIGRATIONS: tuple[tuple[int, str, Callable[[Connection], None]], ...] = (
    (1, "users, decisions, decision history, login attempts", _create_v1),
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Database:
    """An engine plus the two ways in: :meth:`read` and :meth:`write` (each one transaction)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)

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

    def migrate(self) -> int:
        """Applies the migrations this database lacks; returns the schema version now in place."""
        with self.write() as connection:
            if not self.is_sqlite:
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            schema_migrations.create(connection, checkfirst=True)
            done = set(connection.scalars(select(schema_migrations.c.version)))
            for version, description, apply in MIGRATIONS:
                if version in done:
                    continue
                logger.info("database: applying migration %s (%s)", version, description)
                apply(connection)
                connection.execute(
                    insert(schema_migrations).values(version=version, applied_at=utc_now())
                )
            latest = connection.scalar(select(func.max(schema_migrations.c.version)))
        return int(latest or 0)

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str) -> Database:
    """A migrated database at ``url``; an unreachable server or a bad URL is an :class:`InputError`."""
    try:
        database = Database(url)
        database.migrate()
    except InputError:
        raise
    except Exception as error:
        shown = make_url(url).render_as_string(hide_password=True) if "://" in url else url
        raise InputError(f"The database {shown} cannot be used: {_first_line(error)}.") from error
    return database


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
            # An in-memory database lives and dies with its connection: every thread shares one.
            engine = create_engine(
                url,
                connect_args={**connect_args, "check_same_thread": False},
                poolclass=StaticPool,
            )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get("pricescope_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0].rstrip(".")
