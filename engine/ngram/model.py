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

**Vocabulary** (:mod:`engine.ngram.vocab`). ``<unk>``, ``<s>``, ``</s>``, then the training tokens
sorted. Tokens seen fewer than ``min_count`` times (NLTK's ``unk_cutoff``) and tokens never seen in
training (an emoji, a misspelt word) read as ``<unk>``. Probabilities are distributions over the
*whole* vocabulary, ``<s>`` included, as in NLTK.

**Unknown tokens always get a finite surprisal.** The interpolated methods end their recursion
at the uniform distribution ``P_0(w) = 1/V`` (``uniform_base=True``, the textbook form of Chen &
Goodman), so ``<unk>`` has a probability > 0. NLTK's recursion stops at the unigram level
instead, which gives ``<unk>`` probability 0 and an infinite perplexity on any text with a new
character; pass ``uniform_base=False`` to reproduce NLTK exactly (see ``tests/test_ngram.py``).

**Contexts.** ``prob``/``distribution``/``top_k`` use the context exactly as given (its last
``order - 1`` tokens): a shorter context is evaluated with the lower-order model, as in NLTK.
Pass ``bos=True`` to treat the context as the *start* of a sequence (left-padded with ``<s>``),
which is what ``score_sequence`` does by default.

The differences from ``nltk.lm`` (all pinned by tests) are listed in :mod:`engine.ngram.smoothing`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.ngram.counting import NGramCounts
from engine.ngram.interpolate import next_distributions, next_token_probs
from engine.ngram.persistence import load_counts, save_counts
from engine.ngram.sampling import sample
from engine.ngram.smoothing import Smoothed, build_levels, check_params
from engine.ngram.vocab import BOS, BOS_ID, EOS, EOS_ID, SPECIALS, UNK, UNK_ID, Vocab, pad, split_text, tokenize_words

__all__ = ["NGramLM", "NotFittedError", "UNK", "BOS", "EOS", "UNK_ID", "BOS_ID", "EOS_ID", "MAX_ORDER",
           "tokenize_words"]

#: Highest supported order.
MAX_ORDER = 10

_TOKENIZATIONS = ("char", "word")
_BOUNDARIES = ("text", "line")
Tokens = str | Iterable[Hashable]  # a string (split with NGramLM.tokenize) or a token sequence
Context = Tokens | None


class NotFittedError(RuntimeError):
    """Raised when a model is used before ``fit``/``fit_text``/``load``."""


def _check_count(name: str, value: Any, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise ValueError(f"{name} must be an integer >= {lo}, got {value!r}")
    return int(value)


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

    def __init__(self, order: int = 3, smoothing: str = "kneser_ney", *, k: float | None = None,
                 discount: float | None = None, discounts: Sequence[float] | None = None, alpha: float | None = None,
                 min_count: int = 1, uniform_base: bool = True) -> None:
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 1 <= order <= MAX_ORDER:
            raise ValueError(f"order must be an integer from 1 to {MAX_ORDER}, got {order!r}")
        name, params = check_params(smoothing, k=k, discount=discount, discounts=discounts, alpha=alpha)
        self.order: int = int(order)
        self.smoothing: str = name
        self.k: float | None = params["k"]
        self.discount: float | None = params["discount"]
        self.discounts_given: tuple[float, float, float] | None = params["discounts"]
        self.alpha: float | None = params["alpha"]
        self.min_count: int = _check_count("min_count", min_count, 1)
        self.uniform_base: bool = bool(uniform_base)
        #: ``"char"`` or ``"word"`` when the model knows how to split a string, else None.
        self.tokenization: str | None = None
        #: ``"text"`` or ``"line"`` for models made by ``fit_text``, else None.
        self.boundary: str | None = None
        self._vocab = Vocab(SPECIALS)
        self._counts: NGramCounts | None = None
        self._smoothed: Smoothed | None = None

    # ================================================================== fitting
    @classmethod
    def fit_text(cls, text: str, order: int = 3, smoothing: str = "kneser_ney", *, tokens: str = "char",
                 boundary: str = "text", **params: Any) -> NGramLM:
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
            raise ValueError("fit() expects an iterable of sequences; use fit([text]) or NGramLM.fit_text(text)")
        seqs = list(sequences)
        if not seqs or not any(len(s) for s in seqs):
            raise ValueError("cannot fit on empty text: the sequences contain no tokens")
        all_str = all(isinstance(s, str) for s in seqs)
        return self._fit(seqs, "char" if all_str else None, None)

    def _fit(self, seqs: list[Any], tokenization: str | None, boundary: str | None) -> NGramLM:
        self.tokenization, self.boundary = tokenization, boundary
        self._vocab, ids, lens = Vocab.build(seqs, self.min_count)
        padded, plens = pad(ids, lens, self.order - 1)
        self._set_counts(NGramCounts.from_ids(padded, plens, self.order, len(self._vocab)))
        return self

    def _set_counts(self, counts: NGramCounts) -> None:
        """Take the counts and precompute what the smoothing formulas read."""
        self._counts = counts
        levels = build_levels(counts, self.smoothing, discount=self.discount, discounts=self.discounts_given,
                              uniform_base=self.uniform_base)
        base = 1.0 / counts.vocab_size if self.uniform_base else 0.0
        self._smoothed = Smoothed(counts, self.smoothing, levels, base, k=self.k, alpha=self.alpha)

    def derive(self, order: int | None = None, smoothing: str | None = None, **params: Any) -> NGramLM:
        """A model of a lower (or equal) order and any smoothing, built from this model's counts.

        The result is *exactly* the model that ``fit``/``fit_text`` would give on the same training
        text with ``order`` and ``smoothing`` (tested to the last bit, see
        :meth:`NGramCounts.lower_order <engine.ngram.counting.NGramCounts.lower_order>`). So one
        shipped order-7 file gives every order 1..7 and every smoothing without the training text,
        in milliseconds.

        Args:
            order: the new order, 1 .. ``self.order`` (default: the same order).
            smoothing: the new smoothing (default: the same smoothing, with the same parameters
                unless ``params`` are given).
            params: ``k``/``discount``/``discounts``/``alpha``/``uniform_base`` for the new model
                (``min_count`` is fixed by the counts and cannot change).

        Raises:
            ValueError: an order above this model's order, or bad smoothing parameters.
        """
        C = self._require()
        n = self.order if order is None else order
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= self.order:
            raise ValueError(f"order must be an integer from 1 to this model's order {self.order}, got {order!r}")
        if "min_count" in params:
            raise ValueError("min_count is fixed by the counts; refit the model to change it")
        uniform_base = params.pop("uniform_base", self.uniform_base)
        if smoothing is None and not params:
            smoothing, params = self.smoothing, self._params()
        model = type(self)(int(n), smoothing or self.smoothing, min_count=self.min_count, uniform_base=uniform_base,
                           **params)
        model.tokenization, model.boundary, model._vocab = self.tokenization, self.boundary, self._vocab
        model._set_counts(C.lower_order(int(n)))
        return model

    def _params(self) -> dict[str, Any]:
        """The smoothing parameters this model was made with (those given or defaulted, not estimated)."""
        params = {"k": self.k, "discount": self.discount, "alpha": self.alpha, "discounts": self.discounts_given}
        return {k: v for k, v in params.items() if v is not None}

    # ================================================================== basic properties
    def _require(self) -> NGramCounts:
        if self._counts is None:
            raise NotFittedError("this NGramLM is not fitted yet: call fit(), fit_text() or NGramLM.load()")
        return self._counts

    @property
    def smoothed(self) -> Smoothed:
        """The smoothing applied to the counts: what :mod:`engine.ngram.interpolate` evaluates."""
        self._require()
        assert self._smoothed is not None
        return self._smoothed

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
        return tuple(self._vocab.tokens)

    @property
    def vocab_size(self) -> int:
        """``V``, the size of the vocabulary (specials included)."""
        return len(self._vocab)

    def token_id(self, token: Hashable) -> int:
        """Id of a token (``UNK_ID`` for a token outside the vocabulary)."""
        return self._vocab.index.get(token, UNK_ID)

    @property
    def discounts(self) -> dict[int, tuple[float, float, float]]:
        """Discounts ``(D1, D2, D3+)`` used at each level k (equal for single-discount methods).

        Empty for methods without discounts (MLE, add-k, Witten-Bell, stupid backoff).
        """
        levels = enumerate(self.smoothed.levels[1:], start=1)
        if self.smoothing not in ("absolute_discounting", "kneser_ney", "modified_kneser_ney"):
            return {}
        return {k: (float(lv.discount[1]), float(lv.discount[2]), float(lv.discount[3])) for k, lv in levels}

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
        derived = sum(a.nbytes for lv in self.smoothed.levels for a in (lv.inv_denom, lv.gamma, lv.total))
        return C.nbytes + int(derived)

    def __repr__(self) -> str:
        state = f"V={self.vocab_size}, ngrams={self._counts.num_ngrams(self.order)}" if self._counts else "unfitted"
        return f"NGramLM(order={self.order}, smoothing={self.smoothing!r}, {state})"

    # ================================================================== tokens <-> ids
    def tokenize(self, text: str) -> list[Hashable]:
        """Split a string the way the model was trained (characters unless it is a word model)."""
        return tokenize_words(text) if self.tokenization == "word" else list(text)

    def _split(self, text: str) -> list[Any]:
        """The sequences that ``fit_text`` trains on / ``cross_entropy`` scores."""
        return split_text(text, self.tokenization, self.boundary)

    def encode(self, tokens: Tokens) -> np.ndarray:
        """Token ids (int64) of a string or a token sequence; unknown tokens become ``UNK_ID``."""
        self._require()
        if isinstance(tokens, str) and (self.tokenization == "word" or self._vocab.char_codes is None):
            tokens = self.tokenize(tokens)
        return self._vocab.encode(tokens)

    def decode(self, ids: Iterable[int]) -> list[Hashable]:
        """Tokens of a sequence of ids."""
        return self._vocab.decode(ids)

    def _join(self, tokens: list[Hashable]) -> str | list[Hashable]:
        if self.tokenization == "char":
            return "".join(str(t) for t in tokens)
        if self.tokenization == "word":
            return " ".join(str(t) for t in tokens)
        return tokens

    def _context_ids(self, context: Context, bos: bool) -> np.ndarray:
        ids = self.encode(context) if context is not None else np.zeros(0, np.int64)
        if bos:
            ids = np.concatenate([np.full(self.order - 1, BOS_ID, np.int64), ids])
        m = self.order - 1
        return ids[max(ids.size - m, 0) :] if m else ids[:0]

    # ================================================================== probabilities
    def distribution(self, context: Context = (), *, bos: bool = False) -> np.ndarray:
        """``P(w | context)`` for every ``w`` in :attr:`vocab`, as a float64 array of length V.

        Only the last ``order - 1`` tokens of the context are used. Cost: two binary searches and
        one vectorised update per order, O(order * (V + log N)).

        Args:
            context: the previous tokens (a string is split with :meth:`tokenize`).
            bos: treat the context as the start of a sequence (left-pad it with ``<s>``).
        """
        ctx = self._context_ids(context, bos)
        return next_distributions(self.smoothed, ctx, np.array([ctx.size]))[0]

    def next_distributions(self, tokens: Tokens, positions: Iterable[int] | None = None) -> np.ndarray:
        """``P(w | the order-1 tokens before p)`` for each position ``p`` of a sequence and every ``w``: ``(T, V)``.

        Row ``i`` equals :meth:`distribution` of the (up to ``order - 1``) tokens before
        ``positions[i]`` (no ``<s>`` padding: the first positions use the shorter contexts they
        have), computed for all positions at once. ``positions`` defaults to every token of the
        sequence (``0 .. len - 1``); ``len`` itself is the distribution after the last token. So
        ``log2`` of row ``p`` at token ``p`` is ``score_sequence(tokens, bos=False)[p]``::

            >>> lm = NGramLM.fit_text("to be or not to be", order=3)
            >>> lm.next_distributions("to b").shape               # (T, V): before t, o, space, b
            (4, 10)
            >>> d = lm.next_distributions("to b", [3, 4])         # before b, after b
            >>> [lm.vocab[i] for i in d.argmax(axis=1)]
            ['b', 'e']
        """
        ids = self.encode(tokens)
        pos = np.arange(ids.size) if positions is None else np.asarray(positions, dtype=np.int64).reshape(-1)
        if pos.size and (pos.min() < 0 or pos.max() > ids.size):
            raise ValueError(f"positions must be from 0 to the sequence length {ids.size}")
        return next_distributions(self.smoothed, ids, pos)

    def prob(self, token: Hashable, context: Context = (), *, bos: bool = False) -> float:
        """``P(token | context)`` (a score, not a probability, for stupid backoff)."""
        return float(self.distribution(context, bos=bos)[self.token_id(token)])

    def logprob(self, token: Hashable, context: Context = (), *, bos: bool = False) -> float:
        """``log2 P(token | context)`` (``-inf`` for probability 0, possible only with MLE/NLTK mode)."""
        p = self.prob(token, context, bos=bos)
        return math.log2(p) if p > 0 else -math.inf

    def top_k(self, context: Context = (), k: int = 5, *, bos: bool = False) -> list[tuple[Hashable, float]]:
        """The ``k`` most probable next tokens after ``context``, as ``(token, probability)`` pairs."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        p = self.distribution(context, bos=bos)
        idx = np.argsort(-p, kind="stable")[:k]
        return [(self._vocab.tokens[i], float(p[i])) for i in idx]

    # ================================================================== whole sequences
    def score_sequence(self, tokens: Tokens, *, bos: bool = True, eos: bool = False) -> np.ndarray:
        """``log2 P(w_t | w_{t-n+1} .. w_{t-1})`` for every token of the sequence (vectorised).

        ``-score_sequence(x)`` is the per-token surprisal in bits, what the "n-gram vs RNN" page
        draws as a strip.

        Args:
            tokens: a string (split with :meth:`tokenize`) or a token sequence.
            bos: the sequence starts a text: the first tokens are conditioned on ``<s>`` padding
                (as in training). If False they are conditioned on the shorter context available.
            eos: also score ``</s>`` after the last token (the result is then one longer).
        """
        ids = self.encode(tokens)
        p = self.order - 1 if bos else 0
        q = np.concatenate([np.full(p, BOS_ID, np.int64), ids, np.full(1 if eos else 0, EOS_ID, np.int64)])
        with np.errstate(divide="ignore"):
            return np.log2(next_token_probs(self.smoothed, q, np.arange(p, q.size)))

    def cross_entropy(self, data: Tokens, *, bos: bool = True, eos: bool | None = None) -> float:
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

    def perplexity(self, data: Tokens, *, bos: bool = True, eos: bool | None = None) -> float:
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
        return [(tuple(self.decode(g)), int(C.counts[n][j])) for g, j in zip(grams, idx)]

    # ================================================================== generation
    def generate(self, n: int = 200, seed: int | None = None, temperature: float = 1.0,
                 prime: str | Iterable[Hashable] = (), *, stop_at_eos: bool = False) -> str | list[Hashable]:
        """Sample ``n`` tokens, one at a time, from ``P(w | previous order-1 tokens)``.

        Generation starts after ``<s>`` padding and the ``prime`` tokens; only the new tokens are
        returned (a string for char/word models, else a list). ``<s>`` and ``<unk>`` are never
        sampled; ``</s>`` ends the text if ``stop_at_eos`` and is never sampled otherwise.
        Temperature ``T`` samples from ``p^(1/T)`` renormalised (``T = 0``: always the most likely
        token). For stupid backoff the scores are renormalised. The same ``seed`` gives the same text.
        """
        history = [BOS_ID] * (self.order - 1) + [int(i) for i in self.encode(prime)]
        ids = sample(self.smoothed, history, n, seed=seed, temperature=temperature, stop_at_eos=stop_at_eos)
        return self._join(self.decode(ids))

    # ================================================================== persistence
    def save(self, path: str | Path) -> Path:
        """Save to a ``.npz`` file (numpy arrays + a JSON header; no pickle, see :mod:`engine.ngram.persistence`).

        Returns the path.

        Raises:
            ValueError: if a vocabulary token is not a ``str`` or ``int`` (not JSON-representable).
        """
        meta = {"order": self.order, "smoothing": self.smoothing, "params": self._params(), "min_count": self.min_count,
                "uniform_base": self.uniform_base, "tokenization": self.tokenization, "boundary": self.boundary,
                "vocab": self._vocab.tokens[len(SPECIALS) :]}
        return save_counts(path, meta, self._require())

    @classmethod
    def load(cls, path: str | Path) -> NGramLM:
        """Load a model saved with :meth:`save`.

        Raises:
            ValueError: if the file is not an RNN Lab n-gram model.
        """
        meta, counts = load_counts(path)
        model = cls(counts.order, meta["smoothing"], min_count=meta["min_count"], uniform_base=meta["uniform_base"],
                    **dict(meta["params"]))
        model.tokenization, model.boundary = meta["tokenization"], meta["boundary"]
        model._vocab = Vocab.from_tokens(meta["vocab"])
        model._set_counts(counts)
        return model
