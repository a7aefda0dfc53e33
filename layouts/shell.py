"""The frame around every page: the navbar (pages, current run) and the page container."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component
from flask import has_request_context

from dashboard.auth import csrf_token, current_identity
from dashboard.ids import Shell
from dashboard.services import Services


def run_badge(services: Services) -> dbc.Badge:
    """The current run, as the navbar shows it (refreshed on every page change)."""
    current = services.runs.current()
    if current is None:
        return dbc.Badge("No run yet", color="warning")
    return dbc.Badge(
        f"Run {current.label} · {current.rows:,} items", color="light", text_color="dark"
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
    return html.Div([navbar(services), dbc.Container(dash.page_container, fluid=True)])
