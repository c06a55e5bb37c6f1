"""Charts of the Inside-the-LSTM page: unit heatmaps, a passage coloured by a unit, saturation, the h(t) trajectory.

Plain functions from numbers to plotly figures or HTML; every label comes in already translated.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from engine.lm.chars import display_char

__all__ = ["coloured_passage", "gate_lines", "heatmap", "saturation_figure", "trajectory_figure"]

#: Value range per quantity: gates are in (0, 1), the candidate g and h in (-1, 1), c is unbounded.
RANGES = {"i": (0.0, 1.0), "f": (0.0, 1.0), "o": (0.0, 1.0), "r": (0.0, 1.0), "z": (0.0, 1.0),
          "g": (-1.0, 1.0), "h": (-1.0, 1.0), "n": (-1.0, 1.0), "a": None, "c": None}
_GATE_COLOURS = {"i": "#2B8A3E", "f": "#C92A2A", "o": "#1864AB", "r": "#E67700", "z": "#862E9C", "h": "#495057"}


def _range(quantity: str, values: np.ndarray) -> tuple[float, float]:
    fixed = RANGES.get(quantity)
    if fixed is not None:
        return fixed
    m = float(np.abs(values).max()) if values.size else 1.0
    return -max(m, 1e-6), max(m, 1e-6)


def _layout(fig: go.Figure, title: str, x: str, y: str, height: int) -> go.Figure:
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, height=height,
                      margin={"l": 50, "r": 20, "t": 40, "b": 40})
    return fig


def heatmap(values: np.ndarray, text: str, units: Sequence[int], quantity: str, *, title: str, x_title: str,
            y_title: str, hover_unit: str) -> go.Figure:
    """Units (rows) × characters (columns) of one quantity; ``values`` is (T, H)."""
    lo, hi = _range(quantity, values)
    z = values[:, list(units)].T  # (units, T)
    chars = [display_char(c) for c in text]
    scale = "Viridis" if lo >= 0 else "RdBu_r"
    fig = go.Figure(go.Heatmap(
        z=z, x=list(range(len(text))), y=[f"{hover_unit} {u}" for u in units], zmin=lo, zmax=hi,
        colorscale=scale, customdata=np.tile(np.array(chars, dtype=object), (len(units), 1)),
        hovertemplate="%{y} · t=%{x} '%{customdata}': %{z:.3f}<extra></extra>"))
    step = max(1, len(text) // 80)
    fig.update_xaxes(tickmode="array", tickvals=list(range(0, len(text), step)), ticktext=chars[::step],
                     tickangle=0)
    fig.update_yaxes(type="category", autorange="reversed")
    return _layout(fig, title, x_title, y_title, height=max(260, 14 * len(units) + 120))


def coloured_passage(text: str, values: np.ndarray, quantity: str, unknown: Sequence[int] = ()) -> str:
    """HTML: the passage with each character's background coloured by one unit's activation ``values`` (T,).

    Blue for negative, red for positive (gates: white 0 to green 1); characters outside the model's
    vocabulary are underlined with a dotted line.
    """
    lo, hi = _range(quantity, values)
    unk = set(unknown)
    parts = []
    for k, ch in enumerate(text):
        v = float(values[k])
        if lo >= 0:
            a = (v - lo) / (hi - lo)
            colour = f"rgba(43,138,62,{a:.2f})"
        else:
            a = min(1.0, abs(v) / hi)
            colour = f"rgba(201,42,42,{a:.2f})" if v > 0 else f"rgba(24,100,171,{a:.2f})"
        shown = "⏎\n" if ch == "\n" else html.escape(ch if ch != " " else "\u00a0")
        style = f"background:{colour}" + (";text-decoration:underline dotted" if k in unk else "")
        parts.append(f'<span title="t={k} {v:.3f}" style="{style}">{shown}</span>')
    return ('<div style="font-family:monospace;white-space:pre-wrap;line-height:1.6;font-size:0.95rem;'
            'max-height:22rem;overflow-y:auto">' + "".join(parts) + "</div>")


def saturation_figure(left: np.ndarray, right: np.ndarray, gates: Sequence[str], names: Sequence[str], *,
                      title: str, x_title: str, y_title: str) -> go.Figure:
    """Karpathy et al.'s scatter: per unit, fraction left-saturated (x) vs right-saturated (y), one colour per gate."""
    fig = go.Figure()
    for j, gate in enumerate(gates):
        fig.add_trace(go.Scatter(x=left[j], y=right[j], mode="markers", name=names[j], opacity=0.6,
                                 marker={"size": 5, "color": _GATE_COLOURS.get(gate)},
                                 hovertemplate=f"{names[j]}: %{{x:.2f}} < 0.1, %{{y:.2f}} > 0.9<extra></extra>"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[1, 0], mode="lines", line={"dash": "dot", "color": "#adb5bd"},
                             showlegend=False, hoverinfo="skip"))
    fig.update_xaxes(range=[-0.02, 1.02])
    fig.update_yaxes(range=[-0.02, 1.02], scaleanchor="x")
    return _layout(fig, title, x_title, y_title, height=380)


def trajectory_figure(points: np.ndarray, text: str, upto: int, *, title: str, x_title: str,
                      y_title: str, tail: int = 20) -> go.Figure:
    """h(1..upto) projected to 2D: every state read so far as a dot coloured by time, the last ``tail`` steps
    joined by a line, the last one marked with its character."""
    pts = points[:upto]
    chars = [display_char(c) for c in text[:upto]]
    fig = go.Figure(go.Scatter(
        x=pts[:, 0], y=pts[:, 1], mode="markers", marker={"size": 5, "color": list(range(len(pts))),
                                                           "colorscale": "Viridis", "opacity": 0.7},
        customdata=chars, hovertemplate="t=%{pointNumber} '%{customdata}'<extra></extra>", showlegend=False))
    recent = pts[-tail:]
    fig.add_trace(go.Scatter(x=recent[:, 0], y=recent[:, 1], mode="lines+text", line={"color": "#868e96", "width": 1},
                             text=chars[-tail:], textposition="top center", textfont={"size": 10},
                             showlegend=False, hoverinfo="skip"))
    if upto:
        fig.add_trace(go.Scatter(x=[pts[-1, 0]], y=[pts[-1, 1]], mode="markers+text", text=[chars[-1]],
                                 textposition="top center", marker={"size": 12, "color": "#C92A2A"},
                                 showlegend=False, hoverinfo="skip"))
    lim = float(np.abs(points).max()) * 1.05 if points.size else 1.0
    fig.update_xaxes(range=[-lim, lim])
    fig.update_yaxes(range=[-lim, lim])
    return _layout(fig, title, x_title, y_title, height=420)


def gate_lines(text: str, series: dict[str, np.ndarray], names: dict[str, str], *, title: str, x_title: str,
               y_title: str, y_range: tuple[float, float] | None = (0.0, 1.0)) -> go.Figure:
    """Lines over the characters of ``text``: one per named series (T,), e.g. a gate's mean over the units."""
    fig = go.Figure()
    chars = [display_char(c) for c in text]
    for key, values in series.items():
        fig.add_trace(go.Scatter(x=list(range(len(text))), y=values, mode="lines", name=names[key],
                                 line={"color": _GATE_COLOURS.get(key[-1])}, customdata=chars,
                                 hovertemplate="t=%{x} '%{customdata}': %{y:.3f}<extra></extra>"))
    step = max(1, len(text) // 60)
    fig.update_xaxes(tickmode="array", tickvals=list(range(0, len(text), step)), ticktext=chars[::step], tickangle=0)
    if y_range is not None:
        fig.update_yaxes(range=list(y_range))
    return _layout(fig, title, x_title, y_title, height=300)
