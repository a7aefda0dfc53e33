"""Decisions: what analysts decided, by whom, how much of the money at stake that covers, and the
proposed repricings with their expected effect. Read-only for everyone; exportable.

Decisions are kept per dataset: the page shows one dataset's (the current run's by default, another
through ``?dataset=``) and counts them against that dataset's run on screen (the current run when
it is of that dataset, else the dataset's newest). Built per request from the database and the run
(decisions change while the run does not).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.datasets.store import DatasetStore
from dashboard.errors import InputError
from dashboard.formatting import count, money, percent
from dashboard.ids import Decisions
from dashboard.reviews.actions import ACTION_LABELS, REPRICE
from dashboard.reviews.model import HistoryEntry
from dashboard.reviews.summary import DecisionsSummary, decisions_frame, summarise
from dashboard.run_choice import dataset_names, decisions_run, default_dataset, name_of
from dashboard.runs import Run
from dashboard.services import Services
from layouts.widgets import MONEY_FORMAT, chart_card, kpi_card, notice

HISTORY_SHOWN = 50
_TABLE_COLUMNS = {
    "item_id": "Item",
    "decision": "Decision",
    "reason": "Reason",
    "note": "Note",
    "decided_by": "By",
    "decided_at": "When",
    "price": "Price",
    "fair_price": "Fair price",
    "at_stake": "At stake",
    "flagged_now": "Flagged now",
}
_MONEY_COLUMNS = {"price", "fair_price", "at_stake", "new_price", "expected_effect"}
# Text columns wide enough to read without resizing.
_WIDTHS = {"item_id": 190, "decision": 150, "reason": 220, "note": 200, "decided_at": 160}


def layout(services: Services, dataset: str | None = None) -> Component:
    reviewing = services.reviewing
    names = dataset_names(DatasetStore(services.settings.datasets_dir))
    decided = reviewing.decisions.datasets()
    chosen = dataset if dataset in names or dataset in decided else None
    chosen = chosen or default_dataset(services.runs)
    try:
        run = decisions_run(services.runs, chosen)
        loaded = services.runs.load(run.run_id) if run is not None else None
    except InputError as error:
        return notice(Decisions.EMPTY, "That run cannot be shown", str(error), "danger")
    frame = decisions_frame(reviewing.decisions.decisions(chosen).values(), loaded)
    summary = summarise(frame, loaded)
    history = reviewing.decisions.history(chosen, limit=HISTORY_SHOWN)
    return html.Div(
        [
            dcc.Store(id=Decisions.DATASET, data=chosen),
            _header(),
            _scope(chosen, names, decided, loaded),
            dcc.Download(id=Decisions.DOWNLOAD),
            _kpis(summary),
            _body(frame, summary, history),
        ],
        id=Decisions.PAGE,
        className="decisions",
    )


def _scope(
    chosen: str, names: dict[str, str], decided: dict[str, int], run: Run | None
) -> Component:
    """Which dataset's decisions these are, against which run; and the other datasets to look at."""
    against = (
        [" against run ", html.Strong(run.info.label), f" ({run.run_id})"]
        if run is not None
        else [" — the dataset has no run yet, so nothing counts as flagged now"]
    )
    choices = list(names) + sorted(slug for slug in decided if slug not in names)
    links = [
        dbc.NavItem(
            dbc.NavLink(
                f"{name_of(slug, names)} ({count(decided.get(slug, 0))})",
                href=f"/decisions?{urlencode({'dataset': slug})}",
                active=slug == chosen,
                class_name="py-1 px-2 small",
            )
        )
        for slug in choices
    ]
    return html.Div(
        [
            html.Div(
                ["Decisions on ", html.Strong(name_of(chosen, names)), *against, "."],
                id=Decisions.SCOPE,
                className="mb-2",
            ),
            dbc.Nav(links, id=Decisions.DATASETS, pills=True, className="mb-3 small")
            if len(choices) > 1
            else None,
        ]
    )


def _header() -> Component:
    return html.Div(
        [
            html.Div(
                [
                    html.H4("Decisions", className="mb-0"),
                    html.Div(
                        "What analysts decided about flagged items, and what it is worth.",
                        className="text-muted small",
                    ),
                ]
            ),
            html.Div(
                [
                    dbc.Button(
                        "CSV", id=Decisions.EXPORT_CSV, size="sm", color="secondary", outline=True
                    ),
                    dbc.Button(
                        "Excel",
                        id=Decisions.EXPORT_XLSX,
                        size="sm",
                        color="secondary",
                        outline=True,
                        className="ms-2",
                    ),
                ],
                className="ms-auto",
            ),
        ],
        className="d-flex align-items-center mb-3",
    )


def _kpis(summary: DecisionsSummary) -> Component:
    return dbc.Row(
        [
            kpi_card(
                f"{Decisions.KPIS}-decided",
                "Items decided",
                count(summary.decided),
                f"{count(summary.flagged_decided)} of {count(summary.flagged_now)} flagged now",
            ),
            kpi_card(
                f"{Decisions.KPIS}-covered",
                "At stake covered",
                money(summary.at_stake_covered),
                f"{percent(summary.share_covered)} of {money(summary.at_stake_flagged)} flagged",
            ),
            kpi_card(
                f"{Decisions.KPIS}-repricings",
                "Repricings proposed",
                count(summary.repricings),
                "new price × volume",
            ),
            kpi_card(
                f"{Decisions.KPIS}-effect",
                "Expected effect",
                _signed_money(summary.repricing_effect),
                "revenue change at today's volume",
            ),
            kpi_card(
                f"{Decisions.KPIS}-accepted",
                "Accepted as is",
                count(summary.by_action.get(ACTION_LABELS["accepted"], 0)),
                f"{count(summary.by_action.get(ACTION_LABELS['investigate'], 0))} to investigate",
            ),
            kpi_card(
                f"{Decisions.KPIS}-errors",
                "Data errors",
                count(summary.by_action.get(ACTION_LABELS["data_error"], 0)),
                "to fix at the source",
            ),
        ],
        className="g-3 mb-3",
    )


def _body(frame: pd.DataFrame, summary: DecisionsSummary, history: list[HistoryEntry]) -> Component:
    if frame.empty:
        return notice(
            Decisions.EMPTY,
            "No decisions yet",
            "Analysts review flagged items in the Explorer; their decisions appear here.",
            "info",
        )
    repricings = frame[frame["decision"].eq(ACTION_LABELS[REPRICE])]
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(chart_card(_all_decisions(frame)), xl=9, className="mb-3"),
                    dbc.Col(chart_card(_by_analyst(summary)), xl=3, className="mb-3"),
                ],
                className="g-3",
            ),
            dbc.Row(
                [
                    dbc.Col(chart_card(_repricings(repricings)), xl=7, className="mb-3"),
                    dbc.Col(chart_card(_history(history)), xl=5, className="mb-3"),
                ],
                className="g-3",
            ),
        ]
    )


def _all_decisions(frame: pd.DataFrame) -> list[Component]:
    columns = [
        {
            "field": name,
            "headerName": header,
            **(
                {"type": "rightAligned", "valueFormatter": MONEY_FORMAT}
                if name in _MONEY_COLUMNS
                else {}
            ),
        }
        | ({"minWidth": _WIDTHS[name]} if name in _WIDTHS else {})
        for name, header in _TABLE_COLUMNS.items()
    ]
    columns[0]["pinned"] = "left"
    return [
        html.H6(f"Every decision ({count(len(frame))})", className="mb-2"),
        _grid(Decisions.TABLE, frame, columns, height=420),
    ]


def _repricings(repricings: pd.DataFrame) -> list[Component]:
    columns: list[dict[str, Any]] = [
        {"field": "item_id", "headerName": "Item", "pinned": "left"},
        *[
            {
                "field": name,
                "headerName": header,
                "type": "rightAligned",
                "valueFormatter": MONEY_FORMAT,
            }
            for name, header in (
                ("price", "Price"),
                ("new_price", "New price"),
                ("fair_price", "Fair price"),
                ("volume", "Volume"),
                ("expected_effect", "Expected effect"),
            )
        ],
        {"field": "decided_by", "headerName": "By"},
    ]
    return [
        html.H6(f"Proposed repricings ({count(len(repricings))})", className="mb-2"),
        _grid(Decisions.REPRICINGS, repricings, columns, height=300),
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


def _history(history: list[HistoryEntry]) -> list[Component]:
    items = [
        html.Li(
            [
                html.Span(f"{entry.decided_at:%Y-%m-%d %H:%M} ", className="text-muted"),
                html.Strong(entry.decided_by),
                f" · {entry.item_id} · ",
                _change_text(entry),
            ],
            className="small mb-1",
        )
        for entry in history
    ]
    return [
        html.H6("Recent changes (audit history)", className="mb-2"),
        html.Ul(items, id=Decisions.HISTORY, className="list-unstyled decisions-history"),
    ]


def _change_text(entry: HistoryEntry) -> str:
    now = ACTION_LABELS.get(entry.action, entry.action)
    if entry.action == REPRICE and entry.new_price is not None:
        now = f"Reprice to {entry.new_price:,.2f}"
    if entry.previous_action is None:
        return now
    return f"{ACTION_LABELS.get(entry.previous_action, entry.previous_action)} → {now}"


def _grid(
    component_id: str, frame: pd.DataFrame, columns: list[dict[str, Any]], *, height: int
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
            "filter": True,
            "flex": 1,
            "minWidth": 100,
        },
        dashGridOptions={"pagination": True, "paginationPageSize": 50, "animateRows": False},
        style={"height": f"{height}px", "width": "100%"},
    )


def _signed_money(value: float) -> str:
    return ("+" if value > 0 else "−" if value < 0 else "") + money(abs(value))
