"""Every scalar setting of the Explorer, declared once.

One row per :class:`~dashboard.filters.state.FilterState` field that holds a single value or a
list of choices: its link key, how messages name it, its kind, its chip, its control on the page,
and whether it filters items or only sets the view. The parser, the link's writer and reader, the
chips, the raw JSON shape, the controls, the page's callback wiring, the number inputs of the
sidebar and the mask's number bounds are all derived from :data:`SCALARS` and :data:`RANGES`.

Adding a scalar filter: add the field to ``FilterState``, its control id to
:class:`dashboard.ids.Explorer`, and its row here (and a :class:`NumberRange` if it pairs with
another bound). Segments, chart selections and the table's own sort and filters have structure of
their own and are handled by name where they are used.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from dashboard.display import Display
from dashboard.filters.state import DIRECTION_LABELS, DIRECTIONS, HEATMAP_METRICS, FilterState
from dashboard.ids import Explorer
from dashboard.reviews.actions import ACTION_LABELS, DECISION_FILTERS

# number: a bound, or a plain number; flag: yes/no; text: free text; choices: a subset of
# ``choices``; choice: one of ``choices``; axis: a segment column of the run.
Kind = Literal["number", "flag", "text", "choices", "choice", "axis"]
Side = Literal["lower", "upper"]


@dataclass(frozen=True)
class ScalarFilter:
    """One scalar setting of the Explorer.

    - ``label``: how a message names it (``"Minimum score must be a number"``).
    - ``bound``: for numbers that bound an item value, the :class:`RunIndex` array and the side
      (``("score", "lower")``: items with ``score >= value``); the mask applies it.
    - ``chip``: the chip's text for an active value; ``chip_key`` names the chip (the link key
      unless given).
    - ``view_only``: it changes how the page looks, not which items it shows (it is kept by
      "Clear all" and left out of the mask's cache key).
    - ``choices`` / ``bad_choice`` / ``not_a_list``: the allowed values of a choice and the sentences
      for a value outside them and for a non-list.
    - ``at_least``: the smallest number that means anything (prices and money are never negative);
      a smaller one is refused with a sentence rather than quietly matching every item.
    """

    field: str
    url_key: str
    label: str
    kind: Kind
    control: Explorer | None = None
    bound: tuple[str, Side] | None = None
    chip: Callable[[Any, Display], str] | None = None
    chip_key: str | None = None
    view_only: bool = False
    placeholder: str = ""
    choices: tuple[str, ...] = ()
    bad_choice: str = ""
    not_a_list: str = ""
    at_least: float | None = None

    @property
    def removal_key(self) -> str:
        return self.chip_key or self.url_key


@dataclass(frozen=True)
class NumberRange:
    """Two bounds on one value, shown as one pair of inputs in the sidebar.

    ``conflict`` is the sentence when the lower bound is above the upper one (both are then
    ignored); ``chip``, when given, makes the two bounds one chip (key ``chip_key``).
    """

    low: str
    high: str
    label: str
    conflict: str
    chip_key: str | None = None
    chip: Callable[[float | None, float | None, Display], str] | None = None


def _price_chip(low: float | None, high: float | None, display: Display) -> str:
    if low is not None and high is not None:
        return f"Price {display.price(low)} – {display.price(high)}"
    return f"Price ≥ {display.price(low)}" if low is not None else f"Price ≤ {display.price(high)}"


_DECISION_NAMES = ", ".join(DECISION_FILTERS)

# In link order: the filters first, then (after the segments, selections and table parts) the view.
SCALARS: tuple[ScalarFilter, ...] = (
    ScalarFilter(
        "price_min",
        "pmin",
        "Minimum price",
        "number",
        Explorer.PRICE_MIN,
        ("actual", "lower"),
        at_least=0.0,
    ),
    ScalarFilter(
        "price_max",
        "pmax",
        "Maximum price",
        "number",
        Explorer.PRICE_MAX,
        ("actual", "upper"),
        at_least=0.0,
    ),
    ScalarFilter(
        "min_score",
        "score",
        "Minimum score",
        "number",
        Explorer.MIN_SCORE,
        ("score", "lower"),
        chip=lambda value, _display: f"Score ≥ {value:g}",
        placeholder="min",
    ),
    ScalarFilter(
        "max_score",
        "smax",
        "Maximum score",
        "number",
        Explorer.MAX_SCORE,
        ("score", "upper"),
        chip=lambda value, _display: f"Score ≤ {value:g}",
        placeholder="max",
    ),
    ScalarFilter(
        "min_at_stake",
        "stake",
        "Minimum money at stake",
        "number",
        Explorer.MIN_AT_STAKE,
        ("at_stake", "lower"),
        chip=lambda value, display: f"At stake ≥ {display.money(value)}",
        placeholder="e.g. 100",
        at_least=0.0,
    ),
    ScalarFilter(
        "directions",
        "dir",
        "Directions",
        "choices",
        Explorer.DIRECTIONS,
        chip=lambda chosen, _display: ", ".join(DIRECTION_LABELS[d] for d in chosen),
        choices=DIRECTIONS,
        bad_choice="Direction must be 'under', 'over' or 'ok'; {value} was ignored.",
        not_a_list="Directions must be a list; they were ignored.",
    ),
    ScalarFilter(
        "flagged_only",
        "flagged",
        "“Flagged only”",
        "flag",
        Explorer.FLAGGED_ONLY,
        chip=lambda _on, _display: "Flagged only",
    ),
    ScalarFilter(
        "search",
        "q",
        "Search",
        "text",
        Explorer.SEARCH,
        chip=lambda text, _display: f"Search: “{text}”",
        chip_key="search",
    ),
    ScalarFilter(
        "decisions",
        "rev",
        "Review filters",
        "choices",
        Explorer.DECISION_FILTER,
        chip=lambda chosen, _display: "Review: " + ", ".join(ACTION_LABELS[d] for d in chosen),
        choices=DECISION_FILTERS,
        bad_choice=f"A review filter is one of {_DECISION_NAMES}; {{value}} was ignored.",
        not_a_list="Review filters must be a list; they were ignored.",
    ),
    ScalarFilter("heatmap_x", "hx", "horizontal", "axis", Explorer.HEATMAP_X, view_only=True),
    ScalarFilter("heatmap_y", "hy", "vertical", "axis", Explorer.HEATMAP_Y, view_only=True),
    ScalarFilter(
        "heatmap_metric",
        "hm",
        "heatmap metric",
        "choice",
        Explorer.HEATMAP_METRIC,
        view_only=True,
        choices=HEATMAP_METRICS,
        bad_choice="The heatmap shows 'at_stake' or 'share_flagged'; {value} was ignored.",
    ),
    ScalarFilter("item", "item", "The item id", "text", view_only=True),
)

RANGES: tuple[NumberRange, ...] = (
    NumberRange(
        "price_min",
        "price_max",
        "Price",
        "The minimum price is above the maximum price; the price range was ignored.",
        chip_key="price",
        chip=_price_chip,
    ),
    NumberRange(
        "min_score",
        "max_score",
        "Score",
        "The minimum score is above the maximum score; the score range was ignored.",
    ),
)

# Parts that only order or narrow the table (and the export), never the charts: not in the mask.
TABLE_ONLY_FIELDS: tuple[str, ...] = ("table_sort", "table_filters")

BY_FIELD: dict[str, ScalarFilter] = {entry.field: entry for entry in SCALARS}
BY_URL_KEY: dict[str, ScalarFilter] = {entry.url_key: entry for entry in SCALARS}
FILTERS: tuple[ScalarFilter, ...] = tuple(e for e in SCALARS if not e.view_only)
VIEWS: tuple[ScalarFilter, ...] = tuple(e for e in SCALARS if e.view_only)
# Controls whose values are read together on every change, and those read only when they changed.
FILTER_CONTROLS: dict[str, Explorer] = {e.field: e.control for e in FILTERS if e.control}
VIEW_CONTROLS: dict[str, Explorer] = {e.field: e.control for e in VIEWS if e.control}
CONTROLS: dict[str, Explorer] = {**FILTER_CONTROLS, **VIEW_CONTROLS}
BOUNDS: tuple[ScalarFilter, ...] = tuple(e for e in SCALARS if e.bound is not None)
_DEFAULTS = {f.name: f.default for f in dataclasses.fields(FilterState)}
# Every FilterState field that decides which items the charts count: all but the view and the
# table's own parts. A new field is in the mask's cache key unless it is declared view-only here.
MASK_FIELDS: tuple[str, ...] = tuple(
    name
    for name in _DEFAULTS
    if name not in TABLE_ONLY_FIELDS and not (name in BY_FIELD and BY_FIELD[name].view_only)
)


def default_of(field: str) -> Any:
    """The field's value in the default (unfiltered) state."""
    return _DEFAULTS[field]


def range_of(field: str) -> NumberRange | None:
    return next((r for r in RANGES if field in (r.low, r.high)), None)


def as_json(value: Any) -> Any:
    """A scalar setting's value as plain JSON (choices as a list)."""
    return list(value) if isinstance(value, tuple) else value


def feedback_field(field: str) -> str:
    """The field under whose control a sentence about ``field`` is shown: a range's low bound
    speaks for the pair (its two inputs share one line of feedback)."""
    paired = range_of(field)
    return paired.low if paired is not None else field


#: The number fields that have a line of feedback on the page, in sidebar order.
FEEDBACK_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(
        feedback_field(e.field) for e in FILTERS if e.kind == "number" and e.control is not None
    )
)


def feedback_of(field_problems: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The sentence to show under each feedback field (the pair's sentences joined)."""
    shown: dict[str, list[str]] = {}
    for field, sentence in field_problems:
        lines = shown.setdefault(feedback_field(field), [])
        if sentence not in lines:
            lines.append(sentence)
    return {field: " ".join(lines) for field, lines in shown.items()}
