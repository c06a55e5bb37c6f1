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
* :class:`Recurrent`: a drop-in replacement for ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` with
  ``batch_first=True``: stacked layers, bidirectional, dropout between layers, the same state layout,
  plus ``from_torch`` / ``copy_from_torch`` / ``to_torch`` so the two can be compared number by number.
* :func:`make_rnn`: the factory models use; ``fused=True`` gives the fast torch module,
  ``fused=False`` the unrolled, inspectable :class:`Recurrent`.

Example::

    >>> import torch
    >>> from engine.nn.cells import make_rnn
    >>> _ = torch.manual_seed(0)
    >>> rnn = make_rnn("lstm", input_size=5, hidden_size=7, fused=False)
    >>> out, (h, c) = rnn(torch.randn(3, 6, 5))      # (B, T, D)
    >>> tuple(out.shape), tuple(h.shape), tuple(c.shape)
    ((3, 6, 7), (1, 3, 7), (1, 3, 7))
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "GRU_GATES",
    "LSTM_GATES",
    "MODES",
    "GRUCell",
    "LSTMCell",
    "RNNCell",
    "Recurrent",
    "State",
    "make_rnn",
]

#: Recurrent kinds understood by :class:`Recurrent` and :func:`make_rnn`.
MODES = ("rnn", "gru", "lstm")
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
_TORCH_CLASSES: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}

#: A recurrent state: ``h`` for RNN/GRU, ``(h, c)`` for LSTM.
State = Tensor | tuple[Tensor, Tensor]


# ----------------------------------------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------------------------------------
def _check_positive_int(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def _check_mode(mode: str) -> str:
    if not isinstance(mode, str) or mode.lower() not in MODES:
        raise ValueError(f"unknown recurrent mode {mode!r}; expected one of {MODES}")
    return mode.lower()


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
# cells
# ----------------------------------------------------------------------------------------------------------
class _CellBase(nn.Module):
    """Shared bits: sizes, torch-style initialisation, ``extra_repr``."""

    input_size: int
    hidden_size: int

    def reset_parameters(self) -> None:
        """Uniform(-1/√H, 1/√H) for every parameter, exactly like torch's recurrent modules."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def extra_repr(self) -> str:
        return f"input_size={self.input_size}, hidden_size={self.hidden_size}"


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

    def load_torch_params(
        self, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None, bias_hh: Tensor | None
    ) -> None:
        """Copy torch-layout weights (``nn.RNN`` / ``nn.RNNCell``) into ``U, W, b``."""
        with torch.no_grad():
            self.U.copy_(weight_ih)
            self.W.copy_(weight_hh)
            self.b.zero_()
            for bias in (bias_ih, bias_hh):
                if bias is not None:
                    self.b.add_(bias)

    def torch_params(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` for torch, with the whole ``b`` in ``bias_ih``."""
        return self.U.detach(), self.W.detach(), self.b.detach(), torch.zeros_like(self.b.detach())

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
    are vectors (diagonal peephole matrices) of size H.

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

        pre = x @ self.U.T + h @ self.W.T + self.b  # all four U x + W h + b at once  (B, 4H)
        a_i, a_f, a_g, a_o = pre.chunk(4, dim=1)  # each (B, H), gate order (i, f, g, o)
        if self.peephole:
            a_i = a_i + self.p_i * c  # input gate peeks at c_{t-1}
            a_f = a_f + self.p_f * c  # forget gate peeks at c_{t-1}
        i = torch.sigmoid(a_i)  # (B, H)
        f = torch.sigmoid(a_f)  # (B, H)
        g = torch.tanh(a_g)  # (B, H)
        c_new = f * c + i * g  # c_t = f ⊙ c_{t-1} + i ⊙ g   (B, H)
        if self.peephole:
            a_o = a_o + self.p_o * c_new  # output gate peeks at the new c_t
        o = torch.sigmoid(a_o)  # (B, H)
        h_new = o * torch.tanh(c_new)  # h_t = o ⊙ tanh(c_t)   (B, H)

        result = (h_new.squeeze(0), c_new.squeeze(0)) if unbatched else (h_new, c_new)
        if return_gates:
            return result, _squeeze_gates({"i": i, "f": f, "g": g, "o": o, "c": c_new}, unbatched)
        return result

    def load_torch_params(
        self, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None, bias_hh: Tensor | None
    ) -> None:
        """Copy torch-layout weights (``nn.LSTM`` / ``nn.LSTMCell``); peepholes, if any, are zeroed."""
        with torch.no_grad():
            self.U.copy_(weight_ih)
            self.W.copy_(weight_hh)
            self.b.zero_()
            for bias in (bias_ih, bias_hh):
                if bias is not None:
                    self.b.add_(bias)
            if self.peephole:
                for p in (self.p_i, self.p_f, self.p_o):
                    p.zero_()

    def torch_params(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` for torch; raises for a peephole cell."""
        if self.peephole:
            raise ValueError("torch's LSTM has no peephole connections; a peephole LSTMCell can't export")
        return self.U.detach(), self.W.detach(), self.b.detach(), torch.zeros_like(self.b.detach())

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

    def load_torch_params(
        self, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None, bias_hh: Tensor | None
    ) -> None:
        """Copy torch-layout weights (``nn.GRU`` / ``nn.GRUCell``) into ``U, W, b_x, b_h``."""
        with torch.no_grad():
            self.U.copy_(weight_ih)
            self.W.copy_(weight_hh)
            for mine, theirs in ((self.b_x, bias_ih), (self.b_h, bias_hh)):
                if theirs is None:
                    mine.zero_()
                else:
                    mine.copy_(theirs)

    def torch_params(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` for torch."""
        return self.U.detach(), self.W.detach(), self.b_x.detach(), self.b_h.detach()


# ----------------------------------------------------------------------------------------------------------
# stacked / bidirectional layer
# ----------------------------------------------------------------------------------------------------------
class Recurrent(nn.Module):
    r"""Unrolled multi-layer (bi)directional RNN / GRU / LSTM: a drop-in for torch's fused modules.

    Each layer applies its cell's lecture equation step by step over time (``h_t = tanh(U x_t + W h_{t-1}
    + b)`` for ``"rnn"``; see :class:`LSTMCell` and :class:`GRUCell` for the gated ones). Layer ``l > 0``
    reads the outputs of layer ``l-1``; in training mode dropout with probability ``dropout`` is applied
    to those outputs between layers, never after the last layer (as in torch). With
    ``bidirectional=True`` every layer has a second cell that reads the sequence reversed
    (t = T-1 … 0), and the output at step t is ``[h_t^fwd, h_t^bwd]``.

    Same interface as ``nn.RNN/GRU/LSTM(batch_first=True)``:
    ``forward(x, state=None) -> (out, state)`` with

    * ``x``: (B, T, D) (or unbatched (T, D)),
    * ``out``: (B, T, H·dirs), the last layer's hidden states,
    * ``state``: ``h`` of shape (L·dirs, B, H) for rnn/gru, ``(h, c)`` for lstm, ordered layer-major,
      direction-minor (index ``layer * dirs + direction``), zeros if None. The returned state is each
      cell's final state (for the backward direction that is after reading x_0).

    ``forward(..., return_gates=True)`` returns ``(out, state, gates)``: ``gates[layer * dirs + direction]``
    is the cell's ``return_gates`` dict with every entry stacked over time to (B, T, H), indexed by the
    original time step (also for the backward direction).

    Cells live in ``self.cells`` (an ``nn.ModuleList``) in the same order as the state; the parameter
    ``cells.{k}.U`` corresponds to torch's ``weight_ih_l{layer}[_reverse]``, ``W`` to ``weight_hh``, and
    ``b`` to ``bias_ih + bias_hh`` (rnn/lstm) or ``b_x, b_h`` to ``bias_ih, bias_hh`` (gru).

    This is the teaching path (a Python loop over time); use the fused torch modules to train fast.

    Example::

        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> rnn = Recurrent("gru", input_size=5, hidden_size=7, num_layers=2, bidirectional=True)
        >>> x = torch.randn(3, 6, 5)                     # (B, T, D)
        >>> out, h = rnn(x)
        >>> tuple(out.shape), tuple(h.shape)             # (B, T, 2H), (L*2, B, H)
        ((3, 6, 14), (4, 3, 7))
        >>> torch_gru = rnn.to_torch()                   # same weights in nn.GRU(batch_first=True)
        >>> torch.allclose(torch_gru(x)[0], out, atol=1e-6)
        True
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        peephole: bool = False,
        nonlinearity: str = "tanh",
    ) -> None:
        super().__init__()
        mode = _check_mode(mode)
        _check_positive_int("input_size", input_size)
        _check_positive_int("hidden_size", hidden_size)
        _check_positive_int("num_layers", num_layers)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1], got {dropout!r}")
        if peephole and mode != "lstm":
            raise ValueError(f"peephole connections exist only for mode='lstm', got mode={mode!r}")
        _check_nonlinearity(nonlinearity)
        if mode != "rnn" and nonlinearity != "tanh":
            raise ValueError(
                f"nonlinearity applies only to mode='rnn', got mode={mode!r} with {nonlinearity!r}"
            )

        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bool(bidirectional)
        self.dropout = float(dropout)
        self.peephole = bool(peephole)
        self.nonlinearity = nonlinearity
        self.batch_first = True  # mirrors the torch attribute; always True here

        cells: list[nn.Module] = []
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else hidden_size * self.num_directions
            for _direction in range(self.num_directions):
                if mode == "rnn":
                    cells.append(RNNCell(layer_in, hidden_size, nonlinearity=nonlinearity))
                elif mode == "gru":
                    cells.append(GRUCell(layer_in, hidden_size))
                else:
                    cells.append(LSTMCell(layer_in, hidden_size, peephole=peephole))
        self.cells = nn.ModuleList(cells)

    # -- bookkeeping -------------------------------------------------------------------------------------
    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def cell(self, layer: int, direction: int = 0) -> nn.Module:
        """The cell of ``layer`` (0-based) and ``direction`` (0 forward, 1 backward)."""
        if not 0 <= layer < self.num_layers or not 0 <= direction < self.num_directions:
            raise ValueError(
                f"no cell at layer={layer}, direction={direction} "
                f"(num_layers={self.num_layers}, num_directions={self.num_directions})"
            )
        return self.cells[layer * self.num_directions + direction]

    def flatten_parameters(self) -> None:
        """No-op, so code written for the fused torch modules can call it unconditionally."""

    def extra_repr(self) -> str:
        s = f"{self.mode!r}, {self.input_size}, {self.hidden_size}, num_layers={self.num_layers}"
        if self.bidirectional:
            s += ", bidirectional=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.peephole:
            s += ", peephole=True"
        if self.mode == "rnn" and self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        return s

    # -- forward -----------------------------------------------------------------------------------------
    def _check_state_tensor(self, s: Tensor, batch: int, unbatched: bool, name: str) -> Tensor:
        n = self.num_layers * self.num_directions
        want = (n, self.hidden_size) if unbatched else (n, batch, self.hidden_size)
        if not isinstance(s, Tensor) or tuple(s.shape) != want:
            got = tuple(s.shape) if isinstance(s, Tensor) else type(s).__name__
            raise ValueError(
                f"Recurrent({self.mode}) expected {name} of shape {want} (L*dirs, B, H), got {got}"
            )
        return s.unsqueeze(1) if unbatched else s

    def forward(
        self, x: Tensor, state: State | None = None, return_gates: bool = False
    ) -> tuple[Tensor, State] | tuple[Tensor, State, list[dict[str, Tensor]]]:
        if x.dim() not in (2, 3) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"Recurrent({self.mode}) expected input of shape (B, T, {self.input_size}) with "
                f"batch_first=True (or unbatched (T, {self.input_size})), got {tuple(x.shape)}"
            )
        unbatched = x.dim() == 2
        if unbatched:
            x = x.unsqueeze(0)  # (1, T, D)
        batch, steps, _ = x.shape
        if steps < 1:
            raise ValueError("Recurrent expected a sequence of length T >= 1, got T = 0")

        # initial states, each (L*dirs, B, H)
        if state is None:
            zeros = x.new_zeros(self.num_layers * self.num_directions, batch, self.hidden_size)
            h0, c0 = zeros, zeros
        elif self.mode == "lstm":
            if not isinstance(state, (tuple, list)) or len(state) != 2:
                raise ValueError("Recurrent('lstm') expects state as a tuple (h, c)")
            h0 = self._check_state_tensor(state[0], batch, unbatched, "h")
            c0 = self._check_state_tensor(state[1], batch, unbatched, "c")
        else:
            if isinstance(state, (tuple, list)):
                raise ValueError(f"Recurrent({self.mode!r}) expects state as a single tensor h, got a tuple")
            h0 = self._check_state_tensor(state, batch, unbatched, "h")
            c0 = h0

        layer_input = x  # (B, T, D) for layer 0, (B, T, H*dirs) after
        h_n: list[Tensor] = []
        c_n: list[Tensor] = []
        all_gates: list[dict[str, Tensor]] = []
        for layer in range(self.num_layers):
            direction_outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                cell = self.cells[k]
                s: State = (h0[k], c0[k]) if self.mode == "lstm" else h0[k]  # (B, H)
                times = range(steps) if direction == 0 else range(steps - 1, -1, -1)
                hs: list[Tensor | None] = [None] * steps
                gates_t: list[dict[str, Tensor] | None] = [None] * steps
                for t in times:
                    if return_gates:
                        s, gates_t[t] = cell(layer_input[:, t], s, return_gates=True)
                    else:
                        s = cell(layer_input[:, t], s)
                    hs[t] = s[0] if self.mode == "lstm" else s  # (B, H)
                direction_outputs.append(torch.stack(hs, dim=1))  # (B, T, H)
                if self.mode == "lstm":
                    h_n.append(s[0])
                    c_n.append(s[1])
                else:
                    h_n.append(s)
                if return_gates:
                    # each gate stacked over time, in the original time order   (B, T, H)
                    all_gates.append({n: torch.stack([g[n] for g in gates_t], dim=1) for n in gates_t[0]})
            out = torch.cat(direction_outputs, dim=-1)  # [fwd, bwd]   (B, T, H*dirs)
            if layer < self.num_layers - 1 and self.dropout > 0.0:
                out = F.dropout(out, p=self.dropout, training=self.training)  # between layers only
            layer_input = out

        h_last = torch.stack(h_n, dim=0)  # (L*dirs, B, H)
        if unbatched:
            out = out.squeeze(0)  # (T, H*dirs)
            h_last = h_last.squeeze(1)  # (L*dirs, H)
            all_gates = [{k: v.squeeze(0) for k, v in g.items()} for g in all_gates]
        if self.mode == "lstm":
            c_last = torch.stack(c_n, dim=0)  # (L*dirs, B, H)
            new_state: State = (h_last, c_last.squeeze(1) if unbatched else c_last)
        else:
            new_state = h_last
        if return_gates:
            return out, new_state, all_gates
        return out, new_state

    # -- torch interop -----------------------------------------------------------------------------------
    @staticmethod
    def _torch_mode(module: nn.Module) -> str:
        for mode, cls in _TORCH_CLASSES.items():
            if type(module) is cls or isinstance(module, cls):
                return mode
        raise ValueError(f"expected an nn.RNN, nn.GRU or nn.LSTM, got {type(module).__name__}")

    @staticmethod
    def _check_torch_module(module: nn.Module) -> str:
        mode = Recurrent._torch_mode(module)
        if not module.batch_first:
            raise ValueError(f"the torch {type(module).__name__} must be built with batch_first=True")
        if getattr(module, "proj_size", 0):
            raise ValueError("LSTM with proj_size > 0 is not supported by Recurrent")
        return mode

    @classmethod
    def from_torch(cls, module: nn.RNN | nn.GRU | nn.LSTM) -> Recurrent:
        """Build a :class:`Recurrent` with the same configuration and weights as a torch module."""
        mode = cls._check_torch_module(module)
        new = cls(
            mode,
            module.input_size,
            module.hidden_size,
            num_layers=module.num_layers,
            bidirectional=module.bidirectional,
            dropout=float(module.dropout),
            nonlinearity=getattr(module, "nonlinearity", "tanh") if mode == "rnn" else "tanh",
        )
        ref = module.weight_ih_l0
        new.to(device=ref.device, dtype=ref.dtype)
        new.copy_from_torch(module)
        new.train(module.training)
        return new

    def copy_from_torch(self, module: nn.RNN | nn.GRU | nn.LSTM) -> Recurrent:
        """Copy a torch module's weights in place (configuration must match). Returns ``self``.

        For a peephole LSTM the gate weights are copied and the peepholes zeroed, so outputs match.
        """
        mode = self._check_torch_module(module)
        mine = (self.mode, self.input_size, self.hidden_size, self.num_layers, self.bidirectional)
        theirs = (mode, module.input_size, module.hidden_size, module.num_layers, module.bidirectional)
        if mine != theirs:
            raise ValueError(
                "configuration mismatch (mode, input_size, hidden_size, num_layers, bidirectional): "
                f"Recurrent has {mine}, torch module has {theirs}"
            )
        if mode == "rnn" and module.nonlinearity != self.nonlinearity:
            raise ValueError(f"nonlinearity mismatch: {self.nonlinearity!r} vs torch {module.nonlinearity!r}")
        for layer in range(self.num_layers):
            for direction in range(self.num_directions):
                sfx = f"_l{layer}" + ("_reverse" if direction else "")
                self.cell(layer, direction).load_torch_params(
                    getattr(module, "weight_ih" + sfx),
                    getattr(module, "weight_hh" + sfx),
                    getattr(module, "bias_ih" + sfx, None),
                    getattr(module, "bias_hh" + sfx, None),
                )
        return self

    def to_torch(self) -> nn.RNN | nn.GRU | nn.LSTM:
        """The equivalent fused torch module (``batch_first=True``) holding a copy of these weights.

        For rnn/lstm the merged bias ``b`` goes to ``bias_ih`` and ``bias_hh`` is zero. Raises
        ``ValueError`` for a peephole LSTM, which torch cannot represent.
        """
        if self.peephole:
            raise ValueError(
                "torch's nn.LSTM has no peephole connections; to_torch() is impossible with peephole=True"
            )
        kwargs: dict = {
            "num_layers": self.num_layers,
            "bidirectional": self.bidirectional,
            "dropout": self.dropout,
            "batch_first": True,
        }
        if self.mode == "rnn":
            kwargs["nonlinearity"] = self.nonlinearity
        ref = self.cells[0].U
        module = _TORCH_CLASSES[self.mode](
            self.input_size, self.hidden_size, device=ref.device, dtype=ref.dtype, **kwargs
        )
        with torch.no_grad():
            for layer in range(self.num_layers):
                for direction in range(self.num_directions):
                    sfx = f"_l{layer}" + ("_reverse" if direction else "")
                    w_ih, w_hh, b_ih, b_hh = self.cell(layer, direction).torch_params()
                    getattr(module, "weight_ih" + sfx).copy_(w_ih)
                    getattr(module, "weight_hh" + sfx).copy_(w_hh)
                    getattr(module, "bias_ih" + sfx).copy_(b_ih)
                    getattr(module, "bias_hh" + sfx).copy_(b_hh)
        module.train(self.training)
        return module


# ----------------------------------------------------------------------------------------------------------
# factory
# ----------------------------------------------------------------------------------------------------------
def make_rnn(
    mode: str,
    input_size: int,
    hidden_size: int,
    num_layers: int = 1,
    bidirectional: bool = False,
    dropout: float = 0.0,
    fused: bool = True,
    peephole: bool = False,
    nonlinearity: str = "tanh",
) -> nn.Module:
    """Build a recurrent stack: ``nn.RNN/GRU/LSTM(batch_first=True)`` if ``fused`` else :class:`Recurrent`.

    Both take ``(x: (B, T, D), state=None)`` and return ``(out: (B, T, H*dirs), state)`` with the same
    state layout, so a model can switch between the fast path and the inspectable one. Peepholes exist
    only in :class:`Recurrent`, so ``peephole=True`` needs ``fused=False``. ``nonlinearity`` is for
    ``mode="rnn"`` only.

    Example::

        >>> make_rnn("gru", 5, 7, num_layers=2)
        GRU(5, 7, num_layers=2, batch_first=True)
        >>> type(make_rnn("lstm", 5, 7, fused=False, peephole=True)).__name__
        'Recurrent'
    """
    mode = _check_mode(mode)
    if not fused:
        return Recurrent(
            mode,
            input_size,
            hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            peephole=peephole,
            nonlinearity=nonlinearity,
        )
    if peephole:
        raise ValueError("torch's fused nn.LSTM has no peephole connections; peepholes need fused=False")
    _check_positive_int("input_size", input_size)
    _check_positive_int("hidden_size", hidden_size)
    _check_positive_int("num_layers", num_layers)
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout <= 1.0:
        raise ValueError(f"dropout must be a probability in [0, 1], got {dropout!r}")
    _check_nonlinearity(nonlinearity)
    if mode != "rnn" and nonlinearity != "tanh":
        raise ValueError(f"nonlinearity applies only to mode='rnn', got mode={mode!r} with {nonlinearity!r}")
    kwargs: dict = {
        "num_layers": num_layers,
        "bidirectional": bidirectional,
        "dropout": dropout,
        "batch_first": True,
    }
    if mode == "rnn":
        kwargs["nonlinearity"] = nonlinearity
    return _TORCH_CLASSES[mode](input_size, hidden_size, **kwargs)
