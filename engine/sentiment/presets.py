"""Named sentiment settings: what ``train sentiment`` trains by default, and its dry run.

    >>> from engine.sentiment.presets import PRESETS
    >>> PRESETS["default"].model.bidirectional, PRESETS["tiny"].train.max_steps
    (True, 6)
"""

from __future__ import annotations

from dataclasses import replace

from engine.sentiment.model import SentimentConfig
from engine.sentiment.recipe import SentimentData
from engine.train.presets import Preset
from engine.train.trainer import TrainConfig

__all__ = ["PRESETS"]

_DEFAULT = Preset(
    SentimentConfig(), SentimentData(),
    TrainConfig(max_steps=6000, lr=2e-3, weight_decay=0.01, warmup_steps=200, eval_every=500, checkpoint_every=500),
    "what `train sentiment` trains without flags: an 80-dim embedding, a bidirectional 128-unit LSTM, max pooling")

PRESETS: dict[str, Preset] = {
    "default": _DEFAULT,
    "tiny": Preset(
        SentimentConfig(n_embd=16, n_hidden=16), SentimentData(vocab_size=500, batch_size=16, max_train=400),
        replace(_DEFAULT.train, max_steps=6, eval_every=3, checkpoint_every=3, warmup_steps=2),
        "--dry-run: a tiny classifier for 6 steps on 400 texts, seconds on a CPU; checks the pipeline"),
}
