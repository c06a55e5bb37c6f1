"""Named char-LM settings: what ``train charlm`` trains by default, its dry run, the Train page's
starting point, and the recipe of the shipped ``pretrained/charlm-shakespeare``.

Every value not written here is the dataclass default (:class:`~engine.lm.model.CharLMConfig`,
:class:`~engine.lm.recipe.CharLMData`, :class:`~engine.train.trainer.TrainConfig`)::

    >>> from engine.lm.presets import PRESETS
    >>> p = PRESETS["page-default"]
    >>> p.model.cell, p.model.n_layer, p.model.n_hidden, p.data.seq_len, p.train.max_steps
    ('lstm', 2, 128, 64, 1000)

Use one from the command line with ``python -m engine train charlm --preset NAME`` (flags given as well
change single fields of it), from Python with ``charlm_trainer(text, *PRESETS[NAME].configs())``.
"""

from __future__ import annotations

from dataclasses import replace

from engine.lm.model import CharLMConfig
from engine.lm.recipe import CharLMData
from engine.train.presets import Preset
from engine.train.trainer import TrainConfig

__all__ = ["PRESETS"]

_DEFAULT = Preset(
    CharLMConfig(), CharLMData(), TrainConfig(max_steps=5000, weight_decay=0.1),
    "what `train charlm` trains without flags: a 2x512 LSTM, 5,000 steps")

PRESETS: dict[str, Preset] = {
    "default": _DEFAULT,
    "tiny": Preset(
        CharLMConfig(n_layer=1, n_hidden=32, n_embd=16),
        CharLMData(batch_size=4, seq_len=32, eval_batch_size=4, eval_seq_len=64),
        replace(_DEFAULT.train, max_steps=6, eval_every=3, checkpoint_every=3, sample_every=3, warmup_steps=2),
        "--dry-run: a 1x32 LSTM for 6 steps, seconds on a CPU; checks the pipeline, learns nothing"),
    "page-default": Preset(
        CharLMConfig(n_hidden=128, n_embd=32, dropout=0.0),
        CharLMData(batch_size=32, seq_len=64),
        TrainConfig(max_steps=1000, lr=3e-3, eval_every=100, checkpoint_every=100, sample_every=100),
        "the Train page's starting point: a 2x128 LSTM, 1,000 steps"),
    "shakespeare-card": Preset(
        CharLMConfig(n_layer=2, n_hidden=512, n_embd=64, dropout=0.3, weight_drop=0.25),
        CharLMData(batch_size=64, seq_len=128),
        replace(_DEFAULT.train, max_steps=6000, lr=3e-3, eval_every=100, checkpoint_every=50, keep_every=100),
        "the recipe of pretrained/charlm-shakespeare (its card.md): 2x512 LSTM, dropout 0.3, weight drop 0.25, "
        "6,000 steps; 1.3886 nats/char on Tiny Shakespeare's validation text"),
}
