"""The app's services for tests: a real review store on a private in-memory SQLite database.

The store is the production one (same schema, same migrations, same queries); only the database
lives in memory, so a test needs no file and leaves nothing behind.
"""

from __future__ import annotations

from dashboard.config import Settings
from dashboard.query.explorer import ExplorerIndexes
from dashboard.reviews.service import Reviewing
from dashboard.runs import RunStore, run_store
from dashboard.services import Services

IN_MEMORY_DATABASE = "sqlite://"


def in_memory_reviewing(runs: RunStore) -> Reviewing:
    """Users, decisions, login attempts and flag history on a fresh in-memory database."""
    return Reviewing.open_url(IN_MEMORY_DATABASE, runs)


def in_memory_services(settings: Settings) -> Services:
    """:class:`Services` for ``settings``' runs, with an in-memory review store and no result cache."""
    runs = run_store(settings)
    reviewing = in_memory_reviewing(runs)
    return Services(
        settings=settings,
        runs=runs,
        reviewing=reviewing,
        explorer_indexes=ExplorerIndexes(decisions=reviewing.decision_source),
    )
