"""Units and reference points for language-model losses, and corpus BLEU/chrF for generated text.

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

Translations and captions are scored against human references with sacrebleu (Post 2018), whose
numbers are comparable with published ones: :func:`corpus_bleu` (Papineni et al. 2002) and
:func:`corpus_chrf` (Popović 2015), on sacrebleu's 0-100 scale, with every reference of a sentence.

>>> round(corpus_bleu(["the cat sat on the mat"], [["the cat sat on the mat", "a cat was on the mat"]]).score, 6)
100.0
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Container, Sequence
from typing import NamedTuple

__all__ = [
    "LN2",
    "MOSTLY_UNKNOWN",
    "CorpusScore",
    "OutOfVocabulary",
    "VocabSize",
    "bits_to_nats",
    "corpus_bleu",
    "corpus_chrf",
    "nats_to_bits",
    "out_of_vocabulary",
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


class VocabSize(NamedTuple):
    """What "vocabulary size" means everywhere in the lab: a char-LM's ``V`` outputs are the ``characters``
    distinct characters of its training text plus **one unknown symbol** (``�``, id 0 of
    :class:`engine.data.text.CharVocab`, which stands for any character never seen in training).

    So Tiny Shakespeare's 65 characters give ``V = 66`` outputs, and a model that has learned nothing
    guesses uniformly among all 66: ``ln 66 = 4.19`` nats, ``log2 66 = 6.04`` bits per character.

    >>> v = VocabSize.of_text("hello")          # e, h, l, o + the unknown symbol
    >>> v.characters, v.outputs, round(v.uniform_nats, 4), round(v.uniform_bits, 4)
    (4, 5, 1.6094, 2.3219)
    >>> VocabSize.of_outputs(66).characters
    65
    """

    characters: int

    @classmethod
    def of_text(cls, text: str) -> VocabSize:
        """The vocabulary a char-LM trained on ``text`` gets (the unknown symbol itself is not counted twice)."""
        return cls(len(set(text) - {"\ufffd"}))

    @classmethod
    def of_outputs(cls, outputs: int) -> VocabSize:
        """From a model's output count (``config.vocab_size``, ``len(CharVocab)``)."""
        if outputs < 1:
            raise ValueError(f"a char vocabulary has at least the unknown symbol, got {outputs} outputs")
        return cls(outputs - 1)

    @property
    def outputs(self) -> int:
        """``V``: the characters plus the unknown symbol, one softmax output each."""
        return self.characters + 1

    @property
    def uniform_nats(self) -> float:
        """``ln V``: the loss of a uniform guess among the ``V`` outputs."""
        return uniform_entropy(self.outputs)

    @property
    def uniform_bits(self) -> float:
        return nats_to_bits(self.uniform_nats)


class OutOfVocabulary(NamedTuple):
    """How much of a text a model cannot read: see :func:`out_of_vocabulary`."""

    fraction: float  # of the text's non-space characters, outside the vocabulary (0.0 for an empty text)
    unknown: list[str]  # the distinct unknown characters, in order of first appearance
    n_unknown: int
    n_checked: int  # non-space characters looked at

    def mostly_unknown(self, threshold: float | None = None) -> bool:
        """More than ``threshold`` (default :data:`MOSTLY_UNKNOWN`) of the text is outside the vocabulary."""
        return self.fraction > (MOSTLY_UNKNOWN if threshold is None else threshold)


#: Above this fraction of unknown characters a score or a translation of the rest would be meaningless:
#: the model only knows its training alphabet, and most of the text is not in it (pages refuse, and say so).
MOSTLY_UNKNOWN = 0.25


def out_of_vocabulary(text: str, known: Callable[[str], bool] | Container[str]) -> OutOfVocabulary:
    """The fraction of ``text``'s non-space characters that a model does not know.

    ``known`` is a vocabulary (anything with ``in``: a :class:`~engine.data.text.CharVocab`, a set of
    characters) or a predicate. Spaces and line breaks are not counted: every model knows them, and a
    short Korean sentence is mostly letters.

    >>> r = out_of_vocabulary("안녕, world!", set("world!, "))
    >>> round(r.fraction, 2), r.unknown, r.mostly_unknown()
    (0.22, ['안', '녕'], False)
    >>> out_of_vocabulary("안녕하세요, 저는 학생입니다.", set(",. ")).mostly_unknown()
    True
    """
    is_known = known if callable(known) else known.__contains__
    chars = [ch for ch in text if not ch.isspace()]
    unknown = [ch for ch in chars if not is_known(ch)]
    fraction = len(unknown) / len(chars) if chars else 0.0
    return OutOfVocabulary(fraction, list(dict.fromkeys(unknown)), len(unknown), len(chars))


def params_per_char(n_params: int, n_train_chars: int) -> float:
    """Parameters per training character. Well above 1, a model can memorise its data (overfitting risk)."""
    if n_train_chars < 1:
        return math.inf
    return n_params / n_train_chars


# --------------------------------------------------------------------------------------------------
# Scores of generated text against references (sacrebleu)
# --------------------------------------------------------------------------------------------------


class CorpusScore(NamedTuple):
    """A corpus-level score (0-100) and sacrebleu's signature: exactly how it was computed."""

    score: float
    signature: str


def _reference_streams(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> list[list[str | None]]:
    """Per-sentence reference lists -> sacrebleu's reference *streams*: stream ``j`` holds the ``j``-th
    reference of every sentence, ``None`` where a sentence has fewer (each may have a different number)."""
    if len(hypotheses) != len(references) or not hypotheses:
        raise ValueError(f"need as many reference lists as hypotheses (> 0), got {len(hypotheses)} and "
                         f"{len(references)}")
    if any(len(r) == 0 for r in references):
        raise ValueError("every hypothesis needs at least one reference")
    k = max(len(r) for r in references)
    return [[r[j] if j < len(r) else None for r in references] for j in range(k)]


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[Sequence[str]], max_order: int = 4,
                tokenize: str = "13a") -> CorpusScore:
    """Corpus BLEU-``max_order`` (0-100) of ``hypotheses`` against all ``references`` of each, with sacrebleu.

    BLEU-n is the geometric mean of the clipped (modified) 1..n-gram precisions, pooled over the
    corpus, times the brevity penalty ``min(1, exp(1 - r / c))`` where ``c`` is the hypotheses' total
    length and ``r`` the sum of the reference lengths closest to each hypothesis. ``tokenize``:
    sacrebleu's tokeniser (``"13a"``, its standard, for translations; ``"none"`` for text already
    split into words by spaces, as the captioner's normalised captions are).

    >>> refs = [["a dog runs on the grass", "the dog runs"]]
    >>> round(corpus_bleu(["a dog runs"], refs, max_order=1).score, 2)  # all 3 words in a reference of length 3
    100.0
    >>> round(corpus_bleu(["a dog runs"], refs).score, 2)  # no 4-gram at all
    0.0
    """
    from sacrebleu.metrics import BLEU

    streams = _reference_streams(hypotheses, references)
    bleu = BLEU(max_ngram_order=max_order, tokenize=tokenize)
    score = bleu.corpus_score(list(hypotheses), streams).score
    return CorpusScore(score, str(bleu.get_signature()))


def corpus_chrf(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> CorpusScore:
    """Corpus chrF (0-100): F-score of character n-grams (n <= 6, recall weighted twice), with sacrebleu.

    Kinder than BLEU to morphology (``allé`` vs ``allée``) and meaningful on single short sentences.
    """
    from sacrebleu.metrics import CHRF

    streams = _reference_streams(hypotheses, references)
    chrf = CHRF()
    score = chrf.corpus_score(list(hypotheses), streams).score
    return CorpusScore(score, str(chrf.get_signature()))
