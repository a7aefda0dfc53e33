"""Every callback the app declares, fuzzed over HTTP: no hostile request may get a 5xx.

The callbacks come from the real app's ``/_dash-dependencies`` (server, clientside and
pattern-matching ones, Dash Pages' own included), so a callback added tomorrow is fuzzed too. A
refused request must say why in a sentence. The Jobs page's background callback runs in this
process (see :class:`InProcessJobs`), so what its job function does with a hostile value shows in
the response the browser would poll for, not in a subprocess nobody watches.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from pathlib import Path
from typing import Any

import diskcache
import pytest
from dash import DiskcacheManager
from flask.testing import FlaskClient

from dashboard.app_factory import create_app
from dashboard.config import Settings
from tests.callback_fuzz import FuzzRequest, baseline, requests_for

SENTENCE = re.compile(r"[A-Z][^.!?]{3,}[.!?]")
ENDPOINT = "/_dash-update-component"


class InProcessJobs(DiskcacheManager):  # type: ignore[misc]
    """Dash's disk-cache manager, running each background job at once in the calling process."""

    NO_PROCESS = -1

    def call_job_fn(self, key: str, job_fn: Any, args: Any, context: Any) -> int:
        job_fn(key, self._make_progress_key(key), args, context)
        return self.NO_PROCESS

    def job_running(self, job: Any) -> bool:
        return False

    def terminate_job(self, job: Any) -> None:  # there is no process to end
        return None

    def terminate_unhealthy_job(self, job: Any) -> bool:
        return False


def _app(settings: Settings, cache_dir: Path) -> tuple[FlaskClient, list[dict[str, Any]]]:
    app = create_app(
        settings, background_callback_manager=InProcessJobs(diskcache.Cache(cache_dir))
    )
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    return client, json.loads(client.get("/_dash-dependencies").data)


def _ids(spec: dict[str, Any]) -> str:
    return " ".join([spec["output"], *(i["id"] for i in (*spec["inputs"], *spec["state"]))])


def send(client: FlaskClient, spec: dict[str, Any], body: Any) -> Any:
    """POST ``body``; for a background callback that started a job, also the poll for its result."""
    response = client.post(ENDPOINT, json=body)
    started = response.status_code == 200 and spec.get("background")
    handles = json.loads(response.data) if started else {}
    if isinstance(handles, dict) and "cacheKey" in handles:
        query = {"cacheKey": handles["cacheKey"], "job": handles["job"]}
        response = client.post(ENDPOINT, json=body, query_string=query)
    return response


def failure(request: FuzzRequest, response: Any, logged: list[logging.LogRecord]) -> str | None:
    status = response.status_code
    text = response.get_data(as_text=True)
    if status >= 500:
        return f"{status} in {_raised_in(logged)} for {request.callback[:60]} with {request.what}"
    if 400 <= status < 500 and not SENTENCE.search(text):
        return f"{status} without a sentence for {request.callback[:60]} with {request.what}"
    return None


def _raised_in(logged: list[logging.LogRecord]) -> str:
    """Where the error Flask logged was raised (file:function), to tell one bug from another."""
    for record in reversed(logged):
        if record.exc_info and record.exc_info[2] is not None:
            frame = traceback.extract_tb(record.exc_info[2])[-1]
            return f"{Path(frame.filename).parent.name}/{Path(frame.filename).name}:{frame.name}"
    return "an unknown place"


def test_no_hostile_request_to_any_declared_callback_gets_a_server_error(
    demo_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client, dependencies = _app(demo_settings, tmp_path / "jobs-cache")
    kinds = {
        "clientside": [d for d in dependencies if d["clientside_function"]],
        "pattern-matching": [d for d in dependencies if '["ALL"]' in _ids(d)],
        "background": [d for d in dependencies if d.get("background")],
        "Dash's own": [d for d in dependencies if "_pages_" in d["output"]],
    }
    assert all(kinds.values()), {k: len(v) for k, v in kinds.items()}
    failures: list[str] = []
    sent = 0
    for spec in dependencies:
        for request in requests_for(spec):
            sent += 1
            caplog.clear()
            response = send(client, spec, request.body)
            problem = failure(request, response, caplog.records)
            if problem:
                failures.append(problem)
    assert sent > 20 * len(dependencies)
    assert failures == [], f"{len(failures)} of {sent} requests failed:\n" + "\n".join(
        failures[:40]
    )


@pytest.fixture(scope="module")
def local_app(
    demo_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[FlaskClient, list[dict[str, Any]]]:
    return _app(Settings(data_dir=demo_root), tmp_path_factory.mktemp("jobs-cache"))


def test_clientside_outputs_are_refused_before_dash_reads_them(local_app: Any) -> None:
    client, dependencies = local_app
    clientside = [d for d in dependencies if d["clientside_function"]]
    assert "_pages_dummy.children" in {d["output"] for d in clientside}
    for spec in clientside:
        response = client.post(ENDPOINT, json=baseline(spec))
        assert response.status_code == 400, spec["output"]
        assert "No server callback" in json.loads(response.data)["error"]


def test_every_server_callback_accepts_the_browser_s_request_shape(local_app: Any) -> None:
    """The checks refuse shapes, not callbacks: plain and pattern-matching requests pass them."""
    client, dependencies = local_app
    for spec in dependencies:
        if spec["clientside_function"] or spec.get("background"):
            continue
        response = client.post(ENDPOINT, json=baseline(spec))
        assert response.status_code in (200, 204), (spec["output"], response.data[:300])


def test_dash_pages_router_refuses_a_page_address_that_is_not_text(local_app: Any) -> None:
    client, dependencies = local_app
    spec = next(d for d in dependencies if d["output"].startswith(".._pages_content"))
    for pathname in (["/explorer"], {"startswith": 1}, 5):
        response = client.post(ENDPOINT, json=baseline(spec, {0: pathname}))
        assert response.status_code == 400
        assert "must be text" in json.loads(response.data)["error"]
    response = client.post(ENDPOINT, json=baseline(spec, {1: ["?run=x"]}))
    assert response.status_code == 400
    response = client.post(ENDPOINT, json=baseline(spec, {0: "../../etc/passwd"}))
    assert response.status_code == 400
    assert "must start with /" in json.loads(response.data)["error"]
    response = client.post(ENDPOINT, json=baseline(spec, {0: "/decisions", 1: ""}))
    assert response.status_code == 200 and "Decisions" in response.get_data(as_text=True)
