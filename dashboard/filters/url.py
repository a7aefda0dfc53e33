"""The Explorer's filters as a URL hash: canonical, compact, readable, and exactly reversible.

Grammar (``&``-separated ``key=value`` parts, in this order, each left out when at its default)::

    pmin=10&pmax=250          price range on actual (inclusive)
    score=0.5&stake=100       minimum score / minimum money at stake
    dir=under,over            directions
    flagged=1                 flagged items only
    q=winter%20tyre           search text
    rev=unreviewed,accepted   review decisions (unreviewed, accepted, reprice, investigate, data_error)
    seg.brand=Avon,Michelin   allowed values of one segment column (one part per column)
    sel=bar:brand:Avon        chart selections, in the order they were made (one part each):
    sel=cell:brand:Avon:season:winter
    sel=box:50,40;120,200     corners (fair_price,actual)
    sel=lasso:50,40;90,60;70,200
    tf.actual=number:AND:greaterThan:100      table column filters: kind:operator:condition[,...]
    tf.item_id=text:AND:contains:TY-00        condition = type[:value[:value_to]]
    sort=score:desc,item_id:asc               table order
    hx=brand&hy=season&hm=share_flagged       heatmap axes and metric
    item=TY-000123                            the item whose detail panel is open

Names and values are percent-encoded (so ``,:;&=`` inside them never split anything); numbers are
written in Python's shortest round-trip form. :func:`from_url_hash` turns the text back into the
raw shapes :func:`parse_filter_state` takes, so a link is validated exactly like a control is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote

from dashboard.filters.parse import MAX_URL_HASH_CHARS, ParsedFilters, parse_filter_state
from dashboard.filters.state import (
    DEFAULT_TABLE_SORT,
    BarSelection,
    CellSelection,
    FilterState,
    RegionSelection,
    Selection,
    TableFilter,
)
from dashboard.runs import RunInfo

# Readable characters that never act as separators in the grammar above.
_SAFE = "()!*'@/"
_NUMBER_KEYS = (
    ("pmin", "price_min"),
    ("pmax", "price_max"),
    ("score", "min_score"),
    ("stake", "min_at_stake"),
)


def to_url_hash(state: FilterState) -> str:
    """The canonical hash text for ``state``, without the leading ``#`` ("" for the default state).

    Equal states give equal text. For states made by :func:`parse_filter_state` the text is at most
    :data:`MAX_URL_HASH_CHARS` long (parsing drops what would not fit, and says so).
    """
    parts: list[str] = []
    for key, name in _NUMBER_KEYS:
        value = getattr(state, name)
        if value is not None:
            parts.append(f"{key}={_number(value)}")
    if state.directions:
        parts.append("dir=" + ",".join(state.directions))
    if state.flagged_only:
        parts.append("flagged=1")
    if state.search:
        parts.append("q=" + _enc(state.search))
    if state.decisions:
        parts.append("rev=" + ",".join(state.decisions))
    for column, values in state.segments:
        parts.append(f"seg.{_enc(column)}=" + ",".join(_enc(v) for v in values))
    parts.extend("sel=" + _selection_text(s) for s in state.selections)
    parts.extend(f"tf.{_enc(f.column)}=" + _table_filter_text(f) for f in state.table_filters)
    if state.table_sort != DEFAULT_TABLE_SORT:
        parts.append("sort=" + ",".join(f"{_enc(c)}:{d}" for c, d in state.table_sort))
    for key, value in (("hx", state.heatmap_x), ("hy", state.heatmap_y)):
        if value is not None:
            parts.append(f"{key}={_enc(value)}")
    if state.heatmap_metric != "at_stake":
        parts.append("hm=" + _enc(state.heatmap_metric))
    if state.item is not None:
        parts.append("item=" + _enc(state.item))
    return "&".join(parts)


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
    return ParsedFilters(parsed.state, problems + parsed.problems)


def _raw_from_hash(text: str) -> tuple[dict[str, Any], list[str]]:
    raw: dict[str, Any] = {}
    segments: dict[str, list[str]] = {}
    filters: dict[str, Any] = {}
    selections: list[Any] = []
    unknown: list[str] = []
    names = dict(_NUMBER_KEYS) | {
        "q": "search",
        "item": "item",
        "hx": "heatmap_x",
        "hy": "heatmap_y",
        "hm": "heatmap_metric",
    }
    for part in text.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        if key in names:
            raw[names[key]] = unquote(value)
        elif key == "dir":
            raw["directions"] = value.split(",")
        elif key == "rev":
            raw["decisions"] = [unquote(v) for v in value.split(",")]
        elif key == "flagged":
            raw["flagged_only"] = value
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


def _enc(text: str) -> str:
    return quote(text, safe=_SAFE)


def _split(text: str, separator: str) -> list[str]:
    return [unquote(piece) for piece in text.split(separator)]


def _number(value: float) -> str:
    # repr is the shortest text that reads back as the same float; "1e+20" needs no "+", and a
    # whole number reads better without its ".0".
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value).replace("e+", "e")


def _to_number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text  # left as text so validation rejects it with a message


def _selection_text(selection: Selection) -> str:
    if isinstance(selection, BarSelection):
        return f"bar:{_enc(selection.column)}:{_enc(selection.value)}"
    if isinstance(selection, CellSelection):
        fields = (selection.x_column, selection.x_value, selection.y_column, selection.y_value)
        return "cell:" + ":".join(_enc(f) for f in fields)
    assert isinstance(selection, RegionSelection)
    points = ";".join(f"{_number(x)},{_number(y)}" for x, y in selection.points)
    return f"{selection.kind}:{points}"


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


def _table_filter_text(table_filter: TableFilter) -> str:
    conditions = []
    for condition in table_filter.conditions:
        pieces = [condition.type]
        if isinstance(condition.value, str):
            pieces.append(_enc(condition.value))
        elif condition.value is not None:
            pieces.append(_number(condition.value))
        if condition.value_to is not None:
            pieces.append(_number(condition.value_to))
        conditions.append(":".join(pieces))
    return f"{table_filter.kind}:{table_filter.operator}:" + ",".join(conditions)


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
