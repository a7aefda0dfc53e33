"""Removable chips: one per active filter or chart selection, each naming what it does."""

from __future__ import annotations

from dataclasses import dataclass, replace

from dashboard.filters.state import DIRECTION_LABELS, FilterState, Selection
from dashboard.formatting import money
from dashboard.reviews.actions import ACTION_LABELS

_VALUES_SHOWN = 3


@dataclass(frozen=True)
class Chip:
    """``key`` identifies the filter for :func:`remove_chip`; ``label`` is what the chip reads."""

    key: str
    label: str


def chips(state: FilterState) -> list[Chip]:
    """Every active filter and selection, in the order the page shows them."""
    found: list[Chip] = []
    price = _price_label(state.price_min, state.price_max)
    if price:
        found.append(Chip("price", price))
    if state.min_score is not None:
        found.append(Chip("score", f"Score ≥ {state.min_score:g}"))
    if state.min_at_stake is not None:
        found.append(Chip("stake", f"At stake ≥ {money(state.min_at_stake)}"))
    if state.directions:
        found.append(Chip("dir", ", ".join(DIRECTION_LABELS[d] for d in state.directions)))
    if state.flagged_only:
        found.append(Chip("flagged", "Flagged only"))
    if state.search:
        found.append(Chip("search", f"Search: “{state.search}”"))
    if state.decisions:
        names = ", ".join(ACTION_LABELS[d] for d in state.decisions)
        found.append(Chip("rev", f"Review: {names}"))
    for column, values in state.segments:
        found.append(Chip(f"seg:{column}", f"{column}: {_values_label(values)}"))
    for index, selection in enumerate(state.selections):
        found.append(Chip(_selection_key(index, selection), selection.label))
    for table_filter in state.table_filters:
        found.append(Chip(f"table:{table_filter.column}", f"Table {table_filter.label}"))
    return found


def remove_chip(state: FilterState, key: str) -> FilterState:
    """``state`` without the filter behind chip ``key``; an unknown key changes nothing."""
    simple = {
        "price": {"price_min": None, "price_max": None},
        "score": {"min_score": None},
        "stake": {"min_at_stake": None},
        "dir": {"directions": ()},
        "flagged": {"flagged_only": False},
        "search": {"search": ""},
        "rev": {"decisions": ()},
    }
    if key in simple:
        return replace(state, **simple[key])  # type: ignore[arg-type]
    if key.startswith("seg:"):
        column = key[4:]
        return replace(state, segments=tuple(s for s in state.segments if s[0] != column))
    if key.startswith("table:"):
        column = key[6:]
        return replace(
            state, table_filters=tuple(f for f in state.table_filters if f.column != column)
        )
    if key.startswith("sel:"):
        kept = tuple(s for i, s in enumerate(state.selections) if _selection_key(i, s) != key)
        return replace(state, selections=kept)
    return state


def clear_all(state: FilterState) -> FilterState:
    """No filters and no selections; keeps the heatmap's axes and metric, the table order and the
    open item, which are how the analyst looks, not what they look at."""
    return FilterState(
        table_sort=state.table_sort,
        heatmap_x=state.heatmap_x,
        heatmap_y=state.heatmap_y,
        heatmap_metric=state.heatmap_metric,
        item=state.item,
    )


def _selection_key(index: int, selection: Selection) -> str:
    # The position keeps keys unique; the source lets the page tell which chart to clear.
    return f"sel:{index}:{selection.source}"


def _price_label(low: float | None, high: float | None) -> str | None:
    if low is not None and high is not None:
        return f"Price {low:,.2f} – {high:,.2f}"
    if low is not None:
        return f"Price ≥ {low:,.2f}"
    if high is not None:
        return f"Price ≤ {high:,.2f}"
    return None


def _values_label(values: tuple[str, ...]) -> str:
    shown = ", ".join(values[:_VALUES_SHOWN])
    rest = len(values) - _VALUES_SHOWN
    return f"{shown} +{rest} more" if rest > 0 else shown
