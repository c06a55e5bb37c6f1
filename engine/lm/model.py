"""Character-level language model: embedding → stacked RNN/GRU/LSTM → linear head.

The lecture's vanilla RNN writes ``h_t = tanh(U x_t + W h_{t-1} + b)`` and ``o_t = V h_t + c``.
Here ``x_t`` is a learned embedding of character ``t`` (``self.embed``), the recurrence is any of
RNN/GRU/LSTM (fused ``torch.nn`` modules by default, the from-scratch cells of
:mod:`engine.nn.cells` with ``fused=False``), and ``self.head`` is ``o_t = V h_t + c``
(``head.weight`` is ``V``, ``head.bias`` is ``c``). ``softmax(o_t)`` is the distribution of the
next character.

Worked example::

    >>> from engine.lm.model import CharLM, CharLMConfig
    >>> from engine.data import CharVocab
    >>> vocab = CharVocab.from_text("to be or not to be")
    >>> model = CharLM(CharLMConfig(vocab_size=len(vocab), n_layer=1, n_hidden=32, n_embd=16), vocab)
    >>> idx = vocab.tensor("to be")[None]            # (B=1, T=5)
    >>> logits, loss, hidden = model(idx, idx)        # logits (1, 5, V); hidden = (h, c), each (1, 1, 32)
    >>> logits.shape
    torch.Size([1, 5, 8])

Generation carries ``hidden``: each new character is one step of the recurrence, O(1) in the
length of what was already written (the prefix is never re-run).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

from engine.data.text import CharVocab
from engine.nn.cells import make_rnn

__all__ = ["CharLM", "CharLMConfig"]

CELLS = ("rnn", "gru", "lstm")
_PACKED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> (weights' versions, packed fp16 layers)


@dataclass
class CharLMConfig:
    vocab_size: int
    cell: str = "lstm"  # rnn | gru | lstm
    fused: bool = True  # torch.nn.{RNN,GRU,LSTM} (fast) or engine.nn.cells (the lecture's equations)
    peephole: bool = False  # LSTM peephole connections (from-scratch cells only)
    n_layer: int = 2
    n_hidden: int = 512
    n_embd: int = 64
    dropout: float = 0.2  # on the embedding output, between layers, and before the head
    # DropConnect on the recurrent weights W (AWD-LSTM's "weight drop", Merity et al. 2018): in training,
    # each batch zeroes this fraction of W's entries, the same mask at every time step of the batch.
    weight_drop: float = 0.0

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, got {self.cell!r}")
        if self.vocab_size < 2:
            raise ValueError("vocab_size must be >= 2")
        if min(self.n_layer, self.n_hidden, self.n_embd) < 1:
            raise ValueError("n_layer, n_hidden and n_embd must be >= 1")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError("dropout must be in [0, 1)")
        if not 0.0 <= self.weight_drop < 1.0:
            raise ValueError("weight_drop must be in [0, 1)")
        if self.peephole and (self.fused or self.cell != "lstm"):
            raise ValueError("peephole connections need cell='lstm' and fused=False")


class CharLM(nn.Module):
    kind = "charlm"  # its name in checkpoints (engine.train.checkpoint.MODEL_KINDS)
    config_class = CharLMConfig

    def __init__(self, config: CharLMConfig, vocab: CharVocab | None = None):
        super().__init__()
        if vocab is not None and len(vocab) != config.vocab_size:
            raise ValueError(f"vocab has {len(vocab)} symbols but config.vocab_size={config.vocab_size}")
        self.config = config
        self.vocab = vocab
        self.embed = nn.Embedding(config.vocab_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.rnn = make_rnn(config.cell, config.n_embd, config.n_hidden, num_layers=config.n_layer,
                            dropout=config.dropout if config.n_layer > 1 else 0.0,
                            fused=config.fused, peephole=config.peephole)
        self.head = nn.Linear(config.n_hidden, config.vocab_size)  # o_t = V h_t + c

    # ------------------------------------------------------------------ checkpoint hooks
    @classmethod
    def from_checkpoint(cls, config: CharLMConfig, meta: dict) -> CharLM:
        chars = meta.get("vocab")
        return cls(config, CharVocab(chars) if chars else None)

    def checkpoint_meta(self) -> dict:
        return {"vocab": self.vocab.chars} if self.vocab is not None else {}

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # ------------------------------------------------------------------ model
    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None, hidden: Any = None):
        """``idx`` (B, T) → ``(logits (B, T, V), loss or None, hidden)``; loss is mean nats/char."""
        x = self.drop(self.embed(idx))  # (B, T, E)
        if self.training and self.config.weight_drop > 0:
            # the recurrence runs with dropped-out copies of W (one mask for the whole sequence); the
            # gradient flows through the mask to the parameters, which themselves stay whole
            params = dict(self.rnn.named_parameters())
            for name in self.recurrent_weight_names():
                params[name] = F.dropout(params[name], self.config.weight_drop, training=True)
            out, hidden = functional_call(self.rnn, params, (x, hidden))  # (B, T, H)
        else:
            out, hidden = self.rnn(x, hidden)  # (B, T, H)
        logits = self.head(self.drop(out))  # (B, T, V)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss, hidden

    def recurrent_weight_names(self) -> list[str]:
        """Names of the hidden-to-hidden matrices ``W`` (``weight_hh_l<k>`` fused, ``cells.<k>.W`` from scratch)."""
        return [n for n, _ in self.rnn.named_parameters() if re.fullmatch(r"weight_hh_l\d+|cells\.\d+\.W", n)]

    @torch.no_grad()
    def step(self, token: torch.Tensor, hidden: Any = None) -> tuple[torch.Tensor, Any]:
        """One step of the recurrence: ``token`` (B,) → next-char logits (B, V) and the new hidden."""
        if self.training or not isinstance(self.rnn, nn.RNNBase):
            logits, _, hidden = self(token[:, None], None, hidden)
            return logits[:, -1], hidden
        # Fused modules: run the cell equations with the module's own weights, layer by layer. On CPU,
        # nn.LSTM over a length-1 sequence goes through oneDNN, whose per-call set-up costs about ten
        # times the arithmetic of one step; the cell functions compute the same numbers without it.
        cfg, lstm = self.config, self.config.cell == "lstm"
        x = self.embed(token)  # (B, E)
        if hidden is None:
            zeros = x.new_zeros(cfg.n_layer, token.size(0), cfg.n_hidden)  # (L, B, H)
            hidden = (zeros, zeros) if lstm else zeros
        h0, c0 = hidden if lstm else (hidden, None)
        hs, cs = [], []
        packed = self._packed_lstm() if lstm and x.device.type == "cpu" else None
        if packed is not None:
            # Each character reads every recurrent weight once, so generation is bound by memory
            # traffic, not arithmetic: fbgemm's fp16 matrix-vector product reads half the bytes and
            # accumulates in fp32. Only used when the weights are exactly fp16 values (the shipped
            # models are stored in fp16), so the probabilities are the fp32 path's to rounding.
            for layer, w in enumerate(packed):
                gates = torch.ops.quantized.linear_dynamic_fp16(torch.cat([x, h0[layer]], 1), w)  # (B, 4H)
                i, f, g, o = gates.chunk(4, 1)  # torch's LSTM gate order: input, forget, cell, output
                c = torch.sigmoid(f) * c0[layer] + torch.sigmoid(i) * torch.tanh(g)  # (B, H)
                x = torch.sigmoid(o) * torch.tanh(c)  # (B, H)
                hs.append(x)
                cs.append(c)
            return self.head(x), (torch.stack(hs), torch.stack(cs))
        for layer in range(cfg.n_layer):
            w = [getattr(self.rnn, f"{name}_l{layer}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            if lstm:
                h, c = torch.lstm_cell(x, (h0[layer], c0[layer]), *w)  # (B, H) each
                cs.append(c)
            elif cfg.cell == "gru":
                h = torch.gru_cell(x, h0[layer], *w)
            else:
                h = torch.rnn_tanh_cell(x, h0[layer], *w)
            hs.append(h)
            x = h
        new_hidden = (torch.stack(hs), torch.stack(cs)) if lstm else torch.stack(hs)
        return self.head(x), new_hidden

    def _packed_lstm(self) -> list | None:
        """Per layer, ``[W_ih | W_hh]`` and ``b_ih + b_hh`` packed for fbgemm's fp16 matrix-vector product.

        ``None`` when that is not exact (weights that are not fp16 values, e.g. a model in training),
        or not available (no fbgemm, e.g. ARM CPUs). Rebuilt whenever a weight changes.
        """
        params = list(self.rnn.parameters())
        key = tuple((p.data_ptr(), p._version) for p in params)
        cached = _PACKED.get(self)
        if cached is not None and cached[0] == key:
            return cached[1]
        packed = None
        if all(p.dtype == torch.float32 and torch.equal(p, p.half().float()) for p in params) and \
                "fbgemm" in torch.backends.quantized.supported_engines:
            try:
                packed = []
                for layer in range(self.config.n_layer):
                    w_ih, w_hh, b_ih, b_hh = (getattr(self.rnn, f"{n}_l{layer}")
                                              for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
                    packed.append(torch.ops.quantized.linear_prepack_fp16(torch.cat([w_ih, w_hh], 1), b_ih + b_hh))
            except (RuntimeError, AttributeError):
                packed = None
        _PACKED[self] = (key, packed)
        return packed

    @torch.no_grad()
    def prime(self, text: str, batch_size: int = 1) -> tuple[torch.Tensor, Any, torch.Tensor]:
        """Run the prime text once; returns (last token (B,), hidden before it, encoded prime).

        The hidden state returned has consumed everything *except* the last character, so
        feeding that character to :meth:`step` gives the first new character's distribution.
        An empty prime starts as if after a line break (or from the first symbol if the
        vocabulary has no newline).
        """
        vocab = self._need_vocab()
        device = self.head.weight.device
        ids = vocab.encode(text) if text else [vocab.encode("\n")[0] if "\n" in vocab else 1]
        prefix = torch.tensor(ids, dtype=torch.long, device=device)[None].expand(batch_size, -1)
        hidden = None
        if prefix.size(1) > 1:
            _, _, hidden = self(prefix[:, :-1], None, None)
        return prefix[:, -1], hidden, prefix[0]

    def _need_vocab(self) -> CharVocab:
        if self.vocab is None:
            raise ValueError("this CharLM has no vocabulary attached; pass vocab= when constructing it")
        return self.vocab
