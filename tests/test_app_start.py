"""A freshly started app serves any request first: Dash's own set-up is done before it serves.

Under gunicorn, a browser that loaded a page from one worker fetches its scripts, in parallel, from
any worker; a fresh one used to answer some of them with a 500 (``"dash" is not a registered
library``) while another of its threads was still running Dash's first-request set-up.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from dash import Dash

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.ids import Explorer
from testkit.callback_requests import callback_payload, find_callback
from tests.conftest import SMALL_DEMO

SUITES = re.compile(r'(?:src|href)="([^"]*/_dash-component-suites/[^"]+)"')


@pytest.fixture(scope="module")
def settings(demo_root: Path) -> Settings:
    return Settings(data_dir=demo_root, **SMALL_DEMO)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def script_urls(settings: Settings) -> list[str]:
    """Every script the Explorer's page names (the eager bundles and the preloaded lazy chunks)."""
    page = create_app(settings).server.test_client().get("/explorer")
    assert page.status_code == 200
    urls = SUITES.findall(page.get_data(as_text=True))
    assert any("dash_renderer" in url for url in urls)
    assert any("plotly.min.js" in url for url in urls)
    return urls


def _serve_skipping_request_hooks(app: Dash, url: str) -> tuple[int, bytes]:
    """Answers ``url`` as a request does that arrives while the first request runs Dash's set-up:
    the set-up is marked done, so the request goes straight to the view."""
    with app.server.test_request_context(url):
        response = app.server.make_response(app.server.dispatch_request())
        return response.status_code, response.get_data()


def test_a_fresh_app_serves_every_script_of_the_page_as_its_first_requests(
    settings: Settings, script_urls: list[str]
) -> None:
    client = create_app(settings).server.test_client()
    for url in script_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype.endswith("javascript"), url
        assert len(response.get_data()) > 1000, url


def test_a_fresh_app_serves_every_script_without_waiting_for_a_first_request(
    settings: Settings, script_urls: list[str]
) -> None:
    app = create_app(settings)
    for url in script_urls:
        status, body = _serve_skipping_request_hooks(app, url)
        assert status == 200, url
        assert len(body) > 1000, url


def test_a_fresh_app_lists_the_page_router_before_any_request(settings: Settings) -> None:
    """The browser asks for the callback list once; a list without the router shows no page."""
    app = create_app(settings)
    with app.server.test_request_context("/_dash-dependencies"):
        dependencies = app.server.make_response(app.server.dispatch_request()).get_json()
    outputs = [dependency["output"] for dependency in dependencies]
    assert any(output.startswith(".._pages_content.children") for output in outputs), outputs


def _dash_config(html_text: str) -> dict[str, object]:
    match = re.search(
        r'<script id="_dash-config" type="application/json">(.*?)</script>', html_text, re.S
    )
    assert match is not None
    config: dict[str, object] = json.loads(match.group(1))
    return config


def test_every_page_is_sent_without_the_explorers_first_view(settings: Settings) -> None:
    """Dash sends the layout it checks callbacks against in every page's HTML; the Explorer's
    first view (its scatter's points) belongs only to the Explorer, which draws it itself."""
    client = create_app(settings).server.test_client()
    overview = client.get("/").get_data(as_text=True)
    checked = json.dumps(_dash_config(overview)["validation_layout"])
    assert Explorer.SCATTER.value in checked  # the ids are all still there to check against
    assert "scattergl" not in checked
    # The Explorer itself still opens with its first view drawn.
    explorer = client.post(
        "/_dash-update-component",
        json=callback_payload(
            find_callback(
                json.loads(client.get("/_dash-dependencies").data), output="_pages_content"
            ),
            {"_pages_location.pathname": "/explorer", "_pages_location.search": ""},
            ["_pages_location.pathname"],
        ),
    )
    assert explorer.status_code == 200
    assert "scattergl" in explorer.get_data(as_text=True)
