r"""Smoothing methods for n-gram language models: each formula as code, next to its explanation.

Notation (as in the lecture and in Chen & Goodman 1998, "An empirical study of smoothing
techniques for language modeling"):

* ``h`` a context (the previous n-1 tokens), ``h'`` the context without its first token,
  ``w`` the next token, ``V`` the vocabulary size (including ``<s>``, ``</s>``, ``<unk>``).
* ``c(h w)`` the count of n-gram ``h w``; ``c(h •) = Σ_w c(h w)`` the count of ``h`` as a context.
* ``N1+(h •) = |{w : c(h w) > 0}|`` the number of distinct tokens seen after ``h``.
* ``N1+(• h w) = |{x : c(x h w) > 0}|`` the *continuation count* of ``h w`` (distinct left
  neighbours), and ``N1+(• h •) = Σ_w N1+(• h w)``.

Three kinds of method, each a function below:

* **one level only** -- :func:`mle` and :func:`add_k` use the longest context there is;
* **interpolated** -- Witten-Bell, absolute discounting, Kneser-Ney and modified Kneser-Ney all are
  ``P_k(w | h) = α(h w) + γ(h) · P_{k-1}(w | h')`` (:func:`interpolated`), down to the uniform
  ``P_0(w) = 1/V``; they differ only in the count they discount (:func:`level_counts`) and in their
  denominator and backoff weight ``γ`` (:func:`witten_bell`, :func:`absolute_discounting`,
  :func:`modified_kneser_ney`);
* **backoff scores** -- :func:`stupid_backoff`, not a probability distribution.

:func:`build_levels` turns a model's counts into the per-level tables these formulas read, once;
:mod:`engine.ngram.interpolate` evaluates them for many positions at once.

Discount estimates (when no discount is given) come from the *count-of-counts* ``n_r`` = number of
distinct n-grams of the level whose (level) count is exactly ``r`` (:func:`ney_discount`,
:func:`chen_goodman_discounts`); for Kneser-Ney the lower levels use the counts-of-*continuation*-
counts (as KenLM does).

Differences from ``nltk.lm`` (all pinned by tests)
--------------------------------------------------
1. Our interpolated methods end at the uniform ``P_0(w) = 1/V`` (``uniform_base=True``), so ``<unk>``
   has a probability > 0; NLTK stops at the unigram level (with ``uniform_base=False`` we match
   NLTK to ~1e-15; tested at 1e-9).
2. NLTK's Kneser-Ney lower orders compute the backoff weight from *raw* counts,
   ``γ(h) = D · N1+(h •) / N1+(• h •)``, while the numerators use continuation counts. The two
   disagree for the one context that occurs only at the very start of a sequence
   (``h = <s>^(order-2)``, followed by ``<s>``), so NLTK's distribution after the sequence-start
   context sums to slightly more than 1. We use ``|{w : N1+(• h w) > 0}|`` and sum to 1.
3. NLTK's default discounts are 0.75 (absolute discounting) and 0.1 (Kneser-Ney); ours are
   estimated from the count-of-counts (Ney's ``n1 / (n1 + 2 n2)``) unless ``discount=`` is given.
4. For ``order = 1`` NLTK pads nothing, so ``<s>``/``</s>`` are not in its vocabulary; ours
   always has them (``V`` is 2 larger, which changes add-k probabilities).
5. NLTK builds its vocabulary from the padded text, so with a large ``unk_cutoff`` even ``<s>``
   can become ``<UNK>``; our special symbols are never cut.
6. NLTK cannot fit a Kneser-Ney unigram model (division by zero); ours uses raw counts at the
   top level whatever the order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.ngram.counting import NGramCounts

__all__ = [
    "SMOOTHINGS",
    "ALIASES",
    "INTERPOLATED",
    "PARAMS_OF",
    "LevelTables",
    "Smoothed",
    "absolute_discounting",
    "add_k",
    "build_levels",
    "canonical_smoothing",
    "check_params",
    "check_real",
    "count_of_counts",
    "describe_smoothings",
    "interpolated",
    "level_counts",
    "mle",
    "modified_kneser_ney",
    "ney_discount",
    "chen_goodman_discounts",
    "stupid_backoff",
    "witten_bell",
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

#: The parameters each method takes (all optional).
PARAMS_OF: dict[str, tuple[str, ...]] = {
    "mle": (),
    "add_k": ("k",),
    "witten_bell": (),
    "absolute_discounting": ("discount",),
    "kneser_ney": ("discount",),
    "modified_kneser_ney": ("discounts",),
    "stupid_backoff": ("alpha",),
}

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


def describe_smoothings() -> dict[str, str]:
    """Canonical smoothing names with a one-line description (for UI select boxes)."""
    return dict(SMOOTHINGS)


def check_real(name: str, value: Any, lo: float, hi: float, *, lo_open: bool = False) -> float:
    """``float(value)``, or ``ValueError`` if it is not a finite number in ``[lo, hi]`` (``(lo, hi]``)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    bad_lo = v <= lo if lo_open else v < lo
    if not math.isfinite(v) or bad_lo or v > hi:
        interval = f"{'(' if lo_open else '['}{lo}, {hi}]"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return v


def check_params(smoothing: str, *, k: Any = None, discount: Any = None, discounts: Any = None,
                 alpha: Any = None) -> tuple[str, dict[str, Any]]:
    """The canonical name and the checked parameters (defaults filled in: ``k = 1``, ``alpha = 0.4``).

    >>> check_params("laplace")
    ('add_k', {'k': 1.0, 'discount': None, 'discounts': None, 'alpha': None})

    Raises:
        ValueError: unknown smoothing, a parameter the method does not use, or one out of range.
    """
    name = canonical_smoothing(smoothing)
    given = {"k": k, "discount": discount, "discounts": discounts, "alpha": alpha}
    for pname, value in given.items():
        if value is not None and pname not in PARAMS_OF[name]:
            used = ", ".join(PARAMS_OF[name]) or "no parameters"
            raise ValueError(f"smoothing {name!r} does not use {pname!r} (it takes: {used})")
    out: dict[str, Any] = dict.fromkeys(given)
    if name == "add_k":
        if smoothing.strip().lower() in ("laplace", "add_one") and k is not None and float(k) != 1.0:
            raise ValueError(f"laplace smoothing is add-one (k = 1); use smoothing='add_k' for k={k!r}")
        out["k"] = 1.0 if k is None else check_real("k", k, 0.0, math.inf, lo_open=True)
    if discount is not None:
        out["discount"] = check_real("discount", discount, 0.0, 1.0)
    if discounts is not None:
        ds = tuple(discounts)
        if len(ds) != 3:
            raise ValueError(f"discounts must be three numbers (D1, D2, D3+), got {discounts!r}")
        out["discounts"] = tuple(check_real(f"D{r}{'+' if r == 3 else ''}", d, 0.0, float(r))
                                 for r, d in zip((1, 2, 3), ds))
    if name == "stupid_backoff":
        out["alpha"] = 0.4 if alpha is None else check_real("alpha", alpha, 0.0, 1.0, lo_open=True)
    return name, out


# ---------------------------------------------------------------------------------------------- discounts
def count_of_counts(counts: np.ndarray, max_r: int = 4) -> np.ndarray:
    """``n[r]`` = number of entries of ``counts`` equal to ``r``, for ``r = 0 .. max_r`` (n[0] unused)."""
    c = np.asarray(counts, dtype=np.int64)
    c = c[(c >= 1) & (c <= max_r)]
    return np.bincount(c, minlength=max_r + 1)[: max_r + 1].astype(np.int64)


def ney_discount(n1: int, n2: int) -> float:
    """Ney, Essen & Kneser's single discount ``D = n1 / (n1 + 2 n2)``, clipped to ``[MIN_ESTIMATED_DISCOUNT, 1]``.

    If there are no n-grams seen once or twice (``n1 + 2 n2 = 0``) the formula is undefined and
    0.5 is returned.

    >>> ney_discount(10, 5)
    0.5
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


# ---------------------------------------------------------------------------------------------- one level only
def mle(count: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Maximum likelihood: ``P(w | h) = c(h w) / c(h •)``.

    Zero for anything unseen, undefined (we return 0) for an unseen context: the "zero-probability
    problem" that smoothing fixes. Not a distribution for unseen contexts.

    >>> mle(np.array([3, 1, 0]), np.array([4.0])).tolist()
    [0.75, 0.25, 0.0]
    """
    shape = np.broadcast_shapes(np.shape(count), np.shape(total))
    return np.divide(count, total, out=np.zeros(shape), where=total > 0)


def add_k(count: np.ndarray, total: np.ndarray, k: float, V: int) -> np.ndarray:
    """Add-k / Lidstone (Laplace is ``k = 1``): ``P(w | h) = (c(h w) + k) / (c(h •) + k V)``.

    Every token gets ``k`` imaginary extra sightings; an unseen context gives the uniform ``1/V``.

    >>> add_k(np.array([3, 1, 0, 0]), np.array([4.0]), k=1.0, V=4).tolist()
    [0.5, 0.25, 0.125, 0.125]
    """
    return (count + k) / (total + k * V)


# ---------------------------------------------------------------------------------------------- interpolated
def interpolated(lower: np.ndarray, count: np.ndarray, discount: np.ndarray, inv_denom: Any, gamma: Any) -> np.ndarray:
    """One level of the interpolated recursion: ``P_k(w | h) = α(h w) + γ(h) · P_{k-1}(w | h')``.

    ``α(h w) = max(c'(h w) - D(c'), 0) / denom(h)`` is a discounted relative frequency and ``γ(h)``
    the mass that was taken away, so that ``Σ_w P_k(w | h) = 1`` whenever ``Σ_w P_{k-1}(w | h') = 1``.
    The recursion ends at ``P_0(w) = 1/V`` (the *uniform base*: what gives ``<unk>`` and never-seen
    characters a non-zero probability). A context never seen has ``α = 0, γ = 1``.

    Args:
        lower: ``P_{k-1}(w | h')``.
        count: ``c'(h w)``, the count this level uses (see :func:`level_counts`).
        discount: ``[0, D1, D2, D3+]``: the discount of a count ``c`` is ``discount[min(c, 3)]``.
        inv_denom, gamma: ``1 / denom(h)`` and ``γ(h)`` of the context.

    Context h seen 4 times, followed by a (3 times) and b (once), ``D = 0.5``, four tokens:
    ``γ(h) = 0.5 · 2 / 4``, ``P(a | h) = 2.5 / 4 + γ(h) / 4``:

    >>> count, discount = np.array([3, 1, 0, 0]), np.array([0, 0.5, 0.5, 0.5])
    >>> interpolated(np.full(4, 0.25), count, discount, inv_denom=1 / 4, gamma=0.5 * 2 / 4).tolist()
    [0.6875, 0.1875, 0.0625, 0.0625]
    """
    return np.maximum(count - discount[np.minimum(count, 3)], 0.0) * inv_denom + gamma * lower


def witten_bell(total: np.ndarray, types: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Witten-Bell's ``(denominator, γ numerator)`` per context.

    ``α = c(h w) / (c(h •) + N1+(h •))`` (no discount), ``γ(h) = N1+(h •) / (c(h •) + N1+(h •))``:
    "the probability of seeing something new after h is estimated by how often something new was
    seen after h".
    """
    return total + types, types


def absolute_discounting(total: np.ndarray, types: np.ndarray, d: float) -> tuple[np.ndarray, np.ndarray]:
    """Absolute discounting's ``(denominator, γ numerator)``, one discount ``0 <= D <= 1``.

    ``α = max(c(h w) - D, 0) / c(h •)``, ``γ(h) = D · N1+(h •) / c(h •)``: each seen n-gram gives
    ``D`` away, and what was given away is shared by the lower level.

    **Kneser-Ney** is the same formula on the continuation counts below the top level
    (:func:`level_counts`): ``α = max(N1+(• h w) - D, 0) / N1+(• h •)``,
    ``γ(h) = D · |{w : N1+(• h w) > 0}| / N1+(• h •)``.
    """
    return total, d * types


def modified_kneser_ney(total: np.ndarray, n1: np.ndarray, n2: np.ndarray, n3: np.ndarray,
                        d: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Modified Kneser-Ney's ``(denominator, γ numerator)``: discounts ``D(c) = D1, D2, D3+`` for ``c = 1, 2, >= 3``.

    ``α = max(c' - D(c'), 0) / Σ_w c'``, ``γ(h) = (D1 N1(h •) + D2 N2(h •) + D3+ N3+(h •)) / Σ_w c'``,
    where ``c'`` is the count used at that level (raw at the top, continuation below) and
    ``N_r(h •)`` the number of tokens ``w`` with ``c'(h w) = r`` (``>= r`` for ``N3+``).
    """
    d1, d2, d3 = d
    return total, d1 * n1 + d2 * n2 + d3 * n3


def level_counts(counts: NGramCounts, smoothing: str, k: int) -> np.ndarray:
    """The count ``c'`` that level ``k`` smooths: raw counts, except below the top level of Kneser-Ney.

    Kneser-Ney's lower levels use the *continuation count* ``N1+(• h w)``, "in how many different
    contexts does w appear" rather than "how often", which is why "Francisco" (always after "San")
    gets a small unigram probability: it only ever follows one word.
    """
    if smoothing in ("kneser_ney", "modified_kneser_ney") and k < counts.order:
        return counts.continuation[k]
    return counts.counts[k]


# ---------------------------------------------------------------------------------------------- backoff scores
def stupid_backoff(lower: np.ndarray, count: np.ndarray, total: np.ndarray, active: Any, alpha: float) -> np.ndarray:
    """Stupid backoff (Brants et al. 2007): ``S(w | h) = c(h w) / c(h •)`` if ``c(h w) > 0`` else ``λ · S(w | h')``.

    ``S(w) = c(w) / N`` at the unigram level (and ``λ / V`` for a never-seen token, our uniform
    base); ``λ = 0.4``. **Not a probability distribution**: the scores for one context sum to more
    than 1. Cheap, and works well for huge corpora. ``active`` is False where the context is longer
    than the text before the position (that level is skipped).

    >>> stupid_backoff(np.array([0.2, 0.3, 0.5]), np.array([2, 0, 0]), np.array([2.0]), True, 0.4).tolist()
    [1.0, 0.12, 0.2]
    """
    rel = count / np.maximum(total, 1e-300)
    return np.where(active, np.where(count > 0, rel, alpha * lower), lower)


# ---------------------------------------------------------------------------------------------- tables
@dataclass
class LevelTables:
    """What level ``k`` of a method reads, computed once from the counts (index = n-gram or context id).

    Attributes:
        count: ``c'(h w)`` of each distinct k-gram (:func:`level_counts`).
        discount: ``[0, D1, D2, D3+]`` (all zeros for methods without discounts).
        inv_denom: ``1 / denom(h)`` of each context, 0 for a context with nothing after it (interpolated methods).
        gamma: ``γ(h)`` of each context, 1 for a context with nothing after it (interpolated methods).
        total: ``c(h •)`` of each context (MLE, add-k and stupid backoff).
    """

    count: np.ndarray
    discount: np.ndarray
    inv_denom: np.ndarray
    gamma: np.ndarray
    total: np.ndarray


def build_levels(counts: NGramCounts, smoothing: str, *, discount: float | None = None,
                 discounts: tuple[float, float, float] | None = None, uniform_base: bool = True) -> list[LevelTables]:
    """The tables of levels ``1 .. order`` (index 0 is an empty placeholder) for a canonical ``smoothing``.

    Level ``k`` predicts the k-th token of a k-gram from its (k-1)-token context. Discounts not given
    are estimated per level from that level's count-of-counts. With ``uniform_base=False`` the
    recursion stops at level 1 with ``P_1(w) = c'(w) / Σ c'`` (no discount), as NLTK does.
    """
    empty = np.zeros(0)
    levels = [LevelTables(empty.astype(np.int64), np.zeros(4), empty, empty, empty)]
    for k in range(1, counts.order + 1):
        prefix = counts.prefix_ids(k)
        n_ctx = counts.keys[k - 1].size if k > 1 else 1
        # c(h •), needed by the methods that use raw relative frequencies only
        raw_total = empty
        if smoothing not in INTERPOLATED:
            raw_total = np.bincount(prefix, weights=counts.counts[k], minlength=n_ctx)
        ec = level_counts(counts, smoothing, k)
        dvec = np.zeros(4)
        inv = gamma = empty
        if smoothing in INTERPOLATED:
            total = np.bincount(prefix, weights=ec, minlength=n_ctx)  # Σ_w c'(h w)
            types = np.bincount(prefix, weights=ec > 0, minlength=n_ctx)  # |{w : c'(h w) > 0}|
            if k == 1 and not uniform_base:
                denom, gnum = total, np.zeros(n_ctx)
            elif smoothing == "witten_bell":
                denom, gnum = witten_bell(total, types)
            elif smoothing == "modified_kneser_ney":
                d3 = discounts or chen_goodman_discounts(*count_of_counts(ec)[1:5])
                dvec[:] = (0.0, *d3)
                n1 = np.bincount(prefix, weights=ec == 1, minlength=n_ctx)
                n2 = np.bincount(prefix, weights=ec == 2, minlength=n_ctx)
                denom, gnum = modified_kneser_ney(total, n1, n2, types - n1 - n2, d3)
            else:  # absolute discounting, Kneser-Ney
                nr = count_of_counts(ec)
                d = discount if discount is not None else ney_discount(int(nr[1]), int(nr[2]))
                dvec[1:] = d
                denom, gnum = absolute_discounting(total, types, d)
            seen = denom > 0
            inv = np.divide(1.0, denom, out=np.zeros(n_ctx), where=seen)
            gamma = np.divide(gnum, denom, out=np.ones(n_ctx), where=seen)
        levels.append(LevelTables(ec, dvec, inv, gamma, raw_total))
    return levels


@dataclass
class Smoothed:
    """A smoothing method applied to counts: everything :mod:`engine.ngram.interpolate` evaluates.

    Attributes:
        counts: the n-gram counts.
        method: the canonical smoothing name.
        levels: :func:`build_levels` of the counts.
        base: ``P_0(w)``, where the recursion ends: ``1/V`` (uniform base) or 0 (as NLTK).
        k: add-k's pseudo-count.
        alpha: stupid backoff's λ.
    """

    counts: NGramCounts
    method: str
    levels: list[LevelTables]
    base: float
    k: float | None = None
    alpha: float | None = None
