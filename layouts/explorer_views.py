"""The Explorer's KPI strip, four charts and a block of table rows for one filter state.

Drawn by the reducer on every filter change (only the parts whose data changed), by the charts
callback when a saved decision changes a view filtered by decision, and by the layout for the view
a bare ``/explorer`` link opens, so the first view arrives with the page.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from dash import Patch
from dash.development.base_component import Component

from dashboard.figures.explorer import (
    heatmap_figure,
    scatter_figure,
    scatter_highlights,
    segment_bars_figure,
)
from dashboard.figures.overview import score_histogram_figure
from dashboard.figures.theme import Figure, empty_figure
from dashboard.filters import FilterState, filter_model_of, sort_model_of
from dashboard.query import explorer as q
from dashboard.query.explorer_memo import explorer_memoised
from dashboard.reviews.annotate import annotate_rows
from dashboard.run_display import display_for
from dashboard.runs import Run
from dashboard.services import Services
from layouts.explorer_parts import kpi_strip

ChartViews = tuple[Component, Figure, Figure, Figure, Figure]
CHART_PARTS: tuple[str, ...] = ("kpis", "scatter", "scores", "heatmap", "bars")


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


def chart_views(
    services: Services, run: Run, state: FilterState, parts: Collection[str] = CHART_PARTS
) -> ChartViews:
    """Every chart for ``state``; the scatter (the one not cached) only if ``parts`` names it."""
    summaries = chart_summaries(services, run, state)
    display = display_for(services.settings, run.info)
    # The charts name their columns as the table and filters do ("Brand tier", not brand_tier).
    heatmap = summaries.heatmap and replace(
        summaries.heatmap,
        x_column=display.label(summaries.heatmap.x_column),
        y_column=display.label(summaries.heatmap.y_column),
    )
    bars = summaries.bars and replace(summaries.bars, column=display.label(summaries.bars.column))
    return (
        kpi_strip(summaries.kpis, display),
        scatter_figure(q.scatter_points(run, state, indexes=services.explorer_indexes))
        if "scatter" in parts
        else empty_figure(""),
        score_histogram_figure(summaries.scores),
        heatmap_figure(heatmap)
        if heatmap
        else empty_figure("This run has fewer than two segment columns"),
        segment_bars_figure(bars) if bars else empty_figure("This run has no segment columns"),
    )


def chart_parts(
    services: Services, run: Run, state: FilterState, parts: Collection[str]
) -> dict[str, Any]:
    """The KPIs and charts named in ``parts`` (of :data:`CHART_PARTS`), by name. When the scatter's
    points are the same (``parts`` lacks ``"scatter_points"``) and only its own box/lasso changed,
    the scatter is a patch of its highlight rather than a new figure."""
    highlight = None
    if "scatter" in parts and "scatter_points" not in parts:
        highlight = scatter_highlight(services, run, state)
    wanted = [
        p for p in CHART_PARTS if p in parts and not (p == "scatter" and highlight is not None)
    ]
    if not wanted:
        return {} if highlight is None else {"scatter": highlight}
    drawn = dict(zip(CHART_PARTS, chart_views(services, run, state, wanted), strict=True))
    views = {part: drawn[part] for part in wanted}
    return views if highlight is None else {**views, "scatter": highlight}


def scatter_highlight(services: Services, run: Run, state: FilterState) -> Patch | None:
    """The scatter's own selection as a patch of the figure on screen: the 20,000 points stay."""
    points = q.scatter_points(run, state, indexes=services.explorer_indexes)
    highlights = scatter_highlights(points)
    if highlights is None:
        return None
    patch = Patch()
    for index, changes in highlights.items():
        for key, value in changes.items():
            patch["data"][index][key] = value
    return patch


@dataclass(frozen=True)
class TableBlock:
    """One block of the table's rows as AG Grid's infinite model takes it, and the count line."""

    response: dict[str, Any]
    count: str


def table_block(
    services: Services,
    run: Run,
    state: FilterState,
    request: dict[str, Any],
) -> TableBlock:
    """Rows ``[startRow, endRow)`` of the table for ``state``; the request's ``sortModel`` and
    ``filterModel`` (the grid's own) override the state's order and column filters when given."""
    rows = q.table_page(
        run,
        state,
        request.get("startRow"),
        request.get("endRow"),
        request.get("sortModel"),
        request.get("filterModel"),
        indexes=services.explorer_indexes,
    )
    noun = "item" if rows.row_count == 1 else "items"
    count = f"{rows.row_count:,} {noun}" + (
        " · " + " ".join(rows.problems) if rows.problems else ""
    )
    annotated = annotate_rows(rows.rows, run, services.reviewing)
    return TableBlock({"rowData": annotated, "rowCount": rows.row_count}, count)


def first_rows(services: Services, run: Run, state: FilterState, rows: int) -> TableBlock:
    """The table's first ``rows`` rows for ``state``, with the order and column filters they were
    drawn with, so the grid can tell whether they answer its request for its first block."""
    block = table_block(services, run, state, {"startRow": 0, "endRow": rows})
    drawn_with = {
        "sortModel": sort_model_of(state.table_sort),
        "filterModel": filter_model_of(state.table_filters),
    }
    return TableBlock({**block.response, **drawn_with}, block.count)
