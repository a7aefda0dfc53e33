"""Figures for the Overview (the score histogram is the Explorer's too)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.figures.bars import money_bars
from dashboard.figures.theme import MUTED, OVER, UNDER, Figure, empty_figure, figure, typed
from dashboard.query.overview import ScoreHistogram


def at_stake_by_segment_figure(table: pd.DataFrame, column_label: str) -> Figure:
    """Horizontal stacked bars: money at stake on flagged items, under and over, per segment."""
    return money_bars(
        table, column_label, flagged_counts="items", empty_message="No flagged items in this run"
    )


def score_histogram_figure(histogram: ScoreHistogram) -> Figure:
    """Items outside their interval by signed score; dashed lines mark the flag threshold."""
    if histogram.under.sum() + histogram.over.sum() == 0:
        return empty_figure("Every item is inside its interval")
    centres = (histogram.edges[:-1] + histogram.edges[1:]) / 2
    width = float(np.diff(histogram.edges).mean())
    data = [
        {
            "type": "bar",
            "name": name,
            "x": typed(centres.astype(np.float32)),
            "y": typed(counts.astype(np.int32)),
            "width": width,
            "marker": {"color": colour},
            "hovertemplate": "score %{x:.2f}<br>%{y:,} items<extra>" + short + "</extra>",
        }
        for name, short, counts, colour in (
            ("Under-priced", "under", histogram.under, UNDER),
            ("Over-priced", "over", histogram.over, OVER),
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
        "xaxis": {"title": {"text": "Score (← under-priced · over-priced →)"}},
        # Log counts: the tail that matters is a few items next to thousands near zero. Label only
        # the powers of ten; minor ticks crowd the axis.
        "yaxis": {"title": {"text": "Items"}, "type": "log", "dtick": 1},
    }
    subtitle = (
        f"{histogram.inside:,} inside their interval not shown · "
        f"dashed: flag threshold ±{histogram.threshold:g}"
    )
    return figure(data, layout, title="Score distribution", subtitle=subtitle)
