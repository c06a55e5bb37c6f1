"""Charts of the "Representing sequences" page: a one-hot (or embedding) matrix as a heatmap with its
rows and columns named, and the 2D projection of an embedding table.

No Streamlit here; every user-facing text comes in as an argument (the page passes its translations).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from engine.lm.chars import display_char

__all__ = ["label", "matrix_figure", "projection_figure", "unique"]

ROW_PX = 22
ONE_HOT_SCALE = [[0.0, "#F1F3F5"], [1.0, "#1C7ED6"]]
SIGNED_SCALE = "RdBu"
POINT_COLOR, SENTENCE_COLOR, PICKED_COLOR, NEIGHBOUR_COLOR = "#ADB5BD", "#1C7ED6", "#E8590C", "#2F9E44"


def label(symbol: str) -> str:
    """A symbol as an axis label: visible whitespace (``␣``), HTML-escaped (``</s>`` is not a tag)."""
    return html.escape(display_char(symbol), quote=False)


def unique(labels: Sequence[str]) -> list[str]:
    """Axis labels made distinct (a category axis merges equal labels): a repeat gets its position appended.

    >>> unique(["a", "b", "a"])
    ['a', 'b', 'a (3)']
    """
    seen: set[str] = set()
    out = []
    for i, name in enumerate(labels):
        out.append(name if name not in seen else f"{name} ({i + 1})")
        seen.add(out[-1])
    return out


def matrix_figure(values, rows: Sequence[str], columns: Sequence[str], *, title: str, x_title: str, y_title: str,
                  signed: bool = False, hover: str = "{row} · {column}: {value}") -> go.Figure:
    """A ``len(rows) × len(columns)`` matrix (array-like) as a heatmap, row 1 at the top (one-hot: 0/1;
    ``signed``: embeddings, a diverging scale centred on 0). ``rows``: the symbol at each time step (the axis
    numbers them t = 1, 2, ...); ``columns``: the column names. ``hover``: a template with ``{row}``,
    ``{column}`` and ``{value}``. The cells carry no text of their own (Plotly fills the template), so a
    120 × 256 matrix is drawn in milliseconds."""
    z = np.asarray(values, dtype=np.float32)
    rows, columns = [f"{t} {label(r)}" for t, r in enumerate(rows, 1)], unique([label(c) for c in columns])
    if z.shape != (len(rows), len(columns)):
        raise ValueError(f"values are {z.shape}, expected {len(rows)} x {len(columns)} (rows x columns)")
    # the colour range: the 99th percentile of |z| (a few large entries would wash out all the others)
    top = float(np.quantile(np.abs(z), 0.99)) if z.size else 1.0
    template = hover.format(row="%{y}", column="%{x}", value="%{z:+.3f}" if signed else "%{z:.0f}")
    heat = go.Heatmap(z=z, x=columns, y=rows, xgap=1, ygap=1, colorscale=SIGNED_SCALE if signed else ONE_HOT_SCALE,
                      zmin=-(top or 1.0) if signed else 0.0, zmax=(top or 1.0) if signed else 1.0, showscale=signed,
                      hovertemplate=template + "<extra></extra>")
    fig = go.Figure(heat)
    # the columns' name goes under the title: an axis title on top would collide with it and the turned names
    fig.update_layout(title=dict(text=f"{title}<br><sup>{html.escape(x_title)}</sup>", x=0, y=1, yref="container",
                                 yanchor="top", pad=dict(t=16)),
                      height=max(240, len(rows) * ROW_PX + 170), margin=dict(l=10, r=10, t=120, b=10),
                      plot_bgcolor="#FFFFFF")
    dense_x = len(columns) > 60  # too many to name each: every few
    fig.update_xaxes(side="top", type="category", automargin=True, showgrid=False, zeroline=False, fixedrange=True,
                     **(dict(nticks=16) if dense_x else {}))  # long names are turned by Plotly when they collide
    fig.update_yaxes(title_text=y_title, type="category", autorange="reversed", showgrid=False, zeroline=False,
                     fixedrange=True)
    return fig


def projection_figure(symbols: Sequence[str], coords: Sequence[Sequence[float]], *, sentence: Sequence[int] = (),
                      picked: int | None = None, neighbours: Sequence[int] = (), title: str, x_title: str,
                      y_title: str, names: Sequence[str] = ("symbols", "in the sentence", "picked", "neighbours"),
                      ) -> go.Figure:
    """The table's symbols as points on the first two principal components; the sentence's symbols, the
    picked one and its neighbours (indices into ``symbols``) drawn on top and named."""
    xs, ys = [float(c[0]) for c in coords], [float(c[1]) for c in coords]
    labels = [label(s) for s in symbols]
    fig = go.Figure(go.Scattergl(x=xs, y=ys, mode="markers", name=names[0], text=labels, hoverinfo="text",
                                 marker=dict(size=5, color=POINT_COLOR, opacity=0.6)))
    groups = ((names[1], sentence, SENTENCE_COLOR), (names[3], neighbours, NEIGHBOUR_COLOR),
              (names[2], [] if picked is None else [picked], PICKED_COLOR))
    for name, idx, color in groups:
        idx = list(dict.fromkeys(idx))
        if idx:
            fig.add_trace(go.Scatter(x=[xs[i] for i in idx], y=[ys[i] for i in idx], mode="markers+text", name=name,
                                     text=[labels[i] for i in idx], textposition="top center", hoverinfo="text",
                                     marker=dict(size=10, color=color, line=dict(width=1, color="#FFFFFF"))))
    fig.update_layout(title=dict(text=title, x=0, xanchor="left"), height=520, margin=dict(l=10, r=10, t=50, b=10),
                      legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0))
    fig.update_xaxes(title_text=x_title, zeroline=False)
    fig.update_yaxes(title_text=y_title, zeroline=False, scaleanchor="x", scaleratio=1)
    return fig
