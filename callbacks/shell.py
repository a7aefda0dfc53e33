"""The frame's callbacks: the navbar's run badge follows the current run as the analyst moves
between pages (a recompute on the Jobs page publishes a new one)."""

from __future__ import annotations

from dash import Dash, Input, Output
from dash.development.base_component import Component

from dashboard.ids import Shell
from dashboard.services import Services
from layouts.shell import run_badge

# Dash Pages' own location component: it changes on every page navigation.
PAGES_LOCATION = "_pages_location"


def register(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Shell.RUN_BADGE, "children"),
        Input(PAGES_LOCATION, "pathname"),
        prevent_initial_call=True,
    )
    def refresh_run_badge(pathname: object) -> Component:
        return run_badge(services)
