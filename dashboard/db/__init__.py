"""The SQL database: users, review decisions and their audit history, login attempts, job records
and the scope locks of recompute jobs.

SQLite in WAL mode under the data directory by default (one file, no server, readers never block the
writer); PostgreSQL when ``DATABASE_URL`` is set.

- :mod:`dashboard.db.engine`: the engine, :class:`Database` and its read and write transactions;
- :mod:`dashboard.db.tables`: the tables as the stores see them;
- :mod:`dashboard.db.upgrade`: :func:`open_database`, which brings the schema up to date through
  the Alembic revisions in :mod:`dashboard.db.migrations` before anything else touches it.
"""

from dashboard.db.engine import Database, make_engine, shared_engine, utc_now
from dashboard.db.tables import (
    decision_history,
    decisions,
    job_records,
    login_attempts,
    metadata,
    price_change_exports,
    scope_locks,
    users,
)
from dashboard.db.upgrade import head_revision, open_database, ready_database, upgrade_schema

__all__ = [
    "Database",
    "decision_history",
    "decisions",
    "head_revision",
    "job_records",
    "login_attempts",
    "make_engine",
    "metadata",
    "open_database",
    "price_change_exports",
    "ready_database",
    "scope_locks",
    "shared_engine",
    "upgrade_schema",
    "users",
    "utc_now",
]
