"""Stacked and bidirectional recurrences built from the lecture's cells, and the factory models use.

* :class:`Recurrent`: a drop-in replacement for ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` with
  ``batch_first=True``: stacked layers, bidirectional, dropout between layers, the same state layout,
  plus ``from_torch`` / ``copy_from_torch`` / ``to_torch`` so the two can be compared number by number.
  Each step is one of the cells of :mod:`engine.nn.cells` (the "teaching" path: a Python loop over time).
* :func:`make_rnn`: ``fused=True`` gives the fast torch module, ``fused=False`` the unrolled, inspectable
  :class:`Recurrent`; both take ``(x (B, T, D), state)`` and return ``(out (B, T, H*dirs), state)``.

Example::

    >>> import torch
    >>> from engine.nn.recurrent import make_rnn
    >>> _ = torch.manual_seed(0)
    >>> rnn = make_rnn("lstm", input_size=5, hidden_size=7, fused=False)
    >>> out, (h, c) = rnn(torch.randn(3, 6, 5))      # (B, T, D)
    >>> tuple(out.shape), tuple(h.shape), tuple(c.shape)
    ((3, 6, 7), (1, 3, 7), (1, 3, 7))
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from engine.nn import fused
from engine.nn.cells import GRUCell, LSTMCell, RNNCell, _check_nonlinearity, _check_positive_int

__all__ = ["MODES", "Recurrent", "State", "make_rnn"]

#: Recurrent kinds understood by :class:`Recurrent` and :func:`make_rnn`.
MODES = ("rnn", "gru", "lstm")
# torch's fused modules, with dropout between layers that a resumed run repeats (engine/nn/fused.py)
_TORCH_CLASSES: dict[str, type[nn.RNNBase]] = {"rnn": fused.RNN, "gru": fused.GRU, "lstm": fused.LSTM}

#: A recurrent state: ``h`` for RNN/GRU, ``(h, c)`` for LSTM.
State = Tensor | tuple[Tensor, Tensor]


def _check_stack(mode: str, input_size: int, hidden_size: int, num_layers: int, dropout: float,
                 nonlinearity: str) -> str:
    """Check the arguments shared by :class:`Recurrent` and :func:`make_rnn`; returns ``mode`` lower-cased."""
    if not isinstance(mode, str) or mode.lower() not in MODES:
        raise ValueError(f"unknown recurrent mode {mode!r}; expected one of {MODES}")
    mode = mode.lower()
    _check_positive_int("input_size", input_size)
    _check_positive_int("hidden_size", hidden_size)
    _check_positive_int("num_layers", num_layers)
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout <= 1.0:
        raise ValueError(f"dropout must be a probability in [0, 1], got {dropout!r}")
    _check_nonlinearity(nonlinearity)
    if mode != "rnn" and nonlinearity != "tanh":
        raise ValueError(f"nonlinearity applies only to mode='rnn', got mode={mode!r} with {nonlinearity!r}")
    return mode


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
        mode = _check_stack(mode, input_size, hidden_size, num_layers, dropout, nonlinearity)
        if peephole and mode != "lstm":
            raise ValueError(f"peephole connections exist only for mode='lstm', got mode={mode!r}")

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
        for mode, cls in {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}.items():
            if isinstance(module, cls):
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
    mode = _check_stack(mode, input_size, hidden_size, num_layers, dropout, nonlinearity)
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
    kwargs: dict = {
        "num_layers": num_layers,
        "bidirectional": bidirectional,
        "dropout": dropout,
        "batch_first": True,
    }
    if mode == "rnn":
        kwargs["nonlinearity"] = nonlinearity
    return _TORCH_CLASSES[mode](input_size, hidden_size, **kwargs)
