"""Neural machine translation: an encoder–decoder LSTM with attention (English → French by default).

The lecture's sequence-to-sequence model, in three parts:

**Encoder.** Source subwords ``x_1..x_S`` (plus ``</s>``) are embedded and read by a stacked
**bidirectional** LSTM (``pack_padded_sequence``: padding is never read). Each position gets an
encoder state ``h̄_s = [→h_s ; ←h_s]`` (forward and backward states concatenated, ``D = 2 H_enc``),
the *memory* the decoder attends to. The top layer's final forward and backward states, mapped by
a small "bridge" layer, initialise the decoder: ``h_0 = tanh(W_h [→h_S ; ←h_1])``, ``c_0 = W_c [...]``.

**Decoder.** An LSTM that writes the translation one subword at a time. At step ``t`` it reads the
previous target word ``y_{t-1}`` (the gold word in training: *teacher forcing*) and updates its
state ``h_t``. With attention (Luong et al. 2015, global attention):

* attention weights ``α_t = softmax_s(score(h_t, h̄_s))`` over the source positions (padding gets 0),
  with the score function ``dot``, ``general`` (multiplicative, Luong) or ``additive`` (Bahdanau),
  see :mod:`engine.nn.attention`;
* context vector ``c_t = Σ_s α_ts h̄_s``;
* attentional state ``h̃_t = tanh(W_c [c_t ; h_t])`` and output ``p(y_t | y_<t, x) = softmax(W_o h̃_t + b)``;
* **input feeding**: ``h̃_{t-1}`` is concatenated to the word embedding at step ``t``, so the decoder
  knows what it attended to before (less repeating and dropping of source words).

Without attention (``attention="none"``) this is the lecture's fixed-vector encoder–decoder
(Sutskever et al. 2014; Cho et al. 2014): the decoder sees the source only through its initial
state, the encoder's final state, a single vector for the whole sentence, and ``h̃_t = h_t``.

**Output layer.** One joint English+French subword vocabulary (:class:`SubwordTokenizer`), so with
``tie_embeddings`` the source embedding, target embedding and output matrix are one matrix
``E`` (``W_o = E`` after a projection ``h̃_t -> (n_embd)``): three-way weight tying.

Training: cross-entropy with label smoothing, padding ignored, optional scheduled sampling
(``teacher_forcing < 1``: with probability ``1 - ratio`` a row is fed the model's own previous
prediction instead of the gold word). Decoding: greedy or beam search from :mod:`engine.decoding`;
the attention weights ride along as the step's ``aux`` output, so beam search returns them for the
chosen hypothesis.

Example::

    >>> import torch
    >>> from engine.seq2seq.model import Translator, TranslatorConfig
    >>> m = Translator(TranslatorConfig(vocab_size=20, n_embd=8, enc_hidden=8, dec_hidden=16, attn_dim=8))
    >>> src = torch.tensor([[5, 6, 7, 3], [8, 9, 3, 0]]); src_len = torch.tensor([4, 3])   # (B, S)
    >>> tgt_in = torch.tensor([[2, 10, 11], [2, 12, 0]]); tgt_out = torch.tensor([[10, 11, 3], [12, 3, 0]])
    >>> logits, loss, _ = m((src, src_len, tgt_in), tgt_out)     # logits (B, T, V)
    >>> tuple(logits.shape), tuple(m.attention_weights(src, src_len, tgt_in).shape)   # α: (B, T, S)
    ((2, 3, 20), (2, 3, 4))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from engine.data.parallel import (
    BOS_ID,
    EOS_ID,
    PAD_ID,
    UNK_ID,
    SubwordTokenizer,
    pad_sources,
)
from engine.data.text import check_vocab_size
from engine.decoding import DecodeConfig, Hypothesis, beam_search, collect_steps, iter_generate
from engine.nn.attention import SCORES, Attention
from engine.nn.cells import lstm_pointwise
from engine.nn.recurrent import make_rnn
from engine.seq2seq.text import Translation, TranslationInputError, combine, prepare_input, to_translation

__all__ = ["ATTENTIONS", "STATE_BATCH_DIM", "Translator", "TranslatorConfig", "TranslatorError"]

ATTENTIONS = ("none", *SCORES)  # none | dot | general | additive
TOKENIZER_FILE = "spm.model"
#: Where the batch dimension is in the decoder state (for beam search's reordering). The encoder
#: memory has none: beam rows of one sentence stay in its group (row ``b*K + k``), so the memory
#: ``(B, S, D)`` is shared by the ``K`` beams of sentence ``b`` instead of being copied per beam.
STATE_BATCH_DIM = {"h": 0, "c": 0, "feed": 0, "memory": None, "keys": None, "mask": None}

MAX_OUTPUT_PIECES = 200  # the hard max-length guard of decoding


class TranslatorError(ValueError):
    """The translator cannot run (no tokenizer attached, no attention to show, ...)."""


@dataclass
class TranslatorConfig:
    """The translator's architecture. Each field is declared once, here: ``python -m engine train translator``
    generates its flags from these fields (``enc_hidden`` -> ``--enc-hidden``).

    Sizes follow the char-LM's names (``n_embd``, ``attn_dim``), except that there are two recurrent
    networks of different shapes, an encoder (bidirectional by default) and a decoder, so their sizes
    are ``enc_hidden``/``enc_layers`` and ``dec_hidden``/``dec_layers`` rather than one ``n_hidden``/``n_layer``.
    One embedding size serves both (one joint vocabulary, embeddings tied by default). ``vocab_size``
    is known only once the tokenizer is trained: settings leave it ``None`` and the recipe fills it in.
    """

    vocab_size: int | None = field(default=None, metadata={"help": "subwords in the joint vocabulary (from the "
                                                                   "tokenizer)"})
    n_embd: int = field(default=256, metadata={"help": "subword embedding size"})
    enc_hidden: int = field(default=256, metadata={"help": "encoder LSTM size per direction"})
    enc_layers: int = field(default=2, metadata={"help": "encoder LSTM layers"})
    bidirectional: bool = field(default=True, metadata={
        "help": "bidirectional encoder; --no-bidirectional: left to right (for comparison)"})
    dec_hidden: int = field(default=512, metadata={"help": "decoder LSTM size"})
    dec_layers: int = field(default=1, metadata={"help": "decoder LSTM layers"})
    attention: str = field(default="general", metadata={
        "help": "score function (dot/general: Luong multiplicative; additive: Bahdanau; none: the fixed-vector "
                "encoder-decoder)", "choices": ATTENTIONS})
    attn_dim: int = field(default=256, metadata={"help": "hidden size of the additive attention score"})
    input_feed: bool = field(default=True, metadata={
        "help": "feed the attentional state h~_{t-1} back to the decoder at step t (attention only)"})
    tie_embeddings: bool = field(default=True, metadata={
        "help": "one matrix for the source embedding, the target embedding and the output layer"})
    dropout: float = field(default=0.2, metadata={"help": "dropout on embeddings, between layers, before the output"})
    label_smoothing: float = field(default=0.1, metadata={"help": "label smoothing of the training loss"})
    teacher_forcing: float = field(default=1.0, metadata={
        "help": "probability of feeding the gold previous word (below 1: scheduled sampling)"})
    src_lang: str = field(default="en", metadata={"help": "source language (from the data's direction)"})
    tgt_lang: str = field(default="fr", metadata={"help": "target language (from the data's direction)"})

    def __post_init__(self) -> None:
        if self.vocab_size is not None and self.vocab_size < 5:
            raise ValueError("vocab_size must be >= 5 (4 special tokens + at least one word)")
        if self.attention not in ATTENTIONS:
            raise ValueError(f"attention must be one of {ATTENTIONS}, got {self.attention!r}")
        if min(self.n_embd, self.enc_hidden, self.enc_layers, self.dec_hidden, self.dec_layers, self.attn_dim) < 1:
            raise ValueError("sizes and layer counts must be >= 1")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError("dropout must be in [0, 1)")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ValueError("label_smoothing must be in [0, 1)")
        if not 0.0 <= self.teacher_forcing <= 1.0:
            raise ValueError("teacher_forcing must be in [0, 1]")
        if self.attention == "dot" and self.dec_hidden != self.memory_dim:
            raise ValueError(f"dot attention needs dec_hidden == encoder output size ({self.memory_dim}); "
                             f"got dec_hidden={self.dec_hidden}")

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def memory_dim(self) -> int:
        """Size ``D`` of an encoder state ``h̄_s``."""
        return self.directions * self.enc_hidden


class Translator(nn.Module):
    kind = "translator"  # its name in checkpoints (engine.train.checkpoint.MODEL_KINDS)
    config_class = TranslatorConfig

    def __init__(self, config: TranslatorConfig, tokenizer: SubwordTokenizer | None = None):
        super().__init__()
        check_vocab_size(config.vocab_size, tokenizer, filled_from="the tokenizer", unit="pieces", name="tokenizer")
        self.config = config
        self.tokenizer = tokenizer
        c = config
        V, E, Hd = c.vocab_size, c.n_embd, c.dec_hidden
        self.embed = nn.Embedding(V, E, padding_idx=PAD_ID)  # source (and target, when tied) embedding
        self.embed_tgt_own = None if c.tie_embeddings else nn.Embedding(V, E, padding_idx=PAD_ID)
        self.drop = nn.Dropout(c.dropout)
        # encoder: stacked (bi)LSTM over the source
        self.encoder = make_rnn("lstm", E, c.enc_hidden, num_layers=c.enc_layers, bidirectional=c.bidirectional,
                                dropout=c.dropout if c.enc_layers > 1 else 0.0, fused=True)
        # bridge: encoder final state -> decoder initial state (every decoder layer)
        self.bridge_h = nn.Linear(c.memory_dim, c.dec_layers * Hd)
        self.bridge_c = nn.Linear(c.memory_dim, c.dec_layers * Hd)
        # decoder: LSTM cells stepped one target word at a time
        feed = Hd if self.uses_input_feed else 0
        self.cells = nn.ModuleList(
            [nn.LSTMCell(E + feed if i == 0 else Hd, Hd) for i in range(c.dec_layers)])
        if c.attention != "none":
            self.attn: Attention | None = Attention(c.attention, Hd, c.memory_dim, c.attn_dim)
            self.combine = nn.Linear(c.memory_dim + Hd, Hd, bias=False)  # h̃_t = tanh(W_c [c_t ; h_t])
        else:
            self.attn = None
        # output layer: logits = W_o pre(h̃_t) + b, W_o = the embedding matrix when tied
        self.pre = nn.Linear(Hd, E) if c.tie_embeddings else nn.Identity()
        self.out_weight = None if c.tie_embeddings else nn.Parameter(torch.empty(V, Hd))
        self.out_bias = nn.Parameter(torch.zeros(V))
        if self.out_weight is not None:
            nn.init.normal_(self.out_weight, std=Hd ** -0.5)
        nn.init.normal_(self.embed.weight, std=E ** -0.5)
        with torch.no_grad():
            self.embed.weight[PAD_ID].zero_()

    # ------------------------------------------------------------------ checkpoint hooks
    @classmethod
    def from_checkpoint(cls, config: TranslatorConfig, meta: dict) -> Translator:
        folder = meta.get("checkpoint_dir")
        tokenizer = None
        if folder and (Path(folder) / TOKENIZER_FILE).is_file():
            tokenizer = SubwordTokenizer.load(Path(folder) / TOKENIZER_FILE)
        return cls(config, tokenizer)

    def checkpoint_meta(self) -> dict:
        return {"tokenizer": TOKENIZER_FILE if self.tokenizer is not None else None,
                "direction": f"{self.config.src_lang}-{self.config.tgt_lang}"}

    def checkpoint_files(self) -> dict[str, bytes]:
        """Files saved next to the weights: the sentencepiece model, so the checkpoint is self-contained."""
        return {TOKENIZER_FILE: self.tokenizer.model_proto} if self.tokenizer is not None else {}

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @property
    def uses_input_feed(self) -> bool:
        return self.config.input_feed and self.config.attention != "none"

    @property
    def embed_tgt(self) -> nn.Embedding:
        return self.embed if self.embed_tgt_own is None else self.embed_tgt_own

    # ------------------------------------------------------------------ encoder
    def encode(self, src: torch.Tensor, src_len: torch.Tensor) -> dict[str, Any]:
        """Read the source; return the decoder's initial state (which holds the encoder memory).

        ``src`` (B, S) ids ending with ``</s>`` and right-padded; ``src_len`` (B,) true lengths.
        """
        B, S = src.shape
        x = self.drop(self.embed(src))  # (B, S, E)
        packed = pack_padded_sequence(x, src_len.cpu(), batch_first=True, enforce_sorted=False)
        out, (h_n, c_n) = self.encoder(packed)  # h_n, c_n: (L*dirs, B, H_enc)
        memory, _ = pad_packed_sequence(out, batch_first=True, total_length=S)  # (B, S, D)
        mask = torch.arange(S, device=src.device)[None, :] < src_len.to(src.device)[:, None]  # (B, S)
        c = self.config

        def top(state: torch.Tensor) -> torch.Tensor:  # top layer's final states, directions concatenated
            return state.view(c.enc_layers, c.directions, B, c.enc_hidden)[-1].transpose(0, 1).reshape(B, -1)

        h0 = torch.tanh(self.bridge_h(top(h_n))).view(B, c.dec_layers, c.dec_hidden)  # (B, L_dec, H)
        c0 = self.bridge_c(top(c_n)).view(B, c.dec_layers, c.dec_hidden)
        return {
            "h": tuple(h0[:, i].contiguous() for i in range(c.dec_layers)),  # each (B, H)
            "c": tuple(c0[:, i].contiguous() for i in range(c.dec_layers)),
            "feed": memory.new_zeros(B, c.dec_hidden),  # h̃_0 = 0
            "memory": memory,  # (B, S, D) encoder states h̄_s
            "keys": self.attn.keys(memory) if self.attn is not None else None,
            "mask": mask,
        }

    # ------------------------------------------------------------------ decoder
    def decoder_step(self, y_prev: torch.Tensor | None, state: dict[str, Any], emb: torch.Tensor | None = None,
                     fast: dict[str, Any] | None = None) -> tuple[torch.Tensor, dict[str, Any], torch.Tensor | None]:
        """One decoder step: previous words ``y_prev`` (N,) -> ``(h̃_t (N, H), new state, α_t (N, S) or None)``.

        ``N = B * K`` rows for ``K`` beams per source sentence (rows ``b*K .. b*K+K-1`` belong to
        sentence ``b``); the memory stays ``(B, S, D)``. ``emb`` (N, E): the previous words' embeddings
        already looked up (and dropped out), instead of ``y_prev``. ``fast``: the transposed weights of
        :meth:`inference_weights` (decoding only: same result, faster for a few rows).
        """
        x = self.drop(self.embed_tgt(y_prev)) if emb is None else emb  # (N, E)
        if self.uses_input_feed:
            x = torch.cat([x, state["feed"]], dim=-1)  # input feeding: [y_{t-1} ; h̃_{t-1}]
        hs, cs = [], []
        for i, cell in enumerate(self.cells):
            if fast is None:
                h, c = cell(x, (state["h"][i], state["c"][i]))  # (N, H)
            else:
                h, c = _lstm_cell_t(x, state["h"][i], state["c"][i], *fast["cells"][i])
            hs.append(h)
            cs.append(c)
            x = self.drop(h)
        h_t = hs[-1]  # (N, H)
        alpha = None
        if self.attn is None:
            h_tilde = h_t
        else:
            memory = state["memory"]
            B, N = memory.size(0), h_t.size(0)
            ctx, alpha, _ = self.attn(h_t.view(B, N // B, -1), state["keys"], memory, state["mask"])  # (B, K, D)
            ctx, alpha = ctx.reshape(N, -1), alpha.reshape(N, -1)  # (N, D), (N, S)
            both = torch.cat([ctx, h_t], dim=-1)  # (N, D + H)
            h_tilde = torch.tanh(self.combine(both) if fast is None else both @ fast["combine"])  # (N, H)
        new_state = {**state, "h": tuple(hs), "c": tuple(cs), "feed": h_tilde}
        return h_tilde, new_state, alpha

    @torch.no_grad()
    def inference_weights(self) -> dict[str, Any]:
        """Transposed, contiguous copies of the decoder's matrices for decoding (cached).

        A decoding step multiplies a few rows (one per beam) by big matrices, so it is limited by
        reading the weights; ``x @ W_t`` with ``W_t = Wᵀ`` stored contiguously reads them in order and
        is about 1.5x faster on a CPU than ``x @ Wᵀ`` on the training layout. Values are identical.
        The copies are remade whenever a parameter changes (optimizer step, load, device move).
        """
        key = tuple((p.data_ptr(), p._version) for p in self.parameters())
        cached = self.__dict__.get("_inference_cache")
        if cached is not None and cached[0] == key:
            return cached[1]
        cells = [(torch.cat([c.weight_ih, c.weight_hh], 1).t().contiguous(), c.bias_ih + c.bias_hh)
                 for c in self.cells]
        out = self.embed.weight if self.out_weight is None else self.out_weight
        weights = {"cells": cells, "out": out.t().contiguous(),
                   "combine": self.combine.weight.t().contiguous() if self.attn is not None else None,
                   "pre": (self.pre.weight.t().contiguous(), self.pre.bias) if isinstance(self.pre, nn.Linear)
                   else None}
        self.__dict__["_inference_cache"] = (key, weights)
        return weights

    def project(self, h_tilde: torch.Tensor, fast: dict[str, Any] | None = None) -> torch.Tensor:
        """Output layer: ``h̃ (..., H) -> logits (..., V)``."""
        if fast is not None:  # decoding: (N, H) rows, no dropout
            z = h_tilde if fast["pre"] is None else torch.addmm(fast["pre"][1], h_tilde, fast["pre"][0])
            return torch.addmm(self.out_bias, z, fast["out"])
        z = self.pre(self.drop(h_tilde))
        weight = self.embed.weight if self.out_weight is None else self.out_weight
        return F.linear(z, weight, self.out_bias)

    def _teacher_forced(self, state: dict[str, Any], tgt_in: torch.Tensor, ratio: float,
                        keep_attention: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Run the decoder over ``tgt_in`` (B, T): ``(logits (B, T, V), α (B, T, S) or None)``."""
        B, T = tgt_in.shape
        # all gold embeddings in one lookup: one (V, E) gradient instead of one per step
        gold = self.drop(self.embed_tgt(tgt_in))  # (B, T, E)
        outs, step_logits, alphas = [], [], []
        for t in range(T):
            x = gold[:, t]  # (B, E)
            if t > 0 and ratio < 1.0:  # scheduled sampling: some rows get the model's own previous word
                own = self.drop(self.embed_tgt(step_logits[-1].detach().argmax(-1)))
                x = torch.where((torch.rand(B, device=x.device) < ratio)[:, None], x, own)
            h_tilde, state, alpha = self.decoder_step(None, state, emb=x)
            outs.append(h_tilde)
            if ratio < 1.0:
                step_logits.append(self.project(h_tilde))
            if keep_attention and alpha is not None:
                alphas.append(alpha)
        logits = torch.stack(step_logits, 1) if ratio < 1.0 else self.project(torch.stack(outs, 1))  # (B, T, V)
        return logits, (torch.stack(alphas, 1) if alphas else None)

    def forward(self, inputs: tuple[torch.Tensor, torch.Tensor, torch.Tensor], targets: torch.Tensor | None = None,
                state: Any = None) -> tuple[torch.Tensor, torch.Tensor | None, None]:
        """``inputs = (src (B, S), src_len (B,), tgt_in (B, T))`` -> ``(logits (B, T, V), loss, None)``.

        The loss is the mean cross-entropy per target token (padding ignored), with label smoothing
        in training; in eval mode it is the plain negative log-likelihood (nats/token).
        """
        src, src_len, tgt_in = inputs
        enc = self.encode(src, src_len)
        ratio = self.config.teacher_forcing if self.training else 1.0
        logits, _ = self._teacher_forced(enc, tgt_in, ratio)
        loss = None
        if targets is not None:
            smoothing = self.config.label_smoothing if self.training else 0.0
            loss = F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1),
                                   ignore_index=PAD_ID, label_smoothing=smoothing)
        return logits, loss, None

    @torch.no_grad()
    def attention_weights(self, src: torch.Tensor, src_len: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Teacher-forced attention weights ``α`` (B, T, S) for a given target (e.g. a reference)."""
        if self.attn is None:
            raise TranslatorError("this model has no attention (attention='none')")
        _, alpha = self._teacher_forced(self.encode(src, src_len), tgt_in, 1.0, keep_attention=True)
        return alpha

    # ------------------------------------------------------------------ decoding ids
    def _never_generated(self) -> list[int]:
        """Ids decoding may not produce: ``<pad>``, ``<unk>``, ``<s>`` and the byte-fallback pieces
        (never training targets; a lone byte would decode to U+FFFD)."""
        ids = [PAD_ID, UNK_ID, BOS_ID]
        if self.tokenizer is not None:
            cached = self.__dict__.get("_byte_ids")
            if cached is None or cached[0] is not self.tokenizer:
                cached = (self.tokenizer, [i for i in range(len(self.tokenizer)) if self.tokenizer.sp.is_byte(i)])
                self.__dict__["_byte_ids"] = cached
            ids += cached[1]
        return ids

    def _step_fn(self):
        banned = torch.tensor(self._never_generated(), dtype=torch.long, device=self.out_bias.device)
        fast = self.inference_weights()

        def step(tokens: torch.Tensor, state: dict[str, Any]):
            h_tilde, state, alpha = self.decoder_step(tokens, state, fast=fast)
            logits = self.project(h_tilde, fast)  # (N, V)
            logits[:, banned] = float("-inf")
            return logits, state, alpha

        return step

    @torch.no_grad()
    def translate_ids(self, sources: Sequence[Sequence[int]], method: str = "beam", beam_width: int = 5,
                      n_best: int = 1, length_penalty: float = 0.6, max_len: int | None = None,
                      ) -> list[list[Hypothesis]]:
        """Decode a batch of source id lists (without ``</s>``; it is added) in one go.

        Returns, per source, its n-best :class:`~engine.decoding.Hypothesis` list (best first):
        ``tokens`` end with ``</s>`` when finished; ``aux`` is the ``(len(tokens), len(source) + 1)``
        attention matrix (``None`` without attention). ``method="greedy"`` returns one hypothesis
        whose ``score`` is its log-probability. ``max_len`` defaults to the max-length guard
        ``min(200, 1.5 * longest source + 10)``.
        """
        if method not in ("greedy", "beam"):
            raise ValueError(f"method must be 'greedy' or 'beam', got {method!r}")
        if not sources:
            return []
        if any(len(s) == 0 for s in sources):
            raise TranslationInputError("translate_ids got an empty source")
        was_training = self.training
        self.eval()
        try:
            device = self.out_bias.device
            src, src_len = pad_sources(sources)
            src, src_len = src.to(device), src_len.to(device)
            state = self.encode(src, src_len)
            B = src.size(0)
            limit = max_len or min(MAX_OUTPUT_PIECES, int(1.5 * int(src_len.max())) + 10)
            start = torch.full((B,), BOS_ID, dtype=torch.long, device=device)
            lengths = src_len.tolist()
            if method == "greedy":
                res = collect_steps(iter_generate(self._step_fn(), start, state, DecodeConfig("greedy", max_len=limit),
                                                  eos_id=EOS_ID, pad_id=PAD_ID))
                out = []
                for b in range(B):
                    n = int(res.lengths[b])
                    aux = res.aux[b, :n, : lengths[b]].float().cpu() if res.aux is not None else None
                    lps = res.logprobs[b, :n].tolist()
                    out.append([Hypothesis(tokens=res.tokens[b, :n].tolist(), score=sum(lps), logprob=sum(lps),
                                           token_logprobs=lps, finished=bool(res.finished[b]), aux=aux)])
                return out
            cfg = DecodeConfig("beam", beam_width=beam_width, n_best=n_best, length_penalty=length_penalty,
                               max_len=limit)
            hyps = beam_search(self._step_fn(), start, state, cfg, EOS_ID, batch_dim=STATE_BATCH_DIM)
            return [[Hypothesis(tokens=h.tokens, score=h.score, logprob=h.logprob, token_logprobs=h.token_logprobs,
                                finished=h.finished,
                                aux=h.aux[:, : lengths[b]].float().cpu() if h.aux is not None else None)
                     for h in row] for b, row in enumerate(hyps)]
        finally:
            self.train(was_training)

    # ------------------------------------------------------------------ text in, text out
    def _need_tokenizer(self) -> SubwordTokenizer:
        if self.tokenizer is None:
            raise TranslatorError("this translator has no tokenizer attached (spm.model missing from its "
                                  "checkpoint folder?); use translate_ids() or pass tokenizer=")
        return self.tokenizer

    @torch.no_grad()
    def translate(self, sentences: str | Sequence[str], method: str = "beam", beam_width: int = 5, n_best: int = 1,
                  length_penalty: float = 0.6, batch_size: int = 32, max_len: int | None = None) -> list[Translation]:
        """Translate one string or a list of strings; returns one :class:`Translation` per input.

        ``method``: ``"greedy"`` or ``"beam"`` (``beam_width`` hypotheses, ``n_best <= beam_width``
        returned, scores length-normalised with GNMT's ``lp = ((5+L)/6)^length_penalty``).
        Inputs are sorted by length and decoded ``batch_size`` at a time.

        Never crashes on text: an empty input gives an empty translation with a note; a very long one
        is split into sentences and capped; characters the tokenizer has never seen are removed; an
        all-capitals input is translated in sentence case. Each such step is listed in ``notes``.
        A non-string input raises :class:`TranslationInputError`.
        """
        if isinstance(sentences, str):
            sentences = [sentences]
        try:
            sentences = list(sentences)
        except TypeError:
            raise TranslationInputError(f"expected a string or a list of strings, got {type(sentences).__name__}"
                                        ) from None
        batch_size = max(1, int(batch_size))
        if method not in ("greedy", "beam"):
            raise TranslationInputError(f"method must be 'greedy' or 'beam', got {method!r}")
        if method == "beam" and not 1 <= n_best <= beam_width:
            raise TranslationInputError(f"need 1 <= n_best ({n_best}) <= beam_width ({beam_width})")
        tok = self._need_tokenizer()
        prepared = [prepare_input(i, s, tok) for i, s in enumerate(sentences)]
        segments = [seg for segs, _ in prepared for seg in segs]
        order = sorted(range(len(segments)), key=lambda i: -len(segments[i].ids))
        decoded: dict[int, list[Hypothesis]] = {}
        for k in range(0, len(order), batch_size):
            chunk = order[k:k + batch_size]
            hyps = self.translate_ids([segments[i].ids for i in chunk], method, beam_width, n_best,
                                      length_penalty, max_len)
            decoded.update(zip(chunk, hyps))
        results: list[Translation] = []
        seg_index = 0
        for i, (segs, notes) in enumerate(prepared):
            parts = []
            for seg in segs:
                parts.append(to_translation(seg, decoded[seg_index], tok))
                seg_index += 1
            results.append(combine(sentences[i], parts, notes))
        return results


def _lstm_cell_t(x: torch.Tensor, h: torch.Tensor, c: torch.Tensor, w_t: torch.Tensor, b: torch.Tensor
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """``nn.LSTMCell`` with weights ``w_t = [W_ih, W_hh]ᵀ`` (in + H, 4H): gates i, f, g, o as in torch."""
    pre = torch.addmm(b, torch.cat([x, h], dim=-1), w_t)  # U x + W h + b   (N, 4H)
    return lstm_pointwise(pre, c)  # h_t, c_t   (N, H) each
