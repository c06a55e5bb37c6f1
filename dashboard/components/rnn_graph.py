r"""Pictures of a small unrolled RNN for the lab pages: Graphviz DOT text, LaTeX matrices, a contribution map.

Pure functions from numbers and labels to text or a ``go.Figure`` (no Streamlit, no session state); the
pages pass translated labels in. The unrolled graph follows the notes' figure: x(t) at the bottom, h(t)
in the middle joined left to right by W, o(t)/ŷ(t) and the loss on top; every U, W and V edge carries its
letter in its own colour, the same at every step (parameter sharing)::

    >>> dot = unrolled_dot([Group(steps=[Step(x="h", h="h(1)", y="ŷ: e", loss="L(1)")])])
    >>> dot.startswith("digraph") and 'label="U"' in dot and 'label="V"' in dot
    True
    >>> latex_matrix([[1.0, -0.5]])
    '\\begin{bmatrix}1.00 & -0.50\\end{bmatrix}'
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import plotly.graph_objects as go

from engine.lab.step import Forward
from engine.lm.chars import display_char

__all__ = ["EDGE_COLORS", "Group", "Step", "contribution_figure", "latex_matrix", "steps_of", "unrolled_dot"]

#: One colour per shared parameter matrix, the same in every diagram of the lab.
EDGE_COLORS = {"U": "#1971C2", "W": "#E8590C", "V": "#2B8A3E", "back": "#C92A2A", "cut": "#ADB5BD",
               "feedback": "#7048E8"}
_CURRENT_FILL = "#FFF3BF"
_DONE_FILL = "#FFE3E3"


@dataclass(frozen=True)
class Step:
    """One column of the unrolled graph."""

    h: str  # text of the state node
    x: str | None = None  # text of the input node (None: no input)
    y: str | None = None  # text of the output node (None: no output at this step)
    loss: str | None = None  # text of the loss node (None: no loss at this step)
    zero_input: bool = False  # x(t) is the all-zero dummy input (drawn dotted)
    fed_back: bool = False  # x(t) is the previous step's output, fed back (drawn in the feedback colour)
    current: bool = False  # the step being computed (highlighted)
    backward: bool = False  # BPTT has processed this step (its error arrows drawn)


@dataclass(frozen=True)
class Group:
    """Consecutive columns sharing one θ (an RNN; seq2seq: the encoder, then the decoder)."""

    steps: Sequence[Step]
    names: dict[str, str] = field(default_factory=lambda: {"U": "U", "W": "W", "V": "V"})
    title: str | None = None  # drawn as a cluster label


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a DOT string literal (quotes and backslashes escaped)


def _node(name: str, label: str, **attrs: str) -> str:
    extra = "".join(f", {k}={_q(v)}" for k, v in attrs.items())
    return f"  {name} [label={_q(label)}{extra}];"


def _edge(a: str, b: str, label: str, color: str, **attrs: str) -> str:
    extra = "".join(f", {k}={_q(v)}" for k, v in attrs.items())
    return f"  {a} -> {b} [label={_q(label)}, color={_q(color)}, fontcolor={_q(color)}{extra}];"


def unrolled_dot(groups: Sequence[Group], *, h0: str = "h(0)", cut_after: Sequence[int] = (),
                 back_label: tuple[str, str] = ("Vᵀδo", "Wᵀδa"), cut_label: str = "✂") -> str:
    """The unrolled graph as Graphviz DOT text, one column per step, groups joined state to state.

    ``cut_after``: 1-based step numbers t (counted over all groups) after which truncated BPTT cuts the
    W edge h(t) → h(t+1) (drawn grey and dashed). A step with ``backward=True`` gets its error arrows:
    from the output (``back_label[0]``) and from h(t+1) (``back_label[1]``), drawn against the forward edges.
    """
    lines = ["digraph unrolled {", "  rankdir=BT; newrank=true; nodesep=0.2; ranksep=0.35;",
             '  node [shape=box, style="rounded,filled", fillcolor="white", fontname="Helvetica", fontsize=11, '
             'margin="0.06,0.03", height=0.3];',
             '  edge [fontname="Helvetica", fontsize=10, penwidth=1.6];',
             _node("h0", h0, color="#868E96")]
    hs, prev, t = ["h0"], "h0", 0
    for gi, group in enumerate(groups):
        if group.title:
            lines.append(f"  subgraph cluster_{gi} {{ label={_q(group.title)}; style=dashed; color=\"#CED4DA\";")
        for step in group.steps:
            t += 1
            h = f"h{t}"
            fill = _CURRENT_FILL if step.current else (_DONE_FILL if step.backward else "white")
            lines.append(_node(h, step.h, fillcolor=fill, penwidth="2" if step.current else "1"))
            if step.x is not None:
                look = {"style": "rounded,dashed", "color": EDGE_COLORS["feedback"], "penwidth": "1.6"} if \
                    step.fed_back else {"style": "rounded,dotted" if step.zero_input else "rounded"}
                lines.append(_node(f"x{t}", step.x, **look))
                lines.append(_edge(f"x{t}", h, group.names["U"], EDGE_COLORS["U"]))
            if step.y is not None:
                lines.append(_node(f"y{t}", step.y, fillcolor=fill))
                out_back = step.backward and step.loss is not None  # the error V^T δo(t) flows down to h(t)
                lines.append(_edge(h, f"y{t}", group.names["V"] + (f" · {back_label[0]}" if out_back else ""),
                                   EDGE_COLORS["back"] if out_back else EDGE_COLORS["V"],
                                   dir="both" if out_back else "forward"))
                if step.loss is not None:
                    lines.append(_node(f"L{t}", step.loss, shape="box", style="filled", fillcolor="#F1F3F5"))
                    lines.append(f"  y{t} -> L{t} [color=\"#868E96\"];")
            cut = (t - 1) in cut_after and t > 1
            back = step.backward and not cut  # the error W^T δa(t) flows on to h(t-1)
            label = group.names["W"] + (f" {cut_label}" if cut else "") + (f" · {back_label[1]}" if back else "")
            color = EDGE_COLORS["cut"] if cut else (EDGE_COLORS["back"] if back else EDGE_COLORS["W"])
            lines.append(_edge(prev, h, label, color, style="dashed" if cut else "solid",
                               dir="both" if back else "forward"))
            hs.append(h)
            prev = h
        if group.title:
            lines.append("  }")
    lines.append("  { rank=same; " + "; ".join(hs) + "; }")
    lines.append("}")
    return "\n".join(lines)


def steps_of(fw: Forward, x_labels: Sequence[str], classes: Sequence[str], *, upto: int | None = None,
             current: int | None = None, backward_done: int = 0, outputs: bool = True,
             fed_back: bool = False) -> list[Step]:
    """The columns t = 1..``upto`` of a forward pass: x(t) and its label, h(t), the prediction and L(t).

    ``backward_done``: how many BPTT steps have run (steps T, T−1, ... get their error arrows).
    ``outputs=False``: an encoder (no output nodes). A step without a loss shows no output (many-to-one).
    An all-zero input (the notes' dummy input of one-to-many) is drawn dotted.
    """
    T = fw.T if upto is None else upto
    steps = []
    for t in range(1, T + 1):
        i = t - 1
        has_loss = outputs and bool(fw.mask[i])
        pred = display_char(classes[int(fw.y_hat[i].argmax())])
        steps.append(Step(
            h=f"h({t})", x=f"x({t}) = {display_char(x_labels[i])}" + (f" ← ŷ({t - 1})" if fed_back and t > 1 else ""),
            y=f"ŷ({t}) → {pred}" if has_loss else None,
            loss=f"L({t}) = {float(fw.losses[i]):.3f}" if has_loss else None,
            zero_input=not bool(fw.xs[i].any()), fed_back=fed_back and t > 1, current=t == current,
            backward=t > fw.T - backward_done))
    return steps


def latex_matrix(values: Sequence, digits: int = 2) -> str:
    r"""A LaTeX ``bmatrix`` of a vector (shown as a column) or a matrix (nested lists or a tensor).

    >>> latex_matrix([0.5, -1])
    '\\begin{bmatrix}0.50\\\\-1.00\\end{bmatrix}'
    >>> latex_matrix([[-0.0004]])
    '\\begin{bmatrix}0.00\\end{bmatrix}'
    """
    rows = values.tolist() if hasattr(values, "tolist") else list(values)
    if rows and not isinstance(rows[0], (list, tuple)):
        rows = [[v] for v in rows]  # a vector is a column, as the notes write it
    body = r"\\".join(" & ".join(_number(v, digits) for v in row) for row in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def _number(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals; what rounds to zero is written 0 (no "−0.000")."""
    text = f"{float(value):.{digits}f}"
    return f"{0.0:.{digits}f}" if float(text) == 0 else text


def contribution_figure(norms: Sequence[Sequence[float]], kept: Sequence[Sequence[bool]], *, title: str,
                        x_title: str, y_title: str, kept_label: str, dropped_label: str) -> go.Figure:
    """Heat map of ‖contribution of L(s) at step t‖ (rows s, columns t); the dropped cells marked ✕."""
    T = len(norms)
    text = [["" if t > s else ("" if kept[s][t] else "✕") for t in range(T)] for s in range(T)]
    hover = [[(kept_label if kept[s][t] else dropped_label) if t <= s else "" for t in range(T)] for s in range(T)]
    z = [[norms[s][t] if t <= s else None for t in range(T)] for s in range(T)]
    fig = go.Figure(go.Heatmap(z=z, x=list(range(1, T + 1)), y=list(range(1, T + 1)), text=text,
                               texttemplate="%{text}", textfont=dict(size=16, color="#C92A2A"), customdata=hover,
                               colorscale="Blues", hoverongaps=False, colorbar=dict(title="‖·‖"),
                               hovertemplate="L(%{y}) → t = %{x}: %{z:.4f}<br>%{customdata}<extra></extra>"))
    fig.update_layout(title=dict(text=title, x=0, xanchor="left"), height=360, margin=dict(l=10, r=10, t=50, b=10))
    fig.update_xaxes(title_text=x_title, dtick=1)
    fig.update_yaxes(title_text=y_title, dtick=1, autorange="reversed")
    return fig
