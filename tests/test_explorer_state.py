"""What each kind of Explorer event does to the filter state (the reducer's rules, without Dash)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from dashboard.explorer_state import GRID_SELECTION_COLUMN, ExplorerRun, Trigger, apply_event
from dashboard.figures.explorer import scatter_trace_codes
from dashboard.filters import BarSelection, CellSelection, FilterState, from_url_hash
from dashboard.filters.events import ExplorerEvents
from dashboard.ids import Explorer
from dashboard.query import explorer as q
from testkit.synthetic_run import synthetic_run

RUN = synthetic_run(2_000, seed=11)
CATEGORIES = q.segment_categories(RUN)
PAGE = ExplorerRun(RUN, ExplorerEvents(RUN.info, CATEGORIES), q.ExplorerIndexes())
ITEM = str(RUN.items["item_id"].iloc[5])


def state(text: str) -> FilterState:
    parsed = from_url_hash(text, RUN.info, CATEGORIES)
    assert parsed.problems == ()
    return parsed.state


def apply(
    previous: FilterState,
    component: Any,
    prop: str = "value",
    value: object = None,
    **inputs: Any,
) -> tuple[FilterState, tuple[str, ...]]:
    parsed = apply_event(PAGE, previous, Trigger(component, prop, value), inputs)
    return parsed.state, parsed.problems


def test_the_first_call_and_a_new_link_read_the_hash() -> None:
    for component in (None, Explorer.URL):
        new, problems = apply(FilterState(), component, "hash", url="#dir=under&smax=2")
        assert (new.directions, new.max_score, problems) == (("under",), 2.0, ())
    new, problems = apply(state("dir=over"), Explorer.URL, "hash", url=["not", "text"])
    assert new == FilterState() and problems == ("The link's filters could not be read.",)


def test_a_filter_control_sets_every_filter_from_the_controls_values() -> None:
    controls = {"min_score": 0.5, "max_score": "3", "directions": ["over"], "search": " tyre "}
    new, problems = apply(FilterState(), Explorer.MAX_SCORE, segments={}, **controls)
    assert (new.min_score, new.max_score, new.directions, new.search) == (
        0.5,
        3.0,
        ("over",),
        "tyre",
    )
    assert problems == ()
    _, problems = apply(FilterState(), Explorer.MIN_SCORE, min_score=4, max_score=1)
    assert problems == (
        "The minimum score is above the maximum score; the score range was ignored.",
    )


def test_a_view_control_is_read_only_when_it_is_the_one_that_changed() -> None:
    new, _ = apply(
        FilterState(), Explorer.FLAGGED_ONLY, flagged_only=True, heatmap_metric="share_flagged"
    )
    assert new.flagged_only and new.heatmap_metric == "at_stake"
    new, _ = apply(FilterState(), Explorer.HEATMAP_METRIC, heatmap_metric="share_flagged")
    assert new.heatmap_metric == "share_flagged"


def test_a_segment_dropdown_sets_its_column() -> None:
    season = CATEGORIES["season"][0]
    trigger = {"type": Explorer.SEGMENT, "column": "season"}
    new, _ = apply(FilterState(), trigger, segments={"season": [season], "brand": []})
    assert new.segments == (("season", (season,)),)


def test_a_chip_click_removes_its_filter_and_a_chip_drawn_without_a_click_does_not() -> None:
    before = state("score=0.5&smax=2&dir=under")
    chip = {"type": Explorer.CHIP, "key": "smax"}
    assert apply(before, chip, "n_clicks", 1)[0] == replace(before, max_score=None)
    assert apply(before, chip, "n_clicks", None)[0] == before
    assert apply(before, {"type": Explorer.CHIP, "key": ["x"]}, "n_clicks", 1)[0] == before


def test_clear_all_keeps_the_view() -> None:
    new, _ = apply(
        state("dir=under&hm=share_flagged&item=" + ITEM), Explorer.CLEAR_ALL, "n_clicks", 1
    )
    assert new == FilterState(heatmap_metric="share_flagged", item=ITEM)


def test_chart_clicks_select_the_cell_or_bar_under_the_pointer() -> None:
    x, y = q.default_heatmap_axes(RUN, FilterState(), indexes=PAGE.indexes) or ("", "")
    cell = {"points": [{"x": CATEGORIES[x][0], "y": CATEGORIES[y][0]}]}
    new, _ = apply(FilterState(), Explorer.HEATMAP, "clickData", heatmap_click=cell)
    assert new.selections == (CellSelection(x, CATEGORIES[x][0], y, CATEGORIES[y][0]),)
    column = q.default_bars_column(RUN, FilterState(), indexes=PAGE.indexes) or ""
    bar = {"points": [{"y": CATEGORIES[column][1]}]}
    new, _ = apply(FilterState(), Explorer.BARS, "clickData", bar_click=bar)
    assert new.selections == (BarSelection(column, CATEGORIES[column][1]),)
    assert (
        apply(FilterState(), Explorer.BARS, "clickData", bar_click={"points": "x"})[0]
        == FilterState()
    )


def test_a_box_on_the_scatter_selects_and_a_click_opens_the_item() -> None:
    box = {"range": {"x": [50, 120], "y": [40, 200]}}
    new, _ = apply(FilterState(), Explorer.SCATTER, "selectedData", scatter_selection=box)
    assert [s.label for s in new.selections] == ["Box: fair 50–120, actual 40–200"]
    points = q.scatter_points(RUN, FilterState(), indexes=PAGE.indexes)
    curve = next(i for i, code in enumerate(scatter_trace_codes(points)) if code is not None)
    click = {"points": [{"curveNumber": curve, "pointIndex": 0}]}
    new, problems = apply(FilterState(), Explorer.SCATTER, "clickData", scatter_click=click)
    assert new.item is not None and problems == ()
    assert q.item_detail(RUN, new.item) is not None


def test_a_table_cell_opens_its_item_unless_it_is_the_tick_box_or_unknown() -> None:
    new, _ = apply(
        FilterState(), Explorer.TABLE, "cellClicked", cell={"rowId": ITEM, "colId": "score"}
    )
    assert new.item == ITEM
    tick = {"rowId": ITEM, "colId": GRID_SELECTION_COLUMN}
    assert apply(FilterState(), Explorer.TABLE, "cellClicked", cell=tick)[0] == FilterState()
    new, problems = apply(FilterState(), Explorer.TABLE, "cellClicked", cell={"rowId": "nope"})
    assert new.item is None and problems == ("That item is not in this run.",)


def test_the_grids_row_request_sets_the_table_order_and_filters() -> None:
    request = {
        "sortModel": [{"colId": "actual", "sort": "asc"}],
        "filterModel": {"actual": {"filterType": "number", "type": "greaterThan", "filter": 50}},
    }
    new, _ = apply(FilterState(), Explorer.TABLE, "getRowsRequest", rows_request=request)
    assert new.table_sort == (("actual", "asc"),)
    assert [f.column for f in new.table_filters] == ["actual"]


@pytest.mark.parametrize(("is_open", "item"), [(False, None), (True, ITEM)])
def test_closing_the_detail_panel_closes_the_item(is_open: bool, item: str | None) -> None:
    new, _ = apply(state("item=" + ITEM), Explorer.DETAIL, "is_open", detail_open=is_open)
    assert new.item == item


def test_an_unknown_trigger_changes_nothing() -> None:
    before = state("dir=under")
    assert apply(before, "explorer-nothing-here", "value", 1)[0] == before
