"""Review decisions as values: what is asked to be saved, what is stored, what a save answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dashboard.errors import InputError
from dashboard.reviews.actions import (
    ACTION_LABELS,
    ACTIONS,
    EXTREME_LABEL,
    MAX_NOTE_CHARS,
    PROPOSED,
    REASON_CODES,
    REPRICE,
    STATUS_LABELS,
)
from dashboard.reviews.guardrails import parse_price

MAX_ITEMS_PER_SAVE = 500


@dataclass(frozen=True)
class DecisionInput:
    """A validated decision, before it is attached to items: made only by :func:`parse_decision`."""

    action: str
    reason_code: str
    note: str = ""
    new_price: float | None = None
    # The analyst ticked "confirm this price": an extreme new price is saved only with it.
    confirmed: bool = False


@dataclass(frozen=True)
class ItemSnapshot:
    """The item as the analyst saw it in the run they decided on."""

    item_id: str
    actual: float | None = None
    fair_price: float | None = None
    at_stake: float | None = None
    volume: float | None = None
    direction: str | None = None


@dataclass(frozen=True)
class Decision:
    dataset: str
    item_id: str
    version: int
    action: str
    reason_code: str
    note: str
    new_price: float | None
    run_id: str
    decided_by: str
    decided_at: datetime
    actual: float | None = None
    fair_price: float | None = None
    at_stake: float | None = None
    volume: float | None = None
    direction: str | None = None
    # A reprice's approval: ``proposed`` until someone else approves or rejects it (None otherwise).
    status: str | None = None
    extreme: bool = False
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_note: str = ""

    @property
    def label(self) -> str:
        if self.action == REPRICE and self.new_price is not None:
            return f"Reprice to {self.new_price:,.2f}"
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def status_text(self) -> str:
        """ "Pending approval", "Approved by bob", "Rejected by bob", plus "extreme, confirmed"."""
        if self.status is None:
            return EXTREME_LABEL if self.extreme else ""
        text = STATUS_LABELS.get(self.status, self.status)
        if self.status != PROPOSED and self.reviewed_by:
            text = f"{text} by {self.reviewed_by}"
        return f"{text} · {EXTREME_LABEL}" if self.extreme else text


@dataclass(frozen=True)
class HistoryEntry:
    """One change in the audit history: the item's ``version``-th decision."""

    id: int
    dataset: str
    item_id: str
    version: int
    action: str
    reason_code: str
    note: str
    new_price: float | None
    run_id: str
    decided_by: str
    decided_at: datetime
    previous_action: str | None
    status: str | None = None
    extreme: bool = False


@dataclass(frozen=True)
class Conflict:
    """A save that started from ``expected_version`` while the item had moved on to ``current``."""

    item_id: str
    expected_version: int
    current: Decision | None

    @property
    def message(self) -> str:
        if self.current is None:
            return f"{self.item_id}: its decision was removed meanwhile; nothing was saved."
        return (
            f"{self.item_id}: {self.current.decided_by} saved “{self.current.label}” meanwhile "
            f"(version {self.current.version}); yours was not saved. Review it again."
        )


@dataclass(frozen=True)
class SaveResult:
    saved: tuple[Decision, ...]
    conflicts: tuple[Conflict, ...]


def utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every time stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_note(note: object) -> str:
    """A decision's or a verdict's note as a client sends it: text, trimmed, not too long."""
    if note is None:
        return ""
    if not isinstance(note, str):
        raise InputError("The note must be text.")
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise InputError(f"The note is {len(note):,} characters; at most {MAX_NOTE_CHARS:,}.")
    return note


def targets_of_rows(rows: object, version_field: str) -> object:
    """``{item_id: version}`` from a grid's selected rows, for :func:`parse_targets` (which
    refuses anything malformed; at most 1,000 rows are read)."""
    if not isinstance(rows, list):
        return rows
    targets: dict[object, object] = {}
    for row in rows[:1_000]:
        if not isinstance(row, dict):
            return None
        targets[row.get("item_id")] = row.get(version_field, 0)
    return targets


def parse_decision(
    action: object,
    reason_code: object,
    note: object = "",
    new_price: object = None,
    confirmed: object = False,
) -> DecisionInput:
    """Validates one decision as the page (or any client) sends it; raises :class:`InputError`.

    Whether a new price is extreme depends on the item, so :func:`save_review` checks that."""
    if action not in ACTIONS:
        choices = ", ".join(ACTIONS)
        raise InputError(f"Choose a decision ({choices}); {action!r} is not one.")
    if reason_code not in REASON_CODES:
        raise InputError("Choose a reason for the decision from the list.")
    note = parse_note(note)
    price = parse_price(new_price) if action == REPRICE else None
    if confirmed is None:
        confirmed = False
    if not isinstance(confirmed, bool):
        raise InputError("The confirmation of an extreme price could not be read.")
    return DecisionInput(str(action), str(reason_code), note, price, confirmed)


def parse_targets(raw: object) -> dict[str, int]:
    """``{item_id: version the analyst saw}`` from a client; 0 means "no decision yet"."""
    if not isinstance(raw, dict) or not raw:
        raise InputError("Select at least one item to review.")
    if len(raw) > MAX_ITEMS_PER_SAVE:
        raise InputError(f"Review at most {MAX_ITEMS_PER_SAVE} items at once.")
    targets: dict[str, int] = {}
    for item_id, version in raw.items():
        if not isinstance(item_id, str) or not item_id or len(item_id) > 200:
            raise InputError("An item id in the selection could not be read.")
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            raise InputError(f"The version of {item_id} could not be read.")
        targets[item_id] = version
    return targets
