"""Figures for the Overview page."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.theme import OVER, UNDER, empty_figure, styled
from dashboard.query.overview import ScoreHistogram


def at_stake_by_segment_figure(table: pd.DataFrame, column_label: str) -> go.Figure:
    """Horizontal stacked bars: money at stake on flagged items, under and over, per segment."""
    if table.empty:
        return empty_figure("No flagged items in this run")
    ordered = table.iloc[::-1]  # largest at the top of a horizontal bar chart
    figure = go.Figure(
        [
            go.Bar(
                name="Under-priced",
                y=ordered["segment"],
                x=ordered["under"],
                orientation="h",
                marker_color=UNDER,
                customdata=ordered["items"],
                hovertemplate="%{y}<br>Under-priced: %{x:,.0f}<br>%{customdata} flagged<extra></extra>",
            ),
            go.Bar(
                name="Over-priced",
                y=ordered["segment"],
                x=ordered["over"],
                orientation="h",
                marker_color=OVER,
                customdata=ordered["items"],
                hovertemplate="%{y}<br>Over-priced: %{x:,.0f}<br>%{customdata} flagged<extra></extra>",
            ),
        ]
    )
    figure.update_layout(barmode="stack", xaxis_title="Money at stake", yaxis_title=None)
    figure.update_xaxes(tickformat="~s")
    height = max(300, 28 * len(table) + 110)
    return styled(figure, title=f"Money at stake by {column_label}", height=height)


def score_histogram_figure(histogram: ScoreHistogram) -> go.Figure:
    """Items outside their interval by signed score; dashed lines mark the flag threshold."""
    if histogram.under.sum() + histogram.over.sum() == 0:
        return empty_figure("Every item is inside its interval")
    centres = (histogram.edges[:-1] + histogram.edges[1:]) / 2
    width = float(np.diff(histogram.edges).mean())
    figure = go.Figure(
        [
            go.Bar(
                name="Under-priced",
                x=centres,
                y=histogram.under,
                width=width,
                marker_color=UNDER,
                hovertemplate="score %{x:.2f}<br>%{y:,} items<extra>under</extra>",
            ),
            go.Bar(
                name="Over-priced",
                x=centres,
                y=histogram.over,
                width=width,
                marker_color=OVER,
                hovertemplate="score %{x:.2f}<br>%{y:,} items<extra>over</extra>",
            ),
        ]
    )
    for side in (-1, 1):
        figure.add_vline(
            x=side * histogram.threshold, line_dash="dash", line_color="#5c6b7a", line_width=1
        )
    figure.update_layout(barmode="overlay", bargap=0)
    figure.update_xaxes(title="Score (← under-priced · over-priced →)")
    # Log counts: the tail that matters is a few items next to thousands near zero. Label only the
    # powers of ten; minor ticks crowd the axis.
    figure.update_yaxes(title="Items", type="log", dtick=1)
    subtitle = (
        f"{histogram.inside:,} inside their interval not shown · "
        f"dashed: flag threshold ±{histogram.threshold:g}"
    )
    return styled(figure, title="Score distribution", subtitle=subtitle)
