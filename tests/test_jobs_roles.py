"""The Jobs page's writing callbacks check the caller's role: a viewer's crafted POST changes nothing."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient

from dashboard.ids import Jobs
from dashboard.jobs import JobBook
from dashboard.runs import RunStore
from testkit.callback_requests import callback_payload, find_callback, id_key
from tests.test_auth import secured, sign_in  # noqa: F401  (the production app fixture)


def post(
    client: FlaskClient,
    output_part: str,
    values: dict[str, Any],
    changed: str,
    wildcards: dict[str, list[dict[str, Any]]] | None = None,
) -> Any:
    """What the browser sends for the callback that ``changed`` fires."""
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    spec = find_callback(dependencies, output=output_part, trigger=changed.rsplit(".", 1)[0])
    return client.post(
        "/_dash-update-component", json=callback_payload(spec, values, [changed], wildcards)
    )


def test_a_viewer_cannot_queue_stop_or_switch_runs(secured: Any) -> None:  # noqa: F811
    app, services = secured
    book = JobBook(services.settings.jobs_dir)
    store = RunStore(services.settings.runs_dir)
    current = store.current_id()
    viewer = app.server.test_client()
    sign_in(viewer, "vera")

    queued = post(
        viewer,
        f"{Jobs.REQUEST}.data",
        {f"{Jobs.RECOMPUTE}.n_clicks": 1, f"{Jobs.PERIOD}.value": "last_12"},
        f"{Jobs.RECOMPUTE}.n_clicks",
    )
    assert queued.status_code == 200
    assert "needs the analyst role" in queued.get_data(as_text=True)
    assert book.recent(10) == []

    make_current = {"type": Jobs.MAKE_CURRENT, "run": "20200101T000000000000Z-000000"}
    key = id_key(make_current)
    switched = post(
        viewer,
        f"{Jobs.RUNS}.children",
        {f"{key}.n_clicks": 1},
        f"{key}.n_clicks",
        {'{"run":["ALL"],"type":"jobs-make-current"}': [make_current]},
    )
    assert switched.status_code == 200
    assert "needs the analyst role" in switched.get_data(as_text=True)
    assert store.current_id() == current

    stopped = post(
        viewer,
        f"{Jobs.NOTE}.children",
        {f"{Jobs.CANCEL}.n_clicks": 1, f"{Jobs.REQUEST}.data": {"job_id": "abc"}},
        f"{Jobs.CANCEL}.n_clicks",
    )
    assert stopped.status_code == 200
    assert "needs the analyst role" in stopped.get_data(as_text=True)
