"""First start: make sure there is a current run, generating and scoring the demo catalogue if needed.

Several processes may start at once (gunicorn workers, a CLI next to a server), so the work happens
under an exclusive file lock and is re-checked once the lock is held: one process does it, the others
wait and then find it done.
"""

from __future__ import annotations

import fcntl
import json
import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.config import Settings
from dashboard.demo import demo_exists, demo_paths, generate_demo
from dashboard.progress import ProgressHook, no_progress, scaled
from dashboard.runs import RunColumns, RunInfo, RunStore, build_items, segment_columns
from dashboard.scoring import ScoringConfig, ScoringResult, score_table

logger = logging.getLogger(__name__)

DEMO_LABEL = "demo catalogue"


@contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_current_run(settings: Settings, progress: ProgressHook = no_progress) -> RunInfo | None:
    """The current run, creating the demo one first if there is none and the demo is enabled."""
    store = RunStore(settings.runs_dir)
    current = store.current()
    if current is not None or not settings.auto_demo:
        return current
    with exclusive(settings.data_dir / ".bootstrap.lock"):
        current = store.current()
        if current is not None:
            return current
        return score_demo(settings, store, progress)


def score_demo(
    settings: Settings, store: RunStore, progress: ProgressHook = no_progress
) -> RunInfo:
    """Generates the demo data if missing, scores the catalogue and publishes the run as current."""
    started = time.perf_counter()
    root = settings.demo_dir
    if not demo_exists(root):
        logger.info(
            "generating the demo catalogue (%s SKUs, %s transactions) in %s",
            f"{settings.demo_skus:,}",
            f"{settings.demo_transactions:,}",
            root,
        )
        generate_demo(
            root,
            n_skus=settings.demo_skus,
            n_transactions=settings.demo_transactions,
            seed=settings.demo_seed,
            progress=scaled(progress, 0.0, 0.45),
        )
    paths = demo_paths(root)
    manifest = json.loads(paths.manifest.read_text(encoding="utf-8"))
    roles = manifest["roles"]
    catalogue = pd.read_parquet(paths.catalogue)
    config = ScoringConfig(
        target=roles["target"],
        id_col=roles["id"],
        volume_col=roles["volume"],
        group_col=roles["group"],
    )
    result = score_table(catalogue, config, progress=scaled(progress, 0.45, 0.95))
    progress("publishing", 0.96)
    info = publish_scored(
        store,
        catalogue,
        result,
        config,
        label=DEMO_LABEL,
        source={
            "kind": "demo",
            "path": str(paths.catalogue),
            "data_version": manifest.get("data_version"),
            "rows": len(catalogue),
        },
    )
    progress("ready", 1.0)
    logger.info("demo run %s ready in %.1f s", info.run_id, time.perf_counter() - started)
    return info


def publish_scored(
    store: RunStore,
    table: pd.DataFrame,
    result: ScoringResult,
    config: ScoringConfig,
    *,
    label: str,
    source: Mapping[str, Any],
    scope: Mapping[str, Any] | None = None,
) -> RunInfo:
    """Publishes a scored table as the current run: items, column roles, segments, manifest.

    ``table`` is what the items show beside the scoring columns; it may hold more columns than the
    model saw (a recompute adds list price and discount depth for display only).
    """
    items = build_items(table, result.items, id_col=config.id_col)
    candidates = tuple(
        c
        for c in (
            *result.features.categorical,
            *result.features.boolean,
            config.group_col,
            *result.features.numeric,
        )
        if c
    )
    columns = RunColumns(
        id=config.id_col,
        target=config.target,
        volume=config.volume_col,
        group=config.group_col,
        segments=segment_columns(items, candidates),
        features=result.features.used,
    )
    return store.publish(
        items,
        result.model_card,
        columns=columns,
        label=label,
        source=source,
        scope=scope,
        fold_models=result.fold_models,
    )
