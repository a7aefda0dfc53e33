"""The Decisions page's approval cards: the repricings pending approval (Approve / Reject for
analysts) and the price-change file of the approved ones (CSV or Excel, with its effective date,
and when it was last exported).

Viewers see both cards without their controls; the callbacks check the role again
(:mod:`callbacks.decisions`), and that nobody approves their own reprice unless they are an admin.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html
from dash.development.base_component import Component

from dashboard.auth import Identity, Role
from dashboard.display import Display, format_timestamp
from dashboard.formatting import count
from dashboard.ids import Decisions
from dashboard.reviews.actions import ACTION_LABELS, APPROVED, PROPOSED, REPRICE, STATUS_LABELS
from dashboard.reviews.exports import ExportRecord
from dashboard.reviews.price_changes import default_effective_date
from dashboard.reviews.summary import DecisionsSummary
from layouts.decisions_tables import grid, money_column, screen_records
from layouts.widgets import chart_card

KIND_NAMES = {"csv": "CSV", "xlsx": "Excel"}
#: AG Grid row selection with a checkbox column.
ROW_SELECTION = {
    "mode": "multiRow",
    "checkboxes": True,
    "headerCheckbox": True,
    "enableClickSelection": False,
}


def can_approve(identity: Identity | None) -> bool:
    """Whether to show Approve / Reject and the price-change buttons (``None``: the validation
    layout at start-up, which must hold every control a callback names)."""
    return identity is None or identity.can(Role.ANALYST)


def approval_row(
    frame: pd.DataFrame,
    summary: DecisionsSummary,
    display: Display,
    identity: Identity | None,
    last_export: ExportRecord | None,
    verdict_message: Component | None = None,
) -> Component:
    repricings = frame[frame["decision"].eq(ACTION_LABELS[REPRICE])] if not frame.empty else frame
    pending = repricings[repricings["status"].eq(STATUS_LABELS[PROPOSED])]
    return dbc.Row(
        [
            dbc.Col(
                chart_card(_pending(pending, display, identity, verdict_message)),
                xl=7,
                className="mb-3",
            ),
            dbc.Col(
                chart_card(_price_change_file(summary, identity, last_export)),
                xl=5,
                className="mb-3",
            ),
        ],
        className="g-3",
    )


def _pending(
    pending: pd.DataFrame,
    display: Display,
    identity: Identity | None,
    verdict_message: Component | None,
) -> list[Component]:
    columns: list[dict[str, Any]] = [
        {"field": "item_id", "headerName": "Item", "pinned": "left", "minWidth": 150},
        money_column("price", "Price", display),
        money_column("new_price", "New price", display),
        money_column("expected_effect", "Expected effect", display) | {"minWidth": 130},
        {"field": "shown_status", "headerName": "Status", "minWidth": 250},
        {"field": "decided_by", "headerName": "Proposed by"},
        {"field": "note", "headerName": "Note", "minWidth": 160},
        # The version the analyst saw: a verdict on a reprice that changed meanwhile is a conflict.
        {"field": "version", "hide": True},
    ]
    shown = screen_records(pending) if len(pending) else pending.assign(shown_status="")
    body: list[Component] = [
        html.H6(f"Pending approval ({count(len(pending))})", className="mb-1"),
        html.Div(
            "A reprice counts in the expected effect and reaches the price-change file only once "
            "someone other than the analyst who proposed it approves it.",
            className="small text-muted mb-2",
        ),
    ]
    if not len(pending):
        body.append(html.Div("Nothing is waiting for approval.", className="small mb-2"))
    body.append(
        grid(
            Decisions.PENDING,
            shown,
            columns,
            height=240 if len(pending) else 110,
            getRowId="params.data.item_id",
            dashGridOptions={
                "rowSelection": ROW_SELECTION,
                "pagination": True,
                "paginationPageSize": 50,
                "animateRows": False,
            },
        )
    )
    if can_approve(identity):
        body.append(_verdict_controls(bool(len(pending))))
    body.append(html.Div(verdict_message, id=Decisions.VERDICT_FEEDBACK, className="mt-2"))
    return body


def _verdict_controls(enabled: bool) -> Component:
    return dbc.Row(
        [
            dbc.Col(
                dbc.Input(
                    id=Decisions.VERDICT_NOTE,
                    placeholder="Note (optional)",
                    size="sm",
                    maxLength=2_000,
                    disabled=not enabled,
                ),
                md=6,
            ),
            dbc.Col(
                [
                    dbc.Button(
                        "Approve selected",
                        id=Decisions.APPROVE,
                        color="primary",
                        size="sm",
                        n_clicks=0,
                        disabled=not enabled,
                    ),
                    dbc.Button(
                        "Reject selected",
                        id=Decisions.REJECT,
                        color="danger",
                        outline=True,
                        size="sm",
                        n_clicks=0,
                        disabled=not enabled,
                        className="ms-2",
                    ),
                ],
                md=6,
                className="d-flex",
            ),
        ],
        className="g-2 mt-2",
    )


def _price_change_file(
    summary: DecisionsSummary, identity: Identity | None, last_export: ExportRecord | None
) -> list[Component]:
    today = datetime.now(UTC).date()
    body: list[Component] = [
        html.H6("Price-change file", className="mb-1"),
        html.Div(
            f"{count(summary.approved)} approved price "
            f"change{'s' if summary.approved != 1 else ''}: item id, old price, new price, "
            "effective date, approver; plain numbers, for the pricing system to import.",
            className="small text-muted mb-2",
        ),
    ]
    if can_approve(identity):
        body.append(
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label(
                                "Effective date",
                                html_for=Decisions.EFFECTIVE_DATE,
                                className="small mb-0",
                            ),
                            dbc.Input(
                                id=Decisions.EFFECTIVE_DATE,
                                type="date",
                                value=default_effective_date(today).isoformat(),
                                min=today.isoformat(),
                                size="sm",
                            ),
                        ],
                        md=6,
                    ),
                    dbc.Col(
                        [
                            dbc.Button(
                                "CSV",
                                id=Decisions.PRICE_CHANGE_CSV,
                                size="sm",
                                color="primary",
                                n_clicks=0,
                                disabled=summary.approved == 0,
                            ),
                            dbc.Button(
                                "Excel",
                                id=Decisions.PRICE_CHANGE_XLSX,
                                size="sm",
                                color="primary",
                                outline=True,
                                n_clicks=0,
                                disabled=summary.approved == 0,
                                className="ms-2",
                            ),
                        ],
                        md=6,
                        className="d-flex align-items-end",
                    ),
                ],
                className="g-2",
            )
        )
        body.append(html.Div(id=Decisions.PRICE_CHANGE_FEEDBACK, className="mt-2"))
    body.append(
        html.Div(last_export_text(last_export), id=Decisions.LAST_EXPORT, className="small mt-2")
    )
    return body


def last_export_text(record: ExportRecord | None) -> str:
    if record is None:
        return "Not exported yet."
    rows = f"{count(record.rows)} price change{'s' if record.rows != 1 else ''}"
    effective = datetime.fromisoformat(record.effective_date)
    return (
        f"Last exported {format_timestamp(record.exported_at)} by {record.exported_by}: {rows}, "
        f"{KIND_NAMES.get(record.kind, record.kind)}, effective {effective:%-d %b %Y}."
    )


def verdict_feedback(
    done: int, verdict: str, refused: list[str], error: str | None = None
) -> Component:
    if error:
        return dbc.Alert(error, color="danger", className="py-1 px-2 small mb-0")
    parts: list[Component] = []
    if done:
        word = "Approved" if verdict == APPROVED else "Rejected"
        parts.append(
            dbc.Alert(
                f"{word} {done} reprice{'s' if done != 1 else ''}.",
                color="success",
                className="py-1 px-2 small mb-1 verdict-done",
            )
        )
    if refused:
        parts.append(
            dbc.Alert(
                html.Ul([html.Li(r) for r in refused], className="mb-0"),
                color="warning",
                className="py-1 px-2 small mb-0 verdict-refused",
            )
        )
    return html.Div(parts)
