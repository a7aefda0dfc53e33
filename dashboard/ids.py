"""Every component id in the app, per page: the one place both layouts and callbacks read them."""

from __future__ import annotations

from enum import StrEnum


class Shell(StrEnum):
    NAVBAR = "shell-navbar"
    RUN_BADGE = "shell-run-badge"


class Overview(StrEnum):
    RUN_SUMMARY = "overview-run-summary"
    NO_RUN = "overview-no-run"
    KPI_ITEMS = "overview-kpi-items"
    KPI_FLAGGED_UNDER = "overview-kpi-flagged-under"
    KPI_FLAGGED_OVER = "overview-kpi-flagged-over"
    KPI_AT_STAKE_UNDER = "overview-kpi-at-stake-under"
    KPI_AT_STAKE_OVER = "overview-kpi-at-stake-over"
    KPI_MODEL = "overview-kpi-model"
    SEGMENT_COLUMN = "overview-segment-column"
    SEGMENT_CHART = "overview-segment-chart"
    SCORE_CHART = "overview-score-chart"
    TOP_TABLE = "overview-top-table"
    RUN_ID = "overview-run-id"


class Explorer(StrEnum):
    URL = "explorer-url"
    RUN_ID = "explorer-run-id"
    # The canonical URL hash of the whole view, split by what each consumer needs, so that a change
    # to the table's order does not redraw the charts and opening an item redraws neither.
    CHART_STATE = "explorer-chart-state"
    TABLE_STATE = "explorer-table-state"
    ITEM_STATE = "explorer-item-state"
    PROBLEMS = "explorer-problems"
    CHIPS = "explorer-chips"
    CHIP = "explorer-chip"  # pattern-matching type: {"type": CHIP, "key": <chip key>}
    CLEAR_ALL = "explorer-clear-all"
    SEARCH = "explorer-search"
    DIRECTIONS = "explorer-directions"
    FLAGGED_ONLY = "explorer-flagged-only"
    MIN_SCORE = "explorer-min-score"
    MIN_AT_STAKE = "explorer-min-at-stake"
    PRICE_MIN = "explorer-price-min"
    PRICE_MAX = "explorer-price-max"
    SEGMENT = "explorer-segment"  # pattern-matching type: {"type": SEGMENT, "column": <name>}
    KPIS = "explorer-kpis"
    SCATTER = "explorer-scatter"
    SCORES = "explorer-scores"
    HEATMAP = "explorer-heatmap"
    HEATMAP_X = "explorer-heatmap-x"
    HEATMAP_Y = "explorer-heatmap-y"
    HEATMAP_METRIC = "explorer-heatmap-metric"
    BARS = "explorer-bars"
    TABLE = "explorer-table"
    TABLE_COUNT = "explorer-table-count"
    EXPORT_CSV = "explorer-export-csv"
    EXPORT_XLSX = "explorer-export-xlsx"
    DOWNLOAD = "explorer-download"
    GRID_PURGE = "explorer-grid-purge"
    DETAIL = "explorer-detail"
    DETAIL_BODY = "explorer-detail-body"
    COPY_LINK = "explorer-copy-link"
