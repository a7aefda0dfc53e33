"""What the Decisions page shows and exports: every current decision, and the totals over them.

Money figures use the current run where the item is in it (today's price, today's money at stake)
and the snapshot taken when the decision was saved otherwise. A repricing's expected effect is
``(new price − current price) × volume``: the change in revenue at today's volume, the number a
stakeholder weighs against the money at stake the flag named. Only approved repricings count in
that headline; the ones still pending approval are totalled apart, and rejected ones not at all.

Decisions belong to a dataset, not to a run, so some were made on other runs of it (another scope,
an older version); they are counted against the run on screen like the others, and said to be from
elsewhere so a low coverage reads right.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.reviews.actions import (
    ACTION_LABELS,
    ACTIONS,
    APPROVED,
    PROPOSED,
    REASON_CODES,
    REPRICE,
    STATUS_LABELS,
)
from dashboard.reviews.model import Decision
from dashboard.runs import Run

#: The export's columns, in order (also the Decisions table's fields).
COLUMNS = (
    "item_id",
    "decision",
    "new_price",
    "status",
    "extreme",
    "reviewed_by",
    "reviewed_at",
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
    "in_run",
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
    approved: int
    approved_effect: float
    pending: int
    pending_effect: float
    rejected: int
    extreme: int
    # Decisions made on runs other than the one on screen, and how many of their items it lacks.
    other_runs: int
    not_in_run: int

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
    frame["in_run"] = False
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
        "status": STATUS_LABELS.get(decision.status or "", ""),
        "extreme": decision.extreme,
        "reviewed_by": decision.reviewed_by or "",
        "reviewed_at": decision.reviewed_at.strftime("%Y-%m-%d %H:%M UTC")
        if decision.reviewed_at
        else "",
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
        "in_run": False,
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
    frame["in_run"] = found


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
    approved = repricings[repricings["status"].eq(STATUS_LABELS[APPROVED])]
    pending = repricings[repricings["status"].eq(STATUS_LABELS[PROPOSED])]
    elsewhere = (
        frame[frame["decided_in_run"].ne(run.run_id)] if run is not None and len(frame) else frame
    )
    return DecisionsSummary(
        decided=len(frame),
        by_action=by_action,
        by_user=by_user,
        flagged_now=int(flagged_now),
        flagged_decided=len(covered),
        at_stake_flagged=at_stake_flagged,
        at_stake_covered=float(np.nansum(covered["at_stake"])) if len(covered) else 0.0,
        repricings=len(repricings),
        approved=len(approved),
        approved_effect=_total(approved["expected_effect"]),
        pending=len(pending),
        pending_effect=_total(pending["expected_effect"]),
        rejected=len(repricings) - len(approved) - len(pending),
        extreme=int(repricings["extreme"].sum()) if len(repricings) else 0,
        other_runs=len(elsewhere) if run is not None else 0,
        not_in_run=int((~elsewhere["in_run"].astype(bool)).sum()) if run is not None else 0,
    )


def _total(values: pd.Series) -> float:
    return float(np.nansum(values.to_numpy(dtype=np.float64))) if len(values) else 0.0


def _counts(column: pd.Series) -> dict[str, int]:
    """How often each value occurs, most frequent first."""
    return {str(value): int(count) for value, count in column.value_counts().items()}
