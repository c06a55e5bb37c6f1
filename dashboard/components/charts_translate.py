"""Plotly figures of the "Translate" page: pure functions from engine results to figures.

No Streamlit here; every user-facing text comes in through the arguments, built by the page with
``t(...)``. Hover templates are ``str.format`` templates with named fields, obtained from i18n by
formatting a key with its own placeholders, e.g. ``t("page.translate.hover", target="{target}", ...)``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from engine.seq2seq.evaluate import LENGTH_BUCKETS, bucket_name

__all__ = ["ATTENTION_COLOR", "FIXED_COLOR", "AttentionLabels", "BleuSeries", "attention_figure",
           "bleu_by_length_figure"]

ATTENTION_COLOR = "#4263EB"  # the app's primary blue: the translator with attention
FIXED_COLOR = "#E8590C"  # orange: the fixed-vector encoder-decoder
ATTENTION_SCALE = [[0.0, "#FFFFFF"], [0.15, "#DBE4FF"], [0.5, "#748FFC"], [1.0, "#1C2E8C"]]
ROW_PX = 26


@dataclass(frozen=True)
class AttentionLabels:
    title: str = "Attention"
    x: str = "English subwords (source)"
    y: str = "French subwords (written in this order)"
    weight: str = "weight"
    # hover template: {target} {source} {weight} {top} (top: where this target piece looked most)
    hover: str = "writing “{target}”, looked at “{source}”: {weight}<br>most: {top}"


def attention_figure(source_pieces: Sequence[str], target_pieces: Sequence[str],
                     attention: Sequence[Sequence[float]], labels: AttentionLabels = AttentionLabels(),
                     top: int = 3) -> go.Figure:
    """Heatmap of the attention weights ``α`` (rows: target pieces in writing order, columns: source pieces).

    The axes are positions (a piece may occur twice) labelled with the pieces. Hovering a cell says
    which source piece the target piece looked at, with what weight, and the ``top`` source pieces it
    looked at most.
    """
    # Plotly renders labels and hover text as HTML: "</s>" would be read as a tag and break the layout
    source_pieces = [html.escape(p, quote=False) for p in source_pieces]
    target_pieces = [html.escape(p, quote=False) for p in target_pieces]
    rows = [list(map(float, r)) for r in attention]
    if len(rows) != len(target_pieces) or any(len(r) != len(source_pieces) for r in rows):
        raise ValueError(f"attention is {len(rows)}x{len(rows[0]) if rows else 0}, expected "
                         f"{len(target_pieces)}x{len(source_pieces)} (target x source)")
    hover = []
    for tgt, row in zip(target_pieces, rows):
        best = sorted(range(len(row)), key=lambda s: -row[s])[:top]
        most = ", ".join(f"{source_pieces[s]} {row[s]:.2f}" for s in best)
        hover.append([labels.hover.format(target=tgt, source=src, weight=f"{w:.2f}", top=most)
                      for src, w in zip(source_pieces, row)])
    S, T = len(source_pieces), len(target_pieces)
    fig = go.Figure(go.Heatmap(
        z=rows, x=list(range(S)), y=list(range(T)), zmin=0.0, zmax=1.0, colorscale=ATTENTION_SCALE, xgap=1, ygap=1,
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        colorbar=dict(title=dict(text=labels.weight, side="right"), thickness=12)))
    fig.update_layout(title=dict(text=labels.title, x=0, y=1, yref="container", yanchor="top", pad=dict(t=6)),
                      height=max(300, T * ROW_PX + 200), margin=dict(l=10, r=10, t=130, b=10),
                      plot_bgcolor="#FFFFFF", hoverlabel=dict(align="left"))
    fig.update_xaxes(title_text=labels.x, tickvals=list(range(S)), ticktext=list(source_pieces), tickangle=-45,
                     side="top", showgrid=False, zeroline=False, fixedrange=True)
    fig.update_yaxes(title_text=labels.y, tickvals=list(range(T)), ticktext=list(target_pieces),
                     range=[T - 0.5, -0.5], showgrid=False, zeroline=False, fixedrange=True)
    return fig


@dataclass(frozen=True)
class BleuSeries:
    """One model's measured BLEU per source-length bucket (``recorded_scores(...)["buckets"]``)."""

    name: str
    buckets: Sequence[dict]  # {"bucket": "1-5", "sentences": int, "bleu": float | None}
    color: str = ATTENTION_COLOR


def bleu_by_length_figure(series: Sequence[BleuSeries], *, title: str, x_title: str, y_title: str,
                          hover: str = "{model}: BLEU {bleu} on {n} sentences") -> go.Figure:
    """Grouped bars of BLEU against source length (words), one colour per model.

    Buckets are ordered as :data:`engine.seq2seq.evaluate.LENGTH_BUCKETS` (others follow in the order
    they come); a bucket without a score is left empty. ``hover`` is a template with ``{model}``,
    ``{bleu}`` and ``{n}``.
    """
    order = [bucket_name(lo, hi) for lo, hi in LENGTH_BUCKETS]
    for s in series:
        order += [b["bucket"] for b in s.buckets if b["bucket"] not in order]
    used = [name for name in order if any(b["bucket"] == name and b.get("bleu") is not None
                                          for s in series for b in s.buckets)]
    fig = go.Figure()
    for s in series:
        by = {b["bucket"]: b for b in s.buckets if b.get("bleu") is not None}
        xs = [name for name in used if name in by]
        ys = [float(by[name]["bleu"]) for name in xs]
        texts = [hover.format(model=s.name, bleu=f"{by[name]['bleu']:.1f}", n=f"{by[name].get('sentences', 0):,}")
                 for name in xs]
        fig.add_trace(go.Bar(x=xs, y=ys, name=s.name, marker_color=s.color, text=[f"{y:.1f}" for y in ys],
                             textposition="outside", hovertext=texts, hovertemplate="%{hovertext}<extra></extra>"))
    top = max([float(b["bleu"]) for s in series for b in s.buckets if b.get("bleu") is not None] + [1.0])
    fig.update_layout(title=dict(text=title, x=0), barmode="group", height=380, margin=dict(l=10, r=10, t=50, b=10),
                      legend=dict(orientation="h", yanchor="top", y=-0.2, x=0))
    fig.update_xaxes(title_text=x_title, type="category", categoryorder="array", categoryarray=used)
    fig.update_yaxes(title_text=y_title, range=[0, top * 1.18], rangemode="tozero")
    return fig
