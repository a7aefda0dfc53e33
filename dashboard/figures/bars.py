"""Money at stake per segment value as stacked horizontal bars: the Overview's and the Explorer's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.display import Display
from dashboard.figures.axes import money_axis
from dashboard.figures.theme import OVER, UNDER, Figure, empty_figure, figure, typed

SELECTED_OUTLINE = "#111827"


def money_bars(
    table: pd.DataFrame,
    column: str,
    *,
    flagged_counts: str,
    empty_message: str,
    no_money_message: str | None = None,
    selected: str | None = None,
    display: Display | None = None,
    click_hint: str = "",
) -> Figure:
    """Bars of ``table`` (columns ``segment``, ``under``, ``over`` and ``flagged_counts``), largest
    at the top; the ``selected`` value, if any, is outlined. ``column`` is the label shown.

    ``empty_message`` explains a table without rows, ``no_money_message`` one whose rows have no
    money at stake (the same sentence unless given).
    """
    if table.empty:
        return empty_figure(empty_message)
    if float((table["under"] + table["over"]).sum()) == 0.0:
        return empty_figure(no_money_message or empty_message)
    display = display or Display()
    ordered = table.iloc[::-1]  # largest at the top of a horizontal bar chart
    labels = ordered["segment"].astype(str).tolist()
    outline = [3 if value == selected else 0 for value in labels]
    hint = f"<br>{click_hint}" if click_hint else ""
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": name,
            "y": labels,
            "x": typed(ordered[key].to_numpy(np.float64)),
            "marker": {"color": colour, "line": {"color": SELECTED_OUTLINE, "width": outline}},
            "customdata": typed(ordered[flagged_counts].to_numpy(np.int32)),
            "hovertemplate": f"%{{y}}<br>{name}: {display.symbol}%{{x:,.0f}}{display.suffix}"
            f"<br>%{{customdata:,}} flagged{hint}<extra></extra>",
        }
        for key, name, colour in (("under", "Under-priced", UNDER), ("over", "Over-priced", OVER))
    ]
    layout = {
        "barmode": "stack",
        "xaxis": {
            "title": {"text": "Money at stake"},
            "rangemode": "tozero",
            **money_axis(display),
        },
        "yaxis": {"type": "category"},
    }
    height = max(300, 27 * len(table) + 135)
    return figure(data, layout, title=f"Money at stake by {column}", height=height)
