"""Shape checks on requests to Dash's callback endpoint, before Dash reads them.

Any client can POST anything to ``/_dash-update-component``. Dash validates the *values* through our
callbacks, but a body that is not even the shape Dash expects (not JSON, a list, ``output`` missing
or not a string, ``inputs`` not a list) makes Dash itself fail with a 500. So does a request naming
the output of a *clientside* callback: Dash lists it among its callbacks, but has no server function
to run. Such requests are refused here with a 400 and a sentence instead. Dash's own callbacks (the
Pages router) are part of the surface too: the values they read are type-checked here, since their
code is not ours to guard.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask, Response, jsonify, request

logger = logging.getLogger(__name__)

CALLBACK_PATH = "/_dash-update-component"
MAX_CALLBACK_BYTES = 2_000_000
# Pattern-matching wildcards that make one output (or input) a list of components.
MANY_WILDCARDS = ('["ALL"]', '["ALLSMALLER"]')

# For a callback's output string: how many inputs and states it takes, or None if no *server*
# callback serves that output (there is no such callback, or it runs in the browser).
CallbackShape = Callable[[str], tuple[int, int] | None]

# Values read by Dash's own callbacks, which assume their type: Dash Pages calls
# ``pathname.startswith`` and parses ``search`` as text. (component id, property) → what it must be.
TEXT_OR_NULL = {
    ("_pages_location", "pathname"): "The page address (pathname) must be text.",
    ("_pages_location", "search"): "The page's query string (search) must be text.",
    ("_pages_location", "hash"): "The page's hash must be text.",
}
PAGE_ADDRESS = ("_pages_location", "pathname")


def install_request_checks(server: Flask, shape_of: CallbackShape, prefix: str = "/") -> None:
    path = prefix.rstrip("/") + CALLBACK_PATH

    @server.before_request
    def check_callback_envelope() -> Response | tuple[Response, int] | None:
        if request.path != path or request.method != "POST":
            return None
        body = request.get_json(silent=True)
        problem = (
            envelope_problem(request.content_length, body)
            or arity_problem(body, shape_of)
            or value_problem(body, prefix)
        )
        if problem is None:
            return None
        logger.info("refused a callback request: %s", problem)
        return jsonify({"error": problem}), 400


def envelope_problem(length: int | None, body: Any) -> str | None:
    """Why ``body`` is not a callback request Dash can read, or None if it is one."""
    if length is not None and length > MAX_CALLBACK_BYTES:
        return f"The request is too large ({length:,} bytes; at most {MAX_CALLBACK_BYTES:,})."
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    if not isinstance(body.get("output"), str) or not body["output"]:
        return "The request must name its output as a string."
    if not isinstance(body.get("outputs"), dict | list):
        return "The request must list its outputs."
    for key in ("inputs", "state"):
        if not isinstance(body.get(key, []), list):
            return f"The request's {key} must be a list."
        for entry in body.get(key, []):
            entries = entry if isinstance(entry, list) else [entry]
            if not all(isinstance(e, dict) and "id" in e and "property" in e for e in entries):
                return f"Each of the request's {key} must have an id and a property."
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "The request's changedPropIds must be a list of strings."
    return None


def arity_problem(body: Any, shape_of: CallbackShape) -> str | None:
    """The request must name a server callback of the app, with as many inputs and states as it
    takes."""
    shape = shape_of(body["output"])
    if shape is None:
        return "No server callback of this app serves that output."
    inputs, states = shape
    if len(body.get("inputs", [])) != inputs or len(body.get("state", [])) != states:
        return f"That callback takes {inputs} inputs and {states} states."
    return outputs_problem(body["output"], body["outputs"])


def outputs_problem(output: str, outputs: Any) -> str | None:
    """``outputs`` must describe the outputs named in ``output``, as the browser sends them: one
    entry (a list of entries for a pattern-matching ``ALL`` output) per output, in a list when the
    callback has several."""
    # Dash joins several outputs as "..a.prop...b.prop.."; one output is written as it is.
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    entries = outputs if output.startswith("..") else [outputs]
    if not isinstance(entries, list) or len(entries) != len(parts):
        return f"That callback has {len(parts)} outputs; the request must describe each once."
    for part, entry in zip(parts, entries, strict=True):
        many = any(w in part.rsplit(".", 1)[0] for w in MANY_WILDCARDS)
        if not isinstance(entry, list if many else dict) or not all(
            isinstance(e, dict) and "id" in e and "property" in e
            for e in (entry if many else [entry])
        ):
            return "Each of the request's outputs must have an id and a property."
    return None


def value_problem(body: Any, prefix: str = "/") -> str | None:
    """The values Dash's own callbacks read must be of the type they assume; the page address
    must be under the app's path prefix, as Dash Pages requires (else it raises)."""
    for entry in _entries(body):
        key = (str(entry["id"]), str(entry["property"]))
        value = entry.get("value")
        if key in TEXT_OR_NULL and value is not None and not isinstance(value, str):
            return TEXT_OR_NULL[key]
        if key == PAGE_ADDRESS and isinstance(value, str) and not value.startswith(prefix):
            return f"The page address (pathname) must start with {prefix}."
    return None


def _entries(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("inputs", "state"):
        for entry in body.get(key, []):
            yield from entry if isinstance(entry, list) else [entry]
