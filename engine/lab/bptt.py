r"""Backpropagation through time (BPTT, 시간펼침 역전파) for the tiny RNN of :mod:`engine.lab.step`, step by step.

Going from t = T down to t = 1 (δ stands for ∂L/∂ of what follows it)::

    δo(t) = ŷ(t) − onehot(y(t))            the error at the output (0 at a step without a loss)
    δh(t) = Vᵀ δo(t)  +  Wᵀ δa(t+1)         from the output at t,  and from h(t+1) through W (nothing at t = T)
    δa(t) = δh(t) ⊙ (1 − h(t)²)             back through tanh

and step t's contribution to each gradient::

    ∂L/∂V += δo(t) h(t)ᵀ     ∂L/∂c += δo(t)
    ∂L/∂W += δa(t) h(t−1)ᵀ   ∂L/∂U += δa(t) x(t)ᵀ     ∂L/∂b += δa(t)

U, W, V, b, c are shared by every step (매개변수 공유), so each gradient is the sum of T contributions;
:func:`autograd_gradients` computes the same gradients independently (the engine's :class:`RNNCell` and
torch's cross-entropy under autograd), and the tests check that the sums equal them.

**Truncated BPTT (절단된 BPTT)** with window k cuts the sequence into windows of k steps, [1..k],
[k+1..2k], ..., and stops the error signal at the windows' edges: the term Wᵀ δa(t+1) is dropped where t
is a multiple of k. This is what the trainer does when it carries the state into the next chunk detached
(``engine.train.trainer``), and :func:`autograd_gradients` with ``window=k`` does exactly that. In terms
of the loss at each step, L(s) reaches back only to the start of its own window: :func:`contribution_grid`
gives the contribution of every L(s) to every step t ≤ s, and :func:`kept` says which ones truncation keeps.

Worked example: one step (T = 1), so ∂L/∂W = δa(1) h(0)ᵀ = 0 (h(0) = 0) and ∂L/∂c = ŷ(1) − onehot(y(1))::

    >>> import torch
    >>> from engine.lab.step import RNNParams, forward_steps
    >>> theta = RNNParams.random(d=2, p=3, q=2, seed=1)
    >>> back = bptt_steps(forward_steps(theta, torch.tensor([[1.0, 0.0]]), targets=torch.tensor([1])))
    >>> float(back.grads["W"].abs().sum())
    0.0
    >>> torch.allclose(back.grads["c"], back.forward.y_hat[0] - torch.tensor([0.0, 1.0]))
    True
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from engine.lab.step import DTYPE, PARAM_NAMES, Forward, LabInputError, RNNParams, one_hot

__all__ = [
    "Backward",
    "autograd_gradients",
    "bptt_steps",
    "contribution_grid",
    "cut_after",
    "kept",
    "output_error",
    "output_loss",
    "rollout",
]


def _check_window(window: int | None) -> int | None:
    if window is not None and (isinstance(window, bool) or not isinstance(window, int) or window < 1):
        raise LabInputError(f"the truncation window k must be a whole number ≥ 1, got {window!r}")
    return window


def cut_after(t: int, window: int | None) -> bool:
    """Whether truncated BPTT with ``window`` stops the signal from h(t + 1) to h(t) (t = k, 2k, ...).

    >>> [t for t in range(1, 8) if cut_after(t, 3)]
    [3, 6]
    """
    return window is not None and t % window == 0


def kept(T: int, window: int | None) -> Tensor:
    """(T, T) bool: entry [s−1, t−1] says whether L(s)'s contribution at step t survives truncation.

    Full BPTT keeps every t ≤ s; window k keeps t only inside s's own window.

    >>> kept(4, 2).int().tolist()
    [[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1]]
    """
    s = torch.arange(T).unsqueeze(1)
    t = torch.arange(T).unsqueeze(0)
    mask = t <= s
    if _check_window(window) is not None:
        mask &= (s // window) == (t // window)
    return mask


def output_error(forward: Forward) -> Tensor:
    """δo(t) = ∂L/∂o(t) = ŷ(t) − onehot(y(t)) at the steps with a loss, 0 elsewhere; (T, q)."""
    target = one_hot(forward.targets, forward.params.q)
    return (forward.y_hat - target) * forward.mask.unsqueeze(1).to(DTYPE)


@dataclass(frozen=True)
class Backward:
    """Every number of one BPTT pass; rows indexed by t − 1, computed from t = T down to 1."""

    forward: Forward
    window: int | None  # None: full BPTT
    d_o: Tensor  # (T, q) δo(t)
    dh_out: Tensor  # (T, p) Vᵀ δo(t): the error arriving at h(t) from the output at t
    dh_next: Tensor  # (T, p) Wᵀ δa(t+1): the error arriving at h(t) from h(t+1) (0 at T and where cut)
    d_a: Tensor  # (T, p) δa(t) = δh(t) ⊙ (1 − h(t)²)
    contributions: dict[str, Tensor]  # name -> (T, *shape of the parameter): step t's contribution
    dh0: Tensor  # (p,) ∂L/∂h(0) = Wᵀ δa(1): what an encoder in front of this RNN receives

    @property
    def dh(self) -> Tensor:
        """δh(t) = Vᵀ δo(t) + Wᵀ δa(t+1), (T, p)."""
        return self.dh_out + self.dh_next

    def running(self, steps_done: int) -> dict[str, Tensor]:
        """The gradients after ``steps_done`` BPTT steps: the contributions of t = T, T−1, ..., T − steps_done + 1."""
        T = self.forward.T
        if not 0 <= steps_done <= T:
            raise LabInputError(f"BPTT has {T} steps, got {steps_done}")
        return {name: c[T - steps_done:].sum(dim=0) for name, c in self.contributions.items()}

    @property
    def grads(self) -> dict[str, Tensor]:
        """∂L/∂θ: the sum of every step's contribution."""
        return self.running(self.forward.T)


def _backward(forward: Forward, d_o: Tensor, window: int | None, dh_final: Tensor | None) -> Backward:
    theta, T, p = forward.params, forward.T, forward.params.p
    dh_out = d_o @ theta.V  # row t: Vᵀ δo(t)
    dh_next = torch.zeros(T, p, dtype=DTYPE)
    d_a = torch.zeros(T, p, dtype=DTYPE)
    incoming = torch.zeros(p, dtype=DTYPE) if dh_final is None else torch.as_tensor(dh_final, dtype=DTYPE)
    if incoming.shape != (p,):
        raise LabInputError(f"the error arriving at h(T) must have p = {p} numbers, got {tuple(incoming.shape)}")
    for i in reversed(range(T)):  # t = i + 1 = T, ..., 1
        dh_next[i] = incoming
        d_a[i] = (dh_out[i] + dh_next[i]) * (1 - forward.h[i] ** 2)  # through tanh
        incoming = torch.zeros(p, dtype=DTYPE) if cut_after(i, window) else theta.W.T @ d_a[i]
    h_prev = torch.cat([forward.h0.unsqueeze(0), forward.h[:-1]])  # row t: h(t-1)
    contributions = {
        "U": d_a.unsqueeze(2) * forward.xs.unsqueeze(1),  # δa(t) x(t)ᵀ
        "W": d_a.unsqueeze(2) * h_prev.unsqueeze(1),  # δa(t) h(t-1)ᵀ
        "V": d_o.unsqueeze(2) * forward.h.unsqueeze(1),  # δo(t) h(t)ᵀ
        "b": d_a.clone(),  # δa(t)
        "c": d_o.clone(),  # δo(t)
    }
    dh0 = theta.W.T @ d_a[0]
    return Backward(forward=forward, window=window, d_o=d_o, dh_out=dh_out, dh_next=dh_next, d_a=d_a,
                    contributions=contributions, dh0=dh0)


def bptt_steps(forward: Forward, window: int | None = None, dh_final: Tensor | None = None) -> Backward:
    """BPTT over the whole forward pass (``window`` k: truncated BPTT, the signal cut at t = k, 2k, ...).

    ``dh_final``: an error arriving at h(T) from outside (the decoder of a sequence-to-sequence pair sends
    its ∂L/∂h(0) back to the encoder's last state).
    """
    return _backward(forward, output_error(forward), _check_window(window), dh_final)


def contribution_grid(forward: Forward) -> dict[str, Tensor]:
    """name -> (T, T, *shape): entry [s−1, t−1] is the contribution of the loss L(s) to ∂L/∂θ made at step t.

    Zero for t > s (a loss never reaches the future). Summing every entry gives the full BPTT gradient;
    summing the entries :func:`kept` marks gives the truncated one.
    """
    d_o = output_error(forward)
    per_loss = []
    for s in range(forward.T):
        only_s = torch.zeros_like(d_o)
        only_s[s] = d_o[s]
        per_loss.append(_backward(forward, only_s, None, None).contributions)
    return {name: torch.stack([c[name] for c in per_loss]) for name in PARAM_NAMES}


def rollout(cell: torch.nn.Module, xs: Tensor, h0: Tensor, window: int | None = None) -> Tensor:
    """h(1..T) from the engine's cell under autograd, the state detached after every ``window`` steps; (T, p)."""
    hs, h = [], h0
    for i in range(xs.shape[0]):
        h = cell(xs[i], h)
        hs.append(h)
        if cut_after(i + 1, window):
            h = h.detach()
    return torch.stack(hs)


def output_loss(theta_V: Tensor, theta_c: Tensor, hs: Tensor, forward: Forward) -> Tensor:
    """Σ over the steps with a loss of the cross-entropy of softmax(V h(t) + c), torch's own formula."""
    logits = hs @ theta_V.T + theta_c
    if not forward.mask.any():
        return logits.sum() * 0
    return F.cross_entropy(logits[forward.mask], forward.targets[forward.mask], reduction="sum")


def autograd_gradients(forward: Forward, window: int | None = None) -> dict[str, Tensor]:
    """∂L/∂θ by autograd, independently of this module's formulas: the engine's :class:`RNNCell` reads the
    same inputs (with ``window``: the state detached every k steps), torch's cross-entropy gives the loss.

    Also returns ``"h0"``: ∂L/∂h(0).
    """
    cell, leaves = _leaves(forward.params)
    h0 = forward.h0.clone().requires_grad_(True)
    hs = rollout(cell, forward.xs, h0, _check_window(window))
    loss = output_loss(leaves["V"], leaves["c"], hs, forward)
    grads = torch.autograd.grad(loss, [cell.U, cell.W, cell.b, leaves["V"], leaves["c"], h0], allow_unused=True)
    names = ("U", "W", "b", "V", "c", "h0")
    return {n: torch.zeros_like(x) if g is None else g.detach()
            for n, g, x in zip(names, grads, (cell.U, cell.W, cell.b, leaves["V"], leaves["c"], h0))}


def _leaves(theta: RNNParams) -> tuple[torch.nn.Module, dict[str, Tensor]]:
    """The engine's cell holding U, W, b, and V, c as leaf tensors that require gradients."""
    cell = theta.to_cell()
    return cell, {"V": theta.V.clone().requires_grad_(True), "c": theta.c.clone().requires_grad_(True)}
