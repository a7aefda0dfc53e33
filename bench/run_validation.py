"""Times loading a run with and without its checks: the cost of validating a run on load.

    python bench/run_validation.py [--items 50000] [--repeats 5]

Publishes a synthetic run of ``--items`` items (the scoring columns and twelve feature columns, like
the demo) into a temporary directory, then times, as medians over ``--repeats``: reading the items
file, its sha256, parsing it, a full uncached ``RunStore`` load (size + checksum + rows + card) and a
full ``runs --check`` of the run. Prints one line per step and, last, one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.runs import ITEMS_FILE, RunColumns, RunStore


def synthetic_items(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    price = rng.uniform(30, 400, rows)
    table: dict[str, object] = {
        "item_id": [f"SKU{i:07d}" for i in range(rows)],
        "actual": price,
        "fair_price": price * rng.normal(1, 0.05, rows),
        "lower": price * 0.9,
        "upper": price * 1.1,
        "score": rng.normal(0, 1, rows),
        "direction": rng.choice(["under", "over", "ok"], rows),
        "flagged": rng.random(rows) < 0.05,
        "at_stake": rng.uniform(0, 50, rows),
    }
    for number in range(6):
        table[f"category_{number}"] = rng.choice([f"c{k}" for k in range(40)], rows)
        table[f"measure_{number}"] = rng.normal(0, 1, rows)
    return pd.DataFrame(table)


def median_seconds(step: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        store = RunStore(Path(directory))
        items = synthetic_items(args.items)
        columns = RunColumns("item_id", "actual", None, None, (), ())
        info = store.publish(items, {"metrics": {}}, columns=columns, label="bench")
        path = Path(directory) / info.run_id / ITEMS_FILE
        data = path.read_bytes()
        steps: dict[str, Callable[[], object]] = {
            "read items bytes": path.read_bytes,
            "sha256 of items": lambda: hashlib.sha256(data).hexdigest(),
            "parse items (parquet)": lambda: pd.read_parquet(io.BytesIO(data)),
            "load run, checked (uncached)": lambda: RunStore(Path(directory)).load(info.run_id),
            "runs --check of the run": lambda: store.check(info.run_id),
        }
        results = {name: median_seconds(step, args.repeats) for name, step in steps.items()}
        for name, seconds in results.items():
            print(f"{name:32s} {seconds * 1000:8.1f} ms")
        summary = {"items": args.items, "file_bytes": len(data), "median_ms": {}}
        summary["median_ms"] = {name: round(s * 1000, 2) for name, s in results.items()}
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
