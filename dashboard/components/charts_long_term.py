"""Plotly figures of the long-term-dependency page: gradient norms over t, connectivity, the race, the sweep.

Pure functions from numbers to ``go.Figure`` (no Streamlit, texts come in as arguments), like
:mod:`dashboard.components.charts`, whose layout helpers they share.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from dashboard.components.charts import _base_layout, _ref_line, smooth, thin

__all__ = ["CELL_COLORS", "connectivity_figure", "gradient_figure", "race_grad_figure", "race_loss_figure",
           "sweep_figure", "Series"]

#: One colour per cell, on every chart of the page.
CELL_COLORS = {"rnn": "#E8590C", "gru": "#2B8A3E", "lstm": "#4263EB"}
_BASELINE = "#868E96"
_CLIP = "#C92A2A"


@dataclass(frozen=True)
class Series:
    """One line: a cell's values, its legend name, dashed or not."""

    cell: str
    name: str
    values: Sequence[float]
    dash: str = "solid"


def _positive(values: Sequence[float]) -> list[float | None]:
    """Log axes cannot show 0 (a gradient cut by truncated BPTT) or non-finite values: leave a gap."""
    return [v if v is not None and math.isfinite(v) and v > 0 else None for v in values]


def _solved_line(fig: go.Figure, y: float, label: str) -> None:
    """The "learned" level, labelled below its line (the baseline's label sits above its own)."""
    color = CELL_COLORS["gru"]
    fig.add_hline(y=y, line=dict(color=color, dash="dot", width=1.5), annotation_text=f"{label} = {y:.3g}",
                  annotation_position="bottom right", annotation_font=dict(color=color, size=11))


def _log_y(fig: go.Figure) -> None:
    fig.update_yaxes(type="log", exponentformat="power")


def gradient_figure(series: Sequence[Series], *, title: str, x_title: str, y_title: str,
                    bound: Sequence[float] | None = None, bound_name: str = "", cut: int = 0,
                    cut_label: str = "") -> go.Figure:
    """‖∂L/∂h(t)‖ against t = 1 … T on a log scale, one line per series; optional bound ρ^(T−t)·‖∂L/∂h(T)‖."""
    fig = go.Figure()
    for s in series:
        ts = list(range(1, len(s.values) + 1))
        fig.add_trace(go.Scatter(x=ts, y=_positive(s.values), name=s.name, mode="lines",
                                 line=dict(color=CELL_COLORS[s.cell], width=2.2, dash=s.dash),
                                 hovertemplate="t = %{x}: %{y:.3g}"))
    if bound is not None:
        fig.add_trace(go.Scatter(x=list(range(1, len(bound) + 1)), y=_positive(bound), name=bound_name, mode="lines",
                                 line=dict(color=_BASELINE, width=1.5, dash="dot"), hovertemplate="%{y:.3g}"))
    if cut:
        fig.add_vline(x=cut, line=dict(color=_CLIP, dash="dash", width=1.5), annotation_text=cut_label,
                      annotation_position="top left", annotation_font=dict(color=_CLIP, size=11))
    _base_layout(fig, title, x_title, y_title)
    _log_y(fig)
    shown = [v for s in series for v in _positive(s.values) if v is not None]
    if shown:  # the measured lines set the range; a bound that runs off to 10^20 is cut, not the lines squashed
        fig.update_yaxes(range=[math.log10(min(shown)) - 0.5, math.log10(max(shown)) + 1.5])
    return fig


def connectivity_figure(C: np.ndarray, steps: Sequence[int], *, title: str, x_title: str, y_title: str,
                        color_title: str, zrange: tuple[float, float] | None = None) -> go.Figure:
    """Heatmap of log10 ‖∂o(t)/∂x(k)‖: rows t (``steps``), columns k = 1 … T; blank where k > t or the value is 0."""
    C = np.asarray(C, dtype=float)
    T = C.shape[1]
    ks = np.arange(1, T + 1)
    with np.errstate(divide="ignore"):
        z = np.where((ks[None, :] <= np.asarray(steps)[:, None]) & (C > 0), np.log10(np.where(C > 0, C, 1.0)), np.nan)
    zmin, zmax = zrange if zrange is not None else (np.nanmin(z) if np.isfinite(z).any() else -1, np.nanmax(z)
                                                    if np.isfinite(z).any() else 0)
    fig = go.Figure(go.Heatmap(z=z, x=ks, y=list(steps), zmin=zmin, zmax=zmax, colorscale="Viridis",
                               colorbar=dict(title=dict(text=color_title), thickness=12),
                               hovertemplate="t = %{y}, k = %{x}: 10^%{z:.1f}<extra></extra>"))
    _base_layout(fig, title, x_title, y_title)
    fig.update_layout(height=360, hovermode="closest")
    fig.update_yaxes(autorange="reversed")
    return fig


def race_loss_figure(histories: Mapping[str, dict], names: Mapping[str, str], *, baseline: float,
                     baseline_label: str, title: str, x_title: str, y_title: str, held_out: str,
                     solved: float | None = None, solved_label: str = "") -> go.Figure:
    """Smoothed training loss (line) and held-out loss (markers) of each cell, log scale, with the baseline."""
    fig = go.Figure()
    for cell, h in histories.items():
        color = CELL_COLORS[cell]
        if h["step"]:
            xs, ys = thin(h["step"], smooth(h["loss"]))
            fig.add_trace(go.Scatter(x=xs, y=_positive(ys), name=names[cell], mode="lines", legendgroup=cell,
                                     line=dict(color=color, width=2.2), hovertemplate="%{y:.4f}"))
        if h["eval_step"]:
            fig.add_trace(go.Scatter(x=h["eval_step"], y=_positive(h["val_loss"]), name=f"{names[cell]} · {held_out}",
                                     mode="markers", legendgroup=cell, marker=dict(color=color, size=7),
                                     hovertemplate="%{y:.4f}"))
    _ref_line(fig, baseline, f"{baseline_label} = {baseline:.3f}", _BASELINE, "dash")
    if solved:
        _solved_line(fig, solved, solved_label)
    _base_layout(fig, title, x_title, y_title)
    _log_y(fig)
    return fig


def race_grad_figure(histories: Mapping[str, dict], names: Mapping[str, str], *, clip: float | None,
                     clip_label: str, title: str, x_title: str, y_title: str) -> go.Figure:
    """The global gradient norm of each step, before clipping, log scale, with the clipping threshold."""
    fig = go.Figure()
    for cell, h in histories.items():
        if h["step"]:
            xs, ys = thin(h["step"], h["grad_norm"])
            fig.add_trace(go.Scatter(x=xs, y=_positive(ys), name=names[cell], mode="lines",
                                     line=dict(color=CELL_COLORS[cell], width=1.5), hovertemplate="%{y:.3g}"))
    if clip:
        _ref_line(fig, clip, f"{clip_label} = {clip:g}", _CLIP, "dash")
    _base_layout(fig, title, x_title, y_title)
    _log_y(fig)
    return fig


def sweep_figure(rows: Sequence[dict], names: Mapping[str, str], *, baseline: float, baseline_label: str,
                 solved: float, solved_label: str, title: str, x_title: str, y_title: str,
                 live: Mapping[str, tuple[int, float]] | None = None, live_label: str = "",
                 budget_rows: Sequence[dict] = (), budget_label: str = "") -> go.Figure:
    """Final held-out loss against T per cell (log–log), the baseline, the "learns" line, live re-runs as stars.

    ``budget_rows``: the same runs' loss after fewer steps (the page's budget), drawn dashed.
    """
    fig = go.Figure()
    for cell in names:
        for source, dash, suffix in ((rows, "solid", ""), (budget_rows, "dash", f" · {budget_label}")):
            mine = sorted((r for r in source if r["cell"] == cell), key=lambda r: r["seq_len"])
            if mine:
                fig.add_trace(go.Scatter(x=[r["seq_len"] for r in mine], y=_positive([r["final_loss"] for r in mine]),
                                         name=names[cell] + suffix, mode="lines+markers", legendgroup=cell,
                                         line=dict(color=CELL_COLORS[cell], width=2.2 if dash == "solid" else 1.4,
                                                   dash=dash),
                                         marker=dict(size=8 if dash == "solid" else 5),
                                         hovertemplate="T = %{x}: %{y:.4f}"))
    for cell, (seq_len, loss) in (live or {}).items():
        fig.add_trace(go.Scatter(x=[seq_len], y=_positive([loss]), name=f"{names[cell]} · {live_label}", mode="markers",
                                 marker=dict(color=CELL_COLORS[cell], size=15, symbol="star",
                                             line=dict(color="white", width=1)), hovertemplate="T = %{x}: %{y:.4f}"))
    _ref_line(fig, baseline, f"{baseline_label} = {baseline:.3f}", _BASELINE, "dash")
    _solved_line(fig, solved, solved_label)
    _base_layout(fig, title, x_title, y_title)
    fig.update_layout(hovermode="closest")
    fig.update_xaxes(type="log", tickvals=sorted({r["seq_len"] for r in rows}))
    _log_y(fig)
    return fig
