"""The SQL database: users, review decisions and their audit history, login attempts.

SQLite in WAL mode under the data directory by default (one file, no server, readers never block the
writer); PostgreSQL when ``DATABASE_URL`` is set.

- :mod:`dashboard.db.engine`: the engine, :class:`Database` and its read and write transactions;
- :mod:`dashboard.db.tables`: the tables as the stores see them;
- :mod:`dashboard.db.upgrade`: :func:`open_database`, which brings the schema up to date through
  the Alembic revisions in :mod:`dashboard.db.migrations` before anything else touches it.
"""

from dashboard.db.engine import Database, make_engine, utc_now
from dashboard.db.tables import (
    decision_history,
    decisions,
    login_attempts,
    metadata,
    price_change_exports,
    users,
)
from dashboard.db.upgrade import head_revision, open_database, upgrade_schema

__all__ = [
    "Database",
    "decision_history",
    "decisions",
    "head_revision",
    "login_attempts",
    "make_engine",
    "metadata",
    "open_database",
    "price_change_exports",
    "upgrade_schema",
    "users",
    "utc_now",
]
