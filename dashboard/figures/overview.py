"""Figures for the Overview (the score histogram is the Explorer's too).

The score is never negative on screen: a histogram mirrors its axis (under-priced items to the
left of zero, over-priced to the right) and labels every tick with the score itself, so "3" on the
chart is the "3" of the table, the detail panel and the "Score ≥ 3" chip.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from dashboard.display import Display
from dashboard.figures.bars import money_bars
from dashboard.figures.theme import (
    MUTED,
    NO_MATCH,
    OVER,
    UNDER,
    Figure,
    empty_figure,
    figure,
    typed,
)
from dashboard.query.overview import ScoreHistogram

#: The hover line under a bar the Overview links to the Explorer.
BAR_HINT = "click to open these items in the Explorer"
SCORE_AXIS_TITLE = "← Under-priced · Score · Over-priced →"


def at_stake_by_segment_figure(
    table: pd.DataFrame, column: str, display: Display | None = None, *, click_hint: str = ""
) -> Figure:
    """Horizontal stacked bars: money at stake on flagged items, under and over, per segment."""
    display = display or Display()
    return money_bars(
        table,
        display.label(column),
        flagged_counts="items",
        empty_message="No flagged items in this run",
        display=display,
        click_hint=click_hint,
    )


def score_histogram_figure(histogram: ScoreHistogram) -> Figure:
    """Items outside their interval by score, mirrored by direction; dashed lines mark the flag
    threshold and the outermost bins (labelled "≥ 4") hold the far tail."""
    outside = int(histogram.under.sum() + histogram.over.sum())
    if outside == 0:
        if histogram.inside == 0:
            return empty_figure(NO_MATCH)
        noun = "item is" if histogram.inside == 1 else "items are"
        return empty_figure(f"All {histogram.inside:,} {noun} inside their interval")
    edges = histogram.edges
    centres = (edges[:-1] + edges[1:]) / 2
    width = float(np.diff(edges).mean())
    ranges = _bin_ranges(edges, histogram.clipped_at)
    data = [
        {
            "type": "bar",
            "name": name,
            "x": typed(centres.astype(np.float32)),
            "y": typed(counts.astype(np.int32)),
            "width": width,
            "marker": {"color": colour},
            "customdata": ranges,
            "hovertemplate": "score %{customdata}<br>%{y:,} items<extra>" + name + "</extra>",
        }
        for name, counts, colour in (
            ("Under-priced", histogram.under, UNDER),
            ("Over-priced", histogram.over, OVER),
        )
    ]
    threshold_lines = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": side * histogram.threshold,
            "x1": side * histogram.threshold,
            "y0": 0,
            "y1": 1,
            "line": {"dash": "dash", "color": MUTED, "width": 1},
        }
        for side in (-1, 1)
    ]
    layout = {
        "barmode": "overlay",
        "bargap": 0,
        "shapes": threshold_lines,
        "xaxis": {
            "title": {"text": SCORE_AXIS_TITLE},
            "range": [float(edges[0]), float(edges[-1])],
            **score_ticks(histogram.clipped_at, width),
        },
        # Log counts: the tail that matters is a few items next to thousands near zero. Label only
        # the powers of ten; minor ticks crowd the axis.
        "yaxis": {"title": {"text": "Items"}, "type": "log", "dtick": 1},
    }
    # Short enough for the Explorer's narrow chart: a clipped subtitle says nothing.
    subtitle = (
        f"{histogram.inside:,} inside their interval, not shown · "
        f"dashed: flagged at {histogram.threshold:g}"
    )
    return figure(data, layout, title="Score distribution", subtitle=subtitle)


def score_ticks(clip: float, width: float) -> dict[str, object]:
    """Ticks of the mirrored score axis: round scores on both sides of zero, written without a
    sign, and "≥ clip" under each overflow bin."""
    step = 0.5 if clip <= 2 else 1.0 if clip <= 6 else float(math.ceil(clip / 5))
    whole = [step * i for i in range(1, int(clip / step) + 1) if clip - step * i >= 0.5 * step]
    overflow = clip + width / 2
    values = [-overflow, *(-k for k in reversed(whole)), 0.0, *whole, overflow]
    edge = f"≥ {clip:g}"
    text = [edge, *(f"{k:g}" for k in reversed(whole)), "0", *(f"{k:g}" for k in whole), edge]
    return {"tickmode": "array", "tickvals": values, "ticktext": text}


def _bin_ranges(edges: np.ndarray, clip: float) -> list[str]:
    # What each bin holds, as the score the table shows (never negative).
    ranges = []
    for low, high in itertools.pairwise(edges):
        start, end = sorted((abs(float(low)), abs(float(high))))
        ranges.append(f"≥ {clip:g}" if start >= clip - 1e-9 else f"{start:.2f}–{end:.2f}")
    return ranges
