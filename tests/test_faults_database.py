"""A PostgreSQL outage: the real server, stopped and started again under a production app.

While the database is down, pages that need no write keep working from the session and the runs
under a banner, decisions read as unavailable, every save says it was not saved and keeps the form,
sign-in says it is unavailable, and each failed request logs one line. After the restart the banner
goes by itself, saves work again and a disabled user is refused: no restart of the app.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.exc import IntegrityError, OperationalError

from dashboard.app_factory import create_app
from dashboard.auth.session_user import SESSION_USER_KEY, SessionUser, recorded_user
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.db.health import (
    DECISIONS_UNAVAILABLE,
    JOBS_UNAVAILABLE,
    NOT_CANCELLED,
    NOT_SAVED,
    NOT_STARTED,
    READ_ONLY_BANNER,
    SIGN_IN_UNAVAILABLE,
    DatabaseHealth,
    DatabaseUnavailableError,
    is_outage,
)
from dashboard.ids import Decisions, Explorer, Jobs, Reviews, Shell
from dashboard.runs import Run
from dashboard.services import Services
from layouts.explorer_review import ITEM, TABLE, field_id
from testkit.callback_requests import callback_payload, find_callback, id_key
from testkit.postgres import PostgresServer, postgres_server
from testkit.signin import sign_in

SECRET = "d" * 48
PASSWORDS = {"ann": "analyst-password-1", "vera": "viewer-password-1", "dan": "analyst-password-2"}
ROLES = {"ann": "analyst", "vera": "viewer", "dan": "analyst"}
OUTAGE_LINE = "database unavailable"


@dataclass
class Deployment:
    server: PostgresServer
    services: Services
    app: Any
    run: Run
    clients: dict[str, FlaskClient]
    dependencies: list[dict[str, Any]]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, demo_root: Path) -> Iterator[Deployment]:
    """A production app on the real PostgreSQL, with an analyst, a viewer and a second analyst,
    each signed in (in their own browser) while the database was up."""
    server = postgres_server()
    if isinstance(server, str):
        pytest.skip(server)
    try:
        data = tmp_path_factory.mktemp("outage") / "data"
        shutil.copytree(demo_root, data)
        settings = Settings(
            data_dir=data, env="production", secret_key=SECRET, database_url=server.url
        )
        services = Services.from_settings(settings)
        for name, role in ROLES.items():
            services.reviewing.users.add(name, PASSWORDS[name], role)
        app = create_app(settings, services)
        clients: dict[str, FlaskClient] = {}
        for name in ROLES:
            clients[name] = app.server.test_client()
            assert sign_in(clients[name], name, PASSWORDS[name]).status_code == 302
        run = services.runs.load_current()
        assert run is not None
        dependencies = json.loads(clients["ann"].get("/_dash-dependencies").data)
        yield Deployment(server, services, app, run, clients, dependencies)
        services.reviewing.database.dispose()
    finally:
        server.remove()


@pytest.fixture
def outage(deployment: Deployment) -> Iterator[Deployment]:
    """The database stopped (``pg_ctl stop -m fast``) for the test, started again after it."""
    deployment.server.stop()
    try:
        yield deployment
    finally:
        deployment.server.start()


def post(
    deployment: Deployment,
    client: FlaskClient,
    output: str,
    values: dict[str, Any],
    changed: str,
    trigger: str | None = None,
) -> Any:
    spec = find_callback(deployment.dependencies, output=output, trigger=trigger)
    return client.post("/_dash-update-component", json=callback_payload(spec, values, [changed]))


def page_content(deployment: Deployment, client: FlaskClient, path: str) -> str:
    values = {"_pages_location.pathname": path, "_pages_location.search": ""}
    response = post(
        deployment, client, "_pages_content.children", values, "_pages_location.pathname"
    )
    assert response.status_code == 200, response.data[:300]
    return str(response.get_data(as_text=True))


def table_rows(deployment: Deployment, client: FlaskClient) -> list[dict[str, Any]]:
    request = {"startRow": 0, "endRow": 20, "sortModel": [], "filterModel": {}}
    values = {
        f"{Explorer.TABLE}.getRowsRequest": request,
        f"{Explorer.TABLE_STATE}.data": "",
        f"{Explorer.RUN_ID}.data": deployment.run.run_id,
    }
    response = post(
        deployment,
        client,
        f"{Explorer.TABLE}.getRowsResponse",
        values,
        f"{Explorer.TABLE}.getRowsRequest",
    )
    assert response.status_code == 200, response.data[:300]
    rows: list[dict[str, Any]] = json.loads(response.data)["response"][str(Explorer.TABLE)][
        "getRowsResponse"
    ]["rowData"]
    return rows


def form_key(kind: Reviews, scope: str, prop: str = "value") -> str:
    return f"{id_key(field_id(kind, scope))}.{prop}"


def save_item(deployment: Deployment, client: FlaskClient, item: str, note: str) -> Any:
    values = {
        form_key(Reviews.SAVE, ITEM, "n_clicks"): 1,
        f"{Reviews.ITEM_TARGET}.data": {item: 0},
        f"{Explorer.RUN_ID}.data": deployment.run.run_id,
        form_key(Reviews.ACTION, ITEM): "accepted",
        form_key(Reviews.REASON, ITEM): "price_correct",
        form_key(Reviews.NOTE, ITEM): note,
    }
    changed = form_key(Reviews.SAVE, ITEM, "n_clicks")
    return post(deployment, client, form_key(Reviews.FEEDBACK, ITEM, "children"), values, changed)


def database_watch(deployment: Deployment, client: FlaskClient, known: str) -> dict[str, Any]:
    values = {f"{Shell.DATABASE_WATCH}.n_intervals": 1, f"{Shell.DATABASE_STATE}.data": known}
    response = post(
        deployment,
        client,
        f"{Shell.DATABASE_BANNER}.children",
        values,
        f"{Shell.DATABASE_WATCH}.n_intervals",
    )
    assert response.status_code in (200, 204), response.data[:300]
    return {} if response.status_code == 204 else json.loads(response.data)["response"]


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith(OUTAGE_LINE)]


def test_pages_read_from_the_session_and_the_runs_while_the_database_is_down(
    outage: Deployment, caplog: pytest.LogCaptureFixture
) -> None:
    ann = outage.clients["ann"]
    caplog.set_level(logging.WARNING)
    for path in ("/", "/explorer", "/decisions", "/jobs", "/data", "/_dash-layout"):
        caplog.clear()
        response = ann.get(path)
        assert response.status_code == 200
        # One line per failed request, naming the request; no traceback (that is DEBUG's).
        lines = outage_lines(caplog)
        assert len(lines) == 1, [r.getMessage() for r in caplog.records]
        assert f"(look up the signed-in user, GET {path})" in lines[0].getMessage()
        assert "OperationalError: Connection refused" in lines[0].getMessage()
        assert all(r.exc_info is None for r in caplog.records)
        assert "Traceback" not in caplog.text
    text = ann.get("/_dash-layout").get_data(as_text=True)
    assert READ_ONLY_BANNER in text
    assert "ann" in text and "analyst" in text  # the user menu, from the session

    overview = page_content(outage, ann, "/")
    assert "Flagged under-priced" in overview  # the run's numbers, drawn from the run
    assert "unavailable" in overview and "the database is down" in overview
    assert DECISIONS_UNAVAILABLE in page_content(outage, ann, "/decisions")
    assert outage.run.run_id in page_content(outage, ann, "/explorer")
    for path in ("/jobs", "/data"):  # pages without decisions answer as ever
        assert "unavailable" not in page_content(outage, ann, path)

    rows = table_rows(outage, ann)
    assert rows and {row["review"] for row in rows} == {"unavailable"}

    item = str(outage.run.items["item_id"].iloc[3])
    values = {
        f"{Explorer.ITEM_STATE}.data": item,
        f"{Reviews.VERSION}.data": None,
        f"{Shell.DATABASE_STATE}.data": "down",
        f"{Explorer.RUN_ID}.data": outage.run.run_id,
    }
    panel = post(
        outage, ann, f"{Reviews.ITEM_PANEL}.children", values, f"{Explorer.ITEM_STATE}.data"
    )
    assert panel.status_code == 200
    response = json.loads(panel.data)["response"]
    assert DECISIONS_UNAVAILABLE in json.dumps(response)
    assert response[str(Reviews.ITEM_TARGET)]["data"] == {item: 0}  # a later save can only conflict

    # The page's own watch shows the banner on a page drawn before the outage.
    shown = database_watch(outage, ann, "up")
    assert READ_ONLY_BANNER in json.dumps(shown)
    assert shown[str(Shell.DATABASE_STATE)]["data"] == "down"


def test_the_jobs_page_says_jobs_are_unavailable_and_starts_nothing(
    outage: Deployment, caplog: pytest.LogCaptureFixture
) -> None:
    """Job records live in the database too: the list says so, Recompute and Cancel refuse with a
    sentence, and nothing answers 500."""
    ann = outage.clients["ann"]
    caplog.set_level(logging.WARNING)
    values = {f"{Jobs.TICK}.n_intervals": 1, f"{Jobs.RUNS_SIGNATURE}.data": None}
    listed = post(outage, ann, f"{Jobs.JOBS_TABLE}.children", values, f"{Jobs.TICK}.n_intervals")
    assert listed.status_code == 200, listed.data[:300]
    assert JOBS_UNAVAILABLE in listed.get_data(as_text=True)
    assert outage.run.run_id in listed.get_data(as_text=True)  # the runs still list
    values = {
        f"{Jobs.TICK}.n_intervals": 1,
        f"{Jobs.REQUEST}.data": None,
        f"{Jobs.DATASET}.value": None,
        f"{Jobs.FOLLOWED}.data": None,
    }
    followed = post(outage, ann, f"{Jobs.STAGE}.children", values, f"{Jobs.TICK}.n_intervals")
    assert followed.status_code == 200, followed.data[:300]
    stage = json.loads(followed.data)["response"][str(Jobs.STAGE)]["children"]
    assert stage == JOBS_UNAVAILABLE  # not "You have no recent job"

    values = {
        f"{Jobs.RECOMPUTE}.n_clicks": 1,
        f"{Jobs.PERIOD}.value": "12m",
        f"{Jobs.DATES}.start_date": None,
        f"{Jobs.DATES}.end_date": None,
        f"{Jobs.DATASET}.value": None,
    }
    queued = post(outage, ann, f"{Jobs.REQUEST}.data", values, f"{Jobs.RECOMPUTE}.n_clicks")
    assert queued.status_code == 200, queued.data[:300]
    response = json.loads(queued.data)["response"]
    assert response[str(Jobs.SCOPE_ERROR)]["children"] == NOT_STARTED
    assert str(Jobs.REQUEST) not in response  # no job was handed to the page

    cancel = post(
        outage,
        ann,
        f"{Jobs.NOTE}.children",
        {f"{Jobs.CANCEL}.n_clicks": 1},
        f"{Jobs.CANCEL}.n_clicks",
    )
    assert cancel.status_code == 200, cancel.data[:300]
    assert NOT_CANCELLED in cancel.get_data(as_text=True)
    assert "Traceback" not in caplog.text


def test_saves_are_refused_with_a_sentence_and_keep_the_form(
    outage: Deployment, caplog: pytest.LogCaptureFixture
) -> None:
    ann, vera = outage.clients["ann"], outage.clients["vera"]
    item = str(outage.run.items["item_id"].iloc[4])
    caplog.set_level(logging.WARNING)

    saved = save_item(outage, ann, item, "kept while down")
    assert saved.status_code == 200
    response = json.loads(saved.data)["response"]
    assert NOT_SAVED in json.dumps(response)
    # Nothing else changes: no new decisions version, the confirmation box and the form untouched.
    assert set(response) == {id_key(field_id(Reviews.FEEDBACK, ITEM))}
    assert len(outage_lines(caplog)) == 1

    values = {
        form_key(Reviews.SAVE, TABLE, "n_clicks"): 1,
        f"{Explorer.TABLE}.selectedRows": [{"item_id": item, "review_version": 0}],
        f"{Explorer.RUN_ID}.data": outage.run.run_id,
        form_key(Reviews.ACTION, TABLE): "accepted",
        form_key(Reviews.REASON, TABLE): "price_correct",
        form_key(Reviews.NOTE, TABLE): "bulk",
    }
    bulk = post(
        outage,
        ann,
        form_key(Reviews.FEEDBACK, TABLE, "children"),
        values,
        form_key(Reviews.SAVE, TABLE, "n_clicks"),
    )
    response = json.loads(bulk.data)["response"]
    assert NOT_SAVED in json.dumps(response)
    assert str(Explorer.TABLE) not in response  # the ticked rows stay ticked

    # A viewer's session never grants more than it recorded: still a viewer.
    refused = save_item(outage, vera, item, "viewer")
    assert "needs the analyst role" in refused.get_data(as_text=True)

    decisions = {
        f"{Decisions.APPROVE}.n_clicks": 1,
        f"{Decisions.PENDING}.selectedRows": [{"item_id": item, "version": 1}],
        f"{Decisions.VERDICT_NOTE}.value": "looks right",
        f"{Decisions.DATASET}.data": outage.run.info.dataset,
        f"{Decisions.RUN}.data": outage.run.run_id,
    }
    verdict = post(
        outage,
        ann,
        f"{Decisions.CONTENT}.children",
        decisions,
        f"{Decisions.APPROVE}.n_clicks",
    )
    assert verdict.status_code == 200
    body = json.loads(verdict.data)
    assert NOT_SAVED in json.dumps(body.get("sideUpdate"))
    assert str(Decisions.CONTENT) not in body.get("response", {})  # the page and its note stay

    export = {
        f"{Decisions.PRICE_CHANGE_CSV}.n_clicks": 1,
        f"{Decisions.EFFECTIVE_DATE}.value": (date.today() + timedelta(days=7)).isoformat(),
        f"{Decisions.DATASET}.data": outage.run.info.dataset,
        f"{Decisions.RUN}.data": outage.run.run_id,
    }
    exported = post(
        outage,
        ann,
        f"{Decisions.PRICE_CHANGE_FEEDBACK}.children",
        export,
        f"{Decisions.PRICE_CHANGE_CSV}.n_clicks",
    )
    response = json.loads(exported.data)["response"]
    assert NOT_SAVED in json.dumps(response)
    assert str(Decisions.PRICE_CHANGE_DOWNLOAD) not in response  # no file without its record


def test_sign_in_says_it_is_unavailable(outage: Deployment) -> None:
    browser = outage.app.server.test_client()
    page = browser.get("/login")
    assert page.status_code == 200 and SIGN_IN_UNAVAILABLE in page.get_data(as_text=True)
    tried = sign_in(browser, "ann", PASSWORDS["ann"])
    text = tried.get_data(as_text=True)
    assert tried.status_code == 503 and SIGN_IN_UNAVAILABLE in text and "Traceback" not in text
    # Not signed in: the pages still send a stranger to the login page.
    assert browser.get("/explorer").status_code == 302


def test_after_the_restart_the_banner_goes_saves_work_and_a_disabled_user_is_refused(
    deployment: Deployment,
) -> None:
    ann, dan = deployment.clients["ann"], deployment.clients["dan"]
    # The database is back (the outage fixture restarted it); the page's watch notices by itself
    # within the few seconds the outage is remembered.
    deadline = time.monotonic() + 30
    while True:
        changed = database_watch(deployment, ann, "down")
        if changed:
            break
        assert time.monotonic() < deadline, "the banner did not go after the restart"
        time.sleep(0.5)
    assert changed[str(Shell.DATABASE_STATE)]["data"] == "up"
    assert changed[str(Shell.DATABASE_BANNER)]["children"] is None
    assert READ_ONLY_BANNER not in ann.get("/_dash-layout").get_data(as_text=True)

    item = str(deployment.run.items["item_id"].iloc[4])  # the item the refused saves were for
    saved = save_item(deployment, ann, item, "after the restart")
    assert "Saved 1 decision" in saved.get_data(as_text=True)
    decision = deployment.services.reviewing.decisions.decision(deployment.run.info.dataset, item)
    assert decision is not None and decision.note == "after the restart"
    rows = table_rows(deployment, ann)
    assert "unavailable" not in {row["review"] for row in rows}

    # dan's session recorded him as an analyst; disabled while the database answers, he is out.
    assert dan.get("/_dash-layout").status_code == 200
    deployment.services.reviewing.users.disable("dan")
    assert dan.get("/_dash-layout").status_code == 401
    assert dan.get("/explorer").status_code == 302
    with dan.session_transaction() as session:
        assert SESSION_USER_KEY not in session


# -- the pieces, without a server -------------------------------------------------------------


def test_an_outage_is_remembered_briefly_and_other_errors_pass_through(tmp_path: Path) -> None:
    now = [100.0]
    health = DatabaseHealth(Database(f"sqlite:///{tmp_path / 'x.db'}"), clock=lambda: now[0])
    refused = OperationalError("SELECT 1", {}, Exception("connection refused"))
    assert is_outage(refused)
    assert not is_outage(IntegrityError("INSERT", {}, Exception("duplicate key")))

    with pytest.raises(DatabaseUnavailableError, match="connection refused"), health.guard("test"):
        raise refused
    assert health.known_down and not health.reachable()
    ran = []
    # Remembered: the database is not even asked.
    with pytest.raises(DatabaseUnavailableError), health.guard("a test"):
        ran.append(True)
    assert ran == []
    with pytest.raises(ValueError):  # not an outage: not hidden
        now[0] += 60
        with health.guard("a test"):
            raise ValueError("a bug")
    now[0] += 60
    assert health.reachable()  # asked again (SELECT 1 on the file database), and it answers
    assert not health.known_down


def test_the_session_record_is_only_used_for_the_user_it_names() -> None:
    session: dict[str, Any] = {SESSION_USER_KEY: {"id": 7, "name": "ann", "role": "analyst"}}
    user = recorded_user(session, "7")
    assert isinstance(user, SessionUser) and user.name == "ann" and user.role.value == "analyst"
    assert recorded_user(session, "8") is None  # another user id in the session: nothing
    session[SESSION_USER_KEY] = {"id": 7, "name": "ann", "role": "superuser"}
    assert recorded_user(session, "7") is None  # a role that does not exist grants nothing
    assert recorded_user({}, "7") is None
