"""The schema brought up to date on start-up, through Alembic, one process at a time.

Every process that opens the database runs :func:`upgrade_schema` first. It takes the database's
write lock (``BEGIN IMMEDIATE`` on SQLite, a transaction-scoped advisory lock on PostgreSQL) and runs
Alembic's ``upgrade head`` inside that same transaction, so several processes starting at once take
turns: the first applies what is missing, the others find nothing left to do. DDL is transactional
on both, so a failed upgrade leaves the schema as it was.

Alembic's configuration is built here in code; no ``alembic.ini`` is read at run time.

Databases made before Alembic recorded their version in ``schema_migrations`` (hand-rolled
migrations, numbered from 1). Such a database is adopted: stamped at the Alembic revision that
matches its number, its old version table dropped, then upgraded like any other.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, func, inspect, select, text
from sqlalchemy.engine import Connection, make_url

from dashboard.db.engine import Database
from dashboard.errors import InputError

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# An advisory lock id for migrations on PostgreSQL: any constant, the same in every process.
_PG_MIGRATION_LOCK = 7_310_501

#: The version table of the hand-rolled migrations that came before Alembic.
LEGACY_VERSION_TABLE = Table(
    "schema_migrations",
    MetaData(),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)
#: The Alembic revision that reproduces each hand-rolled schema version exactly.
LEGACY_REVISIONS = {1: "0001"}
# url -> its Database, schema brought up to date once per process (see ready_database).
_READY: dict[str, Database] = {}
_READY_LOCK = threading.Lock()


def alembic_config(connection: Connection | None = None, *, url: str | None = None) -> Config:
    """Alembic's configuration: the migrations in this package, run on ``connection`` (inside its
    transaction) or, for a developer's ``revision --autogenerate``, on a new engine for ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # A module name may not start with a digit (and ruff says so): r0002_what_changes.py.
    config.set_main_option("file_template", "r%%(rev)s_%%(slug)s")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision: the schema this code reads and writes."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no Alembic revisions under {MIGRATIONS_DIR}")
    return head


def upgrade_schema(database: Database) -> str:
    """Applies the revisions this database lacks (adopting a pre-Alembic one); returns its revision."""
    with database.write() as connection:
        if not database.is_sqlite:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        config = alembic_config(connection)
        _adopt_legacy(connection, config)
        before = _current_revision(connection)
        command.upgrade(config, "head")
        after = _current_revision(connection)
    if after is None:
        raise RuntimeError("the schema upgrade recorded no revision")
    if after != before:
        logger.info("database: schema upgraded from revision %s to %s", before or "(none)", after)
    return after


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _adopt_legacy(connection: Connection, config: Config) -> None:
    """Stamps a database from the hand-rolled migrations at its matching revision."""
    present = set(inspect(connection).get_table_names())
    if LEGACY_VERSION_TABLE.name not in present or "alembic_version" in present:
        return
    version = connection.scalar(select(func.max(LEGACY_VERSION_TABLE.c.version)))
    if version is not None:
        revision = LEGACY_REVISIONS.get(int(version))
        if revision is None:
            raise InputError(
                f"The database has schema version {version}, which this PriceScope does not know; "
                "it was probably written by a newer release."
            )
        command.stamp(config, revision)
        logger.info("database: schema version %s adopted as Alembic revision %s", version, revision)
    LEGACY_VERSION_TABLE.drop(connection)


def open_database(url: str) -> Database:
    """A database at ``url`` with an up-to-date schema; an unreachable server or a bad URL is an
    :class:`InputError`."""
    try:
        database = Database(url)
        upgrade_schema(database)
    except InputError:
        raise
    except Exception as error:
        shown = make_url(url).render_as_string(hide_password=True) if "://" in url else url
        raise InputError(f"The database {shown} cannot be used: {_first_line(error)}.") from error
    return database


def ready_database(url: str) -> Database:
    """The database at ``url`` with an up-to-date schema, upgraded on the first call only.

    For code that opens the database often (every job record read and write): the schema check
    runs once per process and URL, and the engine is the process's shared one. A process forked
    after the check inherits it (the schema is the same) and connects afresh.
    """
    found = _READY.get(url)
    if found is not None:
        return found
    with _READY_LOCK:
        found = _READY.get(url)
        if found is None:
            found = _READY[url] = open_database(url)
        return found


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0].rstrip(".")
