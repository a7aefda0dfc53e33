"""Alembic's entry point: runs the revisions on the connection :mod:`dashboard.db.upgrade` hands over.

Started on a connection already inside a transaction (the one holding the migration lock), Alembic
runs every revision in it and commits nothing itself. Without one (a developer drafting a revision),
it opens its own engine on ``sqlalchemy.url``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from dashboard.db.engine import make_engine
from dashboard.db.tables import metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite alters a table by copying it; Alembic's batch mode writes revisions that way.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline(url: str) -> None:
    """``--sql``: the SQL a database administrator can read and run by hand."""
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        if url is None:
            raise RuntimeError("an offline (--sql) run needs sqlalchemy.url")
        run_offline(url)
        return
    shared = config.attributes.get("connection")
    if shared is not None:
        run_on(shared)
        return
    if url is None:
        raise RuntimeError("Alembic was given neither a connection nor sqlalchemy.url")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            run_on(connection)
    finally:
        engine.dispose()


main()
