r"""Smoothing methods for n-gram language models: names, formulas and discount estimators.

Notation (as in the lecture and in Chen & Goodman 1998, "An empirical study of smoothing
techniques for language modeling"):

* ``h`` a context (the previous n-1 tokens), ``h'`` the context without its first token,
  ``w`` the next token, ``V`` the vocabulary size (including ``<s>``, ``</s>``, ``<unk>``).
* ``c(h w)`` the count of n-gram ``h w``; ``c(h •) = Σ_w c(h w)`` the count of ``h`` as a context.
* ``N1+(h •) = |{w : c(h w) > 0}|`` the number of distinct tokens seen after ``h``.
* ``N1+(• h w) = |{x : c(x h w) > 0}|`` the *continuation count* of ``h w`` (distinct left
  neighbours), and ``N1+(• h •) = Σ_w N1+(• h w)``.

Maximum likelihood (``"mle"``)
    ``P(w | h) = c(h w) / c(h •)``. Zero for anything unseen, undefined (we return 0) for an unseen
    context: the "zero-probability problem" that smoothing fixes. Not a distribution for unseen
    contexts.

Add-k / Lidstone (``"add_k"``, alias ``"lidstone"``; ``"laplace"`` is k = 1)
    ``P(w | h) = (c(h w) + k) / (c(h •) + k V)``. An unseen context gives the uniform ``1/V``.

Interpolated smoothing (Witten-Bell, absolute discounting, Kneser-Ney, modified Kneser-Ney)
    all have the recursive form

    ``P_k(w | h) = α(h w) + γ(h) · P_{k-1}(w | h')``

    where ``α`` is a discounted relative frequency, ``γ(h)`` the mass that was taken away
    (so that ``Σ_w P_k(w | h) = 1`` whenever ``Σ_w P_{k-1}(w | h') = 1``), and the recursion ends
    at ``P_0(w) = 1/V`` (the *uniform base*; this is what gives ``<unk>`` and never-seen
    characters a non-zero probability). If ``h`` was never seen as a context, ``α = 0, γ = 1``.

    Witten-Bell (``"witten_bell"``):
        ``α = c(h w) / (c(h •) + N1+(h •))``,  ``γ(h) = N1+(h •) / (c(h •) + N1+(h •))``.
        "The probability of seeing something new after h is estimated by how often something new
        was seen after h."

    Absolute discounting (``"absolute_discounting"``), one discount ``0 <= D <= 1``:
        ``α = max(c(h w) - D, 0) / c(h •)``,  ``γ(h) = D · N1+(h •) / c(h •)``.

    Interpolated Kneser-Ney (``"kneser_ney"``): absolute discounting at the highest order, but
    every *lower* order uses continuation counts instead of counts:
        ``α = max(N1+(• h w) - D, 0) / N1+(• h •)``,
        ``γ(h) = D · |{w : N1+(• h w) > 0}| / N1+(• h •)``.
        The unigram level is ``P_KN(w) ∝ N1+(• w)``: "in how many different contexts does w appear",
        which is why "Francisco" (always after "San") gets a small unigram probability.

    Modified Kneser-Ney (``"modified_kneser_ney"``): like Kneser-Ney but with three discounts
    chosen by the count being discounted, ``D(c) = D1, D2, D3+`` for ``c = 1, 2, >= 3``:
        ``α = max(c' - D(c'), 0) / Σ_w c'``,  ``γ(h) = (D1 N1(h •) + D2 N2(h •) + D3+ N3+(h •)) / Σ_w c'``
        where ``c'`` is the count used at that level (raw at the top, continuation below) and
        ``N_r(h •)`` the number of tokens ``w`` with ``c'(h w) = r`` (``>= r`` for ``N3+``).

Stupid backoff (``"stupid_backoff"``, Brants et al. 2007) -- **not a probability distribution**:
    ``S(w | h) = c(h w) / c(h •)`` if ``c(h w) > 0`` else ``λ · S(w | h')`` with ``λ = 0.4``,
    ``S(w) = c(w) / N`` (and ``λ / V`` for a never-seen token, our uniform base). Scores for one
    context sum to more than 1; it is cheap and works well for huge corpora.

Discount estimates (when no discount is given), from the *count-of-counts* ``n_r`` = number of
distinct n-grams of the level whose (level) count is exactly ``r``:

* Ney, Essen & Kneser (1994): ``D = Y = n1 / (n1 + 2 n2)``.
* Chen & Goodman (1998): ``D1 = 1 - 2 Y n2/n1``,  ``D2 = 2 - 3 Y n3/n2``,  ``D3+ = 3 - 4 Y n4/n3``.

For Kneser-Ney the lower levels use the counts-of-*continuation*-counts (as KenLM does).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "SMOOTHINGS",
    "ALIASES",
    "INTERPOLATED",
    "canonical_smoothing",
    "count_of_counts",
    "ney_discount",
    "chen_goodman_discounts",
    "MIN_ESTIMATED_DISCOUNT",
]

#: The smoothing methods, canonical name -> one-line description.
SMOOTHINGS: dict[str, str] = {
    "mle": "maximum likelihood, no smoothing (zero probabilities; not a distribution for unseen contexts)",
    "add_k": "add-k / Lidstone: (c + k) / (N + kV); laplace is k = 1",
    "witten_bell": "interpolated Witten-Bell",
    "absolute_discounting": "interpolated absolute discounting, one discount D",
    "kneser_ney": "interpolated Kneser-Ney, one discount D per order",
    "modified_kneser_ney": "modified Kneser-Ney: discounts D1, D2, D3+ per order (Chen & Goodman)",
    "stupid_backoff": "stupid backoff scores (Brants et al. 2007); not a probability distribution",
}

#: Accepted alternative names. ``"laplace"`` also fixes ``k = 1``.
ALIASES: dict[str, str] = {
    "laplace": "add_k",
    "lidstone": "add_k",
    "add_one": "add_k",
    "wb": "witten_bell",
    "witten-bell": "witten_bell",
    "absolute": "absolute_discounting",
    "kn": "kneser_ney",
    "kneser-ney": "kneser_ney",
    "mkn": "modified_kneser_ney",
    "modified-kneser-ney": "modified_kneser_ney",
    "stupid": "stupid_backoff",
    "stupid-backoff": "stupid_backoff",
}

#: Methods of the form P_k = α + γ P_{k-1}.
INTERPOLATED = frozenset({"witten_bell", "absolute_discounting", "kneser_ney", "modified_kneser_ney"})

#: Estimated discounts are clipped to at least this value. On a tiny text the formulas can give 0
#: (no n-gram seen exactly once), and a zero discount gives every unseen token zero probability.
MIN_ESTIMATED_DISCOUNT = 0.05


def canonical_smoothing(name: str) -> str:
    """Canonical name of a smoothing method, or ``ValueError`` listing the valid names."""
    if not isinstance(name, str):
        raise ValueError(f"smoothing must be a string, got {type(name).__name__}")
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in SMOOTHINGS:
        valid = ", ".join(sorted(set(SMOOTHINGS) | set(ALIASES)))
        raise ValueError(f"unknown smoothing {name!r}; choose one of: {valid}")
    return key


def count_of_counts(counts: np.ndarray, max_r: int = 4) -> np.ndarray:
    """``n[r]`` = number of entries of ``counts`` equal to ``r``, for ``r = 0 .. max_r`` (n[0] unused)."""
    c = np.asarray(counts, dtype=np.int64)
    c = c[(c >= 1) & (c <= max_r)]
    return np.bincount(c, minlength=max_r + 1)[: max_r + 1].astype(np.int64)


def ney_discount(n1: int, n2: int) -> float:
    """Ney et al.'s single discount ``D = n1 / (n1 + 2 n2)``, clipped to ``[MIN_ESTIMATED_DISCOUNT, 1]``.

    If there are no n-grams seen once or twice (``n1 + 2 n2 = 0``) the formula is undefined and
    0.5 is returned.
    """
    if n1 + 2 * n2 <= 0:
        return 0.5
    return float(min(max(n1 / (n1 + 2 * n2), MIN_ESTIMATED_DISCOUNT), 1.0))


def chen_goodman_discounts(n1: int, n2: int, n3: int, n4: int) -> tuple[float, float, float]:
    """Chen & Goodman's modified Kneser-Ney discounts ``(D1, D2, D3+)``.

    ``Y = n1 / (n1 + 2 n2)``, ``D_r = r - (r + 1) Y n_{r+1} / n_r`` for ``r = 1, 2, 3``.

    Where the formula divides by zero (no n-gram with count exactly ``r``) we fall back to
    ``D_r = Y`` (Ney's single discount; if ``Y`` itself is undefined, 0.5). Each ``D_r`` is then
    clipped to ``[MIN_ESTIMATED_DISCOUNT, r]`` (``D_r <= r`` keeps ``c - D_r >= 0``, which is what
    makes the probabilities sum to one).
    """
    y = n1 / (n1 + 2 * n2) if n1 + 2 * n2 > 0 else 0.5
    n = [0, n1, n2, n3, n4]
    out = []
    for r in (1, 2, 3):
        d = r - (r + 1) * y * n[r + 1] / n[r] if n[r] > 0 else y
        if not math.isfinite(d):
            d = y
        out.append(float(min(max(d, MIN_ESTIMATED_DISCOUNT), r)))
    return out[0], out[1], out[2]
