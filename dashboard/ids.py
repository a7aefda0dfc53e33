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
