"""Charts of the Sentiment page: P(positive) as the text is read, per-token scores, hidden-state paths.

No Streamlit here; every user-facing text comes in as an argument (the page passes its translations).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go

__all__ = ["piece_label", "running_figure", "scores_figure", "trajectory_figure"]

POS_COLOR, NEG_COLOR, LINE_COLOR = "#2F9E44", "#E03131", "#1C7ED6"


def piece_label(piece: str, i: int) -> str:
    """A sentencepiece piece as an axis label: ``▁`` (a word start) dropped, numbered so repeats stay apart."""
    text = piece.replace("\u2581", "") or "␣"
    return f"{i + 1}·{html.escape(text, quote=False)}"


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 340) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0, xanchor="left"), height=height, margin=dict(l=10, r=10, t=50, b=10),
                      showlegend=False, plot_bgcolor="#FFFFFF")
    fig.update_xaxes(title_text=x_title, showgrid=False, tickangle=-45, fixedrange=True)
    fig.update_yaxes(title_text=y_title, gridcolor="#E9ECEF", fixedrange=True)
    return fig


def running_figure(pieces: Sequence[str], positions: Sequence[int], p_positive: Sequence[float], *, title: str,
                   x_title: str, y_title: str) -> go.Figure:
    """P(positive) after the tokens at ``positions`` (indices into ``pieces``), with the 0.5 decision line;
    points coloured by the side they are on."""
    x = [piece_label(pieces[i], i) for i in positions]
    colors = [POS_COLOR if v >= 0.5 else NEG_COLOR for v in p_positive]
    fig = go.Figure(go.Scatter(x=x, y=list(p_positive), mode="lines+markers", line=dict(color=LINE_COLOR, width=2),
                               marker=dict(color=colors, size=8), hovertemplate="%{x}: %{y:.3f}<extra></extra>"))
    fig.add_hline(y=0.5, line=dict(color="#868E96", dash="dot"))
    _layout(fig, title, x_title, y_title)
    fig.update_yaxes(range=[-0.02, 1.02])
    return fig


def scores_figure(pieces: Sequence[str], scores: Sequence[float], *, title: str, x_title: str,
                  y_title: str) -> go.Figure:
    """One bar per token: up (green) supports the predicted class, down (red) speaks against it."""
    x = [piece_label(p, i) for i, p in enumerate(pieces)]
    colors = [POS_COLOR if v >= 0 else NEG_COLOR for v in scores]
    fig = go.Figure(go.Bar(x=x, y=list(scores), marker_color=colors, hovertemplate="%{x}: %{y:+.3f}<extra></extra>"))
    fig.add_hline(y=0, line=dict(color="#868E96"))
    return _layout(fig, title, x_title, y_title, height=320)


def trajectory_figure(names: Sequence[str], points: Sequence[Sequence[Sequence[float]]], positive: Sequence[bool],
                      *, title: str, x_title: str, y_title: str, start: str, end: str) -> go.Figure:
    """One path per text through the (PC1, PC2) plane of its hidden states; a circle at the first token,
    a star at the last, green for texts the model calls positive, red for negative."""
    fig = go.Figure()
    for name, pts, pos in zip(names, points, positive):
        color = POS_COLOR if pos else NEG_COLOR
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=name, line=dict(color=color, width=1.5),
                                 marker=dict(size=4, color=color), opacity=0.8,
                                 hovertemplate=f"{html.escape(name[:40])}<br>t=%{{pointNumber}}<extra></extra>"))
        fig.add_trace(go.Scatter(x=xs[:1], y=ys[:1], mode="markers", marker=dict(size=10, color=color, symbol="circle"),
                                 name=start, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=xs[-1:], y=ys[-1:], mode="markers", name=end, hoverinfo="skip",
                                 marker=dict(size=15, color=color, symbol="star", line=dict(width=1, color="#212529"))))
    fig.update_layout(title=dict(text=title, x=0, xanchor="left"), height=480, margin=dict(l=10, r=10, t=50, b=10),
                      showlegend=False, plot_bgcolor="#FFFFFF")
    fig.update_xaxes(title_text=x_title, gridcolor="#E9ECEF", zeroline=False)
    fig.update_yaxes(title_text=y_title, gridcolor="#E9ECEF", zeroline=False)
    return fig
