"""Shared fixtures: a small scored demo run (made once per test session) and browser options."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.chrome.options import Options

from dashboard.config import Settings

SMALL_DEMO = {"demo_skus": 4_000, "demo_transactions": 60_000, "demo_seed": 11}


def pytest_setup_options() -> Options:
    """Headless Chromium flags for a closed network, run as root (dash[testing] adds the rest)."""
    options = Options()
    for flag in (
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        options.binary_location = chromium
    return options


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding a small generated demo and one scored run of it."""
    from dashboard.bootstrap import ensure_current_run

    root = tmp_path_factory.mktemp("pricescope-data")
    settings = Settings(data_dir=root, **SMALL_DEMO)  # type: ignore[arg-type]
    info = ensure_current_run(settings)
    assert info is not None
    return root


@pytest.fixture
def demo_settings(demo_root: Path, tmp_path: Path) -> Iterator[Settings]:
    """Settings on a private copy of the demo data, so a test may publish runs without side effects."""
    data = tmp_path / "data"
    shutil.copytree(demo_root, data)
    yield Settings(data_dir=data, **SMALL_DEMO)  # type: ignore[arg-type]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A job process that a failed browser test left running must not keep the run from ending:
    Python joins its children at exit, so one stuck job would hang the whole suite. Such a
    process is named, then stopped; the failed test has already said what went wrong."""
    import multiprocessing
    import warnings

    import multiprocess  # type: ignore[import-untyped]  # what Dash's DiskcacheManager forks with

    for module in (multiprocess, multiprocessing):
        for child in module.active_children():
            warnings.warn(f"stopping job process {child.pid} left running by a test", stacklevel=1)
            child.kill()
            child.join(5)
