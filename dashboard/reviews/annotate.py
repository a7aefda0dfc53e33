"""Review marks for rows the Explorer shows: the current decision, its version, the flag history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashboard.reviews.service import Reviewing
from dashboard.runs import Run

#: The fields added to each table row (the grid's columns and the review form read them).
DECISION_FIELD = "review"
VERSION_FIELD = "review_version"
MARK_FIELD = "flag_history"


def annotate_rows(
    rows: Sequence[dict[str, Any]], run: Run, reviewing: Reviewing
) -> list[dict[str, Any]]:
    """``rows`` with the decision label (``""`` if none), its version (0 if none) and the mark."""
    ids = [str(row.get("item_id")) for row in rows]
    current = reviewing.decisions.decisions(run.info.dataset, ids)
    marks = reviewing.flags.marks(run)
    annotated = []
    for item_id, row in zip(ids, rows, strict=True):
        decision = current.get(item_id)
        annotated.append(
            {
                **row,
                DECISION_FIELD: decision.label if decision else "",
                VERSION_FIELD: decision.version if decision else 0,
                MARK_FIELD: marks.label_of(item_id),
            }
        )
    return annotated
