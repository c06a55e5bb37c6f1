"""What every training recipe takes besides its configs: where the run lives and how it runs.

The recipes (:func:`engine.lm.recipe.charlm_trainer`, :func:`engine.seq2seq.recipe.translator_trainer`,
:func:`engine.captioning.recipe.captioner_trainer`) differ in their data and model; the run around them
is the same. :class:`RunOptions` holds it once: the run folder, the data's provenance, the event
listeners, the device, whether to resume, and this process's rank under data parallelism. Two steps
every recipe takes go through it:

* :meth:`RunOptions.resumed`: a run that continues from ``run_dir/last`` keeps the configuration (and the
  vocabulary, in the checkpoint's meta) it was started with, so the recipe reads them first;
* :meth:`RunOptions.trainer`: the :class:`~engine.train.trainer.Trainer` of the run, resumed from
  ``run_dir/last`` when there is one.

Example::

    >>> options = RunOptions(run_dir="~/rnnlab-runs/demo", device="cpu")
    >>> options.folder.name, options.resume, options.rank, options.world_size
    ('demo', True, 0, 1)
    >>> RunOptions().resumed(dict) is None             # no run folder: a new run
    True
    >>> RunOptions(rank=2, world_size=2)
    Traceback (most recent call last):
    ...
    ValueError: rank must be in [0, world_size) = [0, 2), got 2
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from engine.train.trainer import Batch, TrainConfig, Trainer, TrainEvent, has_checkpoint

__all__ = ["RunOptions"]


@dataclass(frozen=True)
class RunOptions:
    """Where and how a training run runs (the same for every model kind).

    Attributes:
        run_dir: the run folder (``last/``, ``best/``, ``metrics.jsonl``); ``None`` writes nothing.
        provenance: where the data came from (corpus, command, licence), stored in every checkpoint's meta.
        listeners: called with every :class:`~engine.train.trainer.TrainEvent` (progress bar, live charts).
        device: ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"``; ``None`` picks one (:func:`engine.device.pick_device`).
        resume: continue from ``run_dir/last`` when it exists (with the run's own configuration).
        rank, world_size: this process's share of the batches under data parallelism (DDP).
    """

    run_dir: str | os.PathLike | None = None
    provenance: dict | None = None
    listeners: Iterable[Callable[[TrainEvent], None]] = ()
    device: str | torch.device | None = None
    resume: bool = True
    rank: int = 0
    world_size: int = 1

    def __post_init__(self) -> None:
        if self.world_size < 1:
            raise ValueError(f"world_size must be >= 1, got {self.world_size}")
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f"rank must be in [0, world_size) = [0, {self.world_size}), got {self.rank}")

    @classmethod
    def of(cls, run: RunOptions | None = None, **fields: Any) -> RunOptions:
        """``run`` (or the defaults) with ``fields`` changed: what a recipe does with ``run=`` and keywords.

        >>> RunOptions.of(RunOptions(device="cpu"), run_dir="runs/x").device
        'cpu'
        >>> RunOptions.of(run_dirr="runs/x")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: unknown run option(s) ['run_dirr']; RunOptions has run_dir, provenance, listeners, ...
        """
        unknown = sorted(set(fields) - set(cls.__dataclass_fields__))
        if unknown:
            raise TypeError(f"unknown run option(s) {unknown}; RunOptions has {', '.join(cls.__dataclass_fields__)}")
        return replace(run if run is not None else cls(), **fields)

    @property
    def folder(self) -> Path | None:
        """``run_dir`` as a path (``~`` expanded), or ``None``."""
        return Path(self.run_dir).expanduser() if self.run_dir is not None else None

    def resumed(self, config_class: type) -> tuple[Any, dict, Path] | None:
        """``(config, meta, run_dir/last)`` of the checkpoint this run continues from, else ``None``.

        ``None`` for a new run: no ``run_dir``, ``resume=False``, or no ``last/`` checkpoint yet. Otherwise
        the recipe builds the model from ``config`` (a ``config_class``, the run's own settings, not the
        ones asked for now) and its vocabulary from ``meta`` (or a file next to the weights in ``last``),
        so the weights :meth:`trainer` restores fit. Raises :class:`~engine.train.checkpoint.CheckpointError`
        when ``last/`` is not a checkpoint whose weights match its config (nothing is allocated first).
        """
        if not self.resume or not has_checkpoint(self.folder):
            return None
        from engine.train.checkpoint import config_from_dict, open_checked

        # Checked against its weights' header before the recipe builds a model from it (issue 15): a ``last/``
        # whose config.json asks for n_hidden=8000 next to small weights is a CheckpointError, not 2.9 GB.
        _, cfg_json = open_checked(self.folder / "last")
        return config_from_dict(config_class, cfg_json["config"]), cfg_json.get("meta") or {}, self.folder / "last"

    def trainer(self, model: torch.nn.Module, train_batches: Callable[[int], Batch], config: TrainConfig, *,
                eval_batches: Callable[[], Iterable[Batch]] | None = None,
                sample: Callable[[torch.nn.Module], str] | None = None, meta: dict | None = None) -> Trainer:
        """The run's :class:`~engine.train.trainer.Trainer`, resumed from ``run_dir/last`` when ``resume``.

        ``meta`` (what the recipe records about its data) goes into every checkpoint, with ``provenance``.
        """
        trainer = Trainer(model, train_batches, config, eval_batches=eval_batches, sample=sample,
                          run_dir=self.folder, checkpoint_meta={**(meta or {}), "provenance": self.provenance or {}},
                          listeners=self.listeners, device=self.device)
        if self.resume:
            trainer.resume_if_possible()
        return trainer
