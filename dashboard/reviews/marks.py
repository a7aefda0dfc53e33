"""Persistent and new flags: how many consecutive runs, up to this one, flagged each item.

An item flagged in this run and the run before is **persistent** (its streak says for how many runs);
an item flagged now but not in the run before is **new**. "The run before" is the previous run of
the same dataset (any scope, as a recompute's runs always were): a refreshed version of a dataset
is compared with that dataset's last run, never with another dataset's, whose items merely share
ids. A dataset's first run has no marks: nothing is new when there is nothing to compare with. Runs are immutable, so a run's streaks never change once
computed; :class:`FlagHistory` keeps them per run id.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.runs import Run, RunStore

logger = logging.getLogger(__name__)

#: How far back a streak is counted: "flagged in 6+ runs" says all there is to say.
MAX_RUNS_BACK = 6
PERSISTENT = "persistent"
NEW = "new"


@dataclass(frozen=True)
class FlagMarks:
    """Aligned to the run's rows: ``streaks[i]`` consecutive flagged runs ending with this one.

    ``by_item`` holds the streaks of the flagged items only (a few percent of a run), for looking
    up the rows of one table page.
    """

    streaks: np.ndarray
    has_previous: bool
    by_item: dict[str, int]

    def mark_of(self, item_id: str) -> str | None:
        if not self.has_previous:
            return None
        streak = self.by_item.get(item_id, 0)
        return PERSISTENT if streak >= 2 else NEW if streak == 1 else None

    def label_of(self, item_id: str) -> str:
        """``"persistent (3 runs)"``, ``"new"`` or ``""``: what the table and the detail show."""
        mark = self.mark_of(item_id)
        if mark == PERSISTENT:
            return f"persistent ({self.by_item[item_id]} runs)"
        return mark or ""

    def marks(self) -> np.ndarray:
        """Per row: ``"persistent"``, ``"new"`` or ``""``."""
        out = np.full(len(self.streaks), "", dtype=object)
        if self.has_previous:
            out[self.streaks == 1] = NEW
            out[self.streaks >= 2] = PERSISTENT
        return out


class FlagHistory:
    def __init__(self, runs: RunStore, kept: int = 4) -> None:
        self.runs = runs
        self._kept = kept
        self._marks: OrderedDict[str, FlagMarks] = OrderedDict()
        self._lock = threading.Lock()

    def marks(self, run: Run) -> FlagMarks:
        with self._lock:
            found = self._marks.get(run.run_id)
        if found is None:
            found = flag_marks(self.runs, run)
            with self._lock:
                self._marks[run.run_id] = found
                while len(self._marks) > self._kept:
                    self._marks.popitem(last=False)
        return found


def flag_marks(runs: RunStore, run: Run) -> FlagMarks:
    flagged_now = run.items["flagged"].fillna(False).to_numpy(dtype=bool)
    streaks = flagged_now.astype(np.int16)
    same_dataset = runs.list_runs(dataset=run.info.dataset)
    earlier = [info.run_id for info in same_dataset if info.run_id < run.run_id]
    earlier = earlier[: MAX_RUNS_BACK - 1]  # newest first
    ids = pd.Index(run.items["item_id"].astype("str").to_numpy(dtype=object))
    still = flagged_now.copy()  # items whose streak is unbroken so far
    for run_id in earlier:
        flagged_then = _flagged_ids(runs, run_id)
        still &= ids.isin(flagged_then)
        if not still.any():
            break
        streaks[still] += 1
    flagged_ids = ids[flagged_now]
    by_item = dict(zip(flagged_ids, streaks[flagged_now].tolist(), strict=True))
    return FlagMarks(streaks, has_previous=bool(earlier), by_item=by_item)


def _flagged_ids(runs: RunStore, run_id: str) -> pd.Index:
    try:
        items = runs.item_columns(run_id, ["item_id", "flagged"])
    except (OSError, ValueError, KeyError):
        logger.warning(
            "run %s cannot be read for flag history; treated as flagging nothing", run_id
        )
        return pd.Index([], dtype=object)
    flagged = items.loc[items["flagged"].fillna(False).astype(bool), "item_id"]
    return pd.Index(flagged.astype("str").to_numpy(dtype=object))
