"""A request id for every web request, and ONE log line for every request that fails.

The id comes from the caller's ``X-Request-ID`` when it is a sane token (a proxy or a load balancer
sets one, so its log and ours can be joined), else it is made here; the response carries it back
and every log line written during the request names it (see :mod:`dashboard.logs`).

A request that raises (a page, a callback, a Dash background-callback poll) is answered with a
plain 500 and logged as one ERROR line: method, path, status, request id, the exception's type
and first line. The traceback rides in the same record and :mod:`dashboard.logs` shows it only in
the JSON record's ``traceback`` field or at DEBUG: a 40-line traceback per request drowned the
one line an operator needed during a database outage. Dash re-raises a callback's exception when
the app sets no ``on_error`` (we set none, so a failed callback stays a failed request in the
browser), which brings it here too.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from werkzeug.exceptions import HTTPException, InternalServerError

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a few separators, as proxies make them (uuid, hex, Heroku's, AWS's "Root=1-…").
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+-]{7,127}")
FAILED_MESSAGE = "Something went wrong on the server; it has been logged."


def install_request_log(server: Flask) -> None:
    """Request ids on every request and response; the one-line log of a failed request.

    Call after every other error handler for ``Exception`` is registered: this one replaces it, so
    a failure is logged once, here (a handler for a narrower exception class still wins).
    """

    @server.after_request
    def give_request_id(response: Response) -> Response:
        request_id = current_request_id()
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response

    server.register_error_handler(Exception, _log_failed_request)


def request_id_from(incoming: str | None) -> str:
    """The caller's id when it is a sane token (8–128 safe characters), else a new one."""
    if incoming and _SANE_ID.fullmatch(incoming.strip()):
        return incoming.strip()
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request being served (taken on first use, so no hook order matters), or
    None outside a request."""
    if not has_request_context():
        return None
    value = g.get("request_id")
    if not isinstance(value, str):
        value = g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    return value


def _log_failed_request(error: Exception) -> Any:
    if isinstance(error, HTTPException):
        return error
    logger.error(
        "%s %s failed with 500",
        request.method,
        request.path,
        exc_info=error,
        extra={"request_id": current_request_id()},
    )
    return InternalServerError(FAILED_MESSAGE)
