"""Explorer speed: real callback POSTs against the app under gunicorn on loopback.

    python bench/explorer.py [--items N] [--users U] [--changes C] [--synthetic] [--no-browser]
                             [--data-dir DIR] [--browser-only]

Generates a catalogue of N items and scores it (``--synthetic`` builds a synthetic scored run
instead, for sizes where scoring would take many minutes), starts ``gunicorn app:server`` on a free
loopback port, and replays realistic filter changes the way the browser sends them: the reducer
(the URL and the stores), then the charts and the first block of the table. It prints latency and
response size per callback and per change, then the same with U analysts at once, then what a
browser sees (``bench/explorer_browser.py``): the Explorer and the Overview fully rendered from an
empty cache, the bytes received for that, and the in-page time from a click to the views settled.
With ``--data-dir`` the scored catalogue is kept there and reused by the next run. The last line is
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explorer_browser import browser_figures  # noqa: E402

from dashboard.filters import FilterState, parse_filter_state, to_url_hash  # noqa: E402
from dashboard.filters.events import views_of  # noqa: E402
from dashboard.ids import Explorer  # noqa: E402
from dashboard.query.explorer import segment_categories  # noqa: E402
from dashboard.runs import Run, RunStore  # noqa: E402
from testkit.callback_requests import callback_payload, find_callback  # noqa: E402

SEGMENTS = '{"column":["ALL"],"type":"explorer-segment"}'
CHIPS = '{"key":["ALL"],"type":"explorer-chip"}'


def prepare_data(data_dir: Path, items: int, synthetic: bool) -> Run:
    env = {**os.environ, "PRICESCOPE_DATA_DIR": str(data_dir)}
    if synthetic:
        from testkit.synthetic_run import synthetic_run

        run = synthetic_run(items, seed=5)
        store = RunStore(data_dir / "runs")
        store.publish(
            run.items, run.model_card, columns=run.info.columns, label=f"synthetic {items:,}"
        )
    else:
        env.update(
            PRICESCOPE_DEMO_SKUS=str(items), PRICESCOPE_DEMO_TRANSACTIONS=str(max(items * 2, 1_000))
        )
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "dashboard", "bootstrap"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"generated and scored {items:,} items in {time.perf_counter() - started:.1f} s")
    return load_run(data_dir)


def load_run(data_dir: Path) -> Run:
    loaded = RunStore(data_dir / "runs").load_current()
    if loaded is None:
        raise SystemExit(f"no scored run in {data_dir}")
    return loaded


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PRICESCOPE_DATA_DIR": str(data_dir), "PRICESCOPE_AUTO_DEMO": "false"}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "app:server",
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        "2",
        "--threads",
        "4",
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/_dash-dependencies", timeout=5
            ) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not come up within 120 s")


class Client:
    """Posts callback requests the way dash-renderer does, built from the app's dependencies."""

    def __init__(self, base: str, run: Run) -> None:
        self.base, self.run = base, run
        with urllib.request.urlopen(f"{base}/_dash-dependencies") as reply:
            self.dependencies = json.loads(reply.read())

    def post(
        self, output_part: str, values: dict[str, Any], changed: str
    ) -> tuple[float, int, int]:
        spec = find_callback(self.dependencies, output=output_part)
        dropdowns = [
            {"type": str(Explorer.SEGMENT), "column": c} for c in self.run.info.columns.segments
        ]
        payload = callback_payload(spec, values, [changed], {SEGMENTS: dropdowns, CHIPS: []})
        request = urllib.request.Request(
            f"{self.base}/_dash-update-component",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                size = len(reply.read())
                status = reply.status
        except urllib.error.HTTPError as error:
            size, status = 0, error.code
        return (time.perf_counter() - started) * 1000, size, status

    def filter_change(self, state: FilterState) -> dict[str, tuple[float, int, int]]:
        """What the browser sends after one filter change: reducer, then charts and the table."""
        url = "#" + to_url_hash(state)
        views = views_of(state)
        run_id = {f"{Explorer.RUN_ID}.data": self.run.run_id}
        return {
            "reducer": self.post(
                f"{Explorer.URL}.hash",
                {f"{Explorer.URL}.hash": url, **run_id},
                f"{Explorer.URL}.hash",
            ),
            "charts": self.post(
                f"{Explorer.KPIS}.children",
                {f"{Explorer.CHART_STATE}.data": views.charts, **run_id},
                f"{Explorer.CHART_STATE}.data",
            ),
            "table": self.post(
                f"{Explorer.TABLE}.getRowsResponse",
                {
                    f"{Explorer.TABLE}.getRowsRequest": {
                        "startRow": 0,
                        "endRow": 100,
                        "sortModel": [],
                        "filterModel": {},
                    },
                    f"{Explorer.TABLE_STATE}.data": views.table,
                    **run_id,
                },
                f"{Explorer.TABLE}.getRowsRequest",
            ),
        }


def realistic_states(run: Run, count: int, seed: int) -> list[FilterState]:
    """Filter changes an analyst makes: segments, direction, score and money floors, searches,
    price bands, heatmap cells — one or two at a time, building on the previous view."""
    rng = random.Random(seed)
    categories = segment_categories(run)
    segments = [c for c in run.info.columns.segments if len(categories.get(c, ())) <= 60]
    raw: dict[str, Any] = {}
    states = []
    for _ in range(count):
        move = rng.choice(
            [
                "segment",
                "segment",
                "direction",
                "score",
                "stake",
                "flagged",
                "price",
                "cell",
                "search",
                "reset",
            ]
        )
        if move == "segment" and segments:
            column = rng.choice(segments)
            chosen = raw.setdefault("segments", {})
            chosen[column] = rng.sample(
                list(categories[column]), k=min(len(categories[column]), rng.randint(1, 3))
            )
            while len(chosen) > 2:  # analysts narrow by one or two segments at a time
                chosen.pop(next(iter(chosen)))
        elif move == "direction":
            raw["directions"] = rng.choice([["under"], ["over"], ["under", "over"], []])
        elif move == "score":
            raw["min_score"] = rng.choice([None, 0.25, 0.5, 1.0])
        elif move == "stake":
            raw["min_at_stake"] = rng.choice([None, 50, 200, 1000])
        elif move == "flagged":
            raw["flagged_only"] = not raw.get("flagged_only", False)
        elif move == "price":
            low = rng.choice([None, 50, 80, 120])
            raw["price_min"], raw["price_max"] = (
                low,
                (None if low is None else low * rng.choice([1.5, 2, 4])),
            )
        elif move == "cell" and len(segments) >= 2:
            x, y = rng.sample(segments, 2)
            raw["selections"] = [
                {
                    "kind": "cell",
                    "x_column": x,
                    "x_value": rng.choice(categories[x]),
                    "y_column": y,
                    "y_value": rng.choice(categories[y]),
                }
            ]
        elif move == "search":
            sample = str(run.items["item_id"].iat[rng.randrange(len(run.items))])
            raw["search"] = sample[: rng.randint(4, 8)]
        else:
            raw = {}
        states.append(parse_filter_state(raw, run.info, categories).state)
    return states


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def replay(
    client: Client, states: list[FilterState], think: float = 0.0, seed: int = 0
) -> list[dict[str, tuple[float, int, int]]]:
    """One analyst's changes, with ``think`` seconds (on average) of looking between them."""
    pause = random.Random(seed)
    changes = []
    for state in states:
        changes.append(client.filter_change(state))
        if think:
            time.sleep(pause.uniform(0.5 * think, 1.5 * think))
    return changes


def replay_figures(base: str, run: Run, args: argparse.Namespace) -> dict[str, Any]:
    """The server side: callback POSTs one analyst makes, then U analysts at once."""
    client = Client(base, run)
    replay(client, realistic_states(run, 15, seed=99))  # warm up: indexes, imports, caches
    single = replay(client, realistic_states(run, args.changes, seed=1))
    print(
        f"\n{len(run.items):,} items · {args.changes} filter changes, one analyst (ms and kB per request)"
    )
    for name in ("reducer", "charts", "table"):
        ms = [r[name][0] for r in single]
        kb = [r[name][1] / 1000 for r in single]
        print(
            f"  {name:8s} p50 {percentile(ms, 50):7.1f}  p95 {percentile(ms, 95):7.1f}   median {statistics.median(kb):7.1f} kB  max {max(kb):7.1f} kB"
        )
    totals = [sum(r[n][0] for n in r) for r in single]
    sizes = [sum(r[n][1] for n in r) / 1000 for r in single]
    p50, p95 = percentile(totals, 50), percentile(totals, 95)
    print(f"  change   p50 {p50:7.1f}  p95 {p95:7.1f}   median {statistics.median(sizes):7.1f} kB")

    per_user = [
        realistic_states(run, max(args.changes // 2, 20), seed=100 + u) for u in range(args.users)
    ]
    with ThreadPoolExecutor(max_workers=args.users) as pool:
        results = list(
            pool.map(
                lambda user: replay(Client(base, run), per_user[user], args.think, seed=user),
                range(args.users),
            )
        )
    flat = [change for user in results for change in user]
    concurrent_totals = [sum(r[n][0] for n in r) for r in flat]
    errors = sum(1 for r in flat for n in r if r[n][2] != 200)
    p95_concurrent = percentile(concurrent_totals, 95)
    print(
        f"\n{args.users} analysts at once ({args.think:g} s between changes) · {len(flat)} changes: "
        f"p95 {p95_concurrent:.1f} ms ({p95_concurrent / p95:.2f}× one analyst), {errors} errors"
    )
    return {
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "kB_median": round(statistics.median(sizes), 1),
        "charts_p50_ms": round(percentile([r["charts"][0] for r in single], 50), 1),
        "users": args.users,
        "think_s": args.think,
        "p95_ms_concurrent": round(p95_concurrent, 1),
        "errors": errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--changes", type=int, default=120)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds each concurrent analyst looks at a view before the next change",
    )
    parser.add_argument(
        "--synthetic", action="store_true", help="a synthetic scored run instead of scoring"
    )
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--browser-only", action="store_true", help="skip the callback replay")
    parser.add_argument("--data-dir", type=Path, help="keep the scored catalogue here, reuse it")
    args = parser.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="pricescope-bench-"))
    server = None
    try:
        reuse = args.data_dir is not None and (data_dir / "runs").is_dir()
        run = load_run(data_dir) if reuse else prepare_data(data_dir, args.items, args.synthetic)
        port = free_port()
        server = start_gunicorn(data_dir, port)
        base = f"http://127.0.0.1:{port}"
        # The browser first, on a server that has just started: first queries count too.
        figures: dict[str, Any] = {"items": len(run.items), "synthetic": args.synthetic}
        if not args.no_browser:
            figures.update(browser_figures(base, list(run.info.columns.segments)))
        if not args.browser_only:
            figures.update(replay_figures(base, run, args))
        print(json.dumps(figures))
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
