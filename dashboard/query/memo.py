"""Memoising query results in a shared cache (flask-caching, or anything with ``get``/``set``).

The query functions stay pure; a caller that has a cache wraps the call::

    kpis = memoised(cache, run, "kpi_strip", state, lambda: kpi_strip(run, state, indexes=ix))
    grid = memoised(cache, run, "heatmap", state, lambda: heatmap(run, state, x, y, m), x, y, m)

Keys are (run id, question, the digest of the state's filter key, extra arguments): the filter
key holds what selects the items, so whatever else a result depends on (the heatmap's axes and
metric, a page range) goes into ``extra``. Runs are immutable, so an entry never goes stale. Only small results belong here (aggregates, a page of rows), never masks: results
whose arrays add up to more than :data:`MAX_MEMO_BYTES` are computed but not stored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable
from typing import Protocol, TypeVar

import numpy as np
import pandas as pd

from dashboard.filters.key import filter_key
from dashboard.filters.state import FilterState
from dashboard.runs import Run

logger = logging.getLogger(__name__)

MAX_MEMO_BYTES = 2_000_000
DEFAULT_TIMEOUT = 3_600
T = TypeVar("T")


class ResultCache(Protocol):
    """What flask-caching's ``Cache`` offers (and a dict-backed fake can offer in tests)."""

    def get(self, key: str) -> object: ...

    def set(self, key: str, value: object, timeout: int | None = None) -> object: ...


@dataclasses.dataclass(frozen=True)
class _Stored:
    """Wraps a stored value so a cached ``None`` is told apart from a miss (``get`` → ``None``)."""

    value: object


def memo_key(run: Run, name: str, state: FilterState, *extra: object) -> str:
    """``explorer:<run id>:<name>:<filter key digest>:<hash of extra>``: stable across processes."""
    extras = hashlib.blake2b(repr(extra).encode("utf-8"), digest_size=6).hexdigest()
    return f"explorer:{run.run_id}:{name}:{filter_key(state).digest()}:{extras}"


def memoised(
    cache: ResultCache | None,
    run: Run,
    name: str,
    state: FilterState,
    compute: Callable[[], T],
    *extra: object,
    timeout: int = DEFAULT_TIMEOUT,
) -> T:
    """``compute()``, or its cached result for the same (run, name, state, extra).

    ``extra`` must be plain values with a stable ``repr`` (strings, numbers, tuples). With
    ``cache=None`` this is just ``compute()``. A cache that fails is logged and bypassed: the
    answer is still computed.
    """
    if cache is None:
        return compute()
    key = memo_key(run, name, state, *extra)
    try:
        hit = cache.get(key)
    except Exception:
        logger.warning("result cache get failed for %s; computing instead", key, exc_info=True)
        hit = None
    if isinstance(hit, _Stored):
        return hit.value  # type: ignore[return-value]
    value = compute()
    size = approximate_bytes(value)
    if size > MAX_MEMO_BYTES:
        logger.debug("not caching %s: %s bytes is too large for the result cache", key, size)
        return value
    try:
        cache.set(key, _Stored(value), timeout=timeout)
    except Exception:
        logger.warning("result cache set failed for %s", key, exc_info=True)
    return value


def approximate_bytes(value: object) -> int:
    """A cheap estimate of a result's size: its arrays and frames, looked into one level deep."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=False).sum())
    if isinstance(value, pd.Series):
        return int(value.memory_usage(deep=False))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(
            approximate_bytes(getattr(value, field.name)) for field in dataclasses.fields(value)
        )
    if isinstance(value, list | tuple):
        return 64 * len(value) + sum(approximate_bytes(v) for v in value[:1000])
    return 64
