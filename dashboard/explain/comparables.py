"""Comparables: the items most like a given one in feature space, with their prices and scores.

Similarity is Gower's: numeric features contribute their absolute difference over the feature's
range (robust range: 1st to 99th percentile, so one extreme item does not flatten the rest),
categorical and yes/no features contribute 0 when equal and 1 when not; a feature missing on either
side is left out of that pair's average. The arrays are built once per run and kept per process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.runs import Run

DEFAULT_COMPARABLES = 10


@dataclass(frozen=True)
class Comparable:
    item_id: str
    actual: float
    fair_price: float
    score: float
    direction: str
    distance: float

    def as_row(self) -> dict[str, object]:
        return {
            "item_id": self.item_id,
            "actual": self.actual,
            "fair_price": self.fair_price,
            "score": self.score,
            "direction": self.direction,
            "distance": self.distance,
        }


class FeatureSpace:
    """One run's features as arrays ready for distance computations."""

    def __init__(self, run: Run) -> None:
        items = run.items
        features = [c for c in run.info.columns.features if c in items.columns]
        numeric, categorical = [], []
        for name in features:
            column = items[name]
            if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
                categorical.append(
                    pd.Series(column).astype("category").cat.codes.to_numpy(np.int32)
                )
            else:
                values = pd.to_numeric(column, errors="coerce").to_numpy(np.float64)
                low, high = (
                    np.nanpercentile(values, [1, 99]) if np.isfinite(values).any() else (0, 1)
                )
                span = float(high - low) or 1.0
                numeric.append(np.clip((values - low) / span, -0.5, 1.5).astype(np.float32))
        rows = len(items)
        self.numeric = np.vstack(numeric) if numeric else np.empty((0, rows), np.float32)
        # Category code -1 is pandas' "missing".
        self.categorical = np.vstack(categorical) if categorical else np.empty((0, rows), np.int32)
        self.position = {str(item): i for i, item in enumerate(items["item_id"].astype(str))}

    def distances(self, row: int) -> np.ndarray:
        """Gower distance from item ``row`` to every item (NaN where no feature is comparable)."""
        total = np.zeros(self.numeric.shape[1], np.float32)
        counted = np.zeros(self.numeric.shape[1], np.float32)
        for values in self.numeric:
            here = values[row]
            if np.isnan(here):
                continue
            gap = np.abs(values - here)
            known = ~np.isnan(gap)
            total += np.where(known, np.minimum(gap, 1.0), 0.0)
            counted += known
        for codes in self.categorical:
            here = codes[row]
            if here < 0:
                continue
            known = codes >= 0
            total += (codes != here) & known
            counted += known
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counted > 0, total / counted, np.nan)


class SimilarityIndexes:
    """Feature spaces of the last few runs used in this process (runs are immutable)."""

    def __init__(self, runs_kept: int = 2) -> None:
        self._kept = runs_kept
        self._spaces: OrderedDict[str, FeatureSpace] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, run: Run) -> FeatureSpace:
        with self._lock:
            space = self._spaces.get(run.run_id)
            if space is not None:
                self._spaces.move_to_end(run.run_id)
                return space
        space = FeatureSpace(run)
        with self._lock:
            self._spaces[run.run_id] = space
            while len(self._spaces) > self._kept:
                self._spaces.popitem(last=False)
        return space


def comparables(
    run: Run,
    item_id: str,
    *,
    count: int = DEFAULT_COMPARABLES,
    indexes: SimilarityIndexes | None = None,
) -> list[Comparable]:
    """The ``count`` items nearest to ``item_id`` (itself excluded), nearest first; [] if unknown."""
    space = indexes.get(run) if indexes is not None else FeatureSpace(run)
    row = space.position.get(item_id)
    if row is None:
        return []
    distance = space.distances(row)
    distance[row] = np.inf
    distance = np.where(np.isnan(distance), np.inf, distance)
    count = max(0, min(count, len(distance) - 1))
    nearest = np.argpartition(distance, count)[:count] if count else np.array([], np.int64)
    nearest = nearest[np.argsort(distance[nearest], kind="stable")]
    items = run.items
    actual, fair_price, score = (
        items[name].to_numpy(dtype=np.float64) for name in ("actual", "fair_price", "score")
    )
    return [
        Comparable(
            item_id=str(items["item_id"].iat[i]),
            actual=float(actual[i]),
            fair_price=float(fair_price[i]),
            score=float(score[i]),
            direction=str(items["direction"].iat[i]),
            distance=float(distance[i]),
        )
        for i in nearest
        if np.isfinite(distance[i])
    ]
