"""Every chart as a reader sees it: money ticks on log axes, one sign for the score, labelled
overflow bins, and an honest empty state when nothing matches."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from dashboard.display import Display
from dashboard.figures.axes import log_money_ticks
from dashboard.figures.explorer import (
    heatmap_figure,
    item_interval_figure,
    scatter_figure,
    segment_bars_figure,
)
from dashboard.figures.overview import at_stake_by_segment_figure, score_histogram_figure
from dashboard.figures.theme import NO_MATCH
from dashboard.filters import FilterState
from dashboard.query import explorer
from dashboard.query.overview import at_stake_by_segment, score_histogram
from testkit.synthetic_run import synthetic_run

RUN = synthetic_run(3_000, seed=11)
NOTHING = FilterState(search="no item is called this")
EVERYTHING = FilterState()


def annotations(figure: dict[str, Any]) -> list[str]:
    return [a["text"] for a in figure["layout"].get("annotations", [])]


def is_empty_state(figure: dict[str, Any], message: str) -> bool:
    """Says ``message``, draws nothing, shows no axes and no colour bar."""
    layout = figure["layout"]
    return (
        annotations(figure) == [message]
        and figure["data"] == []
        and layout["xaxis"].get("visible") is False
        and layout["yaxis"].get("visible") is False
    )


def test_log_ticks_are_full_amounts_with_the_currency() -> None:
    ticks = log_money_ticks(40.0, 1_200.0, Display())
    assert ticks["ticktext"] == ["€50", "€100", "€200", "€500", "€1k"]
    assert ticks["tickvals"] == [50.0, 100.0, 200.0, 500.0, 1000.0]
    wide = log_money_ticks(0.8, 90_000.0, Display(currency="SEK"))
    assert wide["ticktext"] == ["1 SEK", "10 SEK", "100 SEK", "1k SEK", "10k SEK"]
    narrow = log_money_ticks(95.0, 140.0, Display(currency="USD"))
    assert narrow["ticktext"] == ["$100", "$120", "$140"]


def test_scatter_axes_carry_currency_ticks_from_the_data_range() -> None:
    figure = scatter_figure(explorer.scatter_points(RUN, EVERYTHING), Display(currency="GBP"))
    for axis in ("xaxis", "yaxis"):
        layout = figure["layout"][axis]
        assert layout["type"] == "log" and "dtick" not in layout
        assert len(layout["ticktext"]) >= 4
        # Every tick a whole amount with its sign: "£200", never a bare "2".
        assert all(re.fullmatch(r"£\d+(\.\d+)?[kM]?", text) for text in layout["ticktext"])
    assert figure["layout"]["xaxis"]["title"]["text"] == "Fair price"
    assert "£%{y:,.2f}" in figure["data"][-1]["hovertemplate"]


def test_score_histogram_shows_scores_without_a_sign_and_mirrors_direction() -> None:
    histogram = score_histogram(RUN)
    figure = score_histogram_figure(histogram)
    axis = figure["layout"]["xaxis"]
    assert "Under-priced" in axis["title"]["text"] and "Over-priced" in axis["title"]["text"]
    assert not any(text.startswith(("-", "−")) for text in axis["ticktext"])
    # The same score reads the same on both sides: the tick at −2 says "2", as the table would.
    by_value = dict(zip(axis["tickvals"], axis["ticktext"], strict=True))
    assert by_value[-2.0] == by_value[2.0] == "2"
    for trace in figure["data"]:
        assert not any(text.startswith(("-", "−")) for text in trace["customdata"])


def test_score_overflow_bins_are_labelled_and_hold_the_tail() -> None:
    # A few scores far past the rest, on both sides.
    items = RUN.items.copy()
    planted = (("under", 9.5), ("over", 8.0), ("under", 12.0), ("over", 14.0))
    for nth, (direction, score) in enumerate(planted):
        row = items.index[(items["direction"] == direction) & (items["score"] > 1)][nth]
        items.loc[row, "score"] = score
    histogram = score_histogram(replace(RUN, items=items))
    clip = histogram.clipped_at
    assert clip == int(clip)
    tail = items[items["score"] >= clip]
    assert {"under", "over"} <= set(tail["direction"])
    assert histogram.under[0] == int((tail["direction"] == "under").sum())
    assert histogram.over[-1] == int((tail["direction"] == "over").sum())
    assert histogram.under[1:].sum() + histogram.over[:-1].sum() == int(
        ((items["score"] > 0) & (items["score"] < clip)).sum()
    )
    figure = score_histogram_figure(histogram)
    axis = figure["layout"]["xaxis"]
    assert axis["ticktext"][0] == axis["ticktext"][-1] == f"≥ {clip:g}"
    centres = (histogram.edges[:-1] + histogram.edges[1:]) / 2
    assert axis["tickvals"][-1] == pytest.approx(centres[-1])
    under, over = figure["data"]
    assert under["customdata"][0] == over["customdata"][-1] == f"≥ {clip:g}"


def test_explorer_score_histogram_bins_like_the_overview() -> None:
    mine = explorer.score_distribution(RUN, EVERYTHING)
    overview = score_histogram(RUN)
    np.testing.assert_array_equal(mine.under, overview.under)
    np.testing.assert_array_equal(mine.over, overview.over)
    assert mine.clipped_at == overview.clipped_at


def test_every_explorer_chart_has_an_honest_empty_state() -> None:
    summaries = explorer.chart_summaries(RUN, NOTHING)
    assert summaries.heatmap is not None and summaries.bars is not None
    assert is_empty_state(scatter_figure(explorer.scatter_points(RUN, NOTHING)), NO_MATCH)
    assert is_empty_state(score_histogram_figure(summaries.scores), NO_MATCH)
    heatmap = heatmap_figure(summaries.heatmap)
    assert is_empty_state(heatmap, NO_MATCH)
    assert "colorbar" not in str(heatmap)
    assert is_empty_state(segment_bars_figure(summaries.bars), NO_MATCH)


def test_charts_of_items_without_flags_say_so_rather_than_draw_a_scale() -> None:
    column = RUN.info.columns.segments[0]
    inside = FilterState(max_score=0.0)  # only items inside their interval
    summaries = explorer.chart_summaries(RUN, inside)
    assert summaries.heatmap is not None and summaries.bars is not None
    count = summaries.scores.inside
    assert annotations(score_histogram_figure(summaries.scores)) == [
        f"All {count:,} items are inside their interval"
    ]
    assert "No money at stake" in annotations(heatmap_figure(summaries.heatmap))[0]
    bars = segment_bars_figure(explorer.segment_bars(RUN, inside, column))
    assert annotations(bars) == [
        f"No money at stake by {Display().label(column)} for these filters"
    ]


def test_heatmap_scale_starts_at_zero_with_labels_and_currency() -> None:
    summaries = explorer.chart_summaries(RUN, EVERYTHING)
    assert summaries.heatmap is not None
    figure = heatmap_figure(summaries.heatmap, Display(currency="USD"))
    trace = figure["data"][0]
    assert trace["zmin"] == 0 and trace["zmax"] > 0
    assert trace["colorbar"]["tickprefix"] == "$"
    x_label = Display().label(summaries.heatmap.x_column)
    assert figure["layout"]["xaxis"]["title"]["text"] == x_label


def test_money_bars_read_in_the_currency_with_the_column_label() -> None:
    column = (
        "brand_tier" if "brand_tier" in RUN.info.columns.segments else RUN.info.columns.segments[0]
    )
    figure = at_stake_by_segment_figure(
        at_stake_by_segment(RUN, column), column, Display(currency="CHF")
    )
    assert figure["layout"]["title"]["text"] == f"Money at stake by {Display().label(column)}"
    assert figure["layout"]["xaxis"]["ticksuffix"] == " CHF"
    assert "%{x:,.0f} CHF" in figure["data"][0]["hovertemplate"]
    empty = at_stake_by_segment(RUN, column).iloc[0:0]
    assert is_empty_state(at_stake_by_segment_figure(empty, column), "No flagged items in this run")


def test_item_interval_axis_carries_the_currency() -> None:
    figure = item_interval_figure(99.5, 120.0, 110.0, 130.0, display=Display(currency="EUR"))
    assert figure["layout"]["xaxis"]["tickprefix"] == "€"
    assert "€%{x:,.2f}" in figure["data"][1]["hovertemplate"]


def test_long_chart_notes_sit_in_subtitles_clear_of_the_mode_bar() -> None:
    from layouts.widgets import GRAPH_CONFIG

    assert GRAPH_CONFIG["displayModeBar"] == "hover"
    points = explorer.scatter_points(RUN, EVERYTHING, max_points=100)
    assert points.sampled
    figure = scatter_figure(points)
    assert figure["layout"]["title"]["text"] == "Price against fair price"
    assert "drawn" in figure["layout"]["title"]["subtitle"]["text"]
