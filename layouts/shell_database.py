"""The shell's read-only banner: shown on every page while the database cannot be reached."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.db.health import READ_ONLY_BANNER
from dashboard.ids import Shell
from dashboard.services import Services

#: How often a page asks whether the database answers: a remembered state, rarely a ``SELECT 1``.
DATABASE_WATCH_MS = 5_000
UP, DOWN = "up", "down"


def database_state(services: Services) -> str:
    return UP if services.reviewing.health.reachable() else DOWN


def database_banner(state: str) -> Component | None:
    if state != DOWN:
        return None
    return dbc.Alert(
        READ_ONLY_BANNER,
        color="warning",
        class_name="py-2 mb-2 database-banner",
    )


def database_watch(services: Services) -> list[Component]:
    """The banner (drawn now from the health state, kept current by the watch) and the watch."""
    state = database_state(services)
    return [
        dcc.Store(id=Shell.DATABASE_STATE, data=state),
        dcc.Interval(id=Shell.DATABASE_WATCH, interval=DATABASE_WATCH_MS),
        # A status region: screen readers announce the banner as it comes and goes.
        dbc.Container(
            html.Div(database_banner(state), id=Shell.DATABASE_BANNER, role="status"), fluid=True
        ),
    ]
