"""The captioner's words: caption tokenisation and the word vocabulary (``<pad> <start> <end> <unk>`` first).

>>> tokenize_caption("A dog's red ball , on the grass .")
['a', 'dogs', 'red', 'ball', 'on', 'the', 'grass']
>>> vocab = WordVocab.from_captions(["a dog runs", "a dog sits", "a cat"], min_freq=2)
>>> vocab.words
['<pad>', '<start>', '<end>', '<unk>', 'a', 'dog']
>>> vocab.encode("A cat!"), vocab.decode([1, 4, 3, 2, 5])
([1, 4, 3, 2], ['a', '<unk>'])
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

__all__ = ["singular_forms", "END", "PAD", "SPECIALS", "START", "UNK", "WordVocab", "tokenize_caption"]

PAD, START, END, UNK = "<pad>", "<start>", "<end>", "<unk>"
SPECIALS = (PAD, START, END, UNK)

_PUNCT = re.compile(r"[^\w\s]")


def tokenize_caption(text: str) -> list[str]:
    """Lower-case words with punctuation removed (``"A dog's ball ."`` -> ``["a", "dogs", "ball"]``).

    The usual Flickr8k/COCO preprocessing (Karpathy's): used for the vocabulary, the training
    targets and the BLEU references alike.
    """
    return _PUNCT.sub("", text.lower()).split()


class WordVocab:
    """Word vocabulary: ``<pad>`` = 0, ``<start>`` = 1, ``<end>`` = 2, ``<unk>`` = 3, then the words.

    Words seen fewer than ``min_freq`` times in the training captions map to ``<unk>``.
    """

    def __init__(self, words: Sequence[str]):
        words = list(words)
        if tuple(words[: len(SPECIALS)]) != SPECIALS:
            raise ValueError(f"a WordVocab starts with {SPECIALS}, got {words[:4]}")
        if len(set(words)) != len(words):
            raise ValueError("WordVocab words must be distinct")
        self.words = words
        self.index = {w: i for i, w in enumerate(words)}
        self.pad_id, self.start_id, self.end_id, self.unk_id = 0, 1, 2, 3

    @classmethod
    def from_captions(cls, captions: Iterable[str], min_freq: int = 5, max_size: int | None = None) -> WordVocab:
        """Words of ``captions`` seen at least ``min_freq`` times, most frequent first (ties: alphabetical)."""
        if min_freq < 1:
            raise ValueError("min_freq must be >= 1")
        counts = Counter(w for c in captions for w in tokenize_caption(c))
        ranked = sorted((w for w, n in counts.items() if n >= min_freq and w not in SPECIALS),
                        key=lambda w: (-counts[w], w))
        if max_size is not None:
            ranked = ranked[: max(0, max_size - len(SPECIALS))]
        return cls([*SPECIALS, *ranked])

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def encode(self, caption: str | Sequence[str], add_start_end: bool = True) -> list[int]:
        """Caption text (or its tokens) to ids, ``<start> ... <end>`` around it by default."""
        tokens = tokenize_caption(caption) if isinstance(caption, str) else list(caption)
        ids = [self.index.get(w, self.unk_id) for w in tokens]
        return [self.start_id, *ids, self.end_id] if add_start_end else ids

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Ids to words: stops at ``<end>``, drops ``<start>`` and ``<pad>``."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.end_id:
                break
            if i in (self.pad_id, self.start_id):
                continue
            out.append(self.words[i])
        return out


def singular_forms(word: str) -> list[str]:
    """The word and the singulars it may be the plural of: ``dogs`` → dog, ``puppies`` → puppy, ``benches`` → bench.

    Candidates, not a dictionary: the caller keeps those it knows (``buses`` → ``buse``, ``bus``).

        >>> singular_forms("puppies"), singular_forms("dog")
        (['puppies', 'puppie', 'puppy', 'puppi'], ['dog'])
    """
    forms = [word]
    if word.endswith("s"):
        forms.append(word[:-1])
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if word.endswith("es"):
        forms.append(word[:-2])
    return forms
