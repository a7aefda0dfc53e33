"""The Explorer's KPI strip and four charts for one filter state.

Drawn by the charts callback on every filter change, and by the layout for the view a bare
``/explorer`` link opens, so the first view arrives with the page instead of two round trips later.
"""

from __future__ import annotations

from typing import Any

from dash.development.base_component import Component

from dashboard.figures.explorer import heatmap_figure, scatter_figure, segment_bars_figure
from dashboard.figures.overview import score_histogram_figure
from dashboard.figures.theme import Figure, empty_figure
from dashboard.filters import FilterState
from dashboard.query import explorer as q
from dashboard.query.explorer_memo import explorer_memoised
from dashboard.runs import Run
from dashboard.services import Services
from layouts.explorer_parts import kpi_strip

ChartViews = tuple[Component, Figure, Figure, Figure, Figure]


def chart_summaries(services: Services, run: Run, state: FilterState) -> Any:
    """The KPIs and chart aggregates, shared through the results cache by every worker."""
    indexes = services.explorer_indexes
    return explorer_memoised(
        services.results,
        indexes,
        run,
        "charts",
        state,
        lambda: q.chart_summaries(run, state, indexes=indexes),
    )


def chart_views(services: Services, run: Run, state: FilterState) -> ChartViews:
    summaries = chart_summaries(services, run, state)
    return (
        kpi_strip(summaries.kpis),
        scatter_figure(q.scatter_points(run, state, indexes=services.explorer_indexes)),
        score_histogram_figure(summaries.scores),
        heatmap_figure(summaries.heatmap)
        if summaries.heatmap
        else empty_figure("This run has fewer than two segment columns"),
        segment_bars_figure(summaries.bars)
        if summaries.bars
        else empty_figure("This run has no segment columns"),
    )
