"""Everything sign-in and reviewing need, opened once per process from the settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from dashboard.auth.ratelimit import LoginLimiter
from dashboard.auth.users import UserStore
from dashboard.config import Settings
from dashboard.db import Database, open_database
from dashboard.errors import InputError
from dashboard.reviews.marks import FlagHistory
from dashboard.reviews.model import DecisionInput, ItemSnapshot, SaveResult
from dashboard.reviews.store import ReviewStore
from dashboard.runs import Run, RunStore


@dataclass(frozen=True)
class Reviewing:
    """The database and the stores on it: users, decisions, login attempts; and flag history."""

    database: Database
    users: UserStore
    decisions: ReviewStore
    limiter: LoginLimiter
    flags: FlagHistory

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
        )


def save_review(
    reviewing: Reviewing,
    run: Run,
    targets: Mapping[str, int],
    decision: DecisionInput,
    user: str,
) -> SaveResult:
    """Saves ``decision`` for items of ``run`` (in the run's dataset), each with a snapshot of its
    numbers in the run.

    Items that are not in the run are refused (:class:`InputError`) before anything is written.
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
    return reviewing.decisions.save(
        targets,
        decision,
        dataset=run.info.dataset,
        user=user,
        run_id=run.run_id,
        snapshots=snapshots,
    )


def _snapshot(item_id: str, row: pd.Series) -> ItemSnapshot:
    def number(name: str) -> float | None:
        value = row.get(name)
        return None if value is None or pd.isna(value) else float(value)

    direction = row.get("direction")
    return ItemSnapshot(
        item_id=item_id,
        actual=number("actual"),
        fair_price=number("fair_price"),
        at_stake=number("at_stake"),
        volume=number("volume"),
        direction=None if direction is None or pd.isna(direction) else str(direction),
    )
