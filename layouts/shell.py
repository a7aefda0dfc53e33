"""The frame around every page: the navbar (pages, the run on screen, its switcher and Make current),
the Make current confirmation any page can ask for, the "new current run" banner, finished-job
notifications, and the page container."""

from __future__ import annotations

import time

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component
from flask import has_request_context

from dashboard.auth import Role, csrf_token, current_identity
from dashboard.datasets.store import DatasetStore
from dashboard.display import format_timestamp
from dashboard.ids import Shell
from dashboard.run_choice import (
    FALLBACK_FIX,
    fallback_notice,
    run_address,
    run_on_screen,
    runs_by_dataset,
)
from dashboard.run_notices import JobNotice
from dashboard.runs import RunInfo
from dashboard.services import Services
from layouts.shell_database import database_watch

#: Runs listed per dataset in the switcher, newest first; the Jobs page lists them all.
RUNS_PER_DATASET = 4
#: Making a run current changes what everyone sees: analysts and admins only.
SWITCH_ROLE = Role.ANALYST
#: How often the shell asks whether the current run changed or a job of the user's ended. One small
#: file read and the user's job records; nothing is redrawn when nothing changed.
WATCH_INTERVAL_MS = 20_000
#: A finished-job notification stays until dismissed, or this long.
TOAST_DURATION_MS = 60_000


def run_badge(services: Services, requested_run: object = None, view_path: str = "/") -> Component:
    """The run on screen (``requested_run``, a page's ``?run=``, else the current run), named on a
    switcher that lists the runs grouped by dataset and *views* the one chosen (``view_path`` with
    ``?run=``); whether it is the current run; and Make current for analysts when it is not."""
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
            _switch_entry(info, shown=shown.run_id, current=current_id, view_path=view_path)
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
    entries.append(dbc.DropdownMenuItem("All runs on the Jobs page", href="/jobs"))
    named = f"Run {shown.label} · {shown.rows:,} items"
    switcher = dbc.DropdownMenu(
        entries,
        # Cut with an ellipsis in the navbar (see pricescope.css); the whole name on hover.
        label=html.Span(named, title=named),
        id=Shell.RUN_SWITCHER,
        color="light",
        size="sm",
        align_end=True,
        class_name="run-switcher",
    )
    if shown.run_id == current_id:
        return html.Div(
            [switcher, dbc.Badge("current", color="success", class_name="ms-2 run-status")],
            className="d-flex align-items-center",
        )
    newer = current_id is not None and shown.run_id > current_id  # ids sort by publication
    marks: list[Component] = [
        switcher,
        dbc.Badge(
            f"viewing {'a newer' if newer else 'an older'} run · not current",
            color="warning",
            text_color="dark",
            class_name="ms-2 run-status",
        ),
    ]
    if may_switch:
        marks.append(make_current_button(shown.run_id, class_name="ms-2 text-nowrap", outline=True))
    return html.Div(marks, className="d-flex align-items-center")


def make_current_button(run_id: str, *, class_name: str = "", outline: bool = False) -> Component:
    """A "Make current" button for ``run_id``, usable on any page: it opens the shell's
    confirmation, which says what changes for everyone and checks the role before it acts."""
    return dbc.Button(
        "Make current",
        id={"type": Shell.MAKE_CURRENT, "run": run_id},
        size="sm",
        color="light" if outline else "primary",
        outline=outline,
        class_name=class_name,
    )


def _switch_entry(info: RunInfo, *, shown: str, current: str | None, view_path: str) -> Component:
    marks = " · current" if info.run_id == current else ""
    return dbc.DropdownMenuItem(
        [
            html.Span(info.label),
            html.Span(
                f" · {info.rows:,} items · {format_timestamp(info.created_at)}{marks}",
                className="text-muted small",
            ),
        ],
        id={"type": Shell.SWITCH_RUN, "run": info.run_id},
        # Viewing a run changes nothing for anyone else: every role may, and the address says it.
        href=run_address(view_path, info.run_id),
        active=info.run_id == shown,
        class_name="ps-4",
    )


def navbar(services: Services) -> dbc.Navbar:
    # Drawn by the shell's callback on load, from the page's address: the layout cannot see it.
    badge = dbc.Badge("Run …", color="secondary")
    links = [
        dbc.NavItem(
            dbc.NavLink(
                page["name"],
                href=page["relative_path"],
                id={"type": Shell.NAV_LINK, "page": page["module"]},
            )
        )
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


def confirmation() -> Component:
    """The one Make current confirmation, opened by any ``make_current_button``."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Make this run current?")),
            dbc.ModalBody(
                [
                    html.Div(id=Shell.CONFIRM_TEXT),
                    html.P(id=Shell.CONFIRM_NOTE, className="text-danger small mb-0"),
                ]
            ),
            dbc.ModalFooter(
                [
                    dbc.Button("Cancel", id=Shell.CONFIRM_NO, color="secondary", outline=True),
                    dbc.Button("Make current", id=Shell.CONFIRM_YES, color="primary"),
                ]
            ),
        ],
        id=Shell.CONFIRM,
        is_open=False,
        centered=True,
    )


def confirm_body(question: str, warnings: tuple[str, ...]) -> list[Component]:
    """What the confirmation says: what changes for everyone, and the run's scoring warnings."""
    body: list[Component] = [html.P(question)]
    if warnings:
        body.append(
            dbc.Alert(
                [
                    html.Strong("This run has scoring warnings:"),
                    html.Ul([html.Li(w) for w in warnings], className="mb-0 mt-1"),
                ],
                color="warning",
                className="small mb-0",
            )
        )
    return body


def new_current_banner(text: str, show_href: str) -> Component:
    """Told to someone whose page still shows the previous current run."""
    return dbc.Alert(
        [
            html.Span(f"{text} "),
            # A full load, so the page is drawn again from the new current run.
            html.A("Show it", href=show_href, className="alert-link"),
        ],
        color="info",
        dismissable=True,
        class_name="py-2 mb-2",
    )


def run_fallback_banner(services: Services) -> Component | None:
    """On every page while the current run cannot be read: which run is shown instead, and how an
    admin fixes it."""
    text = fallback_notice(services.runs.serving())
    if text is None:
        return None
    fix = [" An admin can fix it with ", html.Code(FALLBACK_FIX), "."]
    return dbc.Alert([text, *fix], color="warning", class_name="py-2 mb-2 run-fallback")


def job_toast(notice: JobNotice, view_href: str, may_switch: bool) -> Component:
    """ "Run ready: … — View it · Make current", or "Recompute failed: reason"."""
    if notice.ready and notice.run_id is not None:
        actions: list[Component] = [dcc.Link("View it", href=view_href)]
        if may_switch:
            actions += [html.Span(" · "), make_current_button(notice.run_id, class_name="ms-1")]
        body: list[Component] = [html.Div(notice.detail, className="mb-2"), html.Div(actions)]
    else:
        body = [html.Div(notice.detail)]
    return dbc.Toast(
        body,
        header=notice.title,
        icon="success" if notice.ready else "danger",
        dismissable=True,
        duration=TOAST_DURATION_MS,
        class_name="mb-2",
    )


def shell(services: Services) -> Component:
    return html.Div(
        [
            dcc.Store(id=Shell.RUN_CHANGED),
            dcc.Store(id=Shell.KNOWN_CURRENT, data=services.runs.current_id()),
            dcc.Store(id=Shell.CONFIRM_RUN),
            # Per browser, so a reload does not announce a finished job again.
            dcc.Store(
                id=Shell.ANNOUNCED, storage_type="local", data={"since": time.time(), "ids": []}
            ),
            dcc.Interval(id=Shell.WATCH, interval=WATCH_INTERVAL_MS),
            html.A("Skip to content", href="#main-content", className="skip-link"),  # a11y.js
            navbar(services),
            confirmation(),
            *database_watch(services),
            html.Div(
                [],
                id=Shell.TOASTS,
                className="position-fixed top-0 end-0 p-3 mt-5",
                style={"zIndex": 1080},
                role="status",
            ),
            dbc.Container(
                [
                    html.Div(run_fallback_banner(services), id=Shell.RUN_FALLBACK),
                    html.Div(id=Shell.NEW_CURRENT),
                    dash.page_container,
                ],
                fluid=True,
                tag="main",
                id="main-content",
            ),
        ]
    )
