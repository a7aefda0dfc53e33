"""The Jobs page's writing callbacks check the caller's role: a viewer's crafted POST changes nothing."""

from __future__ import annotations

import json
import time
from typing import Any

from flask.testing import FlaskClient

from dashboard.ids import Jobs, Shell
from dashboard.jobs import job_book
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
    book = job_book(services.settings)
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

    # A viewer cannot answer the shell's Make current confirmation with a crafted POST.
    other = next((r.run_id for r in store.list_runs() if r.run_id != current), current)
    confirmed = post(
        viewer,
        f"{Shell.CONFIRM_NOTE}.children",
        {f"{Shell.CONFIRM_YES}.n_clicks": 1, f"{Shell.CONFIRM_RUN}.data": other},
        f"{Shell.CONFIRM_YES}.n_clicks",
    )
    assert confirmed.status_code == 200
    assert "needs the analyst role" in confirmed.get_data(as_text=True)
    assert store.current_id() == current

    stopped = post(
        viewer,
        f"{Jobs.NOTE}.children",
        {f"{Jobs.CANCEL}.n_clicks": 1},
        f"{Jobs.CANCEL}.n_clicks",
    )
    assert stopped.status_code == 200
    assert "needs the analyst role" in stopped.get_data(as_text=True)


FILTERS_ALL = '{"column":["ALL"],"type":"jobs-filter"}'


def _filter(column: str, value: Any) -> dict[str, Any]:
    """The states a scope column's dropdown sends: its value and its id."""
    one = {"type": Jobs.FILTER, "column": column}
    return {f"{id_key(one)}.value": value, f"{id_key(one)}.id": one}


def _queue_as(client: FlaskClient, states: dict[str, Any]) -> Any:
    values = {f"{Jobs.RECOMPUTE}.n_clicks": 1, **states}
    dropdowns = [
        {"type": Jobs.FILTER, "column": column}
        for column in ("region", "customer_segment", "channel")
    ]
    return post(
        client,
        f"{Jobs.REQUEST}.data",
        values,
        f"{Jobs.RECOMPUTE}.n_clicks",
        {FILTERS_ALL: dropdowns},
    )


HOSTILE_SCOPES: list[dict[str, Any]] = [
    {f"{Jobs.PERIOD}.value": ["12m"]},
    {f"{Jobs.PERIOD}.value": {"months": 12}},
    {f"{Jobs.PERIOD}.value": 12},
    _filter("region", [["France"]]),
    _filter("region", [{"name": "France"}]),
    _filter("customer_segment", {"fleet": True}),
    _filter("channel", [1, None]),
    {f"{Jobs.DATASET}.value": ["demo"]},
    {f"{Jobs.DATASET}.value": "../etc"},
    {f"{Jobs.DATASET}.value": "no-such-dataset"},
    {f"{Jobs.PERIOD}.value": "range", f"{Jobs.DATES}.start_date": ["2025-01-01"]},
    {
        f"{Jobs.PERIOD}.value": "range",
        f"{Jobs.DATES}.start_date": "2025-01-01",
        f"{Jobs.DATES}.end_date": {"d": 1},
    },
    {f"{Jobs.REQUEST}.data": {"job_id": {"nested": ["x"]}}},
    {f"{Jobs.REQUEST}.data": ["j-20200101000000-abcdef"]},
]


def test_hostile_scope_values_get_a_sentence_not_a_server_error(secured: Any) -> None:  # noqa: F811
    app, services = secured
    book = job_book(services.settings)
    before = len(book.recent(50))
    analyst = app.server.test_client()
    sign_in(analyst, "ann")
    for states in HOSTILE_SCOPES:
        answer = _queue_as(analyst, states)
        assert answer.status_code < 500, (states, answer.get_data(as_text=True))
        body = json.loads(answer.data)
        request = body["response"].get(str(Jobs.REQUEST))
        shown = body["response"][str(Jobs.SCOPE_ERROR)]["children"]
        if request is not None:  # a malformed store is only a store without a job: it queues
            assert shown is None and book.get(request["data"]["job_id"]) is not None
            book.request_cancel(request["data"]["job_id"])
            before += 1
            continue
        assert isinstance(shown, str) and shown.endswith(".") and "Traceback" not in shown, shown
    assert len(book.recent(50)) == before

    # A "Run again" whose job id is not a job id is refused the same way.
    rerun = {"type": Jobs.RERUN, "job": ["j-20200101000000-abcdef"]}
    key = id_key(rerun)
    answer = post(
        analyst,
        f"{Jobs.REQUEST}.data",
        {f"{key}.n_clicks": 1},
        f"{key}.n_clicks",
        {'{"job":["ALL"],"type":"jobs-rerun"}': [rerun]},
    )
    assert answer.status_code < 500
    if answer.status_code == 200:
        assert "is not a job id" in answer.get_data(as_text=True)
    assert len(book.recent(50)) == before


def _start_job(client: FlaskClient, request: dict[str, Any]) -> Any:
    """The background callback's POSTs as a crafted client sends them: the one that starts the
    job, then polls with the handles it was given, until the job's answer arrives."""
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    spec = find_callback(dependencies, output=f"{Jobs.RESULT}.data")
    body = callback_payload(spec, {f"{Jobs.REQUEST}.data": request}, [f"{Jobs.REQUEST}.data"])
    started = client.post("/_dash-update-component", json=body)
    assert started.status_code == 200, started.get_data(as_text=True)
    handles = json.loads(started.data)
    query = {"cacheKey": handles["cacheKey"], "job": handles["job"]}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        polled = client.post("/_dash-update-component", query_string=query, json=body)
        assert polled.status_code < 500
        answer = json.loads(polled.data) if polled.status_code == 200 else {}
        if "response" in answer:
            return answer["response"][str(Jobs.RESULT)]["data"]
        time.sleep(0.1)
    raise AssertionError("the background callback never answered")


def test_a_viewer_s_crafted_post_cannot_start_an_analyst_s_queued_job(secured: Any) -> None:  # noqa: F811
    app, services = secured
    book = job_book(services.settings)
    runs = len(RunStore(services.settings.runs_dir).list_runs())
    analyst = app.server.test_client()
    sign_in(analyst, "ann")
    queued = json.loads(_queue_as(analyst, {f"{Jobs.PERIOD}.value": "3m"}).data)
    handed = queued["response"][str(Jobs.REQUEST)]["data"]
    job_id = handed["job_id"]
    assert book.get(job_id).status == "queued"  # type: ignore[union-attr]

    viewer = app.server.test_client()
    sign_in(viewer, "vera")
    # The job id is in the jobs table every viewer sees; even the page's ticket does not help.
    for crafted in ({"job_id": job_id}, handed):
        answer = _start_job(viewer, crafted)
        assert answer["status"] == "refused"
        assert answer["error"] == "This needs the analyst role; vera is a viewer."
    admin = app.server.test_client()
    sign_in(admin, "ada")
    answer = _start_job(admin, {"job_id": job_id})
    assert (
        answer["error"]
        == f"Job {job_id} was queued from another page; only that page can start it."
    )

    record = book.get(job_id)
    assert record is not None and record.status == "queued" and record.started_at is None
    assert len(RunStore(services.settings.runs_dir).list_runs()) == runs
    book.request_cancel(job_id)
