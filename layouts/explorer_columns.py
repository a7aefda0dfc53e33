"""The ranked table's columns: which show, in what order, with which words, and the chooser.

What an analyst reads first sits on the left, where it is on screen at any width: the item (pinned),
its score, direction and money at stake, then its price against the fair price and the interval,
then the decision taken, then a few segment columns for context. Every other column (the rest of
the segments, "Flagged", the flag history) is one tick away in the column chooser, whose choices
the browser remembers (a ``localStorage`` store) and which apply to every run that has the column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.display import Display
from dashboard.filters import DIRECTION_LABELS
from dashboard.filters.table_model import table_columns
from dashboard.ids import Explorer
from dashboard.reviews.annotate import DECISION_FIELD, MARK_FIELD
from dashboard.runs import RunInfo
from layouts.explorer_review import review_column_defs
from layouts.widgets import DIRECTION_CLASSES, SCORE_FORMAT

ITEM = "item_id"
# One column shows the interval ("€95.10 – €120.30"); it sorts and filters by its low end.
INTERVAL = "lower"
# The pricing columns first, in the order an analyst reads them; "upper" lives in the interval.
LEADING: tuple[str, ...] = ("score", "direction", "at_stake", "actual", "fair_price", INTERVAL)
HIDDEN_BY_DEFAULT = frozenset({"flagged", MARK_FIELD})
NOT_SHOWN = frozenset({"upper"})
SHOWN_SEGMENTS = 3
# Wide enough for the header with its sort and filter marks, and for the values.
_WIDTHS = {
    "score": 100,
    "direction": 140,
    "at_stake": 170,
    "actual": 115,
    "fair_price": 130,
    INTERVAL: 190,
    DECISION_FIELD: 150,
}
_DIRECTION_TEXT = {
    "function": "({"
    + ", ".join(f"{key}: '{label}'" for key, label in DIRECTION_LABELS.items())
    + "})[params.value] || params.value || ''"
}


def column_order(run_info: RunInfo) -> list[str]:
    """Every column the grid can show, left to right (the item id first)."""
    kinds = table_columns(run_info)
    segments = [c for c in kinds if c not in (ITEM, *LEADING, "flagged", *NOT_SHOWN)]
    return [ITEM, *LEADING, DECISION_FIELD, *segments, "flagged", MARK_FIELD]


def default_visible(run_info: RunInfo) -> frozenset[str]:
    """The columns shown before the analyst chooses: no column that is empty for most items."""
    segments = [c for c in run_info.columns.segments if c != run_info.columns.group]
    context = {c for c in segments[:SHOWN_SEGMENTS] if c in table_columns(run_info)}
    return frozenset({ITEM, *LEADING, DECISION_FIELD, *context})


def visible_columns(run_info: RunInfo, choice: object) -> frozenset[str]:
    """The defaults, overridden by the browser's remembered choice ``{column: shown}`` (anything
    else in the store, from an older page or a crafted one, is ignored)."""
    shown = set(default_visible(run_info))
    if isinstance(choice, Mapping):
        for column in column_order(run_info):
            wanted = choice.get(column)
            if isinstance(wanted, bool) and column != ITEM:
                (shown.add if wanted else shown.discard)(column)
    return frozenset(shown)


def remembered_choice(run_info: RunInfo, previous: object, ticked: object) -> dict[str, bool]:
    """The store's new content after the chooser's ticks changed: this run's columns as ticked,
    other runs' columns as they were remembered."""
    kept: dict[str, bool] = {}
    if isinstance(previous, Mapping):
        kept = {str(k): v for k, v in list(previous.items())[:500] if isinstance(v, bool)}
    chosen = set(ticked) if isinstance(ticked, list) else set()
    for column in column_order(run_info)[1:]:
        kept[column] = column in chosen
    return kept


def table_column_defs(
    run_info: RunInfo,
    sort: tuple[tuple[str, str], ...],
    display: Display,
    visible: frozenset[str] | None = None,
) -> list[dict[str, Any]]:
    """AG Grid's columns for a run, in :func:`column_order`, showing ``sort`` in the headers."""
    shown = default_visible(run_info) if visible is None else visible
    order = {column: (index, direction) for index, (column, direction) in enumerate(sort)}
    kinds = table_columns(run_info)
    reviews = {d["field"]: d for d in review_column_defs()}
    definitions: list[dict[str, Any]] = []
    for column in column_order(run_info):
        if column in reviews:
            definition = {**reviews[column], "headerName": display.label("decision")}
            if column == MARK_FIELD:
                definition["headerName"] = reviews[column]["headerName"]
        else:
            definition = _data_column(column, kinds[column], display)
            index, direction = order.get(column, (None, None))
            definition.update(sort=direction, sortIndex=index)
        definition["hide"] = column not in shown
        if column in _WIDTHS:
            definition["minWidth"] = _WIDTHS[column]
        definitions.append(definition)
    return definitions


def _data_column(column: str, kind: str, display: Display) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "field": column,
        "headerName": display.label(column),
        "filter": "agNumberColumnFilter" if kind == "number" else "agTextColumnFilter",
    }
    if kind == "number":
        definition["type"] = "rightAligned"
        definition["valueFormatter"] = (
            SCORE_FORMAT if column == "score" else {"function": display.d3_money()}
        )
    if column == ITEM:
        definition.update(pinned="left", lockPinned=True, minWidth=180, tooltipField=ITEM)
    elif column == "direction":
        definition.update(cellClassRules=DIRECTION_CLASSES, valueFormatter=_DIRECTION_TEXT)
    elif column == INTERVAL:
        definition.update(
            headerName="Interval",
            headerTooltip="The fair-price interval; sorted and filtered by its low end.",
            valueFormatter={"function": _interval_text(display)},
        )
    return definition


def _interval_text(display: Display) -> str:
    one = "'{symbol}' + d3.format(',.2f')(params.data.{end}) + '{suffix}'"
    low = one.format(symbol=display.symbol, end="lower", suffix=display.suffix)
    high = one.format(symbol=display.symbol, end="upper", suffix=display.suffix)
    return f"!params.data || params.data.lower == null ? '' : {low} + ' – ' + {high}"


def column_chooser(run_info: RunInfo, display: Display) -> Component:
    """The "Columns" button and its list of ticks; the store keeps the choice in the browser."""
    options = [
        {"label": _chooser_label(column, display), "value": column}
        for column in column_order(run_info)[1:]
    ]
    return html.Div(
        [
            dcc.Store(id=Explorer.COLUMN_CHOICE, storage_type="local"),
            dbc.Button(
                "Columns",
                id=Explorer.COLUMN_CHOOSER,
                size="sm",
                color="secondary",
                outline=True,
                className="me-2",
            ),
            dbc.Popover(
                [
                    dbc.PopoverHeader("Columns shown"),
                    dbc.PopoverBody(
                        dbc.Checklist(
                            id=Explorer.COLUMN_LIST,
                            options=options,
                            value=sorted(default_visible(run_info) - {ITEM}),
                            className="column-list",
                        )
                    ),
                ],
                target=Explorer.COLUMN_CHOOSER,
                trigger="legacy",
                placement="bottom-end",
                id=Explorer.COLUMN_POPOVER,
            ),
        ],
        className="d-inline-block",
    )


def _chooser_label(column: str, display: Display) -> str:
    if column == INTERVAL:
        return "Interval"
    if column == DECISION_FIELD:
        return display.label("decision")
    if column == MARK_FIELD:
        return str(next(d for d in review_column_defs() if d["field"] == MARK_FIELD)["headerName"])
    return display.label(column)
