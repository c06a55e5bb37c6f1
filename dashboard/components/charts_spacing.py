"""Charts and marked-up text of the spacing page (dashboard/pages/bidirectional_spacing.py).

Pure functions of numbers and strings (no Streamlit), so tests can call them directly::

    >>> marked_text("abc", [0, 1, 0], [1, 0, 0], {"missed": "m", "extra": "e"}).replace("</span>", "")
    '<span>a<span class="sp-extra" title="e">␣<span>b<span class="sp-missed" title="m">␣<span>c'
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

__all__ = ["MARK_CSS", "marked_text", "probability_figure", "states_figure"]

#: The styles of :func:`marked_text`'s spans (put once on the page with ``st.html``/``st.markdown``).
MARK_CSS = ("<style>.sp-text{font-size:1.15rem;line-height:2.0;word-break:break-all}"
            ".sp-missed{background:#fde2e1;color:#c62828;font-weight:700;border-radius:3px}"
            ".sp-extra{background:#fff3cd;color:#b26a00;font-weight:700;border-radius:3px}"
            ".sp-ok{color:#999}</style>")
_COLORS = {"uni": "#1f77b4", "bi": "#d62728", "truth": "#2ca02c"}


def marked_text(chars: str, true_labels: Sequence[int], labels: Sequence[int], titles: dict[str, str],
                compare: bool = True) -> str:
    """HTML of the restored text: a space where the model put one; with ``compare``, a red ␣ where it missed
    one of the original and an orange ␣ for a space the original does not have (``titles``: their tooltips)."""
    out = []
    last = len(chars) - 1
    for i, ch in enumerate(chars):
        out.append(f"<span>{html.escape(ch)}</span>")
        if i == last:
            break
        want, got = bool(true_labels[i]), bool(labels[i])
        if got and (want or not compare):
            out.append(" ")
        elif compare and want and not got:
            out.append(f'<span class="sp-missed" title="{html.escape(titles["missed"])}">␣</span>')
        elif compare and got and not want:
            out.append(f'<span class="sp-extra" title="{html.escape(titles["extra"])}">␣</span>')
    return "".join(out)


def _axis_chars(chars: str) -> list[str]:
    return [f"{i}:{c}" for i, c in enumerate(chars)]


def probability_figure(chars: str, uni: Sequence[float], bi: Sequence[float], true_labels: Sequence[int] | None,
                       *, names: dict[str, str], title: str, x_title: str, y_title: str) -> go.Figure:
    """P(a space follows) per character, left-to-right and bidirectional; the original's spaces as markers."""
    x = _axis_chars(chars)
    fig = go.Figure()
    fig.add_bar(x=x, y=list(uni), name=names["uni"], marker_color=_COLORS["uni"], opacity=0.75)
    fig.add_bar(x=x, y=list(bi), name=names["bi"], marker_color=_COLORS["bi"], opacity=0.75)
    if true_labels is not None and any(true_labels):
        xs = [x[i] for i, lab in enumerate(true_labels) if lab]
        fig.add_scatter(x=xs, y=[1.04] * len(xs), mode="markers", name=names["truth"],
                        marker={"symbol": "triangle-down", "size": 9, "color": _COLORS["truth"]})
    fig.add_hline(y=0.5, line_dash="dot", line_color="#888")
    fig.update_layout(title=title, barmode="group", height=340, margin={"l": 50, "r": 20, "t": 50, "b": 40},
                      legend={"orientation": "h", "y": -0.25}, yaxis={"range": [0, 1.08], "title": y_title},
                      xaxis={"title": x_title, "tickmode": "array", "tickvals": x, "ticktext": list(chars),
                             "tickangle": 0})
    return fig


def states_figure(chars: str, states: np.ndarray, *, title: str, x_title: str, y_title: str) -> go.Figure:
    """A heatmap of one direction's hidden states: one column per character, one row per unit (values in [-1, 1])."""
    x = _axis_chars(chars)
    fig = go.Figure(go.Heatmap(z=np.asarray(states).T, x=x, zmin=-1, zmax=1, colorscale="RdBu", reversescale=True,
                               hovertemplate="%{x}<br>unit %{y}: %{z:.3f}<extra></extra>"))
    fig.update_layout(title=title, height=300, margin={"l": 50, "r": 20, "t": 50, "b": 40},
                      xaxis={"title": x_title, "tickmode": "array", "tickvals": x, "ticktext": list(chars),
                             "tickangle": 0}, yaxis={"title": y_title})
    return fig
