"""Saving and reading review decisions, with optimistic concurrency and a complete audit history.

Decisions belong to a dataset (``RunInfo.dataset`` of the run they were made on): every call names
it, and an item id means an item of that dataset only, so one dataset's decisions never show on
another's runs while they carry over between the runs (and versions) of the same dataset.

Each item's save is its own transaction: read the item's current version, refuse if it is not the
version the analyst started from (a :class:`Conflict` carrying the current decision), else write
the decision with the next version and append the change to ``decision_history``. On SQLite the
transaction is immediate (writers take turns); on PostgreSQL the conditional ``UPDATE … WHERE
version = :seen`` and the primary key on new items make the loser of a race see a conflict. Either
way no save is lost and none overwrites another silently.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from dashboard.db import Database, decision_history, decisions, utc_now
from dashboard.reviews.actions import PROPOSED, REPRICE
from dashboard.reviews.approval import VerdictResult, verdict_refusal
from dashboard.reviews.model import (
    Conflict,
    Decision,
    DecisionInput,
    HistoryEntry,
    ItemSnapshot,
    SaveResult,
    utc,
)

logger = logging.getLogger(__name__)


class _StaleVersionError(Exception):
    """Raised inside a save's transaction to roll it back: the item moved on."""


class ReviewStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    # -- writing -------------------------------------------------------------------------------
    def save(
        self,
        targets: Mapping[str, int],
        decision: DecisionInput,
        *,
        dataset: str,
        user: str,
        run_id: str,
        snapshots: Mapping[str, ItemSnapshot] | None = None,
        extreme: Collection[str] = (),
    ) -> SaveResult:
        """Saves ``decision`` for each ``{item_id: version seen}`` of ``dataset``; each item succeeds
        or conflicts. A reprice is saved *proposed*; ``extreme`` names the items whose new price is
        beyond the guardrails (confirmed by the caller)."""
        saved: list[Decision] = []
        conflicts: list[Conflict] = []
        for item_id, seen in targets.items():
            snapshot = (snapshots or {}).get(item_id) or ItemSnapshot(item_id)
            marked = item_id in extreme
            try:
                saved.append(
                    self._save_one(dataset, item_id, seen, decision, user, run_id, snapshot, marked)
                )
            except (_StaleVersionError, IntegrityError):
                conflicts.append(Conflict(item_id, seen, self.decision(dataset, item_id)))
        if saved:
            logger.info(
                "%s decided %s for %d item(s) of dataset %s in run %s (%d conflict(s))",
                user,
                decision.action,
                len(saved),
                dataset,
                run_id,
                len(conflicts),
            )
        return SaveResult(tuple(saved), tuple(conflicts))

    def _save_one(
        self,
        dataset: str,
        item_id: str,
        seen: int,
        decision: DecisionInput,
        user: str,
        run_id: str,
        snapshot: ItemSnapshot,
        extreme: bool,
    ) -> Decision:
        now = utc_now()
        values: dict[str, Any] = {
            "status": PROPOSED if decision.action == REPRICE else None,
            "extreme": extreme,
            "dataset": dataset,
            "action": decision.action,
            "new_price": decision.new_price,
            "reason_code": decision.reason_code,
            "note": decision.note,
            "run_id": run_id,
            "decided_by": user,
            "decided_at": now,
        }
        with self.database.write() as connection:
            current = _current_row(connection, dataset, item_id)
            current_version = int(current["version"]) if current else 0
            if current_version != seen:
                raise _StaleVersionError
            version = seen + 1
            stored = {
                **values,
                "actual": snapshot.actual,
                "fair_price": snapshot.fair_price,
                "at_stake": snapshot.at_stake,
                "volume": snapshot.volume,
                "direction": snapshot.direction,
                # A new decision starts its own approval: an earlier verdict was on another one.
                "reviewed_by": None,
                "reviewed_at": None,
                "review_note": None,
            }
            if current is None:
                connection.execute(
                    insert(decisions).values(item_id=item_id, version=version, **stored)
                )
            else:
                changed = connection.execute(
                    update(decisions)
                    .where(
                        decisions.c.dataset == dataset,
                        decisions.c.item_id == item_id,
                        decisions.c.version == seen,
                    )
                    .values(version=version, **stored)
                ).rowcount
                if changed != 1:
                    raise _StaleVersionError
            connection.execute(
                insert(decision_history).values(
                    item_id=item_id,
                    version=version,
                    previous_action=current["action"] if current else None,
                    **values,
                )
            )
        return Decision(item_id=item_id, version=version, **{**stored, "review_note": ""})

    def give_verdict(
        self,
        targets: Mapping[str, int],
        verdict: str,
        *,
        dataset: str,
        user: str,
        is_admin: bool,
        note: str = "",
    ) -> VerdictResult:
        """Approves or rejects the proposed reprices ``{item_id: version seen}``: each is done,
        refused (with a sentence: see :func:`verdict_refusal`) or a conflict. Every verdict is a new
        version of the decision and a step in the audit history."""
        done: list[Decision] = []
        refused: list[str] = []
        conflicts: list[Conflict] = []
        for item_id, seen in targets.items():
            try:
                with self.database.write() as connection:
                    row = _current_row(connection, dataset, item_id)
                    current = _decision(row) if row else None
                    if current is None or current.version != seen:
                        raise _StaleVersionError
                    refusal = verdict_refusal(current, verdict, user, is_admin=is_admin)
                    if refusal:
                        refused.append(refusal)
                        continue
                    done.append(self._verdict(connection, current, verdict, user, note))
            except _StaleVersionError:
                conflicts.append(Conflict(item_id, seen, self.decision(dataset, item_id)))
        if done:
            logger.info("%s %s %d reprice(s) of dataset %s", user, verdict, len(done), dataset)
        return VerdictResult(tuple(done), tuple(refused), tuple(conflicts))

    def _verdict(
        self, connection: Connection, current: Decision, verdict: str, user: str, note: str
    ) -> Decision:
        now = utc_now()
        version = current.version + 1
        changed = connection.execute(
            update(decisions)
            .where(
                decisions.c.dataset == current.dataset,
                decisions.c.item_id == current.item_id,
                decisions.c.version == current.version,
            )
            .values(
                version=version,
                status=verdict,
                reviewed_by=user,
                reviewed_at=now,
                review_note=note,
            )
        ).rowcount
        if changed != 1:
            raise _StaleVersionError
        connection.execute(
            insert(decision_history).values(
                dataset=current.dataset,
                item_id=current.item_id,
                version=version,
                action=current.action,
                new_price=current.new_price,
                reason_code=current.reason_code,
                note=note,
                run_id=current.run_id,
                decided_by=user,
                decided_at=now,
                previous_action=current.action,
                status=verdict,
                extreme=current.extreme,
            )
        )
        return replace(
            current,
            version=version,
            status=verdict,
            reviewed_by=user,
            reviewed_at=now,
            review_note=note,
        )

    # -- reading -------------------------------------------------------------------------------
    def decision(self, dataset: str, item_id: str) -> Decision | None:
        with self.database.read() as connection:
            row = _current_row(connection, dataset, item_id)
        return _decision(row) if row else None

    def decisions(self, dataset: str, item_ids: Iterable[str] | None = None) -> dict[str, Decision]:
        """The dataset's current decisions by item id: of ``item_ids``, or all of them."""
        query = select(decisions).where(decisions.c.dataset == dataset)
        if item_ids is not None:
            wanted = list(dict.fromkeys(item_ids))
            if not wanted:
                return {}
            query = query.where(decisions.c.item_id.in_(wanted))
        with self.database.read() as connection:
            rows = connection.execute(query.order_by(decisions.c.decided_at.desc())).mappings()
            return {str(row["item_id"]): _decision(row) for row in rows}

    def actions(self, dataset: str) -> dict[str, str]:
        """``{item_id: action}`` of the dataset's decisions: what the Explorer's filter needs."""
        query = select(decisions.c.item_id, decisions.c.action).where(
            decisions.c.dataset == dataset
        )
        with self.database.read() as connection:
            rows = connection.execute(query).all()
        return {str(item_id): str(action) for item_id, action in rows}

    def history(
        self, dataset: str, item_id: str | None = None, *, limit: int = 10_000
    ) -> list[HistoryEntry]:
        """The dataset's changes, newest first: of one item, or of all its items."""
        query = (
            select(decision_history)
            .where(decision_history.c.dataset == dataset)
            .order_by(decision_history.c.id.desc())
            .limit(limit)
        )
        if item_id is not None:
            query = query.where(decision_history.c.item_id == item_id)
        with self.database.read() as connection:
            rows = connection.execute(query).mappings().all()
        return [_history(row) for row in rows]

    def version(self, dataset: str) -> int:
        """Grows with every change to a decision of the dataset (its newest history id); 0 with
        none yet. Another dataset's decisions leave it alone, so they keep this one's caches."""
        query = select(func.max(decision_history.c.id)).where(decision_history.c.dataset == dataset)
        with self.database.read() as connection:
            return int(connection.scalar(query) or 0)

    def datasets(self) -> dict[str, int]:
        """``{dataset: how many items it has decisions for}``, for every dataset with any."""
        query = select(decisions.c.dataset, func.count()).group_by(decisions.c.dataset)
        with self.database.read() as connection:
            rows = connection.execute(query).all()
        return {str(dataset): int(n) for dataset, n in rows}


def _current_row(connection: Connection, dataset: str, item_id: str) -> RowMapping | None:
    query = select(decisions).where(decisions.c.dataset == dataset, decisions.c.item_id == item_id)
    return connection.execute(query).mappings().first()


def _optional_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _decision(row: RowMapping) -> Decision:
    return Decision(
        dataset=str(row["dataset"]),
        item_id=str(row["item_id"]),
        version=int(row["version"]),
        action=str(row["action"]),
        reason_code=str(row["reason_code"]),
        note=str(row["note"] or ""),
        new_price=_optional_float(row["new_price"]),
        run_id=str(row["run_id"]),
        decided_by=str(row["decided_by"]),
        decided_at=utc(row["decided_at"]),
        actual=_optional_float(row["actual"]),
        fair_price=_optional_float(row["fair_price"]),
        at_stake=_optional_float(row["at_stake"]),
        volume=_optional_float(row["volume"]),
        direction=None if row["direction"] is None else str(row["direction"]),
        status=None if row["status"] is None else str(row["status"]),
        extreme=bool(row["extreme"]),
        reviewed_by=None if row["reviewed_by"] is None else str(row["reviewed_by"]),
        reviewed_at=None if row["reviewed_at"] is None else utc(row["reviewed_at"]),
        review_note=str(row["review_note"] or ""),
    )


def _history(row: RowMapping) -> HistoryEntry:
    return HistoryEntry(
        id=int(row["id"]),
        dataset=str(row["dataset"]),
        item_id=str(row["item_id"]),
        version=int(row["version"]),
        action=str(row["action"]),
        reason_code=str(row["reason_code"]),
        note=str(row["note"] or ""),
        new_price=_optional_float(row["new_price"]),
        run_id=str(row["run_id"]),
        decided_by=str(row["decided_by"]),
        decided_at=utc(row["decided_at"]),
        previous_action=None if row["previous_action"] is None else str(row["previous_action"]),
        status=None if row["status"] is None else str(row["status"]),
        extreme=bool(row["extreme"]),
    )
