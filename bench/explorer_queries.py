"""Times the Outlier Explorer's queries for one filter change on a synthetic run.

    python bench/explorer_queries.py [--items 50000] [--repeats 15]

A "filter change" is what the page does when the analyst touches a control: parse the state, then
KPIs, scatter, score histogram, heatmap, segment bars and the first table page, all on a state the
caches have not seen. Each query is also timed on its own (its mask already cached, as it is when
the page asks its questions together). Prints a table of medians and, last, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.filters import FilterState, parse_filter_state, to_url_hash
from dashboard.query import explorer
from dashboard.runs import Run
from testkit.synthetic_run import synthetic_run

T = TypeVar("T")


def scenario_raw(step: int) -> dict[str, object]:
    """A different state each step (so no cache answers), of the kind analysts make."""
    kinds = step % 3
    raw: dict[str, object] = {
        "segments": {"brand": [f"Brand {i:02d}" for i in range(step % 5, step % 5 + 6)]},
        "min_score": round(0.05 * (step % 7), 2),
        "heatmap_x": "brand",
        "heatmap_y": "season",
    }
    if kinds == 1:
        raw["directions"] = ["under", "over"]
        raw["selections"] = [
            {"kind": "lasso", "points": [[40, 30], [400 + step, 60], [300, 600], [60, 200]]}
        ]
    if kinds == 2:
        raw["search"] = f"tyre {step % 10}"
        raw["segments"] = {"season": ["winter", "(missing)"], "run_flat": [False]}
    return raw


def one_change(
    run: Run, indexes: explorer.ExplorerIndexes, raw: dict[str, object]
) -> dict[str, float]:
    timings: dict[str, float] = {}

    def timed(name: str, call: Callable[[], T]) -> T:
        started = time.perf_counter()
        result = call()
        timings[name] = 1000 * (time.perf_counter() - started)
        return result

    categories = explorer.segment_categories(run, indexes=indexes)
    parsed = timed("parse", lambda: parse_filter_state(raw, run.info, categories))
    state = parsed.state
    timed("mask", lambda: explorer.filter_mask(run, state, indexes=indexes))
    timed("kpi_strip", lambda: explorer.kpi_strip(run, state, indexes=indexes))
    timed("scatter_points", lambda: explorer.scatter_points(run, state, indexes=indexes))
    timed("score_distribution", lambda: explorer.score_distribution(run, state, indexes=indexes))
    timed("heatmap", lambda: explorer.heatmap(run, state, "brand", "season", indexes=indexes))
    timed("segment_bars", lambda: explorer.segment_bars(run, state, "brand", indexes=indexes))
    timed("table_page", lambda: explorer.table_page(run, state, 0, 100, indexes=indexes))
    timed("url_hash", lambda: to_url_hash(state))
    timings["filter_change_total"] = sum(timings.values())
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    started = time.perf_counter()
    run = synthetic_run(args.items)
    generate_ms = 1000 * (time.perf_counter() - started)
    indexes = explorer.ExplorerIndexes()
    started = time.perf_counter()
    explorer.segment_categories(run, indexes=indexes)
    index_ms = 1000 * (time.perf_counter() - started)
    started = time.perf_counter()
    explorer.table_page(run, FilterState(), 0, 100, indexes=indexes)  # the default order, once
    first_sort_ms = 1000 * (time.perf_counter() - started)

    runs = [one_change(run, indexes, scenario_raw(step)) for step in range(args.repeats)]
    medians = {name: statistics.median(r[name] for r in runs) for name in runs[0]}
    print(
        f"Explorer queries on {args.items:,} synthetic items, median of {args.repeats} filter changes"
    )
    print(f"  {'synthetic run (not part of serving)':<38}{generate_ms:9.1f} ms")
    print(f"  {'index build (once per run and process)':<38}{index_ms:9.1f} ms")
    print(f"  {'first table order (once per sort)':<38}{first_sort_ms:9.1f} ms")
    for name, value in medians.items():
        print(f"  {name:<38}{value:9.2f} ms")
    summary = {
        "items": args.items,
        "repeats": args.repeats,
        "index_build_ms": round(index_ms, 2),
        "first_sort_ms": round(first_sort_ms, 2),
        **{f"{name}_ms": round(value, 3) for name, value in medians.items()},
        "filter_change_max_ms": round(max(r["filter_change_total"] for r in runs), 3),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
