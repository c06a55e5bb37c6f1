"""A many-to-one recurrent classifier: read the whole review, then say one class.

The lecture's many-to-one RNN: the tokens x(1), ..., x(T) are read one at a time,

    h(t) = f(U x(t) + W h(t-1) + b)         (an LSTM or GRU cell here, the gates inside f)
    o    = V pool(h(1), ..., h(T)) + c       (one output, after the last token)
    P(class) = softmax(o)

``pool`` is ``last`` (the final state h(T); with ``bidirectional`` the forward h(T) and the backward
h(1) side by side), ``max`` (the largest value of each unit over time), ``mean``, or ``max-mean`` (the max- and
the mean-pooled vectors side by side, so V has twice the columns).

**Inputs: one-hot or embedding.** With ``inputs="one-hot"`` x(t) is the one-hot vector of token k,
so U x(t) is simply column k of U: the model looks the column up instead of multiplying a V-long
vector that is zero but for one entry (the same numbers; a test checks it against the dense product).
No two tokens share anything: "great" and "excellent" are as far apart as "great" and "awful".
With ``inputs="embedding"`` x(t) = E[k] is a learned dense vector of ``n_embd`` numbers, shared by
all gates, so similar tokens can get similar vectors (and the model has far fewer parameters).

    >>> import torch
    >>> m = SentimentClassifier(SentimentConfig(vocab_size=50, n_embd=8, n_hidden=6))
    >>> ids, lengths = torch.tensor([[5, 6, 7], [8, 9, 0]]), torch.tensor([3, 2])
    >>> logits, loss, _ = m((ids, lengths), torch.tensor([1, 0]))
    >>> tuple(logits.shape), loss.ndim
    ((2, 2), 0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from engine.data.parallel import PAD_ID, SubwordTokenizer
from engine.data.text import check_vocab_size
from engine.nn.recurrent import make_rnn
from engine.sentiment.data import LABELS, LANGS, prepare_text

__all__ = ["SentimentConfig", "SentimentClassifier", "SentimentInputError", "TOKENIZER_FILE", "MAX_PIECES",
           "Prediction"]

TOKENIZER_FILE = "spm.model"
MAX_PIECES = 256  # the longest input a model reads (pieces); longer texts are cut, and the page says so
POOLINGS = ("last", "max", "mean", "max-mean")
INPUTS = ("embedding", "one-hot")


class SentimentInputError(ValueError):
    """A text the classifier cannot read: empty, or nothing left after tokenisation."""


@dataclass
class SentimentConfig:
    """The classifier's settings (``train sentiment`` flags are generated from these fields)."""

    vocab_size: int | None = None  # filled in from the tokenizer
    lang: str = field(default="en", metadata={"help": "language of the texts", "choices": LANGS})
    inputs: str = field(default="embedding", metadata={
        "help": "x(t) as a learned embedding or as a one-hot vector", "choices": INPUTS})
    n_embd: int = field(default=80, metadata={"help": "embedding size (inputs=embedding)"})
    cell: str = field(default="lstm", metadata={"help": "recurrent cell", "choices": ("lstm", "gru")})
    n_hidden: int = field(default=128, metadata={"help": "hidden units per direction"})
    n_layer: int = field(default=1, metadata={"help": "stacked recurrent layers"})
    bidirectional: bool = field(default=True, metadata={"help": "read the text in both directions"})
    pooling: str = field(default="max", metadata={"help": "how the states become one vector", "choices": POOLINGS})
    dropout: float = field(default=0.4, metadata={"help": "dropout on the inputs and on the pooled vector"})
    label_smoothing: float = field(default=0.0, metadata={
        "help": "training loss: cross-entropy against (1 - e) one-hot + e uniform (0: plain cross-entropy)"})
    members: int = field(default=1, metadata={
        "help": "independent recurrent readers (each its own LSTM and V, c) over one shared embedding, "
                "each trained as a classifier of its own; P(class) is the average of their probabilities"})
    own_embeddings: bool = field(default=False, metadata={
        "help": "with members > 1: each member reads its own n_embd columns of the embedding table (fully "
                "independent readers) instead of one shared n_embd-dim embedding"})
    n_classes: int = 2

    def __post_init__(self) -> None:
        for name, allowed in (("lang", LANGS), ("inputs", INPUTS), ("pooling", POOLINGS), ("cell", ("lstm", "gru"))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if min(self.n_embd, self.n_hidden, self.n_layer) < 1 or not 0 <= self.dropout < 1:
            raise ValueError("n_embd, n_hidden, n_layer must be >= 1 and dropout in [0, 1)")
        if self.members < 1:
            raise ValueError("members must be >= 1")
        if not 0 <= self.label_smoothing < 1:
            raise ValueError("label_smoothing must be in [0, 1)")

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1


@dataclass
class Prediction:
    """One text's class: ``label`` (``"positive"``/``"negative"``), ``probs`` per class, the pieces read."""

    text: str
    label: str
    probs: list[float]
    pieces: list[str]
    truncated: bool


class SentimentClassifier(nn.Module):
    kind = "sentiment"  # its name in checkpoints (engine.train.checkpoint.MODEL_KINDS)
    config_class = SentimentConfig

    def __init__(self, config: SentimentConfig, tokenizer: SubwordTokenizer | None = None):
        super().__init__()
        check_vocab_size(config.vocab_size, tokenizer, filled_from="the tokenizer", unit="pieces", name="tokenizer")
        self.config, self.tokenizer = config, tokenizer
        c = config
        gates = {"lstm": 4, "gru": 3}[c.cell] * c.n_hidden  # rows of U: one block per gate
        if c.inputs == "embedding":
            self.embed = nn.Embedding(c.vocab_size, c.n_embd * (c.members if c.own_embeddings else 1),
                                      padding_idx=PAD_ID)
            rnn_in = c.n_embd
        else:  # one-hot: the embedding *is* U, one column per token and direction (see the module docstring)
            self.embed = nn.Embedding(c.vocab_size, gates * c.directions, padding_idx=PAD_ID)
            rnn_in = gates * c.directions
        self.drop = nn.Dropout(c.dropout)
        self.rnn = make_rnn(c.cell, rnn_in, c.n_hidden, num_layers=c.n_layer, bidirectional=c.bidirectional,
                            dropout=c.dropout if c.n_layer > 1 else 0.0)
        if c.inputs == "one-hot":  # U x(t) already looked up: the recurrence adds it as it is
            for d, suffix in enumerate(["", "_reverse"][: c.directions]):
                weight = getattr(self.rnn, f"weight_ih_l0{suffix}")
                with torch.no_grad():
                    weight.zero_()
                    weight[:, d * gates:(d + 1) * gates] = torch.eye(gates)
                weight.requires_grad_(False)
        pooled = c.n_hidden * c.directions * (2 if c.pooling == "max-mean" else 1)
        self.head = nn.Linear(pooled, c.n_classes)  # V and c
        # members 2..M of an ensemble: their own recurrence and head over the shared embedding (member 1 is
        # rnn/head above, so a one-member model keeps the plain layout)
        self.more_rnns = nn.ModuleList(
            make_rnn(c.cell, rnn_in, c.n_hidden, num_layers=c.n_layer, bidirectional=c.bidirectional,
                     dropout=c.dropout if c.n_layer > 1 else 0.0) for _ in range(c.members - 1))
        self.more_heads = nn.ModuleList(nn.Linear(pooled, c.n_classes) for _ in range(c.members - 1))
        if c.inputs == "one-hot" and c.members > 1:
            raise ValueError("members > 1 needs inputs=embedding")

    # ------------------------------------------------------------------ checkpoint hooks
    @classmethod
    def from_checkpoint(cls, config: SentimentConfig, meta: dict) -> SentimentClassifier:
        """The classifier with the ``spm.model`` saved next to its weights (none if the file is missing)."""
        spm = Path(meta.get("checkpoint_dir") or "", TOKENIZER_FILE)
        return cls(config, SubwordTokenizer.load(spm) if meta.get("checkpoint_dir") and spm.is_file() else None)

    def checkpoint_meta(self) -> dict:
        return {"tokenizer": TOKENIZER_FILE if self.tokenizer is not None else None, "labels": list(LABELS)}

    def checkpoint_files(self) -> dict[str, bytes]:
        """The sentencepiece model is saved next to the weights, so a checkpoint is self-contained."""
        return {TOKENIZER_FILE: self.tokenizer.model_proto} if self.tokenizer is not None else {}

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    # ------------------------------------------------------------------ the computation
    def input_vectors(self, ids: torch.Tensor) -> torch.Tensor:
        """x(t) for each token: its embedding E[k], or (one-hot inputs) U x(t), the column of U. (B, T, D)"""
        return self.embed(ids)

    def states(self, x: torch.Tensor, lengths: torch.Tensor, member: int = 0) -> torch.Tensor:
        """h(t) for t = 1..T of each text (zeros after its end): (B, T, H * directions); of the first
        member's recurrence unless ``member`` says otherwise."""
        rnn = self.rnn if member == 0 else self.more_rnns[member - 1]
        if self.config.own_embeddings and self.config.members > 1:  # this member's columns of E
            x = x[..., member * self.config.n_embd:(member + 1) * self.config.n_embd]
        packed = pack_padded_sequence(self.drop(x), lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return out

    def pool(self, h: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """One vector per text from its states (``config.pooling``)."""
        T = h.shape[1]
        valid = (torch.arange(T, device=h.device)[None, :] < lengths[:, None].to(h.device))[..., None]
        if self.config.pooling == "max":
            return h.masked_fill(~valid, float("-inf")).amax(dim=1)
        if self.config.pooling == "mean":
            return (h * valid).sum(dim=1) / lengths[:, None].to(h)
        if self.config.pooling == "max-mean":
            return torch.cat([h.masked_fill(~valid, float("-inf")).amax(dim=1),
                              (h * valid).sum(dim=1) / lengths[:, None].to(h)], dim=1)
        H = self.config.n_hidden
        last = h[torch.arange(h.shape[0]), lengths.to(h.device) - 1]  # forward direction: h(T)
        return torch.cat([last[:, :H], h[:, 0, H:]], dim=1) if self.config.bidirectional else last

    def member_logits(self, x: torch.Tensor, lengths: torch.Tensor) -> list[torch.Tensor]:
        """o = V pool(h) + c of each member, from the input vectors x."""
        heads = [self.head, *self.more_heads]
        return [heads[m](self.drop(self.pool(self.states(x, lengths, m), lengths))) for m in range(len(heads))]

    @staticmethod
    def combine(logits: list[torch.Tensor]) -> torch.Tensor:
        """One member: its o. Several: log of the average of their probabilities (so softmax gives that average)."""
        if len(logits) == 1:
            return logits[0]
        logp = torch.stack([o.log_softmax(-1) for o in logits])
        return torch.logsumexp(logp, dim=0) - torch.log(torch.tensor(float(len(logits))))

    def logits_from_inputs(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """o = V pool(h) + c from the input vectors x (so saliency can take gradients with respect to x);
        with several members, the log of their averaged probabilities."""
        return self.combine(self.member_logits(x, lengths))

    def forward(self, inputs: tuple[torch.Tensor, torch.Tensor], targets: torch.Tensor | None = None, state=None):
        """``inputs = (ids (B, T), lengths (B,))`` -> ``(logits (B, classes), loss or None, None)``.

        The loss is the average of the members' own cross-entropies (each member learns to classify
        alone, as independently trained models of an ensemble do; the embedding is shared)."""
        ids, lengths = inputs
        parts = self.member_logits(self.input_vectors(ids), lengths)
        loss = None
        if targets is not None:
            smoothing = self.config.label_smoothing if self.training else 0.0
            loss = sum(F.cross_entropy(o, targets, label_smoothing=smoothing) for o in parts) / len(parts)
        return self.combine(parts), loss, None

    # ------------------------------------------------------------------ texts in, classes out
    def encode(self, text: str) -> tuple[list[int], list[str], bool]:
        """``(ids, pieces, truncated)`` of a raw text (prepared for the model's language, cut at MAX_PIECES).

        Raises :class:`SentimentInputError` for an empty text."""
        if self.tokenizer is None:
            raise SentimentInputError("this classifier has no tokenizer attached (spm.model missing)")
        prepared = prepare_text(text, self.config.lang)
        ids = self.tokenizer.encode(prepared)
        if not ids:
            raise SentimentInputError("the text is empty: type a review")
        return ids[:MAX_PIECES], [self.tokenizer.id_to_piece(i) for i in ids[:MAX_PIECES]], len(ids) > MAX_PIECES

    @torch.no_grad()
    def predict(self, texts: list[str], batch_size: int = 256) -> list[Prediction]:
        """The class and class probabilities of each text (eval mode; the model is not changed)."""
        from engine.sentiment.batches import pad_ids

        was = self.training
        self.eval()
        out: list[Prediction] = []
        try:
            for s in range(0, len(texts), batch_size):
                chunk = [self.encode(t) for t in texts[s:s + batch_size]]
                ids, lengths = pad_ids([c[0] for c in chunk])
                dev = next(self.parameters()).device
                probs = self((ids.to(dev), lengths), None)[0].softmax(-1).cpu()
                for text, (_, pieces, cut), p in zip(texts[s:s + batch_size], chunk, probs):
                    out.append(Prediction(text, LABELS[int(p.argmax())], p.tolist(), pieces, cut))
        finally:
            self.train(was)
        return out
