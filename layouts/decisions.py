"""Decisions: what analysts decided, by whom, how much of the money at stake that covers, the
repricings waiting for approval and the approved ones, ready to hand to the pricing system.

Decisions are kept per dataset: the page shows one dataset's (the run on screen's by default,
another through ``?dataset=``) and counts them against one run of it, named on the page: the run in
``?run=`` when it is given, else the current run when it is of that dataset, else the dataset's
newest. Decisions made on other runs of the dataset are counted and listed as such. Built per request
from the database and the run (decisions change while the run does not); the approval callbacks
rebuild :func:`page_content` after a verdict.
"""

from __future__ import annotations

from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.auth import Identity, current_identity
from dashboard.datasets.store import DatasetStore
from dashboard.db.health import DECISIONS_UNAVAILABLE, DatabaseUnavailableError
from dashboard.display import Display
from dashboard.errors import InputError
from dashboard.formatting import count, percent
from dashboard.ids import Decisions
from dashboard.reviews.actions import ACTION_LABELS
from dashboard.reviews.summary import DecisionsSummary, decisions_frame, summarise
from dashboard.run_choice import dataset_names, decisions_run, default_dataset, name_of
from dashboard.run_display import display_for
from dashboard.runs import Run
from dashboard.services import Services
from layouts.decisions_approval import approval_row
from layouts.decisions_tables import HISTORY_SHOWN, decisions_body, other_runs_notice
from layouts.widgets import kpi_card, notice


def layout(services: Services, dataset: str | None = None, run: str | None = None) -> Component:
    reviewing = services.reviewing
    names = dataset_names(DatasetStore(services.settings.datasets_dir))
    try:
        with reviewing.health.guard("read the Decisions page"):
            decided = reviewing.decisions.datasets()
    except DatabaseUnavailableError:
        # Everything on this page is read from the database; the shell's banner says why.
        return notice(
            Decisions.EMPTY, "Decisions are unavailable", DECISIONS_UNAVAILABLE, "warning"
        )
    try:
        chosen, loaded = page_scope(services, dataset, run, names, decided)
    except InputError as error:
        return notice(Decisions.EMPTY, "That run cannot be shown", str(error), "danger")
    identity = current_identity(services.settings.sign_in_required)
    return html.Div(
        [
            dcc.Store(id=Decisions.DATASET, data=chosen),
            dcc.Store(id=Decisions.RUN, data=loaded.run_id if loaded is not None else None),
            _header(),
            _scope(chosen, names, decided, loaded),
            dcc.Download(id=Decisions.DOWNLOAD),
            dcc.Download(id=Decisions.PRICE_CHANGE_DOWNLOAD),
            html.Div(
                page_content(services, chosen, loaded, identity),
                id=Decisions.CONTENT,
            ),
        ],
        id=Decisions.PAGE,
        className="decisions",
    )


def page_scope(
    services: Services,
    dataset: str | None,
    run: str | None,
    names: dict[str, str],
    decided: dict[str, int],
) -> tuple[str, Run | None]:
    """The dataset and the run its decisions are counted against. A run in the address wins (its
    dataset with it) unless the address names another dataset; a run that does not exist is ignored
    as any unknown address part is."""
    if run:
        try:
            info = services.runs.info(run)
        except InputError:
            info = None
        if info is not None and (not dataset or dataset == info.dataset):
            return info.dataset, services.runs.load(info.run_id)
    chosen = dataset if dataset in names or dataset in decided else None
    chosen = chosen or default_dataset(services.runs)
    found = decisions_run(services.runs, chosen)
    return chosen, services.runs.load(found.run_id) if found is not None else None


def page_content(
    services: Services,
    dataset: str,
    run: Run | None,
    identity: Identity | None,
    verdict_message: Component | None = None,
) -> list[Component]:
    """Everything below the scope line: the figures, the approval and price-change cards, the
    tables. Rebuilt after an approval."""
    reviewing = services.reviewing
    display = display_for(services.settings, run.info if run is not None else None)
    try:
        with reviewing.health.guard("read the Decisions page"):
            current = reviewing.decisions.decisions(dataset)
            history = reviewing.decisions.history(dataset, limit=HISTORY_SHOWN)
            exports = reviewing.exports.recent(dataset, limit=1)
    except DatabaseUnavailableError:
        return [
            notice(Decisions.EMPTY, "Decisions are unavailable", DECISIONS_UNAVAILABLE, "warning")
        ]
    frame = decisions_frame(current.values(), run)
    summary = summarise(frame, run)
    return [
        _kpis(summary, display),
        other_runs_notice(frame, summary, run),
        approval_row(
            frame, summary, display, identity, exports[0] if exports else None, verdict_message
        ),
        decisions_body(frame, summary, history, display),
    ]


def _scope(
    chosen: str, names: dict[str, str], decided: dict[str, int], run: Run | None
) -> Component:
    """Which dataset's decisions these are, against which run; and the other datasets to look at."""
    against = (
        [" against run ", html.Strong(run.info.label), f" ({run.run_id})"]
        if run is not None
        else [" — the dataset has no run yet, so nothing counts as flagged now"]
    )
    choices = list(names) + sorted(slug for slug in decided if slug not in names)
    links = [
        dbc.NavItem(
            dbc.NavLink(
                f"{name_of(slug, names)} ({count(decided.get(slug, 0))})",
                href=f"/decisions?{urlencode({'dataset': slug})}",
                active=slug == chosen,
                class_name="py-1 px-2 small",
            )
        )
        for slug in choices
    ]
    return html.Div(
        [
            html.Div(
                ["Decisions on ", html.Strong(name_of(chosen, names)), *against, "."],
                id=Decisions.SCOPE,
                className="mb-2",
            ),
            dbc.Nav(links, id=Decisions.DATASETS, pills=True, className="mb-3 small")
            if len(choices) > 1
            else None,
        ]
    )


def _header() -> Component:
    return html.Div(
        [
            html.Div(
                [
                    html.H4("Decisions", className="mb-0"),
                    html.Div(
                        "What analysts decided about flagged items, and what it is worth.",
                        className="text-muted small",
                    ),
                ]
            ),
            html.Div(
                [
                    html.Span("All decisions:", className="small text-muted me-2"),
                    dbc.Button(
                        "CSV", id=Decisions.EXPORT_CSV, size="sm", color="secondary", outline=True
                    ),
                    dbc.Button(
                        "Excel",
                        id=Decisions.EXPORT_XLSX,
                        size="sm",
                        color="secondary",
                        outline=True,
                        className="ms-2",
                    ),
                ],
                className="ms-auto",
            ),
        ],
        className="d-flex align-items-center mb-3",
    )


def _kpis(summary: DecisionsSummary, display: Display) -> Component:
    pending = (
        f"pending approval: {count(summary.pending)} "
        f"({display.signed_money(summary.pending_effect)})"
    )
    return dbc.Row(
        [
            kpi_card(
                f"{Decisions.KPIS}-decided",
                "Items decided",
                count(summary.decided),
                f"{count(summary.flagged_decided)} of {count(summary.flagged_now)} flagged "
                "in this run",
            ),
            kpi_card(
                f"{Decisions.KPIS}-covered",
                "At stake covered",
                display.money(summary.at_stake_covered),
                f"{percent(summary.share_covered)} of {display.money(summary.at_stake_flagged)} "
                "flagged in this run",
            ),
            kpi_card(
                f"{Decisions.KPIS}-repricings",
                "Repricings",
                count(summary.repricings),
                f"{count(summary.approved)} approved · {count(summary.pending)} pending · "
                f"{count(summary.rejected)} rejected",
            ),
            kpi_card(
                f"{Decisions.KPIS}-effect",
                "Expected effect (approved)",
                display.signed_money(summary.approved_effect),
                f"revenue change at today's volume · {pending}",
            ),
            kpi_card(
                f"{Decisions.KPIS}-accepted",
                "Accepted as is",
                count(summary.by_action.get(ACTION_LABELS["accepted"], 0)),
                f"{count(summary.by_action.get(ACTION_LABELS['investigate'], 0))} to investigate",
            ),
            kpi_card(
                f"{Decisions.KPIS}-errors",
                "Data errors",
                count(summary.by_action.get(ACTION_LABELS["data_error"], 0)),
                "to fix at the source",
            ),
        ],
        className="g-3 mb-3",
    )
