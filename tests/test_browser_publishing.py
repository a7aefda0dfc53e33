"""Publishing as a decision, in headless Chromium: a finished job leaves the current run alone and
tells its analyst on whatever page they are; Make current is confirmed, the badge follows at once,
and another tab on the previous current run is told; a run viewed through the switcher stays on
screen across the navbar's links and back/forward.

The shell's watch is set to one second here (twenty in the app) so the tests do not wait.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from selenium.webdriver.common.by import By

import layouts.shell
from dashboard.app_factory import create_app
from dashboard.auth.identity import LOCAL_ADMIN
from dashboard.config import Settings
from dashboard.ids import Explorer, Shell
from dashboard.jobs import TransactionSource, job_book, parse_scope, run_job
from dashboard.runs import RunInfo, RunStore
from tests.test_browser_explorer import wait_for
from tests.test_browser_reviews import open_menu
from tests.test_layout_ids import dom_id

pytestmark = pytest.mark.browser

BADGE = f"#{Shell.RUN_BADGE}"


@pytest.fixture(autouse=True)
def quick_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layouts.shell, "WATCH_INTERVAL_MS", 1_000)


def _second_run(settings: Settings, label: str) -> tuple[RunInfo, RunInfo]:
    """(the current demo run, another run of the same items, published and not current)."""
    store = RunStore(settings.runs_dir)
    current = store.load_current()
    assert current is not None
    other = store.publish(
        current.items, current.model_card, columns=current.info.columns, label=label
    )
    assert store.current_id() == current.run_id
    return current.info, other


def _by_id(component_id: dict[str, str]) -> str:
    return f"[id='{dom_id(component_id)}']"


def _badge_says(dash_duo: Any, *words: str) -> None:
    wait_for(
        lambda: all(word in dash_duo.find_element(BADGE).text for word in words),
        what=f"the badge saying {words}",
    )


def test_a_finished_job_is_announced_on_another_page_and_leaves_the_current_run(
    dash_duo: Any, demo_settings: Settings
) -> None:
    store = RunStore(demo_settings.runs_dir)
    current = store.current_id()
    dash_duo.start_server(create_app(demo_settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/explorer")
    _badge_says(dash_duo, "current")

    # The analyst's recompute runs to its end (the Jobs page's runner, without the page open).
    source = TransactionSource.of(demo_settings, "demo")
    request = parse_scope({"period": "12m", "regions": ["France"]}, choices=source.choices())
    label = "Demo tyre catalogue · last 12 months · region France"
    job = job_book(demo_settings).create(request.to_json(), label, LOCAL_ADMIN)
    result = run_job(demo_settings, job.job_id)
    assert result["status"] == "done", result
    assert store.current_id() == current  # published, not current

    toast = f"#{Shell.TOASTS} .toast"
    dash_duo.wait_for_contains_text(toast, "Run ready", timeout=15)
    assert label in dash_duo.find_element(toast).text
    assert dash_duo.find_elements(
        f"{toast} {_by_id({'type': Shell.MAKE_CURRENT, 'run': result['run_id']})}"
    )
    dash_duo.find_element(f"{toast} a").click()  # View it
    wait_for(
        lambda: f"/explorer?run={result['run_id']}" in dash_duo.driver.current_url, what="?run="
    )
    _badge_says(dash_duo, "region France", "not current")
    rows = store.info(result["run_id"]).rows
    wait_for(
        lambda: dash_duo.find_element(f"#{Explorer.TABLE_COUNT}").text.startswith(
            f"{rows:,} items"
        ),
        what="the Explorer on the new run",
    )
    assert store.current_id() == current

    # Told once: a reload does not announce the job again.
    dash_duo.driver.refresh()
    _badge_says(dash_duo, "region France")
    time.sleep(2.5)  # two ticks of the watch
    assert dash_duo.find_elements(toast) == []
    assert dash_duo.get_logs() == []


def test_make_current_is_confirmed_the_badge_follows_and_other_tabs_are_told(
    dash_duo: Any, demo_settings: Settings
) -> None:
    demo, rescored = _second_run(demo_settings, "Tyres · rescored")
    store = RunStore(demo_settings.runs_dir)
    dash_duo.start_server(create_app(demo_settings))
    # Another analyst's tab on the current run, and one explicitly on the demo run.
    dash_duo.wait_for_page(f"{dash_duo.server_url}/explorer")
    _badge_says(dash_duo, "current")
    watcher = dash_duo.driver.current_window_handle
    dash_duo.driver.switch_to.new_window("tab")
    dash_duo.driver.get(f"{dash_duo.server_url}/?run={demo.run_id}")
    _badge_says(dash_duo, "current")
    pinned = dash_duo.driver.current_window_handle
    dash_duo.driver.switch_to.new_window("tab")
    dash_duo.driver.get(f"{dash_duo.server_url}/?run={rescored.run_id}")
    _badge_says(dash_duo, "Tyres · rescored", "viewing a newer run · not current")

    dash_duo.find_element(
        f"{BADGE} {_by_id({'type': Shell.MAKE_CURRENT, 'run': rescored.run_id})}"
    ).click()
    dash_duo.wait_for_contains_text(
        f"#{Shell.CONFIRM_TEXT}", "Every page, for every user, will show run Tyres · rescored"
    )
    text = dash_duo.find_element(f"#{Shell.CONFIRM_TEXT}").text
    assert f"instead of run {demo.label}" in text and "Decisions stay with their items." in text
    dash_duo.find_element(f"#{Shell.CONFIRM_YES}").click()
    # At once, not at the next tick: the badge marks the run on screen current.
    wait_for(lambda: dash_duo.find_element(f"{BADGE} .badge").text == "current", what="current")
    assert "Tyres · rescored" in dash_duo.find_element(BADGE).text
    assert store.current_id() == rescored.run_id
    assert not dash_duo.find_elements(f"#{Shell.CONFIRM}.show")
    assert dash_duo.find_element(f"#{Shell.NEW_CURRENT}").text == ""  # not told of its own act

    dash_duo.driver.switch_to.window(watcher)
    banner = f"#{Shell.NEW_CURRENT}"
    dash_duo.wait_for_contains_text(
        banner, "A new current run exists: Tyres · rescored, made current by local admin at"
    )
    dash_duo.driver.switch_to.window(pinned)
    time.sleep(2.5)  # the tab that names its run is not nagged
    assert dash_duo.find_element(banner).text == ""
    dash_duo.driver.switch_to.window(watcher)
    dash_duo.find_element(f"{banner} a").click()  # Show it
    _badge_says(dash_duo, "Tyres · rescored", "current")
    time.sleep(2.5)
    assert dash_duo.find_element(banner).text == ""
    assert dash_duo.get_logs() == []


def test_a_run_viewed_from_the_switcher_stays_on_screen_across_pages_and_history(
    dash_duo: Any, demo_settings: Settings
) -> None:
    demo, rescored = _second_run(demo_settings, "Tyres · rescored")
    dash_duo.start_server(create_app(demo_settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/")
    _badge_says(dash_duo, demo.label, "current")
    switcher = f"#{Shell.RUN_SWITCHER}"
    wait_for(lambda: open_menu(dash_duo, switcher), what="the run menu")
    dash_duo.find_element(_by_id({"type": Shell.SWITCH_RUN, "run": rescored.run_id})).click()
    address = f"?run={rescored.run_id}"
    wait_for(lambda: dash_duo.driver.current_url.endswith(f"/{address}"), what="the run viewed")
    _badge_says(dash_duo, "Tyres · rescored", "not current")

    dash_duo.driver.find_element(By.LINK_TEXT, "Explorer").click()
    wait_for(lambda: dash_duo.driver.current_url.endswith(f"/explorer{address}"), what="Explorer")
    _badge_says(dash_duo, "Tyres · rescored", "not current")
    assert "active" in dash_duo.driver.find_element(By.LINK_TEXT, "Explorer").get_attribute("class")

    dash_duo.driver.back()
    wait_for(lambda: dash_duo.driver.current_url.endswith(f"/{address}"), what="back")
    _badge_says(dash_duo, "Tyres · rescored", "not current")
    dash_duo.driver.back()
    wait_for(lambda: dash_duo.driver.current_url.endswith("/"), what="back to the current run")
    wait_for(lambda: "rescored" not in dash_duo.find_element(BADGE).text, what="the demo named")
    _badge_says(dash_duo, demo.label, "current")
    dash_duo.driver.forward()
    wait_for(lambda: dash_duo.driver.current_url.endswith(f"/{address}"), what="forward")
    _badge_says(dash_duo, "Tyres · rescored", "not current")
    assert RunStore(demo_settings.runs_dir).current_id() == demo.run_id  # viewing changed nothing
    assert dash_duo.get_logs() == []
