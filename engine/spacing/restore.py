"""Restore the spaces of a text with a spacing tagger; its per-character probabilities and states.

Spaces are removed first (:func:`engine.spacing.data.strip_spaces`), so a text typed with spaces is scored
against its own spacing. Any Unicode is accepted: characters the model never saw read as the unknown symbol.

    >>> import torch
    >>> from engine.data.text import CharVocab
    >>> from engine.spacing.model import SpacingConfig, SpacingTagger
    >>> vocab = CharVocab.from_text("abc")
    >>> model = SpacingTagger(SpacingConfig(vocab_size=len(vocab), n_hidden=4, n_embd=2, n_layer=1), vocab).eval()
    >>> with torch.no_grad():
    ...     _ = model.head.bias.fill_(5.0)           # a model that puts a space everywhere
    >>> r = restore(model, "ab c")
    >>> r.chars, r.text, r.truncated
    ('abc', 'a b c', False)
    >>> [round(p, 2) for p in r.probs][:2], r.true_labels
    ([0.99, 0.99], [0, 1, 0])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from engine.spacing.data import join_spaces, strip_spaces
from engine.spacing.metrics import SpacingScores, spacing_scores
from engine.spacing.model import SpacingTagger

__all__ = ["MAX_CHARS", "SpacingInputError", "Restoration", "restore", "space_probabilities", "direction_states",
           "predict_labels", "evaluate_spacing", "encode_batch"]

#: The longest input (characters without spaces) restored at once; longer inputs are cut, and say so.
MAX_CHARS = 2000


class SpacingInputError(ValueError):
    """The text cannot be restored (nothing left once the spaces are removed)."""


@dataclass
class Restoration:
    """One restored text: its characters, P(space follows) per character, the labels and the restored text."""

    chars: str
    probs: list[float]
    labels: list[int]
    text: str
    true_labels: list[int]  # the input's own spacing (all 0 when it was typed without spaces)
    truncated: bool


def encode_batch(model: SpacingTagger, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(idx (B, T_max) padded with 0, lengths (B,))`` for texts of characters without spaces."""
    if model.vocab is None:
        raise SpacingInputError("this model has no vocabulary: load it from a checkpoint")
    lengths = torch.tensor([len(t) for t in texts], dtype=torch.long)
    idx = torch.zeros(len(texts), int(lengths.max()) if len(texts) else 0, dtype=torch.long)
    for i, t in enumerate(texts):
        idx[i, : len(t)] = model.vocab.tensor(t)
    return idx, lengths


def _prepare(text: str, max_chars: int) -> tuple[str, list[int], bool]:
    if not isinstance(text, str):
        raise SpacingInputError(f"expected a text, got {type(text).__name__}")
    chars, labels = strip_spaces(text)
    if not chars:
        raise SpacingInputError("the text is empty once its spaces are removed")
    truncated = len(chars) > max_chars
    return chars[:max_chars], labels[:max_chars], truncated


@torch.no_grad()
def space_probabilities(model: SpacingTagger, chars: str) -> np.ndarray:
    """P(a space follows character t) for each character of ``chars`` (no spaces in it): shape (T,)."""
    device = next(model.parameters()).device
    logits, _, _ = model(model.vocab.tensor(chars)[None].to(device))
    return torch.sigmoid(logits[0].float()).cpu().numpy()


def restore(model: SpacingTagger, text: str, threshold: float = 0.5, max_chars: int = MAX_CHARS) -> Restoration:
    """Remove the spaces of ``text`` and put back those the model gives probability > ``threshold``."""
    chars, true_labels, truncated = _prepare(text, max_chars)
    probs = space_probabilities(model, chars)
    labels = [int(p > threshold) for p in probs]
    labels[-1] = 0
    return Restoration(chars=chars, probs=[float(p) for p in probs], labels=labels,
                       text=join_spaces(chars, labels), true_labels=true_labels, truncated=truncated)


@torch.no_grad()
def direction_states(model: SpacingTagger, text: str,
                     max_chars: int = MAX_CHARS) -> tuple[np.ndarray, np.ndarray | None]:
    """The top layer's forward states h^f (T, H) and backward states h^b (T, H, None when unidirectional)."""
    chars, _, _ = _prepare(text, max_chars)
    device = next(model.parameters()).device
    fwd, bwd = model.states(model.vocab.tensor(chars)[None].to(device))
    return fwd[0].float().cpu().numpy(), None if bwd is None else bwd[0].float().cpu().numpy()


@torch.no_grad()
def predict_labels(model: SpacingTagger, texts: Sequence[str], threshold: float = 0.5,
                   batch_size: int = 256) -> list[list[int]]:
    """Predicted labels for each text (characters without spaces), in batches of similar length."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: list[list[int]] = [[] for _ in texts]
    device = next(model.parameters()).device
    for s in range(0, len(order), batch_size):
        rows = order[s: s + batch_size]
        idx, lengths = encode_batch(model, [texts[i] for i in rows])
        logits, _, _ = model((idx.to(device), lengths))
        pred = (torch.sigmoid(logits.float()) > threshold).long().cpu()
        for j, i in enumerate(rows):
            labels = pred[j, : len(texts[i])].tolist()
            labels[-1] = 0
            out[i] = labels
    return out


def evaluate_spacing(model: SpacingTagger, texts: Sequence[str], threshold: float = 0.5) -> SpacingScores:
    """Character accuracy and space precision/recall/F1 of ``model`` on ``texts`` (with their own spaces)."""
    pairs = [strip_spaces(t) for t in texts]
    pairs = [p for p in pairs if p[0]]
    if not pairs:
        raise SpacingInputError("no text to evaluate on")
    was_training = model.training
    model.eval()
    try:
        pred = predict_labels(model, [c for c, _ in pairs], threshold)
    finally:
        model.train(was_training)
    return spacing_scores([lab for _, lab in pairs], pred)
