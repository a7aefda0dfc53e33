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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from dashboard.config import Settings
from dashboard.datasets.demo import demo_version
from dashboard.datasets.store import DatasetStore
from dashboard.demo import demo_exists, demo_paths, generate_demo
from dashboard.progress import ProgressHook, no_progress, scaled
from dashboard.publishing import publish_scored
from dashboard.runs import DEMO_DATASET, RunInfo, RunStore, run_store
from dashboard.scoring import ScoringConfig, score_table

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
    store = run_store(settings)
    current = store.current()
    if current is not None or not settings.auto_demo:
        if settings.auto_demo and not DatasetStore(settings.datasets_dir).exists(DEMO_DATASET):
            with exclusive(settings.data_dir / ".bootstrap.lock"):
                demo_version(settings)  # a data directory from before datasets
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
    version = demo_version(settings)
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
            "dataset": DEMO_DATASET,
            "version": version.version_id if version else None,
            "version_number": version.number if version else None,
            "path": str(paths.catalogue),
            "data_version": manifest.get("data_version"),
            "rows": len(catalogue),
        },
        # The demo is what a fresh install shows: it is made current on purpose.
        make_current=True,
    )
    progress("ready", 1.0)
    logger.info("demo run %s ready in %.1f s", info.run_id, time.perf_counter() - started)
    return info
