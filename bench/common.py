"""Shared pieces of the scoring benchmarks: a demo to score, peak memory, the JSON last line."""

from __future__ import annotations

import json
import multiprocessing
import resource
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.demo import DemoPaths, demo_exists, demo_paths, generate_demo
from dashboard.scoring import ScoringConfig

#: The demo's ``units_12m`` (the volume behind money at stake) is counted from its transactions,
#: so too few transactions leave most volumes at 0 and make the money ranking meaningless. The
#: generator's default (2 million lines) takes a few seconds, so the benchmarks use it.
BENCH_TRANSACTIONS = 2_000_000


@contextmanager
def demo_catalogue(
    n_skus: int, seed: int, *, n_transactions: int = BENCH_TRANSACTIONS, reuse: Path | None = None
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """The demo catalogue and its ground truth.

    The demo is generated in a child process, so the generator's memory does not count in this
    process's peak RSS. With ``reuse``, a complete demo already there is used as it is (its own
    sizes and seed win); otherwise one is generated there and kept.
    """
    if reuse is not None:
        if not demo_exists(reuse):
            _generate_in_child(reuse, n_skus, n_transactions, seed)
        yield _read(demo_paths(reuse))
        return
    with tempfile.TemporaryDirectory(prefix="pricescope-bench-") as folder:
        root = Path(folder) / "demo"
        _generate_in_child(root, n_skus, n_transactions, seed)
        yield _read(demo_paths(root))


def _generate_in_child(root: Path, n_skus: int, n_transactions: int, seed: int) -> None:
    context = multiprocessing.get_context("spawn")
    child = context.Process(
        target=generate_demo,
        args=(root,),
        kwargs={"n_skus": n_skus, "n_transactions": n_transactions, "seed": seed},
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"demo generation failed (exit code {child.exitcode})")


def _read(paths: DemoPaths) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(paths.catalogue), pd.read_parquet(paths.ground_truth)


def demo_config(**settings: Any) -> ScoringConfig:
    """The configuration the product uses for the demo catalogue (roles from the generator)."""
    return ScoringConfig(
        target="list_price",
        id_col="sku",
        volume_col="units_12m",
        group_col="product_line",
        **settings,
    )


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_json_last(figures: dict[str, Any]) -> None:
    """The machine-readable summary: always the last line of output."""
    sys.stdout.flush()
    print(json.dumps(figures, sort_keys=False))
