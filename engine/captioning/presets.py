"""Named captioner settings: what ``train captioner`` trains by default (the recipe of the shipped
``pretrained/captioner-flickr8k``), and its dry run.

Every value not written here is the dataclass default (:class:`~engine.captioning.model.CaptionerConfig`,
:class:`~engine.captioning.recipe.CaptionerData`, :class:`~engine.train.trainer.TrainConfig`)::

    >>> from engine.captioning.presets import PRESETS
    >>> PRESETS["default"].train.lr, PRESETS["tiny"].model.encoder
    (0.001, 'tiny')
"""

from __future__ import annotations

from dataclasses import replace

from engine.captioning.model import CaptionerConfig
from engine.captioning.recipe import CaptionerData
from engine.train.presets import Preset
from engine.train.trainer import TrainConfig

__all__ = ["PRESETS"]

_DEFAULT = Preset(
    CaptionerConfig(), CaptionerData(),
    TrainConfig(max_steps=6000, lr=1e-3, warmup_steps=200, grad_clip=5.0, eval_every=500, checkpoint_every=500,
                sample_every=500, patience=4),
    "what `train captioner` trains without flags (the recipe of pretrained/captioner-flickr8k): Show, Attend "
    "and Tell on EfficientNet-Lite0 features, 6,000 steps, early stopping")

PRESETS: dict[str, Preset] = {
    "default": _DEFAULT,
    "tiny": Preset(
        CaptionerConfig(encoder="tiny", n_embd=16, n_hidden=32, proj_dim=16, attn_dim=16, dropout=0.0),
        CaptionerData(batch_size=8, min_word_freq=1, val_pairs=20, eval_batch_size=10),
        replace(_DEFAULT.train, max_steps=6, eval_every=3, checkpoint_every=3, sample_every=3, warmup_steps=2,
                patience=0),
        "--dry-run: a tiny decoder on a tiny CNN for 6 steps, seconds on a CPU; checks the pipeline"),
}
