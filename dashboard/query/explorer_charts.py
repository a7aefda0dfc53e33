"""The Explorer's aggregates over a mask: KPIs, scatter sample, score histogram, heatmap, bars.

Everything here is whole-array numpy (bincount, take, boolean masks); nothing loops over rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.filters.state import BarSelection, CellSelection, FilterState
from dashboard.query.explorer_index import RunIndex
from dashboard.query.explorer_types import (
    OVER,
    UNDER,
    ExplorerKpis,
    HeatmapData,
    IntervalBand,
    ScatterPoints,
    SegmentBars,
)
from dashboard.query.overview import (
    OTHER_SEGMENTS,
    ScoreHistogram,
    score_bin_edges,
    score_bin_positions,
)

BAND_BINS = 24
BAND_SAMPLE = 20_000
HEATMAP_TOP = 25
BARS_TOP = 25


def kpis(index: RunIndex, mask: np.ndarray) -> ExplorerKpis:
    n_items = int(np.count_nonzero(mask))
    flagged = _flagged_rows(index, mask)
    directions = index.direction[flagged]
    counts = np.bincount(directions, minlength=3)
    money = np.bincount(directions, weights=index.at_stake[flagged], minlength=3)
    return ExplorerKpis(
        items=n_items,
        total_items=index.rows,
        flagged=len(flagged),
        flagged_under=int(counts[UNDER]),
        flagged_over=int(counts[OVER]),
        at_stake_under=float(money[UNDER]),
        at_stake_over=float(money[OVER]),
        share_flagged=len(flagged) / n_items if n_items else None,
        median_score_flagged=float(np.median(index.score[flagged])) if len(flagged) else None,
    )


def _flagged_rows(index: RunIndex, mask: np.ndarray) -> np.ndarray:
    return index.flagged_rows[mask[index.flagged_rows]]


def scatter(
    index: RunIndex,
    mask: np.ndarray,
    own_selection: np.ndarray | None,
    *,
    max_points: int,
    seed: int,
) -> ScatterPoints:
    rows = np.flatnonzero(mask)
    drawn = _sample_keeping_flagged(index, mask, rows, max_points, seed)
    return ScatterPoints(
        fair_price=index.fair_price[drawn].astype(np.float32),
        actual=index.actual[drawn].astype(np.float32),
        direction=index.direction[drawn],
        flagged=index.flagged[drawn],
        item_id=np.asarray(index.item_ids.take(drawn).to_pylist(), dtype=object),
        in_selection=None if own_selection is None else own_selection[drawn],
        drawn=len(drawn),
        total=len(rows),
        band=interval_band(index, rows),
    )


def _sample_keeping_flagged(
    index: RunIndex, mask: np.ndarray, rows: np.ndarray, max_points: int, seed: int
) -> np.ndarray:
    """Every flagged row, plus a seeded sample of the others up to ``max_points`` in all."""
    if len(rows) <= max_points:
        return rows
    flagged_rows = _flagged_rows(index, mask)
    other_rows = rows[~index.flagged[rows]]
    room = max(max_points - len(flagged_rows), 0)
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(other_rows), size=min(room, len(other_rows)), replace=False)
    return np.sort(np.concatenate([flagged_rows, other_rows[picked]]))


def interval_band(index: RunIndex, rows: np.ndarray) -> IntervalBand:
    """Median interval ratios in equal-count bins of fair price (on an even subsample if large)."""
    if len(rows) > BAND_SAMPLE:
        rows = rows[:: len(rows) // BAND_SAMPLE + 1]
    fair = index.fair_price[rows]
    usable = np.isfinite(fair) & (fair > 0)
    rows, fair = rows[usable], fair[usable]
    bins = min(BAND_BINS, len(rows))
    if bins == 0:
        empty = np.zeros(0)
        return IntervalBand(empty, empty, empty)
    per_bin = len(rows) // bins
    # Equal-count bins as the rows of a matrix, so each median is one vectorised call.
    chunks = np.argsort(fair, kind="stable")[: per_bin * bins].reshape(bins, per_bin)
    chunk_rows, chunk_fair = rows[chunks], fair[chunks]
    return IntervalBand(
        fair_price=np.median(chunk_fair, axis=1),
        lower_ratio=np.median(index.lower[chunk_rows] / chunk_fair, axis=1),
        upper_ratio=np.median(index.upper[chunk_rows] / chunk_fair, axis=1),
    )


def score_histogram(index: RunIndex, mask: np.ndarray, *, bins: int) -> ScoreHistogram:
    """Score of the filtered items outside their interval, under-priced to the left; the axis is
    fixed per run."""
    outside = index.outside_rows[mask[index.outside_rows]]
    is_under = index.direction[outside] == UNDER
    edges = score_bin_edges(index.score_clip, bins)
    position = score_bin_positions(index.score[outside], is_under, edges)
    return ScoreHistogram(
        edges=edges,
        under=np.bincount(position[is_under], minlength=bins),
        over=np.bincount(position[~is_under], minlength=bins),
        inside=int(np.count_nonzero(mask)) - len(outside),
        threshold=index.threshold,
        clipped_at=index.score_clip,
    )


def heatmap(
    index: RunIndex, mask: np.ndarray, state: FilterState, x: str, y: str, metric: str
) -> HeatmapData:
    x_seg, y_seg = index.segments[x], index.segments[y]
    flagged = _flagged_rows(index, mask)
    stake = index.at_stake[flagged]
    x_money = np.bincount(x_seg.codes[flagged], weights=stake, minlength=len(x_seg.labels))
    y_money = np.bincount(y_seg.codes[flagged], weights=stake, minlength=len(y_seg.labels))
    x_codes = np.asarray(x_seg.codes[mask])  # every filtered item, for the counts
    y_codes = np.asarray(y_seg.codes[mask])
    x_recode, x_labels = _top_values(x_codes, x_seg.labels, x_money, HEATMAP_TOP)
    y_recode, y_labels = _top_values(y_codes, y_seg.labels, y_money, HEATMAP_TOP)
    shape = (len(y_labels), len(x_labels))
    size = shape[0] * shape[1]

    def cells(x_of: np.ndarray, y_of: np.ndarray) -> np.ndarray:
        return y_recode[y_of] * len(x_labels) + x_recode[x_of]

    items = np.bincount(cells(x_codes, y_codes), minlength=size).reshape(shape)
    flagged_cells = cells(x_seg.codes[flagged], y_seg.codes[flagged])
    n_flagged = np.bincount(flagged_cells, minlength=size).reshape(shape)
    at_stake = np.bincount(flagged_cells, weights=stake, minlength=size).reshape(shape)
    if metric == "share_flagged":
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(items > 0, n_flagged / np.maximum(items, 1), np.nan)
    else:
        values = at_stake
    return HeatmapData(
        x_column=x,
        y_column=y,
        metric=metric,
        x_labels=x_labels,
        y_labels=y_labels,
        values=values,
        items=items,
        flagged=n_flagged,
        at_stake=at_stake,
        selected=_selected_cell(state, x, y),
    )


def _top_values(
    codes: np.ndarray, labels: tuple[str, ...], money: np.ndarray, top: int
) -> tuple[np.ndarray, tuple[str, ...]]:
    """A recoding table (old code → new code) keeping the ``top`` values by money (ties: by item
    count), in the column's own order, with every other value folded into a last "(other)"."""
    if len(labels) <= top:
        return np.arange(len(labels)), labels
    counts = np.bincount(codes, minlength=len(labels))
    ranking = np.lexsort((np.arange(len(labels)), -counts, -money))
    keep = np.sort(ranking[: top - 1])
    recode = np.full(len(labels), top - 1, dtype=np.int64)
    recode[keep] = np.arange(len(keep))
    return recode, (*(labels[k] for k in keep), OTHER_SEGMENTS)


def _selected_cell(state: FilterState, x: str, y: str) -> tuple[str, str] | None:
    for selection in state.selections:
        if not isinstance(selection, CellSelection):
            continue
        if (selection.x_column, selection.y_column) == (x, y):
            return selection.x_value, selection.y_value
        if (selection.x_column, selection.y_column) == (y, x):
            return selection.y_value, selection.x_value
    return None


def segment_bars(index: RunIndex, mask: np.ndarray, state: FilterState, column: str) -> SegmentBars:
    segment = index.segments[column]
    n = len(segment.labels)
    flagged = _flagged_rows(index, mask)
    codes = segment.codes[flagged]
    stake = index.at_stake[flagged]
    is_under = index.direction[flagged] == UNDER
    is_over = index.direction[flagged] == OVER
    under = np.bincount(codes[is_under], weights=stake[is_under], minlength=n)
    over = np.bincount(codes[is_over], weights=stake[is_over], minlength=n)
    items = np.bincount(segment.codes[mask], minlength=n)
    n_flagged = np.bincount(codes, minlength=n)
    shown = np.flatnonzero(items > 0)
    # Largest money first; ties by items, then in the column's own order.
    shown = shown[np.lexsort((shown, -items[shown], -(under + over)[shown]))]
    labels = np.array(segment.labels, dtype=object)
    table = pd.DataFrame(
        {
            "segment": labels[shown],
            "under": under[shown],
            "over": over[shown],
            "flagged": n_flagged[shown],
            "items": items[shown],
        }
    )
    if len(table) > BARS_TOP:
        head, tail = table.iloc[: BARS_TOP - 1], table.iloc[BARS_TOP - 1 :]
        rest = {"segment": OTHER_SEGMENTS, **tail[["under", "over", "flagged", "items"]].sum()}
        table = pd.concat([head, pd.DataFrame([rest])], ignore_index=True)
    selected = next(
        (s.value for s in state.selections if isinstance(s, BarSelection) and s.column == column),
        None,
    )
    return SegmentBars(
        column=column,
        table=table.astype({"segment": "str", "flagged": "int64", "items": "int64"}),
        selected=selected,
    )
