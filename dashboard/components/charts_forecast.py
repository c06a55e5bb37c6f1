"""Plotly figures of the time-series page: the series with its held-out tail and forecasts with bands; MASE per
horizon. Pure functions of arrays and already-translated labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from dashboard.components.charts import _base_layout

__all__ = ["METHOD_COLORS", "Drawn", "forecast_figure", "horizon_figure"]

METHOD_COLORS = {"naive": "#868E96", "seasonal_naive": "#AE3EC9", "arima": "#2B8A3E", "sarima": "#2B8A3E",
                 "many_to_one": "#E8590C", "many_to_many": "#C2255C"}


def _color(method: str) -> str:
    """A baseline's colour, or a forecaster's by its shape (``lstm-many_to_one``, ``gru-many_to_many-session``)."""
    parts = method.split("-")
    return METHOD_COLORS.get(parts[0] if len(parts) == 1 else parts[1], "#4263EB")


def _fill(color: str) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},0.18)"


@dataclass
class Drawn:
    """One method's forecast from one origin: its label, point forecasts and optional band (lower, upper)."""

    method: str
    label: str
    point: Sequence[float]
    lower: Sequence[float] | None = None
    upper: Sequence[float] | None = None
    band_label: str = ""


def forecast_figure(dates: Sequence[str], values: np.ndarray, split: int, origin: int, drawn: Sequence[Drawn], *,
                    names: Mapping[str, str], show_from: int = 0) -> go.Figure:
    """The series (training part, held-out tail) and each forecast of ``x[origin:origin+H]`` with its band.

    ``names``: translated labels for ``train, tail, origin, x, y, title``.
    """
    fig = go.Figure()
    idx = np.arange(show_from, len(values))
    dates = list(dates)
    train = idx[idx < split + 1]
    fig.add_trace(go.Scatter(x=[dates[i] for i in train], y=values[train], name=names["train"],
                             line=dict(color="#343A40", width=1.4)))
    tail = np.arange(split, len(values))
    fig.add_trace(go.Scatter(x=[dates[i] for i in tail], y=values[tail], name=names["tail"], mode="lines+markers",
                             line=dict(color="#1C7ED6", width=1.6), marker=dict(size=4)))
    for d in drawn:
        steps = [dates[origin + h] for h in range(len(d.point))]
        color = _color(d.method)
        if d.lower is not None and d.upper is not None:
            fig.add_trace(go.Scatter(x=steps + steps[::-1], y=list(d.upper) + list(d.lower)[::-1], fill="toself",
                                     mode="lines", fillcolor=_fill(color), line=dict(width=0), hoverinfo="skip",
                                     name=d.band_label or d.label, showlegend=True))
        fig.add_trace(go.Scatter(x=steps, y=list(d.point), name=d.label, mode="lines+markers",
                                 line=dict(color=color, width=2, dash="dot" if "naive" in d.method else "solid"),
                                 marker=dict(size=5)))
    fig.add_vline(x=dates[split], line=dict(color="#1C7ED6", dash="dash", width=1))
    fig.add_vline(x=dates[origin], line=dict(color="#E03131", dash="dot", width=1))
    fig.add_annotation(x=dates[origin], y=1.0, yref="paper", text=names["origin"], showarrow=False,
                       xanchor="left", font=dict(color="#E03131", size=11))
    _base_layout(fig, names["title"], names["x"], names["y"])
    fig.update_layout(height=420, legend=dict(y=-0.22))
    return fig


def horizon_figure(rows: Sequence[dict], labels: Mapping[str, str], *, title: str, x_title: str,
                   y_title: str) -> go.Figure:
    """MASE at each horizon h = 1..H, one line per method; the line MASE = 1 is the seasonal naive's in-sample error."""
    fig = go.Figure()
    for row in rows:
        h = list(range(1, len(row["mase_h"]) + 1))
        line = dict(color=_color(row["method"]), width=2, dash="dot" if "naive" in row["method"] else "solid")
        fig.add_trace(go.Scatter(x=h, y=row["mase_h"], name=labels.get(row["method"], row["method"]),
                                 mode="lines+markers", line=line))
    fig.add_hline(y=1.0, line=dict(color="#868E96", dash="dash", width=1))
    _base_layout(fig, title, x_title, y_title)
    fig.update_xaxes(dtick=1)
    return fig
