"""Recurrent cells written out as the lecture's equations (the "teaching" path).

The lecture notes name the vanilla RNN parameters θ = {U, W, V, b, c}:

* ``U`` (p, d)  input → hidden,
* ``W`` (p, p)  hidden → hidden,
* ``b`` (p)    hidden bias,
* ``V`` (q, p)  hidden → output and ``c`` (q) output bias.

A recurrent *cell* owns the part of θ that carries the state, ``{U, W, b}``; the output map
``o_t = V h_t + c`` is an ordinary linear layer and lives in the model's head (e.g. the CharLM's
``nn.Linear``), not here.

Convention: the notes write column vectors, ``U x_t``. PyTorch batches are rows, so in the code
``U x_t`` for a whole batch is ``x_t @ U.T`` with ``x_t`` of shape (B, D) and ``U`` of shape (H, D);
the two are the same numbers. Every matrix is stored exactly as the notes write it (rows = output).

What is here:

* :class:`RNNCell`, :class:`LSTMCell` (optional Gers & Schmidhuber peepholes), :class:`GRUCell`:
  one time step each, parameters named after the notes.
* :func:`lstm_pointwise`: the LSTM's gate equations, from the pre-activations to ``(h_t, c_t)``; the
  one place they are written, used by :class:`LSTMCell` and by the models' fast inference paths.

Stacked and bidirectional layers of these cells (``Recurrent``, ``make_rnn``) are in
:mod:`engine.nn.recurrent`.

Example::

    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> cell = LSTMCell(input_size=5, hidden_size=7)
    >>> h, c = cell(torch.randn(3, 5))                # x_1 (B, D) -> h_1, c_1, each (B, H)
    >>> h, c = cell(torch.randn(3, 5), (h, c))        # x_2, (h_1, c_1) -> h_2, c_2
    >>> tuple(h.shape), tuple(c.shape)
    ((3, 7), (3, 7))
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

__all__ = [
    "GRU_GATES",
    "LSTM_GATES",
    "GRUCell",
    "LSTMCell",
    "RNNCell",
    "lstm_pointwise",
]

#: Order of the gate blocks inside the stacked LSTM matrices (same as torch): input, forget, cell, output.
LSTM_GATES = ("i", "f", "g", "o")
#: Order of the gate blocks inside the stacked GRU matrices (same as torch): reset, update, new.
GRU_GATES = ("r", "z", "n")

_LSTM_GATE_ALIASES = {
    "i": "i",
    "input": "i",
    "f": "f",
    "forget": "f",
    "g": "g",
    "cell": "g",
    "candidate": "g",
    "o": "o",
    "output": "o",
}
_GRU_GATE_ALIASES = {
    "r": "r",
    "reset": "r",
    "z": "z",
    "update": "z",
    "n": "n",
    "new": "n",
    "candidate": "n",
}


# ----------------------------------------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------------------------------------
def _check_positive_int(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def _check_nonlinearity(nonlinearity: str) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return nonlinearity


def _cell_input(x: Tensor, input_size: int, who: str) -> tuple[Tensor, bool]:
    """Return ``x`` as (B, D) and whether it was unbatched (D,)."""
    if x.dim() not in (1, 2) or x.shape[-1] != input_size:
        raise ValueError(
            f"{who} expected input of shape (B, {input_size}) or ({input_size},), got {tuple(x.shape)}"
        )
    if x.dim() == 1:
        return x.unsqueeze(0), True
    return x, False


def _cell_state(
    s: Tensor | None, x: Tensor, hidden_size: int, unbatched: bool, who: str, name: str
) -> Tensor:
    """Return a (B, H) state tensor: zeros when ``s`` is None, else ``s`` checked (and unsqueezed)."""
    batch = x.shape[0]
    if s is None:
        return x.new_zeros(batch, hidden_size)
    if unbatched:
        if s.shape != (hidden_size,):
            raise ValueError(f"{who} expected {name} of shape ({hidden_size},), got {tuple(s.shape)}")
        return s.unsqueeze(0)
    if s.shape != (batch, hidden_size):
        raise ValueError(f"{who} expected {name} of shape ({batch}, {hidden_size}), got {tuple(s.shape)}")
    return s


def _squeeze_gates(gates: dict[str, Tensor], unbatched: bool) -> dict[str, Tensor]:
    return {k: v.squeeze(0) for k, v in gates.items()} if unbatched else gates


# ----------------------------------------------------------------------------------------------------------
# the LSTM's gate equations
# ----------------------------------------------------------------------------------------------------------
def lstm_pointwise(
    pre: Tensor, c: Tensor, p_o: Tensor | None = None, return_gates: bool = False
) -> tuple[Tensor, Tensor] | tuple[Tensor, Tensor, dict[str, Tensor]]:
    r"""One LSTM step from the gates' pre-activations: ``(h(t), c(t))`` from ``pre`` and ``c(t-1)``.

    ``pre`` (B, 4H) holds the four pre-activations ``a = U x(t) + W h(t-1) + b`` stacked in torch's gate
    order (i, f, g, o), however they were computed (a cell's matrices, a fused fp16 product, transposed
    copies); ``c`` (B, H) is the previous cell state (the notes' memory-block state). The lecture's
    equations::

        i(t) = σ(a_i)                       input gate: how much of the candidate to write
        f(t) = σ(a_f)                       forget gate: how much of the old memory to keep (1 keep, 0 erase)
        g(t) = tanh(a_g)                    input candidate
        o(t) = σ(a_o)                       output gate: how much of the memory to show
        c(t) = f(t) ⊙ c(t-1) + i(t) ⊙ g(t)
        h(t) = o(t) ⊙ tanh(c(t))

    Peepholes (the notes' pinholes; Gers & Schmidhuber): the input and forget gates look at the *old*
    cell state, so the caller adds ``p_i ⊙ c(t-1)`` and ``p_f ⊙ c(t-1)`` to the i and f blocks of ``pre``
    before the call; the output gate looks at the *new* one, ``a_o + p_o ⊙ c(t)``, which exists only in
    here, so ``p_o`` (H,) is passed in. ``return_gates=True`` also returns ``{"i", "f", "g", "o", "c"}``,
    each (B, H) (``c`` is ``c(t)``).

    Worked example, H = 1: every pre-activation 0 gives i = f = o = σ(0) = ½ and g = tanh(0) = 0, so
    the memory is halved, c(t) = ½·1 + ½·0 = 0.5, and h(t) = ½·tanh(0.5) ≈ 0.2311::

        >>> import torch
        >>> h, c = lstm_pointwise(torch.zeros(1, 4), torch.ones(1, 1))   # pre (B=1, 4H), c(t-1) (B=1, H)
        >>> round(c.item(), 4), round(h.item(), 4)
        (0.5, 0.2311)
        >>> pre = torch.tensor([[0.0, 9.0, 0.0, 0.0]])                     # a large a_f: f ≈ 1 keeps c
        >>> round(lstm_pointwise(pre, torch.ones(1, 1))[1].item(), 4)
        0.9999

    It is exactly what ``torch.lstm_cell`` computes::

        >>> _ = torch.manual_seed(0)
        >>> x, h0, c0 = torch.randn(2, 3), torch.randn(2, 5), torch.randn(2, 5)   # (B, D), (B, H), (B, H)
        >>> U, W, b = torch.randn(20, 3), torch.randn(20, 5), torch.randn(20)     # (4H, D), (4H, H), (4H,)
        >>> h1, c1 = lstm_pointwise(x @ U.T + h0 @ W.T + b, c0)
        >>> h_ref, c_ref = torch.lstm_cell(x, (h0, c0), U, W, b)
        >>> torch.allclose(h1, h_ref, atol=1e-6) and torch.allclose(c1, c_ref, atol=1e-6)
        True
    """
    h, c, i, f, g, o = lstm_gates(pre, c, p_o)
    if return_gates:
        return h, c, {"i": i, "f": f, "g": g, "o": o, "c": c}
    return h, c


def lstm_gates(pre: Tensor, c: Tensor, p_o: Tensor | None = None
               ) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """:func:`lstm_pointwise`'s equations, returning ``(h(t), c(t), i, f, g, o)``, each (B, H).

    TorchScript-compatible, so that a compiled decoding step can use it (:mod:`engine.nogil`).
    """
    a_i, a_f, a_g, a_o = pre.chunk(4, dim=-1)  # each (B, H), gate order (i, f, g, o)
    i = torch.sigmoid(a_i)  # input gate  (B, H)
    f = torch.sigmoid(a_f)  # forget gate (B, H)
    g = torch.tanh(a_g)  # input candidate (B, H)
    c = f * c + i * g  # c(t) = f ⊙ c(t-1) + i ⊙ g   (B, H)
    if p_o is not None:
        a_o = a_o + p_o * c  # the output gate's peephole reads the new c(t)
    o = torch.sigmoid(a_o)  # output gate (B, H)
    h = o * torch.tanh(c)  # h(t) = o ⊙ tanh(c(t))   (B, H)
    return h, c, i, f, g, o


# ----------------------------------------------------------------------------------------------------------
# cells
# ----------------------------------------------------------------------------------------------------------
class _CellBase(nn.Module):
    """Shared bits: sizes, torch-style initialisation, weight exchange with torch's layers, ``extra_repr``."""

    input_size: int
    hidden_size: int
    U: nn.Parameter
    W: nn.Parameter

    def reset_parameters(self) -> None:
        """Uniform(-1/√H, 1/√H) for every parameter, exactly like torch's recurrent modules."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def extra_repr(self) -> str:
        return f"input_size={self.input_size}, hidden_size={self.hidden_size}"

    # torch layout: weight_ih = U, weight_hh = W and two biases (bias_ih, bias_hh) that the RNN and LSTM
    # equations only ever add, so those cells keep their sum b; the GRU overrides the bias hooks.
    def load_torch_params(
        self, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None, bias_hh: Tensor | None
    ) -> None:
        """Copy torch-layout weights (``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` and their cells): ``U``, ``W``, biases.

        ``U ← weight_ih``, ``W ← weight_hh``; ``b ← bias_ih + bias_hh`` (a missing bias counts as 0).
        Parameters torch has no counterpart of (an LSTM's peepholes) are zeroed, so the cell computes
        exactly what the torch layer computes.
        """
        with torch.no_grad():
            self.U.copy_(weight_ih)
            self.W.copy_(weight_hh)
            self._load_torch_biases(bias_ih, bias_hh)
            for p in self._params_torch_lacks():
                p.zero_()

    def _load_torch_biases(self, bias_ih: Tensor | None, bias_hh: Tensor | None) -> None:
        self.b.zero_()
        for bias in (bias_ih, bias_hh):
            if bias is not None:
                self.b.add_(bias)

    def _params_torch_lacks(self) -> tuple[Tensor, ...]:
        return ()

    def torch_params(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` for torch, with the whole ``b`` in ``bias_ih``."""
        return self.U.detach(), self.W.detach(), self.b.detach(), torch.zeros_like(self.b.detach())


class RNNCell(_CellBase):
    r"""Vanilla (Elman) RNN cell: one step of the lecture's recurrence.

    .. math::  h_t = \tanh(U x_t + W h_{t-1} + b)

    Parameters (θ minus the output layer ``V, c``): ``U`` (H, D), ``W`` (H, H), ``b`` (H).
    ``nonlinearity="relu"`` replaces tanh by ReLU. torch's ``nn.RNN`` keeps two biases
    (``bias_ih`` and ``bias_hh``) that always appear summed, so here ``b = bias_ih + bias_hh``.

    ``forward(x, h=None, return_gates=False)``: ``x`` is (B, D) (or unbatched (D,)), ``h`` is (B, H)
    (zeros if None); returns ``h_t`` (B, H). With ``return_gates=True`` returns ``(h_t, gates)`` where
    ``gates = {"a": pre-activation U x + W h + b, "h": h_t}``; plotting ``a`` shows tanh saturation.

    Example::

        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> cell = RNNCell(input_size=5, hidden_size=7)
        >>> tuple(cell.U.shape), tuple(cell.W.shape), tuple(cell.b.shape)
        ((7, 5), (7, 7), (7,))
        >>> h = cell(torch.randn(3, 5))                 # x_1: (B, D) -> h_1: (B, H)
        >>> h = cell(torch.randn(3, 5), h)              # x_2, h_1 -> h_2
        >>> tuple(h.shape)
        (3, 7)
    """

    def __init__(self, input_size: int, hidden_size: int, nonlinearity: str = "tanh") -> None:
        super().__init__()
        _check_positive_int("input_size", input_size)
        _check_positive_int("hidden_size", hidden_size)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.nonlinearity = _check_nonlinearity(nonlinearity)
        self.U = nn.Parameter(torch.empty(hidden_size, input_size))  # input -> hidden (H, D)
        self.W = nn.Parameter(torch.empty(hidden_size, hidden_size))  # hidden -> hidden (H, H)
        self.b = nn.Parameter(torch.empty(hidden_size))  # hidden bias (H,)
        self.reset_parameters()

    def forward(
        self, x: Tensor, h: Tensor | None = None, return_gates: bool = False
    ) -> Tensor | tuple[Tensor, dict[str, Tensor]]:
        x, unbatched = _cell_input(x, self.input_size, "RNNCell")  # (B, D)
        h = _cell_state(h, x, self.hidden_size, unbatched, "RNNCell", "h")  # (B, H)
        a = x @ self.U.T + h @ self.W.T + self.b  # U x_t + W h_{t-1} + b   (B, H)
        h_new = torch.tanh(a) if self.nonlinearity == "tanh" else torch.relu(a)  # (B, H)
        out = h_new.squeeze(0) if unbatched else h_new
        if return_gates:
            return out, _squeeze_gates({"a": a, "h": h_new}, unbatched)
        return out

    def extra_repr(self) -> str:
        return super().extra_repr() + f", nonlinearity={self.nonlinearity!r}"


class LSTMCell(_CellBase):
    r"""Long short-term memory cell, optionally with Gers & Schmidhuber peepholes.

    .. math::

        i_t &= \sigma(U_i x_t + W_i h_{t-1} + b_i\ [+\ p_i \odot c_{t-1}])   \quad\text{input gate}\\
        f_t &= \sigma(U_f x_t + W_f h_{t-1} + b_f\ [+\ p_f \odot c_{t-1}])   \quad\text{forget gate}\\
        g_t &= \tanh(U_g x_t + W_g h_{t-1} + b_g)                           \quad\text{candidate}\\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t                            \quad\text{cell state}\\
        o_t &= \sigma(U_o x_t + W_o h_{t-1} + b_o\ [+\ p_o \odot c_t])       \quad\text{output gate}\\
        h_t &= o_t \odot \tanh(c_t)

    The bracketed peephole terms exist only with ``peephole=True``: the input and forget gates look at
    the *previous* cell state ``c_{t-1}``, the output gate at the *new* one ``c_t``; ``p_i, p_f, p_o``
    are vectors (diagonal peephole matrices) of size H. The cell computes the stacked pre-activations
    ``U x_t + W h_{t-1} + b`` (+ the i, f peepholes) and hands them to :func:`lstm_pointwise`, the one
    place the gate equations are written.

    Storage: the four gates' matrices are stacked, in torch's gate order **(i, f, g, o)**:
    ``U`` (4H, D) = [U_i; U_f; U_g; U_o], ``W`` (4H, H), ``b`` (4H), so weights copy to and from
    ``nn.LSTM`` without slicing (``b = bias_ih + bias_hh``). :meth:`gate_params` returns per-gate views.

    ``forward(x, state=None, return_gates=False)``: ``x`` (B, D), ``state = (h, c)`` each (B, H)
    (zeros if None); returns ``(h_t, c_t)``. With ``return_gates=True`` returns ``((h_t, c_t), gates)``
    with ``gates = {"i", "f", "g", "o", "c"}`` each (B, H) (``c`` is ``c_t``), for visualisation.

    Example::

        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> cell = LSTMCell(input_size=5, hidden_size=7, peephole=True)
        >>> tuple(cell.U.shape), tuple(cell.W.shape), tuple(cell.b.shape), tuple(cell.p_f.shape)
        ((28, 5), (28, 7), (28,), (7,))
        >>> tuple(cell.gate_params("forget")["U"].shape)    # U_f, a view of rows H..2H of U
        (7, 5)
        >>> (h, c), gates = cell(torch.randn(3, 5), return_gates=True)
        >>> tuple(h.shape), sorted(gates)
        ((3, 7), ['c', 'f', 'g', 'i', 'o'])
    """

    def __init__(self, input_size: int, hidden_size: int, peephole: bool = False) -> None:
        super().__init__()
        _check_positive_int("input_size", input_size)
        _check_positive_int("hidden_size", hidden_size)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.peephole = bool(peephole)
        self.U = nn.Parameter(torch.empty(4 * hidden_size, input_size))  # [U_i; U_f; U_g; U_o] (4H, D)
        self.W = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))  # [W_i; W_f; W_g; W_o] (4H, H)
        self.b = nn.Parameter(torch.empty(4 * hidden_size))  # [b_i; b_f; b_g; b_o] (4H,)
        if self.peephole:
            self.p_i = nn.Parameter(torch.empty(hidden_size))  # input gate  <- c_{t-1}  (H,)
            self.p_f = nn.Parameter(torch.empty(hidden_size))  # forget gate <- c_{t-1}  (H,)
            self.p_o = nn.Parameter(torch.empty(hidden_size))  # output gate <- c_t      (H,)
        self.reset_parameters()

    def gate_params(self, gate: str) -> dict[str, Tensor]:
        """Per-gate views ``{"U": (H, D), "W": (H, H), "b": (H,)}`` (+ ``"p"`` for a peephole gate).

        ``gate`` is one of ``i/input``, ``f/forget``, ``g/cell/candidate``, ``o/output``. The tensors are
        views of the stacked parameters (they share storage and gradients flow through them).
        """
        key = _LSTM_GATE_ALIASES.get(str(gate).lower())
        if key is None:
            raise ValueError(f"unknown LSTM gate {gate!r}; expected one of {sorted(_LSTM_GATE_ALIASES)}")
        k = LSTM_GATES.index(key)
        rows = slice(k * self.hidden_size, (k + 1) * self.hidden_size)
        out = {"U": self.U[rows], "W": self.W[rows], "b": self.b[rows]}
        if self.peephole and key != "g":
            out["p"] = getattr(self, f"p_{key}")
        return out

    def forward(
        self, x: Tensor, state: tuple[Tensor, Tensor] | None = None, return_gates: bool = False
    ) -> tuple[Tensor, Tensor] | tuple[tuple[Tensor, Tensor], dict[str, Tensor]]:
        x, unbatched = _cell_input(x, self.input_size, "LSTMCell")  # (B, D)
        h0, c0 = (None, None) if state is None else state
        h = _cell_state(h0, x, self.hidden_size, unbatched, "LSTMCell", "h")  # h_{t-1} (B, H)
        c = _cell_state(c0, x, self.hidden_size, unbatched, "LSTMCell", "c")  # c_{t-1} (B, H)

        pre = x @ self.U.T + h @ self.W.T + self.b  # all four U x + W h + b at once, gates (i, f, g, o)  (B, 4H)
        p_o = None
        if self.peephole:  # input and forget gates peek at c_{t-1}; the output gate at c_t (see lstm_pointwise)
            zeros = torch.zeros_like(c)
            pre = pre + torch.cat([self.p_i * c, self.p_f * c, zeros, zeros], dim=1)  # (B, 4H)
            p_o = self.p_o
        h_new, c_new, gates = lstm_pointwise(pre, c, p_o, return_gates=True)  # (B, H) each

        result = (h_new.squeeze(0), c_new.squeeze(0)) if unbatched else (h_new, c_new)
        if return_gates:
            return result, _squeeze_gates(gates, unbatched)
        return result

    def _params_torch_lacks(self) -> tuple[Tensor, ...]:
        return (self.p_i, self.p_f, self.p_o) if self.peephole else ()  # load_torch_params zeroes them

    def torch_params(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` for torch; raises for a peephole cell."""
        if self.peephole:
            raise ValueError("torch's LSTM has no peephole connections; a peephole LSTMCell can't export")
        return super().torch_params()

    def extra_repr(self) -> str:
        return super().extra_repr() + f", peephole={self.peephole}"


class GRUCell(_CellBase):
    r"""Gated recurrent unit, with torch's equations exactly (Cho et al. 2014, "reset after" form).

    .. math::

        r_t &= \sigma(U_r x_t + b_{xr} + W_r h_{t-1} + b_{hr})              \quad\text{reset gate}\\
        z_t &= \sigma(U_z x_t + b_{xz} + W_z h_{t-1} + b_{hz})              \quad\text{update gate}\\
        n_t &= \tanh(U_n x_t + b_{xn} + r_t \odot (W_n h_{t-1} + b_{hn}))   \quad\text{new state}\\
        h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    The reset gate multiplies the hidden part *including its bias* ``b_hn``, so the input-side and
    hidden-side biases cannot be merged: the cell keeps both, ``b_x`` (3H) and ``b_h`` (3H) (torch's
    ``bias_ih`` / ``bias_hh``). Matrices are stacked in torch's gate order **(r, z, n)**: ``U`` (3H, D),
    ``W`` (3H, H). Note ``z_t`` close to 1 *keeps* the old state.

    ``forward(x, h=None, return_gates=False)``: ``x`` (B, D), ``h`` (B, H) (zeros if None); returns
    ``h_t`` (B, H), or ``(h_t, {"r", "z", "n"})`` with ``return_gates=True``.

    Example::

        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> cell = GRUCell(input_size=5, hidden_size=7)
        >>> tuple(cell.U.shape), tuple(cell.W.shape), tuple(cell.b_x.shape), tuple(cell.b_h.shape)
        ((21, 5), (21, 7), (21,), (21,))
        >>> h, gates = cell(torch.randn(3, 5), return_gates=True)
        >>> tuple(h.shape), sorted(gates)
        ((3, 7), ['n', 'r', 'z'])
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        _check_positive_int("input_size", input_size)
        _check_positive_int("hidden_size", hidden_size)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.U = nn.Parameter(torch.empty(3 * hidden_size, input_size))  # [U_r; U_z; U_n] (3H, D)
        self.W = nn.Parameter(torch.empty(3 * hidden_size, hidden_size))  # [W_r; W_z; W_n] (3H, H)
        self.b_x = nn.Parameter(torch.empty(3 * hidden_size))  # input-side bias  (3H,)
        self.b_h = nn.Parameter(torch.empty(3 * hidden_size))  # hidden-side bias (3H,)
        self.reset_parameters()

    def gate_params(self, gate: str) -> dict[str, Tensor]:
        """Per-gate views ``{"U", "W", "b_x", "b_h"}``; ``gate`` is ``r/reset``, ``z/update`` or ``n/new``."""
        key = _GRU_GATE_ALIASES.get(str(gate).lower())
        if key is None:
            raise ValueError(f"unknown GRU gate {gate!r}; expected one of {sorted(_GRU_GATE_ALIASES)}")
        k = GRU_GATES.index(key)
        rows = slice(k * self.hidden_size, (k + 1) * self.hidden_size)
        return {"U": self.U[rows], "W": self.W[rows], "b_x": self.b_x[rows], "b_h": self.b_h[rows]}

    def forward(
        self, x: Tensor, h: Tensor | None = None, return_gates: bool = False
    ) -> Tensor | tuple[Tensor, dict[str, Tensor]]:
        x, unbatched = _cell_input(x, self.input_size, "GRUCell")  # (B, D)
        h = _cell_state(h, x, self.hidden_size, unbatched, "GRUCell", "h")  # h_{t-1} (B, H)
        gx = x @ self.U.T + self.b_x  # U x + b_x, all three gates   (B, 3H)
        gh = h @ self.W.T + self.b_h  # W h + b_h, all three gates   (B, 3H)
        x_r, x_z, x_n = gx.chunk(3, dim=1)  # each (B, H)
        h_r, h_z, h_n = gh.chunk(3, dim=1)  # each (B, H)
        r = torch.sigmoid(x_r + h_r)  # reset gate   (B, H)
        z = torch.sigmoid(x_z + h_z)  # update gate  (B, H)
        n = torch.tanh(x_n + r * h_n)  # candidate: r scales (W_n h + b_hn)   (B, H)
        h_new = (1 - z) * n + z * h  # (B, H)
        out = h_new.squeeze(0) if unbatched else h_new
        if return_gates:
            return out, _squeeze_gates({"r": r, "z": z, "n": n}, unbatched)
        return out

    def _load_torch_biases(self, bias_ih: Tensor | None, bias_hh: Tensor | None) -> None:
        # r_t multiplies (W_n h + b_hn): the two biases can't be summed, so b_x <- bias_ih, b_h <- bias_hh
        for mine, theirs in ((self.b_x, bias_ih), (self.b_h, bias_hh)):
            if theirs is None:
                mine.zero_()
            else:
                mine.copy_(theirs)

    def torch_params(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` for torch."""
        return self.U.detach(), self.W.detach(), self.b_x.detach(), self.b_h.detach()

