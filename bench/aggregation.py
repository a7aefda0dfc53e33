"""Times the scope re-aggregation (order lines → realised price per SKU): pandas against DuckDB.

    python bench/aggregation.py [--demo DIR] [--repeats 5]

Uses a complete demo at ``--demo`` (generated there at full size if missing: 2M lines, 50k SKUs).
Each engine runs each scope ``--repeats`` times after one warm-up; both engines must return the same
frame. Prints one line per scope and engine (median seconds) and, last, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.aggregation import (
    TransactionScope,
    realised_prices_duckdb,
    realised_prices_pandas,
    transaction_lines,
)
from dashboard.demo import demo_exists, demo_paths, generate_demo

SCOPES = {
    "all 24 months": TransactionScope(),
    "last 12 months": TransactionScope(start=date(2025, 1, 1), end=date(2025, 12, 31)),
    "last 6 months, 2 regions, e-commerce": TransactionScope(
        start=date(2025, 7, 1),
        end=date(2025, 12, 31),
        filters=(("region", ("France", "Iberia")), ("channel", ("e-commerce",))),
    ),
}


def median_seconds(run: Callable[[], pd.DataFrame], repeats: int) -> tuple[float, pd.DataFrame]:
    result = run()  # warm-up: file cache, imports
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, default=Path("/tmp/pricescope-bench-demo"))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not demo_exists(args.demo):
        generate_demo(args.demo, n_skus=50_000, n_transactions=2_000_000, seed=7)
    path = demo_paths(args.demo).transactions
    print(f"{transaction_lines(path):,} order lines in {path}")
    engines: dict[str, Callable[[TransactionScope], pd.DataFrame]] = {
        "pandas": lambda s: realised_prices_pandas(path, s),
        "duckdb-1-thread": lambda s: realised_prices_duckdb(path, s, threads=1),
        "duckdb-2-threads": lambda s: realised_prices_duckdb(path, s, threads=2),
    }
    results: dict[str, dict[str, float]] = {}
    for label, scope in SCOPES.items():
        frames = {}
        results[label] = {}
        for engine, run in engines.items():
            seconds, frames[engine] = median_seconds(partial(run, scope), args.repeats)
            results[label][engine] = round(seconds, 3)
            print(f"{label:40s} {engine:18s} {seconds:6.3f} s  {len(frames[engine]):,} SKUs")
        for engine, frame in frames.items():
            pd.testing.assert_frame_equal(frames["pandas"], frame, rtol=1e-9, obj=engine)
    full = results["all 24 months"]
    summary = {
        "lines": transaction_lines(path),
        "seconds": results,
        "pandas_over_duckdb_1_thread": round(full["pandas"] / full["duckdb-1-thread"], 2),
        "pandas_over_duckdb_2_threads": round(full["pandas"] / full["duckdb-2-threads"], 2),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
