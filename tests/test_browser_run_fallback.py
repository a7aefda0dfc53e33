"""A current run that cannot be read, in headless Chromium: the Overview shows the newest readable
run under a banner naming both, with no console errors."""

from __future__ import annotations

import pytest

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.ids import Overview, Shell
from dashboard.query.overview import overview_kpis
from dashboard.runs import ITEMS_FILE, run_store

pytestmark = pytest.mark.browser


def test_the_overview_names_the_damaged_current_run_and_the_run_shown(  # type: ignore[no-untyped-def]
    dash_duo, demo_settings: Settings
) -> None:
    store = run_store(demo_settings)
    good = store.load_current()
    assert good is not None
    broken = store.publish(
        good.items,
        good.model_card,
        columns=good.info.columns,
        label="truncated later",
        source=good.info.source,
        make_current=True,
    )
    (demo_settings.runs_dir / broken.run_id / ITEMS_FILE).write_bytes(b"")

    dash_duo.start_server(create_app(demo_settings))
    dash_duo.wait_for_contains_text(
        f"#{Shell.RUN_FALLBACK}",
        f"Run {broken.run_id} cannot be read: items.parquet is empty (0 bytes). Showing run "
        f"{good.run_id} instead.",
        timeout=20,
    )
    assert (
        "python -m dashboard runs --check" in dash_duo.find_element(f"#{Shell.RUN_FALLBACK}").text
    )
    # The page itself is the readable run's.
    dash_duo.wait_for_text_to_equal(
        f"#{Overview.KPI_ITEMS} .kpi-value", f"{overview_kpis(good).items:,}", timeout=20
    )
    assert dash_duo.get_logs() == []
