"""Sampling text from an n-gram model, one token at a time, with a temperature.

At each step the next token is drawn from ``P(w | previous order-1 tokens)`` (:mod:`engine.ngram.interpolate`),
with temperature ``T``: from ``p^(1/T)`` renormalised, ``T = 0`` always taking the most likely token.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.ngram.interpolate import next_distributions
from engine.ngram.smoothing import Smoothed, check_real
from engine.ngram.vocab import BOS_ID, EOS_ID, UNK_ID

__all__ = ["sample"]


def sample(sm: Smoothed, history: list[int], n: Any, *, seed: int | None = None, temperature: Any = 1.0,
           stop_at_eos: bool = False) -> list[int]:
    """Ids of ``n`` tokens sampled after ``history`` (ids, already ``<s>``-padded).

    ``<s>`` and ``<unk>`` are never sampled; ``</s>`` ends the text if ``stop_at_eos`` (it is not
    returned) and is never sampled otherwise. Stupid backoff scores are renormalised. An MLE model
    with nothing seen after its context backs off to shorter contexts, then to uniform. The same
    ``seed`` gives the same tokens.

    Raises:
        ValueError: ``n`` not a non-negative integer, or a negative temperature.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    temperature = check_real("temperature", temperature, 0.0, math.inf)
    rng = np.random.default_rng(seed)
    V, m = sm.counts.vocab_size, sm.counts.order - 1
    hist = list(history)
    banned = [UNK_ID, BOS_ID] + ([] if stop_at_eos else [EOS_ID])

    def after(ctx: np.ndarray) -> np.ndarray:
        p = next_distributions(sm, ctx, np.array([ctx.size]))[0]  # (V,)
        p[banned] = 0.0
        return p

    out: list[int] = []
    for _ in range(n):
        ctx = np.array(hist[len(hist) - m :] if m else [], dtype=np.int64)
        p = after(ctx)
        while p.sum() <= 0 and ctx.size:  # only possible for MLE: back off to a shorter context
            ctx = ctx[1:]
            p = after(ctx)
        if p.sum() <= 0:
            p = np.ones(V)
            p[banned] = 0.0
        if temperature == 0.0:
            i = int(np.argmax(p))
        else:
            with np.errstate(divide="ignore"):
                logits = np.log(p) / temperature
            w = np.exp(logits - logits.max())
            cdf = np.cumsum(w)
            i = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
            i = min(i, V - 1)
            if w[i] == 0:
                i = int(np.argmax(w))
        if i == EOS_ID:
            break
        out.append(i)
        hist.append(i)
    return out
