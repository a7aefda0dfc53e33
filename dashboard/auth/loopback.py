"""Sign-in-less development mode answers only the machine itself, asked directly.

Without sign-in every caller acts as the local admin, so "bound to loopback" must also mean "asked
for by loopback name, with no proxy in between". Otherwise two things reach the app as admin: a web
page the analyst visits, through DNS rebinding (its own host name resolving to 127.0.0.1, so the
browser sends ``Host: evil.example``), and a reverse proxy on the same machine (nginx →
127.0.0.1:8050), which publishes the app to the network and says so in ``X-Forwarded-*`` or
``Forwarded``. Jupyter defends its token-less mode the same way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from flask import Flask, Response, request

logger = logging.getLogger(__name__)

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
# Headers a proxy adds: the standard one, every X-Forwarded-* and nginx's habit.
PROXY_HEADERS = ("forwarded", "x-real-ip")
PROXY_HEADER_PREFIX = "x-forwarded-"
_HOST = re.compile(r"(?P<name>\[[^\]]*\]|[^:\[\]]+)(?::(?P<port>[0-9]{1,5}))?")

REFUSAL = (
    "This PriceScope runs without sign-in, so it answers only requests made directly to "
    "localhost, 127.0.0.1 or [::1], with no proxy in between. To serve it under another name or "
    "behind a proxy, enable sign-in: set PRICESCOPE_ENV=production (or a non-loopback HOST) with "
    "a SECRET_KEY, and add users with 'python -m dashboard users add NAME --role analyst'."
)


def install_loopback_guard(server: Flask) -> None:
    """Refuses, with a 403 and :data:`REFUSAL`, every request not made directly to loopback."""

    @server.before_request
    def only_loopback() -> Response | None:
        problem = loopback_problem(request.host, request.headers.keys())
        if problem is None:
            return None
        logger.info("refused a request without sign-in: %s", problem)
        return Response(REFUSAL, status=403, mimetype="text/plain")


def loopback_problem(host: str, header_names: Iterable[str]) -> str | None:
    """Why a request with this ``Host`` and these header names is not a direct loopback one."""
    match = _HOST.fullmatch(host.strip())
    if match is None or match["name"].lower() not in LOOPBACK_NAMES:
        return f"Host {host[:100]!r} is not a loopback name"
    for name in header_names:
        lowered = str(name).lower()
        if lowered in PROXY_HEADERS or lowered.startswith(PROXY_HEADER_PREFIX):
            return f"the request came through a proxy ({name} header)"
    return None
