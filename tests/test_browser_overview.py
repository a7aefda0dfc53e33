"""The Overview in headless Chromium: KPIs, charts and the top-items table render, a bar or a top item
opens the Explorer on it, and charts with nothing to show say so; with no console errors."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.display import humanize
from dashboard.figures.theme import NO_MATCH
from dashboard.ids import Explorer, Overview
from dashboard.query.overview import at_stake_by_segment, overview_kpis
from dashboard.runs import RunStore

pytestmark = pytest.mark.browser


def test_overview_renders_kpis_charts_and_top_items(dash_duo, demo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    run = RunStore(demo_settings.runs_dir).load_current()
    assert run is not None
    kpis = overview_kpis(run)
    dash_duo.start_server(create_app(demo_settings))

    dash_duo.wait_for_text_to_equal(
        f"#{Overview.KPI_ITEMS} .kpi-value", f"{kpis.items:,}", timeout=20
    )
    assert (
        dash_duo.find_element(f"#{Overview.KPI_FLAGGED_UNDER} .kpi-value").text
        == f"{kpis.flagged_under:,}"
    )
    assert (
        dash_duo.find_element(f"#{Overview.KPI_FLAGGED_OVER} .kpi-value").text
        == f"{kpis.flagged_over:,}"
    )

    # Both charts are drawn by Plotly: bars exist in the SVG.
    for chart in (Overview.SEGMENT_CHART, Overview.SCORE_CHART):
        dash_duo.wait_for_element(f"#{chart} .main-svg", timeout=20)
        assert dash_duo.find_elements(f"#{chart} .bars path"), f"no bars drawn in {chart}"

    # The top table shows twenty rows, the first being the item with the most money at stake.
    dash_duo.wait_for_element(f"#{Overview.TOP_TABLE} .ag-row", timeout=20)
    rows = dash_duo.find_elements(f"#{Overview.TOP_TABLE} .ag-center-cols-container .ag-row")
    assert len(rows) == 20
    top_id = run.items.loc[run.items["flagged"]].nlargest(1, "at_stake")["item_id"].iloc[0]
    first = dash_duo.find_element(
        f"#{Overview.TOP_TABLE} .ag-pinned-left-cols-container .ag-row[row-index='0']"
    )
    assert first.text == top_id

    # Changing the breakdown redraws the money-at-stake chart for that column.
    second = run.info.columns.segments[1]
    Select(dash_duo.find_element(f"#{Overview.SEGMENT_COLUMN}")).select_by_value(second)
    dash_duo.wait_for_contains_text(
        f"#{Overview.SEGMENT_CHART} .gtitle", f"Money at stake by {humanize(second)}", timeout=20
    )

    assert dash_duo.driver.find_element(By.CSS_SELECTOR, ".navbar-brand").text == "PriceScope"
    assert dash_duo.get_logs() == []


def test_a_bar_and_a_top_item_open_the_explorer(dash_duo, demo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    run = RunStore(demo_settings.runs_dir).load_current()
    assert run is not None
    column = run.info.columns.segments[0]
    biggest = str(at_stake_by_segment(run, column)["segment"].iat[0])
    dash_duo.start_server(create_app(demo_settings))
    dash_duo.wait_for_element(f"#{Overview.SEGMENT_CHART} .bars path", timeout=20)

    # The widest bar is the segment with the most money at stake: a click filters the Explorer to it.
    bars = dash_duo.find_elements(f"#{Overview.SEGMENT_CHART} .bars path")
    ActionChains(dash_duo.driver).move_to_element(
        max(bars, key=lambda bar: bar.size["width"])
    ).click().perform()
    dash_duo.wait_for_contains_text(f"#{Explorer.CHIPS}", biggest, timeout=30)
    assert f"?run={run.run_id}#seg." in dash_duo.driver.current_url

    # Back on the Overview, a click on the second top item opens its detail in the Explorer.
    dash_duo.driver.back()
    dash_duo.wait_for_element(f"#{Overview.TOP_TABLE} .ag-row", timeout=20)
    second = str(run.items.loc[run.items["flagged"]].nlargest(2, "at_stake")["item_id"].iat[1])
    dash_duo.find_element(
        f"#{Overview.TOP_TABLE} .ag-center-cols-container .ag-row[row-index='1'] .ag-cell"
    ).click()
    dash_duo.wait_for_contains_text(".offcanvas-title", second, timeout=30)
    assert dash_duo.get_logs() == []


def test_a_filter_matching_nothing_shows_empty_charts(dash_duo, demo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    dash_duo.start_server(create_app(demo_settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/explorer#q=no-item-is-called-this")
    for chart in (Explorer.SCATTER, Explorer.SCORES, Explorer.HEATMAP, Explorer.BARS):
        dash_duo.wait_for_text_to_equal(f"#{chart} .annotation-text", NO_MATCH, timeout=30)
        # Nothing drawn under the sentence: no axis ticks, no colour bar.
        assert not dash_duo.find_elements(f"#{chart} .xtick, #{chart} .colorbar")
    assert dash_duo.get_logs() == []
