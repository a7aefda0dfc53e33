"""The typed description of what an analyst is looking at in the Outlier Explorer.

A :class:`FilterState` is frozen and hashable: its filtering part
(:func:`dashboard.filters.key.filter_key`) is the cache key of every query, it is what the URL hash
carries, and it is only ever made by :func:`dashboard.filters.parse_filter_state` (or
``dataclasses.replace`` on a parsed one), so everything in it has been validated against the run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

MISSING = "(missing)"
DIRECTIONS: tuple[str, ...] = ("under", "over", "ok")
DIRECTION_LABELS = {"under": "Under-priced", "over": "Over-priced", "ok": "Within interval"}
HEATMAP_METRICS: tuple[str, ...] = ("at_stake", "share_flagged")
SortDirection = Literal["asc", "desc"]
# Flagged items first, then the most money at stake: what an analyst wants to see on top.
DEFAULT_TABLE_SORT: tuple[tuple[str, SortDirection], ...] = (
    ("flagged", "desc"),
    ("at_stake", "desc"),
)

SelectionSource = Literal["heatmap", "bar", "scatter"]


def _shown(value: float) -> str:
    return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"


@dataclass(frozen=True)
class CellSelection:
    """A heatmap cell the analyst clicked: items with ``x_column == x_value`` and ``y_column == y_value``."""

    x_column: str
    x_value: str
    y_column: str
    y_value: str

    @property
    def source(self) -> SelectionSource:
        return "heatmap"

    @property
    def label(self) -> str:
        return f"{self.x_column} = {self.x_value} × {self.y_column} = {self.y_value}"


@dataclass(frozen=True)
class BarSelection:
    """A bar of the segment chart the analyst clicked: items with ``column == value``."""

    column: str
    value: str

    @property
    def source(self) -> SelectionSource:
        return "bar"

    @property
    def label(self) -> str:
        return f"{self.column} = {self.value}"


@dataclass(frozen=True)
class RegionSelection:
    """A box or lasso drawn on the scatter, in (fair_price, actual) space.

    A box is its two opposite corners ``((x_min, y_min), (x_max, y_max))``; a lasso is the polygon's
    vertices in drawing order (closed implicitly). Coordinates are rounded to 5 significant digits
    when parsed, so the URL stays short and a reopened link selects exactly the same items.
    """

    kind: Literal["box", "lasso"]
    points: tuple[tuple[float, float], ...]

    @property
    def source(self) -> SelectionSource:
        return "scatter"

    @property
    def label(self) -> str:
        if self.kind == "box":
            (x0, y0), (x1, y1) = self.points
            return f"Box: fair {_shown(x0)}–{_shown(x1)}, actual {_shown(y0)}–{_shown(y1)}"
        return f"Lasso: {len(self.points)}-point region"


Selection = CellSelection | BarSelection | RegionSelection

NumberFilterType = Literal[
    "equals",
    "notEqual",
    "lessThan",
    "lessThanOrEqual",
    "greaterThan",
    "greaterThanOrEqual",
    "inRange",
    "blank",
    "notBlank",
]
TextFilterType = Literal[
    "contains", "notContains", "equals", "notEqual", "startsWith", "endsWith", "blank", "notBlank"
]
NUMBER_FILTER_TYPES: tuple[str, ...] = NumberFilterType.__args__  # type: ignore[attr-defined]
TEXT_FILTER_TYPES: tuple[str, ...] = TextFilterType.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ColumnCondition:
    """One condition of an AG Grid column filter.

    ``value`` is a float for number filters and a string for text filters (text matching is
    case-insensitive, as in AG Grid); ``value_to`` is the upper end of a number ``inRange``, which
    like AG Grid's default excludes both ends. ``blank``/``notBlank`` carry no value.
    """

    type: str
    value: float | str | None = None
    value_to: float | None = None


@dataclass(frozen=True)
class TableFilter:
    """An AG Grid column filter: one or more conditions on one column, joined by AND or OR."""

    column: str
    kind: Literal["number", "text"]
    conditions: tuple[ColumnCondition, ...]
    operator: Literal["AND", "OR"] = "AND"

    @property
    def label(self) -> str:
        joiner = " or " if self.operator == "OR" else " and "
        return f"{self.column}: " + joiner.join(_condition_label(c) for c in self.conditions)


_CONDITION_WORDS = {
    "equals": "=",
    "notEqual": "≠",
    "lessThan": "<",
    "lessThanOrEqual": "≤",
    "greaterThan": ">",
    "greaterThanOrEqual": "≥",
    "contains": "contains",
    "notContains": "does not contain",
    "startsWith": "starts with",
    "endsWith": "ends with",
}


def _condition_label(condition: ColumnCondition) -> str:
    if condition.type == "blank":
        return "is blank"
    if condition.type == "notBlank":
        return "is not blank"
    if condition.type == "inRange":
        assert isinstance(condition.value, float) and condition.value_to is not None
        return f"between {_shown(condition.value)} and {_shown(condition.value_to)}"
    value = condition.value
    shown = _shown(value) if isinstance(value, float) else repr(value)
    return f"{_CONDITION_WORDS.get(condition.type, condition.type)} {shown}"


@dataclass(frozen=True)
class FilterState:
    """Everything that decides what the Explorer shows; the URL hash is this, spelled out.

    - ``segments``: ``((column, (allowed values...)), ...)``, both levels sorted; values are the
      segment labels of :func:`dashboard.query.explorer.segment_categories` (``"(missing)"`` for
      missing values). A column not listed is not filtered.
    - ``price_min`` / ``price_max``: bounds on ``actual``, ``min_score`` / ``max_score``: bounds on
      ``score``, ``min_at_stake``: a lower bound; all inclusive. ``None`` = no bound.
    - ``directions``: allowed directions in the order of :data:`DIRECTIONS`; empty = all.
    - ``flagged_only``: only items outside their interval by more than the threshold.
    - ``decisions``: allowed review decisions, in the order of
      :data:`dashboard.reviews.actions.DECISION_FILTERS` (``"unreviewed"`` = no decision yet);
      empty = all items.
    - ``search``: case-insensitive substring of ``item_id`` or of the run's name-like column.
    - ``selections``: cross-filter selections from the charts, all of which must hold.
    - ``table_sort`` / ``table_filters``: the table's order and AG Grid column filters. Column
      filters narrow the table and the export only, not the charts.
    - ``heatmap_x`` / ``heatmap_y``: the heatmap's axes (``None`` = the page's default choice),
      ``heatmap_metric``: ``"at_stake"`` or ``"share_flagged"``.
    - ``item``: the item whose detail panel is open.
    """

    segments: tuple[tuple[str, tuple[str, ...]], ...] = ()
    price_min: float | None = None
    price_max: float | None = None
    min_score: float | None = None
    max_score: float | None = None
    min_at_stake: float | None = None
    directions: tuple[str, ...] = ()
    flagged_only: bool = False
    search: str = ""
    selections: tuple[Selection, ...] = ()
    decisions: tuple[str, ...] = ()
    table_sort: tuple[tuple[str, SortDirection], ...] = DEFAULT_TABLE_SORT
    table_filters: tuple[TableFilter, ...] = ()
    heatmap_x: str | None = None
    heatmap_y: str | None = None
    heatmap_metric: str = "at_stake"
    item: str | None = None

    def segment_values(self, column: str) -> tuple[str, ...] | None:
        """The allowed values of ``column``, or ``None`` if it is not filtered."""
        for name, values in self.segments:
            if name == column:
                return values
        return None

    def with_selection(self, selection: Selection) -> FilterState:
        """Adds ``selection``, replacing the previous selection of the same chart.

        Clicking the selected heatmap cell or bar again removes it (a toggle). A bar selection only
        replaces a bar selection on the same column; a new box or lasso replaces the previous one.
        """
        if selection in self.selections:
            return replace(self, selections=tuple(s for s in self.selections if s != selection))
        kept = tuple(s for s in self.selections if not _same_slot(s, selection))
        return replace(self, selections=(*kept, selection))

    def without_selections(self, source: SelectionSource) -> FilterState:
        """Drops every selection made on one chart (e.g. the scatter's "clear selection")."""
        return replace(self, selections=tuple(s for s in self.selections if s.source != source))


def _same_slot(old: Selection, new: Selection) -> bool:
    if isinstance(old, BarSelection) and isinstance(new, BarSelection):
        return old.column == new.column
    return old.source == new.source
