"""Explorer speed as the analyst sees it: timings taken inside the page, in headless Chromium.

Used by ``bench/explorer.py`` against the app it serves. A capture-phase click/input listener
stamps each action; MutationObservers stamp the last real change (Dash's own loading attributes
and Plotly's hover and mode-bar layers aside) of the KPI strip, each chart and the table's rows.
An action has settled when the page has been quiet for a while and no callback is loading.
"""

from __future__ import annotations

import logging
import os
import shutil
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from dashboard.ids import Explorer, Overview

logger = logging.getLogger(__name__)

CHARTS = (Explorer.SCATTER, Explorer.SCORES, Explorer.HEATMAP, Explorer.BARS)
LOADS = 3  # cold loads of each page; the median is reported
QUIET_MS = 600  # no mutation for this long, and nothing loading: the view has settled

EXPLORER_READY = " && ".join(
    [
        f"!!document.querySelector('#{Explorer.KPIS} .kpi-value')",
        *(f"!!document.querySelector('#{chart} .main-svg')" for chart in CHARTS),
        f"!!document.querySelector('#{Explorer.TABLE} .ag-row .ag-cell')",
    ]
)
OVERVIEW_READY = " && ".join(
    [
        f"!!document.querySelector('#{Overview.KPI_ITEMS}')",
        f"!!document.querySelector('#{Overview.SEGMENT_CHART} .main-svg')",
        f"!!document.querySelector('#{Overview.SCORE_CHART} .main-svg')",
        f"!!document.querySelector('#{Overview.TOP_TABLE} .ag-row .ag-cell')",
    ]
)

# Installed once the Explorer is rendered. ``last[name]`` is the time of the last real change of
# that element; ``any`` the last change anywhere watched; ``action`` the last user action.
OBSERVE = """
const watched = arguments[0];
const b = window.__bench = {action: 0, any: 0, last: {}};
const stamp = () => { b.action = performance.now(); };
document.addEventListener('click', stamp, true);
document.addEventListener('input', stamp, true);
document.addEventListener('keydown', e => { if (e.key === 'Enter') stamp(); }, true);
const noise = n => {
  const el = n && n.nodeType === 1 ? n : n && n.parentElement;
  return !!(el && el.closest('.hoverlayer, .modebar-container, .modebar, .dash-spinner'));
};
for (const [name, selector] of Object.entries(watched)) {
  const target = document.querySelector(selector);
  if (!target) { throw new Error('nothing to watch at ' + selector); }
  b.last[name] = 0;
  new MutationObserver(records => {
    const real = records.some(r => !(r.type === 'attributes'
        && (r.attributeName === 'data-dash-is-loading' || r.attributeName === 'style'
            && noise(r.target))) && !noise(r.target));
    if (real) { b.last[name] = b.any = performance.now(); }
  }).observe(target, {subtree: true, childList: true, attributes: true, characterData: true});
}
"""
SETTLED = f"""
const b = window.__bench;
const now = performance.now();
return b.action > 0 && now - Math.max(b.any, b.action) > {QUIET_MS}
  && !document.querySelector('[data-dash-is-loading="true"]')
  ? {{action: b.action, last: b.last}} : null;
"""


@contextmanager
def chromium() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_AVOID_STATS", "true")
    options = Options()
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--window-size=1440,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        service=Service(shutil.which("chromedriver") or "chromedriver"), options=options
    )
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver: Any, script: str, timeout: float = 60, *args: Any) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script, *args)
        if value:
            return value
        time.sleep(0.02)
    raise RuntimeError(f"timed out after {timeout} s waiting for: {script[:120]}")


def render(driver: Any, url: str, ready: str) -> tuple[float, float]:
    """Seconds from navigation start to ``ready``, and kB received (empty cache) on the way."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.get(url)
    wait(driver, f"return {ready};")
    seconds = float(driver.execute_script("return performance.now() / 1000;"))
    received = driver.execute_script(
        "return performance.getEntriesByType('navigation').concat("
        "performance.getEntriesByType('resource')).reduce((s, e) => s + e.transferSize, 0);"
    )
    return seconds, float(received) / 1000


# -- filter changes ---------------------------------------------------------------------------


def _click(driver: Any, selector: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    element = driver.find_element("css selector", selector)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    ActionChains(driver).move_to_element(element).click().perform()


def _type_number(selector: str, text: str) -> Callable[[Any], None]:
    def act(driver: Any) -> None:
        from selenium.webdriver.common.keys import Keys

        element = driver.find_element("css selector", selector)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.DELETE)
        element.send_keys(text, Keys.ENTER)

    return act


def _segment(column: str, index: int) -> Callable[[Any], None]:
    def act(driver: Any) -> None:
        from selenium.webdriver.common.keys import Keys

        _click(driver, f'[id*="{column}"][id*="{Explorer.SEGMENT}"]')
        options = wait(
            driver, "return document.querySelectorAll('.dash-dropdown-option').length;", 10
        )
        option = driver.find_elements("css selector", ".dash-dropdown-option")[index % options]
        option.click()
        driver.switch_to.active_element.send_keys(Keys.ESCAPE)

    return act


def _click_widest_bar(driver: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    bars = driver.find_elements("css selector", f"#{Explorer.BARS} .bars .point path")
    widest = max(bars, key=lambda bar: bar.size["width"] * bar.size["height"])
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", widest)
    ActionChains(driver).move_to_element(widest).click().perform()


def _clicking(selector: str) -> Callable[[Any], None]:
    return lambda driver: _click(driver, selector)


def filter_changes(segment_columns: list[str]) -> list[tuple[str, Callable[[Any], None]]]:
    """Twenty-odd changes of every kind an analyst makes, each one changing the view."""
    flagged = _clicking(f"#{Explorer.FLAGGED_ONLY}")
    under = _clicking(f"#{Explorer.DIRECTIONS} input[value='under']")
    over = _clicking(f"#{Explorer.DIRECTIONS} input[value='over']")
    bar = _click_widest_bar
    chip = _clicking(f"#{Explorer.CHIPS} .chip-remove")
    clear = _clicking(f"#{Explorer.CLEAR_ALL}")
    first, second = (segment_columns * 2)[:2]
    return [
        ("flagged only on", flagged),
        ("direction under", under),
        ("minimum score 0.5", _type_number(f"#{Explorer.MIN_SCORE}", "0.5")),
        (f"segment {first}", _segment(first, 0)),
        ("bar click", bar),
        ("chip removed", chip),
        ("direction over too", over),
        ("flagged only off", flagged),
        ("minimum score 1", _type_number(f"#{Explorer.MIN_SCORE}", "1")),
        ("clear all", clear),
        (f"segment {second}", _segment(second, 1)),
        ("flagged only on", flagged),
        ("bar click", bar),
        ("chip removed", chip),
        ("direction under", under),
        ("minimum score 0.25", _type_number(f"#{Explorer.MIN_SCORE}", "0.25")),
        ("clear all", clear),
        (f"segment {first}", _segment(first, 2)),
        ("direction over", over),
        ("flagged only on", flagged),
        ("bar click", bar),
        ("chip removed", chip),
        ("clear all", clear),
    ]


def measure_changes(
    driver: Any, changes: list[tuple[str, Callable[[Any], None]]]
) -> tuple[list[float], list[float]]:
    """Per change: ms from the action to KPIs and rows settled, and to every chart settled."""
    watched = {"kpis": f"#{Explorer.KPIS}", "rows": f"#{Explorer.TABLE} .ag-body"}
    watched.update({str(chart): f"#{chart}" for chart in CHARTS})
    driver.execute_script(OBSERVE, watched)
    filters, charts = [], []
    for name, act in changes:
        driver.execute_script("window.__bench.action = 0;")
        act(driver)
        settled = wait(driver, SETTLED, 30)
        action, last = settled["action"], settled["last"]

        def after(keys: list[str], action: float = action, last: dict[str, float] = last) -> float:
            changed = [last[k] - action for k in keys if last[k] > action]
            return max(changed, default=float("nan"))

        table_ms, charts_ms = after(["kpis", "rows"]), after([str(c) for c in CHARTS])
        logger.info("%-22s KPIs+rows %6.0f ms  charts %6.0f ms", name, table_ms, charts_ms)
        print(f"  {name:22s} KPIs+rows {table_ms:6.0f} ms   charts {charts_ms:6.0f} ms")
        filters.append(table_ms)
        charts.append(charts_ms)
    return filters, charts


def _p50(values: list[float]) -> float | None:
    real = [v for v in values if v == v]  # a view that did not change has no settle time
    return round(statistics.median(real), 1) if real else None


def browser_figures(base: str, segment_columns: list[str]) -> dict[str, Any]:
    """page_render_s, overview_render_s, cold_transfer_kB and the in-page filter-change medians."""
    if shutil.which("chromedriver") is None:
        return {}
    with chromium() as driver:
        # A fresh Chromium's first navigation pays ~2 s of its own start-up (V8, software GL):
        # reported apart; the page figures are medians of three more loads, each cache emptied.
        first_s, _ = render(driver, f"{base}/explorer", EXPLORER_READY)
        pages = {
            "explorer": (f"{base}/explorer", EXPLORER_READY),
            "overview": (f"{base}/", OVERVIEW_READY),
        }
        loads = {
            name: [render(driver, *page) for _ in range(LOADS)] for name, page in pages.items()
        }
        page_s, cold_kb = (statistics.median(x) for x in zip(*loads["explorer"], strict=True))
        overview_s = statistics.median(seconds for seconds, _ in loads["overview"])
        print(
            f"\nheadless Chromium, empty cache (median of {LOADS}): Explorer rendered in "
            f"{page_s:.2f} s ({cold_kb:,.0f} kB received), Overview in {overview_s:.2f} s; "
            f"a fresh browser's first Explorer in {first_s:.2f} s"
        )
        for name, results in loads.items():
            print(f"  {name:9s} " + "  ".join(f"{seconds:.2f} s" for seconds, _ in results))
        driver.get(f"{base}/explorer")
        wait(driver, f"return {EXPLORER_READY};")
        print("filter changes, action → settled:")
        filters, charts = measure_changes(driver, filter_changes(segment_columns))
        logs = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    return {
        "page_render_s": round(page_s, 2),
        "page_render_first_s": round(first_s, 2),
        "overview_render_s": round(overview_s, 2),
        "cold_transfer_kB": round(cold_kb),
        "browser_filter_ms_p50": _p50(filters),
        "browser_charts_ms_p50": _p50(charts),
        "browser_changes": len(filters),
        "browser_errors": len(logs),
    }
