"""torch's fused ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM``, with dropout between layers that a resumed run repeats.

In training, a fused stack with ``num_layers > 1`` and ``dropout > 0`` drops units of each layer's output
before the next layer reads it. On CUDA, cuDNN draws those masks from a random state of its own, seeded
once per process and not part of ``torch.cuda.get_rng_state()``: a run resumed from a checkpoint draws
other masks than the run it continues would have (measured on an H200: losses after a resume differed by
up to 6e-3 nats from the uninterrupted run, while two uninterrupted runs agreed to the bit). So, in
training on CUDA, these classes run the stack one layer at a time with :func:`torch.nn.functional.dropout`
between layers: torch's own generator, which the trainer saves and restores. Same parameters, same
names (``weight_ih_l0`` ...), same equations; evaluation, CPU and single-layer stacks take torch's path
unchanged.

Example::

    >>> import torch
    >>> from engine.nn.fused import LSTM
    >>> lstm = LSTM(3, 4, num_layers=2, dropout=0.5, batch_first=True)
    >>> lstm                                     # the same module as torch's, by name and parameters
    LSTM(3, 4, num_layers=2, batch_first=True, dropout=0.5)
    >>> out, (h, c) = lstm(torch.zeros(2, 5, 3))  # (B, T, H), (L, B, H) each
    >>> out.shape, h.shape
    (torch.Size([2, 5, 4]), torch.Size([2, 2, 4]))
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import PackedSequence

__all__ = ["GRU", "LSTM", "RNN"]


class _LayerwiseDropout:
    """Mixin over an ``nn.RNNBase`` subclass: see the module docstring for why."""

    #: When to run layer by layer in training: "cuda" (where cuDNN's dropout state cannot be restored),
    #: "always" (tests use it to check this path on the CPU) or "never".
    layerwise: str = "cuda"

    def _use_layerwise(self, x: torch.Tensor) -> bool:
        if not (self.training and self.dropout > 0 and self.num_layers > 1) or self.layerwise == "never":
            return False
        return self.layerwise == "always" or x.is_cuda

    def forward(self, input: Any, hx: Any = None):  # noqa: A002 (torch's own argument name)
        packed = isinstance(input, PackedSequence)
        x = input.data if packed else input
        if not self._use_layerwise(x) or getattr(self, "proj_size", 0):
            return super().forward(input, hx)
        lstm, dirs = isinstance(self, nn.LSTM), 2 if self.bidirectional else 1
        if packed:
            batch = int(input.batch_sizes[0])
        else:
            batch = x.size(0) if self.batch_first else x.size(1)
        if hx is None:
            zeros = x.new_zeros(self.num_layers * dirs, batch, self.hidden_size)  # (L*dirs, B, H)
            hx = (zeros, zeros) if lstm else zeros
        elif packed:  # torch permutes the state into the packed (length-sorted) batch order
            hx = self.permute_hidden(hx, input.sorted_indices)
        hs, cs = [], []
        for layer in range(self.num_layers):
            rows = slice(layer * dirs, (layer + 1) * dirs)
            state = (hx[0][rows], hx[1][rows]) if lstm else hx[rows]
            x, h, c = self._one_layer(layer, x, state, input.batch_sizes if packed else None)
            hs.append(h)
            cs.append(c)
            if layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)  # torch's generator: saved and restored on resume
        hidden = (torch.cat(hs), torch.cat(cs)) if lstm else torch.cat(hs)
        if packed:
            out = PackedSequence(x, input.batch_sizes, input.sorted_indices, input.unsorted_indices)
            return out, self.permute_hidden(hidden, input.unsorted_indices)
        return x, hidden

    def _one_layer(self, layer: int, x: torch.Tensor, state: Any, batch_sizes: torch.Tensor | None):
        """One layer (both directions) through torch's fused kernel, with the module's own weights."""
        weights = []
        for sfx in (f"_l{layer}", f"_l{layer}_reverse")[: 2 if self.bidirectional else 1]:
            weights += [getattr(self, f"weight_ih{sfx}"), getattr(self, f"weight_hh{sfx}")]
            if self.bias:
                weights += [getattr(self, f"bias_ih{sfx}"), getattr(self, f"bias_hh{sfx}")]
        op = {"LSTM": torch._VF.lstm, "GRU": torch._VF.gru, "RNN_TANH": torch._VF.rnn_tanh,
              "RNN_RELU": torch._VF.rnn_relu}[self.mode]
        if batch_sizes is None:
            res = op(x, state, weights, self.bias, 1, 0.0, True, self.bidirectional, self.batch_first)
        else:
            res = op(x, batch_sizes, state, weights, self.bias, 1, 0.0, True, self.bidirectional)
        return (res[0], res[1], res[2]) if len(res) == 3 else (res[0], res[1], None)


class LSTM(_LayerwiseDropout, nn.LSTM):
    pass


class GRU(_LayerwiseDropout, nn.GRU):
    pass


class RNN(_LayerwiseDropout, nn.RNN):
    pass
