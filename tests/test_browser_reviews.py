"""Reviews in headless Chromium, signed in: an analyst reviews three items from the Explorer's
table; a viewer then finds them on the Decisions page, with no edit controls anywhere. And an
analyst views another dataset's run from the navbar, makes it current, and every page follows."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.datasets import DatasetStore
from dashboard.ids import Decisions, Explorer, Reviews, Shell
from dashboard.runs import RunColumns
from dashboard.services import Services
from tests.test_browser_explorer import wait_for
from tests.test_reviews import make_run

pytestmark = pytest.mark.browser

SECRET = "b" * 48
USERS = {"ann": ("analyst", "analyst-password-1"), "vera": ("viewer", "viewer-password-1")}


def sign_in(dash_duo: Any, name: str) -> None:
    dash_duo.driver.get(f"{dash_duo.server_url}/login")
    wait_for(lambda: dash_duo.driver.find_elements(By.ID, "username"), what="login form")
    dash_duo.driver.find_element(By.ID, "username").send_keys(name)
    dash_duo.driver.find_element(By.ID, "password").send_keys(USERS[name][1])
    dash_duo.driver.find_element(By.ID, "login-submit").click()
    dash_duo.wait_for_element(f"#{Shell.USER_MENU}", timeout=20)
    assert name in dash_duo.find_element(f"#{Shell.USER_MENU}").text


def open_menu(dash_duo: Any, selector: str) -> str | None:
    """The open menu's text, after clicking its toggle; ``None`` while the page is still drawing
    it (the navbar refreshes as the page loads, which replaces an element or closes the menu)."""
    try:
        shown = dash_duo.driver.find_elements(By.CSS_SELECTOR, f"{selector} .dropdown-menu.show")
        if shown:
            return str(shown[0].text) or None
        dash_duo.find_element(f"{selector} .dropdown-toggle").click()
    except StaleElementReferenceException:
        pass
    return None


def form_field(kind: Reviews, scope: str = "table") -> str:
    return f'[id=\'{{"scope":"{scope}","type":"{kind.value}"}}\']'


def test_analyst_reviews_three_items_and_a_viewer_sees_them_read_only(
    dash_duo: Any, demo_settings: Settings
) -> None:
    settings = Settings(
        data_dir=demo_settings.data_dir,
        env="production",
        secret_key=SECRET,
        demo_skus=demo_settings.demo_skus,
        demo_transactions=demo_settings.demo_transactions,
        demo_seed=demo_settings.demo_seed,
    )
    services = Services.from_settings(settings)
    for name, (role, password) in USERS.items():
        services.reviewing.users.add(name, password, role)
    # Not navigating: the first page a stranger gets is the login page, not the app.
    dash_duo.start_server(create_app(settings, services), navigate=False)
    dash_duo._url = dash_duo.server.url  # server_url's setter would wait for the app to load

    # Not signed in: the app sends the browser to the login page.
    dash_duo.driver.get(f"{dash_duo.server_url}/explorer")
    wait_for(lambda: "/login" in dash_duo.driver.current_url, what="redirect to login")

    sign_in(dash_duo, "ann")
    dash_duo.driver.get(f"{dash_duo.server_url}/explorer#flagged=1")
    run = services.runs.load_current()
    assert run is not None
    flagged = int(run.items["flagged"].sum())
    # The page opens on the whole run and then applies the link: wait until the table holds the
    # flagged items, so the rows ticked are the ones that stay on screen.
    wait_for(
        lambda: dash_duo.find_element(f"#{Explorer.TABLE_COUNT}").text.startswith(
            f"{flagged:,} items"
        ),
        what="the flagged items in the table",
    )

    def first_rows() -> list[str]:
        return [
            row.get_attribute("row-id")
            for row in dash_duo.find_elements(
                f"#{Explorer.TABLE} .ag-center-cols-container .ag-row"
            )
        ][:3]

    rows = wait_for(lambda: len(first_rows()) == 3 and first_rows(), what="three table rows")
    for item in rows:
        box = f"#{Explorer.TABLE} .ag-row[row-id='{item}'] .ag-selection-checkbox input"
        wait_for(
            lambda box=box: dash_duo.driver.execute_script(
                "const b = document.querySelector(arguments[0]); if (b) { b.click(); } return !!b;",
                box,
            ),
            what=f"the tick box of {item}",
        )
    wait_for(
        lambda: dash_duo.find_element(f"#{Reviews.SELECTED_COUNT}").text == "3 selected",
        what="three selected",
    )
    Select(dash_duo.find_element(form_field(Reviews.ACTION))).select_by_value("accepted")
    Select(dash_duo.find_element(form_field(Reviews.REASON))).select_by_value("strategic")
    dash_duo.find_element(form_field(Reviews.NOTE)).send_keys("agreed with pricing team")
    dash_duo.find_element(form_field(Reviews.SAVE)).click()
    wait_for(
        lambda: "Saved 3 decisions" in dash_duo.find_element(form_field(Reviews.FEEDBACK)).text,
        what="saved message",
    )
    # The table shows the decisions (fetched again after the save).
    for item in rows:
        wait_for(
            lambda item=item: any(
                "Accepted as is" in cell.text
                for cell in dash_duo.find_elements(
                    f"#{Explorer.TABLE} .ag-row[row-id='{item}'] [col-id='review']"
                )
            ),
            what=f"decision mark on {item}",
        )
    decided = services.reviewing.decisions.decisions(run.info.dataset, rows)
    assert {d.decided_by for d in decided.values()} == {"ann"} and len(decided) == 3
    assert dash_duo.get_logs() == []

    # Sign out, sign in as a viewer: the decisions are on the Decisions page, nothing to edit.
    dash_duo.find_element(f"#{Shell.USER_MENU} button").click()
    wait_for(lambda: "/login" in dash_duo.driver.current_url, what="signed out")
    sign_in(dash_duo, "vera")
    dash_duo.driver.get(f"{dash_duo.server_url}/decisions")
    dash_duo.wait_for_element(f"#{Decisions.TABLE} .ag-row", timeout=20)
    table_text = wait_for(
        lambda: (
            all(item in dash_duo.find_element(f"#{Decisions.TABLE}").text for item in rows)
            and dash_duo.find_element(f"#{Decisions.TABLE}").text
        ),
        what="decided items on the Decisions page",
    )
    assert "ann" in table_text and "Accepted as is" in table_text
    assert "3" in dash_duo.find_element(f"#{Decisions.KPIS}-decided").text
    assert "agreed with pricing team" in dash_duo.find_element(f"#{Decisions.PAGE}").text
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, ".review-form") == []

    dash_duo.driver.get(f"{dash_duo.server_url}/explorer#item={rows[0]}")
    wait_for(
        lambda: "Accepted as is" in dash_duo.find_element(f"#{Reviews.ITEM_PANEL}").text,
        what="the decision in the item panel",
    )
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, ".review-form") == []
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, ".review-toolbar") == []
    assert dash_duo.get_logs() == []


def test_analyst_views_another_datasets_run_then_makes_it_current(
    dash_duo: Any, demo_settings: Settings
) -> None:
    settings = Settings(data_dir=demo_settings.data_dir, env="production", secret_key=SECRET)
    services = Services.from_settings(settings)
    services.reviewing.users.add("ann", *reversed(USERS["ann"]))
    DatasetStore(settings.datasets_dir).create("Boats", created_by="ann")
    boats = services.runs.publish(
        make_run("x", [True, False, True, False, False, False]).items,
        {},
        columns=RunColumns("sku", "p", None, None, ("brand",), ()),
        label="Boats · v1",
        source={"kind": "dataset", "dataset": "boats", "version": "v-test"},
        make_current=False,
    )
    dash_duo.start_server(create_app(settings, services), navigate=False)
    dash_duo._url = dash_duo.server.url
    sign_in(dash_duo, "ann")
    dash_duo.driver.get(f"{dash_duo.server_url}/explorer")
    switcher = f"#{Shell.RUN_SWITCHER}"
    dash_duo.wait_for_element(f"{switcher} .dropdown-toggle", timeout=20)
    menu = wait_for(lambda: open_menu(dash_duo, switcher), what="the run menu")
    # Grouped by dataset under its name, the demo first.
    assert menu.index("Demo tyre catalogue") < menu.index("Boats") < menu.index("Boats · v1")
    entry = f'[id=\'{{"run":"{boats.run_id}","type":"{Shell.SWITCH_RUN.value}"}}\']'
    current = services.runs.current_id()
    dash_duo.find_element(entry).click()
    # The switcher views the run: the address names it, the badge names it, nothing else changes.
    wait_for(
        lambda: "Run Boats · v1 · 6 items" in dash_duo.find_element(switcher).text,
        what="the badge naming the boats' run",
    )
    wait_for(
        lambda: dash_duo.find_element(f"#{Explorer.TABLE_COUNT}").text.startswith("6 items"),
        what="the Explorer on the boats' run",
    )
    assert f"/explorer?run={boats.run_id}" in dash_duo.driver.current_url
    assert services.runs.current_id() == current
    # Making it current is a decision, confirmed in words that say what changes for everyone.
    make_current = f'[id=\'{{"run":"{boats.run_id}","type":"{Shell.MAKE_CURRENT.value}"}}\']'
    dash_duo.find_element(f"#{Shell.RUN_BADGE} {make_current}").click()
    dash_duo.wait_for_contains_text(f"#{Shell.CONFIRM_TEXT}", "Every page, for every user")
    dash_duo.find_element(f"#{Shell.CONFIRM_YES}").click()
    wait_for(
        lambda: dash_duo.find_element(f"#{Shell.RUN_BADGE} .badge").text == "current",
        what="the badge marking the boats' run current",
    )
    assert services.runs.current_id() == boats.run_id
    dash_duo.driver.get(f"{dash_duo.server_url}/decisions")
    wait_for(
        lambda: "Decisions on Boats" in dash_duo.find_element(f"#{Decisions.SCOPE}").text,
        what="the Decisions page on the boats' dataset",
    )
    assert dash_duo.get_logs() == []
