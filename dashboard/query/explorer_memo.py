"""The Explorer's memoised results: the view settings and the decisions version join the key.

The filter key holds what selects the items; the heatmap's axes and metric change the charts too,
and a result filtered by review decisions holds only until the next decision is saved. Every
Explorer result goes through here, whether a callback or the layout's first view asks for it, so
the two always agree on what a cached result depends on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from dashboard.filters.fields import VIEWS
from dashboard.filters.state import FilterState
from dashboard.query.explorer_decisions import decisions_version
from dashboard.query.explorer_index import ExplorerIndexes
from dashboard.query.memo import ResultCache, memoised
from dashboard.runs import Run

T = TypeVar("T")


def explorer_memoised(
    cache: ResultCache | None,
    indexes: ExplorerIndexes,
    run: Run,
    name: str,
    state: FilterState,
    compute: Callable[[], T],
    *extra: object,
) -> T:
    """:func:`memoised` with the view settings and, when filtering by decision, its version."""
    extra = (*extra, *(getattr(state, entry.field) for entry in VIEWS))
    version = decisions_version(indexes.get(run), state)
    if version is not None:
        extra = (*extra, "decisions", version)
    return memoised(cache, run, name, state, compute, *extra)
