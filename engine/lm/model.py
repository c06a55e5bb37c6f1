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
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

from engine.data.text import CharVocab, check_vocab_size
from engine.nn.cells import lstm_gates
from engine.nn.recurrent import make_rnn
from engine.nogil import nogil

__all__ = ["CharLM", "CharLMConfig"]

CELLS = ("rnn", "gru", "lstm")
_PACKED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> (weights' versions, packed fp16 layers)


@dataclass
class CharLMConfig:
    """The char-LM's architecture. Each field is declared once, here: ``python -m engine train charlm``
    generates its flags from these fields (``n_hidden`` -> ``--n-hidden``) and the Train page's widgets
    start from a preset of them (:mod:`engine.lm.presets`).

    ``vocab_size`` is known only once the text is read: settings leave it ``None`` and the recipe
    fills it in (:func:`engine.lm.recipe.charlm_trainer`)::

        >>> from dataclasses import replace
        >>> settings = CharLMConfig(n_layer=1, n_hidden=32)
        >>> settings.vocab_size is None
        True
        >>> replace(settings, vocab_size=65).vocab_size
        65
    """

    vocab_size: int | None = field(default=None, metadata={"help": "symbols in the vocabulary (from the data)"})
    cell: str = field(default="lstm", metadata={"help": "recurrent cell", "choices": CELLS})
    fused: bool = field(default=True, metadata={
        "help": "fused torch.nn.{RNN,GRU,LSTM} modules (fast); --no-fused: the lecture's equations "
                "(engine.nn.cells)"})
    peephole: bool = field(default=False, metadata={"help": "LSTM peephole connections (needs --no-fused)"})
    n_layer: int = field(default=2, metadata={"help": "stacked recurrent layers"})
    n_hidden: int = field(default=512, metadata={"help": "hidden size per layer (h_t, and c_t for the LSTM)"})
    n_embd: int = field(default=64, metadata={"help": "character embedding size (x_t)"})
    dropout: float = field(default=0.2, metadata={
        "help": "dropout on the embedding output, between layers and before the head"})
    weight_drop: float = field(default=0.0, metadata={
        "help": "DropConnect on the recurrent weights W (AWD-LSTM's weight drop, Merity et al. 2018): in "
                "training each batch zeroes this fraction of W's entries, the same mask at every time step"})

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, got {self.cell!r}")
        if self.vocab_size is not None and self.vocab_size < 2:
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
        check_vocab_size(config.vocab_size, vocab, filled_from="the data", unit="symbols")
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
        if hidden is None:
            zeros = self.head.weight.new_zeros(cfg.n_layer, token.size(0), cfg.n_hidden)  # (L, B, H)
            hidden = (zeros, zeros) if lstm else zeros
        h0, c0 = hidden if lstm else (hidden, None)
        packed = self._packed_lstm() if lstm and token.device.type == "cpu" else None
        if packed is not None:
            # Each character reads every recurrent weight once, so generation is bound by memory
            # traffic, not arithmetic: fbgemm's fp16 matrix-vector product reads half the bytes and
            # accumulates in fp32. Only used when the weights are exactly fp16 values (the shipped
            # models are stored in fp16), so the probabilities are the fp32 path's to rounding.
            logits, h, c = packed_lstm_step(token, self.embed.weight, h0, c0, packed, self.head.weight,
                                            self.head.bias)
            return logits, (h, c)
        x = self.embed(token)  # (B, E)
        hs, cs = [], []
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
    def prime(self, text: str, batch_size: int = 1, chunk: int = 256) -> tuple[torch.Tensor, Any, torch.Tensor]:
        """Run the prime text once; returns (last token (B,), hidden before it, encoded prime).

        The hidden state returned has consumed everything *except* the last character, so
        feeding that character to :meth:`step` gives the first new character's distribution.
        An empty prime starts as if after a line break (or from the first symbol if the
        vocabulary has no newline).

        Only the recurrence runs: ``h_t`` of every prime character is needed for ``h_{t+1}``, but
        ``o_t = V h_t + c`` is not, so the head is skipped. The prime goes through in chunks of
        ``chunk`` characters carrying ``hidden`` from one to the next, so memory is that of
        one chunk however long the prime (one pass over the whole prime kept its (B, T, H) outputs and
        (B, T, V) logits: about 14 KB per character with the shipped 2x512 LSTM). In training mode the
        embedding dropout applies as in :meth:`forward`, DropConnect on ``W`` does not: priming is for
        generation, which runs in eval mode. The same numbers as one pass::

            >>> import torch
            >>> from engine.lm.model import CharLM, CharLMConfig
            >>> from engine.data import CharVocab
            >>> vocab = CharVocab.from_text("to be or not to be")
            >>> model = CharLM(CharLMConfig(vocab_size=len(vocab), n_layer=1, n_hidden=8, n_embd=4), vocab).eval()
            >>> token, (h, c), ids = model.prime("to be or not to be" * 40)  # 720 characters: 3 chunks
            >>> with torch.no_grad():
            ...     _, _, (h1, c1) = model(ids[None, :-1])                    # one pass, head included
            >>> torch.allclose(h, h1, atol=1e-6) and torch.allclose(c, c1, atol=1e-6)
            True
        """
        vocab = self._need_vocab()
        device = self.head.weight.device
        ids = vocab.encode(text) if text else [vocab.encode("\n")[0] if "\n" in vocab else 1]
        prefix = torch.tensor(ids, dtype=torch.long, device=device)  # (T,)
        hidden = None
        for start in range(0, prefix.size(0) - 1, chunk):  # every character but the last
            part = prefix[start:min(start + chunk, prefix.size(0) - 1)]  # (≤ chunk,)
            x = self.drop(self.embed(part[None].expand(batch_size, -1)))  # (B, ≤ chunk, E)
            _, hidden = self.rnn(x, hidden)  # the chunk's (B, chunk, H) outputs are dropped here
        return prefix[None, -1].expand(batch_size), hidden, prefix

    def _need_vocab(self) -> CharVocab:
        if self.vocab is None:
            raise ValueError("this CharLM has no vocabulary attached; pass vocab= when constructing it")
        return self.vocab


@nogil
def packed_lstm_step(token: torch.Tensor, embed: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor,
                     packed: list[torch.classes.quantized.LinearPackedParamsBase], head_w: torch.Tensor,
                     head_b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One step of a stacked LSTM from fbgemm-packed fp16 weights: ``(logits (B, V), h (L, B, H), c (L, B, H))``.

    ``token`` (B,) is looked up in ``embed`` (vocab, E); layer ``l`` computes ``a = U x + W h(t-1) + b`` with one fp16
    matrix-vector product over ``[x | h]`` and then the gate equations (:func:`~engine.nn.cells.lstm_gates`);
    the head is ``o = V h + c``. Compiled (:mod:`engine.nogil`): one GIL hand-over per character.
    """
    x = F.embedding(token, embed)  # (B, E)
    hs: list[torch.Tensor] = []
    cs: list[torch.Tensor] = []
    for layer, w in enumerate(packed):
        pre = torch.ops.quantized.linear_dynamic_fp16(torch.cat([x, h0[layer]], 1), w)  # U x + W h + b (B, 4H)
        x, c, _, _, _, _ = lstm_gates(pre, c0[layer])  # the gate equations: h_t, c_t, each (B, H)
        hs.append(x)
        cs.append(c)
    return F.linear(x, head_w, head_b), torch.stack(hs), torch.stack(cs)
