"""The lecture's comparison of sequence representations, measured: same splits, same tokens, same budget.

Rows (:data:`ROWS`), each trained on the language's training split for the same number of optimizer
steps on batches of the same size (so every model sees the same texts in the same order), then
measured on the validation and test splits (:func:`engine.sentiment.data.load_splits`):

* ``bow-logreg``: bag of words, logistic regression on piece counts (:class:`~engine.sentiment.baseline.BagOfWords`);
  order is thrown away.
* ``rnn-onehot``: the LSTM reading one-hot x(t) (U x(t) is a column of U; no similarity between tokens).
* ``rnn-embedding``: the same LSTM reading learned 80-dim embeddings.
* ``rnn-embedding-bi``: the same, bidirectional (the shipped models' shape).

All share one sentencepiece tokenizer per language (trained on the training split) and 128 hidden units
with max pooling. The weights after the last step are measured (no model selection), so the budget is
the only difference in training.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from torch import nn

from engine.sentiment.baseline import BagOfWords
from engine.sentiment.batches import ClassBatches
from engine.sentiment.data import SentimentSplits
from engine.sentiment.model import SentimentClassifier, SentimentConfig
from engine.sentiment.recipe import SentimentData, accuracy, encode_texts, train_tokenizer
from engine.train.trainer import TrainConfig, Trainer

__all__ = ["ROWS", "compare_representations", "build_row"]

ROWS = ("bow-logreg", "rnn-onehot", "rnn-embedding", "rnn-embedding-bi")
LR = {"bow-logreg": 1e-2}  # the linear model is given a larger step size; the RNNs use the default preset's


def build_row(name: str, vocab_size: int, lang: str, base: SentimentConfig | None = None) -> nn.Module:
    """The untrained model of one row of the table."""
    base = replace(base or SentimentConfig(), vocab_size=vocab_size, lang=lang)
    if name == "bow-logreg":
        return BagOfWords(vocab_size)
    if name == "rnn-onehot":
        return SentimentClassifier(replace(base, inputs="one-hot", bidirectional=False))
    if name == "rnn-embedding":
        return SentimentClassifier(replace(base, bidirectional=False))
    if name == "rnn-embedding-bi":
        return SentimentClassifier(replace(base, bidirectional=True))
    raise ValueError(f"unknown row {name!r}; rows: {', '.join(ROWS)}")


def compare_representations(splits: SentimentSplits, *, steps: int = 1500, batch_size: int = 64,
                            only: list[str] | None = None, vocab_size: int = 8000, seed: int = 1337,
                            device: str | None = None, base: SentimentConfig | None = None,
                            progress: Callable[[dict], None] | None = None) -> dict:
    """Train and measure every row (or ``only`` these) on ``splits``; returns the table as a JSON-able dict."""
    import torch

    names = list(only or ROWS)
    for name in names:
        if name not in ROWS:
            raise ValueError(f"unknown row {name!r}; rows: {', '.join(ROWS)}")
    tokenizer = train_tokenizer([t for t, _ in splits.train], SentimentData(vocab_size=vocab_size))
    ids, labels = encode_texts(tokenizer, splits.train)
    rows = []
    for name in names:
        torch.manual_seed(seed)
        model = build_row(name, len(tokenizer), splits.lang, base)
        config = TrainConfig(max_steps=steps, lr=LR.get(name, 2e-3), weight_decay=0.01,
                             warmup_steps=min(100, steps // 10), eval_every=steps + 1, seed=seed)
        trainer = Trainer(model, ClassBatches(ids, labels, batch_size, seed=seed), config, device=device)
        start = time.perf_counter()
        trainer.fit()
        seconds = time.perf_counter() - start
        model = trainer.model.cpu().eval()
        row = {"name": name, "params": sum(p.numel() for p in model.parameters() if p.requires_grad),
               "val_accuracy": round(accuracy(model, splits.val, tokenizer), 4),
               "test_accuracy": round(accuracy(model, splits.test, tokenizer), 4),
               "train_seconds": round(seconds, 1)}
        rows.append(row)
        if progress:
            progress(row)
    return {"lang": splits.lang, "split_sizes": splits.sizes(), "tokenizer_pieces": len(tokenizer),
            "budget": {"steps": steps, "batch_size": batch_size, "texts_seen": steps * batch_size},
            "rows": rows}
