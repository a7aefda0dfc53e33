"""Uploading and previewing a 200 MB catalogue through the running app, and scoring a slice of it.

    python bench/upload.py [--rows 2000000] [--port 8071] [--keep]

1. Writes a realistic tyre catalogue CSV (about 100 bytes a row, so 2M rows are ~200 MB) to
   ``bench/out/`` in a streaming way (reused when it is already there).
2. Starts the app in a child process (``create_app`` on a fresh data directory with a small demo,
   served by werkzeug on 127.0.0.1) and posts the file to the real ``/data/upload`` route, streamed
   from disk, with the session's CSRF token taken from the login page.
3. Asks the server for the preview the Data page shows (first rows, column profiles on the first
   100k rows, every problem of the suggested mapping checked on the whole table); this bench-only
   route exists only in the benchmark's server and calls exactly what the page calls.
4. Reads the server process's peak RSS growth over steps 2-3 (``VmHWM`` after resetting it with
   ``/proc/PID/clear_refs``, cross-checked by sampling with psutil).
5. Scores the first 100k rows as a dataset with ``score_version`` (the job's own code) and times it.

The last line is JSON: ``{"mb", "upload_s", "preview_s", "web_rss_growth_mb",
"score_s_per_100k_rows"}``. Targets: upload + preview ≤ 20 s, RSS growth ≤ 400 MB, scoring
≤ 40 s per 100k rows.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import print_json_last

OUT = Path(__file__).resolve().parent / "out"
SAMPLE_ROWS = 100_000
#: The analyst the benchmark signs in as, on its own throw-away data directory.
BENCH_USER = "bench"
BENCH_PASSWORD = "bench-analyst-password"
_BRANDS = [
    f"{name} {line}" for name in ("Apex", "Borea", "Corsa", "Duma", "Elka") for line in "ABCDEF"
]
_CATEGORIES = ["summer", "winter", "all season", "van", "suv", "truck", "moto", "racing"]
_HEADER = (
    "sku,ean,brand,category,product name,width,aspect.ratio,rim,load_index,eco,launch_date,"
    "units_12m,list price\n"
)


def write_catalogue(path: Path, rows: int, seed: int = 3) -> None:
    """A tyre catalogue CSV, written 100k rows at a time (never the whole file in memory)."""
    rng = np.random.default_rng(seed)
    brands = np.array(_BRANDS)
    categories = np.array(_CATEGORIES)
    temporary = path.with_suffix(".tmp")
    with temporary.open("w", encoding="utf-8") as out:
        out.write(_HEADER)
        for start in range(0, rows, SAMPLE_ROWS):
            n = min(SAMPLE_ROWS, rows - start)
            brand = brands[rng.integers(0, len(brands), n)]
            category = categories[rng.integers(0, len(categories), n)]
            width = rng.choice(np.arange(155, 285, 10), n)
            ratio = rng.choice(np.arange(35, 75, 5), n)
            rim = rng.integers(13, 22, n)
            load = rng.integers(70, 120, n)
            eco = rng.choice(["yes", "no"], n)
            launch = np.datetime64("2015-01-01") + rng.integers(0, 3500, n).astype("m8[D]")
            units = rng.poisson(40, n)
            price = np.round(20 + width * 0.35 + rim * 5 + rng.gamma(2.0, 12.0, n), 2)
            lines = [
                f"T{start + i:08d},{4_000_000_000_000 + 7919 * (start + i)},{b},{c},{b} {c} {w}/{r} R{m},{w},{r},{m},{li},{e},{d},{u},{p:.2f}\n"
                for i, (b, c, w, r, m, li, e, d, u, p) in enumerate(
                    zip(
                        brand,
                        category,
                        width,
                        ratio,
                        rim,
                        load,
                        eco,
                        launch.astype(str),
                        units,
                        price,
                        strict=True,
                    )
                )
            ]
            out.write("".join(lines))
    temporary.replace(path)


# ------------------------------------------------------------------------------ server side


def serve(port: int) -> None:
    """The app as a web process, plus one bench-only route doing the Data page's preview."""
    from flask import jsonify
    from werkzeug.serving import make_server

    from dashboard.app_factory import create_app
    from dashboard.auth import require_role
    from dashboard.bootstrap import ensure_current_run
    from dashboard.config import Settings
    from dashboard.datasets import ColumnMapping
    from dashboard.datasets.checks import mapping_problems
    from dashboard.datasets.profile import profile_table, suggested_roles
    from dashboard.datasets.web import DATASET_ROLE, upload_area
    from dashboard.services import Services

    logging.basicConfig(level=logging.WARNING)
    settings = Settings.from_env()
    ensure_current_run(settings)
    services = Services.from_settings(settings)
    services.reviewing.users.add(BENCH_USER, BENCH_PASSWORD, "analyst")
    app = create_app(settings, services)
    area = upload_area(settings)

    @app.server.route("/bench/preview/<upload_id>")
    def bench_preview(upload_id: str) -> Any:
        started = time.perf_counter()
        owner = require_role(settings.sign_in_required, DATASET_ROLE).name
        upload = area.get(upload_id, owner)
        first_rows = area.preview(upload)
        profiles = profile_table(area.sample(upload), total_rows=upload.rows)
        roles = suggested_roles(profiles)
        problems = mapping_problems(area.table_path(upload), ColumnMapping.from_roles(roles))
        return jsonify(
            seconds=time.perf_counter() - started,
            shown_rows=len(first_rows),
            roles=roles,
            problems=problems,
            table=str(area.table_path(upload)),
        )

    server = make_server("127.0.0.1", port, app.server, threaded=True)
    print("ready", flush=True)
    server.serve_forever()


# ------------------------------------------------------------------------------ client side


class PeakRss:
    """The server's peak resident memory growth from now on (VmHWM reset, and sampled)."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self.pid = pid
        self.reset_ok = _reset_peak(pid)
        self.baseline = self.process.memory_info().rss
        self.sampled = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.sampled = max(self.sampled, self.process.memory_info().rss)

    def growth_mb(self) -> float:
        self._stop.set()
        self._thread.join()
        peak = self.sampled
        if self.reset_ok:
            peak = max(peak, _vm_hwm(self.pid))
        return (peak - self.baseline) / 2**20


def _reset_peak(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _vm_hwm(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


class _Browser:
    """Just enough of a browser: keeps the session cookie (sent over plain http on loopback,
    though production marks it Secure) and follows nothing."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        connection.request(
            method, path, body=body, headers={"Cookie": self.cookie(), **(headers or {})}
        )
        answer = connection.getresponse()
        content = answer.read()
        for header in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        connection.close()
        return answer.status, content


def _signed_in(browser: _Browser) -> str:
    """Signs the bench analyst in like a browser; returns the page's CSRF token (read from the
    layout's sign-out form)."""
    _, page = browser.request("GET", "/login")
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page.decode())
    if form_token is None:
        raise SystemExit("the login page carries no CSRF token")
    form = {"csrf_token": form_token.group(1), "username": BENCH_USER, "password": BENCH_PASSWORD}
    status, _ = browser.request(
        "POST",
        "/login",
        body=urllib.parse.urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 302:
        raise SystemExit(f"signing in failed ({status})")
    _, layout = browser.request("GET", "/_dash-layout")
    token = _find_csrf(json.loads(layout))
    if token is None:
        raise SystemExit("the signed-in page carries no CSRF token")
    return token


def _find_csrf(node: Any) -> str | None:
    if isinstance(node, dict):
        if node.get("name") == "csrf_token" and isinstance(node.get("value"), str):
            return str(node["value"])
        children = list(node.values())
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _find_csrf(child)
        if found:
            return found
    return None


def _post_file(browser: _Browser, path: Path, token: str) -> dict[str, Any]:
    with path.open("rb") as body:
        status, content = browser.request(
            "POST",
            "/data/upload",
            body=body,
            headers={
                "Content-Type": "application/octet-stream",
                "Content-Length": str(path.stat().st_size),
                "X-File-Name": path.name,
                "X-CSRF-Token": token,
            },
        )
    payload: dict[str, Any] = json.loads(content)
    if status != 200:
        raise SystemExit(f"upload refused ({status}): {payload}")
    return payload


def _get_json(browser: _Browser, path: str) -> dict[str, Any]:
    status, content = browser.request("GET", path)
    if status != 200:
        raise SystemExit(f"{path} answered {status}: {content[:300]!r}")
    payload: dict[str, Any] = json.loads(content)
    return payload


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _start_server(port: int, data_dir: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PRICESCOPE_DATA_DIR": str(data_dir),
        "PRICESCOPE_DEMO_SKUS": "2000",
        "PRICESCOPE_DEMO_TRANSACTIONS": "40000",
        "PRICESCOPE_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
    }
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    if child.stdout.readline().strip() != "ready":
        child.kill()
        raise SystemExit("the app did not start")
    return child


def _score_slice(data_dir: Path, table: Path, roles: dict[str, str]) -> float:
    import pyarrow.parquet as pq

    from dashboard.config import Settings
    from dashboard.datasets import ColumnMapping, DatasetStore
    from dashboard.datasets.scoring import score_version

    settings = Settings(data_dir=data_dir, demo_skus=2000, demo_transactions=40_000)
    first = next(pq.ParquetFile(table).iter_batches(batch_size=SAMPLE_ROWS)).to_pandas()
    store = DatasetStore(settings.datasets_dir)
    slug = store.create("Bench catalogue, first 100k rows", created_by="bench").slug
    mapping = ColumnMapping.from_roles(roles)
    store.add_version(slug, first, mapping, created_by="bench", source="bench")
    started = time.perf_counter()
    score_version(settings, slug)
    return (time.perf_counter() - started) * SAMPLE_ROWS / len(first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the server's data directory")
    args = parser.parse_args()
    if args.serve:
        serve(args.port)
        return
    OUT.mkdir(exist_ok=True)
    csv = OUT / f"catalogue-{args.rows}.csv"
    if not csv.exists():
        started = time.perf_counter()
        write_catalogue(csv, args.rows)
        print(f"wrote {csv} in {time.perf_counter() - started:.1f} s")
    mb = csv.stat().st_size / 2**20
    data_dir = Path(tempfile.mkdtemp(prefix="pricescope-upload-bench-"))
    args.port = args.port or _free_port()
    server = _start_server(args.port, data_dir)
    try:
        browser = _Browser(args.port)
        token = _signed_in(browser)
        memory = PeakRss(server.pid)
        started = time.perf_counter()
        shape = _post_file(browser, csv, token)
        upload_s = time.perf_counter() - started
        print(
            f"uploaded {shape['rows']:,} rows x {len(shape['columns'])} columns: {shape['details']}"
        )
        started = time.perf_counter()
        preview = _get_json(browser, f"/bench/preview/{shape['upload_id']}")
        preview_s = time.perf_counter() - started
        growth = memory.growth_mb()
        print(f"suggested roles: {preview['roles']}")
        print(f"problems with the suggested mapping: {preview['problems'] or 'none'}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    score_s = _score_slice(data_dir, Path(preview["table"]), preview["roles"])
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    print_json_last(
        {
            "mb": round(mb, 1),
            "rows": shape["rows"],
            "upload_s": round(upload_s, 2),
            "preview_s": round(preview_s, 2),
            "web_rss_growth_mb": round(growth, 1),
            "score_s_per_100k_rows": round(score_s, 1),
        }
    )


if __name__ == "__main__":
    main()
