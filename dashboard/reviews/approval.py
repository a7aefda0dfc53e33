"""Who may approve or reject a proposed reprice: somebody other than its author, or an admin.

Four eyes on every price change: the analyst who proposed a reprice cannot approve it; another
analyst can, and so can an admin (who may also approve their own, as the person answerable for the
tool). A verdict is given once: an approved or rejected reprice is changed by a new decision, which
starts its own approval.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.errors import InputError
from dashboard.reviews.actions import APPROVED, PROPOSED, REPRICE, STATUS_LABELS, VERDICTS
from dashboard.reviews.model import Conflict, Decision, parse_note


@dataclass(frozen=True)
class VerdictResult:
    done: tuple[Decision, ...]
    refused: tuple[str, ...]
    conflicts: tuple[Conflict, ...]


def parse_verdict(verdict: object, note: object) -> tuple[str, str]:
    """``(approved | rejected, note)`` as a client sends them; :class:`InputError` otherwise."""
    if verdict not in VERDICTS:
        raise InputError("Choose Approve or Reject.")
    return str(verdict), parse_note(note)


def verdict_refusal(decision: Decision, verdict: str, user: str, *, is_admin: bool) -> str | None:
    """Why ``user`` may not give ``verdict`` on ``decision`` (one sentence), or ``None``."""
    if decision.action != REPRICE:
        return f"{decision.item_id}: only a reprice needs approval; it is “{decision.label}”."
    if decision.status != PROPOSED:
        done = STATUS_LABELS.get(decision.status or "", decision.status or "decided").lower()
        by = f" by {decision.reviewed_by}" if decision.reviewed_by else ""
        return f"{decision.item_id}: its reprice was already {done}{by}."
    if decision.decided_by == user and not is_admin:
        word = "approve" if verdict == APPROVED else "reject"
        return (
            f"{decision.item_id}: you proposed this reprice, so you cannot {word} it; another "
            "analyst or an admin must."
        )
    return None
