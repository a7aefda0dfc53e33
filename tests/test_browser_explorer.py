"""The Outlier Explorer in headless Chromium, driven as an analyst would drive it."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from dash.testing.browser import Browser
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.keys import Keys

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.explain.comparables import comparables
from dashboard.filters import FilterState
from dashboard.ids import Explorer
from dashboard.query import explorer as q
from dashboard.runs import Run, RunStore

pytestmark = pytest.mark.browser


@pytest.fixture
def fresh_browser(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Browser]:
    """A second, separate browser session (its own profile and cookies), for opening shared links."""
    with Browser(
        browser="Chrome",
        headless=True,
        options=request.config.hook.pytest_setup_options(),
        download_path=str(tmp_path / "fresh-downloads"),
        percy_run=False,
    ) as browser:
        yield browser


@pytest.fixture
def run(demo_settings: Settings) -> Run:
    loaded = RunStore(demo_settings.runs_dir).load_current()
    assert loaded is not None
    return loaded


def kpi(dash_duo: Any, title: str) -> str:
    cells = dash_duo.find_elements(f"#{Explorer.KPIS} .kpi-strip-cell")
    for cell in cells:
        if cell.find_element("css selector", ".kpi-title").text.lower() == title.lower():
            return str(cell.find_element("css selector", ".kpi-value").text)
    raise AssertionError(f"no KPI {title!r}")


def wait_for(condition: Any, timeout: float = 20, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except StaleElementReferenceException:  # the view re-rendered under us: look again
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def choose_segment(dash_duo: Any, column: str, value: str) -> None:
    selector = f'[id*="{column}"][id*="{Explorer.SEGMENT}"]'
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
        dash_duo.find_element(selector),
    )
    dash_duo.select_dcc_dropdown(selector, value=value)
    ActionChains(dash_duo.driver).send_keys(Keys.ESCAPE).perform()


def click_heatmap_cell(dash_duo: Any, x_value: str, y_value: str) -> None:
    """A real mouse click at the centre of one cell, located through Plotly's own axes."""
    point = dash_duo.driver.execute_script(
        """
        const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');
        const fl = gd._fullLayout;
        const pageY = gd.getBoundingClientRect().top + window.scrollY
            + fl.yaxis._offset + fl.yaxis.d2p(arguments[2]);
        window.scrollTo({top: pageY - window.innerHeight / 2, behavior: 'instant'});
        const box = gd.getBoundingClientRect();
        return [box.left + fl.xaxis._offset + fl.xaxis.d2p(arguments[1]),
                box.top + fl.yaxis._offset + fl.yaxis.d2p(arguments[2])];
        """,
        f"#{Explorer.HEATMAP}",
        x_value,
        y_value,
    )
    actions = ActionBuilder(dash_duo.driver)
    actions.pointer_action.move_to_location(int(point[0]), int(point[1]))
    actions.pointer_action.click()
    actions.perform()


def current_state(dash_duo: Any, run: Run) -> FilterState:
    url = dash_duo.driver.current_url
    text = unquote(url.split("#", 1)[1]) if "#" in url else ""
    categories = q.segment_categories(run)
    from dashboard.filters import from_url_hash

    parsed = from_url_hash(url.split("#", 1)[1] if "#" in url else "", run.info, categories)
    assert not parsed.problems, (text, parsed.problems)
    return parsed.state


def test_filter_cross_filter_detail_and_shared_link(
    dash_duo: Any, fresh_browser: Browser, demo_settings: Settings, run: Run
) -> None:
    dash_duo.start_server(create_app(demo_settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/explorer")
    dash_duo.wait_for_text_to_equal(
        f"#{Explorer.KPIS} .kpi-value", f"{len(run.items):,}", timeout=30
    )

    # Filter: winter tyres only. KPIs, table count and URL agree with the query layer.
    choose_segment(dash_duo, "season", "winter")
    wait_for(
        lambda: "Season: winter" in dash_duo.find_element(f"#{Explorer.CHIPS}").text, what="chip"
    )
    state = current_state(dash_duo, run)
    assert state.segments == (("season", ("winter",)),)
    expected = q.kpi_strip(run, state)
    wait_for(lambda: kpi(dash_duo, "Items") == f"{expected.items:,}", what="items KPI")
    assert kpi(dash_duo, "Flagged") == f"{expected.flagged:,}"
    wait_for(
        lambda: dash_duo.find_element(f"#{Explorer.TABLE_COUNT}").text.startswith(
            f"{expected.items:,} items"
        ),
        what="table count",
    )

    # Cross-filter: click the heatmap cell with the most money at stake.
    axes = q.default_heatmap_axes(run, state)
    assert axes is not None
    grid = q.heatmap(run, state, *axes)
    row, col = divmod(int(grid.values.argmax()), grid.values.shape[1])
    click_heatmap_cell(dash_duo, grid.x_labels[col], grid.y_labels[row])
    wait_for(lambda: len(current_state(dash_duo, run).selections) == 1, what="cell selection")
    crossed = current_state(dash_duo, run)
    cell_items = q.kpi_strip(run, crossed).items
    assert 0 < cell_items < expected.items
    wait_for(lambda: kpi(dash_duo, "Items") == f"{cell_items:,}", what="KPI after cross-filter")
    assert grid.y_labels[row] in dash_duo.find_element(f"#{Explorer.CHIPS}").text

    # Open the top row's detail from the table.
    first = wait_for(
        lambda: dash_duo.find_elements(
            f"#{Explorer.TABLE} .ag-pinned-left-cols-container .ag-row[row-index='0']"
        ),
        what="first table row",
    )[0]
    top_item = q.table_page(run, crossed, 0, 1).rows[0]["item_id"]
    assert first.text == top_item
    ActionChains(dash_duo.driver).move_to_element(first).click().perform()
    dash_duo.wait_for_contains_text(".offcanvas-title", str(top_item), timeout=20)
    detail = dash_duo.find_element(f"#{Explorer.DETAIL_BODY}").text
    assert "against a fair price of" in detail
    assert "Why this fair price" in detail and "Comparables" in detail
    nearest = comparables(run, str(top_item), count=1)[0].item_id
    assert nearest in detail

    # The URL now holds filters, selection and item: a fresh browser shows the same view.
    shared = dash_duo.driver.current_url
    assert "item=" in shared and "sel=" in shared and "seg.season=winter" in shared
    dash_br = fresh_browser
    dash_br.driver.get(shared)
    dash_br.wait_for_contains_text(".offcanvas-title", str(top_item), timeout=30)
    wait_for(lambda: kpi(dash_br, "Items") == f"{cell_items:,}", what="items in the fresh browser")
    assert (
        dash_br.find_element(f"#{Explorer.CHIPS}").text
        == dash_duo.find_element(f"#{Explorer.CHIPS}").text
    )

    # Back: the item closes, then the selection goes, and the views follow.
    dash_duo.driver.back()
    wait_for(lambda: current_state(dash_duo, run).item is None, what="back to no item")
    wait_for(lambda: not dash_duo.find_elements(".offcanvas.show"), what="detail panel closed")
    assert kpi(dash_duo, "Items") == f"{cell_items:,}"
    dash_duo.driver.back()
    wait_for(
        lambda: kpi(dash_duo, "Items") == f"{expected.items:,}",
        what="back to before the cross-filter",
    )

    assert dash_duo.get_logs() == []
    assert dash_br.get_logs() == []


def test_export_csv_has_the_rows_of_the_table(
    dash_duo: Any, demo_settings: Settings, run: Run
) -> None:
    dash_duo.start_server(create_app(demo_settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/explorer#flagged=1&dir=under")
    state = current_state(dash_duo, run)
    assert state.flagged_only and state.directions == ("under",)
    expected = q.export_rows(run, state)
    dash_duo.wait_for_element(f"#{Explorer.TABLE} .ag-row", timeout=30)
    dash_duo.find_element(f"#{Explorer.EXPORT_CSV}").click()

    download_dir = Path(dash_duo.download_path)
    target = wait_for(
        lambda: next(iter(download_dir.glob("pricescope-*.csv")), None), what="CSV download"
    )
    time.sleep(0.5)  # let Chromium finish writing
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert [r["item_id"] for r in rows] == expected["item_id"].astype(str).tolist()
    assert {r["direction"] for r in rows} == {"under"}
    assert dash_duo.get_logs() == []


def test_lasso_on_the_scatter_selects_by_price(
    dash_duo: Any, demo_settings: Settings, run: Run
) -> None:
    """A real lasso drag on the log-log scatter becomes a selection in price units, with a chip."""
    dash_duo.start_server(create_app(demo_settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/explorer")
    dash_duo.wait_for_element(f"#{Explorer.SCATTER} .main-svg", timeout=30)
    low, high = (float(v) for v in run.items["fair_price"].quantile([0.3, 0.6]))
    corners = dash_duo.driver.execute_script(
        """
        const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');
        gd.scrollIntoView({block: 'center', behavior: 'instant'});
        const fl = gd._fullLayout, box = gd.getBoundingClientRect();
        const at = (x, y) => [box.left + fl.xaxis._offset + fl.xaxis.l2p(Math.log10(x)),
                              box.top + fl.yaxis._offset + fl.yaxis.l2p(Math.log10(y))];
        return [at(arguments[1], arguments[1]), at(arguments[2], arguments[2] * 1.3),
                at(arguments[2], arguments[1] * 0.8)];
        """,
        f"#{Explorer.SCATTER}",
        low,
        high,
    )
    actions = ActionBuilder(dash_duo.driver)
    pointer = actions.pointer_action
    pointer.move_to_location(int(corners[0][0]), int(corners[0][1]))
    pointer.pointer_down()
    for start, end in zip(corners, corners[1:] + corners[:1], strict=True):
        for step in range(1, 9):
            t = step / 8
            pointer.move_to_location(
                int(start[0] + (end[0] - start[0]) * t), int(start[1] + (end[1] - start[1]) * t)
            )
    pointer.pointer_up()
    actions.perform()

    state = wait_for(
        lambda: (s := current_state(dash_duo, run)).selections and s, what="a lasso selection"
    )
    (selection,) = state.selections
    xs = [x for x, _ in selection.points]
    assert low * 0.9 < min(xs) and max(xs) < high * 1.1  # prices, not log10 of prices
    assert "Lasso" in dash_duo.find_element(f"#{Explorer.CHIPS}").text
    selected = q.kpi_strip(run, state).items
    assert 0 < selected < len(run.items)
    wait_for(lambda: kpi(dash_duo, "Items") == f"{selected:,}", what="KPIs of the lasso")
    assert dash_duo.get_logs() == []


# Records the output of every callback request the page sends from now on.
RECORD_REQUESTS = """
window.__callbackRequests = [];
const send = window.fetch;
window.fetch = function (url, options) {
  if (String(url).includes('_dash-update-component') && options && options.body) {
    window.__callbackRequests.push(JSON.parse(options.body).output);
  }
  return send.apply(this, arguments);
};
"""


def test_a_filter_change_is_one_request_and_the_table_shows_its_rows(
    dash_duo: Any, demo_settings: Settings, run: Run
) -> None:
    """The reducer's one response carries the KPIs, the charts and the table's first rows: the
    grid shows the filtered rows without asking the server for them again."""
    dash_duo.start_server(create_app(demo_settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/explorer")
    dash_duo.wait_for_text_to_equal(
        f"#{Explorer.KPIS} .kpi-value", f"{len(run.items):,}", timeout=30
    )
    row_zero = f"#{Explorer.TABLE} .ag-pinned-left-cols-container .ag-row[row-index='0']"
    top = q.table_page(run, FilterState(), 0, 1).rows[0]
    wait_for(lambda: dash_duo.find_element(row_zero).text == top["item_id"], what="first rows")

    # The other direction than the top item's: the table's first row must change.
    direction = "over" if top["direction"] == "under" else "under"
    state = FilterState(directions=(direction,))
    expected = q.table_page(run, state, 0, 1)
    assert expected.rows[0]["item_id"] != top["item_id"]
    dash_duo.driver.execute_script(RECORD_REQUESTS)
    dash_duo.find_element(f"#{Explorer.DIRECTIONS} input[value='{direction}']").click()

    wait_for(
        lambda: dash_duo.find_element(row_zero).text == expected.rows[0]["item_id"],
        what=f"the top {direction}-priced item in the table",
    )
    wait_for(
        lambda: (
            dash_duo.find_element(f"#{Explorer.TABLE_COUNT}").text
            == f"{expected.row_count:,} items"
        ),
        what="table count",
    )
    assert kpi(dash_duo, "Items") == f"{expected.row_count:,}"
    time.sleep(0.5)  # let any late request show itself
    requests = dash_duo.driver.execute_script("return window.__callbackRequests;")
    assert len(requests) == 1 and f"{Explorer.URL}.hash" in requests[0], requests
    assert dash_duo.get_logs() == []


HEADER_RECTS = """
const grid = document.querySelector(arguments[0] + ' .ag-root-wrapper').getBoundingClientRect();
const out = {__grid: [grid.left, grid.right], __window: window.innerWidth};
document.querySelectorAll(arguments[0] + ' .ag-header-cell').forEach((cell) => {
  const text = cell.querySelector('.ag-header-cell-text');
  const box = cell.getBoundingClientRect();
  if (text && box.width > 0) { out[text.textContent.trim()] = [box.left, box.right]; }
});
return out;
"""


def header_rects(dash_duo: Any) -> dict[str, Any]:
    return dict(dash_duo.driver.execute_script(HEADER_RECTS, f"#{Explorer.TABLE}"))


def type_into(dash_duo: Any, component_id: str, text: str) -> None:
    box = dash_duo.find_element(f"#{component_id}")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    box.send_keys(text, Keys.ENTER)


def test_the_ranked_table_and_the_number_filters_as_an_analyst_meets_them(
    dash_duo: Any, demo_settings: Settings, run: Run
) -> None:
    """At 1440 × 900 the ranking columns are on screen; a decimal comma is read, text that is no
    number is refused with a sentence; a hidden column stays hidden after a reload."""
    dash_duo.driver.set_window_size(1440, 900)
    dash_duo.start_server(create_app(demo_settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/explorer")
    dash_duo.wait_for_element(f"#{Explorer.TABLE} .ag-row", timeout=30)

    rects = header_rects(dash_duo)
    left, right = rects["__grid"]
    assert right <= rects["__window"]
    for header in ("Item", "Score", "Direction", "At stake", "Price", "Fair price"):
        assert left <= rects[header][0] and rects[header][1] <= right, (header, rects)
    assert "Flag history" not in rects  # empty for most items: in the chooser, not on screen

    # "0,5" is one half, and the chip says so.
    type_into(dash_duo, Explorer.MIN_SCORE, "0,5")
    wait_for(lambda: current_state(dash_duo, run).min_score == 0.5, what="score ≥ 0.5 applied")
    dash_duo.wait_for_contains_text(f"#{Explorer.CHIPS}", "Score ≥ 0.5", timeout=10)
    expected = q.kpi_strip(run, FilterState(min_score=0.5)).items
    wait_for(lambda: kpi(dash_duo, "Items") == f"{expected:,}", what="items of score ≥ 0.5")

    # "abc" is no number: a sentence under the field, and no score filter at all.
    type_into(dash_duo, Explorer.MIN_SCORE, "abc")
    feedback = '[id*="min_score"][id*="filter-feedback"]'
    dash_duo.wait_for_text_to_equal(
        feedback, "Minimum score must be a number; 'abc' was ignored.", timeout=10
    )
    wait_for(lambda: current_state(dash_duo, run).min_score is None, what="no score filter")
    wait_for(lambda: kpi(dash_duo, "Items") == f"{len(run.items):,}", what="every item again")
    assert "Score" not in dash_duo.find_element(f"#{Explorer.CHIPS}").text
    assert dash_duo.find_element(f"#{Explorer.MIN_SCORE}").get_attribute("value") == "abc"

    # The column chooser hides Direction; the browser remembers it across a reload.
    dash_duo.find_element(f"#{Explorer.COLUMN_CHOOSER}").click()
    tick = dash_duo.wait_for_element(f"#{Explorer.COLUMN_LIST} input[value='direction']")
    tick.click()
    wait_for(lambda: "Direction" not in header_rects(dash_duo), what="Direction hidden")
    dash_duo.driver.refresh()
    dash_duo.wait_for_element(f"#{Explorer.TABLE} .ag-row", timeout=30)
    wait_for(lambda: "Score" in header_rects(dash_duo), what="the grid's headers after reload")
    # The remembered choice is applied by the page's first callbacks.
    wait_for(lambda: "Direction" not in header_rects(dash_duo), what="Direction still hidden")
    assert "At stake" in header_rects(dash_duo)
    dash_duo.find_element(f"#{Explorer.COLUMN_CHOOSER}").click()
    ticks = f"#{Explorer.COLUMN_LIST} input[value='direction']"
    assert not dash_duo.wait_for_element(ticks).is_selected()
    assert dash_duo.get_logs() == []
