"""An address that is no page: the app's shell with a sentence and the ways back, and HTTP 404."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.ids import Explorer, NotFound, Overview, Shell
from layouts.not_found import layout
from testkit.services import in_memory_services
from tests.conftest import SMALL_DEMO


@pytest.fixture(scope="module")
def client(demo_root: Path) -> FlaskClient:
    settings = Settings(data_dir=demo_root, **SMALL_DEMO)  # type: ignore[arg-type]
    return create_app(settings, in_memory_services(settings)).server.test_client()


@pytest.mark.parametrize("path", ["/nonexistent", "/explorer/oops", "/not-found-404", "/Data"])
def test_a_direct_load_of_an_unknown_address_answers_404_with_the_app(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    # The same page as any other: Dash's scripts draw the shell and the not-found page in it.
    body = response.get_data(as_text=True)
    assert "_dash-renderer" in body or "dash_renderer" in body
    assert 'id="react-entry-point"' in body


@pytest.mark.parametrize("path", ["/", "/explorer", "/explorer/", "/jobs", "/decisions", "/data"])
def test_the_pages_still_answer_200(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 200


def test_scripts_and_callbacks_are_not_turned_into_404(client: FlaskClient) -> None:
    assert client.get("/_dash-layout").status_code == 200
    assert client.get("/_dash-dependencies").status_code == 200
    assert client.get("/assets/pricescope.css").status_code == 200


def test_the_page_says_the_address_is_not_a_page_and_links_back(demo_root: Path) -> None:
    settings = Settings(data_dir=demo_root, **SMALL_DEMO)  # type: ignore[arg-type]
    page = layout(in_memory_services(settings))
    text = str(page)
    assert "This address is not a page of PriceScope" in text
    links = {c.id: c.href for c in page._traverse() if getattr(c, "href", None)}
    assert links == {NotFound.TO_OVERVIEW: "/", NotFound.TO_EXPLORER: "/explorer"}


@pytest.mark.browser
def test_an_unknown_address_in_the_browser_shows_the_shell_and_a_way_back(
    dash_duo: Any, demo_settings: Settings
) -> None:
    dash_duo.start_server(create_app(demo_settings))
    # Loaded directly: the navbar and the sentence; the server said 404.
    dash_duo.wait_for_page(f"{dash_duo.server_url}/nonexistent")
    dash_duo.wait_for_contains_text(f"#{NotFound.PAGE}", "This address is not a page", timeout=20)
    assert "Explorer" in dash_duo.find_element(f"#{Shell.NAVBAR}").text
    assert dash_duo.driver.title == "Not a page · PriceScope"
    dash_duo.find_element(f"#{NotFound.TO_EXPLORER}").click()
    dash_duo.wait_for_element(f"#{Explorer.TABLE} .ag-row", timeout=30)
    assert dash_duo.driver.current_url.endswith("/explorer")

    # Followed inside the app (as a link does): the same page, then back to the Overview.
    dash_duo.driver.execute_script(
        "window.history.pushState({}, '', '/no/such/page');"
        "window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));"
    )
    dash_duo.wait_for_contains_text(f"#{NotFound.PAGE}", "This address is not a page", timeout=20)
    dash_duo.find_element(f"#{NotFound.TO_OVERVIEW}").click()
    dash_duo.wait_for_element(f"#{Overview.RUN_SUMMARY}", timeout=30)
    messages = [entry["message"] for entry in dash_duo.get_logs()]
    assert all("/nonexistent" in m and "404" in m for m in messages), messages
