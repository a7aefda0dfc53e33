"""Without sign-in the app answers only the machine itself, asked directly: a page using DNS
rebinding (a foreign ``Host``) or a reverse proxy on the same machine (``X-Forwarded-*``,
``Forwarded``) gets a 403 that says how to turn sign-in on, never the local admin's data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from dashboard.app_factory import create_app
from dashboard.auth.loopback import loopback_problem
from dashboard.config import Settings
from dashboard.ids import Explorer
from testkit.callback_requests import callback_payload, find_callback

ENDPOINTS = ("/", "/explorer", "/_dash-layout", "/_dash-dependencies", "/assets/pricescope.css")


@pytest.fixture(scope="module")
def local_client(demo_root: Path) -> FlaskClient:
    return create_app(Settings(data_dir=demo_root)).server.test_client()


def _detail_request(client: FlaskClient) -> dict[str, Any]:
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    spec = find_callback(dependencies, output=f"{Explorer.DETAIL_BODY}.children")
    return callback_payload(spec, {}, [f"{Explorer.ITEM_STATE}.data"])


def _assert_refused_with_the_way_out(response: Any) -> None:
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "PRICESCOPE_ENV=production" in text and "python -m dashboard users add" in text
    assert '"props"' not in text  # nothing of the page or its data


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8050", "127.0.0.1.evil.example"])
def test_a_foreign_host_name_is_refused_everywhere(local_client: FlaskClient, host: str) -> None:
    for path in ENDPOINTS:
        _assert_refused_with_the_way_out(local_client.get(path, headers={"Host": host}))
    body = _detail_request(local_client)
    response = local_client.post("/_dash-update-component", json=body, headers={"Host": host})
    _assert_refused_with_the_way_out(response)


@pytest.mark.parametrize(
    "header",
    [
        {"X-Forwarded-For": "203.0.113.9"},
        {"X-Forwarded-Host": "prices.example.com"},
        {"X-Forwarded-Proto": "https"},
        {"Forwarded": "for=203.0.113.9;proto=https"},
        {"X-Real-IP": "203.0.113.9"},
    ],
)
def test_a_request_through_a_proxy_is_refused(local_client: FlaskClient, header: dict) -> None:
    for path in ("/", "/_dash-layout"):
        response = local_client.get(path, headers={"Host": "127.0.0.1:8050", **header})
        _assert_refused_with_the_way_out(response)
    body = _detail_request(local_client)
    response = local_client.post(
        "/_dash-update-component", json=body, headers={"Host": "localhost", **header}
    )
    _assert_refused_with_the_way_out(response)


@pytest.mark.parametrize("host", ["localhost", "localhost:8050", "127.0.0.1:8050", "[::1]:8050"])
def test_loopback_names_are_served(local_client: FlaskClient, host: str) -> None:
    for path in ENDPOINTS:
        assert local_client.get(path, headers={"Host": host}).status_code == 200, (host, path)
    body = _detail_request(local_client)
    response = local_client.post("/_dash-update-component", json=body, headers={"Host": host})
    assert response.status_code in (200, 204)


def test_the_host_check_reads_names_and_ports_strictly() -> None:
    assert loopback_problem("LOCALHOST:8050", []) is None
    assert loopback_problem("[::1]", []) is None
    for host in ("", "localhost:", "localhost:80:80", "::1", "[::2]:8050", "127.0.0.2", "0.0.0.0"):
        assert loopback_problem(host, []) is not None, host
    assert loopback_problem("localhost", ["Accept", "X-Forwarded-Port"]) is not None


def test_with_sign_in_the_guard_steps_aside(
    tmp_path_factory: pytest.TempPathFactory, demo_root: Path
) -> None:
    """Behind a proxy, under its public name, sign-in decides: the login page is served."""
    data = tmp_path_factory.mktemp("proxied") / "data"
    shutil.copytree(demo_root, data)
    settings = Settings(data_dir=data, env="production", secret_key="k" * 48)
    client = create_app(settings).server.test_client()
    headers = {"Host": "prices.example.com", "X-Forwarded-For": "203.0.113.9"}
    assert client.get("/login", headers=headers).status_code == 200
    assert client.get("/_dash-layout", headers=headers).status_code == 401
