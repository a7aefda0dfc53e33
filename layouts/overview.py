"""Overview: the state of one run at a glance (the current run unless ``?run=<id>`` names another)."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.errors import InputError
from dashboard.figures.overview import at_stake_by_segment_figure, score_histogram_figure
from dashboard.formatting import count, money, percent
from dashboard.ids import Overview
from dashboard.query.overview import (
    at_stake_by_segment,
    overview_kpis,
    score_histogram,
    top_flagged,
)
from dashboard.runs import Run
from dashboard.scoring.given import PredictionColumns
from dashboard.services import Services
from layouts.widgets import (
    DIRECTION_CLASSES,
    MONEY_FORMAT,
    SCORE_FORMAT,
    chart_card,
    graph,
    kpi_card,
    notice,
)

TOP_ITEMS = 20
# The pricing columns of the top table, after the id and the context columns.
_PRICING = (
    ("actual", "Price", MONEY_FORMAT),
    ("fair_price", "Fair price", MONEY_FORMAT),
    ("lower", "Interval low", MONEY_FORMAT),
    ("upper", "Interval high", MONEY_FORMAT),
    ("score", "Score", SCORE_FORMAT),
)


def layout(services: Services, run: str | None = None) -> Component:
    try:
        loaded = services.runs.load(run) if run else services.runs.load_current()
    except InputError as error:
        return notice(Overview.NO_RUN, "That run cannot be shown", str(error), "danger")
    if loaded is None:
        return notice(
            Overview.NO_RUN,
            "No scoring run yet",
            [
                "Score the demo catalogue with ",
                html.Code("python -m dashboard bootstrap"),
                " or any price table with ",
                html.Code("python -m dashboard score INPUT --target COL --out OUT"),
                ".",
            ],
            "warning",
        )
    return html.Div(
        [
            dcc.Store(id=Overview.RUN_ID, data=loaded.run_id),
            _run_summary(loaded),
            _kpi_row(loaded),
            dbc.Row(
                [
                    dbc.Col(_segment_card(loaded), lg=6, className="mb-3"),
                    dbc.Col(
                        chart_card(
                            graph(
                                Overview.SCORE_CHART,
                                score_histogram_figure(score_histogram(loaded)),
                            )
                        ),
                        lg=6,
                        className="mb-3",
                    ),
                ]
            ),
            _top_table(loaded),
        ]
    )


def _run_summary(run: Run) -> Component:
    card = run.model_card
    model = card.get("model", {})
    model_name = model.get("name", "model") if isinstance(model, dict) else str(model)
    given = PredictionColumns.from_card(card)
    priced_by = (
        f"fair prices predicted by {given.describe()}"
        if given is not None
        else f"{model_name}, {card.get('folds', '?')}-fold out-of-fold fair prices"
    )
    return html.Div(
        [
            html.H4("Overview", className="mb-0"),
            html.Div(
                f"Run {run.info.label} · created {run.info.created_at} · {run.info.rows:,} items · "
                f"target {run.info.columns.target} · {priced_by}",
                className="text-muted small",
            ),
        ],
        id=Overview.RUN_SUMMARY,
        className="mb-3",
    )


def _kpi_row(run: Run) -> Component:
    kpis = overview_kpis(run)
    share = kpis.flagged / kpis.items if kpis.items else None
    quality = (
        f"MAPE {percent(kpis.mape)}"
        if kpis.mape is not None
        else (f"R² {kpis.r2:.3f}" if kpis.r2 is not None else "–")
    )
    # Bounds the analyst's model gave have no nominal coverage PriceScope could state.
    nominal = (
        f" (nominal {percent(kpis.nominal_coverage, digits=0)})"
        if kpis.nominal_coverage is not None
        else " (your model's bounds)"
    )
    coverage = (
        f"interval coverage {percent(kpis.coverage)}{nominal}" if kpis.coverage is not None else ""
    )
    return dbc.Row(
        [
            kpi_card(Overview.KPI_ITEMS, "Items", count(kpis.items), f"{percent(share)} flagged"),
            kpi_card(
                Overview.KPI_FLAGGED_UNDER,
                "Flagged under-priced",
                count(kpis.flagged_under),
                "priced below the interval",
                "under",
            ),
            kpi_card(
                Overview.KPI_FLAGGED_OVER,
                "Flagged over-priced",
                count(kpis.flagged_over),
                "priced above the interval",
                "over",
            ),
            kpi_card(
                Overview.KPI_AT_STAKE_UNDER,
                "At stake, under-priced",
                money(kpis.at_stake_under),
                "gap to interval × volume",
                "under",
            ),
            kpi_card(
                Overview.KPI_AT_STAKE_OVER,
                "At stake, over-priced",
                money(kpis.at_stake_over),
                "gap to interval × volume",
                "over",
            ),
            kpi_card(Overview.KPI_MODEL, "Model quality", quality, coverage),
        ],
        className="g-3 mb-3",
    )


def _segment_card(run: Run) -> Component:
    segments = list(run.info.columns.segments)
    if not segments:
        return chart_card(
            html.Div(
                "This run has no segment columns to break money at stake down by.",
                className="text-muted",
            )
        )
    first = segments[0]
    return chart_card(
        [
            dbc.InputGroup(
                [
                    dbc.InputGroupText(
                        dbc.Label(
                            "Break down by", html_for=Overview.SEGMENT_COLUMN, className="m-0"
                        )
                    ),
                    dbc.Select(
                        id=Overview.SEGMENT_COLUMN,
                        options=[{"label": name, "value": name} for name in segments],
                        value=first,
                    ),
                ],
                size="sm",
                className="mb-2 segment-picker",
            ),
            graph(
                Overview.SEGMENT_CHART,
                at_stake_by_segment_figure(at_stake_by_segment(run, first), first),
            ),
        ]
    )


def _top_table(run: Run) -> Component:
    table = top_flagged(run, limit=TOP_ITEMS)
    pricing = {name for name, _, _ in _PRICING} | {"item_id", "direction", "at_stake"}
    columns: list[dict[str, Any]] = [
        {"field": "item_id", "headerName": "Item", "pinned": "left", "minWidth": 150},
        *[
            {"field": name, "headerName": name.replace("_", " ").capitalize()}
            for name in table.columns
            if name not in pricing
        ],
        *[
            {"field": name, "headerName": header, "valueFormatter": fmt, "type": "rightAligned"}
            for name, header, fmt in _PRICING
        ],
        {"field": "direction", "headerName": "Direction", "cellClassRules": DIRECTION_CLASSES},
        {
            "field": "at_stake",
            "headerName": "At stake",
            "valueFormatter": MONEY_FORMAT,
            "type": "rightAligned",
            "sort": "desc",
        },
    ]
    return chart_card(
        [
            html.H6(f"Top {TOP_ITEMS} flagged items by money at stake", className="mb-2"),
            dag.AgGrid(
                id=Overview.TOP_TABLE,
                rowData=table.astype({"item_id": "string"}).to_dict("records"),
                columnDefs=columns,
                defaultColDef={"sortable": True, "resizable": True, "flex": 1, "minWidth": 100},
                dashGridOptions={"domLayout": "autoHeight", "animateRows": False},
                style={"width": "100%"},
            ),
        ]
    )
