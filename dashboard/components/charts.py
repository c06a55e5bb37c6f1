"""Plotly figures shared by the dashboard pages: pure functions from numbers to ``go.Figure``.

Nothing here imports Streamlit or reads session state, and every user-facing text comes in as an
argument (pages pass ``t(...)`` strings), so the figures are easy to test and reuse::

    from dashboard.components import charts
    st.plotly_chart(charts.loss_figure(run.history(), vocab_size=65, unigram_nats=3.3,
                                       labels=charts.LossLabels(title=t("..."))))

Losses are in nats per character (what the trainer logs); the loss figures add a second y axis
in bits per character (``nats / ln 2``) so both units can be read off the same curve.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from engine.lm.chars import display_char  # one visible symbol per character, everywhere in the lab

__all__ = [
    "COLORS",
    "CandidateLabels",
    "LossLabels",
    "RunCurve",
    "candidates_figure",
    "char_frequency_figure",
    "compare_runs_figure",
    "display_char",
    "grad_norm_figure",
    "loss_figure",
    "nice_ticks",
    "smooth",
    "thin",
    "throughput_figure",
    "typical_speed",
]

LN2 = math.log(2.0)

COLORS = {
    "primary": "#4263EB",  # the app theme's primary colour
    "train": "#4263EB",
    "train_raw": "rgba(66, 99, 235, 0.25)",
    "val": "#E8590C",
    "uniform": "#868E96",
    "unigram": "#2B8A3E",
    "clip": "#C92A2A",
    "kept": "#91A7FF",
    "filtered": "#DEE2E6",
    "chosen": "#4263EB",
}
_RUN_COLORS = ("#4263EB", "#E8590C", "#2B8A3E", "#AE3EC9", "#1098AD", "#F08C00", "#C2255C", "#5C940D")
_HEIGHT = 340

def smooth(values: Sequence[float], alpha: float = 0.1) -> list[float]:
    """Exponential moving average (bias-corrected, so the first points are not pulled toward 0)."""
    out, avg = [], 0.0
    for i, v in enumerate(values, start=1):
        avg = (1 - alpha) * avg + alpha * v
        out.append(avg / (1 - (1 - alpha) ** i))
    return out


#: Longer series are thinned to about this many points: a 20,000-step run stays light to redraw every 1.5 s.
MAX_POINTS = 1500


def thin(xs: Sequence, ys: Sequence, max_points: int = MAX_POINTS) -> tuple[list, list]:
    """Every k-th point of a long series (the last point always kept), so charts stay light."""
    xs, ys = list(xs), list(ys)
    if len(xs) <= max_points:
        return xs, ys
    stride = math.ceil(len(xs) / max_points)
    idx = list(range(0, len(xs), stride))
    if idx[-1] != len(xs) - 1:
        idx.append(len(xs) - 1)
    return [xs[i] for i in idx], [ys[i] for i in idx]


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values inside ``[lo, hi]``: multiples of 1, 2, 2.5 or 5 times a power of ten, about
    ``target`` of them (so an axis reads 3, 3.5, 4, never 2.89, 3.61, 4.33).

    >>> nice_ticks(2.74, 6.2)
    [3.0, 4.0, 5.0, 6.0]
    >>> nice_ticks(0, 47_000)
    [0.0, 10000.0, 20000.0, 30000.0, 40000.0]
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(target - 1, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1.0, 2.0, 2.5, 5.0, 10.0)), key=lambda st: abs(math.log(st / raw)))
    first = math.ceil(lo / step - 1e-9)
    return [round(k * step, 10) for k in range(first, math.floor(hi / step + 1e-9) + 1)]


def _tick_text(values: Sequence[float]) -> list[str]:
    """Tick labels with as many decimals as the step needs (``3``, ``3.5``, ``3.25``) and thousands separators."""
    step = min((b - a for a, b in zip(values, values[1:])), default=1.0)
    decimals = next(d for d in range(4) if d == 3 or abs(step * 10**d - round(step * 10**d)) < 1e-6)
    return [f"{v:,.{decimals}f}" for v in values]


def _base_layout(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left"),
        height=_HEIGHT,
        margin=dict(l=10, r=10, t=50, b=10),
        legend=dict(orientation="h", yanchor="top", y=-0.32, xanchor="left", x=0),
        hovermode="x unified",
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return fig


def _add_bits_axis(fig: go.Figure, values: Sequence[float], bits_title: str) -> None:
    """A right-hand y axis in bits/char aligned with the left one in nats (same heights)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return
    # A tight range (not from 0): the fall of the loss is what the learner watches.
    vmin, vmax = min(finite), max(finite)
    span = max(vmax - vmin, 0.5)
    lo, hi = max(0.0, vmin - 0.1 * span), vmax + 0.08 * span
    ticks = nice_ticks(lo / LN2, hi / LN2)
    fig.update_layout(
        yaxis=dict(range=[lo, hi]),
        # Its own round ticks in bits: the left axis' grid lines fall on 2.89, 3.61... bits, not on round numbers.
        yaxis2=dict(range=[lo / LN2, hi / LN2], overlaying="y", side="right", title=dict(text=bits_title),
                    showgrid=False, zeroline=False, tickmode="array", tickvals=ticks, ticktext=_tick_text(ticks)),
    )
    # An axis is drawn only if a trace uses it: an invisible one keeps the bits axis on screen.
    fig.add_trace(go.Scatter(x=[None], y=[None], yaxis="y2", showlegend=False, hoverinfo="skip"))


@dataclass(frozen=True)
class LossLabels:
    title: str = "Loss"
    x: str = "step"
    nats: str = "loss (nats/char)"
    bits: str = "bits/char"
    train: str = "training loss"
    train_smooth: str = "training loss (smoothed)"
    val: str = "validation loss"
    uniform: str = "uniform guess ln V"
    unigram: str = "unigram (character frequencies)"
    nats_unit: str = "nats"  # after a number: "4.19 nats" (the axis titles carry their own units)


def _loss_hover(unit_nats: str, unit_bits: str) -> str:
    return f"%{{y:.3f}} {unit_nats} · %{{customdata:.3f}} {unit_bits}"


def loss_figure(history: dict, *, vocab_size: int | None = None, unigram_nats: float | None = None,
                labels: LossLabels = LossLabels()) -> go.Figure:
    """Training loss (raw and smoothed) and validation loss in nats, with a bits/char axis.

    ``history`` is :meth:`engine.train.live.LiveRun.history` (keys ``step``, ``loss``, ``eval_step``,
    ``val_loss``). Reference lines: the uniform guess ``ln V`` and the unigram entropy of the
    training text, the two levels a learning model must get below.
    """
    fig = go.Figure()
    steps, loss = list(history.get("step", [])), list(history.get("loss", []))
    hover = _loss_hover(labels.nats_unit, labels.bits)
    if steps:
        xs, raw = thin(steps, loss)
        fig.add_trace(go.Scatter(x=xs, y=raw, name=labels.train, mode="lines",
                                 line=dict(color=COLORS["train_raw"], width=1),
                                 customdata=[v / LN2 for v in raw], hovertemplate=hover))
        xs, smoothed = thin(steps, smooth(loss))
        fig.add_trace(go.Scatter(x=xs, y=smoothed, name=labels.train_smooth, mode="lines",
                                 line=dict(color=COLORS["train"], width=2.5),
                                 customdata=[v / LN2 for v in smoothed], hovertemplate=hover))
    val_steps, val = list(history.get("eval_step", [])), list(history.get("val_loss", []))
    if val_steps:
        fig.add_trace(go.Scatter(x=val_steps, y=val, name=labels.val, mode="lines+markers",
                                 line=dict(color=COLORS["val"], width=2), marker=dict(size=7),
                                 customdata=[v / LN2 for v in val], hovertemplate=hover))
    refs: list[float] = []
    if vocab_size:
        refs.append(math.log(vocab_size))
        _ref_line(fig, refs[-1], f"{labels.uniform} = {refs[-1]:.2f} {labels.nats_unit}", COLORS["uniform"], "dash")
    if unigram_nats is not None:
        refs.append(unigram_nats)
        _ref_line(fig, unigram_nats, f"{labels.unigram} = {unigram_nats:.2f} {labels.nats_unit}", COLORS["unigram"],
                  "dot")
    _base_layout(fig, labels.title, labels.x, labels.nats)
    _add_bits_axis(fig, [*loss, *val, *refs], labels.bits)
    return fig


def _ref_line(fig: go.Figure, y: float, text: str, color: str, dash: str) -> None:
    fig.add_hline(y=y, line=dict(color=color, dash=dash, width=1.5), annotation_text=text,
                  annotation_position="top right", annotation_font=dict(color=color, size=11))


def grad_norm_figure(steps: Sequence[int], grad_norm: Sequence[float], *, clip: float | None = None,
                     title: str = "Gradient norm", x_title: str = "step", y_title: str = "global gradient norm",
                     clip_label: str = "clipping threshold") -> go.Figure:
    """Global gradient norm per step (before clipping), log scale, with the clipping threshold."""
    fig = go.Figure()
    if steps:
        xs, ys = thin(steps, grad_norm)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=y_title,
                                 line=dict(color=COLORS["primary"], width=1.5), showlegend=False))
    if clip:
        _ref_line(fig, clip, f"{clip_label} = {clip:g}", COLORS["clip"], "dash")
    _base_layout(fig, title, x_title, y_title)
    fig.update_yaxes(type="log", dtick=math.log10(2), tickformat=".2~g")  # ticks at ... 0.5, 1, 2, 4 ...
    return fig


#: :func:`typical_speed` looks at this many of the latest steps.
SPEED_WINDOW = 100


def typical_speed(chars_per_s: Sequence[float], window: int = SPEED_WINDOW) -> float | None:
    """The speed a page reports: the median over the last ``window`` steps (None before the first step).

    A step's time includes the validation, sampling and checkpoint that ran after the step before it,
    so the step after each of them is several times slower than the rest; the median is the speed of
    an ordinary step, and the same number :func:`throughput_figure` draws as its reference line.

    >>> typical_speed([40_000, 41_000, 9_000, 40_500])
    40250.0
    """
    recent = sorted(chars_per_s[-window:])
    if not recent:
        return None
    mid = len(recent) // 2
    return float(recent[mid]) if len(recent) % 2 else (recent[mid - 1] + recent[mid]) / 2.0


def throughput_figure(steps: Sequence[int], chars_per_s: Sequence[float], *, title: str = "Speed",
                      x_title: str = "step", y_title: str = "characters per second",
                      typical_label: str = "median of the last {n} steps") -> go.Figure:
    """Training speed (characters per second) per step, smoothed, with :func:`typical_speed` as a dashed line.

    The y axis runs from 0 to a round number above every value drawn, with round ticks, so the top
    tick is the top of the chart and the reported speed can be read off it.
    """
    fig = go.Figure()
    _base_layout(fig, title, x_title, y_title)
    if not steps:
        return fig
    xs, ys = thin(steps, smooth(list(chars_per_s)))
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=y_title, line=dict(color=COLORS["primary"], width=2),
                             showlegend=False, hovertemplate="%{y:,.0f}"))
    typical = typical_speed(chars_per_s)
    top = max([*ys, typical or 0.0]) or 1.0
    ticks = nice_ticks(0.0, top)
    if ticks[-1] < top:
        ticks.append(ticks[-1] + (ticks[1] - ticks[0] if len(ticks) > 1 else top))
    if typical is not None:
        label = typical_label.format(n=min(SPEED_WINDOW, len(chars_per_s)))
        _ref_line(fig, typical, f"{label}: {typical:,.0f}", COLORS["uniform"], "dash")
    fig.update_yaxes(range=[0, ticks[-1]], tickmode="array", tickvals=ticks, ticktext=_tick_text(ticks))
    return fig


@dataclass(frozen=True)
class RunCurve:
    """One run's curves for :func:`compare_runs_figure`."""

    label: str
    steps: Sequence[int]
    loss: Sequence[float]
    eval_steps: Sequence[int] = ()
    val_loss: Sequence[float] = ()


def compare_runs_figure(runs: Sequence[RunCurve], *, title: str = "Runs compared", x_title: str = "step",
                        nats_title: str = "loss (nats/char)", bits_title: str = "bits/char",
                        train_suffix: str = "training", val_suffix: str = "validation",
                        nats_unit: str = "nats") -> go.Figure:
    """Smoothed training loss (solid) and validation loss (dashed, markers) of several runs, one colour each."""
    fig = go.Figure()
    hover = _loss_hover(nats_unit, bits_title)
    values: list[float] = []
    for i, run in enumerate(runs):
        color = _RUN_COLORS[i % len(_RUN_COLORS)]
        if run.steps:
            xs, smoothed = thin(run.steps, smooth(list(run.loss)))
            values += smoothed
            fig.add_trace(go.Scatter(x=xs, y=smoothed, mode="lines", name=f"{run.label} · {train_suffix}",
                                     legendgroup=run.label, line=dict(color=color, width=2),
                                     customdata=[v / LN2 for v in smoothed], hovertemplate=hover))
        if run.eval_steps:
            values += list(run.val_loss)
            fig.add_trace(go.Scatter(x=list(run.eval_steps), y=list(run.val_loss), mode="lines+markers",
                                     name=f"{run.label} · {val_suffix}", legendgroup=run.label,
                                     line=dict(color=color, width=1.5, dash="dash"), marker=dict(size=6),
                                     customdata=[v / LN2 for v in run.val_loss], hovertemplate=hover))
    _base_layout(fig, title, x_title, nats_title)
    fig.update_layout(height=_HEIGHT + 60, hovermode="closest")
    _add_bits_axis(fig, values, bits_title)
    return fig


@dataclass(frozen=True)
class CandidateLabels:
    title: str = "Next-character candidates"
    x: str = "candidate"
    y: str = "probability"
    chosen: str = "chosen"
    kept: str = "could have been chosen"
    filtered: str = "filtered out (top-k / top-p)"


def candidates_figure(candidates: Sequence, chosen: str | None = None, *,
                      labels: CandidateLabels = CandidateLabels()) -> go.Figure:
    """Bar chart of next-character candidates, best first: the chosen one highlighted.

    ``candidates`` are :class:`engine.lm.generate.CharCandidate` (``char``, ``prob``, ``kept``). Three
    bar styles: the chosen character, the others that survived top-k / top-p (could have been
    sampled), and those the filter removed (hatched, pale).
    """
    names: list[str] = []
    for c in candidates:  # unique axis labels, in candidate order
        name = display_char(c.char)
        while name in names:
            name += " "
        names.append(name)
    groups = {"chosen": ([], []), "kept": ([], []), "filtered": ([], [])}
    chosen_seen = False
    for name, c in zip(names, candidates):
        if c.char == chosen and not chosen_seen:
            group, chosen_seen = "chosen", True
        else:
            group = "kept" if c.kept else "filtered"
        groups[group][0].append(name)
        groups[group][1].append(c.prob)
    fig = go.Figure()
    styles = {
        "chosen": dict(color=COLORS["chosen"]),
        "kept": dict(color=COLORS["kept"]),
        "filtered": dict(color=COLORS["filtered"], pattern=dict(shape="/", fgcolor="#868E96"),
                         line=dict(color="#ADB5BD", width=1)),
    }
    for group, (xs, ys) in groups.items():
        if xs:
            fig.add_trace(go.Bar(x=xs, y=ys, name=getattr(labels, group), marker=styles[group],
                                 text=[f"{p:.1%}" for p in ys], textposition="outside", cliponaxis=False,
                                 hovertemplate="%{x}: %{y:.2%}<extra></extra>"))
    _base_layout(fig, labels.title, labels.x, labels.y)
    fig.update_layout(hovermode="closest", barmode="overlay", bargap=0.25)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=names, tickfont=dict(size=16))
    top = max((c.prob for c in candidates), default=1.0)
    fig.update_yaxes(range=[0, min(1.0, top * 1.2) or 1.0], tickformat=".0%")
    return fig


def char_frequency_figure(most_common: Sequence[tuple[str, int]], *, title: str = "Most common characters",
                          x_title: str = "character", y_title: str = "count") -> go.Figure:
    """Bar chart of ``(character, count)`` pairs (``corpus_stats(text)["most_common"]``)."""
    names = [display_char(ch) for ch, _ in most_common]
    fig = go.Figure(go.Bar(x=names, y=[n for _, n in most_common], marker=dict(color=COLORS["primary"]),
                           hovertemplate="%{x}: %{y:,}<extra></extra>"))
    _base_layout(fig, title, x_title, y_title)
    fig.update_layout(height=260, hovermode="closest")
    fig.update_xaxes(type="category", tickfont=dict(size=14))
    return fig
