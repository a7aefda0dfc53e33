"""The Explorer table's columns, and validation of AG Grid's ``sortModel`` and ``filterModel``.

AG Grid's infinite row model sends these with every block request; any client can send anything in
their place, so each part is checked and unusable parts are dropped with a sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from dashboard.filters.clean import Problems, as_float, as_list, as_text, shown
from dashboard.filters.state import (
    DEFAULT_TABLE_SORT,
    NUMBER_FILTER_TYPES,
    TEXT_FILTER_TYPES,
    ColumnCondition,
    SortDirection,
    TableFilter,
)
from dashboard.runs import RunInfo

ColumnKind = Literal["number", "text"]
NUMBER_COLUMNS = ("actual", "fair_price", "lower", "upper", "score", "at_stake")
# The pricing columns, after the id and the segments, in the order the table shows them.
PRICING_COLUMNS: tuple[tuple[str, ColumnKind], ...] = (
    ("actual", "number"),
    ("fair_price", "number"),
    ("lower", "number"),
    ("upper", "number"),
    ("score", "number"),
    ("direction", "text"),
    ("flagged", "text"),
    ("at_stake", "number"),
)
MAX_SORT_KEYS = 5
MAX_CONDITIONS = 4


def table_columns(run_info: RunInfo) -> dict[str, ColumnKind]:
    """The table's columns in display order, each with the kind of AG Grid filter it takes.

    Segment columns (including yes/no and small-integer ones) are filtered as text on their labels;
    ``flagged`` reads "True"/"False".
    """
    columns: dict[str, ColumnKind] = {"item_id": "text"}
    pricing = dict(PRICING_COLUMNS)
    for name in run_info.columns.segments:
        if name not in pricing and name != "item_id":
            columns[name] = "text"
    columns.update(pricing)
    return columns


def parse_sort_model(
    raw: object, run_info: RunInfo
) -> tuple[tuple[tuple[str, SortDirection], ...], tuple[str, ...]]:
    """The table order from AG Grid's ``sortModel`` (``[{"colId": ..., "sort": "asc"}]``).

    ``[column, direction]`` pairs are accepted too (that is how the URL spells them). An empty or
    unusable model means the default order: flagged first, then money at stake.
    """
    problems = Problems()
    columns = table_columns(run_info)
    keys: list[tuple[str, SortDirection]] = []
    for entry in as_list(raw)[: MAX_SORT_KEYS * 4]:
        column, direction = _sort_entry(entry)
        if column is None or column not in columns:
            problems.add(
                f"The table cannot be sorted by {shown(column or entry)}; that was ignored."
            )
        elif direction is None:
            problems.add(f"Sort direction for {column} must be 'asc' or 'desc'; it was ignored.")
        elif column not in (k for k, _ in keys):
            keys.append((column, direction))
    if len(keys) > MAX_SORT_KEYS:
        problems.add(
            f"The table is sorted by at most {MAX_SORT_KEYS} columns; the rest were ignored."
        )
        keys = keys[:MAX_SORT_KEYS]
    return (tuple(keys) or DEFAULT_TABLE_SORT), problems.result()


def _sort_entry(entry: object) -> tuple[str | None, SortDirection | None]:
    if isinstance(entry, Mapping):
        column, direction = entry.get("colId"), entry.get("sort")
    elif isinstance(entry, list | tuple) and len(entry) == 2:
        column, direction = entry
    else:
        return None, None
    if not isinstance(column, str):
        return None, None
    if direction == "asc":
        return column, "asc"
    if direction == "desc":
        return column, "desc"
    return column, None


def parse_filter_model(
    raw: object, run_info: RunInfo
) -> tuple[tuple[TableFilter, ...], tuple[str, ...]]:
    """Column filters from AG Grid's ``filterModel``: ``{column: {"filterType": ..., ...}}``.

    Accepts simple filters (``{"filterType": "number", "type": "greaterThan", "filter": 5}``) and
    combined ones (``{"filterType": "text", "operator": "OR", "conditions": [...]}``). Number
    filters take equals / notEqual / lessThan(OrEqual) / greaterThan(OrEqual) / inRange (``filter``
    to ``filterTo``) / blank / notBlank; text filters take contains / notContains / equals /
    notEqual / startsWith / endsWith / blank / notBlank.
    """
    problems = Problems()
    if raw is None:
        return (), ()
    if not isinstance(raw, Mapping):
        problems.add(f"Table filters must be an object; {shown(raw)} was ignored.")
        return (), problems.result()
    columns = table_columns(run_info)
    filters: list[TableFilter] = []
    for column, model in list(raw.items())[: len(columns) * 2]:
        if not isinstance(column, str) or column not in columns:
            problems.add(f"The table has no column {shown(column)}; its filter was ignored.")
            continue
        parsed = _column_filter(column, columns[column], model, problems)
        if parsed is not None:
            filters.append(parsed)
    return tuple(sorted(filters, key=lambda f: f.column)), problems.result()


def _column_filter(
    column: str, kind: ColumnKind, model: object, problems: Problems
) -> TableFilter | None:
    if not isinstance(model, Mapping):
        problems.add(f"The filter on {column} is not a filter; it was ignored.")
        return None
    stated = model.get("filterType", kind)
    if stated != kind:
        problems.add(
            f"The column {column} takes a {kind} filter, not {shown(stated)}; it was ignored."
        )
        return None
    if "conditions" in model:
        operator = model.get("operator", "AND")
        if operator not in ("AND", "OR"):
            problems.add(
                f"The filter on {column} must join conditions with AND or OR; it was ignored."
            )
            return None
        entries = as_list(model.get("conditions"))
        if not entries or len(entries) > MAX_CONDITIONS:
            problems.add(
                f"The filter on {column} needs 1 to {MAX_CONDITIONS} conditions; it was ignored."
            )
            return None
        conditions = [_condition(column, kind, entry, problems) for entry in entries]
        if any(c is None for c in conditions):
            return None
        kept = tuple(c for c in conditions if c is not None)
        return TableFilter(column, kind, kept, "OR" if operator == "OR" else "AND")
    condition = _condition(column, kind, model, problems)
    return None if condition is None else TableFilter(column, kind, (condition,))


def _condition(
    column: str, kind: ColumnKind, model: object, problems: Problems
) -> ColumnCondition | None:
    if not isinstance(model, Mapping):
        problems.add(f"A condition of the filter on {column} is not a condition; it was ignored.")
        return None
    kind_types = NUMBER_FILTER_TYPES if kind == "number" else TEXT_FILTER_TYPES
    filter_type = model.get("type")
    if filter_type not in kind_types:
        problems.add(
            f"{shown(filter_type)} is not a {kind} filter for {column}; the filter was ignored."
        )
        return None
    assert isinstance(filter_type, str)
    if filter_type in ("blank", "notBlank"):
        return ColumnCondition(filter_type)
    if kind == "text":
        text = as_text(model.get("filter"), f"The filter on {column}", problems)
        return None if text is None else ColumnCondition(filter_type, text)
    value = as_float(model.get("filter"), f"The filter on {column}", problems)
    if value is None:
        return None
    if filter_type != "inRange":
        return ColumnCondition(filter_type, value)
    value_to = as_float(model.get("filterTo"), f"The upper end of the filter on {column}", problems)
    if value_to is None or value_to < value:
        problems.add(
            f"The range filter on {column} needs an upper end above its lower end; it was ignored."
        )
        return None
    return ColumnCondition(filter_type, value, value_to)


def filter_model_of(filters: tuple[TableFilter, ...]) -> dict[str, dict[str, object]]:
    """The AG Grid ``filterModel`` for validated filters (for the grid's initial state, and the URL)."""
    model: dict[str, dict[str, object]] = {}
    for table_filter in filters:
        conditions = [_condition_model(table_filter.kind, c) for c in table_filter.conditions]
        if len(conditions) == 1:
            model[table_filter.column] = conditions[0]
        else:
            model[table_filter.column] = {
                "filterType": table_filter.kind,
                "operator": table_filter.operator,
                "conditions": conditions,
            }
    return model


def _condition_model(kind: ColumnKind, condition: ColumnCondition) -> dict[str, object]:
    model: dict[str, object] = {"filterType": kind, "type": condition.type}
    if condition.value is not None:
        model["filter"] = condition.value
    if condition.value_to is not None:
        model["filterTo"] = condition.value_to
    return model


def sort_model_of(sort: tuple[tuple[str, SortDirection], ...]) -> list[dict[str, str]]:
    """The AG Grid ``sortModel`` for a validated order."""
    return [{"colId": column, "sort": direction} for column, direction in sort]
