"""The Explorer's query layer, checked against straightforward pandas on the same data."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dashboard.filters import (
    BarSelection,
    CellSelection,
    ColumnCondition,
    FilterState,
    RegionSelection,
    SelectionSource,
    TableFilter,
    parse_filter_state,
)
from dashboard.query import explorer
from dashboard.query.explorer import ExplorerIndexes
from dashboard.query.memo import memoised
from dashboard.runs import Run
from testkit.synthetic_run import synthetic_run

RUN = synthetic_run(3_000, seed=7)
CATEGORIES = explorer.segment_categories(RUN)
SEGMENTS = ("brand", "season", "rim", "run_flat", "region")


def state_of(raw: dict[str, Any], run: Run = RUN) -> FilterState:
    parsed = parse_filter_state(raw, run.info, explorer.segment_categories(run))
    assert parsed.problems == (), parsed.problems
    return parsed.state


# -- a plain pandas reference -------------------------------------------------------------------


def labels(run: Run, column: str) -> pd.Series:
    values = run.items[column]
    if pd.api.types.is_bool_dtype(values):
        text = values.map({True: "True", False: "False"})
    elif pd.api.types.is_integer_dtype(values):
        text = values.map(lambda v: str(int(v)))
    else:
        text = values.astype("object").map(lambda v: None if pd.isna(v) else str(v))
    return text.fillna("(missing)").astype(str)


def inside_polygon(x: float, y: float, polygon: tuple[tuple[float, float], ...]) -> bool:
    inside = False
    for i in range(len(polygon)):
        (x1, y1), (x2, y2) = polygon[i], polygon[i - 1]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def reference_mask(run: Run, state: FilterState, ignore: str | None = None) -> np.ndarray:
    items = run.items
    keep = pd.Series(True, index=items.index)
    for column, allowed in state.segments:
        keep &= labels(run, column).isin(allowed)
    if state.price_min is not None:
        keep &= items["actual"] >= state.price_min
    if state.price_max is not None:
        keep &= items["actual"] <= state.price_max
    if state.min_score is not None:
        keep &= items["score"] >= state.min_score
    if state.max_score is not None:
        keep &= items["score"] <= state.max_score
    if state.min_at_stake is not None:
        keep &= items["at_stake"] >= state.min_at_stake
    if state.directions:
        keep &= items["direction"].astype(str).isin(state.directions)
    if state.flagged_only:
        keep &= items["flagged"]
    if state.search:
        needle = state.search.lower()
        keep &= items["item_id"].str.lower().str.contains(needle, regex=False) | items[
            "name"
        ].str.lower().str.contains(needle, regex=False)
    for selection in state.selections:
        if selection.source == ignore:
            continue
        if isinstance(selection, BarSelection):
            keep &= labels(run, selection.column) == selection.value
        elif isinstance(selection, CellSelection):
            keep &= labels(run, selection.x_column) == selection.x_value
            keep &= labels(run, selection.y_column) == selection.y_value
        elif selection.kind == "box":
            (x0, y0), (x1, y1) = selection.points
            keep &= items["fair_price"].between(x0, x1) & items["actual"].between(y0, y1)
        else:
            inside = [
                inside_polygon(x, y, selection.points)
                for x, y in zip(items["fair_price"], items["actual"], strict=True)
            ]
            keep &= pd.Series(inside, index=items.index)
    return keep.to_numpy()


def random_raw_state(rng: random.Random) -> dict[str, Any]:
    """Each filter on with some chance, values drawn from the run itself."""
    raw: dict[str, Any] = {}
    if rng.random() < 0.6:
        columns = rng.sample(SEGMENTS, rng.randint(1, 2))
        raw["segments"] = {
            c: rng.sample(CATEGORIES[c], rng.randint(1, max(1, len(CATEGORIES[c]) - 1)))
            for c in columns
        }
    if rng.random() < 0.3:
        raw["price_min"] = rng.uniform(20, 150)
    if rng.random() < 0.3:
        raw["price_max"] = rng.uniform(150, 400)
    if rng.random() < 0.3:
        raw["min_score"] = rng.choice([0.0, 0.3, 0.5, 1.0, 2.0])
    if rng.random() < 0.2:
        raw["max_score"] = raw.get("min_score", 0.0) + rng.choice([0.0, 0.4, 1.5])
    if rng.random() < 0.2:
        raw["min_at_stake"] = rng.uniform(0, 300)
    if rng.random() < 0.4:
        raw["directions"] = rng.sample(["under", "over", "ok"], rng.randint(1, 2))
    raw["flagged_only"] = rng.random() < 0.2
    if rng.random() < 0.3:
        raw["search"] = rng.choice(["sku-00001", "BRAND 0", "tyre 12", "Brand 03 tyre", "zzz"])
    selections: list[dict[str, Any]] = []
    if rng.random() < 0.3:
        column = rng.choice(SEGMENTS)
        selections.append(
            {"kind": "bar", "column": column, "value": rng.choice(CATEGORIES[column])}
        )
    if rng.random() < 0.3:
        selections.append(
            {
                "kind": "cell",
                "x_column": "brand",
                "x_value": rng.choice(CATEGORIES["brand"][:8]),
                "y_column": "season",
                "y_value": rng.choice(CATEGORIES["season"]),
            }
        )
    if rng.random() < 0.3:
        selections.append(
            {"kind": "box", "points": [[rng.uniform(30, 100), 20], [rng.uniform(100, 300), 250]]}
        )
    if rng.random() < 0.3:
        center_x, center_y = rng.uniform(60, 150), rng.uniform(60, 150)
        points = [
            [center_x + rng.uniform(20, 80) * np.cos(a), center_y + rng.uniform(20, 80) * np.sin(a)]
            for a in np.linspace(0, 2 * np.pi, rng.randint(4, 12), endpoint=False)
        ]
        selections.append({"kind": "lasso", "points": points})
    raw["selections"] = selections
    return raw


# -- masks ----------------------------------------------------------------------------------------


def test_mask_matches_the_pandas_reference_on_random_states() -> None:
    rng = random.Random(20261121)
    indexes = ExplorerIndexes()
    non_trivial = 0
    ignores: tuple[SelectionSource | None, ...] = (None, "heatmap", "scatter", "bar")
    for _ in range(60):
        state = state_of(random_raw_state(rng))
        for ignore in ignores:
            mask = explorer.filter_mask(RUN, state, ignore=ignore, indexes=indexes)
            np.testing.assert_array_equal(
                mask, reference_mask(RUN, state, ignore), err_msg=str(state)
            )
        non_trivial += 0 < mask.sum() < len(RUN.items)
    assert non_trivial > 20  # the random states really do filter


def test_a_score_range_keeps_the_items_between_its_bounds_inclusive() -> None:
    scores = RUN.items["score"]
    high = float(scores[scores > 0].median())
    state = state_of({"min_score": 0.2, "max_score": high})
    kpis = explorer.kpi_strip(RUN, state)
    assert kpis.items == int(((scores >= 0.2) & (scores <= high)).sum()) > 0
    only_max = state_of({"max_score": 0})
    assert explorer.kpi_strip(RUN, only_max).items == int((scores <= 0).sum())


def test_a_chart_is_not_filtered_by_its_own_selection() -> None:
    cell = CellSelection("brand", CATEGORIES["brand"][0], "season", "winter")
    state = FilterState(selections=(cell,), directions=("under", "over"))
    everything = explorer.filter_mask(RUN, state, ignore="heatmap")
    selected = explorer.filter_mask(RUN, state)
    assert selected.sum() < everything.sum()
    assert not (selected & ~everything).any()
    grid = explorer.heatmap(RUN, state, "brand", "season")
    assert grid.selected == (CATEGORIES["brand"][0], "winter")
    assert grid.items.sum() == everything.sum()
    flipped = explorer.heatmap(RUN, state, "season", "brand")
    assert flipped.selected == ("winter", CATEGORIES["brand"][0])


def test_cached_masks_are_read_only_and_shared_indexes_give_the_same_answers() -> None:
    indexes = ExplorerIndexes(runs_kept=1)
    state = state_of({"segments": {"season": ["winter", "(missing)"]}, "min_score": 0.2})
    shared = explorer.filter_mask(RUN, state, indexes=indexes)
    with pytest.raises(ValueError):
        shared[0] = not shared[0]
    np.testing.assert_array_equal(shared, explorer.filter_mask(RUN, state))
    other = synthetic_run(500, seed=1, run_id="20260101T000000000000Z-000002")
    explorer.filter_mask(other, FilterState(), indexes=indexes)
    assert explorer.kpi_strip(RUN, state, indexes=indexes) == explorer.kpi_strip(RUN, state)


# -- KPIs, scatter, histogram, heatmap, bars -----------------------------------------------------


def test_kpis_match_the_reference() -> None:
    state = state_of({"segments": {"brand": list(CATEGORIES["brand"][:10])}, "price_max": 300})
    kpis = explorer.kpi_strip(RUN, state)
    rows = RUN.items[reference_mask(RUN, state)]
    flagged = rows[rows["flagged"]]
    assert kpis.items == len(rows) and kpis.total_items == len(RUN.items)
    assert kpis.flagged == len(flagged)
    assert kpis.flagged_under == (flagged["direction"] == "under").sum()
    assert kpis.at_stake_over == pytest.approx(
        flagged.loc[flagged["direction"] == "over", "at_stake"].sum()
    )
    assert kpis.share_flagged == pytest.approx(len(flagged) / len(rows))
    assert kpis.median_score_flagged == pytest.approx(flagged["score"].median())
    empty = explorer.kpi_strip(RUN, state_of({"search": "no such item"}))
    assert (empty.items, empty.share_flagged, empty.median_score_flagged) == (0, None, None)


def test_scatter_keeps_every_flagged_item_and_samples_the_rest_stably() -> None:
    state = state_of({"directions": ["under", "ok"]})
    mask = reference_mask(RUN, state)
    flagged_ids = set(RUN.items.loc[mask & RUN.items["flagged"].to_numpy(), "item_id"])
    points = explorer.scatter_points(RUN, state, max_points=500)
    assert points.total == mask.sum() and points.sampled
    assert points.drawn == 500 == len(points.item_id)
    assert flagged_ids <= set(points.item_id)
    assert set(points.item_id) <= set(RUN.items.loc[mask, "item_id"])
    assert points.fair_price.dtype == np.float32 and points.direction.dtype == np.int8
    again = explorer.scatter_points(RUN, state, max_points=500, indexes=ExplorerIndexes())
    np.testing.assert_array_equal(points.item_id, again.item_id)
    sorted_differently = explorer.scatter_points(
        RUN, FilterState(directions=("under", "ok"), table_sort=(("score", "asc"),)), max_points=500
    )
    np.testing.assert_array_equal(points.item_id, sorted_differently.item_id)
    other = explorer.scatter_points(
        RUN, state_of({"directions": ["under", "ok"], "min_score": 0.0}), max_points=500
    )
    assert set(other.item_id) != set(points.item_id)  # a new view, a new sample
    tight = explorer.scatter_points(RUN, state, max_points=5)
    assert set(tight.item_id) == flagged_ids  # never drops a flagged item, even over the limit
    whole = explorer.scatter_points(RUN, FilterState(), max_points=10_000)
    assert not whole.sampled and whole.drawn == len(RUN.items)


def test_scatter_band_follows_the_intervals_and_marks_its_own_selection() -> None:
    box = RegionSelection("box", ((50.0, 0.0), (120.0, 1000.0)))
    points = explorer.scatter_points(RUN, FilterState(selections=(box,)))
    assert points.total == len(RUN.items)  # not filtered by its own box
    assert points.in_selection is not None
    inside = (points.fair_price >= 50) & (points.fair_price <= 120)
    np.testing.assert_array_equal(points.in_selection, inside)
    band = points.band
    assert len(band.fair_price) == 24 and np.all(np.diff(band.fair_price) >= 0)
    ratios = RUN.items["lower"] / RUN.items["fair_price"]
    assert ratios.min() <= band.lower_ratio.min() and band.lower_ratio.max() <= ratios.max()
    assert np.all(band.lower < band.fair_price) and np.all(band.fair_price < band.upper)


def test_score_distribution_counts_the_filtered_items_outside_their_interval() -> None:
    state = state_of({"segments": {"rim": ["15", "16", "17"]}})
    histogram = explorer.score_distribution(RUN, state, bins=40)
    rows = RUN.items[reference_mask(RUN, state)]
    outside = rows[rows["score"] > 0]
    assert histogram.under.sum() == (outside["direction"] == "under").sum()
    assert histogram.over.sum() == (outside["direction"] == "over").sum()
    assert histogram.inside == len(rows) - len(outside)
    assert len(histogram.edges) == 41 and histogram.threshold == 0.5
    narrower = explorer.score_distribution(RUN, state_of({"segments": {"rim": ["15"]}}), bins=40)
    assert narrower.clipped_at == histogram.clipped_at  # the axis does not jump while filtering


@pytest.mark.parametrize("x,y", [("brand", "season"), ("region", "rim"), ("run_flat", "brand")])
def test_heatmap_sums_match_the_kpi_totals(x: str, y: str) -> None:
    state = state_of({"min_score": 0.0, "price_min": 30})
    kpis = explorer.kpi_strip(RUN, state)
    grid = explorer.heatmap(RUN, state, x, y)
    assert grid.values.sum() == pytest.approx(kpis.at_stake)
    assert grid.items.sum() == kpis.items
    assert grid.flagged.sum() == kpis.flagged
    assert grid.values.shape == (len(grid.y_labels), len(grid.x_labels))
    assert len(grid.x_labels) <= 25 and len(grid.y_labels) <= 25
    if x == "brand" or y == "brand":  # 40 brands: the top 24 by money and "(other)"
        assert "(other)" in grid.x_labels + grid.y_labels
    shares = explorer.heatmap(RUN, state, x, y, "share_flagged").values
    filled = ~np.isnan(shares)
    assert np.all((shares[filled] >= 0) & (shares[filled] <= 1))
    np.testing.assert_array_equal(filled, grid.items > 0)


def test_heatmap_keeps_the_biggest_money_and_folds_the_rest() -> None:
    grid = explorer.heatmap(RUN, FilterState(), "brand", "season")
    flagged = RUN.items[RUN.items["flagged"]]
    by_brand = (
        flagged.groupby("brand", observed=True)["at_stake"].sum().sort_values(ascending=False)
    )
    assert set(by_brand.index[:24]) == set(grid.x_labels[:-1])
    assert grid.x_labels[-1] == "(other)"
    assert grid.values[:, -1].sum() == pytest.approx(by_brand.iloc[24:].sum())
    with pytest.raises(KeyError):
        explorer.heatmap(RUN, FilterState(), "actual", "season")


def test_segment_bars_match_the_reference_and_report_their_own_selection() -> None:
    bar = BarSelection("brand", CATEGORIES["brand"][1])
    state = FilterState(selections=(bar,), min_score=0.0)
    bars = explorer.segment_bars(RUN, state, "brand")
    assert bars.selected == CATEGORIES["brand"][1]
    rows = RUN.items[reference_mask(RUN, state, ignore="bar")]
    flagged = rows[rows["flagged"]]
    assert bars.table["items"].sum() == len(rows)
    assert bars.table["flagged"].sum() == len(flagged)
    assert bars.table["under"].sum() + bars.table["over"].sum() == pytest.approx(
        flagged["at_stake"].sum()
    )
    assert len(bars.table) == 25 and bars.table["segment"].iloc[-1] == "(other)"
    totals = (bars.table["under"] + bars.table["over"]).iloc[:-1]
    assert totals.is_monotonic_decreasing
    seasons = explorer.segment_bars(RUN, state, "season").table
    assert list(seasons.columns) == ["segment", "under", "over", "flagged", "items"]
    assert "(missing)" in set(seasons["segment"])


# -- table ---------------------------------------------------------------------------------------


def reference_table(run: Run, state: FilterState, sort: tuple[tuple[str, str], ...]) -> list[str]:
    rows = run.items[reference_mask(run, state)].copy()
    rows["_position"] = np.arange(len(rows))
    keys, ascending = [], []
    for column, direction in sort:
        if column in ("direction", "item_id"):
            rows[f"_{column}"] = rows[column].astype(str)
        elif column in SEGMENTS:
            rows[f"_{column}"] = (
                rows[column].cat.codes.replace(-1, np.nan)
                if column in ("brand", "season", "region")
                else rows[column]
            )
        else:
            rows[f"_{column}"] = rows[column]
        keys.append(f"_{column}")
        ascending.append(direction == "asc")
    ordered = rows.sort_values(
        [*keys, "_position"], ascending=[*ascending, True], kind="stable", na_position="last"
    )
    return ordered["item_id"].tolist()


@pytest.mark.parametrize(
    "sort",
    [
        (("flagged", "desc"), ("at_stake", "desc")),
        (("score", "asc"),),
        (("brand", "desc"), ("actual", "asc")),
        (("season", "asc"), ("item_id", "desc")),
        (("direction", "asc"), ("fair_price", "desc")),
    ],
)
def test_paging_covers_every_row_exactly_once_in_sort_order(
    sort: tuple[tuple[str, str], ...],
) -> None:
    indexes = ExplorerIndexes()
    state = state_of({"price_min": 40, "segments": {"rim": ["15", "16", "17", "18"]}})
    model = [{"colId": c, "sort": d} for c, d in sort]
    seen: list[str] = []
    start = 0
    while True:
        page = explorer.table_page(RUN, state, start, start + 100, model, None, indexes=indexes)
        assert page.problems == () and page.sort == sort
        seen += [str(row["item_id"]) for row in page.rows]
        if page.end_row >= page.row_count:
            break
        start = page.end_row
    assert seen == reference_table(RUN, state, sort)
    assert len(seen) == page.row_count == len(set(seen))


def test_table_rows_have_the_displayed_columns_as_json_values() -> None:
    page = explorer.table_page(RUN, FilterState(), 0, 3)
    row = page.rows[0]
    assert list(row) == [
        "item_id",
        *SEGMENTS,
        "actual",
        "fair_price",
        "lower",
        "upper",
        "score",
        "direction",
        "flagged",
        "at_stake",
    ]
    assert row["flagged"] is True  # default order: flagged first, most money first
    assert isinstance(row["rim"], str) and isinstance(row["actual"], float)
    top = RUN.items.loc[RUN.items["flagged"]].nlargest(1, "at_stake")["item_id"].iloc[0]
    assert row["item_id"] == top
    missing = explorer.table_page(RUN, state_of({"segments": {"season": [None]}}), 0, 1).rows[0]
    assert missing["season"] is None


def test_page_size_is_capped_and_bad_requests_are_explained() -> None:
    page = explorer.table_page(RUN, FilterState(), 0, 10_000)
    assert len(page.rows) == 500 and page.end_row == 500 and page.row_count == len(RUN.items)
    assert page.problems == ("At most 500 rows are sent at a time; the rest were left out.",)
    odd = explorer.table_page(
        RUN,
        FilterState(),
        "x",
        -5,
        [{"colId": "password", "sort": "asc"}],
        {"nope": {"type": "equals"}},
    )
    assert odd.start_row == 0 and len(odd.problems) == 4
    assert odd.sort == FilterState().table_sort
    past = explorer.table_page(RUN, FilterState(), 10**9, 10**9 + 100)
    assert past.rows == [] and past.row_count == len(RUN.items)


def number_filter(kind: str, value: float, value_to: float | None = None) -> dict[str, Any]:
    model: dict[str, Any] = {"filterType": "number", "type": kind, "filter": value}
    if value_to is not None:
        model["filterTo"] = value_to
    return model


@pytest.mark.parametrize(
    "model,expected",
    [
        ({"actual": number_filter("greaterThan", 150)}, lambda t: t["actual"] > 150),
        ({"actual": number_filter("lessThanOrEqual", 99.99)}, lambda t: t["actual"] <= 99.99),
        ({"score": number_filter("equals", 0)}, lambda t: t["score"] == 0),
        (
            {"at_stake": number_filter("inRange", 10, 500)},
            lambda t: (t["at_stake"] > 10) & (t["at_stake"] < 500),
        ),
        (
            {"item_id": {"filterType": "text", "type": "contains", "filter": "sku-00012"}},
            lambda t: t["item_id"].str.contains("SKU-00012", regex=False),
        ),
        (
            {"item_id": {"filterType": "text", "type": "endsWith", "filter": "7"}},
            lambda t: t["item_id"].str.endswith("7"),
        ),
        (
            {"brand": {"filterType": "text", "type": "startsWith", "filter": "brand 1"}},
            lambda t: t["brand"].astype(str).str.startswith("Brand 1"),
        ),
        (
            {"season": {"filterType": "text", "type": "blank"}},
            lambda t: t["season"].isna(),
        ),
        (
            {"season": {"filterType": "text", "type": "notEqual", "filter": "WINTER"}},
            lambda t: t["season"].astype(str) != "winter",
        ),
        (
            {"direction": {"filterType": "text", "type": "equals", "filter": "under"}},
            lambda t: t["direction"] == "under",
        ),
        (
            {"flagged": {"filterType": "text", "type": "equals", "filter": "true"}},
            lambda t: t["flagged"],
        ),
        (
            {
                "rim": {
                    "filterType": "text",
                    "operator": "OR",
                    "conditions": [
                        {"filterType": "text", "type": "equals", "filter": "15"},
                        {"filterType": "text", "type": "equals", "filter": "21"},
                    ],
                },
                "score": {
                    "filterType": "number",
                    "operator": "AND",
                    "conditions": [number_filter("greaterThan", 0), number_filter("lessThan", 2)],
                },
            },
            lambda t: t["rim"].isin([15, 21]) & (t["score"] > 0) & (t["score"] < 2),
        ),
    ],
)
def test_column_filters_narrow_the_table(model: dict[str, Any], expected: Any) -> None:
    state = state_of({"directions": ["under", "ok"]})
    page = explorer.table_page(RUN, state, 0, 500, [{"colId": "item_id", "sort": "asc"}], model)
    assert page.problems == ()
    rows = RUN.items[reference_mask(RUN, state)]
    want = rows[expected(rows).to_numpy()].sort_values("item_id")["item_id"].tolist()
    assert page.row_count == len(want) > 0
    assert [r["item_id"] for r in page.rows] == want[:500]
    charts = explorer.kpi_strip(RUN, state)
    assert charts.items == len(rows)  # column filters narrow the table only


def test_export_rows_are_the_table_in_table_order() -> None:
    state = FilterState(
        min_score=0.0,
        table_sort=(("score", "desc"),),
        table_filters=(TableFilter("brand", "text", (ColumnCondition("contains", "brand 0"),)),),
    )
    frame = explorer.export_rows(RUN, state)
    pages = explorer.table_page(RUN, state, 0, 500).rows
    assert frame["item_id"].tolist()[:500] == [r["item_id"] for r in pages]
    assert list(frame.columns)[:3] == ["item_id", "brand", "season"]
    assert frame["score"].is_monotonic_decreasing
    assert frame["rim"].dtype.kind == "i" and frame["flagged"].dtype == bool


def test_item_detail_shows_the_item_or_nothing() -> None:
    wanted = RUN.items.iloc[123]
    detail = explorer.item_detail(RUN, wanted["item_id"])
    assert detail is not None
    assert detail.fair_price == wanted["fair_price"] and detail.direction == wanted["direction"]
    attributes = dict(detail.attributes)
    assert attributes["brand"] == str(wanted["brand"]) and attributes["rim"] == int(wanted["rim"])
    assert "fair_price" not in attributes
    assert explorer.item_detail(RUN, "SKU-nope") is None
    assert explorer.item_detail(RUN, 5) is None


def test_default_heatmap_axes() -> None:
    # Many values (brand) on the rows, few (season) across: returned as (x, y).
    assert explorer.default_heatmap_axes(RUN, FilterState()) == ("season", "brand")
    assert explorer.default_heatmap_axes(RUN, FilterState(heatmap_x="season")) == (
        "season",
        "brand",
    )
    assert explorer.default_heatmap_axes(RUN, FilterState(heatmap_y="brand")) == ("season", "brand")


# -- memo ----------------------------------------------------------------------------------------


class DictCache:
    def __init__(self) -> None:
        self.data: dict[str, object] = {}

    def get(self, key: str) -> object:
        return self.data.get(key)

    def set(self, key: str, value: object, timeout: int | None = None) -> bool:
        self.data[key] = value
        return True


def test_memoised_computes_once_per_run_question_state_and_arguments() -> None:
    cache, calls = DictCache(), []

    def compute() -> Any:
        calls.append(1)
        return explorer.kpi_strip(RUN, FilterState())

    first = memoised(cache, RUN, "kpi_strip", FilterState(), compute)
    assert memoised(cache, RUN, "kpi_strip", FilterState(), compute) == first
    assert len(calls) == 1
    memoised(cache, RUN, "kpi_strip", FilterState(min_score=1.0), compute)
    memoised(cache, RUN, "kpi_strip", FilterState(), compute, "brand")
    assert len(calls) == 3
    assert memoised(cache, RUN, "detail", FilterState(), lambda: None) is None
    assert memoised(cache, RUN, "detail", FilterState(), lambda: 1 / 0) is None  # a cached None
    assert memoised(None, RUN, "x", FilterState(), lambda: 42) == 42


def test_memoised_skips_large_results_and_survives_a_broken_cache() -> None:
    cache = DictCache()
    memoised(cache, RUN, "mask", FilterState(), lambda: np.zeros(3_000_000, dtype=bool))
    assert cache.data == {}

    class Broken(DictCache):
        def get(self, key: str) -> object:
            raise ConnectionError("redis is down")

    assert memoised(Broken(), RUN, "x", FilterState(), lambda: 7) == 7


# -- a real scored run ---------------------------------------------------------------------------


@pytest.mark.slow
def test_every_query_answers_on_the_scored_demo_run(demo_root: Path) -> None:
    from dashboard.config import Settings
    from dashboard.runs import RunStore

    settings = Settings(data_dir=demo_root)
    run = RunStore(settings.runs_dir).load_current()
    assert run is not None
    indexes = ExplorerIndexes()
    categories = explorer.segment_categories(run, indexes=indexes)
    assert set(categories) == set(run.info.columns.segments)
    segment = run.info.columns.segments[0]
    parsed = parse_filter_state(
        {"segments": {segment: list(categories[segment][:2])}, "directions": ["under", "over"]},
        run.info,
        categories,
    )
    assert parsed.problems == ()
    state = parsed.state
    kpis = explorer.kpi_strip(run, state, indexes=indexes)
    assert 0 < kpis.items < len(run.items)
    axes = explorer.default_heatmap_axes(run, state)
    assert axes is not None
    grid = explorer.heatmap(run, state, *axes, indexes=indexes)
    assert grid.values.sum() == pytest.approx(kpis.at_stake)
    assert grid.items.sum() == kpis.items
    page = explorer.table_page(run, state, 0, 50, indexes=indexes)
    assert page.row_count == kpis.items and page.rows[0]["flagged"] == (kpis.flagged > 0)
    detail = explorer.item_detail(run, page.rows[0]["item_id"], indexes=indexes)
    assert detail is not None and detail.item_id == page.rows[0]["item_id"]
    assert len(explorer.export_rows(run, state, indexes=indexes)) == kpis.items
    points = explorer.scatter_points(run, state, indexes=indexes)
    assert points.total == kpis.items and points.flagged.sum() == kpis.flagged
    assert (
        explorer.segment_bars(run, state, segment, indexes=indexes).table["items"].sum()
        == kpis.items
    )


def test_search_matches_a_categorical_name_column_too() -> None:
    run = synthetic_run(1_000, seed=4)
    names = run.items["name"].str.replace(r" tyre \d+$", " tyre", regex=True).astype("category")
    run = Run(run.info, run.items.assign(name=names), run.model_card)
    state = FilterState(search="BRAND 02 T")
    mask = explorer.filter_mask(run, state)
    np.testing.assert_array_equal(mask, (run.items["brand"] == "Brand 02").to_numpy())
    np.testing.assert_array_equal(mask, reference_mask(run, state))
