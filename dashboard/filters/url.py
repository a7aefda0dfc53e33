"""Reading the Explorer's URL hash back into a state (the grammar is in :mod:`dashboard.filters.link`).

:func:`from_url_hash` turns the text into the raw shapes :func:`parse_filter_state` takes, so a link
is validated exactly like a control is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from dashboard.filters.fields import BY_URL_KEY
from dashboard.filters.parse import MAX_URL_HASH_CHARS, ParsedFilters, parse_filter_state
from dashboard.filters.state import FilterState
from dashboard.runs import RunInfo


def from_url_hash(
    text: object, run_info: RunInfo, categories: Mapping[str, Sequence[str]]
) -> ParsedFilters:
    """The state a link describes, validated like any other input; never raises.

    Accepts the text with or without the leading ``#`` (a whole URL is cut at its ``#``). Text
    longer than :data:`MAX_URL_HASH_CHARS` is not read at all: the default view is shown, with a
    message.
    """
    if not isinstance(text, str):
        return ParsedFilters(
            FilterState(), () if text is None else ("The link's filters could not be read.",)
        )
    text = text.split("#", 1)[1] if "#" in text else text
    if len(text) > MAX_URL_HASH_CHARS:
        return ParsedFilters(
            FilterState(),
            (
                f"The link is too long to read ({len(text):,} characters, max "
                f"{MAX_URL_HASH_CHARS:,}); its filters were ignored.",
            ),
        )
    raw, unknown = _raw_from_hash(text)
    parsed = parse_filter_state(raw, run_info, categories)
    problems = tuple(f"The part {part!r} of the link was not understood." for part in unknown[:3])
    return ParsedFilters(parsed.state, problems + parsed.problems, parsed.field_problems)


def _raw_from_hash(text: str) -> tuple[dict[str, Any], list[str]]:
    raw: dict[str, Any] = {}
    segments: dict[str, list[str]] = {}
    filters: dict[str, Any] = {}
    selections: list[Any] = []
    unknown: list[str] = []
    for part in text.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        scalar = BY_URL_KEY.get(key)
        if scalar is not None and scalar.kind == "choices":
            raw[scalar.field] = [unquote(v) for v in value.split(",")]
        elif scalar is not None:
            raw[scalar.field] = unquote(value)
        elif key == "sort":
            raw["table_sort"] = [_split(entry, ":") for entry in value.split(",") if entry]
        elif key == "sel":
            selections.append(_selection_raw(value))
        elif key.startswith("seg."):
            segments[unquote(key[4:])] = [unquote(v) for v in value.split(",")]
        elif key.startswith("tf."):
            filters[unquote(key[3:])] = _table_filter_raw(value)
        else:
            unknown.append(unquote(part)[:60])
    if segments:
        raw["segments"] = segments
    if selections:
        raw["selections"] = selections
    if filters:
        raw["table_filters"] = filters
    return raw, unknown


def _split(text: str, separator: str) -> list[str]:
    return [unquote(piece) for piece in text.split(separator)]


def _to_number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text  # left as text so validation rejects it with a message


def _selection_raw(value: str) -> Any:
    kind, _, rest = value.partition(":")
    if kind == "bar":
        column, _, label = rest.partition(":")
        return {"kind": "bar", "column": unquote(column), "value": unquote(label)}
    if kind == "cell":
        fields = [*_split(rest, ":"), "", "", "", ""]
        return {
            "kind": "cell",
            "x_column": fields[0],
            "x_value": fields[1],
            "y_column": fields[2],
            "y_value": fields[3],
        }
    points = [[_to_number(c) for c in point.split(",")] for point in rest.split(";")]
    return {"kind": unquote(kind), "points": points}


def _table_filter_raw(value: str) -> Any:
    kind, _, rest = value.partition(":")
    operator, _, conditions_text = rest.partition(":")
    conditions = []
    for text in conditions_text.split(","):
        pieces = _split(text, ":")
        condition: dict[str, Any] = {"filterType": kind, "type": pieces[0]}
        if len(pieces) > 1:
            condition["filter"] = pieces[1]
        if len(pieces) > 2:
            condition["filterTo"] = pieces[2]
        conditions.append(condition)
    return {"filterType": kind, "operator": operator, "conditions": conditions}
