"""The Decisions page's tables: every decision, the repricings, the decisions made on other runs,
the audit history, and the counts by analyst and by decision."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html
from dash.development.base_component import Component

from dashboard.display import Display, format_timestamp
from dashboard.formatting import count
from dashboard.ids import Decisions
from dashboard.reviews.actions import ACTION_LABELS, EXTREME_LABEL, REPRICE, VERDICTS
from dashboard.reviews.model import HistoryEntry
from dashboard.reviews.summary import DecisionsSummary
from dashboard.runs import Run
from layouts.explorer_review import history_text
from layouts.widgets import chart_card, notice

HISTORY_SHOWN = 50
OTHER_RUNS_SHOWN = 200
#: The "Every decision" table: field → what the header says. ``shown_status`` and ``decided_when``
#: are made for the screen (see :func:`screen_records`).
_TABLE_COLUMNS = {
    "item_id": "Item",
    "decision": "Decision",
    "new_price": "New price",
    "shown_status": "Status",
    "reason": "Reason",
    "note": "Note",
    "decided_by": "By",
    "decided_when": "When",
    "decided_in_run": "Decided on run",
    "price": "Price",
    "fair_price": "Fair price",
    "at_stake": "At stake",
    "flagged_now": "Flagged in this run",
}
_MONEY_COLUMNS = {"price", "fair_price", "at_stake", "new_price", "expected_effect"}
# Text columns wide enough to read without resizing.
_WIDTHS = {
    "item_id": 190,
    "decision": 150,
    "shown_status": 270,
    "reason": 220,
    "note": 200,
    "decided_when": 180,
    "decided_in_run": 200,
}


def screen_records(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with what the screen shows beside the stored values: the status with the extreme
    mark, and readable times."""
    shown = frame.copy()
    by = shown["reviewed_by"].astype(str)
    status = shown["status"].astype(str).where(by.eq(""), shown["status"].astype(str) + " by " + by)
    extreme = shown["extreme"].astype(bool)
    marked = status.where(~extreme, (status + " · " + EXTREME_LABEL).str.lstrip(" ·"))
    shown["shown_status"] = marked
    shown["decided_when"] = [format_timestamp(_iso(v)) for v in shown["decided_at"]]
    shown["reviewed_when"] = [format_timestamp(_iso(v)) if v else "" for v in shown["reviewed_at"]]
    return shown


def _iso(stamp: str) -> str:
    """``"2026-11-29 08:45 UTC"`` (the frame's form) as ISO."""
    return str(stamp).replace(" UTC", "+00:00").replace(" ", "T", 1)


def other_runs_notice(frame: pd.DataFrame, summary: DecisionsSummary, run: Run | None) -> Component:
    """Decisions made on other runs of the dataset: counted against this run all the same, and
    listed, so a low coverage on a narrower run reads right."""
    if run is None or summary.other_runs == 0:
        return html.Div(id=Decisions.OTHER_RUNS)
    elsewhere = screen_records(frame[frame["decided_in_run"].ne(run.run_id)])
    lacking = (
        f" {count(summary.not_in_run)} of their items are not in this run, so they cannot count "
        "as covering its flags."
        if summary.not_in_run
        else ""
    )
    noun = "decision was" if summary.other_runs == 1 else "decisions were"
    rows = [
        html.Tr(
            [
                html.Td(str(row["item_id"])),
                html.Td(str(row["decision"])),
                html.Td(str(row["decided_by"])),
                html.Td(str(row["decided_when"])),
                html.Td(html.Code(str(row["decided_in_run"]))),
                html.Td("yes" if row["in_run"] else "not in this run"),
            ]
        )
        for row in elsewhere.head(OTHER_RUNS_SHOWN).to_dict("records")
    ]
    table = dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [html.Th(h) for h in ("Item", "Decision", "By", "When", "Run", "In this run")]
                )
            ),
            html.Tbody(rows),
        ],
        size="sm",
        className="small mb-0",
    )
    return dbc.Alert(
        [
            html.Div(
                f"{count(summary.other_runs)} {noun} made on other runs of this dataset.{lacking}",
                className="mb-1",
            ),
            html.Details(
                [html.Summary("Show them", className="small"), table],
                className="other-runs",
            ),
        ],
        id=Decisions.OTHER_RUNS,
        color="info",
        className="py-2 small",
    )


def decisions_body(
    frame: pd.DataFrame,
    summary: DecisionsSummary,
    history: list[HistoryEntry],
    display: Display,
) -> Component:
    if frame.empty:
        return notice(
            Decisions.EMPTY,
            "No decisions yet",
            "Analysts review flagged items in the Explorer; their decisions appear here.",
            "info",
        )
    shown = screen_records(frame)
    repricings = shown[shown["decision"].eq(ACTION_LABELS[REPRICE])]
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(chart_card(_all_decisions(shown, display)), xl=9, className="mb-3"),
                    dbc.Col(chart_card(_by_analyst(summary)), xl=3, className="mb-3"),
                ],
                className="g-3",
            ),
            dbc.Row(
                [
                    dbc.Col(chart_card(_repricings(repricings, display)), xl=7, className="mb-3"),
                    dbc.Col(chart_card(_history(history, display)), xl=5, className="mb-3"),
                ],
                className="g-3",
            ),
        ]
    )


def money_column(field: str, header: str, display: Display) -> dict[str, Any]:
    return {
        "field": field,
        "headerName": header,
        "type": "rightAligned",
        "valueFormatter": {"function": display.d3_money()},
    }


def _all_decisions(shown: pd.DataFrame, display: Display) -> list[Component]:
    columns = [
        (
            money_column(name, header, display)
            if name in _MONEY_COLUMNS
            else {"field": name, "headerName": header}
        )
        | ({"minWidth": _WIDTHS[name]} if name in _WIDTHS else {})
        for name, header in _TABLE_COLUMNS.items()
    ]
    columns[0]["pinned"] = "left"
    return [
        html.H6(f"Every decision ({count(len(shown))})", className="mb-2"),
        grid(Decisions.TABLE, shown, columns, height=420),
    ]


def _repricings(repricings: pd.DataFrame, display: Display) -> list[Component]:
    columns: list[dict[str, Any]] = [
        {"field": "item_id", "headerName": "Item", "pinned": "left", "minWidth": 150},
        money_column("price", "Price", display),
        money_column("new_price", "New price", display),
        money_column("fair_price", "Fair price", display),
        {"field": "volume", "headerName": "Volume", "type": "rightAligned"},
        money_column("expected_effect", "Expected effect", display),
        {"field": "shown_status", "headerName": "Status", "minWidth": 270},
        {"field": "decided_by", "headerName": "Proposed by"},
    ]
    return [
        html.H6(f"Repricings ({count(len(repricings))})", className="mb-1"),
        html.Div(
            "Expected effect: (new price − price) × volume, at today's volume.",
            className="small text-muted mb-2",
        ),
        grid(Decisions.REPRICINGS, repricings, columns, height=300, filterable=False),
    ]


def _by_analyst(summary: DecisionsSummary) -> list[Component]:
    rows = [
        html.Tr([html.Td(name), html.Td(count(n), className="text-end")])
        for name, n in summary.by_user.items()
    ]
    actions = [
        html.Tr([html.Td(label), html.Td(count(n), className="text-end")])
        for label, n in summary.by_action.items()
    ]
    return [
        html.H6("By analyst", className="mb-2"),
        dbc.Table(html.Tbody(rows), size="sm", borderless=True),
        html.H6("By decision", className="mb-2 mt-3"),
        dbc.Table(html.Tbody(actions), size="sm", borderless=True),
    ]


def _history(history: list[HistoryEntry], display: Display) -> list[Component]:
    items = [
        html.Li(
            [
                html.Span(f"{format_timestamp(entry.decided_at)} ", className="text-muted"),
                html.Strong(entry.decided_by),
                f" · {entry.item_id} · ",
                history_text(entry, display),
                f": “{entry.note}”" if entry.status in VERDICTS and entry.note else "",
            ],
            className="small mb-1",
        )
        for entry in history
    ]
    return [
        html.H6("Recent changes (audit history)", className="mb-2"),
        html.Ul(items, id=Decisions.HISTORY, className="list-unstyled decisions-history"),
    ]


def grid(
    component_id: str,
    frame: pd.DataFrame,
    columns: list[dict[str, Any]],
    *,
    height: int,
    filterable: bool = True,
    **extra: Any,
) -> Component:
    fields = [c["field"] for c in columns]
    records = frame.loc[:, fields].astype(object).where(frame.loc[:, fields].notna(), None)
    return dag.AgGrid(
        id=component_id,
        rowData=records.to_dict("records"),
        columnDefs=columns,
        defaultColDef={
            "sortable": True,
            "resizable": True,
            "filter": filterable,
            "flex": 1,
            "minWidth": 100,
        },
        dashGridOptions={"pagination": True, "paginationPageSize": 50, "animateRows": False}
        | extra.pop("dashGridOptions", {}),
        style={"height": f"{height}px", "width": "100%"},
        **extra,
    )
