"""The frame's callbacks: the navbar names the run on screen after every navigation, switch and
Make current; its links keep the ``?run=`` of the run on screen; any page's Make current button
opens one confirmation that says what changes for everyone; and a cheap watch tells a page that a
new run is current, and tells an analyst that a job of theirs has finished, wherever they are.

Making a run current changes what every page shows to everyone: the role is checked here, whatever
the page offered, so a viewer's crafted POST changes nothing. Viewing a run changes nothing for
anyone: it is only the page's address.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import parse_qs

import dash
from dash import ALL, Dash, Input, Output, Patch, State, ctx, no_update, set_props

import callbacks.shell_database
from dashboard.auth import RoleRefusedError, current_identity, require_role
from dashboard.datasets.store import DatasetStore
from dashboard.db.health import DatabaseUnavailableError
from dashboard.errors import InputError
from dashboard.ids import Shell
from dashboard.jobs import job_book
from dashboard.run_choice import dataset_names, decisions_run, run_address
from dashboard.run_notices import (
    finished_jobs,
    make_current_question,
    new_current_notice,
    remember,
    remembered,
)
from dashboard.runs import check_run_id
from dashboard.services import Services
from layouts.shell import (
    SWITCH_ROLE,
    confirm_body,
    job_toast,
    new_current_banner,
    run_badge,
    run_fallback_banner,
)

logger = logging.getLogger(__name__)

# Dash Pages' own location component: it changes on every page navigation.
PAGES_LOCATION = "_pages_location"
#: The URL parameter naming the run a page shows, and the registry key listing a page's parameters.
RUN_PARAMETER = "run"
DATASET_PARAMETER = "dataset"
URL_PARAMS = "url_params"
#: Job records the watch reads per tick: a user's jobs that just ended are among the newest.
WATCHED_JOBS = 20


def register(app: Dash, services: Services) -> None:
    _register_badge(app, services)
    _register_links(app, services)
    _register_confirmation(app, services)
    _register_watch(app, services)
    _register_run_fallback(app, services)
    callbacks.shell_database.register(app, services)


def _register_badge(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Shell.RUN_BADGE, "children"),
        Output(Shell.KNOWN_CURRENT, "data"),
        Output(Shell.NEW_CURRENT, "children"),
        Input(PAGES_LOCATION, "pathname"),
        Input(PAGES_LOCATION, "search"),
        Input(Shell.RUN_CHANGED, "data"),
    )
    def refresh_run_badge(pathname: object, search: object, changed: object) -> tuple[Any, ...]:
        # Drawn on load too (the layout cannot see the address), after every navigation, back and
        # forward, and whenever a page says the current run changed: the badge is always right.
        requested = requested_run(app, services, pathname, search)
        badge = run_badge(services, requested, view_address(app, pathname))
        # A page that falls back to the current run was just drawn from it; one that names its run
        # is not nagged. Either way the page is up to date with the current run now.
        fresh = requested is None or ctx.triggered_id == Shell.RUN_CHANGED
        known = services.runs.current_id() if fresh else no_update
        return badge, known, None


def _register_links(app: Dash, services: Services) -> None:
    @app.callback(
        Output({"type": Shell.NAV_LINK, "page": ALL}, "href"),
        Output({"type": Shell.NAV_LINK, "page": ALL}, "active"),
        Input(PAGES_LOCATION, "pathname"),
        Input(PAGES_LOCATION, "search"),
    )
    def keep_run_in_links(pathname: object, search: object) -> tuple[list[str], list[bool]]:
        """Each navbar link carries the ``?run=`` of the run on screen to pages that take one, so
        moving between pages never silently falls back to the current run."""
        requested = requested_run(app, services, pathname, search, explicit_only=True)
        here = _page_of(app, pathname)
        hrefs, active = [], []
        for output in ctx.outputs_list[0]:
            page = dash.page_registry.get(str(output["id"]["page"]), {})
            path = str(page.get("relative_path", "/"))
            takes_run = RUN_PARAMETER in page.get(URL_PARAMS, ())
            hrefs.append(run_address(path, requested if takes_run else None))
            active.append(here is not None and here.get("module") == page.get("module"))
        return hrefs, active


def _register_confirmation(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Shell.CONFIRM, "is_open"),
        Output(Shell.CONFIRM_TEXT, "children"),
        Output(Shell.CONFIRM_RUN, "data"),
        Output(Shell.CONFIRM_NOTE, "children"),
        Input({"type": Shell.MAKE_CURRENT, "run": ALL}, "n_clicks"),
        Input(Shell.CONFIRM_NO, "n_clicks"),
        prevent_initial_call=True,
    )
    def ask_make_current(clicks: object, cancel: object) -> tuple[Any, ...]:
        trigger = ctx.triggered_id
        if trigger == Shell.CONFIRM_NO:
            return False, no_update, None, None
        # Buttons are drawn again with the badge and the notifications: those "fire" with no click.
        if not isinstance(trigger, dict) or not ctx.triggered[0].get("value"):
            return no_update, no_update, no_update, no_update
        try:
            run_id = check_run_id(trigger.get("run"))  # type: ignore[arg-type]
            _, question = make_current_question(services.runs, run_id, _names(services))
        except InputError as error:
            return True, str(error), None, None
        return True, confirm_body(question, services.runs.warnings(run_id)), run_id, None

    @app.callback(
        Output(Shell.CONFIRM, "is_open", allow_duplicate=True),
        Output(Shell.CONFIRM_NOTE, "children", allow_duplicate=True),
        Output(Shell.RUN_CHANGED, "data"),
        Input(Shell.CONFIRM_YES, "n_clicks"),
        State(Shell.CONFIRM_RUN, "data"),
        prevent_initial_call=True,
    )
    def make_current(clicks: object, run_id: object) -> tuple[Any, Any, Any]:
        if not clicks:
            return no_update, no_update, no_update
        try:
            identity = require_role(services.settings.sign_in_required, SWITCH_ROLE)
        except RoleRefusedError as refusal:
            logger.warning("make current refused: %s", refusal)
            return no_update, str(refusal), no_update
        try:
            chosen = check_run_id(run_id)  # type: ignore[arg-type]
            services.runs.set_current(chosen, made_by=identity.name)
        except InputError as error:
            return no_update, str(error), no_update
        logger.info("%s made run %s current", identity.name, chosen)
        return False, None, chosen


def _register_watch(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Shell.NEW_CURRENT, "children", allow_duplicate=True),
        Output(Shell.TOASTS, "children"),
        Output(Shell.ANNOUNCED, "data"),
        Input(Shell.WATCH, "n_intervals"),
        State(PAGES_LOCATION, "pathname"),
        State(PAGES_LOCATION, "search"),
        State(Shell.KNOWN_CURRENT, "data"),
        State(Shell.NEW_CURRENT, "children"),
        State(Shell.ANNOUNCED, "data"),
        prevent_initial_call=True,
    )
    def watch(
        ticks: object,
        pathname: object,
        search: object,
        known: object,
        banner: object,
        announced: object,
    ) -> tuple[Any, Any, Any]:
        banner_out: Any = no_update
        explicit = requested_run(app, services, pathname, search, explicit_only=True)
        notice = new_current_notice(services.runs, known) if explicit is None else None
        if notice is not None and not banner:
            banner_out = new_current_banner(notice[1], view_address(app, pathname))
        elif notice is None and banner:
            banner_out = None  # the page's run is current again (or it now names its run)
        toasts, memory = _job_toasts(app, services, pathname, announced)
        return banner_out, toasts, memory


def _register_run_fallback(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Shell.RUN_FALLBACK, "children"),
        Input(PAGES_LOCATION, "pathname"),
        Input(Shell.WATCH, "n_intervals"),
        prevent_initial_call=True,
    )
    def refresh_run_fallback(pathname: object, ticks: object) -> Any:
        """The damaged-current-run banner follows the store: it appears after a navigation or a
        watch tick once the current run cannot be read, and goes once it can (or another is)."""
        return run_fallback_banner(services)


def _job_toasts(
    app: Dash, services: Services, pathname: object, announced: object
) -> tuple[Any, Any]:
    """Notifications for the signed-in user's jobs that ended since this browser last heard."""
    identity = current_identity(services.settings.sign_in_required)
    if identity is None:
        return no_update, no_update
    since, told = remembered(announced, time.time())
    try:
        with services.reviewing.health.guard("read the job notifications"):
            records = job_book(services.settings).recent(limit=WATCHED_JOBS)
    except DatabaseUnavailableError:  # read-only mode: the banner says so; notices wait for it
        return no_update, no_update
    notices = finished_jobs(records, identity.name, since, told)
    if not notices:
        return no_update, no_update if isinstance(announced, dict) else remember(since, told, [])
    path = view_address(app, pathname)
    current = services.runs.current_id()
    toasts = Patch()
    for notice in notices:
        may_switch = identity.can(SWITCH_ROLE) and notice.run_id != current
        toasts.append(job_toast(notice, run_address(path, notice.run_id), may_switch))
    return toasts, remember(since, told, notices)


def announce_current_run(run_id: str | None) -> None:
    """Tell the navbar, from a page's callback, that the current run is now ``run_id``."""
    set_props(Shell.RUN_CHANGED, {"data": run_id})


def _names(services: Services) -> dict[str, str]:
    return dataset_names(DatasetStore(services.settings.datasets_dir))


def _page_of(app: Dash, pathname: object) -> dict[str, Any] | None:
    if not isinstance(pathname, str):
        return None
    relative = app.strip_relative_path(pathname) or ""
    for page in dash.page_registry.values():
        if str(page.get("path", "")).strip("/") == relative.strip("/"):
            return page
    return None


def requested_run(
    app: Dash, services: Services, pathname: object, search: object, *, explicit_only: bool = False
) -> str | None:
    """The run a page's address asks for, when that page takes such a parameter: ``?run=`` names
    it, ``?dataset=`` (the Decisions page) asks for the run that dataset's decisions are counted
    against (unless ``explicit_only``). Parsed as Dash Pages parses it, so the badge and the page
    agree."""
    page = _page_of(app, pathname)
    if page is None or not isinstance(search, str) or not search.startswith("?"):
        return None
    takes = page.get(URL_PARAMS, ())
    query = parse_qs(search[1:])
    runs, datasets = query.get(RUN_PARAMETER, []), query.get(DATASET_PARAMETER, [])
    if RUN_PARAMETER in takes and len(runs) == 1:
        return runs[0]
    if DATASET_PARAMETER in takes and len(datasets) == 1 and not explicit_only:
        counted = decisions_run(services.runs, datasets[0])
        return counted.run_id if counted is not None else None
    return None


def view_address(app: Dash, pathname: object) -> str:
    """Where viewing a run leads from this page: the page itself when it shows a run (it takes
    ``?run=``), else the Overview; only a registered page's path, so no address from the client is
    followed."""
    page = _page_of(app, pathname)
    if page is None or RUN_PARAMETER not in page.get(URL_PARAMS, ()):
        return app.get_relative_path("/")
    return app.get_relative_path(str(page["path"]))
