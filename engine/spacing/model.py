"""The spacing tagger: embedding -> unidirectional or bidirectional LSTM/GRU -> one logit per character.

The lecture's many-to-many *synced* RNN: at each step ``t`` the character ``x_t`` goes in and one output comes
out, ``o_t = V h_t + c``, here a single number whose sigmoid is P(a space follows character ``t``).

* Unidirectional: ``h_t`` is the forward state only, computed from ``x_1 .. x_t``: the model must decide
  before it has seen the next character.
* Bidirectional (the notes' 양방향 RNN): a forward RNN reads ``x_1 .. x_t`` into ``h_t^f`` and a backward RNN
  reads ``x_T .. x_t`` into ``h_t^b``; the output sees both, ``o_t = V [h_t^f ; h_t^b] + c``.

The recurrence is the engine's fused ``LSTM``/``GRU`` (:mod:`engine.nn.fused`); padded batches are packed,
so a padded row gives the same numbers as the sentence alone (the backward RNN starts at the last real
character, not at the padding).

Worked example::

    >>> import torch
    >>> from engine.data.text import CharVocab
    >>> vocab = CharVocab.from_text("to be or not")
    >>> model = SpacingTagger(SpacingConfig(vocab_size=len(vocab), n_hidden=8, n_embd=4, n_layer=1), vocab)
    >>> idx = vocab.tensor("tobe")[None]                   # (B=1, T=4)
    >>> logits, loss, _ = model(idx, torch.tensor([[0, 1, 0, 0]]))
    >>> logits.shape                                        # one logit per character
    torch.Size([1, 4])
    >>> fwd, bwd = model.states(idx)                        # h^f (1, 4, 8) and h^b (1, 4, 8) of the top layer
    >>> fwd.shape, bwd.shape
    (torch.Size([1, 4, 8]), torch.Size([1, 4, 8]))
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from engine.data.text import CharVocab, check_vocab_size
from engine.nn.fused import GRU, LSTM

__all__ = ["SpacingConfig", "SpacingTagger", "IGNORE"]

CELLS = ("lstm", "gru")
#: Target value of padding positions: no loss there.
IGNORE = -1


@dataclass
class SpacingConfig:
    """The tagger's architecture; ``python -m engine train spacing`` generates its flags from these fields."""

    vocab_size: int | None = field(default=None, metadata={"help": "characters in the vocabulary (from the data)"})
    cell: str = field(default="lstm", metadata={"help": "recurrent cell", "choices": CELLS})
    bidirectional: bool = field(default=True, metadata={
        "help": "a forward and a backward RNN (양방향 RNN); --no-bidirectional: left to right only"})
    n_layer: int = field(default=2, metadata={"help": "stacked recurrent layers"})
    n_hidden: int = field(default=64, metadata={"help": "hidden size per direction"})
    n_embd: int = field(default=32, metadata={"help": "character embedding size (x_t)"})
    dropout: float = field(default=0.1, metadata={"help": "dropout on the embedding, between layers, before V"})

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, got {self.cell!r}")
        if self.vocab_size is not None and self.vocab_size < 2:
            raise ValueError("vocab_size must be >= 2")
        if min(self.n_layer, self.n_hidden, self.n_embd) < 1:
            raise ValueError("n_layer, n_hidden and n_embd must be >= 1")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError("dropout must be in [0, 1)")


class SpacingTagger(nn.Module):
    kind = "spacing"  # its name in checkpoints (engine.train.checkpoint.MODEL_KINDS)
    config_class = SpacingConfig

    def __init__(self, config: SpacingConfig, vocab: CharVocab | None = None):
        super().__init__()
        check_vocab_size(config.vocab_size, vocab, filled_from="the data", unit="characters")
        self.config = config
        self.vocab = vocab
        self.embed = nn.Embedding(config.vocab_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        rnn = LSTM if config.cell == "lstm" else GRU
        self.rnn = rnn(config.n_embd, config.n_hidden, num_layers=config.n_layer, batch_first=True,
                       bidirectional=config.bidirectional, dropout=config.dropout if config.n_layer > 1 else 0.0)
        self.head = nn.Linear(config.n_hidden * (2 if config.bidirectional else 1), 1)  # o_t = V h_t + c

    @classmethod
    def from_checkpoint(cls, config: SpacingConfig, meta: dict) -> SpacingTagger:
        chars = meta.get("vocab")
        return cls(config, CharVocab(chars) if chars else None)

    def checkpoint_meta(self) -> dict:
        return {"vocab": self.vocab.chars} if self.vocab is not None else {}

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def hidden(self, inputs) -> torch.Tensor:
        """Top-layer states ``(B, T, H)`` (``(B, T, 2H)``: ``[h^f ; h^b]`` when bidirectional).

        ``inputs`` is ``idx`` (B, T) or ``(idx, lengths)`` for a padded batch (lengths (B,), padding after).
        """
        idx, lengths = inputs if isinstance(inputs, (tuple, list)) else (inputs, None)
        x = self.drop(self.embed(idx))  # (B, T, E)
        if lengths is None:
            out, _ = self.rnn(x)
            return out
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        return pad_packed_sequence(out, batch_first=True, total_length=idx.size(1))[0]

    def forward(self, inputs, targets: torch.Tensor | None = None, state=None):
        """``inputs`` (see :meth:`hidden`) -> ``(logits (B, T), loss or None, None)``.

        ``targets`` (B, T): 1 = a space follows, 0 = none, :data:`IGNORE` = padding. The loss is the mean
        binary cross-entropy over the real characters. ``state`` is accepted for the trainer and unused.
        """
        logits = self.head(self.drop(self.hidden(inputs))).squeeze(-1)  # (B, T)
        loss = None
        if targets is not None:
            mask = targets != IGNORE
            loss = F.binary_cross_entropy_with_logits(logits.float()[mask], targets[mask].float())
        return logits, loss, None

    @torch.no_grad()
    def states(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(h^f, h^b)`` of the top layer for ``idx`` (B, T): each (B, T, H); ``h^b`` is None when unidirectional."""
        out = self.hidden(idx)
        h = self.config.n_hidden
        return (out[..., :h], out[..., h:]) if self.config.bidirectional else (out, None)
