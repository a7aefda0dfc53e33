"""Outlier Explorer: filter, cross-filter and rank the items of a run; open one to see why.

The page's state lives in the URL hash (``/explorer#seg.brand=Avon&dir=under``), which the server
never sees: the layout carries the unfiltered view (KPIs and charts drawn), and the first callback
fills the controls from the hash and redraws only if the hash asks for another view, so a shared
link reproduces the view and back/forward step through it.
"""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.auth import Identity, current_identity
from dashboard.display import Display
from dashboard.errors import InputError
from dashboard.figures.theme import Figure
from dashboard.filters import DEFAULT_TABLE_SORT, HEATMAP_METRICS, FilterState
from dashboard.filters.events import views_of
from dashboard.ids import Explorer
from dashboard.query.explorer import segment_categories
from dashboard.run_display import display_for
from dashboard.runs import Run
from dashboard.services import Services
from layouts.explorer_columns import column_chooser, table_column_defs
from layouts.explorer_filters import filter_sidebar
from layouts.explorer_review import (
    ROW_SELECTION,
    item_review_section,
    review_stores,
    table_toolbar,
)
from layouts.explorer_views import ChartViews, chart_views
from layouts.widgets import GRAPH_CONFIG, chart_card, notice

# Chart interactions the analyst uses here: lasso and box select stay in the mode bar.
SCATTER_CONFIG = {**GRAPH_CONFIG, "modeBarButtonsToRemove": ["autoScale2d"]}
TABLE_BLOCK_ROWS = 100
METRIC_LABELS = {"at_stake": "Money at stake", "share_flagged": "Share flagged"}


def layout(services: Services, run: str | None = None) -> Component:
    try:
        loaded = services.runs.load(run) if run else services.runs.load_current()
    except InputError as error:
        return notice(Explorer.PROBLEMS, "That run cannot be shown", str(error), "danger")
    identity = current_identity(services.settings.sign_in_required)
    if loaded is None:
        return notice(
            Explorer.PROBLEMS,
            "No scoring run yet",
            ["Run ", html.Code("python -m dashboard bootstrap"), " to score the demo catalogue."],
            "warning",
        )
    first = views_of(FilterState())
    display = display_for(services.settings, loaded.info)
    categories = segment_categories(loaded, indexes=services.explorer_indexes)
    views = chart_views(services, loaded, FilterState())
    return html.Div(
        [
            dcc.Location(id=Explorer.URL, refresh=False),
            dcc.Store(id=Explorer.RUN_ID, data=loaded.run_id),
            # The first view (a bare link's) comes with the page; see callbacks.explorer.
            dcc.Store(id=Explorer.CHART_STATE, data=first.charts),
            dcc.Store(id=Explorer.TABLE_STATE, data=first.table),
            dcc.Store(id=Explorer.ITEM_STATE),
            dcc.Download(id=Explorer.DOWNLOAD),
            *review_stores(),
            dbc.Row(
                [
                    # A third of a 1280 px window is what the longest labels need; two twelfths
                    # from 1400 px.
                    dbc.Col(
                        filter_sidebar(categories, display),
                        lg=3,
                        xxl=2,
                        className="explorer-filters",
                    ),
                    dbc.Col(_main(loaded, identity, views, display), lg=9, xxl=10),
                ],
                className="g-3",
            ),
            _detail_panel(identity),
        ],
        className="explorer",
    )


def _main(run: Run, identity: Identity | None, first: ChartViews, display: Display) -> Component:
    kpis, scatter, scores, heatmap, bars = first
    segments = list(run.info.columns.segments)
    axis_options = [{"label": display.label(name), "value": name} for name in segments]
    return html.Div(
        [
            html.Div(id=Explorer.PROBLEMS),
            html.Div(
                [
                    html.Div(id=Explorer.CHIPS, className="chips"),
                    dbc.Button(
                        "Clear all",
                        id=Explorer.CLEAR_ALL,
                        color="link",
                        size="sm",
                        className="ms-2",
                    ),
                    html.Div(
                        [
                            dcc.Clipboard(id=Explorer.COPY_LINK, title="Copy a link to this view"),
                            html.Span("Copy link", className="small ms-1"),
                        ],
                        className="copy-link ms-auto d-flex align-items-center",
                    ),
                ],
                className="d-flex align-items-center flex-wrap mb-2 chips-row",
            ),
            dcc.Loading(
                html.Div(kpis, id=Explorer.KPIS, className="mb-3"), type="dot", delay_show=400
            ),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card(_graph(Explorer.SCATTER, scatter, SCATTER_CONFIG)),
                        xl=7,
                        className="mb-3",
                    ),
                    dbc.Col(chart_card(_graph(Explorer.SCORES, scores)), xl=5, className="mb-3"),
                ],
                className="g-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card(
                            [
                                dbc.Row(
                                    [
                                        _axis_picker("Rows", Explorer.HEATMAP_Y, axis_options),
                                        _axis_picker("Columns", Explorer.HEATMAP_X, axis_options),
                                        _axis_picker(
                                            "Colour",
                                            Explorer.HEATMAP_METRIC,
                                            [
                                                {"label": METRIC_LABELS[value], "value": value}
                                                for value in HEATMAP_METRICS
                                            ],
                                        ),
                                    ],
                                    className="g-2 mb-2",
                                ),
                                _graph(Explorer.HEATMAP, heatmap),
                            ]
                        ),
                        xl=7,
                        className="mb-3",
                    ),
                    dbc.Col(chart_card(_graph(Explorer.BARS, bars)), xl=5, className="mb-3"),
                ],
                className="g-3",
            ),
            chart_card(
                [
                    html.Div(
                        [
                            html.H6("Ranked items", className="mb-0 me-2"),
                            html.Span(id=Explorer.TABLE_COUNT, className="text-muted small"),
                            html.Div(
                                [
                                    column_chooser(run.info, display),
                                    dbc.Button(
                                        "CSV",
                                        id=Explorer.EXPORT_CSV,
                                        size="sm",
                                        color="secondary",
                                        outline=True,
                                    ),
                                    dbc.Button(
                                        "Excel",
                                        id=Explorer.EXPORT_XLSX,
                                        size="sm",
                                        color="secondary",
                                        outline=True,
                                        className="ms-2",
                                    ),
                                ],
                                className="ms-auto",
                            ),
                        ],
                        className="d-flex align-items-center mb-2",
                    ),
                    table_toolbar(identity),
                    _table(run, display),
                ]
            ),
        ]
    )


def _axis_picker(label: str, component_id: str, options: list[dict[str, str]]) -> Component:
    # Each picker as wide as its longest choice ("Money at stake", a long column name), wrapping
    # to the next line on a narrow chart rather than cutting a name short.
    return dbc.Col(
        dbc.InputGroup(
            [
                dbc.InputGroupText(dbc.Label(label, html_for=component_id, className="m-0")),
                dbc.Select(id=component_id, options=options),
            ],
            size="sm",
        ),
        width="auto",
    )


def _graph(component_id: str, figure: Figure, config: object = GRAPH_CONFIG) -> dcc.Graph:
    return dcc.Graph(id=component_id, figure=figure, config=config)  # type: ignore[arg-type]


def _table(run: Run, display: Display) -> Component:
    return dag.AgGrid(
        id=Explorer.TABLE,
        rowModelType="infinite",
        columnDefs=table_column_defs(run.info, DEFAULT_TABLE_SORT, display),
        defaultColDef={
            "sortable": True,
            "resizable": True,
            "flex": 1,
            "minWidth": 100,
            "filterParams": {"maxNumConditions": 2, "buttons": ["reset"]},
        },
        dashGridOptions={
            "cacheBlockSize": TABLE_BLOCK_ROWS,
            "maxBlocksInCache": 20,
            "infiniteInitialRowCount": 1,
            "animateRows": False,
            # Rows drawn in one go when a block arrives, not spread over animation frames.
            "suppressAnimationFrame": True,
            "getRowId": {"function": "params.data.item_id"},
            "rowSelection": ROW_SELECTION,
            # The tick box column: narrow, and no sort or filter marks in a header with no name.
            "selectionColumnDef": {
                "sortable": False,
                "filter": False,
                "resizable": False,
                "suppressHeaderMenuButton": True,
                "width": 48,
                "maxWidth": 48,
                "minWidth": 48,
            },
        },
        # The reducer sends the first block of rows with the KPIs, in the grid's ``context``
        # option; assets/explorer_grid.js hands them to the grid when that option changes.
        eventListeners={"gridOptionsChanged": ["pricescopeShowFirstRows(params)"]},
        style={"height": "520px", "width": "100%"},
    )


def _detail_panel(identity: Identity | None) -> Component:
    return dbc.Offcanvas(
        [
            item_review_section(identity),
            dcc.Loading(html.Div(id=Explorer.DETAIL_BODY), type="dot"),
        ],
        id=Explorer.DETAIL,
        title="Item",
        placement="end",
        is_open=False,
        scrollable=True,
        style={"width": "min(720px, 100vw)"},
    )
