"""One look for every chart, and figures as plain dicts.

Figures are built as the JSON Plotly.js reads (``{"data": [...], "layout": {...}}``), not as
``plotly.graph_objects`` objects: validating a figure object with thousands of points costs tens of
milliseconds per chart, which is most of a filter change's budget. Numeric arrays travel as typed
arrays (``{"dtype": "f4", "bdata": ...}``), a quarter of the size of JSON numbers. Colours mean the
same thing everywhere: blue under-priced, vermillion over-priced, grey within the interval.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

Figure = dict[str, Any]

# Colour-blind-safe pair (Okabe–Ito): blue for under-priced, vermillion for over-priced.
UNDER = "#0072B2"
OVER = "#D55E00"
OK = "#9aa5b1"
ACCENT = "#2f3e4e"
MUTED = "#5c6b7a"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

#: What every chart says when the filters leave no item (no axes, no colour bar).
NO_MATCH = "No items match these filters"

DIRECTION_COLOURS = {"under": UNDER, "over": OVER, "ok": OK}
DIRECTION_LABELS = {"under": "Under-priced", "over": "Over-priced", "ok": "Within interval"}

_AXIS = {
    "gridcolor": "#eef1f4",
    "zerolinecolor": "#d5dbe1",
    "automargin": True,
    "linecolor": "#d5dbe1",
}
HOUSE_LAYOUT: dict[str, Any] = {
    "font": {"family": FONT, "size": 13, "color": ACCENT},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    # The top margin keeps a strip above the title for the mode bar (see "title").
    "margin": {"l": 56, "r": 16, "t": 64, "b": 84},
    "hoverlabel": {"font": {"family": FONT}},
    # Legends sit under the plot, clear of the title and the mode bar.
    "legend": {
        "orientation": "h",
        "yref": "container",
        "y": 0,
        "yanchor": "bottom",
        "x": 0,
        "traceorder": "normal",
    },
    "xaxis": _AXIS,
    "yaxis": _AXIS,
    # Titles start below the mode bar's strip, so it never covers them when it shows.
    "title": {
        "font": {"size": 15},
        "x": 0,
        "xanchor": "left",
        "xref": "paper",
        "y": 1,
        "yref": "container",
        "yanchor": "top",
        "pad": {"t": 30},
    },
}
_TYPED = {
    np.dtype(np.float32): "f4",
    np.dtype(np.float64): "f8",
    np.dtype(np.int8): "i1",
    np.dtype(np.uint8): "u1",
    np.dtype(np.int16): "i2",
    np.dtype(np.uint16): "u2",
    np.dtype(np.int32): "i4",
    np.dtype(np.uint32): "u4",
}


def typed(
    values: np.ndarray | list[float], dtype: type[np.generic] | None = None
) -> dict[str, str]:
    """A numeric array as Plotly.js's typed-array JSON (base64 of the raw little-endian bytes)."""
    array = np.ascontiguousarray(values, dtype=dtype)
    if array.dtype == np.int64:
        array = array.astype(np.int32)
    code = _TYPED.get(array.dtype)
    if code is None:
        raise TypeError(f"no typed-array code for {array.dtype}")
    return {
        "dtype": code,
        "bdata": base64.b64encode(array.astype(array.dtype.newbyteorder("<")).tobytes()).decode(),
    }


def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``extra``, nested dicts merged rather than replaced."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def figure(
    data: list[dict[str, Any]],
    layout: dict[str, Any] | None = None,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    height: int = 360,
) -> Figure:
    """A figure in the house style; every builder ends with this."""
    extra: dict[str, Any] = {"height": height, **(layout or {})}
    if title:
        extra = merged(extra, {"title": {"text": title}})
    if subtitle:
        extra = merged(
            extra,
            {
                "title": {"subtitle": {"text": subtitle, "font": {"size": 12, "color": MUTED}}},
                "margin": {"t": 84},
            },
        )
    return {"data": data, "layout": merged(HOUSE_LAYOUT, extra)}


def empty_figure(message: str, *, height: int = 360) -> Figure:
    """A blank chart that says why it is blank, instead of an empty grid."""
    return figure(
        [],
        {
            "annotations": [
                {
                    "text": message,
                    "showarrow": False,
                    "x": 0.5,
                    "y": 0.5,
                    "xref": "paper",
                    "yref": "paper",
                    "font": {"size": 14, "color": OK},
                }
            ],
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
        },
        height=height,
    )


def title_of(fig: Figure) -> str:
    """The figure's title text ("" when it has none), for tests and logs."""
    return str(fig.get("layout", {}).get("title", {}).get("text", ""))
