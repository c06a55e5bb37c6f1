"""N-gram language models (characters, words or any tokens), the baseline every RNN is compared to.

Quick start::

    >>> from engine.ngram import NGramLM
    >>> lm = NGramLM.fit_text("the cat sat on the mat. the cat ate.", order=3, smoothing="kneser_ney")
    >>> lm.top_k("the c", 1)[0][0]
    'a'
    >>> bits = -lm.score_sequence("the mat")          # per-character surprisal, in bits
    >>> lm.perplexity("the 🐈 sat") < float("inf")      # unknown characters are <unk>
    True

Modules:

* :mod:`engine.ngram.vocab` -- the ``<s>``/``</s>``/``<unk>`` symbols, tokens <-> ids;
* :mod:`engine.ngram.counting` -- counting n-grams with numpy (sorted int64 keys, binary search);
* :mod:`engine.ngram.smoothing` -- the smoothing formulas and discount estimators;
* :mod:`engine.ngram.interpolate` -- the formulas evaluated at many positions at once;
* :mod:`engine.ngram.sampling` -- generating text;
* :mod:`engine.ngram.persistence` -- the ``.npz`` model file;
* :mod:`engine.ngram.model` -- :class:`NGramLM` and its conventions.

Pure numpy: no torch needed. NLTK is only used by the tests and the benchmark, as a reference.
"""

from engine.ngram.model import (
    BOS,
    BOS_ID,
    EOS,
    EOS_ID,
    MAX_ORDER,
    UNK,
    UNK_ID,
    NGramLM,
    NotFittedError,
    tokenize_words,
)
from engine.ngram.smoothing import SMOOTHINGS, chen_goodman_discounts, describe_smoothings, ney_discount

__all__ = [
    "NGramLM",
    "NotFittedError",
    "BOS",
    "EOS",
    "UNK",
    "BOS_ID",
    "EOS_ID",
    "UNK_ID",
    "MAX_ORDER",
    "SMOOTHINGS",
    "describe_smoothings",
    "tokenize_words",
    "chen_goodman_discounts",
    "ney_discount",
]
