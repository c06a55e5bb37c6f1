"""Plotly figures of the ECG page: the signal with the model's prediction, its error and the beats; the beats'
anomaly scores over the record; one beat's window. Pure functions of arrays and already-translated labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.components.charts import COLORS

__all__ = ["BEAT_COLORS", "beat_window_figure", "scores_figure", "signal_figure"]

BEAT_COLORS = {"N": "#2B8A3E", "A": "#E8590C", "V": "#C92A2A"}
_OTHER = "#AE3EC9"
_CONFIG_LEGEND = dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0)


def _color(symbol: str) -> str:
    return BEAT_COLORS.get(symbol, _OTHER)


def signal_figure(t: np.ndarray, signal: np.ndarray, prediction: np.ndarray, error: np.ndarray,
                  beats: Sequence[tuple[int, float, float, str]], *, names: Mapping[str, str],
                  selected: int | None = None, split_s: float | None = None) -> go.Figure:
    """Two rows sharing the time axis: the signal and the prediction with the beats marked (one marker per beat,
    ``customdata`` = the beat's index, so a click selects it), and the squared prediction error below.

    ``beats``: (index, time in s, signal value, symbol); ``names``: translated labels for the keys
    ``signal, prediction, error, time, mv, mv2, held_out`` and ``beat.<symbol>``.
    """
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.68, 0.32], vertical_spacing=0.05)
    fig.add_trace(go.Scatter(x=t, y=signal, name=names["signal"], line=dict(color="#343A40", width=1.2),
                             hoverinfo="skip"), row=1, col=1)
    fig.add_trace(go.Scatter(x=t, y=prediction, name=names["prediction"],
                             line=dict(color=COLORS["primary"], width=1.2, dash="dot"), hoverinfo="skip"), row=1, col=1)
    for symbol in sorted({b[3] for b in beats}):
        group = [b for b in beats if b[3] == symbol]
        fig.add_trace(go.Scatter(
            x=[b[1] for b in group], y=[b[2] for b in group], mode="markers+text", text=[symbol] * len(group),
            textposition="top center", customdata=[b[0] for b in group], name=names.get(f"beat.{symbol}", symbol),
            marker=dict(color=_color(symbol), size=[16 if b[0] == selected else 10 for b in group],
                        line=dict(width=[3 if b[0] == selected else 0 for b in group], color="#212529")),
            hovertemplate="%{text} · %{x:.2f} s<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=t, y=error, name=names["error"], line=dict(color=COLORS["val"], width=1.2),
                             fill="tozeroy", hoverinfo="skip"), row=2, col=1)
    if split_s is not None and t[0] <= split_s <= t[-1]:
        fig.add_vline(x=split_s, line=dict(color="#868E96", dash="dash"))
    if split_s is not None and t[-1] >= split_s:
        fig.add_vrect(x0=max(split_s, float(t[0])), x1=float(t[-1]), fillcolor="#F1F3F5", opacity=0.5, layer="below",
                      line_width=0, annotation_text=names["held_out"], annotation_position="top left")
    fig.update_layout(height=470, margin=dict(l=10, r=10, t=40, b=10), legend=_CONFIG_LEGEND, hovermode="closest",
                      clickmode="event+select", dragmode="pan")
    fig.update_yaxes(title_text=names["mv"], row=1, col=1)
    fig.update_yaxes(title_text=names["mv2"], row=2, col=1, rangemode="tozero")
    fig.update_xaxes(title_text=names["time"], row=2, col=1)
    return fig


def scores_figure(times: np.ndarray, scores: np.ndarray, symbols: np.ndarray, *, names: Mapping[str, str],
                  split_s: float) -> go.Figure:
    """Each beat's anomaly score against its time in the record, one colour per beat symbol (log axis)."""
    fig = go.Figure()
    for symbol in sorted(set(symbols.tolist()), key=lambda s: s != "N"):
        keep = symbols == symbol
        fig.add_trace(go.Scatter(x=times[keep] / 60, y=scores[keep], mode="markers",
                                 name=names.get(f"beat.{symbol}", symbol),
                                 marker=dict(color=_color(symbol), size=4 if symbol == "N" else 9,
                                             opacity=0.45 if symbol == "N" else 1.0),
                                 hovertemplate="%{x:.2f} min · %{y:.4f}<extra></extra>"))
    fig.add_vline(x=split_s / 60, line=dict(color="#868E96", dash="dash"), annotation_text=names["held_out"],
                  annotation_position="top right")
    fig.update_layout(height=330, margin=dict(l=10, r=10, t=30, b=10), legend=_CONFIG_LEGEND, hovermode="closest")
    fig.update_yaxes(title_text=names["score"], type="log", dtick=1, exponentformat="power")
    fig.update_xaxes(title_text=names["minutes"])
    return fig


def beat_window_figure(t: np.ndarray, window: np.ndarray, *, r_peak: float, symbol: str,
                       names: Mapping[str, str]) -> go.Figure:
    """The classifier's input: the window around one beat, its R peak marked."""
    fig = go.Figure(go.Scatter(x=t, y=window, line=dict(color="#343A40", width=1.5), name=names["signal"],
                               hovertemplate="%{x:.3f} s · %{y:.2f} mV<extra></extra>"))
    fig.add_vline(x=r_peak, line=dict(color=_color(symbol), width=2), annotation_text=names["r_peak"])
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=30, b=10), showlegend=False)
    fig.update_xaxes(title_text=names["window_time"])
    fig.update_yaxes(title_text=names["mv"])
    return fig
