"""Jobs under injected faults, with real servers the fixtures start: Redis stopped and restarted
mid-job, the whole Celery worker killed mid-job, SIGTERM to the worker during a job, and in
diskcache mode SIGTERM to the job process and the server gone while its job runs.

Every job is started the way the Jobs page starts it (an HTTP request to a real ``python app.py``
web process); its record (the truth every page draws) is what the tests read. The reaper's
interval and stale bound are shortened through the environment, so nothing waits a minute.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests

from dashboard.app_factory import create_app
from dashboard.auth import Identity, Role
from dashboard.auth.identity import LOCAL_ADMIN
from dashboard.config import Settings
from dashboard.ids import Data, Jobs
from dashboard.jobs import JobBook, TransactionSource, job_book, parse_scope
from dashboard.jobs.dataset_jobs import queue_score_job
from dashboard.jobs.records import DATA_PAGE, JOBS_PAGE, JobRecord
from dashboard.runs import RunStore
from testkit.callback_requests import callback_payload, find_callback, id_key
from testkit.servers import (
    REDIS,
    Child,
    RedisServer,
    celery_worker,
    retry_on_jobs_page,
    start_jobs_page_job,
    wait_until,
    web_server,
)

pytestmark = [pytest.mark.slow]

STALE_S = 6.0
FAULT_ENV = {
    "PRICESCOPE_AUTO_DEMO": "false",
    "PRICESCOPE_JOB_STALE_S": str(STALE_S),
    "PRICESCOPE_REAPER_INTERVAL_S": "0.5",
    "PRICESCOPE_LOG_LEVEL": "INFO",
}
#: How long a test waits for a job on the small demo to get somewhere (seconds, generous: the
#: machine is shared; nothing asserts a duration).
JOB_WAIT_S = 150
#: How long a platform waits after SIGTERM before it kills a process (Heroku: 30 s).
PLATFORM_GRACE_S = 30
#: Above Linux's largest process id: a process that is certainly gone.
NO_SUCH_PID = 2**22 + 1


def _private_copy(demo_root: Path, folder: Path) -> Settings:
    data = folder / "data"
    shutil.copytree(demo_root, data)
    return Settings(data_dir=data, auto_demo=False)


def _queue(settings: Settings, period: str = "24m", region: str | None = None) -> dict[str, str]:
    """A queued Jobs-page job (as the page's Recompute writes it) and its request store. Each
    test asks for its own scope: a scope computed before is answered from its run at once."""
    source = TransactionSource.of(settings, "demo")
    raw = {"period": period, "regions": [region] if region else []}
    request = parse_scope(raw, choices=source.choices())
    record = job_book(settings).create(request.to_json(), f"last {period}", "local", JOBS_PAGE)
    return {"job_id": record.job_id, "ticket": record.ticket or ""}


def _record(book: JobBook, job_id: str) -> JobRecord:
    record = book.get(job_id)
    assert record is not None
    return record


def _wait_for(
    book: JobBook, job_id: str, test: Any, what: str, timeout: float = JOB_WAIT_S
) -> JobRecord:
    return wait_until(lambda: (r := book.get(job_id)) is not None and test(r) and r, what, timeout)  # type: ignore[no-any-return]


def _fitting(book: JobBook, job_id: str) -> JobRecord:
    return _wait_for(book, job_id, lambda r: "fitting fold" in r.stage, f"job {job_id} fitting")


def _ended(book: JobBook, job_id: str) -> JobRecord:
    return _wait_for(book, job_id, lambda r: not r.active, f"job {job_id} ending")


# -- Celery + Redis -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def celery_site(
    demo_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """Redis, one web process and the environment a worker needs (the tests start workers)."""
    if REDIS is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    folder = tmp_path_factory.mktemp("faults-celery")
    redis_server = RedisServer(folder)
    redis_server.start()
    settings = _private_copy(demo_root, folder)
    env = {**os.environ, **FAULT_ENV, "REDIS_URL": redis_server.url}
    env["PRICESCOPE_DATA_DIR"] = str(settings.data_dir)
    web: Child | None = None
    try:
        web, url = web_server(env, folder / "web.log")
        yield {
            "settings": settings,
            "env": env,
            "url": url,
            "redis": redis_server,
            "folder": folder,
        }
    finally:
        if web is not None:
            web.stop()
        redis_server.stop()


def _worker(site: dict[str, Any], name: str) -> Child:
    """A Celery worker that answers a ping through the broker."""
    from dashboard.jobs.managers import celery_app

    worker = celery_worker(site["env"], site["folder"] / f"{name}.log")
    probe = celery_app(replace(site["settings"], redis_url=site["redis"].url))
    try:
        wait_until(lambda: probe.control.ping(timeout=1.0), f"worker {name}", 90)
    except AssertionError:
        worker.stop()
        raise AssertionError(f"worker {name} did not start:\n{worker.tail()}") from None
    return worker


def test_redis_restarted_mid_job_then_a_second_job_runs_on_the_same_worker(
    celery_site: dict[str, Any],
) -> None:
    settings, book = celery_site["settings"], job_book(celery_site["settings"])
    worker = _worker(celery_site, "worker-a")
    try:
        first = _queue(settings, "24m")
        start_jobs_page_job(celery_site["url"], first)
        _fitting(book, first["job_id"])
        celery_site["redis"].stop()
        time.sleep(3.0)
        celery_site["redis"].start()
        ended = _ended(book, first["job_id"])
        # A true end: it finished and published, or it says it was interrupted.
        assert ended.status in {"done", "interrupted"}, ended
        if ended.status == "done":
            assert ended.run_id in {run.run_id for run in RunStore(settings.runs_dir).list_runs()}
        second = _queue(settings, "12m")
        start_jobs_page_job(celery_site["url"], second)
        done = _ended(book, second["job_id"])
        assert done.status == "done", f"{done}\n{worker.tail()}"
        assert worker.process.poll() is None  # the same worker took it
    finally:
        worker.stop()


def test_a_killed_worker_s_job_is_interrupted_by_the_reaper_and_retry_runs_it(
    celery_site: dict[str, Any],
) -> None:
    settings, book = celery_site["settings"], job_book(celery_site["settings"])
    worker = _worker(celery_site, "worker-b")
    replacement: Child | None = None
    try:
        queued = _queue(settings, "24m", "France")
        start_jobs_page_job(celery_site["url"], queued)
        _fitting(book, queued["job_id"])
        worker.signal_group(signal.SIGKILL)  # the whole worker: main process and pool
        worker.process.wait(timeout=10)
        # Nobody opens a page: the web process's reaper ends the job within the bound.
        interrupted = _wait_for(
            book, queued["job_id"], lambda r: not r.active, "the reaper", timeout=STALE_S + 20
        )
        assert interrupted.status == "interrupted", interrupted
        assert "stopped responding" in (interrupted.error or "")
        assert "retry it" in (interrupted.error or "") and "analyst" not in (
            interrupted.error or ""
        )
        web_log = (celery_site["folder"] / "web.log").read_text(encoding="utf-8")
        assert (
            sum(
                f"job {queued['job_id']} ended as interrupted" in line
                for line in web_log.splitlines()
            )
            == 1
        )

        replacement = _worker(celery_site, "worker-b2")
        retried = retry_on_jobs_page(celery_site["url"], queued["job_id"])
        assert retried["job_id"] != queued["job_id"]
        again = _record(book, retried["job_id"])
        assert again.scope == interrupted.scope and again.status == "queued"
        start_jobs_page_job(celery_site["url"], retried)
        done = _ended(book, retried["job_id"])
        assert done.status == "done", f"{done}\n{replacement.tail()}"
        assert _record(book, queued["job_id"]).status == "interrupted"  # history stays true
    finally:
        worker.stop()
        if replacement is not None:
            replacement.stop()


def test_sigterm_to_the_worker_requeues_its_job_which_then_runs(
    celery_site: dict[str, Any],
) -> None:
    settings, book = celery_site["settings"], job_book(celery_site["settings"])
    worker = _worker(celery_site, "worker-c")
    replacement: Child | None = None
    try:
        queued = _queue(settings, "24m", "DACH")
        start_jobs_page_job(celery_site["url"], queued)
        _fitting(book, queued["job_id"])
        worker.signal_group(signal.SIGTERM)  # a restart: every process of the worker
        try:
            worker.process.wait(timeout=PLATFORM_GRACE_S)
        except subprocess.TimeoutExpired:  # what the platform then does
            worker.signal_group(signal.SIGKILL)
            worker.process.wait(timeout=10)
        record = _record(book, queued["job_id"])
        assert record.status == "queued", f"{record}\n{worker.tail()}"
        assert (record.error or "").startswith("interrupted: ")
        assert "analyst" not in (record.error or "") and not record.cancel_requested
        assert "succeeded" not in worker.tail(200).split("SIGTERM")[-1]

        replacement = _worker(celery_site, "worker-c2")  # the message comes back to it
        done = _ended(book, queued["job_id"])
        assert done.status == "done", f"{done}\n{replacement.tail()}"
        assert done.error is None
    finally:
        worker.stop()
        if replacement is not None:
            replacement.stop()


# -- diskcache ----------------------------------------------------------------------------------
def _listening(pid: int) -> list[Any]:
    return [
        c for c in psutil.Process(pid).net_connections("inet") if c.status == psutil.CONN_LISTEN
    ]


def test_diskcache_job_process_holds_no_socket_and_sigterm_interrupts_it(
    demo_root: Path, tmp_path: Path
) -> None:
    settings = _private_copy(demo_root, tmp_path)
    book = job_book(settings)
    env = {**os.environ, **FAULT_ENV, "PRICESCOPE_DATA_DIR": str(settings.data_dir)}
    env.pop("REDIS_URL", None)
    server, url = web_server(env, tmp_path / "web.log")
    job_pid: int | None = None
    restarted: Child | None = None
    try:
        queued = _queue(settings, "24m")
        start_jobs_page_job(url, queued)
        running = _fitting(book, queued["job_id"])
        job_pid = int((running.worker or "").rpartition(":")[2])
        assert job_pid != server.pid and psutil.pid_exists(job_pid)
        assert _listening(server.pid)  # the server listens…
        assert _listening(job_pid) == []  # …its job does not

        port = int(url.rpartition(":")[2])
        server.process.send_signal(signal.SIGKILL)  # the server alone dies; its job lives on
        server.process.wait(timeout=10)
        assert psutil.pid_exists(job_pid) and _listening(job_pid) == []
        with socket.socket() as probe:  # the port is free for the next server
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))

        os.kill(job_pid, signal.SIGTERM)  # a restart stops the job's process too
        ended = _ended(book, queued["job_id"])
        assert ended.status == "interrupted", ended
        assert "restart or deploy" in (ended.error or "") and "analyst" not in (ended.error or "")

        # A job left "running" by a process that is gone is interrupted when a server starts.
        orphan = _queue(settings, "6m")
        now, gone = time.time(), NO_SUCH_PID
        worker = f"{socket.gethostname()}:{gone}"
        book.update(
            orphan["job_id"], status="running", started_at=now, heartbeat_at=now, worker=worker
        )
        # The next server binds the same port ("Address already in use" before the fix).
        restarted = Child(
            list(server.process.args), {**env, "PORT": str(port)}, tmp_path / "web2.log"
        )  # type: ignore[arg-type]
        wait_until(
            lambda: requests.get(f"{url}/_dash-layout", timeout=2).ok, "the restarted server", 90
        )
        left = _wait_for(
            book, orphan["job_id"], lambda r: not r.active, "the start-up sweep", timeout=60
        )
        assert left.status == "interrupted" and "its process is gone" in (left.error or "")
    finally:
        server.stop()
        if restarted is not None:
            restarted.stop()
        if job_pid is not None and psutil.pid_exists(job_pid):
            os.kill(job_pid, signal.SIGKILL)


# -- a full disk --------------------------------------------------------------------------------
def test_a_disk_too_full_to_start_a_job_gets_a_sentence_not_a_500(
    demo_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = create_app(demo_settings).server.test_client()
    jobs_dir = str(demo_settings.jobs_dir)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", jobs_dir)

    monkeypatch.setattr(JobBook, "create", disk_full)
    dependencies = client.get("/_dash-dependencies").get_json()
    spec = find_callback(dependencies, output=f"{Jobs.REQUEST}.data", trigger=str(Jobs.RECOMPUTE))
    values = {
        f"{Jobs.RECOMPUTE}.n_clicks": 1,
        f"{Jobs.PERIOD}.value": "12m",
        f"{Jobs.DATASET}.value": "demo",
    }
    body = callback_payload(spec, values, [f"{Jobs.RECOMPUTE}.n_clicks"])
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    shown = answer.get_json()["response"][str(Jobs.SCOPE_ERROR)]["children"]
    assert shown.startswith("Not enough disk space to start the job: No space left on device")
    assert jobs_dir in shown
    assert str(Jobs.REQUEST) not in answer.get_json()["response"]  # nothing queued


def test_retry_on_the_data_page_queues_the_interrupted_scoring_again(
    demo_settings: Settings,
) -> None:
    client = create_app(demo_settings).server.test_client()
    book = job_book(demo_settings)
    analyst = Identity("ana", Role.ANALYST)
    first = queue_score_job(demo_settings, book, "demo", None, analyst)["job_id"]
    book.finish(first, "interrupted", error="interrupted: its worker stopped responding — retry it")
    button = {"type": str(Data.RETRY), "job": first}
    pattern = id_key({"type": str(Data.RETRY), "job": ["ALL"]})
    dependencies = client.get("/_dash-dependencies").get_json()
    spec = find_callback(dependencies, output=f"{Data.REQUEST}.data", trigger=id_key(button))
    changed = f"{id_key(button)}.n_clicks"
    body = callback_payload(spec, {changed: 1}, [changed], {pattern: [button]})
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    request = answer.get_json()["response"][str(Data.REQUEST)]["data"]
    again = _record(book, request["job_id"])
    assert again.job_id != first and again.status == "queued"
    assert again.scope == _record(book, first).scope and again.origin == DATA_PAGE
    assert again.started_by == LOCAL_ADMIN  # the one who clicked, not the first job's analyst
