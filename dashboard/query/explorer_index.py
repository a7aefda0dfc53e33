"""Per-run indexes for the Explorer: built once per run and process, then every query is array work.

A :class:`RunIndex` holds the run's columns as plain numpy arrays (segment values as integer codes,
directions as small codes) so that a filter is a handful of boolean lookups, never string
comparisons. It also keeps small bounded caches of the masks and table orders recent requests
needed: one filter change asks five or six questions of the same mask.
:class:`ExplorerIndexes` owns the indexes of the last few runs; the app holds one instance.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.filters.clean import segment_label
from dashboard.filters.state import DIRECTIONS, MISSING
from dashboard.query.overview import score_clip
from dashboard.runs import Run

logger = logging.getLogger(__name__)

NAME_COLUMNS = ("name", "description", "title")
_MASKS_KEPT = 24
_ORDERS_KEPT = 6
_SEARCHES_KEPT = 8
T = TypeVar("T")


class DecisionSource(Protocol):
    """Where the Explorer's decision filter reads review decisions (the review store offers one):
    per dataset, a version that changes with every decision saved in it, and each decided item's
    action."""

    def version(self, dataset: str) -> int: ...

    def actions(self, dataset: str) -> Mapping[str, str]: ...


class BoundedCache:
    """A small thread-safe LRU of computed values (masks, orders) for one run."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[return-value]
        value = make()  # computed outside the lock: two racing requests both compute, both correct
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


@dataclass(frozen=True)
class SegmentCodes:
    """One segment column as codes: ``labels[codes[i]]`` is row ``i``'s label."""

    labels: tuple[str, ...]
    codes: np.ndarray
    positions: dict[str, int]

    def lookup(self, allowed: tuple[str, ...]) -> np.ndarray:
        """A boolean table over codes: ``lookup(values)[codes]`` is the row mask."""
        table = np.zeros(len(self.labels), dtype=bool)
        for label in allowed:
            position = self.positions.get(label)
            if position is not None:
                table[position] = True
        return table


class RunIndex:
    """The arrays every Explorer query reads, and the caches of recent results for one run."""

    def __init__(self, run: Run, decisions: DecisionSource | None = None) -> None:
        started = time.perf_counter()
        # Where review decisions come from (the database, through the review store); the index
        # caches their alignment per decisions version (see explorer_decisions).
        self.decision_source = decisions
        items = run.items
        self.run_id = run.run_id
        # Decisions are keyed per dataset: the run's own dataset's are the ones that apply.
        self.dataset = run.info.dataset
        self.rows = len(items)
        self.actual = _floats(items["actual"])
        self.fair_price = _floats(items["fair_price"])
        self.lower = _floats(items["lower"])
        self.upper = _floats(items["upper"])
        self.score = _floats(items["score"])
        self.at_stake = _floats(items["at_stake"])
        self.flagged = _frozen(items["flagged"].fillna(False).to_numpy(dtype=bool))
        self.direction = _direction_codes(items["direction"])
        # Flagged and outside-the-interval items are a few percent of a run: aggregates over them
        # walk these short position lists instead of the whole mask.
        self.flagged_rows = _frozen(np.flatnonzero(self.flagged))
        self.outside_rows = _frozen(np.flatnonzero(self.score > 0))
        self.segments = {
            name: segment_codes(items[name])
            for name in run.info.columns.segments
            if name in items.columns
        }
        self.item_ids = pa.array(items["item_id"].astype("str"), from_pandas=True)
        self.item_ids_lower = pc.utf8_lower(self.item_ids)
        self.name_column = next((c for c in NAME_COLUMNS if c in items.columns), None)
        self.names = None if self.name_column is None else _searchable(items[self.name_column])
        self.threshold = float(run.model_card.get("flag_threshold", 1.0))
        self.score_clip = _score_clip(self.score, self.threshold)
        self.masks = BoundedCache(_MASKS_KEPT)
        self.orders = BoundedCache(_ORDERS_KEPT)
        self.searches = BoundedCache(_SEARCHES_KEPT)
        logger.info(
            "explorer index for run %s (%s items) built in %.0f ms",
            self.run_id,
            f"{self.rows:,}",
            1000 * (time.perf_counter() - started),
        )

    def item_id_positions(self) -> pd.Index:
        """Item id → row position, built on first use (decision lookups need it)."""
        return self.orders.get_or_make(
            ("item_id_positions",), lambda: pd.Index(self.item_ids.to_pandas(), dtype=object)
        )

    def categories(self) -> dict[str, tuple[str, ...]]:
        return {name: codes.labels for name, codes in self.segments.items()}

    def search_mask(self, text: str) -> np.ndarray:
        """Rows whose item id or name contains ``text``, ignoring case (cached per text)."""
        return self.searches.get_or_make(text, lambda: self._search(text))

    def _search(self, text: str) -> np.ndarray:
        needle = text.lower()
        found = _substring(self.item_ids_lower, needle)
        if isinstance(self.names, SegmentCodes):
            found |= _substring(pa.array(self.names.labels), needle)[self.names.codes]
        elif self.names is not None:
            found |= _substring(self.names, needle)
        found.flags.writeable = False
        return found


class ExplorerIndexes:
    """The indexes of the last few runs used in this process, keyed by run id.

    Runs are immutable, so an index never goes stale; it is only dropped when older runs crowd it
    out. One instance belongs to the app's services and is handed to every query.
    """

    def __init__(self, runs_kept: int = 3, decisions: DecisionSource | None = None) -> None:
        self._runs_kept = runs_kept
        self.decisions = decisions
        self._indexes: OrderedDict[str, RunIndex] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, run: Run) -> RunIndex:
        with self._lock:
            index = self._indexes.get(run.run_id)
            if index is not None:
                self._indexes.move_to_end(run.run_id)
                return index
        index = RunIndex(run, self.decisions)
        with self._lock:
            self._indexes[run.run_id] = index
            while len(self._indexes) > self._runs_kept:
                self._indexes.popitem(last=False)
        return index


def index_of(run: Run, indexes: ExplorerIndexes | None) -> RunIndex:
    """The shared index when the caller has one; otherwise one built for this call alone."""
    return indexes.get(run) if indexes is not None else RunIndex(run)


def segment_codes(column: pd.Series) -> SegmentCodes:
    """Codes and labels for one segment column; missing values get the label ``(missing)``, last."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        raw_codes = column.cat.codes.to_numpy().astype(np.int64)
        values = list(column.cat.categories)
    else:
        present = column.dropna()
        if pd.api.types.is_bool_dtype(column):
            uniques = np.array([False, True])
        else:
            uniques = pd.unique(present.to_numpy())
            uniques = np.sort(uniques) if _sortable(uniques) else uniques
        raw_codes = pd.Index(uniques).get_indexer(column.to_numpy(dtype=object)).astype(np.int64)
        values = list(uniques)
    # Values no row has (left-over categories) are not offered: choosing one would show nothing.
    used = np.bincount(raw_codes[raw_codes >= 0], minlength=len(values)) > 0
    remap = np.full(len(values) + 1, -1, dtype=np.int64)
    remap[: len(values)][used] = np.arange(int(used.sum()))
    labels = [segment_label(v) for v, keep in zip(values, used, strict=True) if keep]
    codes = remap[raw_codes]  # -1 (missing) maps through remap[-1] == -1
    if (codes < 0).any():
        codes[codes < 0] = len(labels)
        labels.append(MISSING)
    dtype = np.int16 if len(labels) < 2**15 else np.int32
    frozen = codes.astype(dtype)
    frozen.flags.writeable = False
    return SegmentCodes(tuple(labels), frozen, {label: i for i, label in enumerate(labels)})


def _sortable(values: np.ndarray) -> bool:
    try:
        np.sort(values)
    except TypeError:
        return False
    return True


def _frozen(values: np.ndarray) -> np.ndarray:
    values.flags.writeable = False
    return values


def _floats(column: pd.Series) -> np.ndarray:
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    values.flags.writeable = False
    return values


def _direction_codes(column: pd.Series) -> np.ndarray:
    text = column.astype("str").to_numpy(dtype=object)
    codes = np.full(len(text), DIRECTIONS.index("ok"), dtype=np.int8)
    for code, name in enumerate(DIRECTIONS):
        codes[text == name] = code
    codes.flags.writeable = False
    return codes


def _searchable(column: pd.Series) -> SegmentCodes | pa.Array:
    """Lowercased text to search; a categorical column is searched once per distinct value."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = segment_codes(column)
        lowered = tuple("" if label == MISSING else label.lower() for label in codes.labels)
        return SegmentCodes(lowered, codes.codes, {})
    return pc.utf8_lower(pa.array(column.astype("str"), from_pandas=True))


def _substring(haystack: pa.Array, needle: str) -> np.ndarray:
    matched = pc.match_substring(haystack, needle)
    return pc.fill_null(matched, False).to_numpy(zero_copy_only=False).astype(bool)


def _score_clip(score: np.ndarray, threshold: float) -> float:
    """The score histogram's range: the Overview's rule, fixed per run so the axis does not jump
    while the analyst filters."""
    return score_clip(score, threshold)
