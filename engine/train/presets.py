"""A preset: the named settings of one training run, as the typed configs the recipes take.

Each model keeps its presets next to its recipe (:mod:`engine.lm.presets`, :mod:`engine.seq2seq.presets`,
:mod:`engine.captioning.presets`) in a ``PRESETS`` dict. A ``train`` command's flags default to its
``"default"`` preset, ``--dry-run`` starts from ``"tiny"``, ``--preset NAME`` from another one, and the
flags given on the command line change single fields of it (:func:`engine.cli.common.configs_from_args`).
The Streamlit Train page takes its widgets' defaults from ``engine.lm.presets.PRESETS["page-default"]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.train.trainer import TrainConfig

__all__ = ["Preset"]


@dataclass(frozen=True)
class Preset:
    """Settings of one run: ``model`` (the model's config, ``vocab_size`` left to the recipe), ``data``
    (the recipe's data config), ``train`` (a :class:`~engine.train.trainer.TrainConfig`) and what it is for.

    Read-only by convention: derive a variant with :func:`dataclasses.replace` on a copy, never mutate one.
    """

    model: Any
    data: Any
    train: TrainConfig
    about: str

    def configs(self) -> tuple[Any, Any, TrainConfig]:
        """``(model, data, train)``: the arguments a recipe takes after the data."""
        return self.model, self.data, self.train
