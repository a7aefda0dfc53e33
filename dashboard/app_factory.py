"""Assembles the Dash app from the core, the layouts and the callbacks. The one place that imports dash."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

import dash
from dash import CeleryManager, Dash, dcc
from dash.development.base_component import Component
from flask import Response, request

import callbacks.data
import callbacks.decisions
import callbacks.explorer
import callbacks.jobs
import callbacks.overview
import callbacks.reviews
import callbacks.shell
import layouts.data
import layouts.decisions
import layouts.explorer
import layouts.jobs
import layouts.login
import layouts.not_found
import layouts.overview
from dashboard.auth import AuthConfig, install_auth
from dashboard.auth.loopback import install_loopback_guard
from dashboard.compression import install_compression
from dashboard.config import Settings
from dashboard.datasets.web import install_upload_route
from dashboard.errors import InputError
from dashboard.health import install_health
from dashboard.jobs.managers import background_manager
from dashboard.request_checks import install_request_checks
from dashboard.request_log import install_request_log
from dashboard.services import Services
from layouts.shell import shell

logger = logging.getLogger(__name__)

TITLE = "PriceScope"
NOT_FOUND_MODULE = "not_found_404"


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    *,
    background_callback_manager: Any = None,
) -> Dash:
    settings = settings or Settings.from_env()
    problem = settings.serving_problem()
    if problem:  # fail closed: never serve a sign-in-less app beyond loopback or in production
        raise InputError(problem)
    services = services or Services.from_settings(settings)
    # Recompute jobs: Celery + Redis with REDIS_URL, else subprocesses on a shared disk cache.
    manager = background_callback_manager or background_manager(settings)
    # Dash keeps its page registry in a module global; clear it so the factory can build more than one
    # app in a process (the tests do) without duplicate-path errors.
    dash.page_registry.clear()
    app = Dash(
        __name__,
        title=TITLE,
        use_pages=True,
        pages_folder="",
        assets_folder=str(_repo_path("assets")),
        update_title="",
        serve_locally=True,
        background_callback_manager=manager,
        # Bootstrap's CSS is served from assets/ (a_bootstrap-*.css sorts before our own CSS): the
        # app must work with no network beyond the machine.
    )
    dash_set_up = _first_request_set_up(app)
    app.index_string = _with_preloads(app.index_string, app.config.requests_pathname_prefix)
    # Screen readers pick their voice from the page's language.
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    if isinstance(manager, CeleryManager):
        # Flask's place for an extension's state: app.py hands it to ``celery -A app:celery_app``,
        # so the job worker builds this same app and registers the same jobs as the web process.
        app.server.extensions["celery"] = manager.handle
    if services.results is not None:
        services.results.init_app(app.server)
    _register_pages(services)
    _install_not_found_status(app)
    app.layout = lambda: shell(services)
    callbacks.shell.register(app, services)
    callbacks.overview.register(app, services)
    callbacks.explorer.register(app, services)
    callbacks.reviews.register(app, services)
    callbacks.decisions.register(app, services)
    _install_auth(app, settings, services)
    install_request_log(app.server)  # after auth: its error handler for Exception is replaced
    install_health(app.server, settings, services)  # /healthz, /readyz: ahead of every guard
    # After the sign-in guard: a caller without a session gets 401 before any shape check.
    install_request_checks(app.server, _callback_shape(app), app.config.requests_pathname_prefix)
    install_compression(app.server, app.config.routes_pathname_prefix)
    install_upload_route(app.server, settings)
    callbacks.jobs.register(app, services)
    callbacks.data.register(app, services)
    _warm(services)
    with app.server.test_request_context("/"):
        for step in dash_set_up:
            step()
    _lighten_validation_layout(app)
    return app


def _lighten_validation_layout(app: Dash) -> None:
    """Drops the figures from the layout Dash checks callbacks against.

    Dash Pages builds that layout from every page and sends it in the HTML of *every* page. It only
    needs the ids and properties, but the Explorer's layout carries its first view, so the scatter's
    points would ride along with the Overview, the Jobs page and the rest (about 300 kB).
    """
    layout = app.validation_layout
    if not isinstance(layout, Component):
        return
    for component in layout._traverse():
        if isinstance(component, dcc.Graph):
            component.figure = {}


def _first_request_set_up(app: Dash) -> tuple[Callable[[], object], ...]:
    """Dash's own set-up, which it runs on a process's first request; the factory runs it at start.

    Dash registers the script paths it may serve, the page router's callback and the job-cancel
    callbacks in before-request hooks that mark themselves done *before* doing the work, with no
    lock. In a threaded gunicorn worker, the requests that arrive meanwhile skip the set-up: a
    script then fails with a 500 (``"dash" is not a registered library``) and the callback list can
    lack the page router. These are the hooks Dash installs on construction, before any of ours.
    """
    return tuple(app.server.before_request_funcs.get(None, ()))


def _warm(services: Services) -> None:
    """Load the current run and index it now, so the first visitor does not wait for it."""
    try:
        run = services.runs.load_current()
    except InputError as error:
        logger.warning("current run not loaded at start: %s", error)
        return
    if run is not None:
        services.explorer_indexes.get(run)


# Scripts Dash fetches only once a page's layout shows it needs them (a graph, a grid, a dropdown):
# Plotly alone is 1.3 MB compressed. Every page but sign-in needs them, so the browser starts
# fetching them with the page, alongside the eager bundles, not a round trip or two later.
LAZY_CHUNKS = (
    "plotly/package_data/plotly.min.js",
    "dash/dcc/async-graph.js",
    "dash_ag_grid/async-community.js",
    "dash/dcc/async-dropdown.js",
)


def _with_preloads(index: str, prefix: str) -> str:
    links = "".join(
        f'<link rel="preload" as="script" href="{prefix}_dash-component-suites/{chunk}">'
        for chunk in LAZY_CHUNKS
    )
    return index.replace("{%css%}", "{%css%}" + links, 1)


def _register_pages(services: Services) -> None:
    # (module name, path, navbar name, title, layout builder, URL parameters it takes), in navbar order
    pages = (
        ("overview", "/", "Overview", "Overview", layouts.overview.layout, ("run",)),
        (
            "explorer",
            "/explorer",
            "Explorer",
            "Outlier Explorer",
            layouts.explorer.layout,
            ("run",),
        ),
        ("jobs", "/jobs", "Jobs", "Jobs", layouts.jobs.layout, ()),
        (
            "decisions",
            "/decisions",
            "Decisions",
            "Decisions",
            layouts.decisions.layout,
            ("dataset", "run"),
        ),
        ("data", "/data", "Data", "Data", layouts.data.layout, ()),
    )
    for order, (module, path, name, title, build, allowed) in enumerate(pages):
        dash.register_page(
            module,
            path=path,
            name=name,
            title=f"{title} · {TITLE}",
            order=order,
            layout=_page(build, services, allowed=allowed),
            # Kept in the page registry so the navbar knows which pages take ``?run=``.
            url_params=allowed,
        )
    # Any path with no page shows this one (Dash Pages finds it by its module name).
    dash.register_page(
        NOT_FOUND_MODULE,
        name="Not a page",
        title=f"Not a page · {TITLE}",
        layout=_page(layouts.not_found.layout, services, allowed=()),
        nav=False,  # not in the navbar
    )


def _install_not_found_status(app: Dash) -> None:
    """A direct load of an address that is no page answers 404, with the app's shell all the same.

    Dash serves its index page for every path and routes in the browser, so the not-found page
    (``not_found_404``) shows inside the shell; but a 200 would tell a link checker, a proxy's log or
    a bookmark tool that the address is fine. The page's own path counts as unknown too.
    """
    index_endpoint = app.config.routes_pathname_prefix + "<path:path>"

    def known(path: str) -> bool:
        wanted = app.strip_relative_path(path) or ""
        return any(
            wanted == str(page["path"]).strip("/")
            for module, page in dash.page_registry.items()
            if module != NOT_FOUND_MODULE
        )

    @app.server.after_request
    def not_found_status(response: Response) -> Response:
        if (
            request.endpoint == index_endpoint
            and response.status_code == 200
            and not known(request.path)
        ):
            response.status_code = 404
        return response


def _install_auth(app: Dash, settings: Settings, services: Services) -> None:
    """Sign-in, the guard on every route and the security headers (see dashboard.auth.web)."""
    if not settings.sign_in_required:
        # Everyone is the local admin then: only the machine itself, asked directly, may be served.
        install_loopback_guard(app.server)
    reviewing = services.reviewing
    install_auth(
        app.server,
        AuthConfig(
            sign_in_required=settings.sign_in_required,
            secret_key=settings.secret_key,
            production=settings.production,
        ),
        reviewing.users,
        reviewing.limiter,
        layouts.login.login_page,
        app.csp_hashes,
        reviewing.health,
    )


def _page(
    build: Callable[..., Component], services: Services, *, allowed: tuple[str, ...]
) -> Callable[..., Component]:
    """A page layout that takes only the URL parameters it knows; anything else in the URL is ignored.

    Dash passes every query-string parameter as a keyword argument, so without this a crafted URL
    could reach arguments that are not meant for it.
    """

    # A page registered for a parameter its builder does not (yet) take ignores it rather than
    # failing: the Decisions page is registered for ``?run=`` so links can carry the run on screen.
    accepted = set(inspect.signature(build).parameters)

    def layout(**url_params: Any) -> Component:
        known = {
            k: v
            for k, v in url_params.items()
            if k in allowed and k in accepted and isinstance(v, str)
        }
        return build(services, **known)

    return layout


def _callback_shape(app: Dash) -> Callable[[str], tuple[int, int] | None]:
    def shape_of(output: str) -> tuple[int, int] | None:
        # Dash lists clientside callbacks in its callback map too, but only server callbacks have
        # a function to run: a request for any other output would fail inside Dash with a 500.
        spec = app.callback_map.get(output)
        if spec is None or "callback" not in spec:
            return None
        return len(spec["inputs"]), len(spec["state"])

    return shape_of


def _repo_path(name: str) -> Any:
    from dashboard.config import REPO_ROOT

    return REPO_ROOT / name
