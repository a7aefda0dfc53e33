"""The Explorer's decision filter: each item's review decision as a code aligned to the run's rows.

Decisions live in the database, keyed per dataset, and change while the run does not, so the
aligned array is cached per (run, decisions version of the run's dataset): a new decision in that
dataset bumps the version, and the next request builds the array again (a dictionary lookup per decided item, not per row). The query layer only sees a
:class:`~dashboard.query.explorer_index.DecisionSource`; the review store provides one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.filters.state import FilterState
from dashboard.query.explorer_index import RunIndex
from dashboard.reviews.actions import ACTIONS, DECISION_FILTERS


def decisions_version(index: RunIndex, state: FilterState) -> int | None:
    """The decisions version a state's results depend on; ``None`` when it does not filter by them."""
    if not state.decisions:
        return None
    source = index.decision_source
    return source.version(index.dataset) if source is not None else 0


def decision_codes(index: RunIndex, version: int) -> np.ndarray:
    """Per row: 0 unreviewed, else 1 + the decision's position in :data:`ACTIONS` (read-only)."""

    def make() -> np.ndarray:
        codes = np.zeros(index.rows, dtype=np.int8)
        source = index.decision_source
        decided = dict(source.actions(index.dataset)) if source is not None else {}
        if decided:
            positions = index.item_id_positions().get_indexer(pd.Index(list(decided)))
            wanted = np.array(
                [ACTIONS.index(a) + 1 if a in ACTIONS else 0 for a in decided.values()]
            )
            found = positions >= 0
            codes[positions[found]] = wanted[found]
        codes.flags.writeable = False
        return codes

    return index.masks.get_or_make(("decisions", version), make)


def decision_mask(index: RunIndex, allowed: tuple[str, ...], version: int) -> np.ndarray:
    table = np.array([name in allowed for name in DECISION_FILTERS])
    return table[decision_codes(index, version)]
