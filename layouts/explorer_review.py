"""The review controls inside the Explorer: the decision filter, the form on the table's toolbar
(for the selected rows) and in the item detail (for the open item), and the decision marks.

Viewers get the filter and the marks but no form: the page shows them nothing they cannot do. The
callbacks check the role again (:mod:`callbacks.reviews`), so a crafted request changes nothing.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.auth import Identity, Role
from dashboard.display import Display, format_timestamp
from dashboard.ids import Explorer, Reviews
from dashboard.reviews.actions import (
    ACTION_LABELS,
    ACTIONS,
    APPROVED,
    DECISION_FILTERS,
    EXTREME_LABEL,
    MAX_NOTE_CHARS,
    PROPOSED,
    REASON_CODES,
    REJECTED,
    REPRICE,
    STATUS_LABELS,
)
from dashboard.reviews.annotate import DECISION_FIELD, MARK_FIELD, UNAVAILABLE_LABEL
from dashboard.reviews.model import Decision, HistoryEntry
from layouts.widgets import dom_id

TABLE = "table"
ITEM = "item"
HISTORY_SHOWN = 8

#: AG Grid row selection with a checkbox column; the infinite row model cannot "select all".
ROW_SELECTION = {
    "mode": "multiRow",
    "checkboxes": True,
    "headerCheckbox": False,
    "enableClickSelection": False,
}


def field_id(kind: Reviews, scope: str) -> dict[str, str]:
    return {"type": kind.value, "scope": scope}


def can_review(identity: Identity | None) -> bool:
    """Whether to show the review form. ``None`` (nobody, which the guard lets through only
    while Dash builds its validation layout at start-up) shows it, so the form's callbacks are
    known to Dash; the callbacks check the role on every save anyway."""
    return identity is None or identity.can(Role.ANALYST)


def review_filter() -> list[Component]:
    """The filter panel's "Review" checklist: unreviewed and each decision."""
    return [
        dbc.Label("Review", className="filter-label"),
        dbc.Checklist(
            id=Explorer.DECISION_FILTER,
            options=[{"label": ACTION_LABELS[d], "value": d} for d in DECISION_FILTERS],
            value=[],
            className="mb-3",
        ),
    ]


def review_stores() -> list[Component]:
    return [
        dcc.Store(id=Reviews.ITEM_TARGET),
        dcc.Store(id=Reviews.VERSION),
        dcc.Store(id=Reviews.GRID_REFRESH),
    ]


def review_column_defs() -> list[dict[str, Any]]:
    """The grid's decision and flag-history columns (marks only: the table is not sorted by them)."""
    return [
        {
            "field": DECISION_FIELD,
            "headerName": "Decision",
            "sortable": False,
            "filter": False,
            "minWidth": 150,
            "cellClassRules": {
                "cell-decided": f"params.value && params.value !== '{UNAVAILABLE_LABEL}'",
                "cell-unavailable": f"params.value === '{UNAVAILABLE_LABEL}'",
            },
        },
        {
            "field": MARK_FIELD,
            "headerName": "Flag history",
            "sortable": False,
            "filter": False,
            "minWidth": 140,
            "cellClassRules": {
                "cell-persistent": "params.value && params.value.startsWith('persistent')",
                "cell-new": "params.value == 'new'",
            },
        },
    ]


def table_toolbar(identity: Identity | None) -> Component:
    """Above the table, for analysts: review the rows ticked in the grid (viewers: nothing)."""
    if not can_review(identity):
        return html.Div()
    return html.Div(
        [
            html.Div(
                [
                    html.Span("Review selected rows", className="fw-semibold me-2"),
                    html.Span(
                        "0 selected", id=Reviews.SELECTED_COUNT, className="text-muted small"
                    ),
                ],
                className="mb-1",
            ),
            review_form(TABLE),
        ],
        className="review-toolbar mb-2",
    )


def _hidden_label(text: str, component_id: dict[str, str]) -> Component:
    # The placeholder shows what a select is for; a screen reader needs a label to say it.
    return dbc.Label(text, html_for=dom_id(component_id), className="visually-hidden")


def review_form(scope: str) -> Component:
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(
                        [
                            _hidden_label("Decision", field_id(Reviews.ACTION, scope)),
                            dbc.Select(
                                id=field_id(Reviews.ACTION, scope),
                                options=[{"label": ACTION_LABELS[a], "value": a} for a in ACTIONS],
                                placeholder="Decision…",
                                size="sm",
                            ),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        # Text, not a number box: "99,50" is read as a decimal comma and
                        # anything else gets a sentence, where a number box drops it silently.
                        dbc.Input(
                            id=field_id(Reviews.NEW_PRICE, scope),
                            type="text",
                            inputMode="decimal",
                            placeholder="New price (reprice)",
                            size="sm",
                        ),
                        md=2,
                    ),
                    dbc.Col(
                        [
                            _hidden_label("Reason", field_id(Reviews.REASON, scope)),
                            dbc.Select(
                                id=field_id(Reviews.REASON, scope),
                                options=[{"label": v, "value": k} for k, v in REASON_CODES.items()],
                                placeholder="Reason…",
                                size="sm",
                            ),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        dbc.Input(
                            id=field_id(Reviews.NOTE, scope),
                            placeholder="Note",
                            maxLength=MAX_NOTE_CHARS,
                            size="sm",
                        ),
                        md=3,
                    ),
                    dbc.Col(
                        dbc.Button(
                            "Save",
                            id=field_id(Reviews.SAVE, scope),
                            color="primary",
                            size="sm",
                            n_clicks=0,
                            className="w-100",
                        ),
                        md=1,
                    ),
                ],
                className="g-2",
            ),
            html.Div(id=field_id(Reviews.FEEDBACK, scope), className="mt-1"),
            confirm_box(scope),
        ],
        id=field_id(Reviews.FORM, scope),
        className="review-form",
    )


HIDDEN = {"display": "none"}


def confirm_box(scope: str) -> Component:
    """Shown (by the save callback) when a new price is beyond the guardrails: the analyst confirms
    it, writes why in the note, and saves again."""
    return html.Div(
        dbc.Checkbox(
            id=field_id(Reviews.CONFIRM, scope),
            label="Confirm this price: it is far from the current price and the fair-price "
            "interval, and the note says why.",
            value=False,
            class_name="small",
        ),
        id=field_id(Reviews.CONFIRM_BOX, scope),
        className="review-confirm mt-1",
        style=HIDDEN,
    )


def item_review_section(identity: Identity | None) -> Component:
    """The detail panel's review block: the decision and its history (filled by a callback), then
    the form for analysts."""
    children: list[Component] = [
        html.H6("Review", className="mb-2"),
        html.Div(id=Reviews.ITEM_PANEL),
    ]
    if can_review(identity):
        children.append(review_form(ITEM))
    return html.Div(children, className="item-review mb-3")


def unavailable_summary(sentence: str) -> Component:
    """The review block while the database cannot be reached: no decision shown, and why."""
    return html.Div(
        dbc.Badge(sentence, color="secondary", className="review-unavailable text-wrap"),
        className="mb-2",
    )


def item_review_summary(
    decision: Decision | None, history: list[HistoryEntry], mark: str, display: Display
) -> Component:
    badges: list[Component] = []
    if mark:
        color = "danger" if mark.startswith("persistent") else "info"
        badges.append(dbc.Badge(f"Flag: {mark}", color=color, className="me-2"))
    if decision is None:
        badges.append(dbc.Badge("Unreviewed", color="secondary"))
        return html.Div(badges, className="mb-2")
    headline = html.Div(
        [
            *badges,
            dbc.Badge(
                _action_text(decision.action, decision.new_price, display),
                color="success",
                className="me-2 decision-badge",
            ),
            *_status_badges(decision),
            html.Span(
                f"by {decision.decided_by}, {format_timestamp(decision.decided_at)} · "
                f"{REASON_CODES.get(decision.reason_code, decision.reason_code)}",
                className="small text-muted",
            ),
        ],
        className="mb-1",
    )
    note = html.Div(decision.note, className="small fst-italic mb-1") if decision.note else None
    return html.Div(
        [headline, note, _verdict_line(decision), _history_list(history, display)],
        className="mb-2",
    )


def _status_badges(decision: Decision) -> list[Component]:
    badges: list[Component] = []
    if decision.status:
        color = {PROPOSED: "warning", APPROVED: "primary"}.get(decision.status, "secondary")
        text = STATUS_LABELS.get(decision.status, decision.status)
        badges.append(dbc.Badge(text, color=color, className="me-2 review-status"))
    if decision.extreme:
        badges.append(dbc.Badge(EXTREME_LABEL, color="danger", className="me-2 review-extreme"))
    return badges


def _verdict_line(decision: Decision) -> Component | None:
    if decision.reviewed_by is None or decision.status == PROPOSED:
        return None
    verdict = STATUS_LABELS.get(decision.status or "", decision.status or "")
    said = f": “{decision.review_note}”" if decision.review_note else ""
    return html.Div(
        f"{verdict} by {decision.reviewed_by}, {format_timestamp(decision.reviewed_at)}{said}",
        className="small mb-1 review-verdict",
    )


def _history_list(history: list[HistoryEntry], display: Display) -> Component | None:
    if len(history) < 2:
        return None
    entries = [
        html.Li(
            f"v{entry.version} · {history_text(entry, display)} · "
            f"{entry.decided_by} · {format_timestamp(entry.decided_at)}",
            className="small",
        )
        for entry in history[:HISTORY_SHOWN]
    ]
    return html.Details(
        [html.Summary(f"History ({len(history)} changes)", className="small"), html.Ul(entries)]
    )


def history_text(entry: HistoryEntry, display: Display) -> str:
    """One step of the audit history in words: "Reprice to €99.50 approved", "Accepted as is"."""
    text = _action_text(entry.action, entry.new_price, display)
    if entry.status in (APPROVED, REJECTED):
        text = f"{text} {STATUS_LABELS[entry.status].lower()}"
    elif entry.previous_action is not None:
        text = f"{ACTION_LABELS.get(entry.previous_action, entry.previous_action)} → {text}"
    return (
        f"{text} ({EXTREME_LABEL})"
        if entry.extreme and entry.status not in (APPROVED, REJECTED)
        else text
    )


def _action_text(action: str, new_price: float | None, display: Display) -> str:
    if action == REPRICE and new_price is not None:
        return f"Reprice to {display.price(new_price)}"
    return ACTION_LABELS.get(action, action)


def feedback(
    saved: int, conflicts: list[str], error: str | None = None, *, warning: bool = False
) -> Component:
    if error:
        color, extra = ("warning", " review-extreme-warning") if warning else ("danger", "")
        return dbc.Alert(error, color=color, className="py-1 px-2 small mb-0" + extra)
    parts: list[Component] = []
    if saved:
        parts.append(
            dbc.Alert(
                f"Saved {saved} decision{'s' if saved != 1 else ''}.",
                color="success",
                className="py-1 px-2 small mb-1 review-saved",
            )
        )
    if conflicts:
        parts.append(
            dbc.Alert(
                [
                    html.Strong("Not saved (changed meanwhile): "),
                    html.Ul([html.Li(c) for c in conflicts]),
                ],
                color="warning",
                className="py-1 px-2 small mb-0 review-conflict",
            )
        )
    return html.Div(parts)
