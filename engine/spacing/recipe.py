"""The spacing recipe: how a spacing tagger is trained on one language's texts.

``python -m engine train spacing`` calls :func:`spacing_trainer`. Each training batch is a function of the
step (so a resumed run sees the same batches): ``batch_size`` texts drawn at random, each cut to at most
``max_len`` characters (a random window of the longer ones), padded, with their lengths so the RNN packs them.

Worked example (a tiny run on built-in text)::

    >>> from engine.spacing.data import SpacingSplits
    >>> from engine.spacing.model import SpacingConfig
    >>> from engine.train.trainer import TrainConfig
    >>> texts = ["to be or not to be", "that is the question"] * 20
    >>> splits = SpacingSplits(train=texts, val=texts[:4], test=texts[:4], source="built-in")
    >>> trainer = spacing_trainer(splits, SpacingConfig(n_hidden=8, n_embd=4, n_layer=1),
    ...                           SpacingData(batch_size=4), TrainConfig(max_steps=2, eval_every=2, warmup_steps=1))
    >>> trainer.fit()
    'done'
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, replace

import torch

from engine.data.batch import Batch
from engine.data.corpora import DataError
from engine.data.text import UNK, CharVocab
from engine.spacing.data import SpacingSplits, strip_spaces
from engine.spacing.model import IGNORE, SpacingConfig, SpacingTagger
from engine.train.run_options import RunOptions
from engine.train.trainer import TrainConfig, Trainer

__all__ = ["SpacingData", "spacing_trainer", "spacing_vocab", "label_batch"]


@dataclass
class SpacingData:
    """How texts become batches. Each field is a ``train spacing`` flag (``max_len`` -> ``--max-len``)."""

    batch_size: int = field(default=32, metadata={"help": "texts per batch"})
    max_len: int = field(default=100, metadata={"help": "characters per training text at most (longer: a window)"})
    min_count: int = field(default=2, metadata={
        "help": "characters seen fewer times in training read as the unknown symbol"})
    val_texts: int = field(default=1000, metadata={"help": "validation texts scored at each evaluation"})

    def __post_init__(self) -> None:
        if min(self.batch_size, self.max_len, self.min_count, self.val_texts) < 1:
            raise ValueError("batch_size, max_len, min_count and val_texts must be >= 1")


def spacing_vocab(chars: list[str], min_count: int) -> CharVocab:
    """The characters seen at least ``min_count`` times (id 0: the unknown symbol).

    >>> spacing_vocab(["aab", "ac"], 2).chars
    ['\ufffd', 'a']
    """
    counts = Counter(c for t in chars for c in t)
    kept = sorted(c for c, n in counts.items() if n >= min_count and c != UNK)
    if not kept:
        raise DataError(f"no character occurs {min_count} times in the training text")
    return CharVocab([UNK] + kept)


def label_batch(vocab: CharVocab, rows: list[tuple[str, list[int]]]) -> Batch:
    """A padded :class:`Batch`: inputs ``(idx (B, T), lengths (B,))``, targets (B, T) with :data:`IGNORE` padding."""
    width = max(len(c) for c, _ in rows)
    idx = torch.zeros(len(rows), width, dtype=torch.long)
    tgt = torch.full((len(rows), width), IGNORE, dtype=torch.long)
    for i, (chars, labels) in enumerate(rows):
        idx[i, : len(chars)] = vocab.tensor(chars)
        tgt[i, : len(chars)] = torch.tensor(labels, dtype=torch.long)
    return Batch((idx, torch.tensor([len(c) for c, _ in rows])), tgt)


def spacing_trainer(splits: SpacingSplits, model: SpacingConfig, data: SpacingData, train: TrainConfig,
                    run: RunOptions | None = None, **options) -> Trainer:
    """Build (or resume) a spacing run on ``splits`` (its train and val texts; the test split is not read)."""
    run = RunOptions.of(run, **options)
    pairs = [p for p in (strip_spaces(t) for t in splits.train) if p[0]]
    val_pairs = [p for p in (strip_spaces(t) for t in splits.val[: data.val_texts]) if p[0]]
    if not pairs or not val_pairs:
        raise DataError("spacing needs training and validation texts")
    resumed = run.resumed(SpacingConfig)
    if resumed is not None:
        model, meta, _ = resumed
        vocab = CharVocab(meta["vocab"])
    else:
        vocab = spacing_vocab([c for c, _ in pairs], data.min_count)
    torch.manual_seed(train.seed)
    net = SpacingTagger(replace(model, vocab_size=len(vocab)), vocab)

    def batches(step: int) -> Batch:
        g = torch.Generator().manual_seed(train.seed * 1_000_003 + step * run.world_size + run.rank)
        rows = []
        for i in torch.randint(len(pairs), (data.batch_size,), generator=g).tolist():
            chars, labels = pairs[i]
            start = 0
            if len(chars) > data.max_len:
                start = int(torch.randint(len(chars) - data.max_len + 1, (1,), generator=g))
            rows.append((chars[start: start + data.max_len], labels[start: start + data.max_len]))
        return label_batch(vocab, rows)

    ordered = sorted(val_pairs, key=lambda p: len(p[0]))
    val = [label_batch(vocab, ordered[s: s + 256]) for s in range(0, len(ordered), 256)]
    meta = {"data": asdict(data), "source": splits.source, "train_texts": len(pairs), "val_texts": len(val_pairs),
            "train_chars": sum(len(c) for c, _ in pairs)}
    return run.trainer(net, batches, train, eval_batches=lambda: val, meta=meta)
