"""Writing the Explorer's filters as a URL hash: canonical, compact, readable, exactly reversible.

Grammar (``&``-separated ``key=value`` parts, in this order, each left out when at its default)::

    pmin=10&pmax=250          price range on actual (inclusive)
    score=0.5&smax=3          score range (inclusive)
    stake=100                 minimum money at stake
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
written in Python's shortest round-trip form. The scalar parts follow
:data:`dashboard.filters.fields.SCALARS`. Reading a link back is :mod:`dashboard.filters.url`'s
job: it turns the text into the raw shapes :func:`parse_filter_state` takes, so a link is validated
exactly like a control is.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from dashboard.filters.fields import FILTERS, VIEWS, ScalarFilter, default_of
from dashboard.filters.state import (
    DEFAULT_TABLE_SORT,
    BarSelection,
    CellSelection,
    FilterState,
    RegionSelection,
    Selection,
    TableFilter,
)

# Readable characters that never act as separators in the grammar above.
_SAFE = "()!*'@/"


def to_url_hash(state: FilterState) -> str:
    """The canonical hash text for ``state``, without the leading ``#`` ("" for the default state).

    Equal states give equal text. For states made by :func:`parse_filter_state` the text is at most
    :data:`~dashboard.filters.parse.MAX_URL_HASH_CHARS` long (parsing drops what would not fit, and
    says so).
    """
    parts = _scalar_parts(state, FILTERS)
    for column, values in state.segments:
        parts.append(f"seg.{enc(column)}=" + ",".join(enc(v) for v in values))
    parts.extend("sel=" + _selection_text(s) for s in state.selections)
    parts.extend(f"tf.{enc(f.column)}=" + _table_filter_text(f) for f in state.table_filters)
    if state.table_sort != DEFAULT_TABLE_SORT:
        parts.append("sort=" + ",".join(f"{enc(c)}:{d}" for c, d in state.table_sort))
    parts.extend(_scalar_parts(state, VIEWS))
    return "&".join(parts)


def state_key(state: FilterState) -> str:
    """A stable short hash of the whole state's link (16 hex characters).

    The same in every process and every run of the program (unlike ``hash()``, which Python salts
    per process). Query caches use :func:`dashboard.filters.key.filter_key` instead, which leaves
    out what does not change the items.
    """
    return hashlib.blake2b(to_url_hash(state).encode("utf-8"), digest_size=8).hexdigest()


def _scalar_parts(state: FilterState, entries: tuple[ScalarFilter, ...]) -> list[str]:
    parts = []
    for entry in entries:
        value = getattr(state, entry.field)
        if value == default_of(entry.field):
            continue
        if entry.kind == "number":
            text = number_text(value)
        elif entry.kind == "flag":
            text = "1"
        elif entry.kind == "choices":
            text = ",".join(enc(v) for v in value)
        else:
            text = enc(value)
        parts.append(f"{entry.url_key}={text}")
    return parts


def enc(text: str) -> str:
    return quote(text, safe=_SAFE)


def number_text(value: float) -> str:
    # repr is the shortest text that reads back as the same float; "1e+20" needs no "+", and a
    # whole number reads better without its ".0".
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value).replace("e+", "e")


def _selection_text(selection: Selection) -> str:
    if isinstance(selection, BarSelection):
        return f"bar:{enc(selection.column)}:{enc(selection.value)}"
    if isinstance(selection, CellSelection):
        fields = (selection.x_column, selection.x_value, selection.y_column, selection.y_value)
        return "cell:" + ":".join(enc(f) for f in fields)
    assert isinstance(selection, RegionSelection)
    points = ";".join(f"{number_text(x)},{number_text(y)}" for x, y in selection.points)
    return f"{selection.kind}:{points}"


def _table_filter_text(table_filter: TableFilter) -> str:
    conditions = []
    for condition in table_filter.conditions:
        pieces = [condition.type]
        if isinstance(condition.value, str):
            pieces.append(enc(condition.value))
        elif condition.value is not None:
            pieces.append(number_text(condition.value))
        if condition.value_to is not None:
            pieces.append(number_text(condition.value_to))
        conditions.append(":".join(pieces))
    return f"{table_filter.kind}:{table_filter.operator}:" + ",".join(conditions)
