"""Pieces of the Explorer that callbacks fill in: the KPI strip, the chips, the problems, the grid's
columns and the item detail panel."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.explain.contributions import Explanation
from dashboard.figures.explorer import item_interval_figure
from dashboard.filters import Chip
from dashboard.filters.table_model import table_columns
from dashboard.formatting import count, money, percent
from dashboard.ids import Explorer
from dashboard.query.explorer import ExplorerKpis, ItemDetail
from dashboard.runs import RunInfo
from dashboard.scoring.given import PredictionColumns
from layouts.explorer_review import review_column_defs
from layouts.widgets import DIRECTION_CLASSES, GRAPH_CONFIG, MONEY_FORMAT, SCORE_FORMAT

_HEADERS = {
    "item_id": "Item",
    "actual": "Price",
    "fair_price": "Fair price",
    "lower": "Interval low",
    "upper": "Interval high",
    "score": "Score",
    "direction": "Direction",
    "flagged": "Flagged",
    "at_stake": "At stake",
}
_SCORES = {"score"}
SHOWN_SEGMENTS = 3


def kpi_strip(kpis: ExplorerKpis) -> Component:
    def cell(title: str, value: str, detail: str = "", tone: str = "") -> dbc.Col:
        return dbc.Col(
            html.Div(
                [
                    html.Div(title, className="kpi-title"),
                    html.Div(value, className=f"kpi-value kpi-small {tone}".strip()),
                    html.Div(detail, className="kpi-detail"),
                ],
                className="kpi-strip-cell",
            ),
            xs=6,
            md=True,
        )

    share = percent(kpis.share_flagged)
    return dbc.Row(
        [
            cell("Items", count(kpis.items), f"of {count(kpis.total_items)}"),
            cell("Flagged", count(kpis.flagged), f"{share} of these items"),
            cell("Under-priced", count(kpis.flagged_under), "flagged", "under"),
            cell("Over-priced", count(kpis.flagged_over), "flagged", "over"),
            cell("At stake, under", money(kpis.at_stake_under), "gap × volume", "under"),
            cell("At stake, over", money(kpis.at_stake_over), "gap × volume", "over"),
        ],
        className="g-2 kpi-strip",
    )


def chip_badges(found: list[Chip]) -> list[Component]:
    if not found:
        return [html.Span("No filters: every item of the run.", className="text-muted small")]
    return [
        html.Span(
            [
                chip.label,
                html.Button(
                    "×",
                    id={"type": Explorer.CHIP, "key": chip.key},
                    className="chip-remove",
                    title=f"Remove {chip.label}",
                    n_clicks=0,
                ),
            ],
            className="chip",
        )
        for chip in found
    ]


def problem_alert(problems: tuple[str, ...]) -> Component | None:
    if not problems:
        return None
    return dbc.Alert(
        [
            html.Strong("Some of what was asked for was left out: "),
            html.Ul([html.Li(p) for p in problems]),
        ],
        color="warning",
        dismissable=True,
        className="py-2",
    )


def table_column_defs(run_info: RunInfo, sort: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    """AG Grid's columns for a run, showing ``sort`` (the state's order) in the headers."""
    order = {column: (index, direction) for index, (column, direction) in enumerate(sort)}
    # A few segment columns give context; the rest stay filterable (via links) but hidden, so the
    # prices fit on screen.
    shown = {c for c in run_info.columns.segments if c != run_info.columns.group}
    shown = set(sorted(shown, key=list(run_info.columns.segments).index)[:SHOWN_SEGMENTS])
    definitions: list[dict[str, Any]] = []
    for column, kind in table_columns(run_info).items():
        definition: dict[str, Any] = {
            "field": column,
            "headerName": _HEADERS.get(column, column.replace("_", " ").capitalize()),
            "filter": "agNumberColumnFilter" if kind == "number" else "agTextColumnFilter",
        }
        if kind == "number":
            definition["type"] = "rightAligned"
            definition["valueFormatter"] = SCORE_FORMAT if column in _SCORES else MONEY_FORMAT
        if column == "item_id":
            definition.update(pinned="left", minWidth=170)
        elif kind == "text" and column not in _HEADERS:
            definition["hide"] = column not in shown
        if column == "direction":
            definition["cellClassRules"] = DIRECTION_CLASSES
        if column in order:
            definition.update(sort=order[column][1], sortIndex=order[column][0])
        else:
            definition.update(sort=None, sortIndex=None)
        definitions.append(definition)
    # The review marks sit next to the item id, where an analyst scanning the list looks first.
    definitions[1:1] = review_column_defs()
    return definitions


def detail_body(
    detail: ItemDetail,
    comparables: list[dict[str, Any]] | None = None,
    why: Explanation | None = None,
    given: PredictionColumns | None = None,
) -> Component:
    """The item's price against its interval, then why (PriceScope's model) or whose prediction
    (``given``: the analyst's model, which PriceScope cannot explain), comparables, attributes."""
    tone = "under" if detail.direction == "under" else "over" if detail.direction == "over" else ""
    verdict = {
        "under": "Priced below its interval",
        "over": "Priced above its interval",
        "ok": "Priced within its interval",
    }[detail.direction]
    headline = html.Div(
        [
            html.Div(
                [
                    html.Span(f"{detail.actual:,.2f}", className=f"detail-price {tone}"),
                    html.Span(
                        f" against a fair price of {detail.fair_price:,.2f}", className="text-muted"
                    ),
                ]
            ),
            html.Div(
                f"{verdict} ({detail.lower:,.2f} – {detail.upper:,.2f}) · score {detail.score:.2f}"
                f"{' · flagged' if detail.flagged else ''} · at stake {money(detail.at_stake)}",
                className="small",
            ),
        ],
        className="mb-2",
    )
    comparable_points = [
        (str(row["item_id"]), float(row["actual"]), float(row["score"]))
        for row in comparables or []
    ]
    figure = item_interval_figure(
        detail.actual, detail.fair_price, detail.lower, detail.upper, comparable_points
    )
    sections: list[Component] = [
        headline,
        dcc.Graph(figure=figure, config={**GRAPH_CONFIG, "displayModeBar": False}),
    ]
    if given is not None:
        sections.append(_given_section(given))
    elif why is not None:
        sections.append(_reasons_section(why))
    else:
        sections.append(
            html.Div(
                "No explanation for this run: it was published without its models. "
                "Scoring the data again (Jobs page, or python -m dashboard bootstrap --rescore) "
                "keeps them.",
                className="small text-muted mt-3",
            )
        )
    if comparables:
        sections.append(_comparables_section(comparables))
    sections.append(_attributes_section(detail))
    return html.Div(sections, className="item-detail")


def _given_section(given: PredictionColumns) -> Component:
    interval = (
        f"The interval is your model's own (columns '{given.lower}' and '{given.upper}')."
        if given.lower is not None
        else "The interval is calibrated from how far prices fall from your model's predictions "
        "across this table (conformal, out of sample)."
    )
    return html.Div(
        [
            html.Div(
                f"Predicted by your model (column '{given.prediction}')",
                className="detail-predicted-by fw-semibold mt-3",
            ),
            html.Div(interval, className="small text-muted"),
        ]
    )


def _reasons_section(why: Explanation, shown: int = 8) -> Component:
    reasons = why.top(shown)
    widest = max((abs(r.log_effect) for r in reasons), default=0.0) or 1.0
    rows = [
        html.Tr(
            [
                html.Td(r.feature, className="text-nowrap"),
                html.Td(r.value, className="text-muted text-nowrap"),
                html.Td(
                    html.Div(
                        className=f"reason-bar {'up' if r.log_effect > 0 else 'down'}",
                        style={"width": f"{100 * abs(r.log_effect) / widest:.0f}%"},
                    ),
                    className="w-50",
                ),
                html.Td(f"{100 * r.effect:+.1f} %", className="text-end text-nowrap"),
            ]
        )
        for r in reasons
    ]
    return html.Div(
        [
            html.H6("Why this fair price", className="mt-3"),
            html.Div(
                f"From a typical item at {why.reference_price:,.2f} to this item's fair price of "
                f"{why.fair_price:,.2f}: what each feature adds or takes away (they multiply up "
                "exactly to the fair price).",
                className="small text-muted mb-1",
            ),
            dbc.Table(html.Tbody(rows), size="sm", borderless=True, className="reasons"),
        ]
    )


def _comparables_section(comparables: list[dict[str, Any]]) -> Component:
    header = html.Thead(
        html.Tr([html.Th(h) for h in ("Item", "Price", "Fair price", "Score", "Direction")])
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(str(row["item_id"])),
                    html.Td(f"{float(row['actual']):,.2f}", className="text-end"),
                    html.Td(f"{float(row['fair_price']):,.2f}", className="text-end"),
                    html.Td(f"{float(row['score']):.2f}", className="text-end"),
                    html.Td(str(row["direction"]), className=f"cell-{row['direction']}"),
                ]
            )
            for row in comparables
        ]
    )
    return html.Div(
        [
            html.H6("Comparables", className="mt-3"),
            html.Div("The most similar items in feature space.", className="small text-muted mb-1"),
            dbc.Table([header, body], size="sm", striped=True, className="comparables"),
        ]
    )


def _attributes_section(detail: ItemDetail) -> Component:
    rows = [
        html.Tr([html.Th(name, className="fw-normal text-muted"), html.Td(str(value))])
        for name, value in detail.attributes
    ]
    return html.Div(
        [
            html.H6("Attributes", className="mt-3"),
            dbc.Table(html.Tbody(rows), size="sm", borderless=True),
        ]
    )
