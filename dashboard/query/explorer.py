"""What the Outlier Explorer asks of a run, one function per question.

Each function takes the run and a validated :class:`~dashboard.filters.FilterState` and returns a
small plain result (a dataclass of numpy arrays, a DataFrame): never a figure or a component. Pass
the app's :class:`ExplorerIndexes` as ``indexes=`` so the per-run arrays and the caches of recent
masks and table orders are shared between requests; without it each call builds what it needs
itself (same results, slower: fine for tests and one-off scripts).

A chart is not filtered by its own selection, it highlights it: the scatter leaves out box/lasso
selections, the heatmap its cell, the bar chart its bar (``filter_mask(..., ignore=source)``).
Table column filters narrow the table and the export only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.filters.key import filter_key
from dashboard.filters.state import FilterState, SelectionSource, SortDirection, TableFilter
from dashboard.filters.table_model import parse_filter_model, parse_sort_model
from dashboard.query import explorer_charts, explorer_table
from dashboard.query.explorer_decisions import decisions_version
from dashboard.query.explorer_index import ExplorerIndexes, RunIndex, index_of
from dashboard.query.explorer_mask import cached_mask
from dashboard.query.explorer_types import (
    ExplorerKpis,
    HeatmapData,
    IntervalBand,
    ItemDetail,
    ScatterPoints,
    SegmentBars,
    TablePage,
)
from dashboard.query.overview import ScoreHistogram
from dashboard.runs import Run

MAX_PAGE_ROWS = 500
MAX_SCATTER_POINTS = 20_000

__all__ = [
    "MAX_PAGE_ROWS",
    "MAX_SCATTER_POINTS",
    "ChartSummaries",
    "ExplorerIndexes",
    "ExplorerKpis",
    "HeatmapData",
    "IntervalBand",
    "ItemDetail",
    "ScatterPoints",
    "SegmentBars",
    "TablePage",
    "chart_summaries",
    "default_bars_column",
    "default_heatmap_axes",
    "export_rows",
    "filter_mask",
    "heatmap",
    "item_detail",
    "item_row",
    "kpi_strip",
    "scatter_points",
    "score_distribution",
    "segment_bars",
    "segment_categories",
    "table_page",
]


def segment_categories(
    run: Run, *, indexes: ExplorerIndexes | None = None
) -> dict[str, tuple[str, ...]]:
    """Each segment column's values as the filters spell them, in the column's own order.

    Categories keep their order, integers sort numerically, yes/no columns read "False"/"True",
    and "(missing)" comes last when some items have no value. This is the ``categories`` argument
    of :func:`dashboard.filters.parse_filter_state` and the options of the segment dropdowns.
    """
    return index_of(run, indexes).categories()


def default_heatmap_axes(
    run: Run, state: FilterState, *, indexes: ExplorerIndexes | None = None
) -> tuple[str, str] | None:
    """The heatmap's axes as (x, y): the state's choice, else a readable pair of segment columns.

    The default puts a column with many values (up to 40) on the rows and one with few on the
    columns, and skips pairs where one column determines the other (brand × brand tier would be a
    diagonal of cells): such a pair says nothing the bar chart does not. ``None`` if the run has
    fewer than two segment columns.
    """
    if state.heatmap_x and state.heatmap_y:
        return state.heatmap_x, state.heatmap_y
    if indexes is None:
        return _choose_axes(run, state)
    key = ("default_heatmap_axes", state.heatmap_x, state.heatmap_y)
    return index_of(run, indexes).orders.get_or_make(key, lambda: _choose_axes(run, state))


def _choose_axes(run: Run, state: FilterState) -> tuple[str, str] | None:
    segments = [c for c in run.info.columns.segments if c in run.items.columns]
    rows = state.heatmap_y or _default_rows(run, segments, exclude=state.heatmap_x)
    columns = state.heatmap_x or _default_columns(run, segments, rows)
    if rows is None or columns is None or rows == columns:
        return None
    return columns, rows


def _value_counts(run: Run, column: str) -> int:
    return int(run.items[column].nunique(dropna=False))


def _default_rows(run: Run, segments: list[str], *, exclude: str | None) -> str | None:
    candidates = [c for c in segments if c != exclude]
    readable = [c for c in candidates if 4 <= _value_counts(run, c) <= 40]
    chosen = readable or candidates
    return chosen[0] if chosen else None


def _default_columns(run: Run, segments: list[str], rows: str | None) -> str | None:
    candidates = [c for c in segments if c != rows]
    if rows is None or not candidates:
        return None
    few = [c for c in candidates if 2 <= _value_counts(run, c) <= 12]
    for column in few:
        if not _determined_by(run, column, rows):
            return column
    return (few or candidates)[0]


def _determined_by(run: Run, column: str, rows: str, sample: int = 20_000) -> bool:
    """True when each value of ``rows`` goes with (almost) one value of ``column``, on a sample."""
    head = run.items.iloc[:sample]
    pairs = head.groupby([rows, column], observed=True, dropna=False).size()
    return len(pairs) <= 1.2 * max(head[rows].nunique(dropna=False), 1)


def filter_mask(
    run: Run,
    state: FilterState,
    *,
    ignore: SelectionSource | None = None,
    indexes: ExplorerIndexes | None = None,
) -> np.ndarray:
    """A read-only boolean array over ``run.items``: True for the items that pass ``state``.

    ``ignore`` leaves out the selections made on one chart ("heatmap", "bar" or "scatter"). Table
    column filters are not part of it (see :func:`table_page`).
    """
    return cached_mask(index_of(run, indexes), state, ignore)


def kpi_strip(
    run: Run, state: FilterState, *, indexes: ExplorerIndexes | None = None
) -> ExplorerKpis:
    """Items, flagged items (under/over), money at stake (under/over), share flagged and the
    median score of the flagged items that pass the filters."""
    index = index_of(run, indexes)
    return explorer_charts.kpis(index, cached_mask(index, state, None))


def scatter_points(
    run: Run,
    state: FilterState,
    *,
    max_points: int = MAX_SCATTER_POINTS,
    indexes: ExplorerIndexes | None = None,
) -> ScatterPoints:
    """Actual vs fair price of the filtered items, at most ``max_points`` plus every flagged item.

    The sample is seeded by the state, so redrawing the same view draws the same points.
    """
    index = index_of(run, indexes)
    mask = cached_mask(index, state, "scatter")
    own = None
    if any(s.source == "scatter" for s in state.selections):
        own = cached_mask(index, state, None)
    # Not seeded by the scatter's own box/lasso: it only highlights, so the same points stay drawn.
    seed = int(filter_key(state.without_selections("scatter")).digest(), 16)
    return explorer_charts.scatter(index, mask, own, max_points=max(int(max_points), 1), seed=seed)


def score_distribution(
    run: Run, state: FilterState, *, bins: int = 60, indexes: ExplorerIndexes | None = None
) -> ScoreHistogram:
    """Counts of filtered items outside their interval by score, under-priced left of zero, as on
    the Overview; the axis range is fixed per run so it does not jump while filtering."""
    index = index_of(run, indexes)
    return explorer_charts.score_histogram(index, cached_mask(index, state, None), bins=bins)


def heatmap(
    run: Run,
    state: FilterState,
    x: str,
    y: str,
    metric: str = "at_stake",
    *,
    indexes: ExplorerIndexes | None = None,
) -> HeatmapData:
    """Segment ``x`` against segment ``y``: money at stake on flagged items ("at_stake") or the
    share flagged ("share_flagged"), with the top 25 values per axis by money and the rest as
    "(other)". Not filtered by its own cell selection (it is reported in ``selected``).

    Raises ``KeyError`` if ``x`` or ``y`` is not a segment column of the run (a parsed state's
    axes always are), ``ValueError`` for an unknown metric.
    """
    if metric not in ("at_stake", "share_flagged"):
        raise ValueError(f"unknown heatmap metric {metric!r}")
    index = index_of(run, indexes)
    mask = cached_mask(index, state, "heatmap")
    return explorer_charts.heatmap(index, mask, state, x, y, metric)


def segment_bars(
    run: Run, state: FilterState, column: str, *, indexes: ExplorerIndexes | None = None
) -> SegmentBars:
    """Money at stake on flagged items per value of ``column`` (top 25, the rest as "(other)"),
    not filtered by this chart's own bar selection. Raises ``KeyError`` for a non-segment column."""
    index = index_of(run, indexes)
    mask = cached_mask(index, state, "bar")
    return explorer_charts.segment_bars(index, mask, state, column)


def table_page(
    run: Run,
    state: FilterState,
    start_row: object,
    end_row: object,
    sort_model: object = None,
    filter_model: object = None,
    *,
    indexes: ExplorerIndexes | None = None,
) -> TablePage:
    """Rows ``[start_row, end_row)`` of the filtered table for AG Grid's infinite row model.

    ``sort_model``/``filter_model`` are the grid's raw ``sortModel``/``filterModel`` from the block
    request; when ``None`` the state's ``table_sort``/``table_filters`` apply. They are validated
    here (unknown columns or filter types are ignored and explained in ``problems``), the page is
    capped at :data:`MAX_PAGE_ROWS` rows, and the filtered order is computed once per (state,
    order, filters) and reused for every block.
    """
    problems: list[str] = []
    sort, filters = state.table_sort, state.table_filters
    if sort_model is not None:
        sort, sort_problems = parse_sort_model(sort_model, run.info)
        problems.extend(sort_problems)
    if filter_model is not None:
        filters, filter_problems = parse_filter_model(filter_model, run.info)
        problems.extend(filter_problems)
    start, end, page_problems = explorer_table.page_bounds(start_row, end_row, MAX_PAGE_ROWS)
    problems.extend(page_problems)
    index = index_of(run, indexes)
    rows = _table_rows(index, state, sort, filters)
    page = rows[start:end]
    return TablePage(
        rows=explorer_table.page_records(index, page),
        row_count=len(rows),
        start_row=start,
        end_row=start + len(page),
        sort=sort,
        filters=filters,
        problems=tuple(problems),
    )


def export_rows(
    run: Run, state: FilterState, *, indexes: ExplorerIndexes | None = None
) -> pd.DataFrame:
    """Every row of the filtered table, in table order (the state's sort and column filters), with
    the displayed columns in the run's own types."""
    index = index_of(run, indexes)
    rows = _table_rows(index, state, state.table_sort, state.table_filters)
    return explorer_table.export_frame(run, index, rows)


def item_detail(
    run: Run, item_id: object, *, indexes: ExplorerIndexes | None = None
) -> ItemDetail | None:
    """The item's pricing and all its other columns, or ``None`` if the run has no such item."""
    if not isinstance(item_id, str) or not item_id:
        return None
    return explorer_table.item_detail(run, index_of(run, indexes), item_id)


def _table_rows(
    index: RunIndex,
    state: FilterState,
    sort: tuple[tuple[str, SortDirection], ...],
    filters: tuple[TableFilter, ...],
) -> np.ndarray:
    mask = cached_mask(index, state, None)
    mask_key = (filter_key(state), decisions_version(index, state))
    return explorer_table.table_order(index, mask, mask_key, sort, filters)


def default_bars_column(
    run: Run, state: FilterState, *, indexes: ExplorerIndexes | None = None
) -> str | None:
    """The bar chart's column: the first segment column that is not on the heatmap's axes, so the
    two charts show different cuts (derived from the state, so a link reproduces it)."""
    axes = default_heatmap_axes(run, state, indexes=indexes) or ()
    segments = [c for c in run.info.columns.segments if c in run.items.columns]
    return next((c for c in segments if c not in axes), segments[0] if segments else None)


@dataclass(frozen=True)
class ChartSummaries:
    """Every aggregate the Explorer's charts show for one state: cached as one entry, since they
    are always asked for together (the scatter's points are not here: they are large, and cheap to
    recompute from the per-process mask cache)."""

    kpis: ExplorerKpis
    scores: ScoreHistogram
    heatmap: HeatmapData | None
    bars: SegmentBars | None


def chart_summaries(
    run: Run, state: FilterState, *, indexes: ExplorerIndexes | None = None
) -> ChartSummaries:
    axes = default_heatmap_axes(run, state, indexes=indexes)
    column = default_bars_column(run, state, indexes=indexes)
    return ChartSummaries(
        kpis=kpi_strip(run, state, indexes=indexes),
        scores=score_distribution(run, state, indexes=indexes),
        heatmap=None
        if axes is None
        else heatmap(run, state, *axes, state.heatmap_metric, indexes=indexes),
        bars=None if column is None else segment_bars(run, state, column, indexes=indexes),
    )


def item_row(run: Run, item_id: object, *, indexes: ExplorerIndexes | None = None) -> int | None:
    """The row position of ``item_id`` in ``run.items``, or None if the run has no such item."""
    if not isinstance(item_id, str) or not item_id:
        return None
    return explorer_table.item_position(index_of(run, indexes), item_id)
