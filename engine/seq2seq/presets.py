"""Named translator settings: what ``train translator`` trains by default, and its dry run.

Every value not written here is the dataclass default (:class:`~engine.seq2seq.model.TranslatorConfig`,
:class:`~engine.seq2seq.recipe.TranslatorData`, :class:`~engine.train.trainer.TrainConfig`)::

    >>> from engine.seq2seq.presets import PRESETS
    >>> PRESETS["default"].model.attention, PRESETS["tiny"].train.max_steps
    ('general', 6)
"""

from __future__ import annotations

from dataclasses import replace

from engine.seq2seq.model import TranslatorConfig
from engine.seq2seq.recipe import TranslatorData
from engine.train.presets import Preset
from engine.train.trainer import TrainConfig

__all__ = ["PRESETS"]

_DEFAULT = Preset(
    TranslatorConfig(), TranslatorData(), TrainConfig(max_steps=5000, weight_decay=0.1),
    "what `train translator` trains without flags: a bidirectional 2x256 encoder, a 512 decoder with "
    "general attention, 5,000 steps")

PRESETS: dict[str, Preset] = {
    "default": _DEFAULT,
    "tiny": Preset(
        TranslatorConfig(n_embd=16, enc_hidden=16, enc_layers=1, dec_hidden=32, dec_layers=1, attn_dim=16),
        TranslatorData(vocab_size=400, batch_size=8, eval_batch_size=16, max_eval_pairs=32),
        replace(_DEFAULT.train, max_steps=6, eval_every=3, checkpoint_every=3, sample_every=3, warmup_steps=2),
        "--dry-run: a tiny encoder-decoder for 6 steps, seconds on a CPU; checks the pipeline"),
}
