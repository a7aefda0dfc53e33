"""Times recompute jobs at full size: a recompute, a cancel, a cached repeat, and the dashboard's
responsiveness while a recompute runs.

    python bench/jobs.py [--demo DIR] [--idle-changes 40]

Uses a complete demo at ``--demo`` (generated there at full size if missing: 2M order lines, 50k
SKUs) in a throw-away data directory. Jobs run in a child process, as the DiskcacheManager runs
them; the bench watches the job record (what the page shows) every 50 ms.

- ``recompute_s``: all 24 months, from start to the published run; with the longest gap between
  two progress changes the page could show (``max_progress_gap_s``) and the stages seen.
- ``cancel_s``: last 12 months, cancelled during "fitting fold 2/5" through the job record (the
  Stop button's path, which does not kill the process): request to the job's end. ``kill_cancel_s``
  is the Cancel button's path under the DiskcacheManager (the process is killed).
- ``cached_repeat_s``: all 24 months again, answered from the published run.
- ``busy_p95_ratio``: the p95 of one Explorer filter change (parse, KPIs, charts, first table page
  on a 50k-item run, as in bench/explorer_queries.py) while a recompute runs, over the idle p95.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explorer_queries import one_change, scenario_raw

from dashboard.config import Settings
from dashboard.datasets.demo import demo_version
from dashboard.demo import demo_exists, generate_demo
from dashboard.jobs import JobBook, TransactionSource, job_book, parse_scope, run_job
from dashboard.jobs.records import JobRecord
from dashboard.query import explorer
from dashboard.runs import Run
from testkit.synthetic_run import synthetic_run

POLL_S = 0.05


def queue(settings: Settings, period: str) -> str:
    source = TransactionSource.of(settings)
    request = parse_scope({"period": period}, choices=source.choices())
    return job_book(settings).create(request.to_json(), period, "bench").job_id


def start(settings: Settings, job_id: str) -> BaseProcess:
    child = multiprocessing.get_context("fork").Process(
        target=run_job, args=(settings, job_id), kwargs={"disposable": True}
    )
    child.start()
    return child


def watch(book: JobBook, job_id: str, until: str | None = None) -> tuple[JobRecord, list[float]]:
    """Polls the record until it ends (or reaches stage ``until``); returns it and change times."""
    changes: list[float] = []
    seen: tuple[str, float] | None = None
    while True:
        record = book.get(job_id)
        if record is not None:
            shown = (record.stage, round(record.fraction, 3))
            if shown != seen:
                changes.append(time.perf_counter())
                seen = shown
            if not record.active or (until and until in record.stage):
                return record, changes
        time.sleep(POLL_S)


def bench_recompute(settings: Settings) -> dict[str, Any]:
    book = job_book(settings)
    job_id = queue(settings, "24m")
    started = time.perf_counter()
    child = start(settings, job_id)
    stages: list[str] = []
    changes: list[float] = [started]
    seen = None
    while True:
        record = book.get(job_id)
        if record is not None:
            shown = (record.stage, round(record.fraction, 3))
            if shown != seen:
                changes.append(time.perf_counter())
                seen = shown
                if not stages or stages[-1] != record.stage:
                    stages.append(record.stage)
            if not record.active:
                break
        time.sleep(POLL_S)
    seconds = time.perf_counter() - started
    child.join()
    gaps = [b - a for a, b in itertools.pairwise(changes)]
    return {
        "recompute_s": round(seconds, 2),
        "status": record.status,
        "run_id": record.run_id,
        "max_progress_gap_s": round(max(gaps), 2),
        "stages": stages,
    }


def bench_cancel(settings: Settings) -> dict[str, float]:
    from dash import DiskcacheManager

    book = job_book(settings)
    job_id = queue(settings, "12m")
    child = start(settings, job_id)
    watch(book, job_id, until="fitting fold 2/5")
    asked = time.perf_counter()
    book.request_cancel(job_id)
    record, _ = watch(book, job_id)
    cancel_s = time.perf_counter() - asked
    child.join()
    assert record.status == "cancelled", record

    import diskcache

    manager = DiskcacheManager(diskcache.Cache(str(settings.cache_dir / "bench-jobs")))
    job_id = queue(settings, "6m")
    child = start(settings, job_id)
    watch(book, job_id, until="fitting fold 2/5")
    asked = time.perf_counter()
    manager.terminate_job(child.pid)
    child.join()
    kill_s = time.perf_counter() - asked
    return {"cancel_s": round(cancel_s, 2), "kill_cancel_s": round(kill_s, 3)}


def bench_cached(settings: Settings) -> float:
    job_id = queue(settings, "24m")
    started = time.perf_counter()
    child = start(settings, job_id)
    record, _ = watch(job_book(settings), job_id)
    child.join()
    assert record.status == "cached", record
    return round(time.perf_counter() - started, 3)


def filter_change_ms(run: Run, indexes: explorer.ExplorerIndexes, step: int) -> float:
    return one_change(run, indexes, scenario_raw(step))["filter_change_total"]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def bench_busy(settings: Settings, idle_changes: int) -> dict[str, float]:
    run = synthetic_run(50_000)
    indexes = explorer.ExplorerIndexes()
    filter_change_ms(run, indexes, 0)  # indexes built once per run and process, as when serving
    idle = [filter_change_ms(run, indexes, step) for step in range(1, idle_changes + 1)]
    book = job_book(settings)
    job_id = queue(settings, "3m")
    child = start(settings, job_id)
    busy = []
    step = idle_changes + 1
    while (record := book.get(job_id)) is None or record.active:
        busy.append(filter_change_ms(run, indexes, step))
        step += 1
    child.join()
    return {
        "idle_p95_ms": round(p95(idle), 1),
        "busy_p95_ms": round(p95(busy), 1),
        "busy_changes": len(busy),
        "busy_p95_ratio": round(p95(busy) / p95(idle), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, default=Path("/tmp/pricescope-bench-demo"))
    parser.add_argument("--idle-changes", type=int, default=40)
    args = parser.parse_args()
    if not demo_exists(args.demo):
        generate_demo(args.demo, n_skus=50_000, n_transactions=2_000_000, seed=7)
    with tempfile.TemporaryDirectory(prefix="pricescope-bench-jobs-") as folder:
        data = Path(folder)
        (data / "demo").symlink_to(args.demo.resolve())
        settings = Settings(data_dir=data)
        demo_version(settings)  # the demo as a dataset, as the app registers it on start
        recompute = bench_recompute(settings)
        print(
            f"recompute, 24 months: {recompute['recompute_s']} s ({recompute['status']}), "
            f"longest progress gap {recompute['max_progress_gap_s']} s"
        )
        print("  stages: " + " → ".join(recompute["stages"]))
        cached = bench_cached(settings)
        print(f"cached repeat: {cached} s")
        cancel = bench_cancel(settings)
        print(f"cancel: {cancel['cancel_s']} s via the record, {cancel['kill_cancel_s']} s by kill")
        busy = bench_busy(settings, args.idle_changes)
        print(
            f"filter change p95: {busy['idle_p95_ms']} ms idle, {busy['busy_p95_ms']} ms during a "
            f"recompute ({busy['busy_changes']} changes): ratio {busy['busy_p95_ratio']}"
        )
    print(
        json.dumps(
            {
                "recompute_s": recompute["recompute_s"],
                "cancel_s": cancel["cancel_s"],
                "cached_repeat_s": cached,
                "busy_p95_ratio": busy["busy_p95_ratio"],
                "max_progress_gap_s": recompute["max_progress_gap_s"],
                "kill_cancel_s": cancel["kill_cancel_s"],
                "idle_p95_ms": busy["idle_p95_ms"],
                "busy_p95_ms": busy["busy_p95_ms"],
            }
        )
    )


if __name__ == "__main__":
    main()
