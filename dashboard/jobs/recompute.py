"""The recompute job: a dataset's order lines in a scope → realised price per item → scoring of
those items with their features from the dataset's item table → a new run of that dataset.

One computation per scope and data version: the job holds the scope's lock (a row in the database,
:mod:`dashboard.jobs.scope_locks`, so jobs on different hosts see it) while it computes, a second
job for the same scope waits for it (showing the first job's progress) and then finds the published
run, and a scope already computed is answered from its run. A failed or cancelled job releases the
lock and publishes nothing; a killed one stops renewing its lease, and the next job takes over.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from dashboard.aggregation import (
    DEFAULT_ENGINE,
    ITEM,
    TransactionColumns,
    TransactionScope,
    customer_column,
    data_end_date,
    distinct_values,
    realised_prices,
    transaction_lines,
    with_discount_depth,
)
from dashboard.config import Settings
from dashboard.datasets.mapping import ColumnMapping
from dashboard.datasets.store import ITEMS_FILE, DatasetStore
from dashboard.errors import InputError
from dashboard.jobs.records import JobBook
from dashboard.jobs.scope_locks import ScopeLocks
from dashboard.jobs.scopes import ScopeRequest, describe, resolve, scope_key, scope_manifest
from dashboard.progress import ProgressHook, scaled
from dashboard.publishing import publish_scored
from dashboard.runs import DEMO_DATASET, DamagedRunError, RunInfo, RunStore, run_store
from dashboard.scoring import ScoringConfig, score_table

logger = logging.getLogger(__name__)

TARGET = "realised_price"
VOLUME = "units"
#: Columns shown beside a recomputed item but kept from the model: list price and discount depth
#: would hand it the answer, and the rest describe the sales, not the product.
DISPLAY_ONLY = ("list_price", "discount_depth", "revenue", "lines", "customers")
#: The column that joins the order lines to the item table while the table is built.
_JOIN_KEY = "__item_key__"
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


def no_transactions(name: str) -> str:
    """The sentence for a dataset that has no order lines to re-aggregate."""
    return f"{name} has no transactions: add them on the Data page."


@dataclass(frozen=True)
class TransactionSource:
    """A dataset's newest version with transactions: its order lines, its item table and their
    mappings. The version id is the data version that keys cached runs."""

    dataset: str
    dataset_name: str
    version: str
    version_label: str
    transactions: Path
    items: Path
    mapping: ColumnMapping
    columns: TransactionColumns
    scope_columns: tuple[str, ...]

    @property
    def data_version(self) -> str:
        return self.version

    @classmethod
    def of(cls, settings: Settings, dataset: str = DEMO_DATASET) -> TransactionSource:
        """InputError (one sentence) for an unknown dataset or one without transactions."""
        store = DatasetStore(settings.datasets_dir)
        if dataset == DEMO_DATASET and not store.exists(DEMO_DATASET):
            raise InputError(
                "There are no transactions to re-aggregate yet: generate the demo data first."
            )
        info = store.get(dataset)
        for version in reversed(info.versions):
            tx = version.transactions
            path = store.transactions_path(info.slug, version.version_id) if tx else None
            if tx is None or path is None:
                continue
            names = pq.read_schema(path).names
            return cls(
                dataset=info.slug,
                dataset_name=info.name,
                version=version.version_id,
                version_label=version.label,
                transactions=path,
                items=store.version_dir(info.slug, version.version_id) / ITEMS_FILE,
                mapping=version.mapping,
                columns=TransactionColumns(
                    item=tx.item,
                    date=tx.date,
                    quantity=tx.quantity,
                    net_price=tx.net_price,
                    customer=customer_column(names),
                ),
                scope_columns=tuple(tx.scope),
            )
        raise InputError(no_transactions(info.name))

    def choices(self) -> dict[str, tuple[str, ...]]:
        return {column: distinct_values(self.transactions, column) for column in self.scope_columns}

    def data_end(self) -> date:
        end = data_end_date(self.transactions, self.columns.date)
        if end is None:
            raise InputError(
                f"The date column {self.columns.date!r} of {self.dataset_name}'s transactions "
                "holds no dates."
            )
        return end


def find_scope_run(store: RunStore, key: str) -> RunInfo | None:
    """The newest readable run published for this scope key, if any: a damaged run (checked
    against its manifest) is never an answer, so the job computes the scope afresh."""
    for info in store.list_runs():
        if info.scope.get("key") != key:
            continue
        try:
            return store.check(info.run_id)
        except DamagedRunError as damage:
            logger.warning("not reusing run %s for its scope: %s", info.run_id, damage.reason)
    return None


def recompute(
    settings: Settings,
    request: ScopeRequest,
    *,
    job_id: str,
    book: JobBook,
    progress: ProgressHook,
) -> RecomputeOutcome:
    source = TransactionSource.of(settings, request.dataset)
    scope = resolve(request, source.data_end())
    key = scope_key(scope, source.data_version, source.dataset)
    store = run_store(settings)
    locks = ScopeLocks(book.database)
    while True:
        cached = find_scope_run(store, key)
        if cached is not None:
            # The scope was computed before: its run is the answer, current or not.
            return RecomputeOutcome(cached.run_id, cached.label, True, None, cached.rows)
        with locks.held(key, job_id) as holding:
            if holding:
                if find_scope_run(store, key) is not None:
                    continue  # published while we took the lock: answer from it
                info = _compute(store, source, request, scope, key, job_id, progress)
                return RecomputeOutcome(info.run_id, info.label, False, None, info.rows)
        owner = _wait_for_owner(locks, key, job_id, book, progress)
        cached = find_scope_run(store, key)
        if cached is not None:
            return RecomputeOutcome(cached.run_id, cached.label, False, owner, cached.rows)
        # The other job ended without a run (failed, cancelled or died): compute it ourselves.


def _wait_for_owner(
    locks: ScopeLocks, key: str, job_id: str, book: JobBook, progress: ProgressHook
) -> str:
    """Follows the job holding the scope's lock until it lets go (or dies); returns its id."""
    owner = shared = ""
    while (holder := locks.holder(key)) is not None and holder != job_id:
        owner = holder
        record = book.get(owner)
        if record is not None:
            if shared != owner:
                book.update(job_id, shared_with=owner)
                shared = owner
            progress(f"shared with job {owner}: {record.stage}", record.fraction)
        else:
            progress("waiting for the same scope's computation", 0.0)
        time.sleep(_WAIT_POLL_S)
    return owner


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
    realised = realised_prices(
        source.transactions, scope, columns=source.columns, engine=DEFAULT_ENGINE
    )
    where = describe(request, scope, source.dataset_name)
    if realised.empty:
        raise InputError(f"No order lines fall in {where}: widen the period or remove a filter.")
    table = _scoring_table(pd.read_parquet(source.items), realised, source)
    if table.empty:
        raise InputError(
            f"None of the {len(realised):,} items sold in {where} is in the item table "
            f"(matched on its id column {source.mapping.id!r})."
        )
    sold_lines = int(realised["lines"].sum())
    progress(f"aggregated {sold_lines:,} lines into {len(table):,} items", 0.08)
    mapping = source.mapping
    config = ScoringConfig(
        target=TARGET, id_col=mapping.id, volume_col=VOLUME, group_col=mapping.group
    )
    model_input = table.drop(columns=[c for c in DISPLAY_ONLY if c in table.columns])
    result = score_table(model_input, config, progress=scaled(progress, _AGGREGATED, _SCORED))
    progress("publishing", _SCORED)
    return publish_scored(
        store,
        table,
        result,
        config,
        label=f"realised prices · {where}",
        source={
            "kind": "recompute",
            "dataset": source.dataset,
            "version": source.version,
            "version_number": int(source.version_label.lstrip("v") or 0),
            "path": str(source.transactions),
            "data_version": source.data_version,
            "lines_in_scope": sold_lines,
            "rows": len(table),
            "job_id": job_id,
        },
        scope=scope_manifest(request, scope, key, source.version),
        segments=tuple(c for c in mapping.segments if c in table.columns),
    )


def _scoring_table(
    items: pd.DataFrame, realised: pd.DataFrame, source: TransactionSource
) -> pd.DataFrame:
    """The item table's features of the items sold in scope, their realised price and sales.

    The item table's own price and volume give way to the realised ones; its price is kept as the
    list price, for display (and discount depth) only. Columns the mapping keeps from the model
    (excluded, given predictions) stay out, as when the dataset itself is scored.
    """
    mapping = source.mapping
    id_col = mapping.id
    if id_col is None:
        raise InputError(
            f"{source.dataset_name} has no id column mapped, so its order lines cannot be matched "
            "to items: map one on the Data page."
        )
    keys = items[id_col].astype("str")
    if keys.duplicated().any():
        raise InputError(
            f"The item table of {source.dataset_name} repeats ids in {id_col!r}, so an order "
            "line cannot be matched to one item."
        )
    list_price = pd.Series(
        pd.to_numeric(items[mapping.target], errors="coerce").to_numpy(), index=keys.to_numpy()
    )
    realised = with_discount_depth(realised, list_price)
    realised = realised.assign(list_price=realised[ITEM].map(list_price).astype("float64"))
    left_out = {mapping.target, mapping.volume, mapping.prediction, mapping.lower, mapping.upper}
    left_out |= set(mapping.excluded)
    derived = {TARGET, VOLUME, *DISPLAY_ONLY}
    taken = [c for c in items.columns if c in derived and c not in left_out and c != id_col]
    if taken:
        logger.info("recompute leaves out item columns named like its own: %s", taken)
    features = items.drop(columns=[c for c in items.columns if c in left_out or c in taken])
    features = features.assign(**{_JOIN_KEY: keys.to_numpy()})
    table = features.merge(
        realised.rename(columns={ITEM: _JOIN_KEY}), on=_JOIN_KEY, how="inner", validate="1:1"
    )
    return table.drop(columns=[_JOIN_KEY]).reset_index(drop=True)
