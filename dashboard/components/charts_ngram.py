"""Plotly figures of the "N-gram vs RNN" page: pure functions from numbers (engine results) to figures.

No Streamlit here; every user-facing text comes in through a labels object built by the page with
``t(...)``. Hover templates in the labels are ``str.format`` templates with named fields (filled
here per character), obtained from i18n by formatting a key with its own placeholders, e.g.
``t("page.ngram_vs_rnn.hover_prob", p="{p}", bits="{bits}")``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from engine.lm.compare import CharScores, Comparison, display_char, strip_layout

__all__ = [
    "NGRAM_COLOR",
    "LSTM_COLOR",
    "StripLabels",
    "strip_figure",
    "role_figure",
    "val_curves_figure",
    "coverage_figure",
]

NGRAM_COLOR = "#E8590C"  # orange: the n-gram model everywhere on the page
LSTM_COLOR = "#4263EB"  # the app's primary blue: the char-LSTM
#: Surprisal colours: pale (expected) to dark red (surprising); capped at SURPRISAL_MAX bits.
SURPRISAL_SCALE = [[0.0, "#FFF9DB"], [0.25, "#FFD43B"], [0.5, "#FD7E14"], [0.75, "#E03131"], [1.0, "#5C0011"]]
SURPRISAL_MAX = 10.0
#: Difference colours: orange where the n-gram wins, white for a tie, blue where the LSTM wins.
DIFF_SCALE = [[0.0, NGRAM_COLOR], [0.5, "#FFFFFF"], [1.0, LSTM_COLOR]]
DIFF_MAX = 6.0
ROW_PX = 20
TOP_PX = 72  # room for the colour bars
LEGEND_TOP_PX = 74  # room for a title and a one-line legend above the plot


@dataclass(frozen=True)
class StripLabels:
    ngram: str = "n-gram"
    lstm: str = "LSTM"
    diff: str = "Δ"
    bits: str = "bits"
    diff_bar: str = "Δ bits (blue: LSTM better)"
    # hover templates: {char} {model} {p} {bits} {top}; {ng} {ls} {gain}; {model} for unknown
    hover_model: str = "{char} — {model}: P = {p} ({bits} bits)<br>top: {top}"
    hover_unknown: str = "{char} — unknown to {model}: read as its unknown symbol, P = {p} ({bits} bits)"
    hover_diff_lstm: str = "{char} — n-gram {ng} bits, LSTM {ls} bits: LSTM better by {gain} bits"
    hover_diff_ngram: str = "{char} — n-gram {ng} bits, LSTM {ls} bits: n-gram better by {gain} bits"
    hover_diff_unknown: str = "{char} — unknown character: not compared"
    score_note: str = ""  # appended to n-gram hovers for stupid backoff ("scores, not probabilities")


def _fmt_p(p: float) -> str:
    if p >= 0.01:
        return f"{p:.2f}"
    return f"{p:.1e}" if p > 0 else "0"


def _fmt_bits(b: float) -> str:
    return f"{b:.2f}" if math.isfinite(b) else "∞"


def _char_label(ch: str) -> str:
    shown = display_char(ch)
    return {"⏎": "'⏎' (newline)", "␣": "'␣' (space)"}.get(shown, f"'{_html(shown)}'")


def _html(text: str) -> str:
    """Plotly renders text and hovers as HTML: a typed "<b>" or an alternative "</s>" must stay literal."""
    return html.escape(text, quote=False)


def _top_text(scores: CharScores, t: int) -> str:
    if not scores.top_chars:
        return ""
    return ", ".join(f"{_alt(c)} {_fmt_p(float(p))}" for c, p in zip(scores.top_chars[t], scores.top_probs[t]))


def _alt(c: str) -> str:
    """An alternative character in a hover list (``display_char``: a space stays visible as ␣)."""
    return _html(display_char(c))


_UNKNOWN_Z, _DIFF_ZERO, _Z_MAX = 15.0, 26.0, 32.0
_COMBINED_SCALE = (
    [[SURPRISAL_MAX * f / _Z_MAX, color] for f, color in SURPRISAL_SCALE]
    + [[(_UNKNOWN_Z - 3) / _Z_MAX, "#DEE2E6"], [(_UNKNOWN_Z + 3) / _Z_MAX, "#DEE2E6"]]  # unused gaps around it
    + [[(_DIFF_ZERO - DIFF_MAX + 2 * DIFF_MAX * f) / _Z_MAX, color] for f, color in DIFF_SCALE]
)


def _colorbar_trace(scale: list, lo: float, hi: float, colorbar: dict) -> go.Scatter:
    return go.Scatter(x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
                      marker=dict(colorscale=scale, cmin=lo, cmax=hi, color=[lo], showscale=True, colorbar=colorbar))


def strip_figure(cmp: Comparison, labels: StripLabels = StripLabels(), width: int = 64) -> go.Figure:
    """Aligned surprisal strips: for every line of the text, a row for the n-gram model, one for the
    char-LSTM (if any) and one for their difference, each cell showing the character.

    Cells are coloured by surprisal ``-log2 p`` (capped at :data:`SURPRISAL_MAX` bits) and by
    ``n-gram bits - LSTM bits`` (blue: the LSTM was less surprised). Hovering a cell shows the
    probability the model gave the character and its top alternatives. Unknown characters are
    drawn in grey and say so on hover.
    """
    text = cmp.text
    row, col, n_rows = strip_layout(text, width)
    models: list[tuple[str, CharScores]] = [(labels.ngram, cmp.ngram)]
    if cmp.lstm is not None:
        models.append((labels.lstm, cmp.lstm))
    per = len(models) + (1 if cmp.diff is not None else 0) + 1  # +1: a blank spacer row
    H = max(n_rows * per, 1)
    # One heatmap for all rows: surprisal in [0, 10], unknown = 15 (grey), difference + 26 in [20, 32].
    z = np.full((H, width), np.nan)
    hover = np.full((H, width), "", dtype=object)
    # the characters are one text scatter (much faster to draw than heatmap cell texts)
    tx: list[int] = []
    ty: list[int] = []
    tt: list[str] = []
    tc: list[str] = []

    def put(yy: int, xx: int, shown: str, dark: bool) -> None:
        tx.append(xx)
        ty.append(yy)
        tt.append(_html(shown))
        tc.append("#FFFFFF" if dark else "#212529")
    for t, ch in enumerate(text):
        shown = display_char(ch)
        clab = _char_label(ch)
        base = row[t] * per
        c = col[t]
        for m, (name, sc) in enumerate(models):
            y = base + m
            p, b = float(sc.prob[t]), float(sc.bits[t])
            put(y, c, shown, not sc.unknown[t] and not b < 6.5)
            if sc.unknown[t]:
                z[y, c] = _UNKNOWN_Z
                hover[y, c] = labels.hover_unknown.format(char=clab, model=name, p=_fmt_p(p), bits=_fmt_bits(b))
            else:
                z[y, c] = min(b, SURPRISAL_MAX) if math.isfinite(b) else SURPRISAL_MAX
                h = labels.hover_model.format(char=clab, model=name, p=_fmt_p(p), bits=_fmt_bits(b),
                                              top=_top_text(sc, t))
                if m == 0 and labels.score_note:
                    h += "<br>" + labels.score_note
                hover[y, c] = h
        if cmp.diff is not None:
            y = base + len(models)
            put(y, c, shown, bool(not cmp.unknown[t] and not abs(float(cmp.diff[t])) < 4.5))
            if cmp.unknown[t]:
                z[y, c] = _UNKNOWN_Z
                hover[y, c] = labels.hover_diff_unknown.format(char=clab)
            else:
                d = float(cmp.diff[t])
                dd = float(np.clip(d, -DIFF_MAX, DIFF_MAX)) if math.isfinite(d) else math.copysign(DIFF_MAX, d)
                z[y, c] = _DIFF_ZERO + dd
                tmpl = labels.hover_diff_lstm if d >= 0 else labels.hover_diff_ngram
                hover[y, c] = tmpl.format(char=clab, ng=_fmt_bits(float(cmp.ngram.bits[t])),
                                          ls=_fmt_bits(float(cmp.lstm.bits[t])),  # type: ignore[union-attr]
                                          gain=_fmt_bits(abs(d)))
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        z=z, x=np.arange(width), y=np.arange(H), hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        colorscale=_COMBINED_SCALE, zmin=0, zmax=_Z_MAX, showscale=False, xgap=1, ygap=1, hoverongaps=False))
    # the two colour bars come from invisible markers; they lie horizontally in the top margin
    bar = dict(orientation="h", y=1.0, yanchor="bottom", len=0.42, thickness=10, xanchor="left", ypad=18)
    fig.add_trace(_colorbar_trace(SURPRISAL_SCALE, 0, SURPRISAL_MAX, dict(title=dict(text=labels.bits, side="right"),
                                                                           x=0.0, **bar)))
    if cmp.diff is not None:
        fig.add_trace(_colorbar_trace(DIFF_SCALE, -DIFF_MAX, DIFF_MAX,
                                      dict(title=dict(text=labels.diff_bar, side="right"), x=0.5, **bar)))
    fig.add_trace(go.Scatter(x=tx, y=ty, text=tt, mode="text", hoverinfo="skip", showlegend=False,
                             textfont=dict(size=13, family="monospace", color=tc)))
    # row labels: model names on every text line
    tickvals, ticktext = [], []
    names = [n for n, _ in models] + ([labels.diff] if cmp.diff is not None else [])
    for r in range(n_rows):
        for m, name in enumerate(names):
            tickvals.append(r * per + m)
            ticktext.append(name)
    fig.update_layout(
        height=max(140, H * ROW_PX + TOP_PX), margin=dict(l=10, r=10, t=TOP_PX, b=10),
        plot_bgcolor="#FFFFFF", hoverlabel=dict(align="left"),
    )
    fig.update_xaxes(visible=False, range=[-0.5, width - 0.5], fixedrange=True)
    fig.update_yaxes(range=[H - 0.5, -0.5], tickvals=tickvals, ticktext=ticktext, showgrid=False, zeroline=False,
                     tickfont=dict(size=10), fixedrange=True)
    return fig


def role_figure(rows: Sequence[dict], role_names: dict[str, str], *, title: str, x_title: str,
                ngram_name: str, lstm_name: str) -> go.Figure:
    """Mean bits/char of both models per character role (grouped horizontal bars)."""
    labels = [f"{role_names.get(r['role'], r['role'])} ({r['count']})" for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=labels, x=[r["ngram_bits"] for r in rows], name=ngram_name, orientation="h",
                         marker_color=NGRAM_COLOR, hovertemplate="%{x:.2f}<extra>" + ngram_name + "</extra>"))
    fig.add_trace(go.Bar(y=labels, x=[r["lstm_bits"] for r in rows], name=lstm_name, orientation="h",
                         marker_color=LSTM_COLOR, hovertemplate="%{x:.2f}<extra>" + lstm_name + "</extra>"))
    # The legend sits in the top margin, between the title and the bars: below the plot (y < 0) it was
    # drawn over the x-axis title, whose distance from the plot does not scale with the figure's height.
    fig.update_layout(barmode="group", height=max(240, 48 * len(rows) + 120),
                      title=dict(text=title, x=0, y=1, yref="container", yanchor="top", pad=dict(t=8)),
                      margin=dict(l=10, r=10, t=LEGEND_TOP_PX, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=x_title)
    return fig


_DASH = {"stupid_backoff": "dot", "laplace": "dash", "lidstone": "dash"}


def val_curves_figure(sweep: dict[str, Sequence[dict]], preset_names: dict[str, str], *, title: str,
                      x_title: str, y_title: str, lstm_bits: float | None = None, lstm_label: str = "",
                      selected: tuple[str, int] | None = None, selected_label: str = "",
                      y_max: float = 6.0) -> go.Figure:
    """Validation bits/char against n-gram order, one line per smoothing, the char-LSTM as a line."""
    fig = go.Figure()
    for name, rows in sweep.items():
        width = 3 if selected and name == selected[0] else 1.5
        fig.add_trace(go.Scatter(
            x=[r["order"] for r in rows], y=[r["val_bits_per_char"] for r in rows], mode="lines+markers",
            name=preset_names.get(name, name), line=dict(width=width, dash=_DASH.get(name, "solid")),
            marker=dict(size=5), hovertemplate="%{y:.3f}<extra>" + preset_names.get(name, name) + "</extra>"))
    if lstm_bits is not None and math.isfinite(lstm_bits):
        fig.add_hline(y=lstm_bits, line=dict(color=LSTM_COLOR, width=2.5, dash="dash"),
                      annotation=dict(text=lstm_label, font=dict(color=LSTM_COLOR)), annotation_position="top right")
    if selected is not None and selected[0] in sweep:
        rows = {r["order"]: r for r in sweep[selected[0]]}
        if selected[1] in rows:
            fig.add_trace(go.Scatter(
                x=[selected[1]], y=[rows[selected[1]]["val_bits_per_char"]], mode="markers", name=selected_label,
                marker=dict(size=14, symbol="circle-open", color=NGRAM_COLOR, line=dict(width=3)),
                hovertemplate="%{y:.3f}<extra>" + selected_label + "</extra>"))
    fig.update_layout(title=dict(text=title, x=0), height=470, margin=dict(l=10, r=10, t=50, b=10),
                      legend=dict(font=dict(size=11), orientation="h", yanchor="top", y=-0.18, x=0),
                      hovermode="x unified")
    fig.update_xaxes(title_text=x_title, dtick=1)
    lo = min([min(r["val_bits_per_char"] for r in rows) for rows in sweep.values()] + [lstm_bits or 9.0])
    fig.update_yaxes(title_text=y_title, range=[max(0.0, lo - 0.3), y_max])
    return fig


def coverage_figure(cov: Sequence[dict], *, title: str, x_title: str, y_title: str, seen_label: str,
                    possible_label: str, train_label: str = "", train_chars: int | None = None) -> go.Figure:
    """Distinct n-grams seen in training vs the V^n possible ones, on a log axis."""
    n = [c["n"] for c in cov]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=n, y=[10 ** c["log10_possible"] for c in cov], name=possible_label,
                             mode="lines+markers", line=dict(color="#868E96", dash="dash"),
                             hovertemplate="10^%{customdata:.1f}<extra>" + possible_label + "</extra>",
                             customdata=[c["log10_possible"] for c in cov]))
    fig.add_trace(go.Bar(x=n, y=[c["seen"] for c in cov], name=seen_label, marker_color=NGRAM_COLOR,
                         customdata=[c["fraction"] for c in cov],
                         hovertemplate="%{y:,}  (%{customdata:.1e})<extra>" + seen_label + "</extra>"))
    if train_chars:
        fig.add_trace(go.Scatter(x=[n[0] - 0.4, n[-1] + 0.4], y=[train_chars, train_chars], mode="lines",
                                 name=f"{train_label} ({train_chars:,})", hoverinfo="skip",
                                 line=dict(color="#2B8A3E", width=1.5, dash="dot")))
    fig.update_layout(title=dict(text=title, x=0), height=470, margin=dict(l=10, r=10, t=50, b=10),
                      legend=dict(orientation="h", yanchor="top", y=-0.18, x=0), hovermode="x unified")
    fig.update_xaxes(title_text=x_title, dtick=1)
    fig.update_yaxes(title_text=y_title, type="log", exponentformat="power")
    return fig
