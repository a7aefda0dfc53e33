"""Accessibility in headless Chromium: axe-core (installed locally by .ci/install-test-deps) finds
no serious or critical violation on any page, and the main controls are reached and operated by
keyboard alone, in a sensible order, with a visible focus ring.

Every violation axe reports (of any impact) is printed with its rule, impact and elements, so a
failure says what to fix and where; only serious and critical ones fail the test.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.ids import Data, Decisions, Explorer, Jobs, NotFound, Shell
from dashboard.runs import RunStore
from dashboard.services import Services
from testkit.axe import axe_violations, blocking, report

pytestmark = pytest.mark.browser
logger = logging.getLogger(__name__)

#: (path, an element that shows once the page has drawn what matters)
PAGES = (
    ("/", f"#{Shell.RUN_BADGE}"),
    ("/explorer", f"#{Explorer.TABLE} .ag-row"),
    ("/jobs", f"#{Jobs.RECOMPUTE}"),
    ("/decisions", f"#{Decisions.PAGE}"),
    ("/data", f"#{Data.DATASETS}"),
    ("/nonexistent", f"#{NotFound.PAGE}"),
)
ACTIVE = """const e = document.activeElement;
return {tag: e.tagName, id: e.id, cls: String(e.className || ''),
        text: (e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 40),
        inside: (e.closest('[id]') || {}).id || ''};"""


def wait_for(condition: Any, timeout: float = 20, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def check_page(dash_duo: Any, name: str, found: dict[str, list[Any]]) -> None:
    violations = axe_violations(dash_duo.driver)
    found[name] = violations
    logger.info(report(name, violations))


def test_no_serious_or_critical_violations_on_any_page(
    dash_duo: Any, demo_settings: Settings
) -> None:
    dash_duo.start_server(create_app(demo_settings))
    found: dict[str, list[Any]] = {}
    for path, ready in PAGES:
        dash_duo.wait_for_page(f"{dash_duo.server_url}{path}")
        dash_duo.wait_for_element(ready, timeout=30)
        time.sleep(0.5)  # the last callbacks of the page settle
        check_page(dash_duo, path, found)

    # The Explorer with an item's detail open.
    run = RunStore(demo_settings.runs_dir).load_current()
    assert run is not None
    flagged = run.items.loc[run.items["flagged"], "item_id"].iloc[0]
    dash_duo.wait_for_page(f"{dash_duo.server_url}/explorer#item={flagged}")
    dash_duo.wait_for_contains_text(".offcanvas-title", str(flagged), timeout=30)
    dash_duo.wait_for_contains_text(f"#{Explorer.DETAIL_BODY}", "fair price", timeout=30)
    check_page(dash_duo, "/explorer (item detail open)", found)

    failing = {page: blocking(v) for page, v in found.items() if blocking(v)}
    assert not failing, "\n".join(report(page, v) for page, v in failing.items())
    # The one error the console shows is the 404 the server answers for the unknown address.
    logs = dash_duo.get_logs()
    assert [entry["message"] for entry in logs if "/nonexistent" not in entry["message"]] == []
    assert all("404" in entry["message"] for entry in logs)


def test_the_sign_in_page_and_the_signed_in_shell_have_no_serious_or_critical_violations(
    dash_duo: Any, demo_settings: Settings, tmp_path: Path
) -> None:
    # A database file of its own: the browser's requests come on several threads at once, which
    # one shared in-memory connection cannot serve.
    secured = Settings(
        data_dir=demo_settings.data_dir,
        env="production",
        secret_key="s" * 48,
        database_url=f"sqlite:///{tmp_path / 'reviews.db'}",
    )
    services = Services.from_settings(secured)
    services.reviewing.users.add("ann", "analyst-password-1", "analyst")
    dash_duo.start_server(create_app(secured, services), navigate=False)
    dash_duo.driver.get(f"{dash_duo.server.url}/login")
    dash_duo.wait_for_element("#login-form", timeout=20)
    found = {"/login": axe_violations(dash_duo.driver)}

    # Signed in: the navbar carries the user's name, role and "Sign out".
    dash_duo.find_element("#username").send_keys("ann")
    dash_duo.find_element("#password").send_keys("analyst-password-1", Keys.ENTER)
    dash_duo.wait_for_element(f"#{Shell.USER_MENU}", timeout=30)
    dash_duo.wait_for_element(f"#{Shell.RUN_BADGE}", timeout=30)
    found["/ (signed in)"] = axe_violations(dash_duo.driver)
    for page, violations in found.items():
        logger.info(report(page, violations))
    failing = {page: blocking(v) for page, v in found.items() if blocking(v)}
    assert not failing, "\n".join(report(page, v) for page, v in failing.items())


def tab_until(dash_duo: Any, wanted: Any, limit: int = 130) -> list[dict[str, str]]:
    """Presses Tab until the focused element is ``wanted``; every element focused on the way."""
    seen: list[dict[str, str]] = []
    for _ in range(limit):
        ActionChains(dash_duo.driver).send_keys(Keys.TAB).perform()
        seen.append(dash_duo.driver.execute_script(ACTIVE))
        if wanted(seen[-1]):
            return seen
    raise AssertionError(f"Tab never reached it; focus went through {json.dumps(seen)[:3000]}")


def active_class(dash_duo: Any) -> str:
    return str(dash_duo.driver.execute_script("return String(document.activeElement.className)"))


def press(dash_duo: Any, *keys: str) -> None:
    ActionChains(dash_duo.driver).send_keys(*keys).perform()


def test_the_explorer_is_reached_and_operated_by_keyboard(
    dash_duo: Any, demo_settings: Settings
) -> None:
    dash_duo.start_server(create_app(demo_settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/explorer")
    dash_duo.wait_for_element(f"#{Explorer.TABLE} .ag-row", timeout=30)

    # The first Tab shows "Skip to content"; Enter puts the focus on the page, past the navbar.
    first = tab_until(dash_duo, lambda e: True)[0]
    assert first["text"] == "Skip to content"
    assert dash_duo.find_element(".skip-link").location["y"] >= 0  # in view while focused
    before = dash_duo.driver.current_url
    press(dash_duo, Keys.ENTER)
    assert dash_duo.driver.execute_script(ACTIVE)["id"] == "main-content"
    assert dash_duo.driver.current_url == before  # the Explorer's hash (its filters) is kept

    # From the top: navbar, run switcher, filters, charts' controls, export, then the table.
    dash_duo.driver.refresh()
    dash_duo.wait_for_element(f"#{Explorer.TABLE} .ag-row", timeout=30)
    order = tab_until(dash_duo, lambda e: "ag-cell" in e["cls"] or "ag-header-cell" in e["cls"])
    texts = [e["text"] for e in order]
    for page in ("Overview", "Explorer", "Jobs", "Decisions", "Data"):
        assert page in texts, texts
    navbar = texts.index("Data")
    switcher = next(i for i, e in enumerate(order) if e["text"].startswith("Run "))
    search = next(i for i, e in enumerate(order) if e["id"] == Explorer.SEARCH)
    season = next(i for i, e in enumerate(order) if '"column":"season"' in e["id"])
    export = next(i for i, e in enumerate(order) if e["id"] == Explorer.EXPORT_CSV)
    assert navbar < switcher < search < season < export < len(order) - 1, texts
    # A dropdown's focus lands on the dropdown itself (Dash's hidden relay passes it on).
    assert order[season]["tag"] == "BUTTON"

    # The focus ring shows.
    ring = dash_duo.driver.execute_script(
        "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]"
    )
    assert ring == ["solid", "3px"], ring

    # Enter on a table cell opens the item's detail; Escape or its close button shuts it.
    row_item = dash_duo.driver.execute_script(
        "return document.activeElement.closest('.ag-row') ? "
        "document.activeElement.closest('.ag-row').getAttribute('row-index') : null"
    )
    if row_item is None:  # the focus is on a header cell: step down into the first row
        press(dash_duo, Keys.ARROW_DOWN)
    press(dash_duo, Keys.ENTER)
    wait_for(lambda: dash_duo.find_elements(".offcanvas.show"), what="the item detail")
    dash_duo.wait_for_contains_text(f"#{Explorer.DETAIL_BODY}", "fair price", timeout=30)
    close = dash_duo.find_element(".offcanvas.show .btn-close")
    tab_until(dash_duo, lambda e: e["cls"] == "btn-close" or "btn-close" in e["cls"], limit=60)
    assert close.get_attribute("aria-label") == "Close"
    press(dash_duo, Keys.ENTER)
    wait_for(lambda: not dash_duo.find_elements(".offcanvas.show"), what="the detail to close")

    # A dropdown by keyboard: focus it, open it with the arrow key, choose with Enter.
    season_id = json.dumps(
        {"column": "season", "type": Explorer.SEGMENT.value}, separators=(",", ":")
    )
    dash_duo.driver.execute_script("document.getElementById(arguments[0]).focus()", season_id)
    press(dash_duo, Keys.ARROW_DOWN)
    dash_duo.wait_for_element(".dash-dropdown-options", timeout=10)
    wait_for(lambda: "dash-dropdown-search" in active_class(dash_duo), what="the search box")
    press(dash_duo, Keys.ARROW_DOWN)  # from the search box to the first season
    wait_for(lambda: "option" in active_class(dash_duo), what="an option in focus")
    press(dash_duo, Keys.ENTER)
    wait_for(lambda: dash_duo.find_elements(".dash-dropdown-option.selected"), what="chosen")
    press(dash_duo, Keys.ESCAPE)
    wait_for(
        lambda: "season:" in dash_duo.find_element(f"#{Explorer.CHIPS}").text.lower(),
        what="a season chip",
    )
    # A button by keyboard: Space on "Clear all" removes the filter.
    dash_duo.driver.execute_script(
        "document.getElementById(arguments[0]).focus()", Explorer.CLEAR_ALL.value
    )
    press(dash_duo, Keys.SPACE)
    wait_for(
        lambda: "season:" not in dash_duo.find_element(f"#{Explorer.CHIPS}").text,
        what="the filters cleared",
    )
    # The run switcher opens with Enter and shows the runs.
    dash_duo.driver.execute_script(
        "document.querySelector(arguments[0]).focus()", f"#{Shell.RUN_BADGE} .dropdown-toggle"
    )
    press(dash_duo, Keys.ENTER)
    wait_for(lambda: dash_duo.find_elements(f"#{Shell.RUN_BADGE} .dropdown-menu.show"), what="menu")
    press(dash_duo, Keys.ESCAPE)
    assert dash_duo.get_logs() == []
