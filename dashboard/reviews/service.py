"""Everything sign-in and reviewing need, opened once per process from the settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.auth.ratelimit import LoginLimiter
from dashboard.auth.users import UserStore
from dashboard.config import Settings
from dashboard.db import Database, open_database
from dashboard.db.health import DatabaseHealth
from dashboard.errors import InputError
from dashboard.reviews.exports import PriceChangeExports
from dashboard.reviews.guardrails import ExtremePriceError, RepriceLimits, extreme_reason
from dashboard.reviews.marks import FlagHistory
from dashboard.reviews.model import DecisionInput, ItemSnapshot, SaveResult
from dashboard.reviews.read_only import GuardedDecisionSource
from dashboard.reviews.store import ReviewStore
from dashboard.runs import Run, RunStore


@dataclass(frozen=True)
class Reviewing:
    """The database and the stores on it: users, decisions, login attempts; flag history; and
    whether the database answers at all."""

    database: Database
    users: UserStore
    decisions: ReviewStore
    limiter: LoginLimiter
    flags: FlagHistory
    exports: PriceChangeExports
    # Whether the database answers: reads degrade and writes are refused with a sentence when not.
    health: DatabaseHealth

    @property
    def decision_source(self) -> GuardedDecisionSource:
        """The decisions as the Explorer's filter reads them: undecided while the database is down."""
        return GuardedDecisionSource(self.decisions, self.health)

    @classmethod
    def open(cls, settings: Settings, runs: RunStore) -> Reviewing:
        return cls.open_url(settings.database, runs)

    @classmethod
    def open_url(cls, url: str, runs: RunStore) -> Reviewing:
        database = open_database(url)
        return cls(
            database=database,
            users=UserStore(database),
            decisions=ReviewStore(database),
            limiter=LoginLimiter(database),
            flags=FlagHistory(runs),
            exports=PriceChangeExports(database),
            health=DatabaseHealth(database),
        )


def save_review(
    reviewing: Reviewing,
    run: Run,
    targets: Mapping[str, int],
    decision: DecisionInput,
    user: str,
    limits: RepriceLimits | None = None,
    price_text: Callable[[float], str] | None = None,
) -> SaveResult:
    """Saves ``decision`` for items of ``run`` (in the run's dataset), each with a snapshot of its
    numbers in the run.

    Items that are not in the run are refused (:class:`InputError`) before anything is written, and
    so is a new price beyond the guardrails (``limits``) without the analyst's confirmation and a
    note (:class:`ExtremePriceError`); a confirmed one is saved marked extreme. A database that
    cannot be reached is a :class:`~dashboard.db.health.DatabaseUnavailableError`.
    """
    items = run.items
    positions = pd.Index(items["item_id"].astype("str").to_numpy(dtype=object)).get_indexer(
        list(targets)
    )
    unknown = [item for item, position in zip(targets, positions, strict=True) if position < 0]
    if unknown:
        raise InputError(f"There is no item {unknown[0]!r} in run {run.run_id}; nothing was saved.")
    snapshots = {
        item_id: _snapshot(item_id, items.iloc[int(position)])
        for item_id, position in zip(targets, positions, strict=True)
    }
    extreme = _extreme_items(decision, items, positions, list(targets), limits, price_text)
    with reviewing.health.guard("save a decision"):
        return reviewing.decisions.save(
            targets,
            decision,
            dataset=run.info.dataset,
            user=user,
            run_id=run.run_id,
            snapshots=snapshots,
            extreme=extreme,
        )


def _extreme_items(
    decision: DecisionInput,
    items: pd.DataFrame,
    positions: np.ndarray,
    ids: list[str],
    limits: RepriceLimits | None,
    price_text: Callable[[float], str] | None,
) -> set[str]:
    """The items whose new price is extreme; refuses the save unless it is confirmed with a note."""
    if decision.new_price is None:
        return set()
    reasons: dict[str, str] = {}
    for item_id, position in zip(ids, positions, strict=True):
        row = items.iloc[int(position)]
        reason = extreme_reason(
            decision.new_price,
            _number(row, "actual"),
            _number(row, "lower"),
            _number(row, "upper"),
            limits or RepriceLimits(),
            price_text,
        )
        if reason:
            reasons[item_id] = reason
    if not reasons or (decision.confirmed and decision.note):
        return set(reasons)
    first, reason = next(iter(reasons.items()))
    others = f" (and {len(reasons) - 1} more of the selected items)" if len(reasons) > 1 else ""
    if not decision.confirmed:
        raise ExtremePriceError(
            f"{first}: {reason}{others}. If this price is right, tick “Confirm this price” and say "
            "why in the note; nothing was saved."
        )
    raise ExtremePriceError(
        f"{first}: an extreme price needs a note saying why it is right{others}; nothing was saved."
    )


def _number(row: pd.Series, name: str) -> float | None:
    value = row.get(name)
    return None if value is None or pd.isna(value) else float(value)


def _snapshot(item_id: str, row: pd.Series) -> ItemSnapshot:
    def number(name: str) -> float | None:
        return _number(row, name)

    direction = row.get("direction")
    return ItemSnapshot(
        item_id=item_id,
        actual=number("actual"),
        fair_price=number("fair_price"),
        at_stake=number("at_stake"),
        volume=number("volume"),
        direction=None if direction is None or pd.isna(direction) else str(direction),
    )
