"""Turning whatever the page's controls (or a client, or a URL) deliver into a valid FilterState.

:func:`parse_filter_state` never raises for JSON-shaped input: invalid parts are dropped and each
drop is explained in one sentence the analyst can act on; the valid parts are kept.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from dashboard.filters.clean import (
    Problems,
    as_bool,
    as_float,
    as_list,
    as_text,
    segment_label,
    shown,
)
from dashboard.filters.fields import RANGES, SCALARS, ScalarFilter, default_of
from dashboard.filters.link import to_url_hash
from dashboard.filters.state import (
    BarSelection,
    CellSelection,
    FilterState,
    RegionSelection,
    Selection,
)
from dashboard.filters.table_model import parse_filter_model, parse_sort_model
from dashboard.runs import RunInfo

MAX_SEGMENT_VALUES = 500
MAX_SELECTIONS = 8
MAX_LASSO_POINTS = 64
MAX_RAW_POINTS = 10_000
# Link length bound; parse drops the largest parts (with a message) until the state fits, so every
# parsed state has a link that reproduces it exactly. Browsers keep far longer hashes than this.
MAX_URL_HASH_CHARS = 8_000
_FIELDS = {field.name for field in fields(FilterState)}


@dataclass(frozen=True)
class ParsedFilters:
    """A valid state and the sentences explaining what was left out of the input, if anything.

    ``field_problems`` repeats the sentences about one scalar field as ``(field, sentence)``, so
    the page can say them next to that field's control.
    """

    state: FilterState
    problems: tuple[str, ...] = ()
    field_problems: tuple[tuple[str, str], ...] = ()

    @property
    def general_problems(self) -> tuple[str, ...]:
        """The sentences not shown next to a field."""
        beside = {sentence for _field, sentence in self.field_problems}
        return tuple(p for p in self.problems if p not in beside)


def parse_filter_state(
    raw: Mapping[str, Any] | None,
    run_info: RunInfo,
    categories: Mapping[str, Sequence[str]],
) -> ParsedFilters:
    """Validates a raw filter description against a run.

    ``raw`` has the field names of :class:`FilterState`; the shapes accepted are
    ``segments: {column: [value, ...]}`` (JSON ``null`` stands for the missing-value label),
    numbers as numbers or numeric text, ``directions: ["under", ...]``, ``selections: [{"kind":
    "cell", "x_column", "x_value", "y_column", "y_value"} | {"kind": "bar", "column", "value"} |
    {"kind": "box" | "lasso", "points": [[fair_price, actual], ...]}]``, ``table_sort`` as AG
    Grid's ``sortModel`` and ``table_filters`` as its ``filterModel``. ``categories`` is
    :func:`dashboard.query.explorer.segment_categories` of the run. Missing keys take defaults.
    """
    problems = Problems()
    if raw is None:
        return ParsedFilters(FilterState())
    if not isinstance(raw, Mapping):
        problems.add(f"Filters must be an object; {shown(raw)} was ignored.")
        return ParsedFilters(FilterState(), problems.result())
    for key in list(raw)[:50]:
        if key not in _FIELDS:
            problems.add(f"Unknown setting {shown(key)} was ignored.")
    state = _build(raw, run_info, categories, problems)
    return ParsedFilters(_fit_link(state, problems), problems.result(), problems.by_field())


def _build(
    raw: Mapping[str, Any],
    run_info: RunInfo,
    categories: Mapping[str, Sequence[str]],
    problems: Problems,
) -> FilterState:
    scalars = {
        entry.field: _scalar(entry, raw.get(entry.field), problems)
        for entry in SCALARS
        if entry.kind != "axis"
    }
    scalars.update(_heatmap_axes(raw, run_info, problems))
    for bounds in RANGES:
        low, high = scalars[bounds.low], scalars[bounds.high]
        if low is not None and high is not None and low > high:
            problems.add(bounds.conflict, bounds.low)
            scalars[bounds.low] = scalars[bounds.high] = None
    table_sort, sort_problems = parse_sort_model(raw.get("table_sort"), run_info)
    table_filters, filter_problems = parse_filter_model(raw.get("table_filters"), run_info)
    problems.extend(sort_problems)
    problems.extend(filter_problems)
    return FilterState(
        segments=_segments(raw.get("segments"), run_info, categories, problems),
        selections=_selections(raw.get("selections"), run_info, categories, problems),
        table_sort=table_sort,
        table_filters=table_filters,
        **scalars,
    )


def _scalar(entry: ScalarFilter, raw: object, problems: Problems) -> Any:
    if entry.kind == "number":
        number = as_float(raw, entry.label, problems, entry.field)
        if number is not None and entry.at_least is not None and number < entry.at_least:
            floor = "be negative" if entry.at_least == 0 else f"be below {entry.at_least:g}"
            problems.add(f"{entry.label} cannot {floor}; {number:g} was ignored.", entry.field)
            return None
        return number
    if entry.kind == "flag":
        return as_bool(raw, entry.label, problems)
    if entry.kind == "text":
        return as_text(raw, entry.label, problems) or default_of(entry.field)
    if entry.kind == "choices":
        return _choices(entry, raw, problems)
    return _choice(entry, raw, problems)


def _segments(
    raw: object,
    run_info: RunInfo,
    categories: Mapping[str, Sequence[str]],
    problems: Problems,
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        problems.add(f"Segment filters must be an object; {shown(raw)} was ignored.")
        return ()
    kept: dict[str, tuple[str, ...]] = {}
    for column, values in list(raw.items())[:200]:
        if not isinstance(column, str) or column not in run_info.columns.segments:
            problems.add(f"There is no segment column {shown(column)}; its filter was ignored.")
            continue
        allowed = _segment_values(column, values, categories.get(column, ()), problems)
        if allowed:
            kept[column] = allowed
    return tuple(sorted(kept.items()))


def _segment_values(
    column: str, raw: object, known: Sequence[str], problems: Problems
) -> tuple[str, ...]:
    values = as_list(raw)
    if isinstance(raw, Mapping):
        problems.add(f"The values for {column} must be a list; they were ignored.")
        return ()
    if len(values) > MAX_SEGMENT_VALUES:
        problems.add(
            f"Too many values for {column} (max {MAX_SEGMENT_VALUES}); the filter was ignored."
        )
        return ()
    known_set = set(known)
    labels = {segment_label(v) for v in values}
    unknown = [v for v in values if segment_label(v) not in known_set]
    if len(unknown) == 1:
        problems.add(f"Unknown {column} {shown(unknown[0])} was ignored.")
    elif unknown:
        problems.add(
            f"{len(unknown)} unknown values for {column} were ignored (e.g. {shown(unknown[0])})."
        )
    allowed = sorted(label for label in labels if label in known_set)
    # Every value allowed is no filter at all; dropping it keeps the link short and canonical.
    return () if len(allowed) == len(known_set) else tuple(allowed)


def _choices(entry: ScalarFilter, raw: object, problems: Problems) -> tuple[str, ...]:
    chosen = set()
    for value in as_list(raw)[:20]:
        name = value.strip().lower() if isinstance(value, str) else value
        if name in entry.choices:
            chosen.add(name)
        else:
            problems.add(entry.bad_choice.format(value=shown(value)))
    if isinstance(raw, Mapping):
        problems.add(entry.not_a_list)
    # Every choice at once is the same as none chosen: every item, and a shorter link.
    if len(chosen) == len(entry.choices):
        return ()
    return tuple(c for c in entry.choices if c in chosen)


def _choice(entry: ScalarFilter, raw: object, problems: Problems) -> str:
    default = str(default_of(entry.field))
    if raw is None or raw in entry.choices:
        return default if raw is None else str(raw)
    problems.add(entry.bad_choice.format(value=shown(raw)))
    return default


def _heatmap_axes(
    raw: Mapping[str, Any], run_info: RunInfo, problems: Problems
) -> dict[str, str | None]:
    axes: dict[str, str | None] = {}
    for entry in (e for e in SCALARS if e.kind == "axis"):
        value = raw.get(entry.field)
        if value is None or value in run_info.columns.segments:
            axes[entry.field] = value
        else:
            problems.add(
                f"The heatmap's {entry.label} axis must be a segment column; {shown(value)} was ignored."
            )
            axes[entry.field] = None
    if axes["heatmap_x"] is not None and axes["heatmap_x"] == axes["heatmap_y"]:
        problems.add("The heatmap needs two different columns; its vertical axis was reset.")
        axes["heatmap_y"] = None
    return axes


def _selections(
    raw: object,
    run_info: RunInfo,
    categories: Mapping[str, Sequence[str]],
    problems: Problems,
) -> tuple[Selection, ...]:
    entries = as_list(raw) if not isinstance(raw, str | int | float | bool) else [raw]
    if len(entries) > MAX_SELECTIONS:
        problems.add(
            f"At most {MAX_SELECTIONS} chart selections apply at once; the earliest were ignored."
        )
        entries = entries[-MAX_SELECTIONS:]
    kept: list[Selection] = []
    for entry in entries:
        selection = _selection(entry, run_info, categories, problems)
        if selection is not None and selection not in kept:
            kept.append(selection)
    return tuple(kept)


def _selection(
    raw: object,
    run_info: RunInfo,
    categories: Mapping[str, Sequence[str]],
    problems: Problems,
) -> Selection | None:
    if not isinstance(raw, Mapping):
        problems.add(f"A chart selection must be an object; {shown(raw)} was ignored.")
        return None
    kind = raw.get("kind")
    if kind == "bar":
        bar = _segment_pair(raw.get("column"), raw.get("value"), run_info, categories, problems)
        return None if bar is None else BarSelection(*bar)
    if kind == "cell":
        x = _segment_pair(raw.get("x_column"), raw.get("x_value"), run_info, categories, problems)
        y = _segment_pair(raw.get("y_column"), raw.get("y_value"), run_info, categories, problems)
        return None if x is None or y is None else CellSelection(x[0], x[1], y[0], y[1])
    if kind in ("box", "lasso"):
        return parse_region(kind, raw.get("points"), problems)
    problems.add(f"Unknown kind of chart selection {shown(kind)} was ignored.")
    return None


def _segment_pair(
    column: object,
    value: object,
    run_info: RunInfo,
    categories: Mapping[str, Sequence[str]],
    problems: Problems,
) -> tuple[str, str] | None:
    if not isinstance(column, str) or column not in run_info.columns.segments:
        problems.add(f"There is no segment column {shown(column)}; the selection was ignored.")
        return None
    label = segment_label(value)
    if label not in set(categories.get(column, ())):
        problems.add(f"Unknown {column} {shown(value)}; the selection was ignored.")
        return None
    return column, label


def parse_region(kind: str, raw: object, problems: Problems) -> RegionSelection | None:
    points_raw = as_list(raw) if isinstance(raw, list | tuple) else []
    if len(points_raw) > MAX_RAW_POINTS:
        problems.add(f"The {kind} selection has too many points; it was ignored.")
        return None
    points: list[tuple[float, float]] = []
    for point in points_raw:
        pair = _point(point)
        if pair is None:
            problems.add(
                f"The {kind} selection must be a list of [fair price, actual] numbers; it was ignored."
            )
            return None
        points.append(pair)
    if kind == "box":
        if len(points) != 2:
            problems.add("A box selection needs exactly two corners; it was ignored.")
            return None
        (x0, y0), (x1, y1) = points
        return RegionSelection("box", ((min(x0, x1), min(y0, y1)), (max(x0, x1), max(y0, y1))))
    if len(points) > MAX_LASSO_POINTS:
        # Evenly thinned: the outline keeps its shape and the link stays short.
        step = len(points) / MAX_LASSO_POINTS
        points = [points[int(i * step)] for i in range(MAX_LASSO_POINTS)]
    if len(set(points)) < 3:
        problems.add("A lasso selection needs at least three distinct points; it was ignored.")
        return None
    return RegionSelection("lasso", tuple(points))


def _point(raw: object) -> tuple[float, float] | None:
    if not isinstance(raw, list | tuple) or len(raw) != 2:
        return None
    coords = []
    for value in raw:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        try:
            number = float(value)
        except OverflowError:
            return None
        if not math.isfinite(number):
            return None
        coords.append(round_coordinate(number))
    return coords[0], coords[1]


def round_coordinate(value: float) -> float:
    """5 significant digits: finer than a pixel on any price axis, and short in a link."""
    return float(f"{value:.5g}") + 0.0


def _fit_link(state: FilterState, problems: Problems) -> FilterState:
    """Drops the largest parts of an over-long state, with a message, until its link fits."""
    while len(to_url_hash(state)) > MAX_URL_HASH_CHARS:
        if state.segments:
            column, _values = max(state.segments, key=lambda item: len(",".join(item[1])))
            problems.add(
                f"The filter on {column} has too many values to keep in the page's link; it was ignored."
            )
            state = replace(state, segments=tuple(s for s in state.segments if s[0] != column))
        elif state.selections:
            problems.add(
                "The chart selections are too large to keep in the page's link; they were ignored."
            )
            state = replace(state, selections=())
        elif state.table_filters:
            problems.add(
                "The table filters are too large to keep in the page's link; they were ignored."
            )
            state = replace(state, table_filters=())
        else:
            # What is left (search, item, sort) is bounded in length by the parsing above.
            break
    return state
