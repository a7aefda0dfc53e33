"""Sign-in, roles and the guard: production fails closed, every Dash endpoint needs a session,
login is rate-limited, every response carries the security headers, and each writing callback
checks the caller's role itself (a viewer's crafted POST changes nothing)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from dashboard.app_factory import create_app
from dashboard.auth import Role, RoleRefusedError, require_role
from dashboard.auth.ratelimit import MAX_FAILURES_PER_NAME
from dashboard.cli import main as cli_main
from dashboard.config import Settings
from dashboard.errors import InputError
from dashboard.ids import Explorer, Reviews
from dashboard.runs import RunStore
from testkit.callback_requests import callback_payload, find_callback, id_key
from testkit.services import in_memory_services
from testkit.signin import sign_in as login

SECRET = "s" * 48
PASSWORDS = {"vera": "viewer-password-1", "ann": "analyst-password-1", "ada": "admin-password-1"}
ROLES = {"vera": "viewer", "ann": "analyst", "ada": "admin"}


def test_production_or_a_public_bind_refuses_to_start_without_a_secret_key() -> None:
    for env in ({"PRICESCOPE_ENV": "production"}, {"HOST": "0.0.0.0"}):
        with pytest.raises(InputError, match="SECRET_KEY"):
            Settings.from_env(env)
        with pytest.raises(InputError, match="SECRET_KEY"):
            create_app(Settings.from_env(env, serving=False))
    with pytest.raises(InputError, match="at least 32"):
        Settings.from_env({"PRICESCOPE_ENV": "production", "SECRET_KEY": "short"})
    settings = Settings.from_env({"PRICESCOPE_ENV": "production", "SECRET_KEY": SECRET})
    assert settings.sign_in_required
    assert not Settings.from_env({}).sign_in_required  # the newcomer: loopback, development


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory, demo_root: Path) -> Iterator[Any]:
    """A production app on a private copy of the demo data, with one user per role."""
    data = tmp_path_factory.mktemp("secured") / "data"
    shutil.copytree(demo_root, data)
    settings = Settings(data_dir=data, env="production", secret_key=SECRET)
    services = in_memory_services(settings)
    for name, role in ROLES.items():
        services.reviewing.users.add(name, PASSWORDS[name], role)
    app = create_app(settings, services)

    @app.server.route("/boom-test")
    def boom() -> str:  # an internal error, to see what a client is told
        raise RuntimeError("secret internals")

    yield app, services


def sign_in(client: FlaskClient, name: str, password: str | None = None) -> Any:
    return login(client, name, password or PASSWORDS[name])


def test_without_a_session_every_dash_endpoint_and_page_is_closed(secured: Any) -> None:
    app, _ = secured
    client = app.server.test_client()
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/_dash-dependencies").status_code == 401
    body = {
        "output": f"{Explorer.KPIS}.children",
        "outputs": {"id": str(Explorer.KPIS), "property": "children"},
        "inputs": [{"id": str(Explorer.CHART_STATE), "property": "data", "value": ""}],
        "changedPropIds": [f"{Explorer.CHART_STATE}.data"],
    }
    assert client.post("/_dash-update-component", json=body).status_code in (400, 401)
    for page in ("/", "/explorer", "/decisions", "/jobs"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/assets/pricescope.css").status_code == 200
    assert client.get("/login").status_code == 200


def test_sign_in_sets_a_safe_cookie_and_every_response_has_security_headers(secured: Any) -> None:
    app, _ = secured
    client = app.server.test_client()
    response = sign_in(client, "vera")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http here; https requests get Secure
    assert client.get("/_dash-layout").status_code == 200
    for path in ("/", "/login", "/_dash-dependencies", "/assets/pricescope.css"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    https = app.server.test_client()
    secure_cookie = sign_in_over_https(https)
    assert "Secure" in secure_cookie


def sign_in_over_https(client: FlaskClient) -> str:
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    form = {"csrf_token": token.group(1), "username": "vera", "password": PASSWORDS["vera"]}
    response = client.post("/login", data=form, base_url="https://localhost")
    return str(response.headers["Set-Cookie"])


def test_wrong_passwords_missing_tokens_and_open_redirects_are_refused(secured: Any) -> None:
    app, _ = secured
    client = app.server.test_client()
    assert sign_in(client, "ann", "not-the-password").status_code == 401
    assert sign_in(client, "nobody", "whatever-password").status_code == 401
    assert client.post("/login", data={"username": "ann", "password": "x"}).status_code == 400
    page = client.get("/login?next=//evil.example").get_data(as_text=True)
    assert "evil.example" not in page
    assert client.get("/_dash-layout").status_code == 401


def test_login_is_rate_limited_per_user_name(secured: Any) -> None:
    app, services = secured
    services.reviewing.users.add("rita", "rita-password-1", "viewer")
    client = app.server.test_client()
    for _ in range(MAX_FAILURES_PER_NAME):
        assert sign_in(client, "rita", "wrong-password").status_code == 401
    # Even the right password is refused until the window passes.
    response = sign_in(client, "rita", "rita-password-1")
    assert response.status_code == 429 and "Too many" in response.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401


def test_a_disabled_user_loses_access_at_once(secured: Any) -> None:
    app, services = secured
    services.reviewing.users.add("dan", "dan-password-12", "analyst")
    client = app.server.test_client()
    assert sign_in(client, "dan", "dan-password-12").status_code == 302
    assert client.get("/_dash-layout").status_code == 200
    services.reviewing.users.disable("dan")
    assert client.get("/_dash-layout").status_code == 401
    assert sign_in(client, "dan", "dan-password-12").status_code == 401


def test_production_errors_carry_no_traceback(secured: Any) -> None:
    app, _ = secured
    client = app.server.test_client()
    sign_in(client, "vera")
    response = client.get("/boom-test")
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


# -- writing callbacks check the role ---------------------------------------------------------


def crafted_post(client: FlaskClient, trigger: dict[str, str], values: dict[str, Any]) -> Any:
    """POSTs exactly what the browser would send for the callback ``trigger`` fires."""
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    key = id_key(trigger)
    spec = find_callback(dependencies, output="", trigger=key)
    return client.post(
        "/_dash-update-component", json=callback_payload(spec, values, [f"{key}.n_clicks"])
    )


def field(kind: Reviews, scope: str, prop: str) -> str:
    return json.dumps({"scope": scope, "type": kind.value}, separators=(",", ":")) + f".{prop}"


def review_values(scope: str, run_id: str, item: str) -> dict[str, Any]:
    values = {
        field(Reviews.SAVE, scope, "n_clicks"): 1,
        field(Reviews.ACTION, scope, "value"): "accepted",
        field(Reviews.REASON, scope, "value"): "price_correct",
        field(Reviews.NOTE, scope, "value"): "crafted",
        f"{Explorer.RUN_ID}.data": run_id,
    }
    if scope == "table":
        values[f"{Explorer.TABLE}.selectedRows"] = [{"item_id": item, "review_version": 0}]
    else:
        values[f"{Reviews.ITEM_TARGET}.data"] = {item: 0}
    return values


@pytest.mark.parametrize("scope", ["table", "item"])
def test_every_writing_callback_refuses_a_viewer_and_accepts_an_analyst(
    secured: Any, scope: str
) -> None:
    app, services = secured
    run = RunStore(services.settings.runs_dir).load_current()
    assert run is not None
    item = str(run.items["item_id"].iloc[5 if scope == "table" else 6])
    trigger = {"scope": scope, "type": Reviews.SAVE.value}
    before = services.reviewing.decisions.version(run.info.dataset)

    viewer = app.server.test_client()
    sign_in(viewer, "vera")
    response = crafted_post(viewer, trigger, review_values(scope, run.run_id, item))
    assert response.status_code == 200
    assert "needs the analyst role" in response.get_data(as_text=True)
    assert services.reviewing.decisions.version(run.info.dataset) == before
    assert services.reviewing.decisions.decision(run.info.dataset, item) is None

    analyst = app.server.test_client()
    sign_in(analyst, "ann")
    response = crafted_post(analyst, trigger, review_values(scope, run.run_id, item))
    assert response.status_code == 200 and "Saved 1 decision" in response.get_data(as_text=True)
    saved = services.reviewing.decisions.decision(run.info.dataset, item)
    assert saved is not None and saved.decided_by == "ann" and saved.note == "crafted"
    # The same crafted save again starts from a stale version: a conflict, nothing overwritten.
    response = crafted_post(analyst, trigger, review_values(scope, run.run_id, item))
    assert "changed meanwhile" in response.get_data(as_text=True)
    again = services.reviewing.decisions.decision(run.info.dataset, item)
    assert again is not None and again.version == 1


def test_require_role_outside_sign_in_is_the_local_admin() -> None:
    assert require_role(False, Role.ADMIN).name == "local admin"
    with pytest.raises(RoleRefusedError):
        require_role(True, Role.VIEWER)  # no request, nobody signed in


def test_users_cli_adds_lists_changes_and_disables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setenv("PRICESCOPE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert cli_main(["users", "add", "kim", "--role", "analyst"]) == 0
    assert cli_main(["users", "role", "kim", "admin"]) == 0
    assert cli_main(["users", "disable", "kim"]) == 0
    assert cli_main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "Added kim (analyst)" in out and re.search(r"kim\s+admin\s+disabled", out)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli_main(["users", "add", "lee", "--role", "viewer"]) == 2
    assert cli_main(["users", "add", "lee", "--role", "boss"]) == 2
    assert "at least 10 characters" in capsys.readouterr().err


def test_a_crafted_extreme_reprice_without_confirmation_is_refused(secured: Any) -> None:
    """The guardrail is the server's: a POST that skips the confirmation, or the note, saves
    nothing and says why; confirmed with a note it is saved, proposed and marked extreme."""
    app, services = secured
    run = RunStore(services.settings.runs_dir).load_current()
    assert run is not None
    item = str(run.items["item_id"].iloc[9])
    price = float(run.items["actual"].iloc[9])
    trigger = {"scope": "item", "type": Reviews.SAVE.value}
    analyst = app.server.test_client()
    sign_in(analyst, "ann")

    def post(confirmed: object, note: str) -> str:
        values = review_values("item", run.run_id, item) | {
            field(Reviews.ACTION, "item", "value"): "reprice",
            field(Reviews.NEW_PRICE, "item", "value"): f"{price * 400:.2f}",
            field(Reviews.NOTE, "item", "value"): note,
            field(Reviews.CONFIRM, "item", "value"): confirmed,
        }
        response = crafted_post(analyst, trigger, values)
        assert response.status_code == 200
        return str(response.get_data(as_text=True))

    assert "tick “Confirm this price”" in post(None, "typo?")
    assert "needs a note saying why" in post(True, "")
    assert services.reviewing.decisions.decision(run.info.dataset, item) is None
    assert "Saved 1 decision" in post(True, "clearance at the supplier's list price")
    saved = services.reviewing.decisions.decision(run.info.dataset, item)
    assert saved is not None and saved.extreme and saved.status == "proposed"
