"""What the Decisions page shows and exports: every current decision, and the totals over them.

Money figures use the current run where the item is in it (today's price, today's money at stake)
and the snapshot taken when the decision was saved otherwise. A repricing's expected effect is
``(new price − current price) × volume``: the change in revenue at the same volume, the number a
stakeholder weighs against the money at stake the flag named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.reviews.actions import ACTION_LABELS, ACTIONS, REASON_CODES, REPRICE
from dashboard.reviews.model import Decision
from dashboard.runs import Run

#: The export's columns, in order (also the Decisions table's fields).
COLUMNS = (
    "item_id",
    "decision",
    "new_price",
    "reason",
    "note",
    "decided_by",
    "decided_at",
    "decided_in_run",
    "version",
    "price",
    "fair_price",
    "at_stake",
    "volume",
    "expected_effect",
    "flagged_now",
)


@dataclass(frozen=True)
class DecisionsSummary:
    decided: int
    by_action: dict[str, int]
    by_user: dict[str, int]
    flagged_now: int
    flagged_decided: int
    at_stake_flagged: float
    at_stake_covered: float
    repricings: int
    repricing_effect: float

    @property
    def share_covered(self) -> float | None:
        return self.at_stake_covered / self.at_stake_flagged if self.at_stake_flagged else None


def decisions_frame(decisions: Iterable[Decision], run: Run | None) -> pd.DataFrame:
    """One row per decided item, newest decision first, with the current run's numbers joined."""
    rows = [_row(d) for d in decisions]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    if frame.empty:
        return frame
    frame["flagged_now"] = False
    if run is not None:
        _join_run(frame, run)
    effect = (frame["new_price"] - frame["price"]) * frame["volume"]
    frame["expected_effect"] = effect.where(frame["decision"].eq(ACTION_LABELS[REPRICE]))
    return frame.sort_values("decided_at", ascending=False, kind="stable").reset_index(drop=True)


def _row(decision: Decision) -> dict[str, object]:
    return {
        "item_id": decision.item_id,
        "decision": ACTION_LABELS.get(decision.action, decision.action),
        "new_price": decision.new_price if decision.action == REPRICE else np.nan,
        "reason": REASON_CODES.get(decision.reason_code, decision.reason_code),
        "note": decision.note,
        "decided_by": decision.decided_by,
        "decided_at": decision.decided_at.strftime("%Y-%m-%d %H:%M UTC"),
        "decided_in_run": decision.run_id,
        "version": decision.version,
        "price": np.nan if decision.actual is None else decision.actual,
        "fair_price": np.nan if decision.fair_price is None else decision.fair_price,
        "at_stake": np.nan if decision.at_stake is None else decision.at_stake,
        "volume": np.nan if decision.volume is None else decision.volume,
        "expected_effect": np.nan,
        "flagged_now": False,
    }


def _join_run(frame: pd.DataFrame, run: Run) -> None:
    items = run.items
    positions = pd.Index(items["item_id"].astype("str").to_numpy(dtype=object)).get_indexer(
        frame["item_id"].astype("str").to_numpy(dtype=object)
    )
    found = positions >= 0
    take = positions[found]
    for column, source in (
        ("price", "actual"),
        ("fair_price", "fair_price"),
        ("at_stake", "at_stake"),
    ):
        values = frame[column].to_numpy(dtype=np.float64, copy=True)
        values[found] = items[source].to_numpy(dtype=np.float64, na_value=np.nan)[take]
        frame[column] = values
    if "volume" in items.columns:
        volume = frame["volume"].to_numpy(dtype=np.float64, copy=True)
        volume[found] = items["volume"].to_numpy(dtype=np.float64, na_value=np.nan)[take]
        frame["volume"] = volume
    flagged = np.zeros(len(frame), dtype=bool)
    flagged[found] = items["flagged"].fillna(False).to_numpy(dtype=bool)[take]
    frame["flagged_now"] = flagged


def summarise(frame: pd.DataFrame, run: Run | None) -> DecisionsSummary:
    by_action = {label: 0 for label in (ACTION_LABELS[a] for a in ACTIONS)}
    by_user: dict[str, int] = {}
    if not frame.empty:
        by_action.update(_counts(frame["decision"]))
        by_user = _counts(frame["decided_by"])
    flagged_now = at_stake_flagged = 0.0
    if run is not None:
        flags = run.items["flagged"].fillna(False).to_numpy(dtype=bool)
        flagged_now = float(flags.sum())
        at_stake_flagged = float(np.nansum(run.items["at_stake"].to_numpy(dtype=np.float64)[flags]))
    covered = frame[frame["flagged_now"]] if not frame.empty else frame
    repricings = frame[frame["decision"].eq(ACTION_LABELS[REPRICE])] if not frame.empty else frame
    return DecisionsSummary(
        decided=len(frame),
        by_action=by_action,
        by_user=by_user,
        flagged_now=int(flagged_now),
        flagged_decided=len(covered),
        at_stake_flagged=at_stake_flagged,
        at_stake_covered=float(np.nansum(covered["at_stake"])) if len(covered) else 0.0,
        repricings=len(repricings),
        repricing_effect=float(np.nansum(repricings["expected_effect"]))
        if len(repricings)
        else 0.0,
    )


def _counts(column: pd.Series) -> dict[str, int]:
    """How often each value occurs, most frequent first."""
    return {str(value): int(count) for value, count in column.value_counts().items()}
