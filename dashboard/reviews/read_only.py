"""Reading decisions when the database may be down: the pages keep working from the runs and show
decisions as unavailable, instead of failing.

Every read a page makes for its decision marks goes through here; a ``None`` means "unavailable"
(the database cannot be reached: logged once by :class:`~dashboard.db.health.DatabaseHealth`), which
the page shows as such rather than as "no decisions".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dashboard.db.health import DatabaseHealth, DatabaseUnavailableError
from dashboard.reviews.model import Decision
from dashboard.reviews.store import ReviewStore

#: The decisions version the Explorer's caches see while the database is down: never a real one
#: (those start at 0), so nothing cached during an outage is taken for real marks afterwards.
UNAVAILABLE_VERSION = -1


def current_decisions(
    store: ReviewStore, health: DatabaseHealth, dataset: str, item_ids: Iterable[str] | None = None
) -> dict[str, Decision] | None:
    """The dataset's current decisions (of ``item_ids``, or all), or ``None`` when unavailable."""
    try:
        with health.guard("read decisions"):
            return store.decisions(dataset, item_ids)
    except DatabaseUnavailableError:
        return None


class GuardedDecisionSource:
    """The review store as the Explorer's decision filter reads it (a
    :class:`~dashboard.query.explorer_index.DecisionSource`): while the database is down every item
    counts as undecided under a version of its own, and the shell's banner says why."""

    def __init__(self, store: ReviewStore, health: DatabaseHealth) -> None:
        self.store = store
        self.health = health

    def version(self, dataset: str) -> int:
        try:
            with self.health.guard("read the decisions version"):
                return self.store.version(dataset)
        except DatabaseUnavailableError:
            return UNAVAILABLE_VERSION

    def actions(self, dataset: str) -> Mapping[str, str]:
        try:
            with self.health.guard("read decisions"):
                return self.store.actions(dataset)
        except DatabaseUnavailableError:
            return {}
