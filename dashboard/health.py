"""``GET /healthz`` (liveness) and ``GET /readyz`` (readiness) for load balancers and orchestrators.

``/healthz`` answers as soon as the process can answer: it reads nothing. ``/readyz`` says whether
this web process can serve an analyst: the current run is readable, the database answers and, with
``REDIS_URL``, Redis answers and a job worker answered a ping through the broker recently; it also
reports the job queue's depth. 200 when ready, 503 naming the failing checks otherwise. The result
is kept :data:`READY_CACHE_S` seconds, so a probe loop cannot hammer the database.

Both answer before the sign-in guard, the loopback guard of sign-in-less mode and the callback
shape checks: a probe has no session, and an orchestrator's probe addresses the process by its IP
or comes through a proxy. That is safe because the answers hold nothing an analyst's data or an
admin's power depends on: no URL, path, host or user name, no run contents beyond the run's id, no
error text (a driver's message names hosts and users; the log has it, once per change).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy import text

from dashboard.config import Settings
from dashboard.db import Database
from dashboard.errors import InputError
from dashboard.jobs.worker_health import CELERY_QUEUE, FRESH_HEARTBEAT_S, heartbeat_ages
from dashboard.runs import RunStore
from dashboard.services import Services

logger = logging.getLogger(__name__)

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
READY_CACHE_S = 2.0
DATABASE_TIMEOUT_S = 2.0
REDIS_TIMEOUT_S = 1.0
STARTED = time.monotonic()

Check = dict[str, Any]


def install_health(server: Flask, settings: Settings, services: Services) -> None:
    """Answer the two probes ahead of every other before-request hook (see the module's note)."""
    readiness = Readiness(
        runs=services.runs,
        database=services.reviewing.database,
        redis_url=settings.redis_url,
    )
    views = {"pricescope_liveness": liveness, "pricescope_readiness": readiness.answer}
    for (endpoint, view), path in zip(views.items(), (LIVENESS_PATH, READINESS_PATH), strict=True):
        server.add_url_rule(path, endpoint, _no_store(view), methods=["GET"])

    def serve_probe() -> Any:
        # Real routes (so Dash's catch-all page route, and its 404 for unknown pages, stay out),
        # answered from here: before-request guards would otherwise run first.
        if request.endpoint in views:
            return server.view_functions[str(request.endpoint)]()
        return None

    # First in line, ahead of the guards whatever order they were installed in.
    server.before_request_funcs.setdefault(None, []).insert(0, serve_probe)


def _no_store(view: Callable[[], tuple[Response, int]]) -> Callable[[], tuple[Response, int]]:
    def answer() -> tuple[Response, int]:
        response, status = view()
        response.headers["Cache-Control"] = "no-store"
        return response, status

    return answer


def liveness() -> tuple[Response, int]:
    return jsonify({"status": "ok", "uptime_s": round(time.monotonic() - STARTED, 1)}), 200


@dataclass
class Readiness:
    runs: RunStore
    database: Database
    redis_url: str | None = None
    cache_s: float = READY_CACHE_S
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cached: tuple[float, dict[str, Any]] | None = None
    _database_probe: Future[None] | None = None
    _failing: frozenset[str] = frozenset()
    _redis: Any = None

    def answer(self) -> tuple[Response, int]:
        report = self.report()
        return jsonify(report), 200 if report["status"] == "ready" else 503

    def report(self) -> dict[str, Any]:
        """The checks, at most :attr:`cache_s` seconds old; one thread refreshes them at a time."""
        with self._lock:
            now = time.monotonic()
            if self._cached is not None and now - self._cached[0] < self.cache_s:
                return self._cached[1]
            checks = {"run": self._run(), "database": self._database()}
            if self.redis_url:
                checks.update(self._redis_checks())
            failing = sorted(name for name, check in checks.items() if not check["ok"])
            self._log_change(frozenset(failing), checks)
            report = {
                "status": "not ready" if failing else "ready",
                "failing": failing,
                "checks": checks,
            }
            self._cached = (time.monotonic(), report)
            return report

    def _run(self) -> Check:
        """Ready when the pages can show a run: the current one, checked against its manifest
        (sizes, checksums, rows), or, when that one is damaged, the readable run the pages fall
        back to (reported, but ready: every process would fall back alike)."""
        try:
            run_id = self.runs.current_id()
        except (OSError, ValueError) as error:
            return _failed("The current run's pointer cannot be read.", error)
        if run_id is None:
            return {"ok": False, "problem": "There is no current run."}
        try:
            self.runs.check(run_id)
        except InputError:
            shown = self.runs.serving().run
            if shown is None:
                return {
                    "ok": False,
                    "run_id": run_id,
                    "problem": "The current run cannot be read, and no other run can be shown.",
                }
            if shown.run_id == run_id:  # loaded before the damage: this process still has it
                problem = "The current run's files are damaged; this process serves it from memory."
            else:
                problem = "The current run cannot be read; the pages show another run."
            return {"ok": True, "run_id": run_id, "problem": problem, "shown_run_id": shown.run_id}
        except (OSError, ValueError) as error:
            return {"run_id": run_id, **_failed("The current run cannot be read.", error)}
        return {"ok": True, "run_id": run_id}

    def _database(self) -> Check:
        """``SELECT 1`` with a time limit. A probe still hanging (a dead host) is not repeated:
        the next report says so, and no more threads pile up behind it."""
        probe = self._database_probe
        if probe is None or probe.done():
            probe = Future()
            self._database_probe = probe
            threading.Thread(
                target=_select_one, args=(self.database, probe), name="readyz-db", daemon=True
            ).start()
        try:
            probe.result(timeout=DATABASE_TIMEOUT_S)
        except TimeoutError:
            return {
                "ok": False,
                "problem": f"The database did not answer within {DATABASE_TIMEOUT_S:g} s.",
            }
        except Exception as error:
            return _failed("The database did not answer.", error)
        return {"ok": True}

    def _redis_checks(self) -> dict[str, Check]:
        try:
            client = self._redis_client()
            client.ping()
            depth = int(client.llen(CELERY_QUEUE))
            ages = heartbeat_ages(client)
        except Exception as error:
            failed = _failed("Redis did not answer.", error)
            return {
                "redis": failed,
                "worker": {"ok": False, "problem": "Unknown: Redis did not answer."},
            }
        fresh = [age for age in ages if age <= FRESH_HEARTBEAT_S]
        worker: Check = {"ok": bool(fresh), "workers": len(fresh)}
        if ages:
            worker["newest_heartbeat_age_s"] = round(min(ages), 1)
        if not fresh:
            worker["problem"] = f"No job worker answered a ping in the last {FRESH_HEARTBEAT_S} s."
        return {"redis": {"ok": True, "queue_depth": depth}, "worker": worker}

    def _redis_client(self) -> Any:
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(
                str(self.redis_url),
                socket_timeout=REDIS_TIMEOUT_S,
                socket_connect_timeout=REDIS_TIMEOUT_S,
            )
        return self._redis

    def _log_change(self, failing: frozenset[str], checks: dict[str, Check]) -> None:
        """One line when a check starts or stops failing, not one per probe."""
        for name in sorted(failing - self._failing):
            check = checks[name]
            logger.warning(
                "readiness: %s failing: %s%s",
                name,
                check.get("problem", ""),
                f" ({check['_error']})" if check.get("_error") else "",
            )
        for name in sorted(self._failing - failing):
            logger.info("readiness: %s recovered", name)
        self._failing = failing
        for check in checks.values():
            check.pop("_error", None)


def _select_one(database: Database, probe: Future[None]) -> None:
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except BaseException as error:
        probe.set_exception(error)
    else:
        probe.set_result(None)


def _failed(problem: str, error: BaseException) -> Check:
    """A failed check for the body (our sentence and the error's type) and, for the log only, the
    error's first line (driver messages name hosts and users)."""
    lines = str(error).strip().splitlines()
    detail = f"{type(error).__name__}: {lines[0] if lines else ''}"
    return {"ok": False, "problem": f"{problem} ({type(error).__name__})", "_error": detail}
