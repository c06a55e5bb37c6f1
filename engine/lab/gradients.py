r"""How far back the gradient reaches: ‖∂L/∂h(t)‖ for every t, and the connectivity ‖∂o(t)/∂x(k)‖.

Both are computed with autograd on the model's own weights, so they are the numbers training uses, not
a formula's approximation — in float64 on a copy of the model, because a gradient that has vanished to
10⁻⁶⁰ is still a number worth plotting (float32 stops near 10⁻³⁸). The gradient norms step through the
engine's cells (:class:`~engine.nn.recurrent.Recurrent`, the lecture's equations, same weights), where
every h(t) and c(t) is a node of the graph; the fused module hides c(t) → h(t) inside one step.

**Gradient norms.** Unrolled, the loss at T reaches h(t) only through h(t+1), …, h(T)::

    ∂L/∂h(t) = ∂L/∂h(t+1) · ∂h(t+1)/∂h(t)        (vanilla RNN: ∂h(t+1)/∂h(t) = diag(1 − h(t+1)²) W)

:func:`gradient_norms` returns ‖∂L/∂h(t)‖ for t = 1 … T, L being each example's own loss, averaged
over the examples. Plotted against t on a log scale, a straight line going down to the left is the
geometric decay ρ^(T−t) of vanishing gradients; going up to the left, an explosion. For the LSTM it
also returns ‖∂L/∂c(t)‖ for the cell state, whose gradient has the additive path::

    ∂L/∂c(t) = ∂L/∂h(t) ⊙ o(t) ⊙ (1 − tanh²c(t)) + ∂L/∂c(t+1) ⊙ f(t+1)

With truncated BPTT (``tbptt=k``) the state after step T−k enters as a constant: the gradient stops
there and is exactly 0 before it.

**Connectivity** (:func:`connectivity`): C[t, k] = ‖∂o(t)/∂x(k)‖ (Frobenius norm of the q × d block of
the Jacobian), for every output step t and input step k ≤ t, o(t) = V h(t) + c — how strongly the
output at t depends on the input at k, i.e. how far back each output can "see". C[t, k] = 0 for k > t
(the network is causal). It is read off one backward pass: the sequence is copied once per (t, j)
output coordinate along the batch, copy r back-propagates o_r(t)_j only, and its input gradient is row
(t, j) of the Jacobian. ``steps`` limits the output steps t (a long sequence's heatmap needs
no more rows than a screen has).

Example::

    >>> import torch
    >>> from engine.lab.long_term import LongTermConfig, build_model
    >>> from engine.lab.tasks import AddingProblem
    >>> task = AddingProblem(seq_len=30)
    >>> x, y = task.sample(16)
    >>> rnn = build_model(LongTermConfig(cell="rnn", n_hidden=32, spectral_radius=0.5), task, seed=0)
    >>> g = gradient_norms(rnn, x, y)
    >>> bool(g.h[0] < 1e-6 * g.h[-1])          # ρ = 0.5: 29 steps back the gradient is ≤ 0.5²⁹ of its size
    True
    >>> C = connectivity(rnn, x[0])
    >>> tuple(C.shape), bool((C.triu(1) == 0).all())
    ((30, 30), True)
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from engine.lab.long_term import LongTermModel, recurrent_norms
from engine.lab.tasks import LongTermTask
from engine.nn.recurrent import Recurrent

__all__ = ["GradientNorms", "MAX_CONNECTIVITY_ROWS", "connectivity", "connectivity_steps", "decay_bound",
           "float64_copy", "gradient_norms", "gradient_report", "unroll"]

#: Copies of the sequence back-propagated at once by :func:`connectivity` (memory: rows × T × hidden floats).
MAX_CONNECTIVITY_ROWS = 512
_CHUNKS = 6  # row chunks of connectivity(): more chunks, shorter sequences for the early rows


@dataclass
class GradientNorms:
    """``h[t-1]`` = mean over examples of ‖∂L/∂h(t)‖ (t = 1 … T); ``c`` the same for the LSTM's c(t)."""

    h: Tensor
    c: Tensor | None
    loss: float
    cut: int  # h(cut) entered as a constant (truncated BPTT); 0: full BPTT

    def as_lists(self) -> dict:
        return {"h": self.h.tolist(), "c": None if self.c is None else self.c.tolist(), "loss": self.loss,
                "cut": self.cut}


def _as_batch(model: LongTermModel, inputs: Tensor) -> Tensor:
    if inputs.dim() == 2:
        inputs = inputs.unsqueeze(0)
    if inputs.dim() != 3 or inputs.shape[-1] != model.rnn.input_size:
        raise ValueError(f"expected inputs of shape (B, T, {model.rnn.input_size}) or (T, {model.rnn.input_size}), "
                         f"got {tuple(inputs.shape)}")
    return inputs.detach().to(next(model.parameters()).dtype)


def float64_copy(model: LongTermModel) -> LongTermModel:
    """A float64 copy in eval mode: the page's model (shared, maybe training) is never touched."""
    return copy.deepcopy(model).double().eval()


def _leaf(state):
    """The state as a new graph leaf: the values pass, the gradient stops (truncated BPTT's cut)."""
    if isinstance(state, tuple):
        return tuple(s.detach().requires_grad_() for s in state)
    return state.detach().requires_grad_()


def unroll(model: LongTermModel, inputs: Tensor) -> tuple[list, Tensor, int]:
    """Run the model's recurrence one step at a time, keeping every state in the graph.

    Returns ``(states, o(T), cut)``: ``states[t-1]`` is the state after step t, h(t) (B, p) or
    ``(h(t), c(t))`` for the LSTM, computed by the engine's cell with the model's weights; these are the
    tensors the next step reads, so autograd's gradient with respect to them is the total derivative
    ∂L/∂h(t) (and ∂L/∂c(t)). With ``tbptt = k < T`` the state after step ``cut = T − k`` is a fresh leaf
    (values kept, gradient cut).
    """
    x = _as_batch(model, inputs)
    cell = Recurrent.from_torch(model.rnn).cells[0]  # the lecture's equations, this model's weights and dtype
    T = x.shape[1]
    k = model.config.tbptt
    cut = T - k if k and k < T else 0
    state, states = None, []
    for t in range(T):
        state = cell(x[:, t], state)
        if t + 1 == cut:
            state = _leaf(state)
        states.append(state)
    h_last = states[-1][0] if model.is_lstm else states[-1]
    return states, model.output(h_last), cut


def gradient_norms(model: LongTermModel, inputs: Tensor, targets: Tensor) -> GradientNorms:
    """‖∂L/∂h(t)‖ (and ‖∂L/∂c(t)‖ for the LSTM) for t = 1 … T, averaged over the batch (module docstring)."""
    model = float64_copy(model)
    with torch.enable_grad():
        states, prediction, cut = unroll(model, inputs)
        losses = model.loss(prediction, targets, reduction="none")  # each example's own loss
        nodes = [s for state in states for s in (state if model.is_lstm else (state,))]
        grads = torch.autograd.grad(losses.sum(), nodes, allow_unused=True)
    batch = nodes[0].shape[0]
    norms = torch.stack([torch.zeros(batch, dtype=torch.float64) if g is None else g.norm(dim=-1)
                         for g in grads])  # (T·s, B): per example; unused (before the cut) = 0
    per_step = norms.mean(dim=1).view(len(states), -1)  # (T, 1 or 2)
    return GradientNorms(h=per_step[:, 0], c=per_step[:, 1] if model.is_lstm else None,
                         loss=float(losses.detach().mean()), cut=cut)


def connectivity(model: LongTermModel, x: Tensor, steps: Sequence[int] | None = None,
                 max_rows: int = MAX_CONNECTIVITY_ROWS) -> Tensor:
    """C with C[i, k-1] = ‖∂o(t)/∂x(k)‖, t = ``steps[i]`` (1-based; default 1 … T), for one sequence ``x`` (T, d).

    Shape (len(steps), T); 0 where k > t.
    """
    model = float64_copy(model)
    x = _as_batch(model, x)
    if x.shape[0] != 1:
        raise ValueError(f"connectivity takes one sequence (T, d), got a batch of {x.shape[0]}")
    T, q = x.shape[1], model.head.out_features
    out_steps = torch.arange(1, T + 1) if steps is None else torch.as_tensor(list(steps), dtype=torch.long)
    if out_steps.numel() == 0 or int(out_steps.min()) < 1 or int(out_steps.max()) > T:
        raise ValueError(f"output steps must lie in 1..{T}, got {out_steps.tolist()}")
    # row r: output step t = out_steps[r // q], coordinate r % q; rows sorted by t, so a chunk of rows needs
    # the sequence only up to its largest t (o(t) does not depend on later inputs): about half the work
    order = torch.argsort(out_steps.repeat_interleave(q), stable=True)
    rows = torch.arange(len(out_steps) * q)[order]
    squared = torch.zeros(len(out_steps), T, dtype=torch.float64)
    size = max(1, min(max_rows, math.ceil(len(rows) / _CHUNKS)))
    with torch.enable_grad():
        for chunk in rows.split(size):
            t_of_row = out_steps[chunk // q]
            length = int(t_of_row.max())
            copies = x[:, :length].expand(len(chunk), -1, -1).clone().requires_grad_()
            out, _ = model.rnn(copies)  # the connectivity of the model itself (no truncated BPTT here)
            o = model.head(out)  # (n, length, q)
            picked = o[torch.arange(len(chunk)), t_of_row - 1, chunk % q]
            (grad,) = torch.autograd.grad(picked.sum(), copies)  # (n, length, d): rows of ∂o(t)_j/∂x(k)
            squared[:, :length].index_add_(0, chunk // q, grad.pow(2).sum(dim=-1))
    return squared.sqrt()


def connectivity_steps(seq_len: int, max_rows: int = 60) -> list[int]:
    """Output steps t for a connectivity heatmap: all of 1 … T, or ``max_rows`` of them evenly spread (T kept).

    >>> connectivity_steps(5), connectivity_steps(200, max_rows=5)
    ([1, 2, 3, 4, 5], [1, 51, 100, 150, 200])
    """
    if seq_len <= max_rows:
        return list(range(1, seq_len + 1))
    return sorted({int(round(v)) for v in torch.linspace(1, seq_len, max_rows).tolist()})


def gradient_report(models: Mapping[str, LongTermModel], task: LongTermTask, seed: int = 0, n_examples: int = 32,
                    connectivity_cells: Sequence[str] = ("rnn", "lstm"), max_rows: int = 60) -> dict:
    """What the page draws for a set of models: per cell the gradient norms and ‖W‖, and the connectivity of
    ``connectivity_cells`` on the first example of the same probe batch (plain lists, cacheable).

    The probe batch is the task's batch of ``step = −2`` for ``seed``: never a training or held-out batch.
    """
    x, y = task.sample(n_examples, seed=seed, step=-2)
    steps = connectivity_steps(task.seq_len, max_rows)
    report: dict = {"steps": steps, "cells": {}}
    for cell, model in models.items():
        entry = {**gradient_norms(model, x, y).as_lists(), **recurrent_norms(model.rnn)}
        if cell in connectivity_cells:
            entry["connectivity"] = connectivity(model, x[0], steps).tolist()
        report["cells"][cell] = entry
    return report


def decay_bound(norms: Sequence[float], sigma: float) -> list[float]:
    """The vanilla RNN's bound ‖∂L/∂h(t)‖ ≤ ‖W‖₂^(T−t) · ‖∂L/∂h(T)‖ (|tanh′| ≤ 1) for t = 1 … T, from the
    measured ``norms`` (its last entry is t = T) and σ = ‖W‖₂; ``inf`` where the power overflows.

    >>> decay_bound([0.0, 0.0, 2.0], 0.5), decay_bound([1.0] * 3, 1e200)[0]
    ([0.5, 1.0, 2.0], inf)
    """
    T, end = len(norms), float(norms[-1])
    out = []
    for t in range(1, T + 1):
        log_factor = (T - t) * math.log(sigma) if sigma > 0 else (0.0 if t == T else -math.inf)
        out.append(end * math.exp(log_factor) if log_factor < 700 else math.inf)
    return out
