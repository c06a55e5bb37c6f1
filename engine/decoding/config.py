"""The settings of one decoding strategy (:class:`DecodeConfig`) and beam search's length penalty.

Example (beam search's score of a 3-token output with log-probability ``-2.4``)::

    >>> cfg = DecodeConfig("beam", length_penalty=1.0)
    >>> round(cfg.normalise(-2.4, 3), 4)    # -2.4 / ((5 + 3) / 6)
    -1.8
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.decoding.sampling import check_temperature, check_top_k, check_top_p

__all__ = ["DecodeConfig", "Method", "length_penalty_factor"]

Method = Literal["greedy", "sample", "beam"]


def length_penalty_factor(length: int, alpha: float, kind: str = "gnmt") -> float:
    """Denominator ``lp(L)`` of the length-normalised beam score ``score = log P(y) / lp(|y|)``.

    * ``kind="gnmt"`` (Wu et al. 2016, Google NMT): ``lp(L) = ((5 + L) / 6) ** alpha``.
    * ``kind="power"``: ``lp(L) = L ** alpha`` (``alpha=1`` = average log-prob per token).

    ``alpha = 0`` gives ``lp = 1`` (raw log-probability, which favours short outputs since every
    extra token multiplies in a probability < 1); larger ``alpha`` favours longer outputs.
    ``L`` counts generated tokens including the final ``</s>``. Example: ``L=3, alpha=1``:
    gnmt ``8/6 = 1.333``, power ``3``.
    """
    if alpha == 0:
        return 1.0
    if kind == "gnmt":
        return ((5.0 + length) / 6.0) ** alpha
    if kind == "power":
        return float(max(length, 1)) ** alpha
    raise ValueError(f"length normalisation kind must be 'gnmt' or 'power', got {kind!r}")


@dataclass(frozen=True)
class DecodeConfig:
    """All knobs of one decoding strategy. Validated on construction (``ValueError`` with a clear message).

    Attributes:
        method: ``"greedy"`` (argmax each step), ``"sample"`` (draw from the tempered, truncated
            distribution) or ``"beam"`` (beam search over model log-probabilities).
        temperature: sampling temperature ``T >= 0`` (``p ∝ exp(z / T)``; ``0`` = greedy). Sampling only.
        top_k: keep only the ``k`` most likely tokens when sampling (``None`` = off, must be ``>= 1``).
        top_p: nucleus sampling mass in ``(0, 1]`` (``None`` or ``1.0`` = off). Sampling only.
        beam_width: number of hypotheses kept alive per batch row (beam only, ``>= 1``).
        length_penalty: ``alpha >= 0`` of the length normalisation ``score = log P / lp(L)``, see
            :func:`length_penalty_factor`. ``0`` = raw log-probability. Beam only.
        length_norm: ``"gnmt"`` (``((5+L)/6)^alpha``, default) or ``"power"`` (``L^alpha``).
        max_len: maximum number of generated tokens, ``</s>`` included (the max-length guard).
        min_len: ``</s>`` is forbidden until at least ``min_len`` other tokens have been generated.
        no_repeat_ngram: ``n > 0`` forbids any token that would complete an n-gram already present in
            the sequence (start token included); ``0`` = off. Applies to every method.
        n_best: number of hypotheses :func:`~engine.decoding.beam_search` returns per row
            (``1 <= n_best <= beam_width``).

    ``</s>`` handling: when an ``eos_id`` is given, a row (or beam hypothesis) that emits it is
    finished: the ``</s>`` is kept as its last token and it stops growing; decoding stops when all
    rows are finished or after ``max_len`` tokens. Beam search ignores temperature / top-k / top-p;
    greedy ignores them too.
    """

    method: Method = "greedy"
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    beam_width: int = 4
    length_penalty: float = 0.0
    length_norm: Literal["gnmt", "power"] = "gnmt"
    max_len: int = 100
    min_len: int = 0
    no_repeat_ngram: int = 0
    n_best: int = 1

    def __post_init__(self) -> None:
        if self.method not in ("greedy", "sample", "beam"):
            raise ValueError(f"method must be 'greedy', 'sample' or 'beam', got {self.method!r}")
        check_temperature(self.temperature)
        check_top_k(self.top_k)
        check_top_p(self.top_p)
        for name, lo in (("beam_width", 1), ("max_len", 1), ("min_len", 0), ("no_repeat_ngram", 0), ("n_best", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < lo:
                raise ValueError(f"{name} must be an int >= {lo}, got {value!r}")
        if self.n_best > self.beam_width:
            raise ValueError(f"n_best ({self.n_best}) must be <= beam_width ({self.beam_width})")
        if not isinstance(self.length_penalty, (int, float)) or not (self.length_penalty >= 0):
            raise ValueError(f"length_penalty (alpha) must be >= 0, got {self.length_penalty!r}")
        if self.length_norm not in ("gnmt", "power"):
            raise ValueError(f"length_norm must be 'gnmt' or 'power', got {self.length_norm!r}")

    @property
    def is_greedy(self) -> bool:
        """True when tokens are chosen by argmax (``method="greedy"`` or sampling at temperature 0)."""
        return self.method == "greedy" or (self.method == "sample" and self.temperature == 0)

    def length_penalty_of(self, length: int) -> float:
        """``lp(length)`` under this config (see :func:`length_penalty_factor`)."""
        return length_penalty_factor(length, self.length_penalty, self.length_norm)

    def normalise(self, logprob: float, length: int) -> float:
        """Length-normalised score ``logprob / lp(length)`` under this config."""
        return logprob / self.length_penalty_of(length)
