"""Named spacing settings: what ``train spacing`` trains by default and its dry run.

Every value not written here is the dataclass default (:class:`~engine.spacing.model.SpacingConfig`,
:class:`~engine.spacing.recipe.SpacingData`, :class:`~engine.train.trainer.TrainConfig`)::

    >>> p = PRESETS["default"]
    >>> p.model.cell, p.model.n_layer, p.model.n_hidden, p.model.bidirectional, p.train.max_steps
    ('lstm', 2, 64, True, 3000)
"""

from __future__ import annotations

from dataclasses import replace

from engine.spacing.model import SpacingConfig
from engine.spacing.recipe import SpacingData
from engine.train.presets import Preset
from engine.train.trainer import TrainConfig

__all__ = ["PRESETS"]

_DEFAULT = Preset(
    SpacingConfig(), SpacingData(),
    TrainConfig(max_steps=3000, lr=4e-3, eval_every=250, checkpoint_every=250, warmup_steps=100),
    "what `train spacing` trains without flags: a 2x64 bidirectional LSTM tagger, 3,000 steps")

PRESETS: dict[str, Preset] = {
    "default": _DEFAULT,
    "tiny": Preset(
        SpacingConfig(n_layer=1, n_hidden=16, n_embd=8),
        SpacingData(batch_size=8, max_len=64, val_texts=32),
        replace(_DEFAULT.train, max_steps=6, eval_every=3, checkpoint_every=3, warmup_steps=2),
        "--dry-run: a 1x16 tagger for 6 steps on a slice of the data, seconds on a CPU; learns nothing"),
}
