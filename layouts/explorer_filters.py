"""The Explorer's filter sidebar: search, direction, review, the number filters, the segments.

Number filters are text boxes, not ``type="number"`` inputs: a browser's number input hands the
page an empty value for text it cannot read ("abc", or "0,5" in an English browser), so the page
could neither accept a decimal comma nor say what it did not understand. The server reads the text
(:func:`dashboard.filters.clean.as_float`) and any sentence about a field shows right under it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.display import Display
from dashboard.filters import DIRECTION_LABELS, DIRECTIONS
from dashboard.filters.fields import BY_FIELD, FILTERS, feedback_field, range_of
from dashboard.ids import Explorer
from layouts.explorer_review import review_filter
from layouts.widgets import dom_id


def filter_sidebar(categories: Mapping[str, Sequence[str]], display: Display) -> Component:
    segment_controls = [
        html.Div(
            [
                dbc.Label(
                    display.label(column),
                    html_for=dom_id({"type": Explorer.SEGMENT, "column": column}),
                    className="filter-label",
                ),
                dcc.Dropdown(
                    id={"type": Explorer.SEGMENT, "column": column},
                    options=[{"label": value, "value": value} for value in values],
                    multi=True,
                    placeholder="All",
                    className="segment-dropdown",
                ),
            ],
            className="mb-2",
        )
        for column, values in categories.items()
    ]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Filters", className="h6 mb-3"),
                dbc.Label("Search", html_for=Explorer.SEARCH, className="filter-label"),
                dbc.Input(
                    id=Explorer.SEARCH,
                    type="search",
                    placeholder="Item id or name",
                    debounce=True,
                    className="mb-3",
                    maxLength=200,
                ),
                dbc.Label("Direction", className="filter-label"),
                dbc.Checklist(
                    id=Explorer.DIRECTIONS,
                    options=[{"label": DIRECTION_LABELS[d], "value": d} for d in DIRECTIONS],
                    value=[],
                    className="mb-2",
                ),
                dbc.Switch(
                    id=Explorer.FLAGGED_ONLY, label="Flagged only", value=False, className="mb-3"
                ),
                *review_filter(),
                *_number_filters(display),
                html.Hr(),
                *segment_controls,
            ]
        ),
        className="chart-card filter-card",
    )


def _number_filters(display: Display) -> list[Component]:
    """The sidebar's number inputs, from the filter table: a range as one pair, a bound alone."""
    shown: list[Component] = []
    for entry in FILTERS:
        paired = range_of(entry.field)
        if entry.kind != "number" or entry.control is None:
            continue
        money = entry.bound is not None and entry.bound[0] in ("actual", "at_stake")
        label = _with_currency(entry.label, display) if money else entry.label
        if paired is None:
            shown.append(_number_input(entry.field, label, entry.control, entry.placeholder))
        elif entry.field == paired.low:
            high = BY_FIELD[paired.high]
            assert high.control is not None
            pair_label = _with_currency(paired.label, display) if money else paired.label
            shown.append(
                _number_pair(
                    entry.field,
                    pair_label,
                    (entry.control, entry.placeholder or "min"),
                    (high.control, high.placeholder or "max"),
                )
            )
    return shown


def _with_currency(label: str, display: Display) -> str:
    return f"{label} ({display.currency})"


def _text_number(component_id: str, placeholder: str) -> dbc.Input:
    return dbc.Input(
        id=component_id,
        type="text",
        inputMode="decimal",
        autoComplete="off",
        debounce=True,
        placeholder=placeholder,
        maxLength=40,
    )


def _number_input(field: str, label: str, component_id: str, placeholder: str) -> Component:
    return html.Div(
        [
            dbc.Label(label, html_for=component_id, className="filter-label"),
            dbc.InputGroup([_text_number(component_id, placeholder)], size="sm"),
            feedback(field),
        ],
        className="mb-2",
    )


def _number_pair(field: str, label: str, low: tuple[str, str], high: tuple[str, str]) -> Component:
    return html.Div(
        [
            dbc.Label(label, html_for=low[0], className="filter-label"),
            dbc.InputGroup(
                [
                    _text_number(*low),
                    dbc.InputGroupText("–"),
                    _text_number(*high),
                ],
                size="sm",
            ),
            feedback(field),
        ],
        className="mb-2",
    )


def feedback(field: str) -> Component:
    """Where a sentence about ``field`` (or its pair) appears, right under its inputs."""
    assert feedback_field(field) == field
    return html.Div(
        id={"type": Explorer.FILTER_FEEDBACK, "field": field},
        className="filter-feedback small text-danger",
        role="status",
    )
