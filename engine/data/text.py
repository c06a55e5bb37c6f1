"""Character vocabulary, the char-rnn train/validation split, and batching for (truncated) BPTT.

Batches are a pure function of the step number (``batches(step) -> Batch``). That is what
makes a resumed run see exactly the batches an uninterrupted run would have seen, and what
lets each data-parallel rank take its own share without any shared iterator state.

Worked example (TBPTT streams)::

    text "abcdefghij" (ids 0..9), batch_size=2, seq_len=2
    streams:  row 0 = a b c d e     row 1 = f g h i j
    step 0:   x = [[a,b],[f,g]]  y = [[b,c],[g,h]]   carry=False (fresh hidden state)
    step 1:   x = [[c,d],[h,i]]  y = [[d,e],[i,j]]   carry=True  (hidden state from step 0, detached)
    step 2:   back to the start of the streams, carry=False
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sized
from dataclasses import dataclass

import torch

from engine.data.batch import Batch
from engine.data.corpora import DataError

__all__ = ["CharVocab", "split_train_val", "TBPTTStreams", "RandomWindows", "eval_chunks", "UNK", "check_vocab_size"]

#: The unknown symbol: id 0 of every char vocabulary, shown as U+FFFD when decoded.
UNK = "\ufffd"


@dataclass(frozen=True)
class CharVocab:
    """Characters ↔ ids, with id 0 reserved for characters never seen in training.

    >>> v = CharVocab.from_text("hello")
    >>> v.chars          # id 0 is the unknown symbol
    ['\ufffd', 'e', 'h', 'l', 'o']
    >>> v.encode("help!")
    [2, 1, 3, 0, 0]
    >>> v.decode([2, 1, 3, 3, 4])
    'hello'
    """

    chars: list[str]

    @classmethod
    def from_text(cls, text: str) -> CharVocab:
        if not text:
            raise DataError("cannot build a vocabulary from empty text")
        return cls([UNK] + sorted(set(text) - {UNK}))

    def __post_init__(self) -> None:
        if not self.chars or self.chars[0] != UNK:
            raise ValueError("a CharVocab's first symbol must be the unknown symbol U+FFFD")
        object.__setattr__(self, "_index", {c: i for i, c in enumerate(self.chars)})

    def __len__(self) -> int:
        return len(self.chars)

    def __contains__(self, ch: str) -> bool:
        return ch in self._index  # type: ignore[attr-defined]

    def encode(self, text: str) -> list[int]:
        index = self._index  # type: ignore[attr-defined]
        return [index.get(c, 0) for c in text]

    def decode(self, ids: Iterable[int]) -> str:
        chars = self.chars
        return "".join(chars[i] for i in ids)

    def unknown(self, text: str) -> list[str]:
        """Characters of ``text`` not in the vocabulary, in order of first appearance."""
        index = self._index  # type: ignore[attr-defined]
        return list(dict.fromkeys(c for c in text if c not in index))

    def tensor(self, text: str) -> torch.Tensor:
        return torch.tensor(self.encode(text), dtype=torch.long)


def check_vocab_size(vocab_size: int | None, vocab: Sized | None, *, filled_from: str, unit: str,
                     name: str = "vocab") -> int:
    """A model constructor's first check: ``config.vocab_size`` is set and ``vocab`` (if given) has that many entries.

    ``vocab_size`` stays ``None`` in the settings until the recipe fills it in from ``filled_from``; the
    vocabulary (or tokenizer: ``name``) must then have exactly ``vocab_size`` entries (``unit``: symbols,
    pieces, words), one per row of the embedding ``E`` and of the output layer ``V``. Returns ``vocab_size``.

        >>> check_vocab_size(5, CharVocab.from_text("hello"), filled_from="the data", unit="symbols")
        5
        >>> check_vocab_size(6, CharVocab.from_text("hello"), filled_from="the data", unit="symbols")
        Traceback (most recent call last):
        ...
        ValueError: vocab has 5 symbols but config.vocab_size=6
        >>> check_vocab_size(None, None, filled_from="the data", unit="symbols")
        Traceback (most recent call last):
        ...
        ValueError: config.vocab_size is not set (the recipe sets it from the data)
    """
    if vocab_size is None:
        raise ValueError(f"config.vocab_size is not set (the recipe sets it from {filled_from})")
    if vocab is not None and len(vocab) != vocab_size:
        raise ValueError(f"{name} has {len(vocab)} {unit} but config.vocab_size={vocab_size}")
    return vocab_size


def split_train_val(text: str, val_fraction: float = 0.1) -> tuple[str, str]:
    """First ``1 - val_fraction`` of the characters for training, the rest for validation (char-rnn)."""
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    cut = int(len(text) * (1.0 - val_fraction))
    return text[:cut], text[cut:]


def corpus_stats(text: str, top: int = 20) -> dict:
    """Characters, vocabulary size and the most common characters of a text."""
    counts = Counter(text)
    return {"characters": len(text), "vocab_size": len(counts), "most_common": counts.most_common(top)}


class TBPTTStreams:
    """Truncated-BPTT batches: ``batch_size`` contiguous streams read ``seq_len`` characters at a time.

    The hidden state is carried from one chunk to the next (``carry=True``) and detached by the
    trainer, so gradients flow back at most ``seq_len`` steps while the forward pass sees
    the whole history of the stream. One pass over the streams is one epoch.
    Under data parallelism, rank ``r`` of ``world_size`` takes streams ``r*B .. (r+1)*B - 1``.
    """

    def __init__(self, data: torch.Tensor, batch_size: int, seq_len: int, rank: int = 0, world_size: int = 1):
        if batch_size < 1 or seq_len < 1:
            raise ValueError("batch_size and seq_len must be >= 1")
        total_streams = batch_size * world_size
        stream_len = (len(data) - 1) // total_streams
        self.chunks = stream_len // seq_len
        if self.chunks < 1:
            raise DataError(
                f"text too short: {len(data)} characters cannot fill {total_streams} streams of "
                f"{seq_len + 1} characters; use a smaller batch size or sequence length"
            )
        usable = total_streams * stream_len
        x = data[:usable].view(total_streams, stream_len)  # (S, L)
        y = data[1 : usable + 1].view(total_streams, stream_len)
        self.x = x[rank * batch_size : (rank + 1) * batch_size]
        self.y = y[rank * batch_size : (rank + 1) * batch_size]
        self.seq_len = seq_len

    def __call__(self, step: int) -> Batch:
        k = step % self.chunks
        sl = slice(k * self.seq_len, (k + 1) * self.seq_len)
        return Batch(self.x[:, sl], self.y[:, sl], carry=k != 0)  # (B, T), (B, T)


class RandomWindows:
    """Full-BPTT batches: random windows of ``seq_len`` characters, each from a zero hidden state.

    Offsets come from a generator seeded with ``(seed, step, rank)`` so batches are a function of
    the step (exact resume) and ranks draw different windows.
    """

    def __init__(self, data: torch.Tensor, batch_size: int, seq_len: int, seed: int = 0,
                 rank: int = 0, world_size: int = 1):
        if batch_size < 1 or seq_len < 1:
            raise ValueError("batch_size and seq_len must be >= 1")
        if len(data) < seq_len + 1:
            raise DataError(f"text too short: {len(data)} characters, need at least {seq_len + 1}")
        self.data, self.batch_size, self.seq_len = data, batch_size, seq_len
        self.seed, self.rank, self.world_size = seed, rank, world_size

    def __call__(self, step: int) -> Batch:
        g = torch.Generator().manual_seed(hash((self.seed, step, self.rank)) & 0x7FFF_FFFF_FFFF)
        starts = torch.randint(0, len(self.data) - self.seq_len, (self.batch_size,), generator=g)
        idx = starts[:, None] + torch.arange(self.seq_len + 1)  # (B, T+1)
        window = self.data[idx]
        return Batch(window[:, :-1], window[:, 1:], carry=False)


def eval_chunks(data: torch.Tensor, batch_size: int = 16, seq_len: int = 256) -> list[Batch]:
    """Validation batches covering the text once, in order, with the hidden state carried.

    The text is cut into ``batch_size`` equal streams (at most ``batch_size - 1`` trailing characters
    are not scored) and read ``seq_len`` at a time; the last chunk may be shorter. Because the state
    is carried, every character is predicted from its whole stream's history, like in generation.
    """
    n_streams = max(1, min(batch_size, (len(data) - 1) // 2))
    stream_len = (len(data) - 1) // n_streams
    if stream_len < 1:
        raise DataError(f"text too short to evaluate: {len(data)} characters")
    usable = n_streams * stream_len
    x = data[:usable].view(n_streams, stream_len)
    y = data[1 : usable + 1].view(n_streams, stream_len)
    return [Batch(x[:, i : i + seq_len], y[:, i : i + seq_len], carry=i != 0)
            for i in range(0, stream_len, seq_len)]


def encode_split(text: str, vocab: CharVocab, val_fraction: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """Encode a corpus and split it (train first, validation last) into two id tensors."""
    train, val = split_train_val(text, val_fraction)
    return vocab.tensor(train), vocab.tensor(val)

