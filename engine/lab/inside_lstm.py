"""Inside the LSTM: the gates, the memory cell and the hidden state of a char-LM over a passage.

The lecture's LSTM (input/forget/output gate, 입력/망각/출력 게이트; the memory cell, 기억 셀) writes, for
each character ``t`` and each layer, with ``a = U x(t) + W h(t-1) + b`` stacked in the gate order (i, f, g, o)::

    i(t) = σ(a_i)   f(t) = σ(a_f)   g(t) = tanh(a_g)   o(t) = σ(a_o)
    c(t) = f(t) ⊙ c(t-1) + i(t) ⊙ g(t)        h(t) = o(t) ⊙ tanh(c(t))

:func:`lstm_trace` returns all six, per layer, as (T, H) arrays, for a passage read by a
:class:`~engine.lm.model.CharLM` (the shipped ``charlm-shakespeare``: 2 layers of 512). It runs each layer
through torch's fused kernel once to get every h(t-1), computes all pre-activations ``a`` in one matrix
product, then the gate equations step by step with :func:`engine.nn.cells.lstm_pointwise`, the one place they
are written; tests check the result against :class:`engine.nn.cells.LSTMCell` and the fused model's own h(t).
:func:`cell_trace` is the reference path, for any cell (vanilla RNN, GRU, LSTM): the engine's cells one step
at a time with ``return_gates=True``. :func:`peephole_pair` runs one small LSTM with and without peepholes
(핍홀, the notes' 핀홀) on the same input.

Worked example on a tiny model (1 layer of 8 units)::

    >>> import torch
    >>> from engine.data import CharVocab
    >>> from engine.lm.model import CharLM, CharLMConfig
    >>> _ = torch.manual_seed(0)
    >>> vocab = CharVocab.from_text("to be or not to be")
    >>> model = CharLM(CharLMConfig(vocab_size=len(vocab), n_layer=1, n_hidden=8, n_embd=4), vocab).eval()
    >>> trace = lstm_trace(model, "to be!")            # "!" is not in the vocabulary: read as the unknown symbol
    >>> sorted(trace.layers[0]), trace.layers[0]["c"].shape, trace.unknown
    (['c', 'f', 'g', 'h', 'i', 'o'], (6, 8), [5])
    >>> ref = cell_trace(model, "to be!")              # the engine's LSTMCell, one step at a time
    >>> bool(abs(trace.layers[0]["f"] - ref.layers[0]["f"]).max() < 1e-5)
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from engine.nn.cells import LSTMCell, lstm_pointwise
from engine.nn.recurrent import Recurrent

__all__ = [
    "LSTM_QUANTITIES",
    "MAX_CHARS",
    "CellTrace",
    "PassageError",
    "cell_trace",
    "check_passage",
    "lstm_trace",
    "peephole_pair",
]

#: The longest passage a page runs (longer input is cut here, with a message).
MAX_CHARS = 2000
#: What :func:`lstm_trace` returns per layer, in the order the lecture introduces them.
LSTM_QUANTITIES = ("i", "f", "o", "g", "c", "h")


class PassageError(ValueError):
    """A passage the model cannot read (empty, or a model without a vocabulary / not an LSTM)."""


@dataclass
class CellTrace:
    """A passage and, per layer, each quantity as a (T, H) float32 array.

    ``layers[k]`` maps names to arrays: an LSTM has ``i, f, o, g, c, h``; a GRU ``r, z, n, h``; a vanilla
    RNN ``a`` (the pre-activation U x + W h + b) and ``h``. ``unknown`` lists the positions of characters
    outside the model's vocabulary (read as the unknown symbol id 0); ``cut`` is how many characters past
    :data:`MAX_CHARS` were dropped.
    """

    text: str
    cell: str
    layers: list[dict[str, np.ndarray]]
    unknown: list[int] = field(default_factory=list)
    cut: int = 0

    @property
    def hidden_size(self) -> int:
        return int(next(q for q in self.layers if q)["h"].shape[1])


def check_passage(text: str, max_chars: int = MAX_CHARS) -> tuple[str, int]:
    """``(passage, cut)``: the text cut to ``max_chars`` characters and how many were dropped.

    >>> check_passage("abc", max_chars=2)
    ('ab', 1)
    >>> check_passage("")
    Traceback (most recent call last):
    ...
    engine.lab.inside_lstm.PassageError: the passage is empty: type or pick at least one character
    """
    if not isinstance(text, str) or not text:
        raise PassageError("the passage is empty: type or pick at least one character")
    return text[:max_chars], max(0, len(text) - max_chars)


def _ids(model: nn.Module, text: str) -> tuple[torch.Tensor, list[int]]:
    vocab = getattr(model, "vocab", None)
    if vocab is None:
        raise PassageError("this model has no character vocabulary attached")
    ids = vocab.encode(text)
    unknown = [k for k, (ch, i) in enumerate(zip(text, ids, strict=True)) if i == 0 and ch != vocab.chars[0]]
    return torch.tensor(ids, dtype=torch.long, device=model.head.weight.device), unknown


def _as_recurrent(rnn: nn.Module) -> Recurrent:
    return rnn if isinstance(rnn, Recurrent) else Recurrent.from_torch(rnn)


@torch.no_grad()
def cell_trace(model: nn.Module, text: str, max_chars: int = MAX_CHARS) -> CellTrace:
    """The reference: every layer's engine cell (:mod:`engine.nn.cells`) run one step at a time.

    Works for a CharLM of any cell, fused or not (fused weights are copied into the cells). Slow for big
    models (a Python loop of matrix-vector products); :func:`lstm_trace` is the fast LSTM path.
    """
    text, cut = check_passage(text, max_chars)
    ids, unknown = _ids(model, text)
    rec = _as_recurrent(model.rnn).to(model.head.weight.device).eval()
    x = model.embed(ids)  # (T, E)
    layers = []
    for layer in range(rec.num_layers):
        cell = rec.cell(layer)
        state, rows = None, []
        for t in range(x.shape[0]):
            out, gates = cell(x[t:t + 1], state, return_gates=True)  # (1, D) -> state and this step's gates
            state = out
            h = out[0] if isinstance(out, tuple) else out  # LSTM: (h, c); RNN/GRU: h
            rows.append({**gates, "h": h})
        names = [n for n in ("i", "f", "o", "g", "c", "r", "z", "n", "a") if n in rows[0]] + ["h"]
        layers.append({n: torch.cat([r[n] for r in rows]).float().cpu().numpy() for n in names})
        x = torch.cat([r["h"] for r in rows])  # (T, H): the next layer's input
    return CellTrace(text, rec.mode, layers, unknown, cut)


@torch.no_grad()
def lstm_trace(model: nn.Module, text: str, max_chars: int = MAX_CHARS,
               layers: Sequence[int] | None = None) -> CellTrace:
    """Gates i, f, o, candidate g, cell state c(t) and h(t) of every layer of a char-LSTM over ``text``.

    Starts from zero state, as the page does. Per layer: the fused kernel gives every h(t) (so every
    h(t-1)), one matrix product gives every ``a(t) = U x(t) + W h(t-1) + b`` (T, 4H), then
    :func:`lstm_pointwise` runs the gate equations step by step, carrying c(t). For a CharLM built from the
    engine's cells (``fused=False``, peepholes possible) this is :func:`cell_trace`.

    ``layers`` (0-based) limits the gate equations to those layers (the page shows one at a time; the others
    only run the fused kernel, which the next layer needs): ``trace.layers[k]`` is then ``{}`` for the rest.
    """
    if getattr(getattr(model, "config", None), "cell", None) != "lstm":
        raise PassageError("lstm_trace needs a char-LM whose cell is an LSTM")
    if not isinstance(model.rnn, nn.LSTM):
        return cell_trace(model, text, max_chars)
    text, cut = check_passage(text, max_chars)
    ids, unknown = _ids(model, text)
    x = model.embed(ids)  # (T, E)
    hidden = model.rnn.hidden_size
    wanted = set(range(model.rnn.num_layers) if layers is None else layers)
    out = []
    for layer in range(model.rnn.num_layers):
        if layer > max(wanted, default=-1):  # nothing above needed
            out.append({})
            continue
        w_ih, w_hh, b_ih, b_hh = (getattr(model.rnn, f"{n}_l{layer}") for n in
                                  ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
        zeros = x.new_zeros(1, 1, hidden)
        h_all = torch.lstm(x[None], (zeros, zeros), [w_ih, w_hh, b_ih, b_hh], True, 1, 0.0, False, False,
                           True)[0][0]  # fused kernel: h(1..T)  (T, H)
        if layer not in wanted:
            out.append({})
            x = h_all
            continue
        h_prev = torch.cat([x.new_zeros(1, hidden), h_all[:-1]])  # h(0..T-1)  (T, H)
        pre = x @ w_ih.T + h_prev @ w_hh.T + (b_ih + b_hh)  # a(t) = U x(t) + W h(t-1) + b   (T, 4H)
        c = x.new_zeros(1, hidden)
        rows = []
        for t in range(pre.shape[0]):
            h, c, gates = lstm_pointwise(pre[t:t + 1], c, return_gates=True)
            rows.append({**gates, "h": h})
        out.append({n: torch.cat([r[n] for r in rows]).float().cpu().numpy() for n in LSTM_QUANTITIES})
        x = h_all
    return CellTrace(text, "lstm", out, unknown, cut)


@torch.no_grad()
def peephole_pair(text: str, hidden_size: int = 4, strength: float = 3.0, seed: int = 0) -> dict[str, CellTrace]:
    """One small from-scratch LSTM with and without peepholes, on the one-hot code of ``text``'s characters.

    Both cells share U, W, b (seeded); the peephole cell also has ``p_i, p_f, p_o`` drawn from U(-1, 1) and
    scaled by ``strength``, so ``i(t) = σ(U_i x + W_i h(t-1) + b_i + p_i ⊙ c(t-1))`` (and ``f``), and
    ``o(t) = σ(U_o x + W_o h(t-1) + b_o + p_o ⊙ c(t))``. With ``strength=0`` the two are the same numbers::

        >>> pair = peephole_pair("abcab", strength=0.0)
        >>> bool(abs(pair["plain"].layers[0]["i"] - pair["peephole"].layers[0]["i"]).max() == 0)
        True
    """
    text, cut = check_passage(text, 200)
    chars = sorted(set(text))
    x = torch.zeros(len(text), len(chars))
    x[torch.arange(len(text)), torch.tensor([chars.index(ch) for ch in text])] = 1.0  # one-hot (T, D)
    gen = torch.Generator().manual_seed(seed)
    plain, peep = LSTMCell(len(chars), hidden_size), LSTMCell(len(chars), hidden_size, peephole=True)
    for name in ("U", "W", "b"):
        p = getattr(plain, name)
        p.copy_(torch.rand(p.shape, generator=gen) * 2 - 1)  # U(-1, 1): visible gate swings on a tiny model
        getattr(peep, name).copy_(p)
    for name in ("p_i", "p_f", "p_o"):
        getattr(peep, name).copy_((torch.rand(hidden_size, generator=gen) * 2 - 1) * strength)
    out = {}
    for label, cell in (("plain", plain), ("peephole", peep)):
        state, rows = None, []
        for t in range(x.shape[0]):
            state, gates = cell(x[t:t + 1], state, return_gates=True)
            rows.append({**gates, "h": state[0]})
        out[label] = CellTrace(text, "lstm", [{n: torch.cat([r[n] for r in rows]).numpy()
                                               for n in LSTM_QUANTITIES}], [], cut)
    return out
