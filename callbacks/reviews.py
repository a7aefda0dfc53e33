"""Review callbacks in the Explorer: save a decision for the ticked rows or the open item, show the
open item's decision and history, refresh the table's marks after a save.

Every save checks the caller's role here, whatever the page showed: a viewer's crafted POST to
``/_dash-update-component`` gets a refusal and nothing is written.
"""

from __future__ import annotations

import logging
from typing import Any

from dash import Dash, Input, Output, State, no_update
from dash.development.base_component import Component

from dashboard.auth import Role, RoleRefusedError, require_role
from dashboard.db.health import DECISIONS_UNAVAILABLE, NOT_SAVED, DatabaseUnavailableError
from dashboard.errors import InputError
from dashboard.ids import Explorer, Reviews, Shell
from dashboard.reviews.annotate import VERSION_FIELD
from dashboard.reviews.guardrails import ExtremePriceError, RepriceLimits
from dashboard.reviews.model import parse_decision, parse_targets, targets_of_rows
from dashboard.reviews.service import save_review
from dashboard.run_display import display_for
from dashboard.runs import Run
from dashboard.services import Services
from layouts.explorer_review import (
    HIDDEN,
    ITEM,
    TABLE,
    feedback,
    field_id,
    item_review_summary,
    unavailable_summary,
)

logger = logging.getLogger(__name__)


def register(app: Dash, services: Services) -> None:
    _register_table_save(app, services)
    _register_item_save(app, services)
    _register_item_panel(app, services)
    _register_clientside(app)


def _form_states(scope: str) -> list[State]:
    return [
        State(field_id(Reviews.ACTION, scope), "value"),
        State(field_id(Reviews.NEW_PRICE, scope), "value"),
        State(field_id(Reviews.REASON, scope), "value"),
        State(field_id(Reviews.NOTE, scope), "value"),
        State(field_id(Reviews.CONFIRM, scope), "value"),
    ]


def _confirm_outputs(scope: str) -> list[Output]:
    return [
        Output(field_id(Reviews.CONFIRM_BOX, scope), "style"),
        Output(field_id(Reviews.CONFIRM, scope), "value"),
    ]


def _register_table_save(app: Dash, services: Services) -> None:
    @app.callback(
        Output(field_id(Reviews.FEEDBACK, TABLE), "children"),
        Output(Reviews.VERSION, "data", allow_duplicate=True),
        Output(Explorer.TABLE, "selectedRows"),
        *_confirm_outputs(TABLE),
        Input(field_id(Reviews.SAVE, TABLE), "n_clicks"),
        State(Explorer.TABLE, "selectedRows"),
        State(Explorer.RUN_ID, "data"),
        *_form_states(TABLE),
        prevent_initial_call=True,
    )
    def save_selected(
        clicks: object, rows: object, run_id: object, *form: object
    ) -> tuple[Any, ...]:
        message, version, *confirm = save(
            services, run_id, targets_of_rows(rows, VERSION_FIELD), *form
        )
        return message, version, [] if version is not no_update else no_update, *confirm


def _register_item_save(app: Dash, services: Services) -> None:
    @app.callback(
        Output(field_id(Reviews.FEEDBACK, ITEM), "children"),
        Output(Reviews.VERSION, "data", allow_duplicate=True),
        *_confirm_outputs(ITEM),
        Input(field_id(Reviews.SAVE, ITEM), "n_clicks"),
        State(Reviews.ITEM_TARGET, "data"),
        State(Explorer.RUN_ID, "data"),
        *_form_states(ITEM),
        prevent_initial_call=True,
    )
    def save_item(clicks: object, target: object, run_id: object, *form: object) -> tuple[Any, ...]:
        return save(services, run_id, target, *form)


def save(
    services: Services,
    run_id: object,
    targets: object,
    action: object,
    new_price: object,
    reason: object,
    note: object,
    confirmed: object = False,
) -> tuple[Component, Any, Any, Any]:
    """Checks the role, validates, saves; returns the feedback, the new decisions version
    (``no_update`` when nothing was written) and the confirmation box's style and value (shown
    when the new price is extreme, cleared after a save). With the database down nothing is saved
    and the form keeps what the analyst entered."""
    reviewing = services.reviewing
    try:
        identity = require_role(services.settings.sign_in_required, Role.ANALYST)
    except RoleRefusedError as refusal:
        logger.warning("review save refused: %s", refusal)
        return feedback(0, [], str(refusal)), no_update, no_update, no_update
    try:
        run = _run(services, run_id)
        result = save_review(
            reviewing,
            run,
            parse_targets(targets),
            parse_decision(action, reason, note, new_price, confirmed),
            identity.name,
            RepriceLimits.of(services.settings),
            display_for(services.settings, run.info).price,
        )
    except ExtremePriceError as error:
        return feedback(0, [], str(error), warning=True), no_update, {}, no_update
    except InputError as error:
        return feedback(0, [], str(error)), no_update, no_update, no_update
    except DatabaseUnavailableError:
        return feedback(0, [], NOT_SAVED), no_update, no_update, no_update
    conflicts = [conflict.message for conflict in result.conflicts]
    version: Any
    try:
        with reviewing.health.guard("read the decisions version"):
            version = reviewing.decisions.version(run.info.dataset)
    except DatabaseUnavailableError:
        version = no_update  # saved; the marks refresh with the next change once it is back
    return feedback(len(result.saved), conflicts), version, HIDDEN, False


def _run(services: Services, run_id: object) -> Run:
    if not isinstance(run_id, str):
        raise InputError("This page lost track of its run; reload it.")
    return services.runs.load(run_id)


def _register_item_panel(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Reviews.ITEM_PANEL, "children"),
        Output(Reviews.ITEM_TARGET, "data"),
        Input(Explorer.ITEM_STATE, "data"),
        Input(Reviews.VERSION, "data"),
        # Redrawn when the database goes or comes back, so the panel never shows a stale version.
        Input(Shell.DATABASE_STATE, "data"),
        State(Explorer.RUN_ID, "data"),
    )
    def show_review(
        item: object, _version: object, _database: object, run_id: object
    ) -> tuple[Any, Any]:
        reviewing = services.reviewing
        if not isinstance(item, str):
            return None, None
        try:
            run = _run(services, run_id)
        except InputError:
            return None, None
        try:
            with reviewing.health.guard("read an item's decision"):
                decision = reviewing.decisions.decision(run.info.dataset, item)
                history = reviewing.decisions.history(run.info.dataset, item, limit=50)
        except DatabaseUnavailableError:
            # Version 0 ("no decision seen"): should a save reach a database that has one, it is
            # a conflict, never an overwrite. The panel redraws with the real one when it is back.
            return unavailable_summary(DECISIONS_UNAVAILABLE), {item: 0}
        mark = reviewing.flags.marks(run).label_of(item)
        version = decision.version if decision else 0
        display = display_for(services.settings, run.info)
        return item_review_summary(decision, history, mark, display), {item: version}


def _register_clientside(app: Dash) -> None:
    app.clientside_callback(
        "function(rows) { const n = (rows || []).length; return n + ' selected'; }",
        Output(Reviews.SELECTED_COUNT, "children"),
        Input(Explorer.TABLE, "selectedRows"),
    )
    # After a save the grid fetches its rows again (keeping its scroll position) to show the marks.
    app.clientside_callback(
        """
        function(version, gridId) {
            const api = window.dash_ag_grid && window.dash_ag_grid.getApi
                ? window.dash_ag_grid.getApi(gridId) : null;
            if (api && !api.isDestroyed()) { api.refreshInfiniteCache(); }
            return window.dash_clientside.no_update;
        }
        """,
        Output(Reviews.GRID_REFRESH, "data"),
        Input(Reviews.VERSION, "data"),
        State(Explorer.TABLE, "id"),
        prevent_initial_call=True,
    )
