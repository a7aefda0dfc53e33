"""The Data page's pieces for one upload: what reading found, the first rows with each column's
kind and suggested role, the mapping dropdowns, the problems, the transactions form and the
scoring progress. Rendered from plain data so the callbacks only fetch and hand over."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.datasets.mapping import ITEM_ROLES, ROLE_LABELS
from dashboard.datasets.presentation import MAX_LABEL_CHARS
from dashboard.datasets.profile import ColumnProfile
from dashboard.datasets.uploads import Upload
from dashboard.display import humanize
from dashboard.formatting import count
from dashboard.ids import Data
from layouts.widgets import dom_id, job_progress

HIDDEN = {"display": "none"}
SHOWN: dict[str, str] = {}
NO_PREVIEW = "Upload a file to see its first rows."
ROLE_OPTIONS = [{"label": ROLE_LABELS[role], "value": role} for role in ITEM_ROLES]
_DETAIL_LABELS = (
    ("format", "Format"),
    ("encoding", "Encoding"),
    ("delimiter", "Delimiter"),
    ("decimal", "Decimal mark"),
    ("thousands", "Thousands separator"),
    ("sheet", "Sheet"),
)
HIDDEN_FROM_READERS: dict[str, Any] = {"aria-hidden": "true"}
#: Grid widths of a mapping row: column, role, label, detected kind.
WIDTHS = (3, 4, 3, 2)
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", ".": "point"}


def preview_card() -> Component:
    return dbc.Card(
        [
            dbc.CardHeader("Preview"),
            dbc.CardBody(
                [
                    html.Div(id=Data.READING, className="mb-2"),
                    html.Div(
                        [
                            dbc.Label("Sheet", html_for=Data.SHEET, className="mb-1"),
                            dcc.Dropdown(id=Data.SHEET, options=[], clearable=False),
                        ],
                        id=Data.SHEET_ROW,
                        style=HIDDEN,
                        className="mb-2 data-sheet",
                    ),
                    html.Div(
                        NO_PREVIEW,
                        id=Data.PREVIEW,
                        className="text-muted",
                    ),
                ]
            ),
        ],
        className="mb-3",
    )


def mapping_card(default_currency: str) -> Component:
    return dbc.Card(
        [
            dbc.CardHeader("Map the columns"),
            dbc.CardBody(
                [
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    dbc.Label("Dataset name", html_for=Data.NAME, className="mb-1"),
                                    dbc.Input(
                                        id=Data.NAME, type="text", maxLength=80, debounce=True
                                    ),
                                ],
                                id=Data.NAME_ROW,
                                md=6,
                            ),
                            dbc.Col(_currency_field(default_currency), md=6),
                        ],
                        className="mb-3",
                    ),
                    # Above the dropdowns: a wide table's problems stay in sight while mapping.
                    html.Div(id=Data.PROBLEMS, className="mb-3"),
                    html.Div(id=Data.ROLES, className="mb-3"),
                    dbc.Button("Score", id=Data.SCORE, color="primary", disabled=True),
                    html.Div(id=Data.SCORE_NOTE, className="mt-2"),
                ]
            ),
        ],
        id=Data.MAP_CARD,
        style=HIDDEN,
        className="mb-3",
    )


def _currency_field(default_currency: str) -> list[Component]:
    return [
        dbc.Label("Currency of the prices", html_for=Data.CURRENCY, className="mb-1"),
        dbc.Input(
            id=Data.CURRENCY,
            type="text",
            maxLength=3,
            debounce=True,
            placeholder=default_currency,
            className="data-currency",
        ),
        dbc.FormText(
            f"Three letters, such as EUR, USD or GBP; every money figure shows it. Left blank: "
            f"{default_currency}, the server's setting."
        ),
    ]


def transactions_card() -> Component:
    return dbc.Card(
        [
            dbc.CardHeader("Map the transactions"),
            dbc.CardBody(
                [
                    dbc.Row(
                        [
                            _column_choice("Item id", Data.TX_ITEM),
                            _column_choice("Date", Data.TX_DATE),
                            _column_choice("Quantity", Data.TX_QUANTITY),
                            _column_choice("Net price", Data.TX_PRICE),
                        ]
                    ),
                    dbc.Label("Scope columns", html_for=Data.TX_SCOPE, className="mb-1 mt-2"),
                    dcc.Dropdown(
                        id=Data.TX_SCOPE,
                        options=[],
                        multi=True,
                        placeholder="Region, channel, customer segment…",
                    ),
                    html.Div(id=Data.TX_PROBLEMS, className="mt-3"),
                    dbc.Button(
                        "Save transactions", id=Data.TX_SAVE, color="primary", disabled=True
                    ),
                    html.Div(id=Data.TX_NOTE, className="mt-2"),
                ]
            ),
        ],
        id=Data.TX_CARD,
        style=HIDDEN,
        className="mb-3",
    )


def _column_choice(label: str, component_id: Data) -> Component:
    return dbc.Col(
        [
            dbc.Label(label, html_for=component_id, className="mb-1"),
            dcc.Dropdown(id=component_id, options=[], clearable=False),
        ],
        md=3,
    )


def scoring_card() -> Component:
    return dbc.Card(
        [
            dbc.CardHeader("Scoring"),
            dbc.CardBody(
                [
                    *job_progress(
                        Data.PROGRESS,
                        Data.STAGE,
                        Data.TIMING,
                        "Nothing is being scored from this page.",
                    ),
                    dbc.Button(
                        "Cancel",
                        id=Data.CANCEL,
                        color="danger",
                        outline=True,
                        size="sm",
                        disabled=True,
                        className="mt-2",
                    ),
                    html.Div(id=Data.CANCEL_NOTE, className="small text-muted mt-1"),
                    html.Div(id=Data.OUTCOME, className="mt-3"),
                ]
            ),
        ],
        className="h-100",
    )


def reading_summary(upload: Upload) -> Component:
    """What reading the file found: its shape and how the text was read."""
    details = {"format": upload.format, **upload.details}
    parts: list[Any] = [
        html.Strong(upload.file_name),
        f" · {count(upload.rows)} rows · {count(len(upload.columns))} columns",
    ]
    for key, label in _DETAIL_LABELS:
        value = details.get(key)
        if value is None or value == "":
            continue
        shown = _SEPARATOR_NAMES.get(str(value), str(value))
        parts += [" · ", f"{label}: ", html.Code(shown)]
    return html.Div(parts, className="small")


def sheet_names(upload: Upload) -> list[str]:
    sheets = upload.details.get("sheets")
    return [str(s) for s in sheets] if isinstance(sheets, list) else []


def preview_view(rows: pd.DataFrame, profiles: Sequence[ColumnProfile]) -> Component:
    """The first rows in a grid, and per column its kind, suggested role and why."""
    fields = [f"c{i}" for i in range(len(rows.columns))]
    shown = rows.copy()
    shown.columns = fields
    records = [{k: _cell(v) for k, v in record.items()} for record in shown.to_dict("records")]
    kinds = {p.name: p.kind for p in profiles}
    column_defs = [
        {"field": f, "headerName": str(c), "headerTooltip": kinds.get(str(c), "")}
        for f, c in zip(fields, rows.columns, strict=True)
    ]
    grid = dag.AgGrid(
        id=Data.PREVIEW_GRID,
        rowData=records,
        columnDefs=column_defs,
        defaultColDef={"resizable": True, "sortable": False, "minWidth": 110, "flex": 1},
        dashGridOptions={"animateRows": False, "suppressFieldDotNotation": True},
        style={"height": "320px", "width": "100%"},
    )
    return html.Div([grid, html.H3("Columns", className="h6 mt-3"), _profile_table(profiles)])


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if pd.isna(value) if not isinstance(value, list | tuple | dict) else False:
        return None
    return str(value)


def _profile_table(profiles: Sequence[ColumnProfile]) -> Component:
    heads = ("Column", "Detected kind", "Suggested role", "Why", "Missing", "Examples")
    rows = [
        html.Tr(
            [
                html.Td(html.Code(p.name)),
                html.Td(p.kind),
                html.Td(ROLE_LABELS.get(p.role, p.role)),
                html.Td(p.reason, className="small"),
                html.Td(f"{100 * p.missing_share:.0f} %", className="small"),
                html.Td(", ".join(p.examples), className="small text-muted"),
            ]
        )
        for p in profiles
    ]
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in heads])), html.Tbody(rows)],
        size="sm",
        className="mb-0 data-profiles",
    )


def role_rows(
    profiles: Sequence[ColumnProfile], roles: Sequence[str], labels: Mapping[str, str] | None = None
) -> Component:
    """Per column, in table order (the position is the key): its role dropdown and the words the
    pages show for it (blank: its name in words, the placeholder)."""
    given = labels or {}
    heads = ("Column", "Role", "Shown as (optional)", "Detected kind")
    # The column headings are for the eye; each field has its own label for a screen reader.
    header = html.Div(
        dbc.Row(
            [
                dbc.Col(html.Span(h, className="small fw-semibold"), md=w)
                for h, w in zip(heads, WIDTHS, strict=True)
            ],
            className="mb-1 d-none d-md-flex",
        ),
        **HIDDEN_FROM_READERS,
    )
    rows = [
        dbc.Row(
            [
                dbc.Col(
                    dbc.Label(
                        html.Code(p.name),
                        html_for=dom_id({"type": Data.ROLE, "column": index}),
                        className="mb-0",
                    ),
                    md=WIDTHS[0],
                ),
                dbc.Col(
                    dcc.Dropdown(
                        id={"type": Data.ROLE, "column": index},
                        options=ROLE_OPTIONS,
                        value=role,
                        clearable=False,
                    ),
                    md=WIDTHS[1],
                ),
                dbc.Col(_label_field(index, p.name, given.get(p.name)), md=WIDTHS[2]),
                dbc.Col(html.Span(p.kind, className="small text-muted"), md=WIDTHS[3]),
            ],
            className="mb-1 align-items-center",
        )
        for index, (p, role) in enumerate(zip(profiles, roles, strict=True))
    ]
    return html.Div([header, *rows], className="data-roles")


def _label_field(index: int, column: str, label: str | None) -> list[Component]:
    field_id = {"type": Data.LABEL, "column": index}
    return [
        dbc.Label(
            f"Label shown for {column}", html_for=dom_id(field_id), className="visually-hidden"
        ),
        dbc.Input(
            id=field_id,
            type="text",
            value=label or "",
            placeholder=humanize(column),
            maxLength=MAX_LABEL_CHARS,
            debounce=True,
            size="sm",
        ),
    ]


def problems_view(problems: Sequence[str]) -> Component:
    if not problems:
        return dbc.Alert(
            "No problems found: this mapping can be scored.", color="success", className="py-2"
        )
    return dbc.Alert(
        [
            html.Strong(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} to fix:"),
            html.Ul([html.Li(p) for p in problems], className="mb-0"),
        ],
        color="warning",
        className="py-2",
    )


def refusal(sentence: str) -> Component:
    return dbc.Alert(sentence, color="danger", className="py-2 mb-0")


def success_note(sentence: str) -> Component:
    return dbc.Alert(sentence, color="success", className="py-2 mb-0", dismissable=True)
