"""Small pieces several pages use: KPI cards, chart cards, notices."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

# Charts are drawn client-side; the mode bar keeps only what an analyst uses (PNG export among them).
GRAPH_CONFIG: Any = {
    "displaylogo": False,
    # The mode bar (PNG export, zoom) appears when the pointer is over a chart, not over its title.
    "displayModeBar": "hover",
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
# AG Grid cell formats every table uses: money with two decimals, scores, direction colours.
MONEY_FORMAT = {"function": "params.value == null ? '' : d3.format(',.2f')(params.value)"}
SCORE_FORMAT = {"function": "params.value == null ? '' : d3.format('.2f')(params.value)"}
DIRECTION_CLASSES = {
    "cell-under": "params.value == 'under'",
    "cell-over": "params.value == 'over'",
}


def kpi_card(
    component_id: str, title: str, value: str, detail: str = "", tone: str = ""
) -> dbc.Col:
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(title, className="kpi-title"),
                    html.Div(value, className=f"kpi-value {tone}".strip()),
                    html.Div(detail, className="kpi-detail"),
                ]
            ),
            id=component_id,
            className="kpi-card h-100",
        ),
        xs=6,
        md=4,
        xl=2,
    )


def chart_card(children: list[Component] | Component) -> dbc.Card:
    return dbc.Card(dbc.CardBody(children), className="chart-card h-100")


def graph(component_id: str, figure: object) -> dcc.Graph:
    return dcc.Graph(id=component_id, figure=figure, config=GRAPH_CONFIG)


def notice(
    component_id: str, heading: str, body: list[Component | str] | str, color: str
) -> dbc.Alert:
    return dbc.Alert(
        [html.H5(heading, className="alert-heading"), html.Div(body)], id=component_id, color=color
    )


def dom_id(component_id: str | Mapping[str, Any]) -> str:
    """The id the element carries in the page, for a label's ``html_for``: Dash writes a
    pattern-matching (dict) id as JSON with sorted keys and no spaces (its ``stringifyId``)."""
    if isinstance(component_id, str):
        return component_id
    parts = (
        f"{json.dumps(key, ensure_ascii=False)}:{json.dumps(component_id[key], ensure_ascii=False)}"
        for key in sorted(component_id)
    )
    return "{" + ",".join(parts) + "}"


JOB_PROGRESS_NAME: dict[str, Any] = {"data-progress-name": "Job progress"}


def job_progress(bar: str, stage: str, timing: str, idle: str) -> list[Component]:
    """A job's progress bar, its stage line (``idle`` until a job starts) and its timing line."""
    return [
        # assets/a11y.js names the bar from data-progress-name (dbc.Progress takes no aria-label).
        html.Div(
            dbc.Progress(id=bar, value=0, label="", striped=True, style={"height": "1.5rem"}),
            **JOB_PROGRESS_NAME,
        ),
        html.Div(idle, id=stage, className="mt-2 fw-semibold"),
        html.Div(id=timing, className="text-muted small"),
    ]
