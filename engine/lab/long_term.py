r"""The small recurrent models of the long-term-dependency lab, and W initialised by its spectral radius.

One model for every cell: the engine's fused recurrence (:func:`engine.nn.make_rnn`: vanilla RNN, GRU or
LSTM) reads x(1) … x(T) and the output layer answers once, after the last step::

    h(t) = tanh(U x(t) + W h(t−1) + b)        (vanilla RNN; GRU and LSTM: their gate equations)
    o(T) = V h(T) + c                         (one number for the adding problem, K scores for first-symbol)

**Why gradients vanish.** Backpropagation through time multiplies the error by one Jacobian per step::

    ∂L/∂h(k) = ∂L/∂h(t) · ∂h(t)/∂h(t−1) ⋯ ∂h(k+1)/∂h(k),    ∂h(t)/∂h(t−1) = diag(1 − h(t)²) W

With ``spectral_radius=ρ`` the recurrent matrix starts as W = ρ·Q, Q a random orthogonal matrix, so every
singular value of W is ρ (for this W the spectral radius and the largest singular value coincide). Since
|tanh′| ≤ 1 (and ReLU′ ∈ {0, 1}), each factor has norm ≤ ρ and ‖∂h(t)/∂h(k)‖ ≤ ρ^(t−k): for ρ < 1 the
gradient from step t to step k *must* shrink geometrically (ρ = 0.9 over 100 steps: 0.9¹⁰⁰ ≈ 3·10⁻⁵).
ρ > 1 allows growth (explosion) but does not force it: saturated tanh units (h ≈ ±1) have tanh′ ≈ 0.
For GRU and LSTM each gate's block of W is set the same way; their cell state carries the gradient
through an additive path (c(t) = f ⊙ c(t−1) + i ⊙ g) that this bound does not cover.

**Truncated BPTT** (``tbptt=k``): the forward pass reads all T steps, but h(T−k) enters the last k steps
as a constant (``detach``), so the loss at T sends gradient only to x(T−k+1) … x(T). A dependency longer
than k cannot be learned this way; the lab shows that limit.

Example::

    >>> import torch
    >>> from engine.lab.tasks import AddingProblem
    >>> task = AddingProblem(seq_len=20)
    >>> model = build_model(LongTermConfig(cell="rnn", n_hidden=16, spectral_radius=0.9), task, seed=0)
    >>> {name: round(value, 4) for name, value in recurrent_norms(model.rnn).items()}
    {'rho': 0.9, 'sigma': 0.9}
    >>> x, y = task.sample(8)
    >>> prediction, loss, state = model(x, y)
    >>> tuple(prediction.shape), loss.detach().dim()
    ((8,), 0)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from engine.device import seed_everything
from engine.lab.tasks import LongTermTask
from engine.nn.recurrent import MODES, make_rnn

__all__ = ["CELLS", "LongTermConfig", "LongTermModel", "build_model", "init_spectral_radius", "recurrent_norms"]

#: The three cells the lab compares, in the order the page shows them.
CELLS = MODES  # ("rnn", "gru", "lstm")
_GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # blocks stacked in torch's weight_hh


@dataclass
class LongTermConfig:
    """The model: which cell, how wide, how W starts, how far back the gradient goes."""

    cell: str = field(default="lstm", metadata={"help": "recurrent cell", "choices": CELLS})
    n_hidden: int = field(default=64, metadata={"help": "hidden units p (the size of h(t))"})
    nonlinearity: str = field(default="tanh", metadata={
        "help": "the vanilla RNN's activation (GRU and LSTM keep their own)", "choices": ("tanh", "relu")})
    spectral_radius: float = field(default=0.0, metadata={
        "help": "start W as rho times a random orthogonal matrix (0: torch's default uniform init)"})
    tbptt: int = field(default=0, metadata={"help": "truncated BPTT: backpropagate k steps from T (0: all T)"})

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"unknown cell {self.cell!r}; expected one of {CELLS}")
        if self.nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {self.nonlinearity!r}")
        if isinstance(self.n_hidden, bool) or not isinstance(self.n_hidden, int) or self.n_hidden < 1:
            raise ValueError(f"n_hidden must be an integer >= 1, got {self.n_hidden!r}")
        if not 0.0 <= float(self.spectral_radius) <= 10.0:
            raise ValueError(f"spectral_radius must be in [0, 10] (0: default init), got {self.spectral_radius!r}")
        if isinstance(self.tbptt, bool) or not isinstance(self.tbptt, int) or self.tbptt < 0:
            raise ValueError(f"tbptt must be an integer >= 0 (0: full BPTT), got {self.tbptt!r}")


def recurrent_norms(rnn: nn.Module) -> dict:
    """ρ(W) = max |λ| over W's eigenvalues and ‖W‖₂ its largest singular value (for the gated cells: the first
    gate block of W). ‖W‖₂ bounds the gradient's decay, ‖∂h(t)/∂h(k)‖ ≤ ‖W‖₂^(t−k); for W = ρ·Q they are equal."""
    W = rnn.weight_hh_l0.detach().float()
    block = W[: W.shape[1]]
    return {"rho": float(torch.linalg.eigvals(block).abs().max()),
            "sigma": float(torch.linalg.matrix_norm(block, ord=2))}


def _orthogonal(n: int, generator: torch.Generator) -> Tensor:
    """A random orthogonal n×n matrix, uniformly distributed (QR of a Gaussian, signs fixed by R's diagonal)."""
    q, r = torch.linalg.qr(torch.randn(n, n, generator=generator))
    return q * torch.sign(torch.diagonal(r)).unsqueeze(0)


@torch.no_grad()
def init_spectral_radius(rnn: nn.Module, rho: float, seed: int = 0) -> None:
    """Set every gate block of the recurrent matrix W (torch's ``weight_hh_l0``) to ρ·Q, Q random orthogonal.

    >>> rnn = make_rnn("lstm", 3, 5)
    >>> init_spectral_radius(rnn, 1.5, seed=0)
    >>> [round(float(torch.linalg.matrix_norm(b, ord=2)), 4) for b in rnn.weight_hh_l0.detach().split(5)]
    [1.5, 1.5, 1.5, 1.5]
    """
    W = rnn.weight_hh_l0
    hidden = W.shape[1]
    gen = torch.Generator().manual_seed(int(seed))
    blocks = [rho * _orthogonal(hidden, gen) for _ in range(W.shape[0] // hidden)]
    W.copy_(torch.cat(blocks, dim=0).to(W.dtype))


class LongTermModel(nn.Module):
    """Recurrence (U, W, b) + output layer (V, c) answering after step T; the trainer's model contract.

    ``forward(inputs (B, T, D), targets=None, state=None) -> (prediction, loss, state)``: ``prediction``
    is o(T) — (B,) for the adding problem, (B, K) class scores for first-symbol —, ``loss`` the mean
    squared error or cross-entropy over the batch (None without targets).
    """

    kind = "long_term"

    def __init__(self, config: LongTermConfig, n_inputs: int, n_outputs: int, loss_kind: str = "mse") -> None:
        super().__init__()
        if loss_kind not in ("mse", "xent"):
            raise ValueError(f"loss_kind must be 'mse' or 'xent', got {loss_kind!r}")
        self.config, self.loss_kind = config, loss_kind
        nonlinearity = config.nonlinearity if config.cell == "rnn" else "tanh"
        self.rnn = make_rnn(config.cell, n_inputs, config.n_hidden, fused=True, nonlinearity=nonlinearity)
        self.head = nn.Linear(config.n_hidden, n_outputs)  # V (q × p) and c (q)

    @property
    def is_lstm(self) -> bool:
        return self.config.cell == "lstm"

    def output(self, h: Tensor) -> Tensor:
        """o = V h + c, squeezed to (…,) for the one-number adding problem."""
        o = self.head(h)
        return o.squeeze(-1) if self.loss_kind == "mse" else o

    def loss(self, prediction: Tensor, targets: Tensor, reduction: str = "mean") -> Tensor:
        if self.loss_kind == "mse":
            return F.mse_loss(prediction, targets.to(prediction.dtype), reduction=reduction)
        return F.cross_entropy(prediction, targets, reduction=reduction)

    def recur(self, inputs: Tensor, state=None):
        """All hidden states ``(out (B, T, p), final state)``, with the gradient cut ``tbptt`` steps from T."""
        k = self.config.tbptt
        T = inputs.shape[1]
        if k and k < T:
            with torch.no_grad():  # the first T−k steps: values only; no graph is kept (the point of truncating)
                _, state = self.rnn(inputs[:, : T - k], state)
            return self.rnn(inputs[:, T - k :], state)
        return self.rnn(inputs, state)

    def forward(self, inputs: Tensor, targets: Tensor | None = None, state=None):
        if inputs.dim() != 3 or inputs.shape[-1] != self.rnn.input_size:
            raise ValueError(f"expected inputs of shape (B, T, {self.rnn.input_size}), got {tuple(inputs.shape)}")
        out, state = self.recur(inputs, state)
        prediction = self.output(out[:, -1])
        loss = None if targets is None else self.loss(prediction, targets)
        return prediction, loss, state

    def describe(self) -> dict:
        return {**asdict(self.config), "params": sum(p.numel() for p in self.parameters())}


def build_model(config: LongTermConfig, task: LongTermTask, seed: int = 0) -> LongTermModel:
    """A model for ``task``, its weights drawn from ``seed`` (the same seed gives the same weights)."""
    seed_everything(seed)
    model = LongTermModel(config, task.n_inputs, task.n_outputs, task.loss_kind)
    if config.spectral_radius > 0:
        init_spectral_radius(model.rnn, config.spectral_radius, seed=seed)
    return model
