"""The frame's callbacks: the navbar's run switcher names the run on screen as the analyst moves
between pages (a recompute on the Jobs page publishes a new one, a link may name an older one or
another dataset's decisions), and
choosing a run in it makes that run current, then loads the page again to show it.

Making a run current changes what every page shows to everyone: the role is checked here, whatever
the menu offered, so a viewer's crafted POST changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs

import dash
from dash import ALL, Dash, Input, Output, State, ctx, no_update, set_props
from dash.development.base_component import Component

from dashboard.auth import RoleRefusedError, require_role
from dashboard.errors import InputError
from dashboard.ids import Shell
from dashboard.run_choice import decisions_run
from dashboard.runs import check_run_id
from dashboard.services import Services
from layouts.shell import SWITCH_ROLE, run_badge

logger = logging.getLogger(__name__)

# Dash Pages' own location component: it changes on every page navigation.
PAGES_LOCATION = "_pages_location"
#: The URL parameter naming the run a page shows, and the registry key listing a page's parameters.
RUN_PARAMETER = "run"
DATASET_PARAMETER = "dataset"
URL_PARAMS = "url_params"


def register(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Shell.RUN_BADGE, "children"),
        Input(PAGES_LOCATION, "pathname"),
        Input(PAGES_LOCATION, "search"),
        Input(Shell.RUN_CHANGED, "data"),
    )
    def refresh_run_badge(pathname: object, search: object, changed: object) -> Component | Any:
        requested = requested_run(app, services, pathname, search)
        if ctx.triggered_id is None and requested is None:
            # The page has just loaded and the layout already names the current run: drawing the
            # menu again would only close it under an analyst who opened it at once.
            return no_update
        return run_badge(services, requested)

    @app.callback(
        Output(Shell.RELOAD, "href"),
        Output(Shell.SWITCH_NOTE, "children"),
        Input({"type": Shell.SWITCH_RUN, "run": ALL}, "n_clicks"),
        State(PAGES_LOCATION, "pathname"),
        prevent_initial_call=True,
    )
    def switch_run(clicks: object, pathname: object) -> tuple[Any, Any]:
        trigger = ctx.triggered_id
        # The menu is drawn again on every page change: new entries "fire" with no click.
        if not isinstance(trigger, dict) or not ctx.triggered[0].get("value"):
            return no_update, no_update
        try:
            identity = require_role(services.settings.sign_in_required, SWITCH_ROLE)
        except RoleRefusedError as refusal:
            logger.warning("run switch refused: %s", refusal)
            return no_update, str(refusal)
        try:
            run_id = check_run_id(trigger.get("run"))  # type: ignore[arg-type]
            services.runs.set_current(run_id)
        except InputError as error:
            return no_update, str(error)
        logger.info("%s made run %s current", identity.name, run_id)
        return page_address(app, pathname), ""


def announce_current_run(run_id: str | None) -> None:
    """Tell the navbar, from a page's callback, that the current run is now ``run_id``."""
    set_props(Shell.RUN_CHANGED, {"data": run_id})


def _page_of(app: Dash, pathname: object) -> dict[str, Any] | None:
    if not isinstance(pathname, str):
        return None
    relative = app.strip_relative_path(pathname) or ""
    for page in dash.page_registry.values():
        if str(page.get("path", "")).strip("/") == relative.strip("/"):
            return page
    return None


def requested_run(app: Dash, services: Services, pathname: object, search: object) -> str | None:
    """The run a page's address asks for, when that page takes such a parameter: ``?run=`` names
    it, ``?dataset=`` (the Decisions page) asks for the run that dataset's decisions are counted
    against. Parsed as Dash Pages parses it, so the badge and the page agree."""
    page = _page_of(app, pathname)
    if page is None or not isinstance(search, str) or not search.startswith("?"):
        return None
    takes = page.get(URL_PARAMS, ())
    query = parse_qs(search[1:])
    runs, datasets = query.get(RUN_PARAMETER, []), query.get(DATASET_PARAMETER, [])
    if RUN_PARAMETER in takes and len(runs) == 1:
        return runs[0]
    if DATASET_PARAMETER in takes and len(datasets) == 1:
        counted = decisions_run(services.runs, datasets[0])
        return counted.run_id if counted is not None else None
    return None


def page_address(app: Dash, pathname: object) -> str:
    """The page the switch was made on, without its ``?run=`` (the new current run is the point),
    or the Overview; only a registered page's path, so no address from the client is followed."""
    page = _page_of(app, pathname)
    path = str(page["path"]) if page is not None else "/"
    return app.get_relative_path(path)
