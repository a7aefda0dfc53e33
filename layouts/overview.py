"""Overview: the state of one run at a glance (the current run unless ``?run=<id>`` names another)."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.config import Settings
from dashboard.db.health import DatabaseUnavailableError
from dashboard.display import Display
from dashboard.errors import InputError
from dashboard.figures.overview import (
    BAR_HINT,
    at_stake_by_segment_figure,
    score_histogram_figure,
)
from dashboard.formatting import count, percent
from dashboard.ids import Overview
from dashboard.query.overview import (
    at_stake_by_segment,
    overview_kpis,
    score_histogram,
    top_flagged,
)
from dashboard.query.overview_links import (
    ReviewProgress,
    model_facts,
    review_progress,
    run_subtitle,
    scoring_warnings,
)
from dashboard.run_display import display_for
from dashboard.runs import Run
from dashboard.scoring.given import PredictionColumns
from dashboard.services import Services
from layouts.widgets import (
    DIRECTION_CLASSES,
    SCORE_FORMAT,
    chart_card,
    graph,
    kpi_card,
    notice,
)

TOP_ITEMS = 20
# The price columns of the top table, after the id, the score, the direction and the money.
_PRICES = ("actual", "fair_price", "lower", "upper")


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
    display = display_for(services.settings, loaded.info)
    try:
        with services.reviewing.health.guard("read the review progress"):
            progress: ReviewProgress | None = review_progress(loaded, services.reviewing.decisions)
    except DatabaseUnavailableError:
        progress = None  # the card says so; the shell's banner says why
    return html.Div(
        [
            dcc.Store(id=Overview.RUN_ID, data=loaded.run_id),
            # A bar or a top item opens the Explorer without reloading the app.
            dcc.Location(id=Overview.GO, refresh="callback-nav"),
            _run_summary(loaded, services.settings),
            _warnings(loaded),
            _kpi_row(loaded, display, progress),
            dbc.Row(
                [
                    dbc.Col(_segment_card(loaded, display), lg=6, className="mb-3"),
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
            _top_table(loaded, display),
        ]
    )


def _run_summary(run: Run, settings: Settings) -> Component:
    given = PredictionColumns.from_card(run.model_card)
    # Whose fair prices these are matters to a reader before any detail: say so when not ours.
    priced_by = f" · fair prices predicted by {given.describe()}" if given is not None else ""
    facts = model_facts(run)
    return html.Div(
        [
            html.H4("Overview", className="mb-0"),
            html.Div(
                [
                    html.Span(run_subtitle(run, settings.datasets_dir) + priced_by),
                    dbc.Button(
                        "Model",
                        id=Overview.MODEL_BUTTON,
                        color="link",
                        size="sm",
                        className="p-0 ms-2 align-baseline",
                        title="How the fair prices were made",
                    ),
                ],
                id=Overview.RUN_SUMMARY,
                className="text-muted small",
            ),
            dbc.Popover(
                [
                    dbc.PopoverHeader("Model"),
                    dbc.PopoverBody(
                        html.Dl(
                            [
                                part
                                for label, value in facts
                                for part in (
                                    html.Dt(label, className="col-5 fw-normal text-muted"),
                                    html.Dd(value, className="col-7 mb-1"),
                                )
                            ],
                            className="row mb-0 small",
                        )
                    ),
                ],
                id=Overview.MODEL_POPOVER,
                className="model-popover",
                target=Overview.MODEL_BUTTON,
                trigger="legacy",
                placement="bottom-start",
            ),
        ],
        className="mb-3",
    )


def _warnings(run: Run) -> Component | None:
    sentences = scoring_warnings(run)
    if not sentences:
        return None
    return dbc.Alert(
        [
            html.Strong(
                "The scoring left a warning about this run"
                if len(sentences) == 1
                else f"The scoring left {len(sentences)} warnings about this run"
            ),
            html.Ul([html.Li(sentence) for sentence in sentences], className="mb-0 mt-1"),
        ],
        id=Overview.WARNINGS,
        color="warning",
        className="py-2",
    )


def _kpi_row(run: Run, display: Display, progress: ReviewProgress | None) -> Component:
    kpis = overview_kpis(run)
    share = kpis.flagged / kpis.items if kpis.items else None
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
                display.money(kpis.at_stake_under),
                "gap to interval × volume",
                "under",
            ),
            kpi_card(
                Overview.KPI_AT_STAKE_OVER,
                "At stake, over-priced",
                display.money(kpis.at_stake_over),
                "gap to interval × volume",
                "over",
            ),
            _reviewed_card(progress),
        ],
        className="g-3 mb-3",
    )


def _reviewed_card(progress: ReviewProgress | None) -> Component:
    if progress is None:
        return kpi_card(Overview.KPI_REVIEWED, "Reviewed", "unavailable", "the database is down")
    covered = progress.share_covered
    return kpi_card(
        Overview.KPI_REVIEWED,
        "Reviewed",
        f"{count(progress.reviewed)} of {count(progress.flagged)}",
        f"flagged items · {percent(covered, digits=0)} of money at stake covered"
        if covered is not None
        else "flagged items",
    )


def _segment_card(run: Run, display: Display) -> Component:
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
                        options=[
                            {"label": display.label(name), "value": name} for name in segments
                        ],
                        value=first,
                    ),
                ],
                size="sm",
                className="mb-2 segment-picker",
            ),
            graph(
                Overview.SEGMENT_CHART,
                at_stake_by_segment_figure(
                    at_stake_by_segment(run, first), first, display, click_hint=BAR_HINT
                ),
            ),
        ]
    )


def _top_table(run: Run, display: Display) -> Component:
    table = top_flagged(run, limit=TOP_ITEMS)
    money = {"function": display.d3_money()}
    # The Explorer's order: what ranks an item first, its prices next, its segments last.
    columns: list[dict[str, Any]] = [
        {
            "field": "item_id",
            "headerName": display.label("item_id"),
            "pinned": "left",
            "minWidth": 235,
        },
        {
            "field": "score",
            "headerName": display.label("score"),
            "valueFormatter": SCORE_FORMAT,
            "type": "rightAligned",
            "minWidth": 80,
        },
        {
            "field": "direction",
            "headerName": display.label("direction"),
            "cellClassRules": DIRECTION_CLASSES,
            "minWidth": 100,
        },
        {
            "field": "at_stake",
            "headerName": display.label("at_stake"),
            "valueFormatter": money,
            "type": "rightAligned",
            "sort": "desc",
            "minWidth": 130,
        },
        *[
            {
                "field": name,
                "headerName": display.label(name),
                "valueFormatter": money,
                "type": "rightAligned",
            }
            for name in _PRICES
        ],
        *[
            {"field": name, "headerName": display.label(name), "minWidth": 120}
            for name in table.columns
            if name not in {*_PRICES, "item_id", "score", "direction", "at_stake"}
        ],
    ]
    return chart_card(
        [
            html.H6(f"Top {TOP_ITEMS} flagged items by money at stake", className="mb-0"),
            html.Div(
                "Click a row (or select it with the space bar) to open the item in the Explorer.",
                className="text-muted small mb-2",
            ),
            dag.AgGrid(
                id=Overview.TOP_TABLE,
                rowData=table.astype({"item_id": "string"}).to_dict("records"),
                columnDefs=columns,
                defaultColDef={
                    "sortable": True,
                    "resizable": True,
                    "flex": 1,
                    "minWidth": 100,
                    # A long label wraps onto a second line rather than losing its end.
                    "wrapHeaderText": True,
                    "autoHeaderHeight": True,
                },
                getRowId="params.data.item_id",
                dashGridOptions={
                    "domLayout": "autoHeight",
                    "animateRows": False,
                    # Selecting a row (a click, or the space bar on a focused row) opens the item.
                    "rowSelection": {
                        "mode": "singleRow",
                        "checkboxes": False,
                        "enableClickSelection": True,
                    },
                },
                style={"width": "100%"},
            ),
        ]
    )
