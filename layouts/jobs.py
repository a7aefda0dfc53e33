"""Jobs: choose a scope and recompute, watch and cancel, switch runs, and see recent jobs.

The page's pieces are rendered here from plain data (job snapshots, run infos) so the callbacks
only fetch and hand over.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.datasets import DatasetStore
from dashboard.display import Display
from dashboard.errors import InputError
from dashboard.ids import Jobs
from dashboard.jobs.choices import MAX_SCOPE_VALUES, DatasetChoice, dataset_choices
from dashboard.jobs.scopes import PERIOD_LABELS
from dashboard.runs import DEMO_DATASET
from dashboard.services import Services
from layouts.jobs_outcome import IDLE
from layouts.jobs_tables import runs_table
from layouts.widgets import job_progress

#: The page redraws its analyst's job, the jobs table and the runs from the records this often.
TICK_MS = 1_000


def layout(services: Services) -> Component:
    return html.Div(
        [
            dcc.Store(id=Jobs.REQUEST),
            dcc.Store(id=Jobs.RESULT),
            dcc.Store(id=Jobs.RUNS_SIGNATURE),
            dcc.Store(id=Jobs.FOLLOWED),
            dcc.Interval(id=Jobs.TICK, interval=TICK_MS),
            html.H2("Recompute for a scope", className="h4 mb-3"),
            dbc.Row(
                [
                    dbc.Col(_scope_card(services), lg=5, className="mb-3"),
                    dbc.Col(_progress_card(), lg=7, className="mb-3"),
                ]
            ),
            dbc.Card(
                [
                    dbc.CardHeader("Runs"),
                    dbc.CardBody(
                        html.Div(
                            runs_table(
                                services.runs.list_runs(),
                                services.runs.current_id(),
                                dataset_names(services),
                                run_warnings_by_id(services),
                            ),
                            id=Jobs.RUNS,
                        )
                    ),
                ],
                className="mb-3",
            ),
            dbc.Card(
                [dbc.CardHeader("Recent jobs"), dbc.CardBody(html.Div(id=Jobs.JOBS_TABLE))],
                className="mb-3",
            ),
        ]
    )


def _scope_card(services: Services) -> Component:
    datasets = dataset_choices(services.settings)
    chosen = _first_dataset(services, datasets)
    filters, ready = scope_filters(services, chosen)
    return dbc.Card(
        [
            dbc.CardHeader("Scope"),
            dbc.CardBody(
                [
                    dbc.Label("Dataset", html_for=Jobs.DATASET),
                    dcc.Dropdown(
                        id=Jobs.DATASET,
                        options=[
                            {
                                "label": d.name
                                if d.has_transactions
                                else f"{d.name} (no transactions)",
                                "value": d.slug,
                            }
                            for d in datasets
                        ],
                        value=chosen,
                        clearable=False,
                        placeholder="No datasets yet",
                        className="mb-3",
                    ),
                    dbc.Label("Period", html_for=Jobs.PERIOD),
                    dbc.RadioItems(
                        id=Jobs.PERIOD,
                        options=[
                            {"label": text, "value": key} for key, text in PERIOD_LABELS.items()
                        ],
                        value="12m",
                        inline=True,
                        className="mb-2",
                    ),
                    dcc.DatePickerRange(
                        id=Jobs.DATES,
                        display_format="YYYY-MM-DD",
                        disabled=True,
                        className="mb-3 d-block",
                    ),
                    html.Div(filters, id=Jobs.FILTERS),
                    html.Div(
                        [
                            dbc.Button(
                                "Recompute",
                                id=Jobs.RECOMPUTE,
                                color="primary",
                                className="me-2",
                                disabled=not ready,
                            ),
                            dbc.Button(
                                "Cancel",
                                id=Jobs.CANCEL,
                                color="danger",
                                outline=True,
                                disabled=True,
                            ),
                        ],
                        className="mt-3",
                    ),
                    html.Div(id=Jobs.SCOPE_ERROR, className="mt-3"),
                ]
            ),
        ],
        className="h-100",
    )


def _first_dataset(services: Services, datasets: list[DatasetChoice]) -> str | None:
    """The current run's dataset when it has transactions, else the first that has, else any."""
    current = services.runs.current()
    wanted = current.dataset if current is not None else DEMO_DATASET
    with_lines = [d.slug for d in datasets if d.has_transactions]
    if wanted in with_lines:
        return wanted
    anything = with_lines or [d.slug for d in datasets]
    return anything[0] if anything else None


def scope_filters(services: Services, dataset: str | None) -> tuple[list[Component], bool]:
    """One dropdown per scope column of the dataset's transactions, and whether it can be
    recomputed; for a dataset without transactions, the sentence that says so."""
    if dataset is None:
        return [html.P("There are no datasets yet: add one on the Data page.")], False
    try:
        facts = services.scopes.facts(services.settings, dataset)
    except InputError as refusal:
        return [dbc.Alert(str(refusal), color="info", className="mb-0")], False
    display = dataset_display(services, dataset)
    parts = [_multi(display, column, values) for column, values in facts.choices.items()]
    if facts.too_varied:
        names = ", ".join(display.label(c) for c in facts.too_varied)
        parts.append(
            html.P(
                f"Not offered as filters, having more than {MAX_SCOPE_VALUES:,} values: {names}.",
                className="small text-muted mb-0",
            )
        )
    if not facts.choices:
        parts.append(
            html.P(
                "These transactions have no scope columns: a recompute takes every order line "
                "of the period.",
                className="small text-muted mb-0",
            )
        )
    return parts, True


def dataset_display(services: Services, dataset: str) -> Display:
    """The dataset's own column labels (its newest version's mapping) over the built-in ones."""
    try:
        latest = DatasetStore(services.settings.datasets_dir).get(dataset).latest
    except InputError:
        latest = None
    if latest is None:
        return Display(currency=services.settings.currency)
    mapping = latest.mapping
    return Display(
        currency=mapping.currency or services.settings.currency, labels=dict(mapping.labels)
    )


def _multi(display: Display, column: str, values: tuple[str, ...]) -> Component:
    return html.Div(
        [
            dbc.Label(display.label(column), className="mb-1"),
            dcc.Dropdown(
                id={"type": Jobs.FILTER, "column": column},
                options=list(values),
                multi=True,
                placeholder=f"All ({len(values):,} values)",
            ),
        ],
        className="mb-2",
    )


def dataset_names(services: Services) -> dict[str, str]:
    """Each dataset's name by its key, for the runs table's headings."""
    return {d.slug: d.name for d in dataset_choices(services.settings)}


def run_warnings_by_id(services: Services) -> dict[str, tuple[str, ...]]:
    """Each run's scoring warnings (from its model card) by run id; runs without any left out."""
    found = {info.run_id: services.runs.warnings(info.run_id) for info in services.runs.list_runs()}
    return {run_id: warnings for run_id, warnings in found.items() if warnings}


def _progress_card() -> Component:
    return dbc.Card(
        [
            dbc.CardHeader("Progress"),
            dbc.CardBody(
                [
                    *job_progress(Jobs.PROGRESS, Jobs.STAGE, Jobs.TIMING, IDLE),
                    html.Div(id=Jobs.OUTCOME, className="mt-3"),
                    html.Div(id=Jobs.NOTE, className="mt-2 small text-muted"),
                ]
            ),
        ],
        className="h-100",
    )
