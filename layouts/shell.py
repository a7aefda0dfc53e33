"""The frame around every page: the navbar (pages, the run on screen and its switcher) and the page
container."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component
from flask import has_request_context

from dashboard.auth import Role, csrf_token, current_identity
from dashboard.datasets.store import DatasetStore
from dashboard.ids import Shell
from dashboard.run_choice import run_on_screen, runs_by_dataset
from dashboard.runs import RunInfo
from dashboard.services import Services

#: Runs listed per dataset in the switcher, newest first; the Jobs page lists them all.
RUNS_PER_DATASET = 4
#: Making a run current changes what everyone sees: analysts and admins only.
SWITCH_ROLE = Role.ANALYST


def run_badge(services: Services, requested_run: object = None) -> Component:
    """The run on screen (``requested_run``, a page's ``?run=``, else the current run), named on a
    switcher that lists the runs grouped by dataset; refreshed on every page change."""
    shown = run_on_screen(services.runs, requested_run)
    if shown is None:
        return dbc.Badge("No run yet", color="warning")
    identity = current_identity(services.settings.sign_in_required)
    may_switch = identity is not None and identity.can(SWITCH_ROLE)
    current_id = services.runs.current_id()
    groups = runs_by_dataset(services.runs, DatasetStore(services.settings.datasets_dir))
    entries: list[Component] = []
    for group in groups:
        entries.append(dbc.DropdownMenuItem(group.name, header=True))
        entries.extend(
            _switch_entry(info, shown=shown.run_id, current=current_id, may_switch=may_switch)
            for info in group.runs[:RUNS_PER_DATASET]
        )
        older = len(group.runs) - RUNS_PER_DATASET
        if older > 0:
            entries.append(
                dbc.DropdownMenuItem(
                    f"{older:,} older run{'s' if older > 1 else ''} on the Jobs page",
                    href="/jobs",
                    className="small text-muted ps-4",
                )
            )
    entries.append(dbc.DropdownMenuItem(divider=True))
    if not may_switch:
        entries.append(
            dbc.DropdownMenuItem(
                "Only analysts can switch the current run.", header=True, className="small"
            )
        )
    entries.append(dbc.DropdownMenuItem("All runs on the Jobs page", href="/jobs"))
    not_current = "" if shown.run_id == current_id else " (not the current run)"
    return dbc.DropdownMenu(
        entries,
        label=f"Run {shown.label} · {shown.rows:,} items{not_current}",
        id=Shell.RUN_SWITCHER,
        color="light",
        size="sm",
        align_end=True,
        class_name="run-switcher",
    )


def _switch_entry(info: RunInfo, *, shown: str, current: str | None, may_switch: bool) -> Component:
    created = info.created_at[:16].replace("T", " ")
    marks = " · current" if info.run_id == current else ""
    return dbc.DropdownMenuItem(
        [
            html.Span(info.label),
            html.Span(
                f" · {info.rows:,} items · {created} UTC{marks}", className="text-muted small"
            ),
        ],
        id={"type": Shell.SWITCH_RUN, "run": info.run_id},
        active=info.run_id == shown,
        # Viewers see the runs but cannot switch (the callback refuses them too).
        disabled=not may_switch,
        class_name="ps-4",
    )


def navbar(services: Services) -> dbc.Navbar:
    badge = run_badge(services)
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in dash.page_registry.values()
        if page.get("nav", True)
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [
                        html.Span("Price", className="fw-light"),
                        html.Span("Scope", className="fw-bold"),
                    ],
                    href="/",
                ),
                dbc.Nav(links, navbar=True, className="me-auto"),
                html.Div(badge, id=Shell.RUN_BADGE),
                html.Span(id=Shell.SWITCH_NOTE, className="text-warning small ms-2"),
                user_menu(services),
            ],
            fluid=True,
        ),
        id=Shell.NAVBAR,
        color="dark",
        dark=True,
        className="mb-3",
    )


def user_menu(services: Services) -> Component | None:
    """Who is signed in, their role, and "Sign out" (a POST form: a link could be forged)."""
    if not services.settings.sign_in_required or not has_request_context():
        return None
    identity = current_identity(sign_in_required=True)
    if identity is None:
        return None
    return html.Form(
        [
            html.Span(identity.name, className="text-light small me-1"),
            dbc.Badge(identity.role.value, color="secondary", className="me-2"),
            dcc.Input(type="hidden", name="csrf_token", value=csrf_token()),
            html.Button("Sign out", type="submit", className="btn btn-sm btn-outline-light"),
        ],
        id=Shell.USER_MENU,
        action="/logout",
        method="POST",
        className="d-flex align-items-center ms-3 mb-0",
    )


def shell(services: Services) -> Component:
    return html.Div(
        [
            # Set once a run is switched: the page loads again, showing the new current run.
            dcc.Location(id=Shell.RELOAD, refresh=True),
            dcc.Store(id=Shell.RUN_CHANGED),
            html.A("Skip to content", href="#main-content", className="skip-link"),  # a11y.js
            navbar(services),
            dbc.Container(dash.page_container, fluid=True, tag="main", id="main-content"),
        ]
    )
