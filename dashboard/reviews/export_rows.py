"""The Explorer's export rows with each item's review: what was decided and how far it got."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from dashboard.reviews.actions import ACTION_LABELS, STATUS_LABELS
from dashboard.reviews.model import Decision


def with_decisions(rows: pd.DataFrame, decisions: Mapping[str, Decision]) -> pd.DataFrame:
    """``rows`` with each item's current decision: its kind ("Reprice", "Accepted as is"…, empty
    while unreviewed), for a reprice the new price and its approval ("Pending approval",
    "Approved", "Rejected")."""
    ids = rows["item_id"].astype(str)
    current = [decisions.get(item_id) for item_id in ids]
    decided = rows.copy()
    decided["decision"] = [
        ACTION_LABELS.get(d.action, d.action) if d is not None else "" for d in current
    ]
    decided["new_price"] = pd.array(
        [d.new_price if d is not None else None for d in current], dtype="Float64"
    )
    decided["approval"] = [
        STATUS_LABELS.get(d.status, "") if d is not None and d.status else "" for d in current
    ]
    return decided
