"""Which items pass a filter state: cheap column tests first, polygons last, on what is left."""

from __future__ import annotations

import numpy as np

from dashboard.filters.fields import BOUNDS
from dashboard.filters.key import filter_key
from dashboard.filters.state import (
    DIRECTIONS,
    BarSelection,
    CellSelection,
    FilterState,
    RegionSelection,
    SelectionSource,
)
from dashboard.query.explorer_decisions import decision_mask, decisions_version
from dashboard.query.explorer_index import RunIndex


def cached_mask(index: RunIndex, state: FilterState, ignore: SelectionSource | None) -> np.ndarray:
    """The (read-only) mask for ``state``, computed once per state and kept in the index's cache.

    The key is the state's :func:`~dashboard.filters.key.filter_key`, so table sorting or opening
    an item reuses the mask the charts already computed.
    """
    if ignore is not None and not any(s.source == ignore for s in state.selections):
        ignore = None  # nothing to leave out: the same mask as the other charts', from the cache
    version = decisions_version(index, state)
    key = ("mask", filter_key(state), ignore, version)
    return index.masks.get_or_make(key, lambda: compute_mask(index, state, ignore, version))


def compute_mask(
    index: RunIndex,
    state: FilterState,
    ignore: SelectionSource | None,
    decisions: int | None = None,
) -> np.ndarray:
    """``decisions`` is the decisions version to filter with (see :func:`decisions_version`)."""
    mask = np.ones(index.rows, dtype=bool)
    for column, allowed in state.segments:
        segment = index.segments.get(column)
        if segment is not None:
            mask &= segment.lookup(allowed)[segment.codes]
    for entry in BOUNDS:
        assert entry.bound is not None
        column, side = entry.bound
        _bound(mask, getattr(index, column), getattr(state, entry.field), upper=side == "upper")
    if state.directions:
        allowed_directions = np.array([name in state.directions for name in DIRECTIONS])
        mask &= allowed_directions[index.direction]
    if state.flagged_only:
        mask &= index.flagged
    if state.search:
        mask &= index.search_mask(state.search)
    if state.decisions:
        version = decisions_version(index, state) if decisions is None else decisions
        mask &= decision_mask(index, state.decisions, version or 0)
    regions = []
    for selection in state.selections:
        if selection.source == ignore:
            continue
        if isinstance(selection, RegionSelection):
            regions.append(selection)  # the expensive test runs last, on the survivors only
        else:
            _apply_segment_selection(mask, index, selection)
    for region in regions:
        _apply_region(mask, index, region)
    mask.flags.writeable = False
    return mask


def _bound(mask: np.ndarray, values: np.ndarray, limit: float | None, *, upper: bool) -> None:
    if limit is None:
        return
    # NaN compares False both ways, so an item without the value never passes a bound.
    mask &= (values <= limit) if upper else (values >= limit)


def _apply_segment_selection(
    mask: np.ndarray, index: RunIndex, selection: CellSelection | BarSelection
) -> None:
    pairs = (
        [(selection.column, selection.value)]
        if isinstance(selection, BarSelection)
        else [(selection.x_column, selection.x_value), (selection.y_column, selection.y_value)]
    )
    for column, value in pairs:
        segment = index.segments.get(column)
        if segment is None:
            mask[:] = False
            return
        mask &= segment.lookup((value,))[segment.codes]


def _apply_region(mask: np.ndarray, index: RunIndex, region: RegionSelection) -> None:
    rows = np.flatnonzero(mask)
    x, y = index.fair_price[rows], index.actual[rows]
    if region.kind == "box":
        (x0, y0), (x1, y1) = region.points
        inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    else:
        # The bounding box is cheap and usually rules out most points before the per-edge pass.
        xs, ys = zip(*region.points, strict=True)
        inside = (x >= min(xs)) & (x <= max(xs)) & (y >= min(ys)) & (y <= max(ys))
        candidates = np.flatnonzero(inside)
        inside[candidates] = points_in_polygon(x[candidates], y[candidates], region.points)
    mask[rows[~inside]] = False


def points_in_polygon(
    x: np.ndarray, y: np.ndarray, polygon: tuple[tuple[float, float], ...]
) -> np.ndarray:
    """Even-odd ray casting, vectorised over points (one pass per edge, never per point)."""
    inside = np.zeros(len(x), dtype=bool)
    vertices = np.asarray(polygon, dtype=np.float64)
    for (xi, yi), (xj, yj) in zip(vertices, np.roll(vertices, 1, axis=0), strict=True):
        if yi == yj:
            continue  # a horizontal edge never crosses a horizontal ray
        crosses = (yi > y) != (yj > y)
        x_cross = (xj - xi) * (y - yi) / (yj - yi) + xi
        inside ^= crosses & (x < x_cross)
    return inside
