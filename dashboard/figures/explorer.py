"""Figures for the Outlier Explorer: the price scatter, the segment heatmap and bars, an item's interval."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.figures.theme import OK, OVER, UNDER, empty_figure, styled
from dashboard.query.explorer_types import OK as OK_CODE
from dashboard.query.explorer_types import OVER as OVER_CODE
from dashboard.query.explorer_types import UNDER as UNDER_CODE
from dashboard.query.explorer_types import HeatmapData, ScatterPoints, SegmentBars

SELECTED_OUTLINE = "#111827"
_POINT_GROUPS = (
    (OK_CODE, "Within interval", OK, 4, 0.35),
    (UNDER_CODE, "Under-priced", UNDER, 6, 0.85),
    (OVER_CODE, "Over-priced", OVER, 6, 0.85),
)


def scatter_figure(points: ScatterPoints) -> go.Figure:
    """Actual against fair price on log axes (WebGL), the typical interval as a band behind.

    Outside-interval points are drawn on top of the grey in-interval cloud. Points carry no ids (see
    :func:`scatter_item_at`); coordinates stay float32 so they travel as compact typed arrays.
    """
    if points.total == 0:
        return empty_figure("No items match these filters", height=420)
    figure = go.Figure()
    band = points.band
    if len(band.fair_price) >= 2:
        figure.add_trace(
            go.Scatter(
                x=np.concatenate([band.fair_price, band.fair_price[::-1]]),
                y=np.concatenate([band.upper, band.lower[::-1]]),
                fill="toself",
                fillcolor="rgba(47, 62, 78, 0.08)",
                line={"width": 0},
                hoverinfo="skip",
                name="Typical interval",
            )
        )
    low = float(min(points.fair_price.min(), points.actual.min()))
    high = float(max(points.fair_price.max(), points.actual.max()))
    figure.add_trace(
        go.Scatter(
            x=[low, high],
            y=[low, high],
            mode="lines",
            name="Price = fair price",
            line={"color": "#5c6b7a", "width": 1, "dash": "dot"},
            hoverinfo="skip",
        )
    )
    for code, name, colour, size, opacity in _POINT_GROUPS:
        rows = np.flatnonzero(points.direction == code)
        if not len(rows):
            continue
        marker: dict[str, object] = {"color": colour, "size": size, "opacity": opacity}
        # The scatter's own box/lasso highlights rather than filters: points outside it fade.
        highlight: dict[str, object] = {}
        if points.in_selection is not None:
            highlight = {
                "selectedpoints": np.flatnonzero(points.in_selection[rows]).astype(np.int32),
                "unselected": {"marker": {"opacity": 0.12}},
            }
        figure.add_trace(
            go.Scattergl(
                **highlight,
                x=points.fair_price[rows],
                y=points.actual[rows],
                mode="markers",
                name=name,
                marker=marker,
                hovertemplate="price %{y:,.2f}<br>fair %{x:,.2f}<br>click for detail<extra>"
                + name
                + "</extra>",
            )
        )
    title = "Price against fair price"
    if points.sampled:
        title += f" · {points.drawn:,} of {points.total:,} drawn (every flagged item kept)"
    # Label 1, 2 and 5 of each decade only: every digit crowds a log axis.
    figure.update_xaxes(type="log", title="Fair price", dtick="D2")
    figure.update_yaxes(type="log", title="Price", dtick="D2")
    figure.update_layout(dragmode="lasso", clickmode="event+select", uirevision="scatter")
    return styled(figure, title=title, height=420)


def heatmap_figure(data: HeatmapData) -> go.Figure:
    """Two segment columns crossed; a click on a cell filters everything else to that cell."""
    if not data.x_labels or not data.y_labels:
        return empty_figure("No items match these filters")
    money = data.metric == "at_stake"
    text = [
        [
            f"{data.y_column} {y} × {data.x_column} {x}<br>{int(data.items[r, c]):,} items, "
            f"{int(data.flagged[r, c]):,} flagged<br>at stake {data.at_stake[r, c]:,.0f}"
            for c, x in enumerate(data.x_labels)
        ]
        for r, y in enumerate(data.y_labels)
    ]
    figure = go.Figure(
        go.Heatmap(
            x=list(data.x_labels),
            y=list(data.y_labels),
            z=data.values,
            text=text,
            hovertemplate="%{text}<extra></extra>",
            colorscale=[[0, "#f7f9fb"], [0.5, "#f0a56b"], [1, OVER]] if money else "Blues",
            colorbar={
                "title": {"text": "At stake" if money else "Share flagged"},
                "tickformat": "~s" if money else ".0%",
            },
            xgap=1,
            ygap=1,
        )
    )
    if data.selected is not None:
        x, y = data.selected
        if x in data.x_labels and y in data.y_labels:
            figure.add_shape(
                type="rect",
                xref="x",
                yref="y",
                x0=data.x_labels.index(x) - 0.5,
                x1=data.x_labels.index(x) + 0.5,
                y0=data.y_labels.index(y) - 0.5,
                y1=data.y_labels.index(y) + 0.5,
                line={"color": SELECTED_OUTLINE, "width": 3},
            )
    figure.update_xaxes(type="category", title=data.x_column, tickangle=-35)
    figure.update_yaxes(type="category", title=data.y_column, autorange="reversed")
    what = "Money at stake" if money else "Share flagged"
    height = max(320, 22 * len(data.y_labels) + 160)
    return styled(figure, title=f"{what}: {data.y_column} × {data.x_column}", height=height)


def segment_bars_figure(bars: SegmentBars) -> go.Figure:
    """Money at stake per value of one column, stacked under/over; a click filters to that value."""
    table = bars.table
    if table.empty or float((table["under"] + table["over"]).sum()) == 0.0:
        return empty_figure(f"No money at stake by {bars.column} for these filters")
    ordered = table.iloc[::-1]
    selected = bars.selected
    line_width = [3 if s == selected else 0 for s in ordered["segment"]]
    figure = go.Figure(
        [
            go.Bar(
                name=label,
                y=ordered["segment"],
                x=ordered[key],
                orientation="h",
                marker={"color": colour, "line": {"color": SELECTED_OUTLINE, "width": line_width}},
                customdata=ordered["flagged"],
                hovertemplate="%{y}<br>"
                + label
                + ": %{x:,.0f}<br>%{customdata} flagged<extra></extra>",
            )
            for key, label, colour in (
                ("under", "Under-priced", UNDER),
                ("over", "Over-priced", OVER),
            )
        ]
    )
    figure.update_layout(barmode="stack")
    figure.update_xaxes(title="Money at stake", tickformat="~s")
    figure.update_yaxes(type="category")
    height = max(280, 26 * len(table) + 120)
    return styled(figure, title=f"Money at stake by {bars.column}", height=height)


def item_interval_figure(
    actual: float,
    fair_price: float,
    lower: float,
    upper: float,
    comparables: list[tuple[str, float, float]] | None = None,
) -> go.Figure:
    """One item's price against its fair price and interval, with its comparables' prices for context."""
    colour = UNDER if actual < lower else OVER if actual > upper else OK
    figure = go.Figure()
    figure.add_shape(
        type="rect",
        x0=lower,
        x1=upper,
        y0=-0.35,
        y1=0.35,
        fillcolor="rgba(47, 62, 78, 0.10)",
        line={"width": 0},
    )
    figure.add_trace(
        go.Scatter(
            x=[fair_price],
            y=[0],
            mode="markers",
            name="Fair price",
            marker={"symbol": "line-ns", "size": 26, "line": {"width": 3, "color": "#2f3e4e"}},
            hovertemplate="fair %{x:,.2f}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[actual],
            y=[0],
            mode="markers",
            name="Price",
            marker={"size": 16, "color": colour, "line": {"width": 1, "color": "white"}},
            hovertemplate="price %{x:,.2f}<extra></extra>",
        )
    )
    if comparables:
        figure.add_trace(
            go.Scatter(
                x=[price for _, price, _ in comparables],
                y=[-0.6] * len(comparables),
                mode="markers",
                name="Comparables",
                marker={"size": 9, "color": "#9aa5b1", "symbol": "diamond"},
                customdata=[item for item, _, _ in comparables],
                hovertemplate="%{customdata}<br>price %{x:,.2f}<extra></extra>",
            )
        )
    figure.update_yaxes(visible=False, range=[-1, 0.8])
    figure.update_xaxes(title="Price", tickformat=",.2f")
    figure.update_layout(showlegend=True, margin={"t": 30, "b": 40})
    return styled(figure, height=200)


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
