"""``P(w | context)`` at many positions at once: the one place where the smoothing formulas are evaluated.

Position ``p`` of a token-id sequence ``ids`` is predicted from the context ``ids[p-order+1 : p]``
(shorter at the start: no ``<s>`` padding is added here; callers pad when they want it). Two
questions are asked at each position:

* :func:`next_token_probs` -- the probability of the token that *is* at ``p`` (scoring a text):
  one number per position, shape ``(T,)``;
* :func:`next_distributions` -- the probability of *every* token ``w`` (``distribution``, ``top_k``,
  generation, the alternatives on the comparison page): shape ``(T, V)``.

Both look every needed n-gram up with one vectorised binary search per level for all positions (see
:mod:`engine.ngram.counting`) and run the same recursion over the levels ``k = 1 .. order`` with
the formulas of :mod:`engine.ngram.smoothing`. Example, with ``P(w | ids[:p])`` for ``p = 0, 1, 2``::

    >>> from engine.ngram import NGramLM
    >>> lm = NGramLM.fit_text("ababab", order=2, smoothing="mle")
    >>> ids = lm.encode("ab")                                      # (T,) = (2,)
    >>> next_token_probs(lm.smoothed, ids, np.arange(2)).tolist()  # P(a) = 3/8 (<s> and </s> count), P(b | a)
    [0.375, 1.0]
    >>> d = next_distributions(lm.smoothed, ids, np.arange(3))     # (3, V): before a, before b, after b
    >>> [lm.vocab[i] for i in d.argmax(axis=1)]
    ['a', 'b', 'a']
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.ngram.counting import NGramCounts
from engine.ngram.smoothing import INTERPOLATED, Smoothed, add_k, interpolated, mle, stupid_backoff

__all__ = ["next_token_probs", "next_distributions"]

# The level-k counts c'(h w) of the candidate tokens: dense, shape (T, W), or only the seen candidates as
# (rows, columns, counts), every other candidate having count 0 (rows may be the int 0 when T = 1).
Counts = np.ndarray | tuple[np.ndarray | int, np.ndarray, np.ndarray]
CountsAt = Callable[[int, np.ndarray, np.ndarray], Counts]  # (level k, positions, context ids) -> Counts


def next_token_probs(sm: Smoothed, ids: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``P(ids[p] | ids[p-order+1 : p])`` for each position ``p < len(ids)``: shape ``(T,)``.

    A score, not a probability, for stupid backoff.
    """
    ids, positions = np.asarray(ids, dtype=np.int64), np.asarray(positions, dtype=np.int64)
    qid = sm.counts.lookup(ids, sm.counts.order)  # qid[k][s] = id of the k-gram ids[s : s + k]

    def counts_at(k: int, pos: np.ndarray, cid: np.ndarray) -> Counts:
        gid = _ids_before(qid[k], pos + 1, k)  # the k-gram that ends at p
        return _take(sm.levels[k].count, gid, 0)[:, None]  # (T, 1)

    return _recursion(sm, qid, positions, 1, counts_at)[:, 0]


def next_distributions(sm: Smoothed, ids: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``P(w | ids[p-order+1 : p])`` for each position ``p <= len(ids)`` and every token ``w``: ``(T, V)``.

    ``p = len(ids)`` is the distribution after the whole sequence. Rows are probability distributions
    for every method but MLE (zeros after an unseen context) and stupid backoff (scores).
    """
    ids, positions = np.asarray(ids, dtype=np.int64), np.asarray(positions, dtype=np.int64)
    C = sm.counts
    qid = C.lookup(ids, C.order - 1)  # contexts only
    return _recursion(sm, qid, positions, C.vocab_size,
                      lambda k, pos, cid: _continuations(C, k, sm.levels[k].count, cid))


def _recursion(sm: Smoothed, qid: list[np.ndarray], positions: np.ndarray, W: int, counts_at: CountsAt) -> np.ndarray:
    """The smoothing at every position for ``W`` candidate tokens each: ``(T, W)``."""
    o, name = sm.counts.order, sm.method
    T = positions.size
    if name in ("add_k", "mle"):  # one level: the longest context available, no recursion
        top = np.minimum(positions + 1, o)
        out = np.zeros((T, W))
        for k in range(1, o + 1):
            rows = np.flatnonzero(top == k)
            if rows.size:
                cid = _ids_before(qid[k - 1], positions[rows], k - 1)
                total = _take(sm.levels[k].total, cid, 0.0)[:, None]  # c(h •), (T', 1)
                lower = np.broadcast_to(0.0, (rows.size, W))  # unused: no lower level
                out[rows] = _apply(_STEPS[name], sm, k, lower, counts_at(k, positions[rows], cid), (total,))
        return out
    step = _STEPS["interpolated" if name in INTERPOLATED else name]
    prob = np.full((T, W), sm.base)  # P_0(w)
    for k in range(1, o + 1):
        lv = sm.levels[k]
        cid = _ids_before(qid[k - 1], positions, k - 1)  # (T,) the context h of level k
        if name in INTERPOLATED:
            ctx = (_take(lv.inv_denom, cid, 0.0)[:, None], _take(lv.gamma, cid, 1.0)[:, None])
        else:  # stupid backoff; a level whose context starts before the text is skipped (not active)
            ctx = (_take(lv.total, cid, 1.0)[:, None], (positions - k + 1 >= 0)[:, None])
        prob = _apply(step, sm, k, prob, counts_at(k, positions, cid), ctx)
    return prob


# The formulas of engine.ngram.smoothing with the arguments of level k: step(sm, k, lower, count, *context values).
_STEPS: dict[str, Callable[..., np.ndarray]] = {
    "interpolated": lambda sm, k, low, c, inv, gamma: interpolated(low, c, sm.levels[k].discount, inv, gamma),
    "stupid_backoff": lambda sm, k, low, c, total, active: stupid_backoff(low, c, total, active, sm.alpha),
    "add_k": lambda sm, k, low, c, total: add_k(c, total, sm.k, sm.counts.vocab_size),
    "mle": lambda sm, k, low, c, total: mle(c, total),
}


def _apply(step: Callable[..., np.ndarray], sm: Smoothed, k: int, lower: np.ndarray, counts: Counts,
           ctx: tuple[np.ndarray, ...]) -> np.ndarray:
    """Level ``k``'s formula at every candidate: ``(T, W)``. ``ctx``: the context values, each ``(T, 1)``.

    With only the seen candidates given, the formula is applied to all candidates with count 0 first
    (for Kneser-Ney that is ``γ(h) P_{k-1}(w | h')``), then to the seen ones: O(T V) simple work
    plus O(seen), instead of building a dense (T, V) count array.
    """
    if isinstance(counts, np.ndarray):
        return step(sm, k, lower, counts, *ctx)
    r, w, c = counts
    out = step(sm, k, lower, 0, *ctx)  # every candidate as if never seen after its context
    if out.shape != lower.shape:  # add-k, MLE: one value per context
        out = np.array(np.broadcast_to(out, lower.shape))
    if len(c):
        out[r, w] = step(sm, k, lower[r, w], c, *(x[r, 0] for x in ctx))
    return out


def _ids_before(qid_n: np.ndarray, positions: np.ndarray, n: int) -> np.ndarray:
    """Id of the n-gram ``ids[p-n : p]`` that ends just before each position (0 for n = 0; -1 if unseen
    or if it would start before the sequence)."""
    if n == 0:
        return np.zeros(positions.size, dtype=np.int64)
    s = positions - n
    if s.size and s.min() >= 0:  # the usual case: every n-gram lies inside the sequence
        return qid_n[s]
    out = np.full(positions.size, -1, dtype=np.int64)
    ok = s >= 0
    out[ok] = qid_n[s[ok]]
    return out


def _take(arr: np.ndarray, idx: np.ndarray, default: float) -> np.ndarray:
    """``arr[idx]``, and ``default`` where ``idx < 0`` (unseen)."""
    ok = idx >= 0
    if ok.all():
        return arr[idx]
    return np.where(ok, arr[np.where(ok, idx, 0)] if arr.size else default, default)


def _continuations(C: NGramCounts, k: int, values: np.ndarray, cid: np.ndarray) -> Counts:
    """``(rows, tokens, values[id of "h w"])`` for every seen k-gram ``h w`` of each row's context ``h`` (by id).

    All the seen continuations of a context are one contiguous block of ``keys[k]`` (see
    :mod:`engine.ngram.counting`): two binary searches per context, no search per token.
    """
    V, keys = C.vocab_size, C.keys[k]
    if cid.size == 1:  # one context (distribution, generation): row 0, a slice, no index arithmetic
        h = int(cid[0])
        lo, hi = keys.searchsorted((h * V, (h + 1) * V)) if h >= 0 else (0, 0)
        return 0, keys[lo:hi] - h * V, values[lo:hi]
    rows = np.flatnonzero(cid >= 0)
    h = cid[rows]
    lo, hi = np.searchsorted(keys, h * V), np.searchsorted(keys, (h + 1) * V)
    n = hi - lo
    r = np.repeat(rows, n)  # the row of each seen continuation
    j = np.arange(int(n.sum())) + np.repeat(lo - (np.cumsum(n) - n), n)  # its id
    return r, keys[j] - cid[r] * V, values[j]
