"""Pieces of the Explorer that callbacks fill in: the KPI strip, the chips, the problems and the
item detail panel, in the words and currency of the run on screen (:class:`Display`).
The grid's columns are in :mod:`layouts.explorer_columns`."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.display import Display
from dashboard.explain.contributions import Explanation
from dashboard.figures.explorer import item_interval_figure
from dashboard.filters import DIRECTION_LABELS, Chip
from dashboard.formatting import count, percent
from dashboard.ids import Explorer
from dashboard.query.explorer import ExplorerKpis, ItemDetail
from dashboard.scoring.given import PredictionColumns
from layouts.widgets import GRAPH_CONFIG

# Attributes that count things: shown as whole numbers ("1,204", not "1204.0").
_COUNTS = ("volume", "quantity", "units", "qty")


def kpi_strip(kpis: ExplorerKpis, display: Display | None = None) -> Component:
    shown = display or Display()

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
            cell("At stake, under", shown.money(kpis.at_stake_under), "gap × volume", "under"),
            cell("At stake, over", shown.money(kpis.at_stake_over), "gap × volume", "over"),
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


def detail_body(
    detail: ItemDetail,
    comparables: list[dict[str, Any]] | None = None,
    why: Explanation | None = None,
    given: PredictionColumns | None = None,
    display: Display | None = None,
) -> Component:
    """The item's price against its interval, then why (PriceScope's model) or whose prediction
    (``given``: the analyst's model, which PriceScope cannot explain), comparables, attributes."""
    shown = display or Display()
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
                    html.Span(shown.price(detail.actual), className=f"detail-price {tone}"),
                    html.Span(
                        f" against a fair price of {shown.price(detail.fair_price)}",
                        className="text-muted",
                    ),
                ]
            ),
            html.Div(
                f"{verdict} ({shown.price(detail.lower)} – {shown.price(detail.upper)}) · "
                f"score {detail.score:.2f}{' · flagged' if detail.flagged else ''} · "
                f"at stake {shown.money(detail.at_stake)}",
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
        sections.append(_reasons_section(why, shown))
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
        sections.append(_comparables_section(comparables, shown))
    sections.append(_attributes_section(detail, shown))
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


def _reasons_section(why: Explanation, display: Display, shown: int = 8) -> Component:
    reasons = why.top(shown)
    widest = max((abs(r.log_effect) for r in reasons), default=0.0) or 1.0
    rows = [
        html.Tr(
            [
                html.Td(display.label(r.feature), className="text-nowrap"),
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
                f"From a typical item at {display.price(why.reference_price)} to this item's fair "
                f"price of {display.price(why.fair_price)}: what each feature adds or takes away "
                "(they multiply up exactly to the fair price).",
                className="small text-muted mb-1",
            ),
            dbc.Table(html.Tbody(rows), size="sm", borderless=True, className="reasons"),
        ]
    )


def _comparables_section(comparables: list[dict[str, Any]], display: Display) -> Component:
    columns = ("item_id", "actual", "fair_price", "score", "direction")
    header = html.Thead(html.Tr([html.Th(display.label(c)) for c in columns]))
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(str(row["item_id"])),
                    html.Td(display.price(float(row["actual"])), className="text-end"),
                    html.Td(display.price(float(row["fair_price"])), className="text-end"),
                    html.Td(f"{float(row['score']):.2f}", className="text-end"),
                    html.Td(
                        DIRECTION_LABELS.get(str(row["direction"]), str(row["direction"])),
                        className=f"cell-{row['direction']}",
                    ),
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


def _attributes_section(detail: ItemDetail, display: Display) -> Component:
    rows = [
        html.Tr(
            [
                html.Th(display.label(name), className="fw-normal text-muted"),
                html.Td(_attribute_text(name, value)),
            ]
        )
        for name, value in detail.attributes
    ]
    return html.Div(
        [
            html.H6("Attributes", className="mt-3"),
            dbc.Table(html.Tbody(rows), size="sm", borderless=True),
        ]
    )


def _attribute_text(name: str, value: object) -> str:
    """An attribute as read: counts (volume…) as whole numbers, missing values as a dash."""
    if value is None:
        return "–"
    if isinstance(value, float) and any(word in name.lower() for word in _COUNTS):
        return f"{round(value):,}"
    return str(value)
