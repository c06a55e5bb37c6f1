r"""``NGramLM``: an n-gram language model over characters, words or any hashable tokens.

Conventions (read these before comparing numbers with another toolkit)
----------------------------------------------------------------------
**Sequences and padding.** The model is trained on *sequences* of tokens. Following NLTK's
``padded_everygram_pipeline``, each sequence is padded with ``order - 1`` start symbols ``<s>``
on the left and ``order - 1`` end symbols ``</s>`` on the right, and every k-gram
(k = 1..order) inside each padded sequence is counted (n-grams never cross two sequences).
``NGramLM.fit_text`` decides what a sequence is:

* ``boundary="text"`` (default): the whole text is **one** sequence. For a character model this
  means ``"\n"`` is an ordinary character that the model predicts, just like a char-RNN trained
  on the same file, and ``<s>``/``</s>`` only appear once, at the very start and end.
* ``boundary="line"``: every non-empty line is a sequence (the ``"\n"`` itself is dropped, its
  role is played by ``</s>``); this is the usual "sentence per line" set-up of NLTK tutorials.

**Vocabulary.** ``vocab[0] = "<unk>"``, ``vocab[1] = "<s>"``, ``vocab[2] = "</s>"``, then the
training tokens in sorted order (characters by code point). Tokens seen fewer than
``min_count`` times are replaced by ``<unk>`` before counting (NLTK's ``unk_cutoff``); any token
never seen in training (an emoji, a Chinese character, a misspelt word) is read as ``<unk>``.
Probabilities are distributions over the *whole* vocabulary, ``<s>`` included, as in NLTK.

**Unknown tokens always get a finite surprisal.** The interpolated methods end their recursion
at the uniform distribution ``P_0(w) = 1/V`` (``uniform_base=True``, the textbook form of Chen &
Goodman), so ``<unk>`` has a probability > 0. NLTK's recursion stops at the unigram level
instead, which gives ``<unk>`` probability 0 and an infinite perplexity on any text with a new
character; pass ``uniform_base=False`` to reproduce NLTK exactly (see ``tests/test_ngram.py``).

**Contexts.** ``prob``/``distribution``/``top_k`` use the context exactly as given (its last
``order - 1`` tokens): a shorter context is evaluated with the lower-order model, as in NLTK.
Pass ``bos=True`` to treat the context as the *start* of a sequence (left-padded with ``<s>``),
which is what ``score_sequence`` does by default.

Differences from ``nltk.lm`` (all pinned by tests)
--------------------------------------------------
1. ``uniform_base`` as above (with ``uniform_base=False`` we match NLTK to ~1e-15; tested at 1e-9).
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

import json
import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from engine.ngram.counting import NGramCounts
from engine.ngram.smoothing import (
    INTERPOLATED,
    SMOOTHINGS,
    canonical_smoothing,
    chen_goodman_discounts,
    count_of_counts,
    ney_discount,
)

__all__ = [
    "NGramLM",
    "NotFittedError",
    "UNK",
    "BOS",
    "EOS",
    "UNK_ID",
    "BOS_ID",
    "EOS_ID",
    "MAX_ORDER",
    "tokenize_words",
]

#: Unknown-token symbol (NLTK spells it ``<UNK>``).
UNK = "<unk>"
#: Start-of-sequence padding symbol.
BOS = "<s>"
#: End-of-sequence padding symbol.
EOS = "</s>"
UNK_ID, BOS_ID, EOS_ID = 0, 1, 2
SPECIALS = (UNK, BOS, EOS)
#: Highest supported order.
MAX_ORDER = 10

_FORMAT = "rnnlab-ngram"
_FORMAT_VERSION = 1
_WORD_RE = re.compile(r"\w+(?:'\w+)*|[^\w\s]")
_PARAMS_OF = {
    "mle": (),
    "add_k": ("k",),
    "witten_bell": (),
    "absolute_discounting": ("discount",),
    "kneser_ney": ("discount",),
    "modified_kneser_ney": ("discounts",),
    "stupid_backoff": ("alpha",),
}
_TOKENIZATIONS = ("char", "word")
_BOUNDARIES = ("text", "line")


class NotFittedError(RuntimeError):
    """Raised when a model is used before ``fit``/``fit_text``/``load``."""


def tokenize_words(text: str) -> list[str]:
    """Split text into words and punctuation: ``"I'll go."`` -> ``["I'll", "go", "."]``.

    Runs of letters/digits/underscore (with inner apostrophes) are words; every other
    non-space character is a token of its own; whitespace (newlines included) is dropped.
    """
    return _WORD_RE.findall(text)


def _codepoints(text: str) -> np.ndarray:
    """Unicode code points of ``text`` as int64 (lone surrogates allowed)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.int64)


def _check_real(name: str, value: Any, lo: float, hi: float, *, lo_open: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    bad_lo = v <= lo if lo_open else v < lo
    if not math.isfinite(v) or bad_lo or v > hi:
        interval = f"{'(' if lo_open else '['}{lo}, {hi}]"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return v


class NGramLM:
    r"""An n-gram language model with classic smoothing methods, vectorised with numpy.

    ``P(w_t | w_1 .. w_{t-1}) ≈ P(w_t | w_{t-n+1} .. w_{t-1})``: the Markov assumption of order
    ``n - 1``. See :mod:`engine.ngram.smoothing` for the formulas of each method and the module
    docstring of :mod:`engine.ngram.model` for the ``<s>``/``</s>``/``<unk>`` conventions.

    Example::

        >>> lm = NGramLM.fit_text("to be or not to be", order=3, smoothing="kneser_ney")
        >>> round(float(lm.distribution("to ").sum()), 12)
        1.0
        >>> lm.top_k("to b", 1)[0][0]
        'e'

    Args:
        order: n, the length of the longest n-gram (1 = unigram model) — 1 to 10.
        smoothing: ``"mle"``, ``"add_k"`` (``"lidstone"``), ``"laplace"``, ``"witten_bell"``,
            ``"absolute_discounting"``, ``"kneser_ney"``, ``"modified_kneser_ney"`` or
            ``"stupid_backoff"`` (short aliases ``wb``, ``kn``, ``mkn`` also work).
        k: add-k pseudo-count (``add_k`` only, default 1; ``laplace`` is fixed to 1).
        discount: the single discount ``0 <= D <= 1`` of absolute discounting and Kneser-Ney
            (default: estimated per order as ``n1 / (n1 + 2 n2)``).
        discounts: ``(D1, D2, D3+)`` for modified Kneser-Ney, with ``0 <= D_r <= r``
            (default: Chen & Goodman estimates per order).
        alpha: the backoff factor λ of stupid backoff (default 0.4).
        min_count: tokens seen fewer times are mapped to ``<unk>`` before counting (default 1).
        uniform_base: end the interpolation recursion at the uniform distribution ``1/V``
            (default True; False reproduces NLTK, whose never-seen tokens get probability 0).

    Raises:
        ValueError: order outside 1..10, unknown smoothing, a parameter that the smoothing does
            not use, or a parameter out of range.
    """

    def __init__(
        self,
        order: int = 3,
        smoothing: str = "kneser_ney",
        *,
        k: float | None = None,
        discount: float | None = None,
        discounts: Sequence[float] | None = None,
        alpha: float | None = None,
        min_count: int = 1,
        uniform_base: bool = True,
    ) -> None:
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 1 <= order <= MAX_ORDER:
            raise ValueError(f"order must be an integer from 1 to {MAX_ORDER}, got {order!r}")
        name = canonical_smoothing(smoothing)
        laplace = str(smoothing).strip().lower() in ("laplace", "add_one")
        given = {"k": k, "discount": discount, "discounts": discounts, "alpha": alpha}
        for pname, value in given.items():
            if value is not None and pname not in _PARAMS_OF[name]:
                used = ", ".join(_PARAMS_OF[name]) or "no parameters"
                raise ValueError(f"smoothing {name!r} does not use {pname!r} (it takes: {used})")
        if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 1:
            raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")

        self.order: int = int(order)
        self.smoothing: str = name
        self.k: float | None = None
        self.discount: float | None = None
        self.discounts_given: tuple[float, float, float] | None = None
        self.alpha: float | None = None
        if name == "add_k":
            if laplace and k is not None and float(k) != 1.0:
                raise ValueError(f"laplace smoothing is add-one (k = 1); use smoothing='add_k' for k={k!r}")
            self.k = 1.0 if k is None else _check_real("k", k, 0.0, math.inf, lo_open=True)
        if discount is not None:
            self.discount = _check_real("discount", discount, 0.0, 1.0)
        if discounts is not None:
            ds = tuple(discounts)
            if len(ds) != 3:
                raise ValueError(f"discounts must be three numbers (D1, D2, D3+), got {discounts!r}")
            self.discounts_given = tuple(  # type: ignore[assignment]
                _check_real(f"D{r}{'+' if r == 3 else ''}", d, 0.0, float(r)) for r, d in zip((1, 2, 3), ds)
            )
        if name == "stupid_backoff":
            self.alpha = 0.4 if alpha is None else _check_real("alpha", alpha, 0.0, 1.0, lo_open=True)
        self.min_count: int = int(min_count)
        self.uniform_base: bool = bool(uniform_base)
        #: ``"char"`` or ``"word"`` when the model knows how to split a string, else None.
        self.tokenization: str | None = None
        #: ``"text"`` or ``"line"`` for models made by ``fit_text``, else None.
        self.boundary: str | None = None

        self._vocab: list[Hashable] = list(SPECIALS)
        self._tok2id: dict[Hashable, int] = {t: i for i, t in enumerate(SPECIALS)}
        self._char_codes: np.ndarray | None = None
        self._char_ids: np.ndarray | None = None
        self._counts: NGramCounts | None = None
        self._ec: list[np.ndarray] = []
        self._dvec: list[np.ndarray] = []
        self._inv_denom: list[np.ndarray] = []
        self._gamma: list[np.ndarray] = []
        self._ctx_total: list[np.ndarray] = []

    # ================================================================== fitting
    @classmethod
    def fit_text(
        cls,
        text: str,
        order: int = 3,
        smoothing: str = "kneser_ney",
        *,
        tokens: str = "char",
        boundary: str = "text",
        **params: Any,
    ) -> NGramLM:
        """Build and fit a model on a raw text.

        Args:
            text: the training text.
            order, smoothing, params: as for :class:`NGramLM`.
            tokens: ``"char"`` (every character is a token) or ``"word"`` (see :func:`tokenize_words`).
            boundary: ``"text"`` (the whole text is one sequence) or ``"line"`` (one sequence per
                non-empty line).

        Raises:
            ValueError: bad ``tokens``/``boundary``, or a text without any token.
        """
        if not isinstance(text, str):
            raise ValueError(f"fit_text expects a str, got {type(text).__name__}; use fit() for token lists")
        if tokens not in _TOKENIZATIONS:
            raise ValueError(f"tokens must be one of {_TOKENIZATIONS}, got {tokens!r}")
        if boundary not in _BOUNDARIES:
            raise ValueError(f"boundary must be one of {_BOUNDARIES}, got {boundary!r}")
        model = cls(order, smoothing, **params)
        model.tokenization, model.boundary = tokens, boundary
        seqs = model._split(text)
        if not any(len(s) for s in seqs):
            raise ValueError("cannot fit on an empty text (it has no tokens)")
        return model._fit(seqs, tokens, boundary)

    def fit(self, sequences: Iterable[Sequence[Hashable] | str]) -> NGramLM:
        """Fit on an iterable of token sequences (lists of words, sentencepiece pieces, or strings).

        Each sequence is padded with ``order - 1`` ``<s>`` and ``</s>`` (NLTK's
        ``padded_everygram_pipeline``). A ``str`` in the iterable is a sequence of characters.
        Tokens equal to ``"<s>"``, ``"</s>"`` or ``"<unk>"`` are read as those special symbols.
        Returns ``self``.

        Raises:
            ValueError: no sequences, no tokens at all, or a bare string (use ``fit([text])`` or
                :meth:`fit_text`).
        """
        if isinstance(sequences, str):
            raise ValueError(
                "fit() expects an iterable of sequences; use fit([text]) or NGramLM.fit_text(text)"
            )
        seqs = list(sequences)
        if not seqs or not any(len(s) for s in seqs):
            raise ValueError("cannot fit on empty text: the sequences contain no tokens")
        all_str = all(isinstance(s, str) for s in seqs)
        return self._fit(seqs, "char" if all_str else None, None)

    def _fit(self, seqs: list[Any], tokenization: str | None, boundary: str | None) -> NGramLM:
        self.tokenization, self.boundary = tokenization, boundary
        if all(isinstance(s, str) for s in seqs):
            # fast path for characters: code points through numpy, no per-character Python work
            cps = [_codepoints(s) for s in seqs]
            lens = np.array([c.size for c in cps], dtype=np.int64)
            allcp = np.concatenate(cps) if cps else np.zeros(0, np.int64)
            # code points are < 0x110000: count them with a bincount (a counting sort)
            cnt = np.bincount(allcp, minlength=1)
            uniq = np.flatnonzero(cnt)
            keep = cnt[uniq] >= self.min_count
            self._set_vocab([chr(c) for c in uniq[keep]])
            id_of_cp = np.full(cnt.size, UNK_ID, dtype=np.int64)
            id_of_cp[uniq[keep]] = len(SPECIALS) + np.arange(int(keep.sum()))
            ids = id_of_cp[allcp]
        else:
            seqs = [list(s) for s in seqs]
            counter = Counter(chain.from_iterable(seqs))
            regular = [t for t, c in counter.items() if c >= self.min_count and t not in SPECIALS]
            try:
                regular.sort()
            except TypeError:  # mixed token types: any fixed order will do
                regular.sort(key=lambda t: (type(t).__name__, repr(t)))
            self._set_vocab(regular)
            get = self._tok2id.get
            lens = np.array([len(s) for s in seqs], dtype=np.int64)
            ids = np.fromiter((get(t, UNK_ID) for t in chain.from_iterable(seqs)), np.int64, int(lens.sum()))
        padded, plens = self._pad(ids, lens)
        self._counts = NGramCounts.from_ids(padded, plens, self.order, len(self._vocab))
        self._prepare()
        return self

    def _pad(self, ids: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Concatenate ``<s>``*p + tokens + ``</s>``*p for every sequence (p = order - 1)."""
        p = self.order - 1
        plens = lens + 2 * p
        starts = np.cumsum(plens) - plens
        out = np.full(int(plens.sum()), EOS_ID, dtype=np.int64)
        if p:
            out[(starts[:, None] + np.arange(p)[None, :]).reshape(-1)] = BOS_ID
        tok_starts = np.cumsum(lens) - lens
        out[np.arange(ids.size) + np.repeat(starts + p - tok_starts, lens)] = ids
        return out, plens

    def derive(self, order: int | None = None, smoothing: str | None = None, **params: Any) -> NGramLM:
        """A model of a lower (or equal) order and any smoothing, built from this model's counts.

        The result is *exactly* the model that ``fit``/``fit_text`` would give on the same training
        text with ``order`` and ``smoothing`` (tested to the last bit): the counts of an order-N
        model contain all the counts of every order n <= N. Only the n-grams made of padding alone
        differ, because an order-N model pads with N-1 ``<s>``/``</s>`` and an order-n one with n-1:
        those few counts and continuation counts are corrected here. So one shipped order-7 file
        gives every order 1..7 and every smoothing without the training text, in milliseconds.

        Args:
            order: the new order, 1 .. ``self.order`` (default: the same order).
            smoothing: the new smoothing (default: the same smoothing, with the same parameters
                unless ``params`` are given).
            params: ``k``/``discount``/``discounts``/``alpha``/``uniform_base`` for the new model
                (``min_count`` is fixed by the counts and cannot change).

        Most arrays are shared with this model rather than copied (models are never modified after fitting).

        Raises:
            ValueError: an order above this model's order, or bad smoothing parameters.
        """
        C = self._require()
        n = self.order if order is None else order
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= self.order:
            raise ValueError(f"order must be an integer from 1 to this model's order {self.order}, got {order!r}")
        n = int(n)
        if "min_count" in params:
            raise ValueError("min_count is fixed by the counts; refit the model to change it")
        uniform_base = params.pop("uniform_base", self.uniform_base)
        if smoothing is None and not params:
            smoothing = self.smoothing
            params = {"k": self.k, "discount": self.discount, "discounts": self.discounts_given, "alpha": self.alpha}
            params = {k: v for k, v in params.items() if v is not None}
        model = type(self)(n, smoothing or self.smoothing, min_count=self.min_count, uniform_base=uniform_base,
                           **params)
        model.tokenization, model.boundary = self.tokenization, self.boundary
        model._vocab, model._tok2id = self._vocab, self._tok2id
        model._char_codes, model._char_ids = self._char_codes, self._char_ids
        keys, counts, cont = list(C.keys[: n + 1]), list(C.counts[: n + 1]), list(C.continuation[:n])
        cont.append(np.zeros(0, np.int64))
        big = self.order
        if n < big:
            V = C.vocab_size
            if big >= 2 and C.find(2, np.array([int(C.find(1, np.array([BOS_ID]))[0]) * V + EOS_ID]))[0] >= 0:
                raise ValueError("derive() cannot lower the order of a model fitted on empty sequences; refit it")
            # Number of sequences S: <s> occurs N-1 times in each padded sequence.
            n_seq = int(C.counts[1][C.find(1, np.array([BOS_ID]))[0]]) // (big - 1)
            gids = []
            for pad in (BOS_ID, EOS_ID):
                # id of the pure-padding k-gram pad^k at each level (pad^k exists for every k <= N - 1)
                gid = [0]
                for k in range(1, n + 1):
                    key = pad if k == 1 else gid[k - 1] * V + pad
                    gid.append(int(C.find(k, np.array([key]))[0]))
                gids.append(gid)
            for k in range(1, n):
                # pad^k occurs N - k times per sequence with N-1 pads, n - k times with n-1 pads
                counts[k] = counts[k].copy()
                counts[k][[g[k] for g in gids]] -= n_seq * (big - n)
            if n >= 2:
                # pad^n is no n-gram of the order-n model: pad^(n-1) loses that left neighbour
                cont[n - 1] = cont[n - 1].copy()
                cont[n - 1][[g[n - 1] for g in gids]] -= 1
            # and pad^n itself is not counted
            keep = np.ones(keys[n].size, dtype=bool)
            keep[[g[n] for g in gids]] = False
            keys[n], counts[n] = keys[n][keep], counts[n][keep]
        model._counts = NGramCounts(n, C.vocab_size, keys, counts, cont)
        model._prepare()
        return model

    def _set_vocab(self, regular: list[Hashable]) -> None:
        self._vocab = list(SPECIALS) + list(regular)
        self._tok2id = {t: i for i, t in enumerate(self._vocab)}
        if regular and all(isinstance(t, str) and len(t) == 1 for t in regular):
            codes = np.array([ord(t) for t in regular], dtype=np.int64)  # type: ignore[arg-type]
            perm = np.argsort(codes)
            self._char_codes = codes[perm]
            self._char_ids = (len(SPECIALS) + perm).astype(np.int64)
        elif not regular:
            self._char_codes = np.zeros(0, np.int64)
            self._char_ids = np.zeros(0, np.int64)
        else:
            self._char_codes = self._char_ids = None

    def _prepare(self) -> None:
        """Precompute, for every level k and every context h, what the formulas need.

        Level k predicts the k-th token of a k-gram from its (k-1)-token context. We store
        ``ec[k]``: the count used at level k (raw counts, or continuation counts ``N1+(• h w)``
        for the lower levels of Kneser-Ney), ``dvec[k] = [0, D1, D2, D3+]`` so that the discount
        of a count c is ``dvec[min(c, 3)]``, and per context: ``inv_denom = 1 / denominator`` and
        the backoff weight ``gamma`` (1 for a context with no continuations, i.e. "unseen").
        """
        C = self._require()
        o, name = self.order, self.smoothing
        empty = np.zeros(0)
        self._ec, self._dvec = [empty.astype(np.int64)], [np.zeros(4)]
        self._inv_denom, self._gamma, self._ctx_total = [empty], [empty], [empty]
        for k in range(1, o + 1):
            prefix = C.prefix_ids(k)
            n_ctx = C.keys[k - 1].size if k > 1 else 1
            raw = C.counts[k]
            # c(h •), needed by the methods that use raw relative frequencies only
            need_total = name not in INTERPOLATED
            self._ctx_total.append(np.bincount(prefix, weights=raw, minlength=n_ctx) if need_total else empty)
            use_cont = name in ("kneser_ney", "modified_kneser_ney") and k < o
            ec = C.continuation[k] if use_cont else raw
            self._ec.append(ec)
            dvec = np.zeros(4)
            inv = gamma = empty
            if name in INTERPOLATED:
                total = np.bincount(prefix, weights=ec, minlength=n_ctx)  # Σ_w c'(h w)
                types = np.bincount(prefix, weights=ec > 0, minlength=n_ctx)  # |{w : c'(h w) > 0}|
                if k == 1 and not self.uniform_base:
                    # NLTK: the recursion stops here with P_1(w) = c'(w) / Σ c' (no discount)
                    denom, gnum = total, np.zeros(n_ctx)
                elif name == "witten_bell":
                    denom, gnum = total + types, types
                else:
                    nr = count_of_counts(ec)
                    if name == "modified_kneser_ney":
                        d1, d2, d3 = self.discounts_given or chen_goodman_discounts(*nr[1:5])
                        dvec[:] = (0.0, d1, d2, d3)
                        n1 = np.bincount(prefix, weights=ec == 1, minlength=n_ctx)
                        n2 = np.bincount(prefix, weights=ec == 2, minlength=n_ctx)
                        n3 = types - n1 - n2
                        gnum = d1 * n1 + d2 * n2 + d3 * n3
                    else:
                        d = (
                            self.discount
                            if self.discount is not None
                            else ney_discount(int(nr[1]), int(nr[2]))
                        )
                        dvec[1:] = d
                        gnum = d * types
                    denom = total
                seen = denom > 0
                inv = np.divide(1.0, denom, out=np.zeros(n_ctx), where=seen)
                gamma = np.divide(gnum, denom, out=np.ones(n_ctx), where=seen)
            self._dvec.append(dvec)
            self._inv_denom.append(inv)
            self._gamma.append(gamma)

    # ================================================================== basic properties
    def _require(self) -> NGramCounts:
        if self._counts is None:
            raise NotFittedError("this NGramLM is not fitted yet: call fit(), fit_text() or NGramLM.load()")
        return self._counts

    @property
    def is_fitted(self) -> bool:
        """Whether the model has been fitted (or loaded)."""
        return self._counts is not None

    @property
    def is_distribution(self) -> bool:
        """True if ``distribution(h)`` sums to 1 for *every* context ``h``.

        False for stupid backoff (scores, not probabilities) and for MLE (all zeros after an unseen
        context).
        """
        return self.smoothing not in ("stupid_backoff", "mle")

    @property
    def vocab(self) -> tuple[Hashable, ...]:
        """The vocabulary: ``("<unk>", "<s>", "</s>", *sorted training tokens)``."""
        return tuple(self._vocab)

    @property
    def vocab_size(self) -> int:
        """``V``, the size of the vocabulary (specials included)."""
        return len(self._vocab)

    def token_id(self, token: Hashable) -> int:
        """Id of a token (``UNK_ID`` for a token outside the vocabulary)."""
        return self._tok2id.get(token, UNK_ID)

    @property
    def discounts(self) -> dict[int, tuple[float, float, float]]:
        """Discounts ``(D1, D2, D3+)`` used at each level k (equal for single-discount methods).

        Empty for methods without discounts (MLE, add-k, Witten-Bell, stupid backoff).
        """
        self._require()
        if self.smoothing not in ("absolute_discounting", "kneser_ney", "modified_kneser_ney"):
            return {}
        return {k: (float(d[1]), float(d[2]), float(d[3])) for k, d in enumerate(self._dvec) if k >= 1}

    def num_ngrams(self, n: int) -> int:
        """Number of distinct n-grams seen in training (pads included), to compare with ``V**n``."""
        C = self._require()
        if not 1 <= n <= self.order:
            raise ValueError(f"n must be from 1 to the model order {self.order}, got {n!r}")
        return C.num_ngrams(n)

    @property
    def nbytes(self) -> int:
        """Memory held by the model's numpy arrays, in bytes."""
        C = self._require()
        derived = sum(a.nbytes for lst in (self._inv_denom, self._gamma, self._ctx_total) for a in lst)
        return C.nbytes + int(derived)

    def __repr__(self) -> str:
        state = (
            f"V={self.vocab_size}, ngrams={self._counts.num_ngrams(self.order)}"
            if self._counts
            else "unfitted"
        )
        return f"NGramLM(order={self.order}, smoothing={self.smoothing!r}, {state})"

    # ================================================================== tokens <-> ids
    def tokenize(self, text: str) -> list[Hashable]:
        """Split a string the way the model was trained (characters unless it is a word model)."""
        return tokenize_words(text) if self.tokenization == "word" else list(text)

    def _split(self, text: str) -> list[Any]:
        """The sequences that ``fit_text`` trains on / ``cross_entropy`` scores."""
        if self.boundary == "line":
            lines = [ln for ln in text.split("\n") if ln]
            return [tokenize_words(ln) for ln in lines] if self.tokenization == "word" else lines
        return [tokenize_words(text)] if self.tokenization == "word" else [text]

    def encode(self, tokens: str | Iterable[Hashable]) -> np.ndarray:
        """Token ids (int64) of a string or a token sequence; unknown tokens become ``UNK_ID``."""
        self._require()
        if isinstance(tokens, str) and self.tokenization != "word" and self._char_codes is not None:
            cp = _codepoints(tokens)
            codes, cids = self._char_codes, self._char_ids
            assert cids is not None
            if codes.size == 0:
                return np.full(cp.size, UNK_ID, dtype=np.int64)
            j = np.minimum(np.searchsorted(codes, cp), codes.size - 1)
            return np.where(codes[j] == cp, cids[j], UNK_ID)
        seq = self.tokenize(tokens) if isinstance(tokens, str) else tokens
        get = self._tok2id.get
        return np.fromiter((get(t, UNK_ID) for t in seq), dtype=np.int64)

    def decode(self, ids: Iterable[int]) -> list[Hashable]:
        """Tokens of a sequence of ids."""
        return [self._vocab[int(i)] for i in ids]

    def _join(self, tokens: list[Hashable]) -> str | list[Hashable]:
        if self.tokenization == "char":
            return "".join(str(t) for t in tokens)
        if self.tokenization == "word":
            return " ".join(str(t) for t in tokens)
        return tokens

    def _context_ids(self, context: str | Iterable[Hashable] | None, bos: bool) -> np.ndarray:
        ids = self.encode(context) if context is not None else np.zeros(0, np.int64)
        if bos:
            ids = np.concatenate([np.full(self.order - 1, BOS_ID, np.int64), ids])
        m = self.order - 1
        return ids[max(ids.size - m, 0) :] if m else ids[:0]

    # ================================================================== probabilities
    def distribution(self, context: str | Iterable[Hashable] | None = (), *, bos: bool = False) -> np.ndarray:
        """``P(w | context)`` for every ``w`` in :attr:`vocab`, as a float64 array of length V.

        Only the last ``order - 1`` tokens of the context are used. Cost: one binary search and
        one vectorised update per order, O(order * (V + log N)).

        Args:
            context: the previous tokens (a string is split with :meth:`tokenize`).
            bos: treat the context as the start of a sequence (left-pad it with ``<s>``).
        """
        self._require()
        return self._distribution_ids(self._context_ids(context, bos))

    def _distribution_ids(self, ctx: np.ndarray) -> np.ndarray:
        C = self._require()
        V, m, name = self.vocab_size, ctx.size, self.smoothing
        chain_ids = C.lookup(ctx, m)
        # cids[j] = id of the context made of the last j tokens (level j); cids[0] = 0, the empty one
        cids = [0] + [int(chain_ids[j][m - j]) for j in range(1, m + 1)]

        def block(k: int) -> tuple[np.ndarray, np.ndarray] | None:
            cid = cids[k - 1]
            if cid < 0:
                return None
            sl = C.block(k, cid)
            ws = C.keys[k][sl] - cid * V if k > 1 else C.keys[1][sl]
            return ws, sl  # type: ignore[return-value]

        if name in INTERPOLATED:
            p = np.full(V, 1.0 / V if self.uniform_base else 0.0)
            for k in range(1, m + 2):
                b = block(k)
                if b is None:
                    continue  # unseen context: α = 0, γ = 1
                ws, sl = b
                cid = cids[k - 1]
                ec = self._ec[k][sl]
                a = np.maximum(ec - self._dvec[k][np.minimum(ec, 3)], 0.0) * self._inv_denom[k][cid]
                p *= self._gamma[k][cid]
                p[ws] += a
            return p
        k = m + 1
        b = block(k)
        if name == "stupid_backoff":
            assert self.alpha is not None
            s = np.full(V, 1.0 / V if self.uniform_base else 0.0)
            for lev in range(1, m + 2):
                s *= self.alpha
                bl = block(lev)
                if bl is not None:  # seen continuations: relative frequency, no backoff
                    s[bl[0]] = C.counts[lev][bl[1]] / self._ctx_total[lev][cids[lev - 1]]
            return s
        total = self._ctx_total[k][cids[k - 1]] if b is not None else 0.0
        if name == "add_k":
            assert self.k is not None
            p = np.full(V, self.k)
            if b is not None:
                p[b[0]] += C.counts[k][b[1]]
            return p / (total + self.k * V)
        # mle
        p = np.zeros(V)
        if b is not None and total > 0:
            p[b[0]] = C.counts[k][b[1]] / total
        return p

    def prob(
        self, token: Hashable, context: str | Iterable[Hashable] | None = (), *, bos: bool = False
    ) -> float:
        """``P(token | context)`` (a score, not a probability, for stupid backoff)."""
        return float(self.distribution(context, bos=bos)[self.token_id(token)])

    def logprob(
        self, token: Hashable, context: str | Iterable[Hashable] | None = (), *, bos: bool = False
    ) -> float:
        """``log2 P(token | context)`` (``-inf`` for probability 0, possible only with MLE/NLTK mode)."""
        p = self.prob(token, context, bos=bos)
        return math.log2(p) if p > 0 else -math.inf

    def top_k(
        self, context: str | Iterable[Hashable] | None = (), k: int = 5, *, bos: bool = False
    ) -> list[tuple[Hashable, float]]:
        """The ``k`` most probable next tokens after ``context``, as ``(token, probability)`` pairs."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        p = self.distribution(context, bos=bos)
        idx = np.argsort(-p, kind="stable")[:k]
        return [(self._vocab[i], float(p[i])) for i in idx]

    # ================================================================== whole sequences
    def score_sequence(
        self, tokens: str | Iterable[Hashable], *, bos: bool = True, eos: bool = False
    ) -> np.ndarray:
        """``log2 P(w_t | w_{t-n+1} .. w_{t-1})`` for every token of the sequence (vectorised).

        ``-score_sequence(x)`` is the per-token surprisal in bits, what the "n-gram vs RNN" page
        draws as a strip.

        Args:
            tokens: a string (split with :meth:`tokenize`) or a token sequence.
            bos: the sequence starts a text: the first tokens are conditioned on ``<s>`` padding
                (as in training). If False they are conditioned on the shorter context available.
            eos: also score ``</s>`` after the last token (the result is then one longer).
        """
        self._require()
        ids = self.encode(tokens)
        p = self.order - 1
        parts = [np.full(p if bos else 0, BOS_ID, np.int64), ids, np.full(1 if eos else 0, EOS_ID, np.int64)]
        q = np.concatenate(parts)
        with np.errstate(divide="ignore"):
            return np.log2(self._probs_at(q, p if bos else 0))

    def _probs_at(self, q: np.ndarray, start: int) -> np.ndarray:
        """Probabilities of ``q[t]`` given up to ``order - 1`` previous tokens of ``q``, t >= start."""
        C = self._require()
        o, V, name = self.order, self.vocab_size, self.smoothing
        t = np.arange(start, q.size, dtype=np.int64)
        if t.size == 0:
            return np.zeros(0)
        qid = C.lookup(q, o)

        def ids_at(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            # level k: context = q[t-k+1 : t] (id at level k-1), k-gram = q[t-k+1 : t+1]
            s = t - k + 1
            active = s >= 0
            sc = np.maximum(s, 0)
            cid = np.where(active, qid[k - 1][sc], -1)
            gid = np.where(active, qid[k][sc], -1)
            return cid, gid, active

        def take(arr: np.ndarray, idx: np.ndarray, default: float) -> np.ndarray:
            ok = idx >= 0
            return np.where(ok, arr[np.where(ok, idx, 0)] if arr.size else default, default)

        if name in INTERPOLATED:
            prob = np.full(t.size, 1.0 / V if self.uniform_base else 0.0)
            for k in range(1, o + 1):
                cid, gid, _ = ids_at(k)
                ec = take(self._ec[k], gid, 0)
                alpha = np.maximum(ec - self._dvec[k][np.minimum(ec, 3)], 0.0) * take(
                    self._inv_denom[k], cid, 0.0
                )
                prob = alpha + take(self._gamma[k], cid, 1.0) * prob
            return prob
        if name == "stupid_backoff":
            assert self.alpha is not None
            score = np.full(t.size, 1.0 / V if self.uniform_base else 0.0)
            for k in range(1, o + 1):
                cid, gid, active = ids_at(k)
                c = take(C.counts[k], gid, 0)
                rel = c / np.maximum(take(self._ctx_total[k], cid, 1.0), 1e-300)
                score = np.where(active, np.where(c > 0, rel, self.alpha * score), score)
            return score
        # add-k and MLE use only the longest available context
        top = np.minimum(t + 1, o)
        prob = np.zeros(t.size)
        for k in range(1, o + 1):
            sel = top == k
            if not sel.any():
                continue
            cid, gid, _ = ids_at(k)
            c = take(C.counts[k], gid, 0)[sel]
            total = take(self._ctx_total[k], cid, 0.0)[sel]
            if name == "add_k":
                assert self.k is not None
                prob[sel] = (c + self.k) / (total + self.k * V)
            else:
                prob[sel] = np.divide(c, total, out=np.zeros(c.size), where=total > 0)
        return prob

    def cross_entropy(
        self, data: str | Iterable[Hashable], *, bos: bool = True, eos: bool | None = None
    ) -> float:
        """Average surprisal in bits per token, ``H = -(1/N) Σ_t log2 P(w_t | history)``.

        For a model made with ``fit_text(..., boundary="line")`` a string is split into lines and
        each line is scored as its own sequence, with ``</s>`` scored at the end of each line
        (``eos`` defaults to True for such models, False otherwise).

        Raises:
            ValueError: if there is nothing to score.
        """
        self._require()
        if eos is None:
            eos = self.boundary == "line"
        if isinstance(data, str) and self.boundary == "line":
            seqs = self._split(data)
            scores = [self.score_sequence(s, bos=bos, eos=eos) for s in seqs]
            lp = np.concatenate(scores) if scores else np.zeros(0)
        else:
            lp = self.score_sequence(data, bos=bos, eos=eos)
        if lp.size == 0:
            raise ValueError("cannot compute the cross-entropy of an empty text")
        return float(-lp.mean())

    def perplexity(
        self, data: str | Iterable[Hashable], *, bos: bool = True, eos: bool | None = None
    ) -> float:
        """``PP = 2 ** H``: the effective number of equally likely choices per token."""
        return float(2.0 ** self.cross_entropy(data, bos=bos, eos=eos))

    # ================================================================== counts for teaching pages
    def count(self, ngram: str | Sequence[Hashable]) -> int:
        """Raw training count of an n-gram (a string is split with :meth:`tokenize`)."""
        C = self._require()
        ids = self.encode(ngram)
        n = ids.size
        if not 1 <= n <= self.order:
            raise ValueError(f"the n-gram must have 1 to {self.order} tokens, got {n}")
        gid = int(C.lookup(ids, n)[n][0])
        return int(C.counts[n][gid]) if gid >= 0 else 0

    def most_common(self, n: int, k: int = 10) -> list[tuple[tuple[Hashable, ...], int]]:
        """The ``k`` most frequent n-grams of length ``n`` with their counts."""
        C = self._require()
        if not 1 <= n <= self.order:
            raise ValueError(f"n must be from 1 to the model order {self.order}, got {n!r}")
        idx = np.argsort(-C.counts[n], kind="stable")[:k]
        grams = C.decode(n, idx)
        return [(tuple(self._vocab[i] for i in g), int(C.counts[n][j])) for g, j in zip(grams, idx)]

    # ================================================================== generation
    def generate(
        self,
        n: int = 200,
        seed: int | None = None,
        temperature: float = 1.0,
        prime: str | Iterable[Hashable] = (),
        *,
        stop_at_eos: bool = False,
    ) -> str | list[Hashable]:
        """Sample ``n`` tokens, one at a time, from ``P(w | previous order-1 tokens)``.

        Generation starts after ``<s>`` padding and the ``prime`` tokens; only the new tokens are
        returned (a string for char/word models, else a list). ``<s>`` and ``<unk>`` are never
        sampled; ``</s>`` ends the text if ``stop_at_eos`` and is never sampled otherwise.
        Temperature ``T`` samples from ``p^(1/T)`` renormalised (``T = 0``: always the most likely
        token). For stupid backoff the scores are renormalised. The same ``seed`` gives the same text.
        """
        self._require()
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be a non-negative integer, got {n!r}")
        temperature = _check_real("temperature", temperature, 0.0, math.inf)
        rng = np.random.default_rng(seed)
        m = self.order - 1
        hist = [BOS_ID] * m + [int(i) for i in self.encode(prime)]
        banned = [UNK_ID, BOS_ID] + ([] if stop_at_eos else [EOS_ID])
        out: list[int] = []
        for _ in range(n):
            ctx = np.array(hist[len(hist) - m :] if m else [], dtype=np.int64)
            p = self._distribution_ids(ctx)
            p[banned] = 0.0
            while p.sum() <= 0 and ctx.size:  # only possible for MLE: back off to a shorter context
                ctx = ctx[1:]
                p = self._distribution_ids(ctx)
                p[banned] = 0.0
            if p.sum() <= 0:
                p = np.ones(self.vocab_size)
                p[banned] = 0.0
            if temperature == 0.0:
                i = int(np.argmax(p))
            else:
                with np.errstate(divide="ignore"):
                    logits = np.log(p) / temperature
                w = np.exp(logits - logits.max())
                cdf = np.cumsum(w)
                i = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
                i = min(i, self.vocab_size - 1)
                if w[i] == 0:
                    i = int(np.argmax(w))
            if i == EOS_ID:
                break
            out.append(i)
            hist.append(i)
        return self._join(self.decode(out))

    # ================================================================== persistence
    def save(self, path: str | Path) -> Path:
        """Save to a ``.npz`` file (numpy arrays + a JSON header; no pickle). Returns the path.

        Raises:
            ValueError: if a vocabulary token is not a ``str`` or ``int`` (not JSON-representable).
        """
        C = self._require()
        for t in self._vocab:
            if isinstance(t, bool) or not isinstance(t, (str, int)):
                raise ValueError(
                    f"cannot save token {t!r} of type {type(t).__name__}: only str and int tokens"
                )
        params = {
            "k": self.k,
            "discount": self.discount,
            "alpha": self.alpha,
            "discounts": list(self.discounts_given) if self.discounts_given else None,
        }
        meta = {
            "format": _FORMAT,
            "version": _FORMAT_VERSION,
            "order": self.order,
            "smoothing": self.smoothing,
            "params": {k: v for k, v in params.items() if v is not None},
            "min_count": self.min_count,
            "uniform_base": self.uniform_base,
            "tokenization": self.tokenization,
            "boundary": self.boundary,
            "vocab": self._vocab[len(SPECIALS) :],
        }
        arrays: dict[str, np.ndarray] = {
            "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
        }
        for k in range(1, self.order + 1):
            arrays[f"keys_{k}"] = C.keys[k]
            arrays[f"counts_{k}"] = C.counts[k]
            if k < self.order:
                arrays[f"cont_{k}"] = C.continuation[k]
        path = Path(path)
        with open(path, "wb") as f:
            np.savez_compressed(f, **arrays)
        return path

    @classmethod
    def load(cls, path: str | Path) -> NGramLM:
        """Load a model saved with :meth:`save` (``np.load(..., allow_pickle=False)``).

        Raises:
            ValueError: if the file is not an RNN Lab n-gram model.
        """
        with np.load(Path(path), allow_pickle=False) as z:
            if "meta" not in z.files:
                raise ValueError(f"{path}: not an RNN Lab n-gram model (no 'meta' entry)")
            meta = json.loads(bytes(z["meta"]).decode("utf-8"))
            if meta.get("format") != _FORMAT or meta.get("version") != _FORMAT_VERSION:
                raise ValueError(
                    f"{path}: unsupported format {meta.get('format')!r} v{meta.get('version')!r}"
                )
            order = int(meta["order"])
            params = dict(meta["params"])
            model = cls(
                order,
                meta["smoothing"],
                min_count=meta["min_count"],
                uniform_base=meta["uniform_base"],
                **params,
            )
            model.tokenization, model.boundary = meta["tokenization"], meta["boundary"]
            model._set_vocab(list(meta["vocab"]))
            keys = [np.zeros(0, np.int64)] + [z[f"keys_{k}"].astype(np.int64) for k in range(1, order + 1)]
            counts = [np.zeros(0, np.int64)] + [z[f"counts_{k}"] for k in range(1, order + 1)]
            cont = [np.zeros(0, np.int64)] + [z[f"cont_{k}"] for k in range(1, order)]
            cont.append(np.zeros(0, np.int64))
            for arr in chain(counts, cont):
                if arr.dtype.kind not in "iu":
                    raise ValueError(f"{path}: corrupt count arrays (dtype {arr.dtype})")
        model._counts = NGramCounts(order, model.vocab_size, keys, counts, cont)
        model._prepare()
        return model


def describe_smoothings() -> dict[str, str]:
    """Canonical smoothing names with a one-line description (for UI select boxes)."""
    return dict(SMOOTHINGS)
