"""The recompute job: a scope's order lines → realised price per SKU → scoring → a new Run.

One computation per scope and data version: the job holds an exclusive lock named by the scope key
while it computes, a second job for the same scope waits on that lock (showing the first job's
progress) and then finds the published run, and a scope already computed is answered from its run.
A failed or cancelled job releases the lock (the kernel releases it even when the process is
killed) and publishes nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pandas as pd

from dashboard.aggregation import (
    DEFAULT_ENGINE,
    TransactionScope,
    data_end_date,
    distinct_values,
    realised_prices,
    transaction_lines,
    with_discount_depth,
)
from dashboard.config import Settings
from dashboard.demo import demo_paths
from dashboard.errors import InputError
from dashboard.jobs.records import JobBook
from dashboard.jobs.scopes import ScopeRequest, describe, resolve, scope_key, scope_manifest
from dashboard.progress import ProgressHook, scaled
from dashboard.publishing import publish_scored
from dashboard.runs import RunInfo, RunStore
from dashboard.scoring import ScoringConfig, score_table

logger = logging.getLogger(__name__)

TARGET = "realised_price"
VOLUME = "units"
#: Columns shown beside a recomputed item but kept from the model: list price and discount depth
#: would hand it the answer, and the rest describe the sales, not the product.
DISPLAY_ONLY = ("list_price", "discount_depth", "revenue", "lines", "customers")
SCOPE_COLUMNS = ("region", "customer_segment", "channel")
_WAIT_POLL_S = 0.25
# Shares of the progress bar: aggregation is quick, scoring dominates.
_AGGREGATED, _SCORED = 0.10, 0.92


@dataclass(frozen=True)
class RecomputeOutcome:
    run_id: str
    label: str
    cached: bool  # answered by a run published earlier for the same scope and data
    shared_with: str | None  # the job whose computation this one waited for, if any
    items: int


@dataclass(frozen=True)
class TransactionSource:
    """The demo's transactions and catalogue, with the data version that keys cached runs."""

    transactions: Path
    catalogue: Path
    data_version: str
    roles: dict[str, str]

    @classmethod
    def of(cls, settings: Settings) -> TransactionSource:
        paths = demo_paths(settings.demo_dir)
        try:
            manifest = json.loads(paths.manifest.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(
                "There are no transactions to re-aggregate yet: generate the demo data first."
            ) from None
        return cls(
            transactions=paths.transactions,
            catalogue=paths.catalogue,
            data_version=str(manifest["data_version"]),
            roles=dict(manifest["roles"]),
        )

    def choices(self) -> dict[str, tuple[str, ...]]:
        return {column: distinct_values(self.transactions, column) for column in SCOPE_COLUMNS}


def find_scope_run(store: RunStore, key: str) -> RunInfo | None:
    """The newest run published for this scope key, if any."""
    return next((info for info in store.list_runs() if info.scope.get("key") == key), None)


def recompute(
    settings: Settings,
    request: ScopeRequest,
    *,
    job_id: str,
    book: JobBook,
    progress: ProgressHook,
) -> RecomputeOutcome:
    source = TransactionSource.of(settings)
    scope = resolve(request, data_end_date(source.transactions))
    key = scope_key(scope, source.data_version)
    store = RunStore(settings.runs_dir)
    lock_path = settings.jobs_dir / "locks" / f"{key}.lock"
    while True:
        cached = find_scope_run(store, key)
        if cached is not None:
            store.set_current(cached.run_id)
            return RecomputeOutcome(cached.run_id, cached.label, True, None, cached.rows)
        with _scope_lock(lock_path) as handle:
            if handle is not None:
                if find_scope_run(store, key) is not None:
                    continue  # published while we took the lock: answer from it
                handle.write(job_id)
                handle.flush()
                info = _compute(store, source, request, scope, key, job_id, progress)
                return RecomputeOutcome(info.run_id, info.label, False, None, info.rows)
        owner = _wait_for_owner(lock_path, job_id, book, progress)
        cached = find_scope_run(store, key)
        if cached is not None:
            store.set_current(cached.run_id)
            return RecomputeOutcome(cached.run_id, cached.label, False, owner, cached.rows)
        # The other job ended without a run (failed or cancelled): compute it ourselves.


@contextlib.contextmanager
def _scope_lock(path: Path) -> Iterator[IO[str] | None]:
    """The open lock file if this process now holds the scope's lock, else ``None`` at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        try:
            handle.seek(0)
            handle.truncate()
            yield handle
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _wait_for_owner(lock_path: Path, job_id: str, book: JobBook, progress: ProgressHook) -> str:
    """Follows the job holding the scope's lock until it lets go; returns that job's id."""
    owner = ""
    while _locked_by_other(lock_path):
        owner = lock_path.read_text(encoding="utf-8").strip() or owner
        record = book.get(owner) if owner else None
        if record is not None:
            book.update(job_id, shared_with=owner)
            progress(f"shared with job {owner}: {record.stage}", record.fraction)
        else:
            progress("waiting for the same scope's computation", 0.0)
        time.sleep(_WAIT_POLL_S)
    return owner


def _locked_by_other(path: Path) -> bool:
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def _compute(
    store: RunStore,
    source: TransactionSource,
    request: ScopeRequest,
    scope: TransactionScope,
    key: str,
    job_id: str,
    progress: ProgressHook,
) -> RunInfo:
    lines = transaction_lines(source.transactions)
    progress(f"aggregating {lines / 1e6:.1f}M lines", 0.01)
    realised = realised_prices(source.transactions, scope, engine=DEFAULT_ENGINE)
    if realised.empty:
        raise InputError(
            f"No order lines fall in {describe(request, scope)}: widen the period or remove a filter."
        )
    table = _scoring_table(pd.read_parquet(source.catalogue), realised, source.roles)
    progress(f"aggregated {int(realised['lines'].sum()):,} lines into {len(table):,} SKUs", 0.08)
    config = ScoringConfig(
        target=TARGET,
        id_col=source.roles["id"],
        volume_col=VOLUME,
        group_col=source.roles.get("group"),
    )
    model_input = table.drop(columns=list(DISPLAY_ONLY))
    result = score_table(model_input, config, progress=scaled(progress, _AGGREGATED, _SCORED))
    progress("publishing", _SCORED)
    label = f"realised prices · {describe(request, scope)}"
    return publish_scored(
        store,
        table,
        result,
        config,
        label=label,
        source={
            "kind": "recompute",
            "path": str(source.transactions),
            "data_version": source.data_version,
            "lines_in_scope": int(realised["lines"].sum()),
            "rows": len(table),
            "job_id": job_id,
        },
        scope=scope_manifest(request, scope, key),
    )


def _scoring_table(
    catalogue: pd.DataFrame, realised: pd.DataFrame, roles: dict[str, str]
) -> pd.DataFrame:
    """Catalogue features of the SKUs sold in scope, their realised price and sales figures.

    The catalogue's own price and volume give way to the realised ones; the list price is kept
    for display (and discount depth) only.
    """
    id_col, list_col, catalogue_volume = roles["id"], roles["target"], roles.get("volume")
    list_price = catalogue.set_index(id_col)[list_col]
    realised = with_discount_depth(realised, list_price).rename(columns={"sku": id_col})
    features = catalogue.drop(columns=[c for c in (list_col, catalogue_volume) if c])
    table = features.merge(realised, on=id_col, how="inner", validate="one_to_one")
    table["list_price"] = table[id_col].map(list_price).astype("float64")
    return table.reset_index(drop=True)
