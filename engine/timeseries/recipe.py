"""Training a forecaster on a series' training part, and scoring it on the held-out tail.

:func:`fit_forecaster` (any array) and :func:`train_forecaster` (a named series) build the windows of the
training part (:func:`engine.timeseries.window.training_windows`),
fits the scaler on the training part only, trains with the model-agnostic
:class:`~engine.train.trainer.Trainer` (random mini-batches of windows, pinball loss) and returns the model
with its scaler attached; :func:`engine.timeseries.compare.compare` then scores it on the tail.

>>> from engine.train.trainer import TrainConfig
>>> cfg = default_config("sunspots", shape="many_to_one", n_hidden=8)
>>> cfg.window, cfg.horizon, cfg.shape
(22, 1, 'many_to_one')
>>> model = train_forecaster(ForecasterData("sunspots", batch_size=8), cfg,
...                          TrainConfig(max_steps=3, warmup_steps=1, eval_every=10**9, checkpoint_every=10**9))
>>> model.scaler.anchor, round(model.scaler.centre, 2)     # the training part's mean (1700-1968)
('mean', 47.0)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from engine.data.batch import Batch
from engine.timeseries.model import Forecaster, ForecasterConfig
from engine.timeseries.series import SERIES, load_series
from engine.timeseries.window import ANCHORS, fit_scaler, training_windows
from engine.train.trainer import TrainConfig, Trainer, TrainEvent

__all__ = ["FORECAST_TRAIN", "ForecasterData", "default_config", "fit_forecaster", "train_forecaster"]

#: The optimisation recipe of the shipped forecasters (and the page's "train again").
FORECAST_TRAIN = TrainConfig(max_steps=1000, optimizer="adamw", lr=3e-3, warmup_steps=50, schedule="cosine",
                             grad_clip=1.0, eval_every=10**9, checkpoint_every=10**9, seed=0)


@dataclass
class ForecasterData:
    """Which series to train on and how windows are drawn from its training part."""

    series: str = field(default="co2", metadata={"help": "series to forecast", "choices": tuple(SERIES)})
    anchor: str = field(default="", metadata={
        "help": "input scaling: mean (training mean/std) or last (changes from the window's last value, "
                "scaled by the training part's step std); empty: the series' default", "choices": ("",) + ANCHORS})
    batch_size: int = field(default=64, metadata={"help": "windows per training batch"})

    def __post_init__(self) -> None:
        if self.series not in SERIES:
            raise ValueError(f"unknown series {self.series!r}; choose one of: {', '.join(SERIES)}")
        if self.anchor not in ("",) + ANCHORS:
            raise ValueError(f"unknown anchor {self.anchor!r}; choose one of {ANCHORS}")
        if self.batch_size < 1:
            raise ValueError("batch_size must be >= 1")


def default_config(series: str, **overrides: object) -> ForecasterConfig:
    """A :class:`ForecasterConfig` with the series' window and horizon, ``overrides`` on top."""
    spec = SERIES[series]
    return replace(ForecasterConfig(window=spec.window, horizon=spec.horizon), **overrides)


def _batches(X: np.ndarray, Y: np.ndarray, batch_size: int, seed: int) -> Callable[[int], Batch]:
    def batch(step: int) -> Batch:
        idx = np.random.default_rng((seed, step)).integers(0, len(X), size=batch_size)
        return Batch(torch.as_tensor(X[idx], dtype=torch.float32), torch.as_tensor(Y[idx], dtype=torch.float32))
    return batch


def fit_forecaster(values: np.ndarray, split: int, config: ForecasterConfig, anchor: str,
                   train: TrainConfig = FORECAST_TRAIN, *, batch_size: int = 64,
                   listeners: Iterable[Callable[[TrainEvent], None]] = (), run_dir: str | os.PathLike | None = None,
                   device: str | None = None, trainer_hook: Callable[[Trainer], None] | None = None,
                   meta: dict | None = None) -> Forecaster:
    """Train a forecaster of ``config`` on ``values[:split]`` of any series; returns it on the CPU in eval mode.

    Nothing from ``values[split:]`` (the held-out tail) is used: the windows and the scaler's statistics come
    from the training part only. ``trainer_hook`` receives the trainer before it starts (to stop it from
    elsewhere); ``meta`` goes into its checkpoints.
    """
    if config.n_input != 1:
        raise ValueError("a plain series has one number per step: n_input must be 1")
    train_part = np.asarray(values[:split], dtype=float)
    scaler = fit_scaler(train_part, anchor)
    X, Y = training_windows(train_part, split, config.window, config.outputs)
    Xz, Yz = scaler.encode(X, Y)
    torch.manual_seed(train.seed)
    model = Forecaster(config)
    model.scaler = scaler
    trainer = Trainer(model, _batches(Xz, Yz, batch_size, train.seed), train, run_dir=run_dir,
                      listeners=listeners, device=device,
                      checkpoint_meta={**(meta or {}), "scaler": scaler.to_dict(), "train_windows": len(X)})
    if trainer_hook is not None:
        trainer_hook(trainer)
    trainer.fit()
    return model.cpu().eval()


def train_forecaster(data: ForecasterData, config: ForecasterConfig, train: TrainConfig = FORECAST_TRAIN,
                     **kwargs) -> Forecaster:
    """:func:`fit_forecaster` on the training part of the named series ``data.series``."""
    series = load_series(data.series)
    model = fit_forecaster(series.values, series.split, config, data.anchor or series.spec.anchor, train,
                           batch_size=data.batch_size, meta={"series": data.series}, **kwargs)
    model.series = data.series
    return model
