"""The shell's read-only banner follows the database: it appears within seconds of an outage and
goes by itself when the database answers again. Nothing is redrawn while the state holds."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, no_update

from dashboard.ids import Shell
from dashboard.services import Services
from layouts.shell_database import database_banner, database_state


def register(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Shell.DATABASE_BANNER, "children"),
        Output(Shell.DATABASE_STATE, "data"),
        Input(Shell.DATABASE_WATCH, "n_intervals"),
        State(Shell.DATABASE_STATE, "data"),
        prevent_initial_call=True,
    )
    def follow_database(_ticks: object, known: object) -> tuple[Any, Any]:
        state = database_state(services)
        if state == known:
            return no_update, no_update
        return database_banner(state), state
