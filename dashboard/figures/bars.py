"""Money at stake per segment value as stacked horizontal bars: the Overview's and the Explorer's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.figures.theme import OVER, UNDER, Figure, empty_figure, figure, typed

SELECTED_OUTLINE = "#111827"


def money_bars(
    table: pd.DataFrame,
    column: str,
    *,
    flagged_counts: str,
    empty_message: str,
    selected: str | None = None,
) -> Figure:
    """Bars of ``table`` (columns ``segment``, ``under``, ``over`` and ``flagged_counts``), largest
    at the top; the ``selected`` value, if any, is outlined."""
    if table.empty or float((table["under"] + table["over"]).sum()) == 0.0:
        return empty_figure(empty_message)
    ordered = table.iloc[::-1]  # largest at the top of a horizontal bar chart
    labels = ordered["segment"].astype(str).tolist()
    outline = [3 if value == selected else 0 for value in labels]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": name,
            "y": labels,
            "x": typed(ordered[key].to_numpy(np.float64)),
            "marker": {"color": colour, "line": {"color": SELECTED_OUTLINE, "width": outline}},
            "customdata": typed(ordered[flagged_counts].to_numpy(np.int32)),
            "hovertemplate": "%{y}<br>"
            + name
            + ": %{x:,.0f}<br>%{customdata} flagged<extra></extra>",
        }
        for key, name, colour in (("under", "Under-priced", UNDER), ("over", "Over-priced", OVER))
    ]
    layout = {
        "barmode": "stack",
        "xaxis": {"title": {"text": "Money at stake"}, "tickformat": "~s"},
        "yaxis": {"type": "category"},
    }
    height = max(300, 27 * len(table) + 135)
    return figure(data, layout, title=f"Money at stake by {column}", height=height)
