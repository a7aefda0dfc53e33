"""The Jobs page's writing callbacks check the caller's role: a viewer's crafted POST changes nothing."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient

from dashboard.ids import Jobs
from dashboard.jobs import JobBook
from dashboard.runs import RunStore
from tests.test_auth import secured, sign_in  # noqa: F401  (the production app fixture)


def post(client: FlaskClient, output_part: str, values: dict[str, Any], changed: str) -> Any:
    """What the browser sends for a callback, with ALL-wildcards filled from ``values`` too."""
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    trigger = changed.rsplit(".", 1)[0]
    spec = next(
        d
        for d in dependencies
        if output_part in d["output"]
        and any(
            i["id"] == trigger
            or (
                trigger.startswith("{")
                and '["ALL"]' in i["id"]
                and json.loads(trigger)["type"] in i["id"]
            )
            for i in d["inputs"]
        )
    )
    outputs = []
    for part in spec["output"].strip(".").split("..."):
        component, prop = part.rsplit(".", 1)
        outputs.append({"id": component, "property": prop.split("@")[0]})

    def entry(item: dict[str, Any]) -> Any:
        key = f"{item['id']}.{item['property']}"
        if '["ALL"]' in item["id"]:
            return values.get(key, [])
        return {"id": item["id"], "property": item["property"], "value": values.get(key)}

    payload = {
        "output": spec["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": [entry(i) for i in spec["inputs"]],
        "state": [entry(s) for s in spec["state"]],
        "changedPropIds": [changed],
    }
    return client.post("/_dash-update-component", json=payload)


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
    key = json.dumps(make_current, separators=(",", ":"), sort_keys=True)
    switched = post(
        viewer,
        f"{Jobs.RUNS}.children",
        {
            '{"run":["ALL"],"type":"jobs-make-current"}.n_clicks': [
                {"id": make_current, "property": "n_clicks", "value": 1}
            ]
        },
        f"{key}.n_clicks",
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
