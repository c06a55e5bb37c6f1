"""Units and reference points for language-model losses.

The trainer reports cross-entropy in **nats** per character (natural log, what
``F.cross_entropy`` computes). Papers and the lecture often quote **bits per character**
(log base 2) or **perplexity** (``e ** nats``: the model is as unsure as a uniform choice among
that many characters). Two reference lines make a loss curve readable:

* :func:`uniform_entropy` ``ln V``: a model that has learned nothing (every one of ``V``
  symbols equally likely). A fresh network starts near it.
* :func:`unigram_entropy`: a model that knows only how often each character occurs, ignoring
  context. A recurrent model that does not get below it has learned nothing about sequences.

>>> round(nats_to_bits(math.log(2)), 6)
1.0
>>> round(perplexity(uniform_entropy(65)), 6)
65.0
>>> round(unigram_entropy("abab"), 6) == round(math.log(2), 6)
True
"""

from __future__ import annotations

import math
from collections import Counter

__all__ = [
    "LN2",
    "bits_to_nats",
    "nats_to_bits",
    "params_per_char",
    "perplexity",
    "uniform_entropy",
    "unigram_entropy",
]

LN2 = math.log(2.0)


def nats_to_bits(nats: float) -> float:
    """Nats (natural-log units) to bits: divide by ln 2."""
    return nats / LN2


def bits_to_nats(bits: float) -> float:
    """Bits to nats: multiply by ln 2."""
    return bits * LN2


def perplexity(nats: float) -> float:
    """Perplexity ``exp(nats)`` of a mean cross-entropy in nats (``inf`` when it overflows)."""
    try:
        return math.exp(nats)
    except OverflowError:
        return math.inf


def uniform_entropy(vocab_size: int) -> float:
    """Entropy in nats of the uniform distribution over ``vocab_size`` symbols: ``ln V``."""
    if vocab_size < 1:
        raise ValueError(f"vocab_size must be >= 1, got {vocab_size}")
    return math.log(vocab_size)


def unigram_entropy(text: str) -> float:
    """Entropy in nats per character of the text's own character frequencies (no context).

    This is the cross-entropy a model would reach on ``text`` if it predicted every character from
    its frequency in ``text`` alone; 0 for a text made of a single repeated character.
    """
    if not text:
        raise ValueError("unigram_entropy needs a non-empty text")
    n = len(text)
    return -sum(c / n * math.log(c / n) for c in Counter(text).values()) + 0.0  # + 0.0: no "-0.0"


def params_per_char(n_params: int, n_train_chars: int) -> float:
    """Parameters per training character. Well above 1, a model can memorise its data (overfitting risk)."""
    if n_train_chars < 1:
        return math.inf
    return n_params / n_train_chars
