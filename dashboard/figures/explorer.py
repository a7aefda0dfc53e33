"""Figures for the Outlier Explorer: the price scatter, the segment heatmap and bars, an item's interval."""

from __future__ import annotations

from typing import Any

import numpy as np

from dashboard.display import Display
from dashboard.figures.axes import hover_money, log_money_ticks, money_axis
from dashboard.figures.bars import SELECTED_OUTLINE, money_bars
from dashboard.figures.theme import (
    MUTED,
    NO_MATCH,
    OK,
    OVER,
    UNDER,
    Figure,
    empty_figure,
    figure,
    typed,
)
from dashboard.query.explorer_types import OK as OK_CODE
from dashboard.query.explorer_types import OVER as OVER_CODE
from dashboard.query.explorer_types import UNDER as UNDER_CODE
from dashboard.query.explorer_types import HeatmapData, ScatterPoints, SegmentBars

# (direction code, legend name, colour, marker size, opacity); in-interval points first, underneath.
_POINT_GROUPS = (
    (OK_CODE, "Within interval", OK, 4, 0.35),
    (UNDER_CODE, "Under-priced", UNDER, 6, 0.85),
    (OVER_CODE, "Over-priced", OVER, 6, 0.85),
)


def scatter_figure(points: ScatterPoints, display: Display | None = None) -> Figure:
    """Actual against fair price on log axes (WebGL), the typical interval as a band behind.

    Both axes carry full amounts with the currency ("€50", "€200", "€1k"), computed from the range.

    Outside-interval points are drawn on top of the grey in-interval cloud. Points carry no ids (see
    :func:`scatter_item_at`); coordinates are float32 typed arrays, so 20,000 points cost ~210 kB.
    """
    if points.total == 0:
        return empty_figure(NO_MATCH, height=420)
    display = display or Display()
    data: list[dict[str, Any]] = []
    band = points.band
    if len(band.fair_price) >= 2:
        data.append(
            {
                "type": "scatter",
                "x": typed(np.concatenate([band.fair_price, band.fair_price[::-1]]), np.float32),
                "y": typed(np.concatenate([band.upper, band.lower[::-1]]), np.float32),
                "fill": "toself",
                "fillcolor": "rgba(47, 62, 78, 0.08)",
                "line": {"width": 0},
                "hoverinfo": "skip",
                "name": "Typical interval",
            }
        )
    low = float(min(points.fair_price.min(), points.actual.min()))
    high = float(max(points.fair_price.max(), points.actual.max()))
    data.append(
        {
            "type": "scatter",
            "x": [low, high],
            "y": [low, high],
            "mode": "lines",
            "name": "Price = fair price",
            "line": {"color": MUTED, "width": 1, "dash": "dot"},
            "hoverinfo": "skip",
        }
    )
    for code, name, colour, size, opacity in _POINT_GROUPS:
        rows = np.flatnonzero(points.direction == code)
        if not len(rows):
            continue
        trace: dict[str, Any] = {
            "type": "scattergl",
            "mode": "markers",
            "name": name,
            "x": typed(points.fair_price[rows], np.float32),
            "y": typed(points.actual[rows], np.float32),
            "marker": {"color": colour, "size": size, "opacity": opacity},
            "hovertemplate": f"price {hover_money(display, 'y')}<br>"
            f"fair {hover_money(display, 'x')}<br>click for detail<extra>{name}</extra>",
        }
        if points.in_selection is not None:
            trace.update(_highlight(points, rows))
        data.append(trace)
    # The sample note is a subtitle: a long title would run under the mode bar.
    subtitle = (
        f"{points.drawn:,} of {points.total:,} drawn (every flagged item kept)"
        if points.sampled
        else None
    )
    ticks = log_money_ticks(low, high, display)
    layout = {
        "xaxis": {"type": "log", "title": {"text": display.label("fair_price")}, **ticks},
        "yaxis": {"type": "log", "title": {"text": display.label("actual")}, **ticks},
        "dragmode": "lasso",
        "clickmode": "event+select",
        "uirevision": "scatter",
    }
    return figure(data, layout, title="Price against fair price", subtitle=subtitle, height=420)


def heatmap_figure(data: HeatmapData, display: Display | None = None) -> Figure:
    """Two segment columns crossed; a click on a cell filters everything else to that cell."""
    if not data.x_labels or not data.y_labels or not int(np.nansum(data.items)):
        return empty_figure(NO_MATCH)
    display = display or Display()
    money = data.metric == "at_stake"
    x_name, y_name = display.label(data.x_column), display.label(data.y_column)
    if money and not float(np.nansum(data.at_stake)):
        return empty_figure(f"No money at stake by {y_name} × {x_name} for these filters")
    # A nested list, not a typed array: dcc.Graph's click handling indexes heatmap customdata itself.
    custom = np.stack([data.items, data.flagged, data.at_stake], axis=-1).round(0).tolist()
    finite = data.values[np.isfinite(data.values)]
    top = float(finite.max()) if finite.size else 0.0
    trace = {
        "type": "heatmap",
        "x": list(data.x_labels),
        "y": list(data.y_labels),
        # NaN (no items in the cell) draws as a gap. A nested list like customdata (see there).
        "z": [[v if np.isfinite(v) else None for v in row] for row in data.values.tolist()],
        "customdata": custom,
        "hovertemplate": f"{y_name} %{{y}} × {x_name} %{{x}}<br>"
        "%{customdata[0]:,} items, %{customdata[1]:,} flagged<br>"
        f"at stake {display.symbol}%{{customdata[2]:,.0f}}{display.suffix}<extra></extra>",
        "colorscale": [[0, "#f7f9fb"], [0.5, "#f0a56b"], [1, OVER]]
        if money
        else [[0, "#f7f9fb"], [1, UNDER]],
        # The scale starts at nothing, so a uniform grid reads as "little", not as "the most".
        "zmin": 0,
        "zmax": top if top > 0 else 1.0,
        "colorbar": {
            "title": {"text": display.label("at_stake") if money else "Share flagged"},
            **(money_axis(display) if money else {"tickformat": ".0%"}),
        },
        "xgap": 1,
        "ygap": 1,
    }
    shapes = []
    if data.selected is not None:
        x, y = data.selected
        if x in data.x_labels and y in data.y_labels:
            col, row = data.x_labels.index(x), data.y_labels.index(y)
            shapes.append(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "y",
                    "x0": col - 0.5,
                    "x1": col + 0.5,
                    "y0": row - 0.5,
                    "y1": row + 0.5,
                    "line": {"color": SELECTED_OUTLINE, "width": 3},
                }
            )
    layout = {
        "shapes": shapes,
        "xaxis": {"type": "category", "title": {"text": x_name}, "tickangle": -30},
        "yaxis": {"type": "category", "title": {"text": y_name}, "autorange": "reversed"},
    }
    what = "Money at stake" if money else "Share flagged"
    height = max(340, 22 * len(data.y_labels) + 170)
    return figure([trace], layout, title=f"{what}: {y_name} × {x_name}", height=height)


def segment_bars_figure(bars: SegmentBars, display: Display | None = None) -> Figure:
    """Money at stake per value of one column, stacked under/over; a click filters to that value."""
    display = display or Display()
    name = display.label(bars.column)
    return money_bars(
        bars.table,
        name,
        flagged_counts="flagged",
        empty_message=NO_MATCH,
        no_money_message=f"No money at stake by {name} for these filters",
        selected=bars.selected,
        display=display,
    )


def item_interval_figure(
    actual: float,
    fair_price: float,
    lower: float,
    upper: float,
    comparables: list[tuple[str, float, float]] | None = None,
    display: Display | None = None,
) -> Figure:
    """One item's price against its fair price and interval, with its comparables' prices."""
    display = display or Display()
    colour = UNDER if actual < lower else OVER if actual > upper else OK
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": [fair_price],
            "y": [0],
            "mode": "markers",
            "name": "Fair price",
            "marker": {"symbol": "line-ns", "size": 26, "line": {"width": 3, "color": "#2f3e4e"}},
            "hovertemplate": f"fair {hover_money(display, 'x')}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": [actual],
            "y": [0],
            "mode": "markers",
            "name": "Price",
            "marker": {"size": 16, "color": colour, "line": {"width": 1, "color": "white"}},
            "hovertemplate": f"price {hover_money(display, 'x')}<extra></extra>",
        },
    ]
    if comparables:
        data.append(
            {
                "type": "scatter",
                "x": [price for _, price, _ in comparables],
                "y": [-0.6] * len(comparables),
                "mode": "markers",
                "name": "Comparables",
                "marker": {"size": 9, "color": OK, "symbol": "diamond"},
                "customdata": [item for item, _, _ in comparables],
                "hovertemplate": "%{customdata}<br>price "
                + hover_money(display, "x")
                + "<extra></extra>",
            }
        )
    layout = {
        "shapes": [
            {
                "type": "rect",
                "x0": lower,
                "x1": upper,
                "y0": -0.35,
                "y1": 0.35,
                "fillcolor": "rgba(47, 62, 78, 0.10)",
                "line": {"width": 0},
            }
        ],
        "yaxis": {"visible": False, "range": [-1, 0.8]},
        "xaxis": {
            "title": {"text": display.label("actual")},
            "tickformat": ",.2f",
            "tickprefix": display.symbol,
            "ticksuffix": display.suffix,
        },
        "margin": {"t": 20, "b": 80},
    }
    return figure(data, layout, height=220)


def _highlight(points: ScatterPoints, rows: np.ndarray) -> dict[str, Any]:
    # The scatter's own box/lasso highlights rather than filters: points outside it fade.
    if points.in_selection is None:
        return {"selectedpoints": None, "unselected": None}
    return {
        "selectedpoints": typed(np.flatnonzero(points.in_selection[rows]), np.int32),
        "unselected": {"marker": {"opacity": 0.12}},
    }


def scatter_highlights(points: ScatterPoints) -> dict[int, dict[str, Any]] | None:
    """What the scatter's own box/lasso sets in :func:`scatter_figure`'s figure: per points trace
    (by its index in the figure's data), its ``selectedpoints`` and ``unselected`` (``None`` to
    clear them). ``None`` when the figure has no points (an empty view)."""
    if points.total == 0:
        return None
    return {
        index: _highlight(points, np.flatnonzero(points.direction == code))
        for index, code in enumerate(scatter_trace_codes(points))
        if code is not None
    }


def scatter_trace_codes(points: ScatterPoints) -> list[int | None]:
    """The direction code of each trace :func:`scatter_figure` draws, in order (None: not points).

    Points carry no ids (20,000 ids would dominate the response), so a click is mapped back to its
    item through this order and the point's index in its trace.
    """
    codes: list[int | None] = []
    if points.total == 0:
        return codes
    if len(points.band.fair_price) >= 2:
        codes.append(None)
    codes.append(None)  # the diagonal
    codes.extend(code for code, *_ in _POINT_GROUPS if np.any(points.direction == code))
    return codes


def scatter_item_at(points: ScatterPoints, click: object) -> str | None:
    """The item under a click on the scatter (Plotly's ``clickData``), or None."""
    if (
        not isinstance(click, dict)
        or not isinstance(click.get("points"), list)
        or not click["points"]
    ):
        return None
    point = click["points"][0]
    if not isinstance(point, dict):
        return None
    curve, index = point.get("curveNumber"), point.get("pointIndex", point.get("pointNumber"))
    codes = scatter_trace_codes(points)
    if not isinstance(curve, int) or not isinstance(index, int) or not 0 <= curve < len(codes):
        return None
    code = codes[curve]
    if code is None:
        return None
    rows = np.flatnonzero(points.direction == code)
    return str(points.item_id[rows[index]]) if 0 <= index < len(rows) else None
