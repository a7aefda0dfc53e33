"""The frame around every page: the navbar (pages, current run) and the page container."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component

from dashboard.ids import Shell
from dashboard.services import Services


def navbar(services: Services) -> dbc.Navbar:
    current = services.runs.current()
    badge = (
        dbc.Badge(f"Run {current.label} · {current.rows:,} items", color="light", text_color="dark")
        if current
        else dbc.Badge("No run yet", color="warning")
    )
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
            ],
            fluid=True,
        ),
        id=Shell.NAVBAR,
        color="dark",
        dark=True,
        className="mb-3",
    )


def shell(services: Services) -> Component:
    return html.Div([navbar(services), dbc.Container(dash.page_container, fluid=True)])
