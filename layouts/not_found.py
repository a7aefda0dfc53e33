"""What an address that is no page of the app shows: a sentence and the ways back, in the shell.

Dash Pages shows this page (registered as ``not_found_404``) for any path it has no page for; a
direct load of such a path also answers HTTP 404 (see ``dashboard.app_factory``).
"""

from __future__ import annotations

from dash import dcc, html
from dash.development.base_component import Component

from dashboard.ids import NotFound
from dashboard.services import Services


def layout(services: Services) -> Component:
    return html.Div(
        [
            html.H1("This address is not a page of PriceScope", className="h4 mb-2"),
            html.P(
                "The link may be mistyped or out of date. Go on from one of these pages:",
                className="text-muted mb-3",
            ),
            html.Ul(
                [
                    html.Li(
                        [
                            dcc.Link("Overview", href="/", id=NotFound.TO_OVERVIEW),
                            " · the current run at a glance",
                        ]
                    ),
                    html.Li(
                        [
                            dcc.Link("Explorer", href="/explorer", id=NotFound.TO_EXPLORER),
                            " · filter and review the flagged items",
                        ]
                    ),
                ],
                className="not-found-links",
            ),
        ],
        id=NotFound.PAGE,
        className="py-4",
    )
