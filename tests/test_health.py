"""Health checks, request ids and one-line failure logs, and the job worker's liveness check.

``/healthz`` and ``/readyz`` are probed as an orchestrator would: no session, production mode.
The database part cuts a real PostgreSQL off (the fixture of tests/test_db.py) and lets it back;
the worker part runs a real ``redis-server`` (the fixture of tests/test_jobs_celery.py) and a real
Celery worker, started once, then stops the worker to see both checks say so.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dash import Input, Output
from flask import Flask
from test_db import postgres_url  # noqa: F401 (a fixture)
from test_faults_runs import copy_of_current
from test_jobs_celery import redis_url  # noqa: F401 (a fixture)

from dashboard.app_factory import create_app
from dashboard.cli import main
from dashboard.config import REPO_ROOT, Settings
from dashboard.db import Database
from dashboard.errors import InputError
from dashboard.health import Readiness
from dashboard.jobs.managers import celery_app
from dashboard.logs import TEXT_FORMAT, JsonFormatter, OneLineFormatter
from dashboard.request_log import REQUEST_ID_HEADER
from dashboard.runs import ITEMS_FILE, RunStore
from testkit.servers import CELERY_WORKER, free_port, wait_until
from testkit.services import in_memory_services

SECRET = "k" * 48
DB_PASSWORD = "pg-Secret-7731"


def _copy(demo_root: Path, tmp: pytest.TempPathFactory, name: str) -> Path:
    data = tmp.mktemp(name) / "data"
    shutil.copytree(demo_root, data)
    return data


@pytest.fixture(scope="module")
def production(demo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A production app (sign-in required) on its own copy of the demo, SQLite under the data dir."""
    data = _copy(demo_root, tmp_path_factory, "health")
    settings = Settings(data_dir=data, env="production", secret_key=SECRET, auto_demo=False)
    return create_app(settings), settings


def test_healthz_answers_without_sign_in_in_production(production: Any) -> None:
    app, _ = production
    client = app.server.test_client()
    assert client.get("/").status_code == 302  # the pages want a session...
    response = client.get("/healthz")  # ...the probe does not
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_and_names_the_current_run_only(production: Any) -> None:
    app, settings = production
    response = app.server.test_client().get("/readyz")
    assert response.status_code == 200, response.get_data(as_text=True)
    report = response.get_json()
    assert report["status"] == "ready"
    assert report["failing"] == []
    run_id = RunStore(settings.runs_dir).current_id()
    assert report["checks"]["run"] == {"ok": True, "run_id": run_id}
    assert report["checks"]["database"] == {"ok": True}
    assert "redis" not in report["checks"]  # no REDIS_URL: jobs run in the web process
    assert str(settings.data_dir) not in response.get_data(as_text=True)


def test_a_probe_through_a_proxy_is_answered_in_sign_in_less_mode(demo_root: Path) -> None:
    """The loopback guard refuses pages behind a proxy; the probes reveal nothing it protects."""
    settings = Settings(data_dir=demo_root, auto_demo=False)
    client = create_app(settings, in_memory_services(settings)).server.test_client()
    proxied = {"X-Forwarded-For": "10.0.0.7"}
    assert client.get("/", headers=proxied).status_code == 403
    assert client.get("/healthz", headers=proxied).status_code == 200
    assert client.get("/readyz", headers=proxied).status_code == 200
    assert client.post("/healthz").status_code == 405


def test_readyz_follows_a_real_postgresql_going_away_and_coming_back(
    postgres_url: str,  # noqa: F811 (the fixture imported above)
    demo_settings: Settings,
) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    from dashboard.db import open_database

    # The server trusts loopback, so the password is ignored: here it only has to stay unsaid.
    database = open_database(postgres_url.replace("postgres@", f"postgres:{DB_PASSWORD}@"))
    readiness = Readiness(in_memory_services(demo_settings).runs, database, cache_s=0)
    assert readiness.report()["status"] == "ready"
    port = make_url(postgres_url).port
    with psycopg.connect(
        f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True
    ) as admin:
        # The outage: no new connection is let in, and the pooled ones are cut.
        admin.execute("ALTER DATABASE pricescope ALLOW_CONNECTIONS false")
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'pricescope'"
        )
        try:
            report = readiness.report()
        finally:
            admin.execute("ALTER DATABASE pricescope ALLOW_CONNECTIONS true")
    assert report["failing"] == ["database"]
    assert report["checks"]["database"]["ok"] is False
    assert DB_PASSWORD not in json.dumps(report)
    assert readiness.report()["status"] == "ready"  # back without a restart
    database.dispose()


def test_readyz_names_the_database_when_it_does_not_answer(production: Any) -> None:
    _, settings = production
    services = in_memory_services(settings)
    closed = f"postgresql+psycopg://pricescope:{DB_PASSWORD}@127.0.0.1:{free_port()}/pricescope"
    broken = dataclasses.replace(services.reviewing, database=Database(closed))
    failing_app = create_app(settings, dataclasses.replace(services, reviewing=broken))
    response = failing_app.server.test_client().get("/readyz")
    assert response.status_code == 503
    report = response.get_json()
    assert report["status"] == "not ready"
    assert report["failing"] == ["database"]
    assert report["checks"]["database"]["problem"].startswith("The database did not answer")
    body = response.get_data(as_text=True)
    for secret in (DB_PASSWORD, "pricescope@", str(settings.data_dir)):
        assert secret not in body


@pytest.mark.parametrize("damage", ["emptied", "removed"])
def test_readyz_names_the_run_when_its_items_cannot_be_read(
    demo_root: Path, tmp_path_factory: pytest.TempPathFactory, damage: str
) -> None:
    data = _copy(demo_root, tmp_path_factory, "damaged")
    settings = Settings(data_dir=data, auto_demo=False)
    services = in_memory_services(settings)
    run_id = services.runs.current_id()
    items = settings.runs_dir / str(run_id) / ITEMS_FILE
    if damage == "emptied":
        items.write_bytes(b"")
    else:
        items.unlink()
    report = Readiness(services.runs, services.reviewing.database).report()
    assert report["failing"] == ["run"]
    assert report["checks"]["run"]["run_id"] == run_id
    assert report["checks"]["run"]["problem"].startswith("The current run cannot be read")
    assert str(data) not in json.dumps(report)


def test_readyz_stays_ready_while_the_pages_fall_back_from_a_damaged_current_run(
    demo_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    data = _copy(demo_root, tmp_path_factory, "fallback")
    settings = Settings(data_dir=data, auto_demo=False)
    services = in_memory_services(settings)
    copy_of_current(services.runs, make_current=False)
    damaged = services.runs.current_id()
    (settings.runs_dir / str(damaged) / ITEMS_FILE).write_bytes(b"")
    services = in_memory_services(settings)  # a process that had not loaded the run yet
    report = Readiness(services.runs, services.reviewing.database).report()
    assert report["failing"] == []
    run = report["checks"]["run"]
    shown = services.runs.serving().run  # the run the pages fall back to
    assert shown is not None and shown.run_id != damaged
    assert (run["run_id"], run["shown_run_id"]) == (damaged, shown.run_id)
    assert run["problem"] == "The current run cannot be read; the pages show another run."


def test_readiness_is_kept_for_a_moment_so_probes_do_not_hammer_the_database(
    demo_settings: Settings,
) -> None:
    services = in_memory_services(demo_settings)
    readiness = Readiness(services.runs, services.reviewing.database, cache_s=3600)
    first = readiness.report()
    (demo_settings.runs_dir / str(services.runs.current_id()) / ITEMS_FILE).write_bytes(b"")
    assert readiness.report() is first  # within the cache time: not read again
    assert Readiness(services.runs, services.reviewing.database).report()["failing"] == ["run"]


# -- request ids and one-line failures -------------------------------------------------------


@pytest.fixture(scope="module")
def failing_server(demo_root: Path) -> Flask:
    settings = Settings(data_dir=demo_root, auto_demo=False)
    app = create_app(settings, in_memory_services(settings))
    server = app.server

    @server.route("/boom-health")
    def boom() -> str:
        raise RuntimeError("the price table vanished\nsecond line of detail")

    @app.callback(Output("health-broken", "children"), Input("health-trigger", "value"))
    def broken_callback(value: object) -> str:
        raise ValueError(f"no fair price for {value}")

    return server


def test_a_failed_request_is_one_error_line_with_its_request_id(
    failing_server: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = failing_server.test_client().get("/boom-health")
    assert response.status_code == 500
    request_id = response.headers[REQUEST_ID_HEADER]
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1
    (record,) = errors
    assert record.levelno == logging.ERROR
    assert record.request_id == request_id  # type: ignore[attr-defined]
    line = OneLineFormatter(TEXT_FORMAT).format(record)
    assert "GET /boom-health failed with 500" in line
    assert f"[request {request_id}]" in line
    assert "(RuntimeError: the price table vanished)" in line
    assert "Traceback" not in line and "\n" not in line  # the root logger is not at DEBUG
    assert "the price table vanished" not in response.get_data(as_text=True)


def test_a_failed_dash_callback_is_one_error_line_too(
    failing_server: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    body = {
        "output": "health-broken.children",
        "outputs": {"id": "health-broken", "property": "children"},
        "inputs": [{"id": "health-trigger", "property": "value", "value": "SKU-1"}],
        "changedPropIds": ["health-trigger.value"],
    }
    with caplog.at_level(logging.INFO):
        response = failing_server.test_client().post("/_dash-update-component", json=body)
    assert response.status_code == 500
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in errors] == ["POST /_dash-update-component failed with 500"]
    entry = json.loads(JsonFormatter().format(errors[0]))
    assert entry["request_id"] == response.headers[REQUEST_ID_HEADER]
    assert (entry["exc_type"], entry["exc"]) == ("ValueError", "no fair price for SKU-1")


def test_a_sane_incoming_request_id_is_kept_and_a_bad_one_replaced(failing_server: Flask) -> None:
    client = failing_server.test_client()
    given = "Root=1-67891233-abcdef012345678912345678"
    assert (
        client.get("/healthz", headers={REQUEST_ID_HEADER: given}).headers[REQUEST_ID_HEADER]
        == given
    )
    replaced = client.get("/healthz", headers={REQUEST_ID_HEADER: "<script>x</script>"})
    assert replaced.headers[REQUEST_ID_HEADER] not in ("", "<script>x</script>")
    assert len(replaced.headers[REQUEST_ID_HEADER]) == 32


def test_json_log_lines_are_parseable_and_carry_the_request_id_and_traceback(
    failing_server: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = failing_server.test_client().get(
            "/boom-health", headers={REQUEST_ID_HEADER: "probe-000123"}
        )
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert response.headers[REQUEST_ID_HEADER] == "probe-000123"
    assert entry["request_id"] == "probe-000123"
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "dashboard.request_log"
    assert entry["message"] == "GET /boom-health failed with 500"
    assert entry["exc_type"] == "RuntimeError"
    assert entry["exc"] == "the price table vanished"
    assert entry["traceback"].startswith("Traceback") and "def boom" not in entry["message"]


def test_the_json_format_applies_to_every_logger_of_a_fresh_process(tmp_path: Path) -> None:
    script = (
        "import logging\n"
        "from dashboard.logs import configure_logging\n"
        "configure_logging()\n"
        "logging.getLogger('celery.app.trace').info('task %s succeeded', 'x')\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n"
        "    logging.getLogger('dash').exception('callback failed')\n"
    )
    env = {**os.environ, "PRICESCOPE_LOG_FORMAT": "json"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    lines = done.stderr.strip().splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["logger"] for e in entries] == ["celery.app.trace", "dash"]
    assert entries[0]["message"] == "task x succeeded"
    assert entries[1]["exc_type"] == "ZeroDivisionError"


def test_an_unknown_log_format_is_refused_with_a_sentence() -> None:
    with pytest.raises(InputError, match="PRICESCOPE_LOG_FORMAT must be 'text' or 'json'"):
        Settings.from_env({"PRICESCOPE_LOG_FORMAT": "xml"})
    assert Settings.from_env({"PRICESCOPE_LOG_FORMAT": "JSON"}).log_format == "json"


# -- the job worker: a real Redis and a real Celery worker ------------------------------------


class Worker:
    def __init__(self, data: Path, url: str) -> None:
        env = {
            **os.environ,
            "REDIS_URL": url,
            "PRICESCOPE_DATA_DIR": str(data),
            "PRICESCOPE_AUTO_DEMO": "false",
        }
        self.log = (data.parent / "worker.log").open("w")
        self.process = subprocess.Popen(
            [*CELERY_WORKER, "--without-heartbeat"],
            cwd=REPO_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def worker_world(
    demo_root: Path,
    redis_url: str,  # noqa: F811 (the fixture imported above)
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Settings, Worker]]:
    data = _copy(demo_root, tmp_path_factory, "worker")
    settings = Settings(data_dir=data, redis_url=redis_url, auto_demo=False)
    worker = Worker(data, redis_url)
    try:
        services = in_memory_services(settings)
        readiness = Readiness(services.runs, services.reviewing.database, redis_url, cache_s=0)
        wait_until(lambda: readiness.report()["checks"]["worker"]["ok"], "the worker's beat", 90)
        yield settings, worker
    finally:
        worker.stop()


def test_readyz_reports_the_worker_and_the_queue_depth(worker_world: Any) -> None:
    settings, _ = worker_world
    app = create_app(settings, in_memory_services(settings))
    response = app.server.test_client().get("/readyz")
    assert response.status_code == 200, response.get_data(as_text=True)
    checks = response.get_json()["checks"]
    assert checks["redis"] == {"ok": True, "queue_depth": 0}  # an idle worker: nothing waits
    assert checks["worker"]["ok"] is True
    assert checks["worker"]["workers"] == 1
    assert 0 <= checks["worker"]["newest_heartbeat_age_s"] <= 60
    assert "redis://" not in response.get_data(as_text=True)


def test_worker_check_exits_0_when_the_worker_answers(
    worker_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings, _ = worker_world
    monkeypatch.setenv("REDIS_URL", str(settings.redis_url))
    assert main(["worker-check", "--timeout", "5"]) == 0
    assert "answered" in capsys.readouterr().out
    assert main(["worker-check", "--timeout", "1", "--worker", "celery@no-such-host"]) == 1
    assert "No worker celery@no-such-host answered" in capsys.readouterr().out


def test_a_stopped_worker_fails_worker_check_and_readiness(
    worker_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings, worker = worker_world
    worker.stop()
    monkeypatch.setenv("REDIS_URL", str(settings.redis_url))
    assert main(["worker-check", "--timeout", "2"]) == 1
    assert "No job worker answered through the broker within 2 s." in capsys.readouterr().out
    import redis

    # Two jobs queued while no worker runs: the queue's depth says so.
    redis.Redis.from_url(str(settings.redis_url)).rpush("celery", b"{}", b"{}")
    services = in_memory_services(settings)
    try:
        report = Readiness(services.runs, services.reviewing.database, settings.redis_url).report()
    finally:
        redis.Redis.from_url(str(settings.redis_url)).delete("celery")
    assert report["failing"] == ["worker"]
    assert report["checks"]["worker"]["workers"] == 0
    assert report["checks"]["worker"]["problem"] == (
        "No job worker answered a ping in the last 60 s."
    )
    assert report["checks"]["redis"] == {"ok": True, "queue_depth": 2}


def test_heartbeats_of_killed_workers_are_dropped_by_their_reader(
    redis_url: str,  # noqa: F811 (the fixture imported above)
) -> None:
    import redis

    from dashboard.jobs.worker_health import HEARTBEAT_TTL_S, HEARTBEATS_KEY, heartbeat_ages

    client = redis.Redis.from_url(redis_url)
    client.delete(HEARTBEATS_KEY)
    now = 1_000_000.0
    client.hset(
        HEARTBEATS_KEY, mapping={"celery@a": now - 12, "celery@gone": now - HEARTBEAT_TTL_S - 1}
    )
    assert heartbeat_ages(client, now) == [12.0]
    assert client.hkeys(HEARTBEATS_KEY) == [b"celery@a"]
    client.delete(HEARTBEATS_KEY)


def test_worker_check_without_redis_url_says_so_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main(["worker-check"]) == 2
    assert "worker-check needs REDIS_URL" in capsys.readouterr().err


def test_a_worker_deaf_to_the_broker_writes_no_heartbeat_and_stops_itself(
    redis_url: str,  # noqa: F811 (the fixture imported above)
    demo_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The heartbeat means "answered a ping through the broker", not "the process runs": a worker
    whose consumer no longer hears Redis (here: a name no worker answers to) leaves readiness
    failing, says so once, and, while Redis itself answers, stops so that it is restarted."""
    import redis

    from dashboard.jobs import worker_health

    monkeypatch.setattr(worker_health, "PING_TIMEOUT_S", 0.5)
    monkeypatch.setattr(worker_health, "DEAF_EXIT_S", 0.0)  # deaf from the first unanswered ping
    settings = dataclasses.replace(demo_settings, redis_url=redis_url)
    left: list[bool] = []
    beat = worker_health.Heartbeat(
        celery_app(settings), "celery@deaf-host", on_deaf=lambda: left.append(True)
    )
    with caplog.at_level(logging.INFO, logger="dashboard.jobs.worker_health"):
        assert beat.beat() is False
        assert beat.beat() is False
    client = redis.Redis.from_url(redis_url)
    assert client.hget(worker_health.HEARTBEATS_KEY, "celery@deaf-host") is None
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert lines[0] == (
        "WARNING",
        "worker celery@deaf-host did not answer its own ping through the broker within 0.5 s; "
        "it takes no jobs (restart it: see worker-check)",
    )
    assert [level for level, _ in lines[1:]] == ["ERROR", "ERROR"]  # the warning came once
    assert "deaf to the broker" in lines[1][1] and "stopping it" in lines[1][1]
    assert left == [True, True]
