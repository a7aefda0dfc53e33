"""The Jobs page in headless Chromium with the DiskcacheManager: recompute, cancel, a failing job.

Each test works on a private copy of the small demo, so runs it publishes go nowhere else.
"""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.keys import Keys

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.ids import Jobs
from dashboard.jobs import JobBook
from dashboard.runs import RunStore
from tests.test_layout_ids import dom_id

pytestmark = pytest.mark.browser


def _progress_value(dash_duo) -> float:  # type: ignore[no-untyped-def]
    bar = dash_duo.find_element(f"#{Jobs.PROGRESS} .progress-bar")
    return float(bar.get_attribute("aria-valuenow") or 0)


def _choose(dash_duo, column: str, value: str) -> None:  # type: ignore[no-untyped-def]
    """Picks ``value`` in the dropdown of the dataset's scope column ``column``."""
    dropdown = f"[id='{dom_id({'type': Jobs.FILTER, 'column': column})}']"
    dash_duo.select_dcc_dropdown(dropdown, value=value)
    # A multi-value dropdown stays open after a choice; close it as a user would.
    dash_duo.find_element("h2").click()
    dash_duo.wait_for_contains_text(dropdown, value, timeout=10)


def test_recompute_shows_progress_and_publishes_a_run(dash_duo, demo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    recompute_flow(dash_duo, demo_settings)


def test_cancel_stops_the_job_and_publishes_nothing(dash_duo, demo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    cancel_flow(dash_duo, demo_settings)


def test_a_failing_job_shows_its_reason(dash_duo, demo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    failing_flow(dash_duo, demo_settings)


# The flows, shared with the Celery + Redis tests (tests/test_jobs_celery.py).
def recompute_flow(dash_duo, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    store = RunStore(settings.runs_dir)
    before = {info.run_id for info in store.list_runs()}
    current = store.current_id()
    dash_duo.start_server(create_app(settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/jobs")
    dash_duo.wait_for_element(f"#{Jobs.JOBS_TABLE}", timeout=20)
    _choose(dash_duo, "region", "France")

    dash_duo.find_element(f"#{Jobs.RECOMPUTE}").click()
    # Progress advances with named stages while the job runs in its own process.
    dash_duo.wait_for_contains_text(f"#{Jobs.STAGE}", "fold", timeout=60)
    assert _progress_value(dash_duo) > 0
    assert "elapsed" in dash_duo.find_element(f"#{Jobs.TIMING}").text
    dash_duo.wait_for_contains_text(f"#{Jobs.OUTCOME}", "Run ready", timeout=120)

    published = [info for info in store.list_runs() if info.run_id not in before]
    assert len(published) == 1
    new_run = published[0]
    # Published, not current: every page keeps showing the run that was current.
    assert store.current_id() == current
    assert new_run.scope["regions"] == ["France"]
    # The runs table lists the new run, and the job is listed as done by "local".
    dash_duo.wait_for_contains_text(f"#{Jobs.RUNS}", "France", timeout=20)
    dash_duo.wait_for_contains_text(f"#{Jobs.JOBS_TABLE}", "done", timeout=20)
    assert "local" in dash_duo.find_element(f"#{Jobs.JOBS_TABLE}").text

    # The same scope again is answered from that run at once, without a new one.
    dash_duo.find_element(f"#{Jobs.RECOMPUTE}").click()
    dash_duo.wait_for_contains_text(f"#{Jobs.JOBS_TABLE} tbody tr", "cached", timeout=30)
    assert {info.run_id for info in store.list_runs()} == before | {new_run.run_id}
    assert store.current_id() == current
    assert dash_duo.get_logs() == []


def cancel_flow(dash_duo, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    store = RunStore(settings.runs_dir)
    before = {info.run_id for info in store.list_runs()}
    dash_duo.start_server(create_app(settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/jobs")
    dash_duo.find_element(f"#{Jobs.PERIOD} input[value='24m']").click()

    dash_duo.find_element(f"#{Jobs.RECOMPUTE}").click()
    dash_duo.wait_for_contains_text(f"#{Jobs.STAGE}", "fold", timeout=60)
    dash_duo.find_element(f"#{Jobs.CANCEL}").click()
    dash_duo.wait_for_contains_text(f"#{Jobs.OUTCOME}", "Cancelled", timeout=20)
    dash_duo.wait_for_contains_text(f"#{Jobs.JOBS_TABLE}", "cancelled", timeout=20)

    # Give a job that was not really stopped the time to publish; nothing may appear.
    time.sleep(3)
    assert {info.run_id for info in store.list_runs()} == before
    newest = JobBook(settings.jobs_dir).recent()[0]
    assert newest.status == "cancelled"
    assert dash_duo.find_element(f"#{Jobs.RECOMPUTE}").is_enabled()
    assert dash_duo.get_logs() == []


def failing_flow(dash_duo, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    store = RunStore(settings.runs_dir)
    before = {info.run_id for info in store.list_runs()}
    dash_duo.start_server(create_app(settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/jobs")
    dash_duo.find_element(f"#{Jobs.PERIOD} input[value='range']").click()
    # A period after the data ends: the job finds no order lines and must say so.
    # Dash 4's range picker: the id is on the start input; the end input sits beside it. It is
    # enabled only for a date range.
    start = dash_duo.wait_for_element(f"#{Jobs.DATES}:not([disabled])", timeout=10)
    end = dash_duo.find_element("input.dash-datepicker-end-date")
    for field, text in ((start, "2030-01-01"), (end, "2030-03-31")):
        field.click()
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(text, Keys.ENTER)
    dash_duo.find_element("h2").click()  # close the calendar
    assert start.get_attribute("value") == "2030-01-01"
    assert end.get_attribute("value") == "2030-03-31"

    dash_duo.find_element(f"#{Jobs.RECOMPUTE}").click()
    dash_duo.wait_for_contains_text(f"#{Jobs.OUTCOME}", "Recompute failed", timeout=60)
    assert "No order lines fall in" in dash_duo.find_element(f"#{Jobs.OUTCOME}").text
    dash_duo.wait_for_contains_text(f"#{Jobs.JOBS_TABLE}", "No order lines fall in", timeout=20)
    assert {info.run_id for info in store.list_runs()} == before
    assert dash_duo.get_logs() == []
