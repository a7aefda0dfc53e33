"""The small, plain results the Explorer's queries return (no figures, no components)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.filters.state import SortDirection, TableFilter

# Direction codes used in ScatterPoints.direction: DIRECTIONS[code].
UNDER, OVER, OK = 0, 1, 2


@dataclass(frozen=True)
class ExplorerKpis:
    """The KPI strip for the items that pass the filters."""

    items: int
    total_items: int
    flagged: int
    flagged_under: int
    flagged_over: int
    at_stake_under: float
    at_stake_over: float
    share_flagged: float | None
    median_score_flagged: float | None

    @property
    def at_stake(self) -> float:
        return self.at_stake_under + self.at_stake_over


@dataclass(frozen=True)
class IntervalBand:
    """The typical interval along fair price: binned medians, for drawing a band behind the points.

    ``lower_ratio``/``upper_ratio`` are the bins' median lower/fair and upper/fair; ``lower`` and
    ``upper`` are those ratios applied to the bins' median ``fair_price`` (ready to plot).
    """

    fair_price: np.ndarray
    lower_ratio: np.ndarray
    upper_ratio: np.ndarray

    @property
    def lower(self) -> np.ndarray:
        return self.fair_price * self.lower_ratio

    @property
    def upper(self) -> np.ndarray:
        return self.fair_price * self.upper_ratio


@dataclass(frozen=True)
class ScatterPoints:
    """The points to draw (x = fair price, y = actual) and how many there were.

    Above the point limit the unflagged items are sampled; flagged items are always all drawn, so
    ``drawn`` may exceed the limit when more items than that are flagged. ``direction`` holds codes
    (0 under, 1 over, 2 ok: index into ``dashboard.filters.DIRECTIONS``). ``in_selection`` marks the
    points inside the scatter's own box/lasso (the scatter is not filtered by it, it highlights it);
    ``None`` when there is no such selection.
    """

    fair_price: np.ndarray
    actual: np.ndarray
    direction: np.ndarray
    flagged: np.ndarray
    item_id: np.ndarray
    in_selection: np.ndarray | None
    drawn: int
    total: int
    band: IntervalBand

    @property
    def sampled(self) -> bool:
        return self.drawn < self.total


@dataclass(frozen=True)
class HeatmapData:
    """Two segment columns crossed: ``values[row, col]`` is for ``y_labels[row]`` × ``x_labels[col]``.

    ``metric`` "at_stake": money at stake on flagged items (0 for empty cells); "share_flagged":
    flagged / items (NaN for empty cells). Axis values beyond the top ones by money are summed into
    "(other)". ``selected`` is the heatmap's own selected cell as (x value, y value), or ``None``.
    """

    x_column: str
    y_column: str
    metric: str
    x_labels: tuple[str, ...]
    y_labels: tuple[str, ...]
    values: np.ndarray
    items: np.ndarray
    flagged: np.ndarray
    at_stake: np.ndarray
    selected: tuple[str, str] | None


@dataclass(frozen=True)
class SegmentBars:
    """Money at stake on flagged items per value of one column, largest first.

    ``table`` columns: ``segment`` (label), ``under``, ``over`` (money), ``flagged`` and ``items``
    (counts). ``selected`` is this chart's own selected value, or ``None``.
    """

    column: str
    table: pd.DataFrame
    selected: str | None


@dataclass(frozen=True)
class TablePage:
    """Rows ``[start_row, end_row)`` of the filtered, sorted table as JSON-ready records.

    ``row_count`` is how many rows match in all (AG Grid's ``rowCount``); ``sort`` and ``filters``
    are what was applied after validation; ``problems`` explains what in the request was ignored.
    """

    rows: list[dict[str, object]]
    row_count: int
    start_row: int
    end_row: int
    sort: tuple[tuple[str, SortDirection], ...]
    filters: tuple[TableFilter, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class ItemDetail:
    """One item for the detail panel: its pricing, then every other column of the run."""

    item_id: str
    actual: float
    fair_price: float
    lower: float
    upper: float
    score: float
    direction: str
    flagged: bool
    at_stake: float
    attributes: tuple[tuple[str, object], ...]
