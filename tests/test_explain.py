"""Item explanations: contributions faithful to the model that priced the item; comparables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from dashboard.explain.comparables import comparables
from dashboard.explain.contributions import explain_item, shapley
from dashboard.explain.item import explain
from dashboard.runs import Run, RunColumns, RunInfo, RunStore


@pytest.fixture(scope="module")
def demo_run(demo_root: Path) -> tuple[Run, object]:
    store = RunStore(demo_root / "runs")
    run = store.load_current()
    assert run is not None
    models = store.load_models(run.run_id)
    assert models is not None, "a published run keeps the models behind its fair prices"
    return run, models


def test_contributions_of_an_additive_model_are_its_terms() -> None:
    rng = np.random.default_rng(3)
    background = pd.DataFrame(
        {"a": rng.normal(size=40), "b": rng.normal(size=40), "c": rng.normal(size=40)}
    )
    target = 2.0 * background["a"] - 0.5 * background["b"] + 0.0 * background["c"]
    model = LinearRegression().fit(background, target)
    item = pd.DataFrame({"a": [1.5], "b": [-2.0], "c": [7.0]})
    phi, reference, prediction = shapley(model, item, background)
    expected = np.array([2.0, -0.5, 0.0]) * (item.iloc[0].to_numpy() - background.mean().to_numpy())
    assert phi == pytest.approx(expected, abs=1e-9)
    assert phi.sum() == pytest.approx(prediction - reference, abs=1e-12)


def test_an_item_is_explained_by_the_model_that_priced_it(demo_run: tuple[Run, object]) -> None:
    run, models = demo_run
    flagged = np.flatnonzero(run.items["flagged"].to_numpy())[:5]
    for row in flagged:
        why = explain_item(run.items, int(row), models)  # type: ignore[arg-type]
        # The walk ends at the item's own out-of-fold fair price, not at some other model's.
        assert why.fair_price == pytest.approx(float(run.items["fair_price"].iat[row]), rel=1e-6)
        # The reasons multiply up exactly from the reference price to the fair price.
        total = sum(r.log_effect for r in why.reasons)
        assert math.exp(total) * why.reference_price == pytest.approx(why.fair_price, rel=1e-9)
        sizes = [abs(r.log_effect) for r in why.reasons]
        assert sizes == sorted(sizes, reverse=True)
        assert {r.feature for r in why.reasons} == set(run.info.columns.features)


def test_size_drives_a_tyre_price(demo_run: tuple[Run, object]) -> None:
    """On the demo, where size and tier set the structural price, those features lead the reasons
    of big-rim premium tyres (a check a pricing analyst would make)."""
    run, models = demo_run
    items = run.items
    rows = np.flatnonzero((items["rim"].astype(float) >= 19).to_numpy())[:10]
    leaders = [explain_item(items, int(r), models).reasons[0].feature for r in rows]  # type: ignore[arg-type]
    assert sum(name in {"rim", "width", "cost", "load_index", "aspect"} for name in leaders) >= 7


def test_comparables_are_the_nearest_items_in_feature_space() -> None:
    rows = 200
    rng = np.random.default_rng(0)
    items = pd.DataFrame(
        {
            "item_id": [f"I{i}" for i in range(rows)],
            "actual": rng.uniform(50, 150, rows),
            "fair_price": rng.uniform(50, 150, rows),
            "score": 0.0,
            "direction": "ok",
            "width": rng.integers(155, 335, rows).astype(float),
            "brand": pd.Categorical(rng.choice(["A", "B", "C"], rows)),
        }
    )
    items.loc[17, ["width", "brand"]] = items.loc[3, ["width", "brand"]].to_numpy()  # a twin of I3
    info = RunInfo(
        run_id="20260101T000000000000Z-abcdef",
        created_at="",
        label="t",
        rows=rows,
        columns=RunColumns(
            id="item_id",
            target="actual",
            volume=None,
            group=None,
            segments=("brand",),
            features=("width", "brand"),
        ),
    )
    run = Run(info=info, items=items, model_card={})
    found = comparables(run, "I3", count=5)
    assert found[0].item_id == "I17" and found[0].distance == 0.0
    assert "I3" not in [c.item_id for c in found]
    assert [c.distance for c in found] == sorted(c.distance for c in found)
    assert comparables(run, "nope") == []


def test_a_run_without_its_models_says_so_instead_of_explaining(
    demo_run: tuple[Run, object],
) -> None:
    import json

    from dashboard.query.explorer import item_detail
    from layouts.explorer_parts import detail_body

    run, _ = demo_run
    detail = item_detail(run, str(run.items["item_id"].iat[0]))
    assert detail is not None
    text = json.dumps(detail_body(detail, [], None).to_plotly_json(), default=str)
    assert "No explanation for this run" in text
    assert "Why this fair price" not in text


def test_an_item_of_a_published_run_is_explained_by_its_id(demo_root: Path) -> None:
    store = RunStore(demo_root / "runs")
    run = store.load_current()
    assert run is not None
    item_id = str(run.items["item_id"].iat[3])
    why = explain(store, run, item_id)
    assert why is not None
    assert why.fair_price == pytest.approx(float(run.items["fair_price"].iat[3]), rel=1e-6)
    assert explain(store, run, "no-such-item") is None
