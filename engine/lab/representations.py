"""How a sentence becomes numbers: the notes' 단어 가방 (bag of words), 원핫 코드 (one-hot code) and
단어 임베딩 (word embedding), on a dictionary built from the sentences and on RNN Lab's trained models.

The notes' setting: a dictionary of ``m`` symbols (words, characters or subwords), and a sentence of
``T`` of them. Its **one-hot code** is a ``T × m`` matrix: row ``t`` is all zeros but a 1 in the column
of symbol ``t``. Its **bag of words** is the ``m``-vector of counts: the column sums of that matrix, so
the order of the rows (the time information) is lost. An **embedding** multiplies each one-hot row by a
learned ``m × n`` matrix ``E`` (``n`` much smaller than ``m``): row ``t`` of ``X = onehot · E`` is the
vector ``x(t)`` the RNN reads, and similar symbols get nearby vectors.

The notes' first example: the same bag of words, two different sequences::

    >>> a, b = NOTES_EXAMPLES["order"]
    >>> vocab = sentence_vocabulary([a, b], "word")
    >>> vocab.symbols, vocab.m
    (('april', 'cruelest', 'is', 'month', 'the'), 5)
    >>> ea, eb = encode(a, vocab), encode(b, vocab)
    >>> ea.units, ea.ids
    (['april', 'is', 'the', 'cruelest', 'month'], [0, 2, 4, 1, 3])
    >>> ea.one_hot()[0].tolist()                 # x(1) = "april": a 1 in column 0
    [1.0, 0.0, 0.0, 0.0, 0.0]
    >>> ea.bag_of_words().tolist() == eb.bag_of_words().tolist()
    True
    >>> c = compare(ea, eb)
    >>> c.same_bag, c.same_sequence, c.differing_rows
    (True, False, [1, 2, 3, 4, 5])

The second: spacing changes the words (``아버지가 방에`` "father enters the room" vs ``아버지 가방에``
"father enters the bag"), while the characters stay the same (only a space moves)::

    >>> a, b = NOTES_EXAMPLES["spacing"]
    >>> words = compare(*(encode(s, sentence_vocabulary([a, b], "word")) for s in (a, b)))
    >>> words.same_bag, words.only_a, words.only_b
    (False, ['방에', '아버지가'], ['가방에', '아버지'])
    >>> chars = compare(*(encode(s, sentence_vocabulary([a, b], "character")) for s in (a, b)))
    >>> chars.same_bag, chars.differing_rows
    (True, [4, 5])

Any Unicode text is accepted (normalised to NFC, cut at :data:`MAX_CHARS` characters). A model's
dictionary is fixed by its training data: what it has never seen becomes its unknown symbol (the
char-LSTM's ``�``, id 0) or, in the translator's sentencepiece dictionary, the character's UTF-8 bytes
(``<0xEC>`` ...); :attr:`Encoding.unknown` names them. Model tables live in
:mod:`engine.lab.embedding_space` (nearest neighbours by cosine and the 2D PCA projection).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

__all__ = [
    "LEVELS",
    "MAX_CHARS",
    "NOTES_EXAMPLES",
    "Comparison",
    "Encoding",
    "RepresentationError",
    "Vocabulary",
    "compare",
    "encode",
    "prepare_text",
    "sentence_vocabulary",
    "split_units",
]

#: Longer inputs are cut to this many characters (the page says so).
MAX_CHARS = 2000
#: Units a dictionary can be made of.
LEVELS = ("word", "character", "subword")
#: A dense one-hot matrix larger than this many entries is refused (use ``used_only=True``).
MAX_DENSE = 2_000_000

#: The notes' two examples: word order (same bag of words) and spacing (different words).
NOTES_EXAMPLES: dict[str, tuple[str, str]] = {
    "order": ("April is the cruelest month", "The cruelest month is April"),
    "spacing": ("아버지가 방에 들어가신다", "아버지 가방에 들어가신다"),
}

_WORD = re.compile(r"\w+|[^\w\s]")  # a run of letters/digits (any script), or one punctuation mark


class RepresentationError(ValueError):
    """The text cannot be represented (not a string, not valid Unicode, empty, too large a one-hot matrix)."""


def prepare_text(text: object, max_chars: int = MAX_CHARS) -> tuple[str, bool]:
    """The text as it is encoded (Unicode NFC, at most ``max_chars`` characters), and whether it was cut.

    >>> prepare_text("cafe\\u0301")          # e + combining accent: one character é
    ('café', False)
    >>> prepare_text("abcdef", max_chars=4)
    ('abcd', True)
    >>> prepare_text("\\ud800")
    Traceback (most recent call last):
    ...
    engine.lab.representations.RepresentationError: not valid Unicode text: a lone surrogate U+D800 at character 0
    """
    if not isinstance(text, str):
        raise RepresentationError(f"expected a string, got {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RepresentationError(f"not valid Unicode text: a lone surrogate U+{ord(text[exc.start]):04X} at "
                                  f"character {exc.start}") from None
    text = unicodedata.normalize("NFC", text)
    return (text[:max_chars], True) if len(text) > max_chars else (text, False)


def split_units(text: str, level: str, lowercase: bool = True) -> list[str]:
    """The units of ``text``: words (letters/digits of any script; each punctuation mark is a word) or characters.

    >>> split_units("The cruelest month, is April!", "word")
    ['the', 'cruelest', 'month', ',', 'is', 'april', '!']
    >>> split_units("Hi 안녕", "character", lowercase=False)
    ['H', 'i', ' ', '안', '녕']
    """
    if level not in ("word", "character"):
        raise RepresentationError(f"a sentence dictionary is made of words or characters, not {level!r}")
    text = prepare_text(text)[0]
    text = text.casefold() if lowercase else text
    return _WORD.findall(text) if level == "word" else list(text)


@dataclass(frozen=True)
class Vocabulary:
    """A dictionary of ``m`` symbols and the way a text is cut into them.

    ``split(text) -> (units, ids, unknown)``: the ``T`` units, their ids (row of the one-hot code) and the
    distinct parts of the text the dictionary does not have. ``unknown_id``: the id such parts get
    (``None`` when there is none: the dictionary was built from the text, or unseen characters become bytes).
    """

    name: str
    level: str
    symbols: tuple[str, ...]
    split: Callable[[str], tuple[list[str], list[int], list[str]]] = field(repr=False, compare=False)
    unknown_id: int | None = None
    note: str = ""  # how unseen input is handled, in words

    @property
    def m(self) -> int:
        return len(self.symbols)


def sentence_vocabulary(texts: Sequence[str], level: str, lowercase: bool = True) -> Vocabulary:
    """The dictionary of the given sentences: their distinct words (or characters), sorted.

    A text encoded with it that holds a unit the sentences do not have is refused (the page builds the
    dictionary from the very sentences it encodes; a model's dictionary handles unseen input instead).
    """
    units = sorted({u for text in texts for u in split_units(text, level, lowercase)})
    index = {u: i for i, u in enumerate(units)}

    def split(text: str) -> tuple[list[str], list[int], list[str]]:
        found = split_units(text, level, lowercase)
        missing = list(dict.fromkeys(u for u in found if u not in index))
        if missing:
            raise RepresentationError(f"{missing[:5]} not in this dictionary of {len(units)} {level}s")
        return found, [index[u] for u in found], []

    case = "lower-cased" if lowercase else "case kept"
    return Vocabulary(f"{level}s of the sentences ({case})", level, tuple(units), split,
                      note="built from these sentences, so every unit is in it")


@dataclass
class Encoding:
    """One text in one dictionary: ``T`` units, their ids, and what the dictionary did not know."""

    text: str
    vocab: Vocabulary
    units: list[str]
    ids: list[int]
    unknown: list[str] = field(default_factory=list)
    cut: bool = False  # the text was longer than MAX_CHARS and was cut

    @property
    def T(self) -> int:
        return len(self.ids)

    @property
    def m(self) -> int:
        return self.vocab.m

    def used_columns(self) -> list[int]:
        """The dictionary ids this text uses (the non-zero columns of its one-hot matrix), sorted."""
        return sorted(set(self.ids))

    def one_hot(self, columns: Sequence[int] | None = None) -> torch.Tensor:
        """The ``T × m`` one-hot matrix (row ``t``: a 1 in column ``ids[t]``), or only the given ``columns``.

        >>> v = sentence_vocabulary(["b a b"], "word")
        >>> encode("b a b", v).one_hot().tolist()
        [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]
        >>> encode("b a b", v).one_hot(columns=[1]).tolist()
        [[1.0], [0.0], [1.0]]
        """
        cols = list(range(self.m)) if columns is None else list(columns)
        if self.T * len(cols) > MAX_DENSE:
            raise RepresentationError(f"a {self.T} × {len(cols)} one-hot matrix is too large to build densely; "
                                      "ask for the used columns only")
        where = {c: j for j, c in enumerate(cols)}
        out = torch.zeros(self.T, len(cols))
        for t, i in enumerate(self.ids):
            if i in where:
                out[t, where[i]] = 1.0
        return out

    def bag_of_words(self) -> torch.Tensor:
        """The ``m``-vector of counts: how often each dictionary symbol occurs (the one-hot matrix's column sums).

        >>> encode("b a b", sentence_vocabulary(["b a b"], "word")).bag_of_words().tolist()
        [1.0, 2.0]
        """
        return torch.bincount(torch.tensor(self.ids, dtype=torch.long), minlength=self.m).float()

    def counts(self) -> dict[int, int]:
        """The non-zero entries of the bag of words: ``{id: count}``, ids sorted."""
        bag = self.bag_of_words()
        return {int(i): int(bag[i]) for i in torch.nonzero(bag).flatten().tolist()}


def encode(text: object, vocab: Vocabulary) -> Encoding:
    """``text`` (any Unicode, cut at :data:`MAX_CHARS`) in dictionary ``vocab``; empty text is refused."""
    text, cut = prepare_text(text)
    if not text.strip():
        raise RepresentationError("empty text: type a sentence")
    units, ids, unknown = vocab.split(text)
    if not ids:
        raise RepresentationError(f"no {vocab.level} in {text!r}")
    return Encoding(text, vocab, units, ids, unknown, cut)


@dataclass(frozen=True)
class Comparison:
    """Two encodings in one dictionary: same bag of words? same sequence? where do they differ?"""

    same_bag: bool
    same_sequence: bool
    differing_rows: list[int]  # time steps t (1-based) whose one-hot rows differ (or exist in one only)
    only_a: list[str]  # symbols counted more often in a than in b, sorted
    only_b: list[str]


def compare(a: Encoding, b: Encoding) -> Comparison:
    """Compare two encodings made with the same dictionary."""
    if a.vocab.symbols != b.vocab.symbols:
        raise RepresentationError("the two encodings use different dictionaries")
    bag_a, bag_b = a.bag_of_words(), b.bag_of_words()
    rows = [t + 1 for t in range(max(a.T, b.T)) if t >= min(a.T, b.T) or a.ids[t] != b.ids[t]]
    symbols = a.vocab.symbols
    return Comparison(same_bag=bool(torch.equal(bag_a, bag_b)), same_sequence=a.ids == b.ids, differing_rows=rows,
                      only_a=sorted(symbols[i] for i in torch.nonzero(bag_a > bag_b).flatten().tolist()),
                      only_b=sorted(symbols[i] for i in torch.nonzero(bag_b > bag_a).flatten().tolist()))
