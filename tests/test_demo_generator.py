"""The demo generator: a tyre catalogue with known mispricings, its sales, published atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.demo import DemoPaths, demo_exists, demo_paths, generate_demo
from dashboard.demo.catalogue import build_catalogue
from dashboard.demo.demand import price_response
from dashboard.errors import InputError
from dashboard.progress import Cancelled, ProgressHook, no_progress

SKUS = 3_000
LINES = 50_000
CATALOGUE_COLUMNS = [
    "sku",
    "brand",
    "brand_tier",
    "product_line",
    "line_segment",
    "width",
    "aspect",
    "rim",
    "size",
    "season",
    "load_index",
    "speed_rating",
    "run_flat",
    "vehicle_category",
    "cost",
    "list_price",
    "units_12m",
]


@dataclass(frozen=True)
class Demo:
    paths: DemoPaths
    catalogue: pd.DataFrame
    transactions: pd.DataFrame
    truth: pd.DataFrame
    manifest: dict


def _read(paths: DemoPaths) -> Demo:
    return Demo(
        paths=paths,
        catalogue=pd.read_parquet(paths.catalogue),
        transactions=pd.read_parquet(paths.transactions),
        truth=pd.read_parquet(paths.ground_truth),
        manifest=json.loads(paths.manifest.read_text(encoding="utf-8")),
    )


def _small(root: Path, seed: int = 7, progress: ProgressHook = no_progress) -> DemoPaths:
    return generate_demo(root, n_skus=SKUS, n_transactions=LINES, seed=seed, progress=progress)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return _read(_small(tmp_path_factory.mktemp("demo") / "demo"))


def _leftovers(root: Path) -> list[Path]:
    return sorted(root.parent.glob(f".{root.name}.*"))


# Determinism ---------------------------------------------------------------------------------


def test_same_seed_and_sizes_give_identical_data(demo: Demo, tmp_path: Path) -> None:
    again = _small(tmp_path / "again")
    for name in ("catalogue", "transactions", "ground_truth"):
        first, second = getattr(demo.paths, name), getattr(again, name)
        pd.testing.assert_frame_equal(pd.read_parquet(first), pd.read_parquet(second))
        assert first.read_bytes() == second.read_bytes(), name
    assert json.loads(again.manifest.read_text())["data_version"] == demo.manifest["data_version"]


def test_another_seed_gives_different_data(demo: Demo, tmp_path: Path) -> None:
    other = _read(_small(tmp_path / "other", seed=8))
    assert not other.catalogue["list_price"].equals(demo.catalogue["list_price"])
    assert not other.truth["sku"].equals(demo.truth["sku"])
    assert len(other.transactions) == len(demo.transactions)
    assert other.manifest["data_version"] != demo.manifest["data_version"]


# Catalogue ------------------------------------------------------------------------------------


def test_catalogue_has_the_documented_columns_and_types(demo: Demo) -> None:
    catalogue = demo.catalogue
    assert list(catalogue.columns) == CATALOGUE_COLUMNS
    assert len(catalogue) == SKUS
    for column in ("brand", "brand_tier", "product_line", "line_segment", "size", "season"):
        assert isinstance(catalogue[column].dtype, pd.CategoricalDtype), column
    for column in ("width", "aspect", "rim", "load_index", "units_12m"):
        assert pd.api.types.is_integer_dtype(catalogue[column]), column
    assert catalogue["run_flat"].dtype == bool
    assert catalogue[["cost", "list_price"]].dtypes.eq(np.float64).all()
    assert not catalogue.isna().any().any()
    assert set(catalogue["brand_tier"].unique()) == {"premium", "mid", "budget"}
    assert set(catalogue["season"].unique()) == {"summer", "winter", "all-season"}


def test_skus_are_unique_readable_ids(demo: Demo) -> None:
    skus = demo.catalogue["sku"]
    assert skus.is_unique
    assert skus.str.match(r"^TY-\d{6}-[A-Z]{3}-\d{7}$").all()


def test_brands_and_lines_have_a_realistic_structure(demo: Demo) -> None:
    catalogue = demo.catalogue
    assert 20 <= catalogue["brand"].nunique() <= 30
    lines_per_brand = catalogue.groupby("brand", observed=True)["product_line"].nunique()
    assert lines_per_brand.min() >= 2
    # Each line belongs to exactly one brand and one positioning.
    per_line = catalogue.groupby("product_line", observed=True)[["brand", "line_segment"]].nunique()
    assert per_line.max().max() == 1
    assert catalogue["line_segment"].nunique() >= 8


def test_sizes_are_realistic_and_consistent(demo: Demo) -> None:
    catalogue = demo.catalogue
    assert catalogue["width"].between(155, 335).all()
    assert catalogue["aspect"].between(25, 80).all()
    assert catalogue["rim"].between(13, 22).all()
    assert (catalogue["width"] % 10 == 5).all()
    expected = (
        catalogue["width"].astype(str)
        + "/"
        + catalogue["aspect"].astype(str)
        + "R"
        + catalogue["rim"].astype(str)
    )
    assert (catalogue["size"].astype(str) == expected).all()
    # Bigger rims: lower sidewalls, wider treads (cars and SUVs; van sizes barely change shape).
    for category in ("passenger", "SUV/4x4"):
        tyres = catalogue[catalogue["vehicle_category"] == category]
        assert tyres["rim"].corr(tyres["aspect"], method="spearman") < -0.7, category
        assert tyres["rim"].corr(tyres["width"], method="spearman") > 0.7, category
    median_rim = catalogue.groupby("vehicle_category", observed=True)["rim"].median()
    assert median_rim["SUV/4x4"] > median_rim["passenger"] > median_rim["van/light-truck"]
    # The load index follows the size (same rim: wider carries more).
    assert catalogue["load_index"].corr(catalogue["width"]) > 0.5


def test_prices_are_positive_rounded_and_above_cost(demo: Demo) -> None:
    catalogue = demo.catalogue
    assert (catalogue["list_price"] > 0).all() and (catalogue["cost"] > 0).all()
    assert (catalogue["cost"] < catalogue["list_price"]).mean() > 0.97
    cents = np.round(catalogue["list_price"] * 100).astype(int) % 100
    assert cents.isin([99, 0]).all()  # 89.99 or whole units like 255


def test_prices_rise_with_what_drives_them(demo: Demo) -> None:
    catalogue = demo.catalogue
    by_rim = catalogue.groupby("rim")["list_price"].median()
    assert by_rim.is_monotonic_increasing
    by_tier = catalogue.groupby("brand_tier", observed=True)["list_price"].median()
    assert by_tier["premium"] > by_tier["mid"] > by_tier["budget"]
    same_rim = catalogue[catalogue["rim"] == 17]
    assert (
        same_rim.loc[same_rim["run_flat"], "list_price"].median()
        > same_rim.loc[~same_rim["run_flat"], "list_price"].median()
    )


def test_clean_price_noise_is_modest_and_cost_is_informative_not_a_copy() -> None:
    catalogue = build_catalogue(np.random.default_rng(3), 5_000)
    log_gap = np.log(catalogue.table["list_price"] / catalogue.structural_price)
    assert 0.025 < log_gap.std() < 0.05
    cost_gap = np.log(catalogue.table["cost"] / catalogue.structural_price)
    assert 0.06 < (cost_gap - cost_gap.mean()).std() < 0.12


def test_units_12m_are_the_last_twelve_months_of_sales(demo: Demo) -> None:
    transactions = demo.transactions
    since = date.fromisoformat(demo.manifest["units_12m_since"])
    recent = transactions[transactions["date"] >= since]
    sold = recent.groupby("sku", observed=False)["quantity"].sum()
    units = demo.catalogue.set_index("sku")["units_12m"]
    assert (units == sold.reindex(units.index, fill_value=0)).all()
    assert (units == 0).any() and units.max() > 10 * units.median()


# Planted mispricings --------------------------------------------------------------------------


def test_planted_set_is_one_to_two_percent_in_both_directions(demo: Demo) -> None:
    truth = demo.truth
    assert 0.01 <= len(truth) / SKUS <= 0.02
    assert truth["sku"].is_unique and truth["sku"].isin(demo.catalogue["sku"]).all()
    assert set(truth["direction"]) == {"under", "over"}
    assert truth["pct_off"].between(0.10, 0.60).all()
    assert np.allclose(truth["pct_off"], (1 - truth["factor"]).abs())
    under = truth["direction"] == "under"
    assert (truth.loc[under, "factor"] < 1).all() and (truth.loc[~under, "factor"] > 1).all()
    # Spread over the range, not bunched at one size.
    assert truth["pct_off"].min() < 0.15 and truth["pct_off"].max() > 0.40


def test_plants_are_mostly_single_with_brand_and_region_clusters(demo: Demo) -> None:
    truth = demo.truth
    kinds = truth["cluster"].str.split(":").str[0].value_counts()
    assert kinds["single"] > kinds.drop("single").sum()
    assert kinds["brand"] > 0 and kinds["region"] > 0
    regional = truth["level"] == "region"
    assert (
        truth.loc[regional, "cluster"] == "region:" + truth.loc[regional, "region"].astype(str)
    ).all()
    assert truth.loc[~regional, "region"].isna().all()


def test_brand_clusters_stay_in_one_brand_across_several_lines(demo: Demo) -> None:
    planted = demo.truth.merge(demo.catalogue, on="sku")
    clusters = planted[planted["cluster"].str.startswith("brand:")]
    for cluster, items in clusters.groupby("cluster"):
        assert (items["brand"].astype(str) == cluster.removeprefix("brand:")).all()
        assert items["product_line"].nunique() >= 2


def test_planted_catalogue_prices_are_off_by_their_factor(demo: Demo) -> None:
    planted = demo.truth.merge(demo.catalogue, on="sku")
    at_catalogue = planted[planted["level"] == "catalogue"]
    ratio = at_catalogue["list_price"] / (at_catalogue["structural_price"] * at_catalogue["factor"])
    assert np.allclose(ratio, 1.0, atol=0.02)  # only the price-list rounding in between
    # Regional plants leave the list price at its fair level.
    regional = planted[planted["level"] == "region"]
    assert (np.log(regional["list_price"] / regional["structural_price"]).abs() < 0.2).all()


def test_regional_plants_change_net_prices_in_their_region_only(demo: Demo) -> None:
    lines = demo.transactions.merge(demo.catalogue[["sku", "list_price"]], on="sku")
    lines["paid"] = lines["net_price"] / lines["list_price"]
    regional = demo.truth[demo.truth["level"] == "region"]
    for cluster, items in regional.groupby("cluster"):
        region = items["region"].iloc[0]
        sold = lines[lines["sku"].isin(items["sku"])]
        inside = sold[sold["region"] == region]
        outside = sold[sold["region"] != region]
        assert len(inside) > 0 and len(outside) > 0, cluster
        shift = inside["paid"].median() / outside["paid"].median()
        assert shift == pytest.approx(items["factor"].median(), rel=0.08)


def test_cheaper_than_fair_sells_more() -> None:
    fair = np.array([100.0, 100.0, 100.0])
    response = price_response(np.array([70.0, 100.0, 130.0]), fair)
    assert response[0] > 1.3 and response[1] == pytest.approx(1.0) and response[2] < 0.8


# Transactions ---------------------------------------------------------------------------------


def test_transactions_have_the_documented_shape(demo: Demo) -> None:
    transactions = demo.transactions
    assert list(transactions.columns) == [
        "date",
        "sku",
        "customer_id",
        "customer_segment",
        "region",
        "channel",
        "quantity",
        "net_price",
    ]
    assert len(transactions) == LINES
    for column in ("sku", "customer_id", "customer_segment", "region", "channel"):
        assert isinstance(transactions[column].dtype, pd.CategoricalDtype), column
    assert transactions["quantity"].dtype == np.int32 and (transactions["quantity"] >= 1).all()
    assert (transactions["net_price"] > 0).all()
    assert 6 <= transactions["region"].nunique() <= 10
    assert transactions["date"].is_monotonic_increasing


def test_transactions_only_reference_catalogue_skus(demo: Demo) -> None:
    assert demo.transactions["sku"].isin(demo.catalogue["sku"]).all()
    assert set(demo.transactions["sku"].cat.categories) == set(demo.catalogue["sku"])


def test_each_customer_has_one_segment_and_one_home_region(demo: Demo) -> None:
    per_customer = demo.transactions.groupby("customer_id", observed=True)[
        ["customer_segment", "region"]
    ].nunique()
    assert (per_customer == 1).all().all()
    assert len(per_customer) >= 50


def test_dates_span_the_requested_months(demo: Demo) -> None:
    dates = pd.to_datetime(demo.transactions["date"])
    months = dates.dt.to_period("M")
    assert months.nunique() == 24
    assert str(dates.min().date()) == demo.manifest["date_range"]["start"]
    assert dates.max().date() <= date.fromisoformat(demo.manifest["date_range"]["end"])
    assert months.max() == pd.Period(demo.manifest["date_range"]["end"], "M")


def test_winter_tyres_sell_in_the_fourth_quarter(demo: Demo) -> None:
    lines = demo.transactions.merge(demo.catalogue[["sku", "season"]], on="sku")
    quarter = pd.to_datetime(lines["date"]).dt.quarter
    winter = lines["season"] == "winter"
    share = (
        lines.assign(winter=winter * lines["quantity"])
        .groupby(quarter)[["winter", "quantity"]]
        .sum()
    )
    share = share["winter"] / share["quantity"]
    assert share[4] > 2 * share[2] and share[4] > share[3]


def test_discounts_depend_on_segment_and_never_exceed_list(demo: Demo) -> None:
    lines = demo.transactions.merge(demo.catalogue[["sku", "list_price"]], on="sku")
    regional = lines["sku"].isin(demo.truth.loc[demo.truth["level"] == "region", "sku"])
    clean = lines[~regional]
    discount = 1 - clean["net_price"] / clean["list_price"]
    assert discount.between(-0.001, 0.46).all()
    by_segment = discount.groupby(clean["customer_segment"], observed=True).mean()
    assert by_segment["tyre chain"] > by_segment["garage"] + 0.05


# Manifest, progress, atomicity ----------------------------------------------------------------


def test_manifest_describes_the_data(demo: Demo) -> None:
    manifest = demo.manifest
    assert manifest["seed"] == 7
    assert manifest["sizes"] == {"skus": SKUS, "transactions": LINES}
    assert manifest["months"] == 24
    assert manifest["roles"] == {
        "target": "list_price",
        "id": "sku",
        "volume": "units_12m",
        "group": "product_line",
    }
    assert datetime.fromisoformat(manifest["generated_at"]).utcoffset() is not None
    assert manifest["seconds"] >= 0
    assert manifest["planted"]["total"] == len(demo.truth)
    assert manifest["planted"]["catalogue"] == (demo.truth["level"] == "catalogue").sum()


def test_progress_reports_readable_stages_in_order(tmp_path: Path) -> None:
    reports: list[tuple[str, float]] = []
    _small(tmp_path / "demo", progress=lambda stage, fraction: reports.append((stage, fraction)))
    stages = [stage for stage, _ in reports]
    assert stages[0] == "catalogue" and "mispricings" in stages
    assert "transactions 1/8" in stages and "transactions 8/8" in stages
    assert stages.index("transactions 8/8") < stages.index("writing")
    fractions = [fraction for _, fraction in reports]
    assert fractions == sorted(fractions) and fractions[0] >= 0 and fractions[-1] == 1.0


def _cancel_at(cancel_stage: str) -> ProgressHook:
    def hook(stage: str, fraction: float) -> None:
        if stage == cancel_stage:
            raise Cancelled(f"stopped at {stage}")

    return hook


@pytest.mark.parametrize("stage", ["mispricings", "transactions 3/8", "writing"])
def test_cancelled_generation_leaves_no_demo_and_no_temp_dir(tmp_path: Path, stage: str) -> None:
    root = tmp_path / "demo"
    with pytest.raises(Cancelled):
        _small(root, progress=_cancel_at(stage))
    assert not root.exists()
    assert _leftovers(root) == []
    assert not demo_exists(root)


def test_failed_regeneration_keeps_the_existing_demo_intact(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    _small(root, seed=1)
    before = pd.read_parquet(demo_paths(root).catalogue)
    with pytest.raises(Cancelled):
        _small(root, seed=2, progress=_cancel_at("writing"))

    def broken(stage: str, fraction: float) -> None:
        if stage == "transactions 5/8":
            raise RuntimeError("disk went away")

    with pytest.raises(RuntimeError):
        _small(root, seed=3, progress=broken)
    assert demo_exists(root)
    pd.testing.assert_frame_equal(pd.read_parquet(demo_paths(root).catalogue), before)
    assert json.loads(demo_paths(root).manifest.read_text())["seed"] == 1
    assert _leftovers(root) == []


def test_regenerating_replaces_the_old_demo_completely(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    _small(root, seed=1)
    (root / "stray.txt").write_text("from an older version")
    _small(root, seed=2)
    assert json.loads(demo_paths(root).manifest.read_text())["seed"] == 2
    assert not (root / "stray.txt").exists()
    assert _leftovers(root) == []


def test_leftovers_of_a_killed_run_are_cleared(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    staging = tmp_path / ".demo.tmp-999999999"  # no such process
    staging.mkdir()
    (staging / "transactions.parquet").write_bytes(b"half")
    retired = tmp_path / ".demo.old-999999999"
    retired.mkdir()
    _small(root)
    assert not staging.exists() and not retired.exists()
    assert demo_exists(root)


def test_demo_exists_only_for_a_complete_demo(demo: Demo, tmp_path: Path) -> None:
    assert demo_exists(demo.paths.root)
    assert not demo_exists(tmp_path / "missing")
    partial = tmp_path / "partial"
    partial.mkdir()
    for name in ("catalogue.parquet", "transactions.parquet", "ground_truth.parquet"):
        (partial / name).write_bytes((demo.paths.root / name).read_bytes())
    assert not demo_exists(partial)  # no manifest yet
    (partial / "manifest.json").write_text("{not json")
    assert not demo_exists(partial)
    (partial / "manifest.json").write_text(demo.paths.manifest.read_text())
    assert demo_exists(partial)
    (partial / "ground_truth.parquet").unlink()
    assert not demo_exists(partial)


def test_demo_paths_name_the_files_under_the_root(tmp_path: Path) -> None:
    paths = demo_paths(tmp_path / "demo")
    assert paths.catalogue == tmp_path / "demo" / "catalogue.parquet"
    assert paths.transactions.name == "transactions.parquet"
    assert paths.ground_truth.name == "ground_truth.parquet"
    assert paths.manifest.name == "manifest.json"


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"n_skus": 10}, "n_skus"),
        ({"n_transactions": 0}, "n_transactions"),
        ({"months": 6}, "months"),
        ({"seed": -1}, "seed"),
        ({"n_skus": 3000.5}, "n_skus"),
    ],
)
def test_unusable_sizes_are_refused_before_any_work(
    tmp_path: Path, kwargs: dict, words: str
) -> None:
    root = tmp_path / "demo"
    with pytest.raises(InputError, match=words):
        generate_demo(root, **kwargs)
    assert not root.exists() and _leftovers(root) == []
