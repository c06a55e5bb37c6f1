"""The vocabulary of an n-gram model: the special symbols, splitting text into tokens, tokens <-> ids.

``tokens[0] = "<unk>"``, ``tokens[1] = "<s>"``, ``tokens[2] = "</s>"``, then the training tokens in
sorted order (characters by code point). Any token outside the vocabulary reads as ``<unk>``::

    >>> v = Vocab.from_tokens(["a", "b", "c"])
    >>> v.tokens
    ['<unk>', '<s>', '</s>', 'a', 'b', 'c']
    >>> v.encode("cab🐈").tolist()                       # the cat was never seen: <unk> = 0
    [5, 3, 4, 0]
    >>> tokenize_words("I'll go.")
    ["I'll", 'go', '.']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from itertools import chain
from typing import Any

import numpy as np

__all__ = ["UNK", "BOS", "EOS", "UNK_ID", "BOS_ID", "EOS_ID", "SPECIALS", "Vocab", "codepoints", "pad",
           "split_text", "tokenize_words"]

#: Unknown-token symbol (NLTK spells it ``<UNK>``).
UNK = "<unk>"
#: Start-of-sequence padding symbol.
BOS = "<s>"
#: End-of-sequence padding symbol.
EOS = "</s>"
UNK_ID, BOS_ID, EOS_ID = 0, 1, 2
SPECIALS = (UNK, BOS, EOS)

_WORD_RE = re.compile(r"\w+(?:'\w+)*|[^\w\s]")


def tokenize_words(text: str) -> list[str]:
    """Split text into words and punctuation: ``"I'll go."`` -> ``["I'll", "go", "."]``.

    Runs of letters/digits/underscore (with inner apostrophes) are words; every other
    non-space character is a token of its own; whitespace (newlines included) is dropped.
    """
    return _WORD_RE.findall(text)


def split_text(text: str, tokenization: str | None, boundary: str | None) -> list[Any]:
    """The sequences of a text: the whole text, or each non-empty line (``boundary="line"``), as
    strings of characters or, for ``tokenization="word"``, lists of words.

    >>> split_text("to be\\n\\nor not", "word", "line")
    [['to', 'be'], ['or', 'not']]
    """
    if boundary == "line":
        lines = [ln for ln in text.split("\n") if ln]
        return [tokenize_words(ln) for ln in lines] if tokenization == "word" else lines
    return [tokenize_words(text)] if tokenization == "word" else [text]


def codepoints(text: str) -> np.ndarray:
    """Unicode code points of ``text`` as int64 (lone surrogates allowed)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.int64)


class Vocab:
    """``tokens`` (specials first) and their ids; a character vocabulary encodes a string with numpy.

    Never modified after it is built, so models derived from one another share it.
    """

    def __init__(self, tokens: Sequence[Hashable]) -> None:
        self.tokens: list[Hashable] = list(tokens)
        self.index: dict[Hashable, int] = {t: i for i, t in enumerate(self.tokens)}
        regular = self.tokens[len(SPECIALS) :]
        # a vocabulary of single characters: code points sorted, for a binary search per string
        self.char_codes: np.ndarray | None = None
        self.char_ids: np.ndarray | None = None
        if all(isinstance(t, str) and len(t) == 1 for t in regular):
            codes = np.array([ord(t) for t in regular], dtype=np.int64)  # type: ignore[arg-type]
            perm = np.argsort(codes)
            self.char_codes = codes[perm]
            self.char_ids = (len(SPECIALS) + perm).astype(np.int64)

    @classmethod
    def build(cls, seqs: list[Any], min_count: int = 1) -> tuple[Vocab, np.ndarray, np.ndarray]:
        """The vocabulary of training sequences, their ids (concatenated) and lengths.

        Tokens seen fewer than ``min_count`` times are left out (they read as ``<unk>``); tokens
        equal to a special symbol are that symbol. Strings are sequences of characters.

        >>> v, ids, lens = Vocab.build(["abca", "b"], min_count=2)
        >>> v.tokens[3:], ids.tolist(), lens.tolist()
        (['a', 'b'], [3, 4, 0, 3, 4], [4, 1])
        """
        if all(isinstance(s, str) for s in seqs):
            # fast path for characters: code points through numpy, no per-character Python work
            cps = [codepoints(s) for s in seqs]
            lens = np.array([c.size for c in cps], dtype=np.int64)
            allcp = np.concatenate(cps) if cps else np.zeros(0, np.int64)
            # code points are < 0x110000: count them with a bincount (a counting sort)
            cnt = np.bincount(allcp, minlength=1)
            uniq = np.flatnonzero(cnt)
            keep = cnt[uniq] >= min_count
            id_of_cp = np.full(cnt.size, UNK_ID, dtype=np.int64)
            id_of_cp[uniq[keep]] = len(SPECIALS) + np.arange(int(keep.sum()))
            return cls.from_tokens([chr(c) for c in uniq[keep]]), id_of_cp[allcp], lens
        seqs = [list(s) for s in seqs]
        counter = Counter(chain.from_iterable(seqs))
        regular = [t for t, c in counter.items() if c >= min_count and t not in SPECIALS]
        try:
            regular.sort()
        except TypeError:  # mixed token types: any fixed order will do
            regular.sort(key=lambda t: (type(t).__name__, repr(t)))
        vocab = cls.from_tokens(regular)
        lens = np.array([len(s) for s in seqs], dtype=np.int64)
        return vocab, vocab.encode(chain.from_iterable(seqs)), lens

    @classmethod
    def from_tokens(cls, regular: Iterable[Hashable]) -> Vocab:
        """The specials followed by ``regular`` (already sorted, without specials)."""
        return cls([*SPECIALS, *regular])

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, seq: str | Iterable[Hashable]) -> np.ndarray:
        """Ids (int64) of a string of characters or a token sequence; unknown tokens become ``UNK_ID``."""
        if isinstance(seq, str) and self.char_codes is not None:
            cp, codes, cids = codepoints(seq), self.char_codes, self.char_ids
            assert cids is not None
            if codes.size == 0:
                return np.full(cp.size, UNK_ID, dtype=np.int64)
            j = np.minimum(np.searchsorted(codes, cp), codes.size - 1)
            return np.where(codes[j] == cp, cids[j], UNK_ID)
        get = self.index.get
        return np.fromiter((get(t, UNK_ID) for t in seq), dtype=np.int64)

    def decode(self, ids: Iterable[int]) -> list[Hashable]:
        """Tokens of a sequence of ids."""
        return [self.tokens[int(i)] for i in ids]


def pad(ids: np.ndarray, lens: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate ``<s>``*p + tokens + ``</s>``*p for every sequence; returns (ids, padded lengths).

    >>> pad(np.array([7, 8, 9]), np.array([2, 1]), 1)[0].tolist()   # sequences [7, 8] and [9]
    [1, 7, 8, 2, 1, 9, 2]
    """
    plens = lens + 2 * p
    starts = np.cumsum(plens) - plens
    out = np.full(int(plens.sum()), EOS_ID, dtype=np.int64)
    if p:
        out[(starts[:, None] + np.arange(p)[None, :]).reshape(-1)] = BOS_ID
    tok_starts = np.cumsum(lens) - lens
    out[np.arange(ids.size) + np.repeat(starts + p - tok_starts, lens)] = ids
    return out, plens
