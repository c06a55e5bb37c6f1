"""Left-to-right against bidirectional on one text: what the spacing page shows.

:func:`compare_directions` runs a unidirectional and a bidirectional tagger on the same text (spaces removed)
and returns both models' P(space follows) per character, their restorations and, when the text came with
spaces, their scores against it. :func:`shared_prefix` makes the notes' point (거지 vs 지지: the left context
alone cannot decide) exact: two texts that begin alike get *the same* probabilities from a left-to-right model
over their common beginning, whatever follows; a bidirectional model can tell them apart.

    >>> import torch
    >>> from engine.data.text import CharVocab
    >>> from engine.spacing.model import SpacingConfig, SpacingTagger
    >>> vocab = CharVocab.from_text("아버지가방에들어간다좋")
    >>> torch.manual_seed(0) and None
    >>> uni = SpacingTagger(SpacingConfig(len(vocab), bidirectional=False, n_hidden=8, n_embd=4), vocab).eval()
    >>> bi = SpacingTagger(SpacingConfig(len(vocab), n_hidden=8, n_embd=4), vocab).eval()
    >>> p = shared_prefix(uni, "아버지가방에", "아버지가좋다")
    >>> p.prefix, max(abs(x - y) for x, y in zip(p.a[:4], p.b[:4])) < 1e-6   # left to right: the same
    ('아버지가', True)
    >>> q = shared_prefix(bi, "아버지가방에", "아버지가좋다")
    >>> abs(q.a[3] - q.b[3]) > 1e-4                      # the backward RNN has read what follows
    True
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.spacing.data import strip_spaces
from engine.spacing.metrics import SpacingScores, spacing_scores
from engine.spacing.model import SpacingTagger
from engine.spacing.restore import MAX_CHARS, Restoration, SpacingInputError, restore, space_probabilities

__all__ = ["DirectionComparison", "PrefixComparison", "compare_directions", "shared_prefix"]


@dataclass
class DirectionComparison:
    """One text through both models. ``had_spaces``: the text was typed with spaces, so scores mean something."""

    uni: Restoration
    bi: Restoration
    had_spaces: bool

    @property
    def chars(self) -> str:
        return self.bi.chars

    def scores(self) -> dict[str, SpacingScores] | None:
        """``{"uni": ..., "bi": ...}`` against the text's own spacing, or None when it had no spaces."""
        if not self.had_spaces:
            return None
        truth = [self.bi.true_labels]
        return {"uni": spacing_scores(truth, [self.uni.labels]), "bi": spacing_scores(truth, [self.bi.labels])}


def _check_pair(uni: SpacingTagger, bi: SpacingTagger) -> None:
    if uni.config.bidirectional or not bi.config.bidirectional:
        raise SpacingInputError("compare_directions needs a unidirectional model first, then a bidirectional one")


def compare_directions(uni: SpacingTagger, bi: SpacingTagger, text: str, threshold: float = 0.5,
                       max_chars: int = MAX_CHARS) -> DirectionComparison:
    """Restore ``text`` with both models (see :func:`engine.spacing.restore.restore`)."""
    _check_pair(uni, bi)
    r_uni = restore(uni, text, threshold, max_chars)
    r_bi = restore(bi, text, threshold, max_chars)
    return DirectionComparison(uni=r_uni, bi=r_bi, had_spaces=any(r_bi.true_labels))


@dataclass
class PrefixComparison:
    """P(space follows) for each character of two texts (spaces removed) and their common beginning."""

    chars_a: str
    chars_b: str
    a: list[float]
    b: list[float]
    prefix: str


def shared_prefix(model: SpacingTagger, text_a: str, text_b: str, max_chars: int = 200) -> PrefixComparison:
    """Both texts' per-character space probabilities under ``model``, and the characters they begin with alike."""
    a, _ = strip_spaces(text_a)
    b, _ = strip_spaces(text_b)
    if not a or not b:
        raise SpacingInputError("both texts need at least one character besides spaces")
    a, b = a[:max_chars], b[:max_chars]
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    pa = [float(x) for x in space_probabilities(model, a)]
    pb = [float(x) for x in space_probabilities(model, b)]
    return PrefixComparison(chars_a=a, chars_b=b, a=pa, b=pb, prefix=a[:n])
