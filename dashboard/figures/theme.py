"""One look for every chart: colours that mean the same thing everywhere, quiet axes, readable money."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE_NAME = "pricescope"
# Colour-blind-safe pair (Okabe–Ito): blue for under-priced, vermillion for over-priced.
UNDER = "#0072B2"
OVER = "#D55E00"
OK = "#9aa5b1"
ACCENT = "#2f3e4e"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

DIRECTION_COLOURS = {"under": UNDER, "over": OVER, "ok": OK}
DIRECTION_LABELS = {"under": "Under-priced", "over": "Over-priced", "ok": "Within interval"}


def _template() -> go.layout.Template:
    return go.layout.Template(
        layout=go.Layout(
            font={"family": FONT, "size": 13, "color": ACCENT},
            paper_bgcolor="rgba(0,0,0,0)",
            plot_bgcolor="rgba(0,0,0,0)",
            colorway=[UNDER, OVER, "#009E73", "#CC79A7", "#E69F00", "#56B4E9", OK],
            margin={"l": 56, "r": 16, "t": 48, "b": 84},
            hoverlabel={"font": {"family": FONT}},
            # Legends sit under the plot, clear of the title and the mode bar.
            legend={
                "orientation": "h",
                "yref": "container",
                "y": 0,
                "yanchor": "bottom",
                "x": 0,
                "title": None,
                "traceorder": "normal",
            },
            xaxis={"gridcolor": "#eef1f4", "zerolinecolor": "#d5dbe1", "automargin": True},
            yaxis={"gridcolor": "#eef1f4", "zerolinecolor": "#d5dbe1", "automargin": True},
            title={"font": {"size": 15}, "x": 0, "xanchor": "left"},
        )
    )


pio.templates[TEMPLATE_NAME] = _template()


def styled(
    figure: go.Figure, *, title: str | None = None, subtitle: str | None = None, height: int = 360
) -> go.Figure:
    """Applies the house template; every builder ends with this."""
    figure.update_layout(template=TEMPLATE_NAME, height=height)
    if title:
        figure.update_layout(title_text=title)
    if subtitle:
        figure.update_layout(
            title_subtitle_text=subtitle,
            title_subtitle_font={"size": 12, "color": "#5c6b7a"},
            margin_t=64,
        )
    return figure


def empty_figure(message: str, *, height: int = 360) -> go.Figure:
    """A blank chart that says why it is blank, instead of an empty grid."""
    figure = go.Figure()
    figure.add_annotation(
        text=message,
        showarrow=False,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        font={"size": 14, "color": OK},
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return styled(figure, height=height)
