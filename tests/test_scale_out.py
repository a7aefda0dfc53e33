"""Two web processes and one Celery worker that share only the database (a real PostgreSQL), Redis
and the run store location (``PRICESCOPE_RUNS_URL``), as on separate hosts without a shared volume.

Each process has its own data directory: web A and the worker each hold a copy of the demo dataset
(the order lines a recompute re-aggregates; datasets still live in the data directory), web B holds
nothing at all. The run store is a directory outside the three, holding the demo's published run.
A recompute is queued through web A's real HTTP endpoints, as the Jobs page's browser sends them
(the Recompute click, then the background callback that hands the job to Celery); the worker runs
it; web B's Jobs page then lists it as done, from the job records in PostgreSQL, and web B opens
the run the worker published.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from dashboard.config import Settings
from dashboard.ids import Jobs
from dashboard.jobs import job_book
from dashboard.jobs.managers import background_manager
from dashboard.runs import RunStore
from testkit.servers import CELERY_WORKER, Child, dash_post, free_port, wait_until
from tests.test_db import postgres_url  # noqa: F401  (a real PostgreSQL server for this module)
from tests.test_jobs_celery import redis_url  # noqa: F401  (a real redis-server for this module)

pytestmark = [pytest.mark.slow]

START_TIMEOUT_S = 90
JOB_TIMEOUT_S = 90


@dataclass(frozen=True)
class Hosts:
    web_a: str
    web_b: str
    runs: Path
    data_a: Path
    data_b: Path
    data_worker: Path
    worker_pid: int
    database_url: str


@pytest.fixture(scope="module")
def hosts(
    demo_root: Path,
    postgres_url: str,  # noqa: F811
    redis_url: str,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Hosts]:
    base = tmp_path_factory.mktemp("scale-out")
    runs = base / "shared-runs"
    shutil.copytree(demo_root / "runs", runs)  # the demo's run, published once
    data_a, data_b, data_worker = base / "web-a", base / "web-b", base / "worker"
    for data in (data_a, data_worker):
        for part in ("demo", "datasets"):
            shutil.copytree(demo_root / part, data / part)
    data_b.mkdir()
    shared = {
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url,
        "PRICESCOPE_RUNS_URL": str(runs),
        "PRICESCOPE_ENV": "development",  # sign-in off: each web process serves loopback only
        "PRICESCOPE_AUTO_DEMO": "false",
        "HOST": "127.0.0.1",
    }

    def env(data: Path) -> dict[str, str]:
        return {**os.environ, **shared, "PRICESCOPE_DATA_DIR": str(data)}

    ports = free_port(), free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "app:server", "--workers", "1", "--threads", "4"]
    processes = [
        Child([*gunicorn, "--bind", f"127.0.0.1:{port}"], env(data), base / f"{data.name}.log")
        for port, data in zip(ports, (data_a, data_b), strict=True)
    ]
    worker = Child(
        [*CELERY_WORKER, "--without-heartbeat"],
        env(data_worker),
        base / "worker.log",
    )
    processes.append(worker)
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url in urls:
            wait_until(lambda u=url: requests.get(f"{u}/jobs", timeout=5).ok, url, START_TIMEOUT_S)
        celery = background_manager(Settings(redis_url=redis_url)).handle
        wait_until(lambda: celery.control.ping(timeout=1.0), "a worker ping", START_TIMEOUT_S)
        yield Hosts(*urls, runs, data_a, data_b, data_worker, worker.pid, postgres_url)
    finally:
        for process in processes:
            process.stop()


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_a_job_queued_on_one_web_host_runs_on_the_worker_and_shows_on_another(
    hosts: Hosts,
) -> None:
    # Web A: the Recompute click queues the job (a record in PostgreSQL) and hands the page a ticket.
    queued = dash_post(
        hosts.web_a,
        f"{Jobs.REQUEST}.data",
        {
            f"{Jobs.RECOMPUTE}.n_clicks": 1,
            f"{Jobs.PERIOD}.value": "3m",
            f"{Jobs.DATASET}.value": "demo",
        },
        [f"{Jobs.RECOMPUTE}.n_clicks"],
        trigger=str(Jobs.RECOMPUTE),
    )["response"][str(Jobs.REQUEST)]["data"]
    job_id = queued["job_id"]
    # Web A: the page's background callback sends the job to Celery (the browser then polls).
    handles = dash_post(
        hosts.web_a,
        f"{Jobs.RESULT}.data",
        {f"{Jobs.REQUEST}.data": queued},
        [f"{Jobs.REQUEST}.data"],
    )
    assert set(handles) >= {"cacheKey", "job"}

    # Web B, which never saw the job: its Jobs page lists it, done, from the shared records.
    def jobs_page_of_b() -> dict[str, Any] | None:
        answer = dash_post(
            hosts.web_b,
            f"{Jobs.JOBS_TABLE}.children",
            {f"{Jobs.TICK}.n_intervals": 1, f"{Jobs.RUNS_SIGNATURE}.data": None},
            [f"{Jobs.TICK}.n_intervals"],
        )["response"]
        shown = json.dumps(answer[str(Jobs.JOBS_TABLE)], ensure_ascii=False)
        if '"done"' in shown or '"failed"' in shown:
            return answer
        return None

    page = wait_until(jobs_page_of_b, "the job's end on web B", JOB_TIMEOUT_S)
    record = job_book(Settings(data_dir=hosts.data_b, database_url=hosts.database_url)).get(job_id)
    assert record is not None and record.status == "done", record
    assert record.scope_label in json.dumps(page[str(Jobs.JOBS_TABLE)], ensure_ascii=False)
    # The worker's pool process ran it, not either web process.
    assert record.worker is not None
    assert _parent_of(int(record.worker.rsplit(":", 1)[1])) == hosts.worker_pid

    # The run went to the shared run store, and web B lists it and opens it.
    run_id = record.run_id
    assert run_id is not None
    published = RunStore(hosts.runs).info(run_id)
    assert published.source["job_id"] == job_id and published.scope["request"]["period"] == "3m"
    assert run_id in json.dumps(page[str(Jobs.RUNS)], ensure_ascii=False)
    opened = dash_post(
        hosts.web_b,
        "_pages_content.children",
        {"_pages_location.pathname": "/", "_pages_location.search": f"?run={run_id}"},
        ["_pages_location.pathname"],
    )
    assert published.label in json.dumps(opened, ensure_ascii=False)
    # Nothing of the job was written under any web or worker data directory.
    for data in (hosts.data_a, hosts.data_b, hosts.data_worker):
        assert not (data / "runs").exists() and not (data / "jobs").exists(), data
