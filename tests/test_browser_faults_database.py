"""A PostgreSQL outage in headless Chromium: an analyst with the Explorer's review panel open sees
the read-only banner appear by itself, and a save is refused with a sentence that keeps the form;
after the restart the banner goes by itself and the same form saves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.db.health import NOT_SAVED, READ_ONLY_BANNER
from dashboard.ids import Reviews, Shell
from dashboard.services import Services
from testkit.postgres import PostgresServer, postgres_server
from tests.test_browser_explorer import wait_for

pytestmark = pytest.mark.browser

SECRET = "p" * 48
PASSWORD = "analyst-password-1"


@pytest.fixture
def postgres() -> Iterator[PostgresServer]:
    server = postgres_server()
    if isinstance(server, str):
        pytest.skip(server)
    try:
        yield server
    finally:
        server.remove()


def item_field(kind: Reviews) -> str:
    return f'[id=\'{{"scope":"item","type":"{kind.value}"}}\']'


def text_of(dash_duo: Any, selector: str) -> str:
    """The element's text; "" while the page has not drawn it yet."""
    found = dash_duo.driver.find_elements(By.CSS_SELECTOR, selector)
    return str(found[0].text) if found else ""


def test_the_banner_comes_and_goes_and_a_save_is_refused_keeping_the_form(
    dash_duo: Any, demo_settings: Settings, postgres: PostgresServer
) -> None:
    settings = Settings(
        data_dir=demo_settings.data_dir,
        env="production",
        secret_key=SECRET,
        database_url=postgres.url,
    )
    services = Services.from_settings(settings)
    services.reviewing.users.add("ann", PASSWORD, "analyst")
    run = services.runs.load_current()
    assert run is not None
    item = str(run.items["item_id"].iloc[0])
    dash_duo.start_server(create_app(settings, services), navigate=False)
    dash_duo._url = dash_duo.server.url  # server_url's setter would wait for the app to load

    driver = dash_duo.driver
    driver.get(f"{dash_duo.server_url}/login")
    wait_for(lambda: driver.find_elements(By.ID, "username"), what="login form")
    driver.find_element(By.ID, "username").send_keys("ann")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login-submit").click()
    dash_duo.wait_for_element(f"#{Shell.USER_MENU}", timeout=20)
    driver.get(f"{dash_duo.server_url}/explorer#item={item}")
    wait_for(
        lambda: "Unreviewed" in text_of(dash_duo, f"#{Reviews.ITEM_PANEL}"),
        what="the item's review panel",
    )
    assert dash_duo.find_element(f"#{Shell.DATABASE_BANNER}").text == ""

    postgres.stop()
    try:
        wait_for(
            lambda: READ_ONLY_BANNER in text_of(dash_duo, f"#{Shell.DATABASE_BANNER}"),
            timeout=30,
            what="the read-only banner",
        )
        Select(dash_duo.find_element(item_field(Reviews.ACTION))).select_by_value("accepted")
        Select(dash_duo.find_element(item_field(Reviews.REASON))).select_by_value("strategic")
        dash_duo.find_element(item_field(Reviews.NOTE)).send_keys("checked with the buyer")
        dash_duo.find_element(item_field(Reviews.SAVE)).click()
        wait_for(
            lambda: NOT_SAVED in text_of(dash_duo, item_field(Reviews.FEEDBACK)),
            what="the not-saved sentence",
        )
        note = dash_duo.find_element(item_field(Reviews.NOTE))
        assert note.get_attribute("value") == "checked with the buyer"
        action = dash_duo.find_element(item_field(Reviews.ACTION))
        assert action.get_attribute("value") == "accepted"
    finally:
        postgres.start()

    wait_for(
        lambda: text_of(dash_duo, f"#{Shell.DATABASE_BANNER}") == "",
        timeout=30,
        what="the banner to go after the restart",
    )
    dash_duo.find_element(item_field(Reviews.SAVE)).click()
    wait_for(
        lambda: "Saved 1 decision" in text_of(dash_duo, item_field(Reviews.FEEDBACK)),
        what="the save after the restart",
    )
    saved = services.reviewing.decisions.decision(run.info.dataset, item)
    assert saved is not None and saved.note == "checked with the buyer"
    assert dash_duo.get_logs() == []
    services.reviewing.database.dispose()
