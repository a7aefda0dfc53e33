"""Review marks for rows the Explorer shows: the current decision, its version, the flag history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashboard.reviews.read_only import current_decisions
from dashboard.reviews.service import Reviewing
from dashboard.runs import Run

#: The fields added to each table row (the grid's columns and the review form read them).
DECISION_FIELD = "review"
VERSION_FIELD = "review_version"
MARK_FIELD = "flag_history"
#: The decision column's text while the database cannot be reached.
UNAVAILABLE_LABEL = "unavailable"


def annotate_rows(
    rows: Sequence[dict[str, Any]], run: Run, reviewing: Reviewing
) -> list[dict[str, Any]]:
    """``rows`` with the decision label (``""`` if none, :data:`UNAVAILABLE_LABEL` while the
    database cannot be reached), its version (0 if none) and the mark."""
    ids = [str(row.get("item_id")) for row in rows]
    found = current_decisions(reviewing.decisions, reviewing.health, run.info.dataset, ids)
    current = found or {}
    marks = reviewing.flags.marks(run)
    annotated = []
    for item_id, row in zip(ids, rows, strict=True):
        decision = current.get(item_id)
        label = decision.label if decision else ("" if found is not None else UNAVAILABLE_LABEL)
        annotated.append(
            {
                **row,
                DECISION_FIELD: label,
                VERSION_FIELD: decision.version if decision else 0,
                MARK_FIELD: marks.label_of(item_id),
            }
        )
    return annotated
