"""The Explorer's filter state: hostile input, links that reproduce the view, chips."""

from __future__ import annotations

import dataclasses
import math
import string
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.display import Display
from dashboard.filters import (
    DEFAULT_TABLE_SORT,
    MAX_SEGMENT_VALUES,
    MAX_URL_HASH_CHARS,
    BarSelection,
    CellSelection,
    ColumnCondition,
    FilterState,
    RegionSelection,
    TableFilter,
    chips,
    clear_all,
    filter_key,
    from_url_hash,
    parse_filter_model,
    parse_filter_state,
    parse_sort_model,
    region_from_plotly,
    remove_chip,
    state_key,
    state_to_raw,
    to_url_hash,
)
from dashboard.filters.clean import segment_label
from dashboard.filters.fields import TABLE_ONLY_FIELDS, VIEWS
from dashboard.query.explorer import segment_categories
from dashboard.query.explorer_index import segment_codes
from testkit.synthetic_run import synthetic_run

RUN = synthetic_run(1_500, seed=3)
INFO = RUN.info
CATEGORIES = segment_categories(RUN)
ROOT = Path(__file__).resolve().parents[1]

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=12), inner, max_size=6)
    ),
    max_leaves=30,
)
field_names = st.sampled_from(
    [
        "segments",
        "price_min",
        "price_max",
        "min_score",
        "max_score",
        "min_at_stake",
        "directions",
        "flagged_only",
        "search",
        "selections",
        "table_sort",
        "table_filters",
        "heatmap_x",
        "heatmap_y",
        "heatmap_metric",
        "item",
        "brand",
    ]
)


def parse(raw: Any) -> Any:
    return parse_filter_state(raw, INFO, CATEGORIES)


def assert_sentences(problems: tuple[str, ...]) -> None:
    for problem in problems:
        assert isinstance(problem, str)
        assert 10 <= len(problem) <= 300, problem
        assert problem.endswith("."), problem
        assert problem[0].isupper() or problem[0] in "'\"“0123456789", problem


# -- hostile input -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(field_names, json_values, max_size=8) | json_values)
def test_parse_never_raises_and_explains_in_sentences(raw: Any) -> None:
    parsed = parse(raw)
    assert isinstance(parsed.state, FilterState)
    hash(parsed.state)
    assert_sentences(parsed.problems)
    assert len(to_url_hash(parsed.state)) <= MAX_URL_HASH_CHARS


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_link_text_is_read_without_raising(text: str) -> None:
    parsed = from_url_hash(text, INFO, CATEGORIES)
    assert isinstance(parsed.state, FilterState)
    assert_sentences(parsed.problems)


def test_invalid_parts_are_dropped_with_a_sentence_and_valid_parts_kept() -> None:
    parsed = parse(
        {
            "segments": {"brand": ["Brand 01", "Avonn"], "colour": ["red"]},
            "min_score": "abc",
            "price_min": 20,
            "price_max": "250.5",
            "directions": ["under", "sideways"],
            "flagged_only": "yes",
            "wat": 1,
        }
    )
    state = parsed.state
    assert state.segments == (("brand", ("Brand 01",)),)
    assert state.min_score is None
    assert (state.price_min, state.price_max) == (20.0, 250.5)
    assert state.directions == ("under",)
    assert state.flagged_only is True
    assert "Unknown brand 'Avonn' was ignored." in parsed.problems
    assert "Minimum score must be a number; 'abc' was ignored." in parsed.problems
    assert any("colour" in p for p in parsed.problems)
    assert any("'sideways'" in p for p in parsed.problems)
    assert "Unknown setting 'wat' was ignored." in parsed.problems


@pytest.mark.parametrize(
    "value", [math.nan, math.inf, -math.inf, "NaN", "Infinity", 10**400, [1], {"a": 1}, True]
)
def test_numbers_must_be_finite_numbers(value: object) -> None:
    parsed = parse({"min_score": value, "min_at_stake": 5})
    assert parsed.state.min_score is None
    assert parsed.state.min_at_stake == 5.0
    assert len(parsed.problems) == 1 and parsed.problems[0].startswith("Minimum score must be")


def test_huge_lists_are_refused_in_one_sentence() -> None:
    brands = list(CATEGORIES["brand"]) * 300  # 10,000+ values
    parsed = parse({"segments": {"brand": brands}, "selections": [{"kind": "bar"}] * 10_000})
    assert parsed.state.segments == ()
    assert (
        f"Too many values for brand (max {MAX_SEGMENT_VALUES}); the filter was ignored."
        in parsed.problems
    )
    assert len(parsed.problems) <= 13


def test_many_unknown_values_make_one_problem() -> None:
    parsed = parse({"segments": {"brand": [f"Nope {i}" for i in range(400)]}})
    assert parsed.problems == ("400 unknown values for brand were ignored (e.g. 'Nope 0').",)


def test_missing_values_booleans_and_integers_are_matched_by_label() -> None:
    parsed = parse({"segments": {"season": [None], "run_flat": [True], "rim": [17, 18.0, "19"]}})
    assert parsed.problems == ()
    assert dict(parsed.state.segments) == {
        "rim": ("17", "18", "19"),
        "run_flat": ("True",),
        "season": ("(missing)",),
    }


def test_choosing_every_value_is_no_filter() -> None:
    parsed = parse(
        {"segments": {"season": list(CATEGORIES["season"])}, "directions": ["ok", "under", "over"]}
    )
    assert parsed.state == FilterState()


def test_inverted_price_range_is_dropped() -> None:
    parsed = parse({"price_min": 300, "price_max": 100})
    assert (parsed.state.price_min, parsed.state.price_max) == (None, None)
    assert parsed.problems == (
        "The minimum price is above the maximum price; the price range was ignored.",
    )


def test_selections_are_validated() -> None:
    parsed = parse(
        {
            "selections": [
                {"kind": "bar", "column": "brand", "value": "Brand 02"},
                {
                    "kind": "cell",
                    "x_column": "brand",
                    "x_value": "Brand 01",
                    "y_column": "season",
                    "y_value": None,
                },
                {"kind": "box", "points": [[120.123456, 300], [10, 20]]},
                {"kind": "lasso", "points": [[1, 1], [2, 2]]},
                {"kind": "bar", "column": "price", "value": "x"},
                {"kind": "pie"},
            ]
        }
    )
    assert parsed.state.selections == (
        BarSelection("brand", "Brand 02"),
        CellSelection("brand", "Brand 01", "season", "(missing)"),
        RegionSelection("box", ((10.0, 20.0), (120.12, 300.0))),
    )
    assert len(parsed.problems) == 3


def test_long_lasso_is_thinned_not_dropped() -> None:
    points = [[math.cos(i / 100) * 50 + 100, math.sin(i / 100) * 50 + 100] for i in range(628)]
    parsed = parse({"selections": [{"kind": "lasso", "points": points}]})
    (region,) = parsed.state.selections
    assert isinstance(region, RegionSelection) and 3 <= len(region.points) <= 64


def test_state_too_long_for_a_link_drops_the_largest_filter_and_says_so() -> None:
    labels = [f"value {'x' * 150} {i}" for i in range(80)]
    run = synthetic_run(3_000, n_brands=80)
    assert run.items["brand"].nunique() == 80
    run.items["brand"] = run.items["brand"].cat.rename_categories(
        labels[: len(run.items["brand"].cat.categories)]
    )
    categories = segment_categories(run)
    chosen = list(categories["brand"])[:-1]
    parsed = parse_filter_state(
        {"segments": {"brand": chosen, "season": ["winter"]}}, run.info, categories
    )
    assert parsed.state.segments == (("season", ("winter",)),)
    assert any("too many values to keep in the page's link" in p for p in parsed.problems)
    too_long = from_url_hash("seg.brand=" + "x" * MAX_URL_HASH_CHARS, run.info, categories)
    assert too_long.state == FilterState()
    assert too_long.problems[0].startswith("The link is too long to read")


# -- links ---------------------------------------------------------------------------------------

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda v: v + 0.0)
tricky_text = st.text(alphabet=string.printable + "é€ü&=,:;#%+~", max_size=40)


@st.composite
def raw_states(draw: st.DrawFn) -> dict[str, Any]:
    segment_columns = draw(st.lists(st.sampled_from(sorted(CATEGORIES)), unique=True, max_size=3))
    raw: dict[str, Any] = {
        "segments": {
            c: draw(st.lists(st.sampled_from(CATEGORIES[c]), max_size=5)) for c in segment_columns
        },
        "price_min": draw(st.none() | finite),
        "min_score": draw(st.none() | finite),
        "max_score": draw(st.none() | finite),
        "min_at_stake": draw(st.none() | finite),
        "directions": draw(st.lists(st.sampled_from(["under", "over", "ok"]), max_size=3)),
        "flagged_only": draw(st.booleans()),
        "search": draw(tricky_text),
        "item": draw(st.none() | tricky_text),
        "heatmap_x": draw(st.none() | st.sampled_from(sorted(CATEGORIES))),
        "heatmap_metric": draw(st.sampled_from(["at_stake", "share_flagged"])),
        "table_sort": [
            {"colId": c, "sort": draw(st.sampled_from(["asc", "desc"]))}
            for c in draw(
                st.lists(
                    st.sampled_from(["score", "item_id", "brand", "at_stake"]),
                    unique=True,
                    max_size=3,
                )
            )
        ],
        "selections": draw(st.lists(selections(), max_size=3)),
        "table_filters": {
            "actual": {
                "filterType": "number",
                "type": "inRange",
                "filter": 10,
                "filterTo": draw(finite.map(abs)) + 10,
            },
            "item_id": {
                "filterType": "text",
                "operator": draw(st.sampled_from(["AND", "OR"])),
                "conditions": [
                    {"filterType": "text", "type": "contains", "filter": draw(tricky_text) or "x"},
                    {"filterType": "text", "type": "notBlank"},
                ],
            },
        },
    }
    return raw


def selections() -> st.SearchStrategy[dict[str, Any]]:
    column = st.sampled_from(sorted(CATEGORIES))
    bar = column.flatmap(
        lambda c: st.fixed_dictionaries(
            {"kind": st.just("bar"), "column": st.just(c), "value": st.sampled_from(CATEGORIES[c])}
        )
    )
    point = st.tuples(finite, finite).map(list)
    region = st.fixed_dictionaries(
        {
            "kind": st.just("lasso"),
            "points": st.lists(point, min_size=3, max_size=90, unique_by=tuple),
        }
    ) | st.fixed_dictionaries(
        {"kind": st.just("box"), "points": st.lists(point, min_size=2, max_size=2)}
    )
    return bar | region


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_states())
def test_link_round_trips_exactly(raw: dict[str, Any]) -> None:
    state = parse(raw).state
    text = to_url_hash(state)
    again = from_url_hash("#" + text, INFO, CATEGORIES)
    assert again.problems == ()
    assert again.state == state
    assert to_url_hash(again.state) == text  # canonical: one state, one text
    assert parse(state_to_raw(state)).state == state
    assert " " not in text and "#" not in text


def test_link_is_readable_and_escapes_separators() -> None:
    state = parse(
        {
            "segments": {"brand": ["Brand 01"], "region": ["=Other"]},
            "directions": ["under"],
            "min_score": 0.5,
            "search": "a&b=c,d:e",
        }
    ).state
    text = to_url_hash(state)
    assert (
        text == "score=0.5&dir=under&q=a%26b%3Dc%2Cd%3Ae&seg.brand=Brand%2001&seg.region=%3DOther"
    )
    assert from_url_hash("/explorer#" + text, INFO, CATEGORIES).state == state
    assert to_url_hash(FilterState()) == ""


def test_link_with_unknown_parts_keeps_the_rest() -> None:
    parsed = from_url_hash("dir=under&zoom=3&seg.brand=Nope,Brand%2001", INFO, CATEGORIES)
    assert parsed.state.directions == ("under",)
    assert parsed.state.segments == (("brand", ("Brand 01",)),)
    assert "The part 'zoom=3' of the link was not understood." in parsed.problems
    assert "Unknown brand 'Nope' was ignored." in parsed.problems


def test_state_key_is_short_stable_and_distinguishes_states() -> None:
    one = parse({"min_score": 1}).state
    assert state_key(one) == state_key(parse({"min_score": 1.0}).state)
    assert state_key(one) != state_key(parse({"min_score": 1.5}).state)
    assert len(state_key(one)) == 16


def test_a_score_range_is_read_written_and_checked_like_the_price_range() -> None:
    state = parse({"min_score": 0.5, "max_score": "3"}).state
    assert (state.min_score, state.max_score) == (0.5, 3.0)
    assert to_url_hash(state) == "score=0.5&smax=3"
    assert from_url_hash("#smax=3&score=0.5", INFO, CATEGORIES).state == state
    assert [c.label for c in chips(state)] == ["Score ≥ 0.5", "Score ≤ 3"]
    assert remove_chip(state, "smax") == replace(state, max_score=None)
    upside_down = parse({"min_score": 2, "max_score": 1})
    assert (upside_down.state.min_score, upside_down.state.max_score) == (None, None)
    assert upside_down.problems == (
        "The minimum score is above the maximum score; the score range was ignored.",
    )
    bad = from_url_hash("#smax=high", INFO, CATEGORIES)
    assert bad.problems == ("Maximum score must be a number; 'high' was ignored.",)


# A value other than the default for every field of FilterState. A new field must be added here, and
# is then checked below: in the mask's cache key, unless fields.py declares it view- or table-only.
NON_DEFAULT = {
    "segments": (("brand", ("Brand 01",)),),
    "price_min": 10.0,
    "price_max": 90.0,
    "min_score": 0.5,
    "max_score": 2.0,
    "min_at_stake": 100.0,
    "directions": ("under",),
    "flagged_only": True,
    "search": "tyre",
    "selections": (BarSelection("rim", "17"),),
    "decisions": ("unreviewed",),
    "table_sort": (("score", "asc"),),
    "table_filters": (TableFilter("score", "number", (ColumnCondition("greaterThan", 2.0),)),),
    "heatmap_x": "brand",
    "heatmap_y": "rim",
    "heatmap_metric": "share_flagged",
    "item": "SKU-0000001",
}


def test_every_field_of_the_state_takes_part_in_the_mask_key_unless_declared_otherwise() -> None:
    names = [field.name for field in dataclasses.fields(FilterState)]
    assert sorted(NON_DEFAULT) == sorted(names), "give the new FilterState field a value above"
    not_filtering = set(TABLE_ONLY_FIELDS) | {entry.field for entry in VIEWS}
    base = filter_key(FilterState())
    for name in names:
        changed = replace(FilterState(), **{name: NON_DEFAULT[name]})
        assert changed != FilterState(), name
        if name in not_filtering:
            assert filter_key(changed) == base, f"{name} only sets the view but changes the key"
        else:
            assert filter_key(changed) != base, f"{name} filters items but is not in the key"
            assert filter_key(changed).digest() != base.digest(), name
    assert not_filtering == {
        "table_sort",
        "table_filters",
        "heatmap_x",
        "heatmap_y",
        "heatmap_metric",
        "item",
    }


def test_the_filter_key_digest_is_stable_across_processes() -> None:
    state = parse({"min_score": 1, "segments": {"brand": ["Brand 01"]}}).state
    script = (
        "from dashboard.filters import FilterState, BarSelection, filter_key;"
        "print(filter_key(FilterState(min_score=1.0, segments=(('brand', ('Brand 01',)),)))"
        ".digest())"
    )
    other = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert other.stdout.strip() == filter_key(state).digest()
    assert len(filter_key(state).digest()) == 16


def test_segment_labels_read_the_same_from_the_data_and_from_a_client() -> None:
    values = pd.Series([17.0, 18.0, None, 17.0])
    codes = segment_codes(values)
    assert codes.labels == ("17", "18", "(missing)")
    for data_value, sent in [
        (np.float64(17.0), 17),
        (np.int64(17), "17"),
        (np.bool_(True), True),
        ("Brand\x0001", "Brand01"),
    ]:
        assert segment_label(data_value) == segment_label(sent)
    assert segment_label(None) == "(missing)"
    assert segment_label(2.5) == "2.5"


# -- chips ----------------------------------------------------------------------------------------


def busy_state() -> FilterState:
    return parse(
        {
            "segments": {
                "brand": ["Brand 01", "Brand 02", "Brand 03", "Brand 04"],
                "season": ["winter"],
            },
            "price_min": 10,
            "price_max": 99.5,
            "min_score": 0.5,
            "max_score": 3,
            "min_at_stake": 12_500,
            "directions": ["under"],
            "flagged_only": True,
            "search": "tyre",
            "selections": [
                {"kind": "bar", "column": "rim", "value": 17},
                {"kind": "box", "points": [[10, 10], [50, 60]]},
            ],
            "table_filters": {
                "score": {"filterType": "number", "type": "greaterThan", "filter": 2}
            },
            "table_sort": [{"colId": "score", "sort": "asc"}],
            "heatmap_x": "brand",
            "heatmap_y": "rim",
            "heatmap_metric": "share_flagged",
            "item": "SKU-0000001",
        }
    ).state


def test_every_active_filter_has_a_chip_with_a_readable_label() -> None:
    labels = {chip.key: chip.label for chip in chips(busy_state())}
    assert labels == {
        "price": "Price €10.00 – €99.50",
        "score": "Score ≥ 0.5",
        "smax": "Score ≤ 3",
        "stake": "At stake ≥ €12.5k",
        "dir": "Under-priced",
        "flagged": "Flagged only",
        "search": "Search: “tyre”",
        "seg:brand": "Brand: Brand 01, Brand 02, Brand 03 +1 more",
        "seg:season": "Season: winter",
        "sel:0:bar": "Rim = 17",
        "sel:1:scatter": "Box: fair 10–50, actual 10–60",
        "table:score": "Table Score: > 2",
    }
    assert chips(FilterState()) == []


def test_chips_speak_the_runs_currency_and_its_dataset_labels() -> None:
    display = Display(currency="SEK", labels={"brand": "Make"})
    labels = {chip.key: chip.label for chip in chips(busy_state(), display)}
    assert labels["price"] == "Price 10.00 SEK – 99.50 SEK"
    assert labels["stake"] == "At stake ≥ 12.5k SEK"
    assert labels["seg:brand"].startswith("Make: Brand 01")


def test_removing_a_chip_removes_exactly_that_filter() -> None:
    state = busy_state()
    before = chips(state)
    for chip in before:
        after = remove_chip(state, chip.key)
        # Compared by label: selection keys are positional, so later ones shift down.
        assert [c.label for c in chips(after)] == [c.label for c in before if c.key != chip.key]
        assert after.heatmap_metric == "share_flagged" and after.item == "SKU-0000001"
    assert remove_chip(state, "nonsense") == state


def test_clear_all_keeps_how_the_analyst_looks() -> None:
    cleared = clear_all(busy_state())
    assert chips(cleared) == []
    assert (cleared.heatmap_x, cleared.heatmap_y, cleared.heatmap_metric) == (
        "brand",
        "rim",
        "share_flagged",
    )
    assert cleared.table_sort == (("score", "asc"),)
    assert cleared.item == "SKU-0000001"


def test_clicking_a_selected_cell_again_removes_it_and_a_new_box_replaces_the_old() -> None:
    cell = CellSelection("brand", "Brand 01", "season", "winter")
    state = FilterState().with_selection(cell)
    assert state.selections == (cell,)
    other = CellSelection("brand", "Brand 02", "season", "winter")
    assert state.with_selection(other).selections == (other,)
    assert state.with_selection(cell).selections == ()
    box = RegionSelection("box", ((1.0, 1.0), (2.0, 2.0)))
    lasso = RegionSelection("lasso", ((1.0, 1.0), (2.0, 2.0), (1.0, 3.0)))
    both = state.with_selection(BarSelection("rim", "17")).with_selection(box).with_selection(lasso)
    assert both.selections == (cell, BarSelection("rim", "17"), lasso)
    assert both.without_selections("scatter").selections == (cell, BarSelection("rim", "17"))


# -- plotly events and table models ----------------------------------------------------------------


def test_region_from_plotly_reads_box_and_lasso_outlines() -> None:
    box = region_from_plotly({"points": [], "range": {"x": [80, 20], "y": [10, 90]}})
    assert box == RegionSelection("box", ((20.0, 10.0), (80.0, 90.0)))
    lasso = region_from_plotly({"lassoPoints": {"x": [1, 5, 3], "y": [1, 1, 4]}})
    assert lasso == RegionSelection("lasso", ((1.0, 1.0), (5.0, 1.0), (3.0, 4.0)))
    logged = region_from_plotly({"range": {"x": [1, 2], "y": [0, 3]}}, log_x=True, log_y=True)
    assert logged == RegionSelection("box", ((10.0, 1.0), (100.0, 1000.0)))
    assert region_from_plotly(None) is None
    assert region_from_plotly({"range": {"x": [1]}}) is None
    assert region_from_plotly({"lassoPoints": {"x": ["a", 1, 2], "y": [1, 2, 3]}}) is None


def test_sort_model_is_validated() -> None:
    sort, problems = parse_sort_model(
        [
            {"colId": "score", "sort": "asc"},
            {"colId": "secret", "sort": "asc"},
            {"colId": "brand", "sort": "up"},
        ],
        INFO,
    )
    assert sort == (("score", "asc"),)
    assert len(problems) == 2
    assert parse_sort_model([], INFO) == (DEFAULT_TABLE_SORT, ())
    assert parse_sort_model("score", INFO)[0] == DEFAULT_TABLE_SORT


def test_filter_model_is_validated() -> None:
    filters, problems = parse_filter_model(
        {
            "actual": {"filterType": "number", "type": "lessThan", "filter": "12.5"},
            "brand": {"filterType": "text", "type": "startsWith", "filter": "Bra"},
            "score": {"filterType": "text", "type": "contains", "filter": "1"},
            "fair_price": {"filterType": "number", "type": "inRange", "filter": 5, "filterTo": 1},
            "lower": {"filterType": "number", "type": "regex", "filter": 5},
            "nope": {"filterType": "text", "type": "contains", "filter": "x"},
        },
        INFO,
    )
    assert [f.column for f in filters] == ["actual", "brand"]
    assert filters[0].conditions[0].value == 12.5
    assert len(problems) == 4
    assert_sentences(problems)


def test_state_is_hashable_and_replace_keeps_it_frozen() -> None:
    state = busy_state()
    assert {state: 1}[replace(state)] == 1
    with pytest.raises(AttributeError):
        state.search = "x"  # type: ignore[misc]


# -- number filters: decimal comma, and a sentence for what is not understood --------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [("0,5", 0.5), ("0.5", 0.5), (" 12,25 ", 12.25), ("1.250,50", 1250.5), ("1,250.50", 1250.5)],
)
def test_a_number_filter_reads_a_decimal_comma(text: str, number: float) -> None:
    parsed = parse_filter_state({"min_score": text}, INFO, CATEGORIES)
    assert parsed.state.min_score == number and not parsed.problems
    assert chips(parsed.state)[0].label == f"Score ≥ {number:g}"


@pytest.mark.parametrize(
    ("raw", "field", "sentence"),
    [
        ({"min_score": "abc"}, "min_score", "Minimum score must be a number; 'abc' was ignored."),
        (
            {"price_min": "1,250"},
            "price_min",
            "Minimum price '1,250' could mean 1250 or 1.250; write it without the comma, or "
            "with a point. It was ignored.",
        ),
        ({"price_min": "-5"}, "price_min", "Minimum price cannot be negative; -5 was ignored."),
        ({"price_max": -1}, "price_max", "Maximum price cannot be negative; -1 was ignored."),
        (
            {"min_at_stake": "-0,5"},
            "min_at_stake",
            "Minimum money at stake cannot be negative; -0.5 was ignored.",
        ),
        (
            {"price_min": "200", "price_max": "100,5"},
            "price_min",
            "The minimum price is above the maximum price; the price range was ignored.",
        ),
    ],
)
def test_a_number_filter_not_understood_is_not_applied_and_gets_a_sentence(
    raw: dict[str, Any], field: str, sentence: str
) -> None:
    parsed = parse_filter_state(raw, INFO, CATEGORIES)
    assert parsed.state == FilterState()  # nothing of it applied
    assert parsed.problems == (sentence,)
    assert dict(parsed.field_problems) == {field: sentence}
    assert parsed.general_problems == ()


@pytest.mark.parametrize(
    ("link", "raw"),
    [
        ("score=abc", {"min_score": "abc"}),
        ("pmin=-5", {"price_min": "-5"}),
        ("pmin=200&pmax=100,5", {"price_min": "200", "price_max": "100,5"}),
        ("score=0%2C5", {"min_score": "0,5"}),
    ],
)
def test_a_crafted_link_gets_the_same_sentences_as_the_controls(
    link: str, raw: dict[str, Any]
) -> None:
    from_link = from_url_hash("#" + link, INFO, CATEGORIES)
    from_controls = parse_filter_state(raw, INFO, CATEGORIES)
    assert from_link == from_controls
