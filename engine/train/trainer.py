"""One model-agnostic training loop.

The trainer imports no model. It needs:

* a model whose ``forward(inputs, targets=None, state=None)`` returns ``(logits, loss, state)``;
* ``train_batches(step) -> Batch``: batches are a function of the step number, which makes
  resuming exact and data parallelism simple (each rank builds its own ``train_batches``);
* optionally ``eval_batches() -> iterable of Batch`` for validation, and ``sample(model) -> str``
  to show what the model writes as it learns.

Backpropagation through time: ``Batch.carry`` says whether this batch continues the sequences
of the previous one. If it does, the previous final hidden state is passed in *detached*:
gradients flow back through this chunk of ``T`` steps only (truncated BPTT, detach every ``T``
steps) while the forward pass still sees the whole history. ``carry=False`` on every batch is
full BPTT over each sequence.

Listeners receive :class:`TrainEvent` objects (``start``, ``step``, ``eval``, ``sample``,
``checkpoint``, ``paused``, ``resumed``, ``stopped``, ``early_stop``, ``diverged``, ``done``);
the CLI turns them into a progress bar, the Streamlit page into live charts.
``request_stop()`` / ``request_pause()`` / ``request_resume()`` may be called from any thread.

Run folder layout (``run_dir``)::

    last/          newest checkpoint, with trainer state: what ``resume`` continues from
    best/          checkpoint with the lowest validation loss so far (early stopping keeps it)
    step-NNNNNN/   weights at step N, every ``keep_every`` steps when set (snapshots to average:
                   stochastic weight averaging with a constant learning rate, Izmailov et al. 2018)
    metrics.jsonl  one JSON line per event (appended), so charts survive a closed browser tab
"""

from __future__ import annotations

import json
import math
import os
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from engine.data.batch import Batch, move_to
from engine.device import autocast, pick_device, seed_everything

__all__ = ["Batch", "TrainConfig", "TrainEvent", "Trainer", "TrainingDiverged", "evaluate", "has_checkpoint"]


OPTIMIZERS = ("adamw", "adam", "sgd")
SCHEDULES = ("cosine", "linear", "constant")


@dataclass
class TrainConfig:
    """How a model is optimised: steps, optimizer, learning-rate schedule, validation, checkpoints.

    Each field is declared once, here: the ``train`` commands' flags are generated from these fields
    (``warmup_steps`` -> ``--warmup-steps``, ``amp`` -> ``--amp/--no-amp``, help from ``metadata``; see
    :func:`engine.cli.common.add_config_args`). The learning rate rises linearly from 0 to ``lr`` over
    ``warmup_steps``, then follows ``schedule`` down to ``lr * min_lr_ratio`` at ``max_steps``.
    """

    max_steps: int = field(default=2000, metadata={"help": "number of optimizer steps"})
    optimizer: str = field(default="adamw", metadata={"help": "optimizer", "choices": OPTIMIZERS})
    lr: float = field(default=2e-3, metadata={"help": "peak learning rate (after warmup)"})
    weight_decay: float = field(default=0.0, metadata={"help": "decoupled weight decay on the weight matrices"})
    betas: tuple[float, float] = field(default=(0.9, 0.99), metadata={"help": "Adam's beta1 beta2 (adamw, adam)"})
    momentum: float = field(default=0.9, metadata={"help": "momentum (sgd only)"})
    schedule: str = field(default="cosine", metadata={"help": "learning-rate schedule after the linear warmup",
                                                      "choices": SCHEDULES})
    warmup_steps: int = field(default=100, metadata={"help": "linear warmup steps"})
    min_lr_ratio: float = field(default=0.1, metadata={"help": "final learning rate as a fraction of lr"})
    grad_clip: float = field(default=1.0, metadata={"help": "max global gradient norm; 0 disables clipping"})
    eval_every: int = field(default=250, metadata={"help": "validate every N steps"})
    checkpoint_every: int = field(default=250, metadata={"help": "write run_dir/last every N steps"})
    keep_every: int = field(default=0, metadata={
        "help": "also keep the weights as run_dir/step-NNNNNN every N steps, to average them with "
                "`export A B C OUT` (0: never)"})
    sample_every: int = field(default=0, metadata={"help": "show a generated sample every N steps (0: never)"})
    patience: int = field(default=0, metadata={
        "help": "stop after N evaluations without validation improvement (0: never)"})
    divergence_factor: float = field(default=3.0, metadata={
        "help": "the run diverged when its smoothed training loss rises above this factor times its best value "
                "(and by more than a quarter of the first step's loss) or times the first step's loss, or a "
                "validation loss above this factor times the first step's "
                "loss (an untrained classifier's first loss is about ln V, the loss of a uniform guess)"})
    amp: bool = field(default=True, metadata={"help": "bf16 autocast on CUDA (ignored on CPU)"})
    seed: int = field(default=1337, metadata={"help": "random seed (initial weights, batch order, dropout)"})

    def __post_init__(self) -> None:
        self.betas = tuple(self.betas)
        if self.max_steps < 1:
            raise ValueError("max_steps must be >= 1")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r} ({', '.join(OPTIMIZERS)})")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r} ({', '.join(SCHEDULES)})")
        if self.lr <= 0:
            raise ValueError("lr must be > 0")
        if self.grad_clip < 0:
            raise ValueError("grad_clip must be >= 0 (0 disables clipping)")
        if self.keep_every < 0:
            raise ValueError("keep_every must be >= 0 (0 keeps no step checkpoints)")


@dataclass
class TrainEvent:
    kind: str
    step: int
    data: dict = field(default_factory=dict)
    time: float = field(default_factory=time.time)

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "step": self.step, "time": self.time, **self.data})


class TrainingDiverged(RuntimeError):
    """Loss or gradient became NaN/inf or blew up; the last good checkpoint is kept."""


def _detach(state: Any) -> Any:
    if isinstance(state, torch.Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(_detach(s) for s in state)
    if isinstance(state, dict):
        return {k: _detach(v) for k, v in state.items()}
    return state


def _call(model: torch.nn.Module, batch: Batch, state: Any):
    return model(batch.inputs, batch.targets, state)


@torch.no_grad()
def evaluate(model: torch.nn.Module, batches: Iterable[Batch], device: torch.device | None = None,
             amp: bool = True) -> float:
    """Mean loss per target over ``batches`` (state carried where ``carry`` says so).

    Assumes the model's loss is a mean over its targets, so each batch is weighted by its size.
    """
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    total, count, state = 0.0, 0, None
    try:
        for batch in batches:
            batch = batch.to(device)
            with autocast(device, amp):
                _, loss, new_state = _call(model, batch, state if batch.carry else None)
            total += float(loss) * batch.n_targets
            count += batch.n_targets
            state = new_state
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate() got no batches")
    return total / count


class Trainer:
    def __init__(
        self,
        model: torch.nn.Module,
        train_batches: Callable[[int], Batch],
        config: TrainConfig,
        *,
        eval_batches: Callable[[], Iterable[Batch]] | None = None,
        sample: Callable[[torch.nn.Module], str] | None = None,
        run_dir: str | os.PathLike | None = None,
        checkpoint_meta: dict | None = None,
        listeners: Iterable[Callable[[TrainEvent], None]] = (),
        device: str | torch.device | None = None,
    ):
        self.config = config
        self.device = pick_device(device)
        self.distributed = dist.is_available() and dist.is_initialized()
        self.rank = dist.get_rank() if self.distributed else 0
        self.world_size = dist.get_world_size() if self.distributed else 1
        self.model = model.to(self.device)
        self.train_batches, self.eval_batches, self.sample = train_batches, eval_batches, sample
        self.run_dir = Path(run_dir).expanduser() if run_dir else None
        self.checkpoint_meta = dict(checkpoint_meta or {})
        self.listeners = list(listeners)
        seed_everything(config.seed)

        if self.distributed:
            from torch.nn.parallel import DistributedDataParallel as DDP

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.forward_model: torch.nn.Module = DDP(self.model, device_ids=ids)
        else:
            self.forward_model = self.model
        self.optimizer = self._make_optimizer()
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, self._lr_factor)

        self.step = 0
        self.state: Any = None  # hidden state carried across TBPTT chunks
        self.best_val = math.inf
        self.best_step = -1
        self.evals_without_improvement = 0
        self.loss_ema: float | None = None
        self.best_loss_ema = math.inf
        self.first_loss: float | None = None  # the run's first training loss: the divergence guards' yardstick
        self.last_good_step = -1
        self._stop = threading.Event()
        self._pause = threading.Event()
        self.status = "idle"  # idle | running | paused | stopped | early_stop | diverged | done

    # ------------------------------------------------------------------ setup
    def _make_optimizer(self) -> torch.optim.Optimizer:
        c = self.config
        # No weight decay on biases, norms and embeddings' 1-D params: decay shrinks them toward 0,
        # which is regularisation for matrices but only a bias for offsets.
        decay = [p for p in self.model.parameters() if p.requires_grad and p.dim() >= 2]
        no_decay = [p for p in self.model.parameters() if p.requires_grad and p.dim() < 2]
        groups = [{"params": decay, "weight_decay": c.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
        if c.optimizer == "adamw":
            return torch.optim.AdamW(groups, lr=c.lr, betas=c.betas)
        if c.optimizer == "adam":
            return torch.optim.Adam(groups, lr=c.lr, betas=c.betas)
        return torch.optim.SGD(groups, lr=c.lr, momentum=c.momentum)

    def _lr_factor(self, step: int) -> float:
        c = self.config
        if c.warmup_steps and step < c.warmup_steps:
            return (step + 1) / c.warmup_steps
        if c.schedule == "constant":
            return 1.0
        progress = min(1.0, (step - c.warmup_steps) / max(1, c.max_steps - c.warmup_steps))
        if c.schedule == "linear":
            shape = 1.0 - progress
        else:
            shape = 0.5 * (1.0 + math.cos(math.pi * progress))
        return c.min_lr_ratio + (1.0 - c.min_lr_ratio) * shape

    # ------------------------------------------------------------------ control from other threads
    def request_stop(self) -> None:
        self._stop.set()
        self._pause.clear()

    def request_pause(self) -> None:
        self._pause.set()

    def request_resume(self) -> None:
        self._pause.clear()

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def emit(self, kind: str, **data: Any) -> TrainEvent:
        event = TrainEvent(kind, self.step, data)
        if not self.is_main:
            return event
        if self.run_dir is not None:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            with open(self.run_dir / "metrics.jsonl", "a") as f:
                f.write(event.to_json() + "\n")
        for listener in self.listeners:
            listener(event)
        return event

    # ------------------------------------------------------------------ checkpoints
    def trainer_state(self) -> dict:
        return {
            "step": self.step,
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "hidden": self.state,
            "best_val": self.best_val,
            "best_step": self.best_step,
            "evals_without_improvement": self.evals_without_improvement,
            "loss_ema": self.loss_ema,
            "best_loss_ema": self.best_loss_ema,
            "first_loss": self.first_loss,
            "rng": {
                "torch": torch.get_rng_state(),
                "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
                "python": random.getstate(),
                "numpy": np.random.get_state(),
            },
            "train_config": asdict(self.config),
        }

    def save(self, which: str = "last") -> Path | None:
        if self.run_dir is None or not self.is_main:
            return None
        from engine.train.checkpoint import save_checkpoint

        meta = {**self.checkpoint_meta, "step": self.step, "best_val_loss": _finite(self.best_val),
                "best_step": self.best_step, "train_config": asdict(self.config)}
        path = save_checkpoint(self.run_dir / which, self.model, meta=meta,
                               trainer_state=self.trainer_state() if which == "last" else None)
        if which == "last":  # what the divergence message points to
            self.last_good_step = self.step
        self.emit("checkpoint", which=which, path=str(path))
        return path

    def load(self, path: str | os.PathLike) -> None:
        """Restore model, optimizer, scheduler, RNG, carried hidden state and step from ``path``.

        The folder's config.json is checked against its weights file's header first (as :func:`load_model`
        does), and the weights against this trainer's model: a mismatch is a ``CheckpointError``.
        """
        from engine.train.checkpoint import CheckpointError, read_checkpoint

        weights, cfg_json, ts = read_checkpoint(path, with_trainer=True)
        saved = (cfg_json.get("meta") or {}).get("train_config") or {}
        now = asdict(self.config)
        changed = {k: (saved[k], now[k]) for k in saved if k in now and _plain(saved[k]) != _plain(now[k])}
        if changed:  # e.g. a resumed command line that forgot a flag: the schedule would silently change
            import warnings

            warnings.warn(f"resuming {path} with a different training configuration (checkpoint -> now): "
                          + ", ".join(f"{k} {a!r} -> {b!r}" for k, (a, b) in changed.items()), stacklevel=2)
        try:
            self.model.load_state_dict(weights)
        except RuntimeError as exc:  # another architecture than this run's model
            raise CheckpointError(f"{path}: its weights do not fit the model being trained: {exc}") from None
        self.optimizer.load_state_dict(ts["optimizer"])
        self.scheduler.load_state_dict(ts["scheduler"])
        self.step = int(ts["step"])
        self.state = move_to(ts["hidden"], self.device)
        self.best_val = ts["best_val"] if ts["best_val"] is not None else math.inf
        self.best_step = ts["best_step"]
        self.evals_without_improvement = ts["evals_without_improvement"]
        self.loss_ema = ts["loss_ema"]
        self.best_loss_ema = ts["best_loss_ema"] if ts["best_loss_ema"] is not None else math.inf
        self.first_loss = ts.get("first_loss")  # None in checkpoints of older versions: the next step's loss
        rng = ts["rng"]
        torch.set_rng_state(rng["torch"])
        if rng["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(rng["cuda"])
        random.setstate(_tuplify(rng["python"]))
        np.random.set_state(rng["numpy"])
        self.last_good_step = self.step

    def resume_if_possible(self) -> bool:
        """Continue from ``run_dir/last`` when it exists; returns whether it did."""
        if has_checkpoint(self.run_dir):
            self.load(self.run_dir / "last")
            return True
        return False

    # ------------------------------------------------------------------ the loop
    def validate(self) -> float:
        assert self.eval_batches is not None
        return evaluate(self.model, self.eval_batches(), self.device, self.config.amp)

    def fit(self) -> str:
        """Train until ``max_steps``, early stopping, a stop request or divergence; returns the status."""
        c = self.config
        self.model.train()
        self.status = "running"
        self.emit("start", max_steps=c.max_steps, resumed_from=self.step, world_size=self.world_size,
                  device=str(self.device), params=sum(p.numel() for p in self.model.parameters()))
        t_last = time.perf_counter()
        try:
            while self.step < c.max_steps:
                if self._pause.is_set():
                    self._wait_while_paused()
                if self._stop.is_set():
                    self.save("last")
                    self.status = "stopped"
                    self.emit("stopped", reason="requested")
                    return self.status

                batch = self.train_batches(self.step).to(self.device)
                loss, grad_norm = self._train_step(batch)
                self.step += 1
                now = time.perf_counter()
                dt, t_last = now - t_last, now
                self.emit("step", loss=loss, grad_norm=grad_norm, lr=self.scheduler.get_last_lr()[0],
                          tokens_per_s=batch.n_targets * self.world_size / max(dt, 1e-9))

                last = self.step == c.max_steps
                if self.eval_batches is not None and (self.step % c.eval_every == 0 or last):
                    if self._evaluate_and_maybe_stop():
                        self.save("last")
                        self.status = "early_stop"
                        self.emit("early_stop", best_val_loss=self.best_val, best_step=self.best_step)
                        return self.status
                if self.sample is not None and c.sample_every and (self.step % c.sample_every == 0 or last):
                    self._emit_sample()
                if self.step % c.checkpoint_every == 0 or last:
                    self.save("last")
                if c.keep_every and self.step % c.keep_every == 0:
                    self.save(f"step-{self.step:06d}")  # weights only: for averaging, e.g. `engine export A B C OUT`
        except TrainingDiverged as exc:
            self.status = "diverged"
            self.emit("diverged", message=str(exc), last_good_step=self.last_good_step)
            return self.status
        self.status = "done"
        self.emit("done", best_val_loss=_finite(self.best_val), best_step=self.best_step)
        return self.status

    def _wait_while_paused(self) -> None:
        self.save("last")  # a paused run is safe even if the process dies while paused
        self.status = "paused"
        self.emit("paused")
        while self._pause.is_set() and not self._stop.is_set():
            time.sleep(0.05)
        if not self._stop.is_set():
            self.status = "running"
            self.emit("resumed")

    def _train_step(self, batch: Batch) -> tuple[float, float]:
        c = self.config
        # Truncated BPTT: the previous window's final state carries its values into this window, but not its
        # graph. Without the detach, backward() would reach back through every earlier batch to the start of the
        # corpus, memory and time growing without bound; with it, the gradient is cut at the window boundary.
        state = _detach(self.state) if batch.carry else None
        with autocast(self.device, c.amp):
            _, loss, new_state = _call(self.forward_model, batch, state)
        loss_value = float(loss.detach())
        if not math.isfinite(loss_value):
            raise TrainingDiverged(self._diverged_message(f"loss is {loss_value}"))
        loss.backward()
        # Clip the global gradient norm: RNN gradients can explode when the recurrent Jacobian has
        # eigenvalues > 1 (the lecture's exploding gradients); clipping rescales instead of stepping off.
        max_norm = c.grad_clip if c.grad_clip > 0 else math.inf
        grad_norm = float(torch.nn.utils.clip_grad_norm_(self.model.parameters(), max_norm))
        if not math.isfinite(grad_norm):
            self.optimizer.zero_grad(set_to_none=True)
            raise TrainingDiverged(self._diverged_message(f"gradient norm is {grad_norm}"))
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.state = _detach(new_state)

        self.loss_ema = loss_value if self.loss_ema is None else 0.9 * self.loss_ema + 0.1 * loss_value
        if self.first_loss is None:
            self.first_loss = loss_value
        # Divergence that stays finite: a learning rate far too high can throw the loss from ln V (4.2 nats for a
        # char-LM) to thousands within a few warm-up steps, where it stays; that loss is not "best" for anything.
        if self.first_loss > 0 and self.loss_ema > c.divergence_factor * self.first_loss:
            raise TrainingDiverged(self._diverged_message(
                f"smoothed loss {self.loss_ema:.4g} is more than {c.divergence_factor}x the first step's loss "
                f"{self.first_loss:.3f}"))
        if self.step >= c.warmup_steps:
            self.best_loss_ema = min(self.best_loss_ema, self.loss_ema)
            # A ratio alone is no divergence near zero: a memorised text's loss wanders from 0.001 to 0.003 nats,
            # 3x its best and still perfect. The rise must also be a real one, a quarter of the first loss (about
            # 1 nat for a char-LM), as a blow-up from 1.4 back to 4.2 nats is.
            rise = self.loss_ema - self.best_loss_ema
            if self.loss_ema > c.divergence_factor * self.best_loss_ema and rise > 0.25 * (self.first_loss or 0.0):
                raise TrainingDiverged(self._diverged_message(
                    f"smoothed loss {self.loss_ema:.3f} is {c.divergence_factor}x its best {self.best_loss_ema:.3f}"))
        return loss_value, grad_norm

    def _diverged_message(self, what: str, step: int | None = None) -> str:
        where = (f"the last good checkpoint (step {self.last_good_step}) is kept in {self.run_dir / 'last'}"
                 if self.run_dir is not None and self.last_good_step >= 0 else "no checkpoint was written")
        return (f"training diverged at step {self.step + 1 if step is None else step}: {what}; {where}. "
                "Try a lower learning rate or a smaller gradient-clipping threshold.")

    def _evaluate_and_maybe_stop(self) -> bool:
        val = self.validate()
        factor, first = self.config.divergence_factor, self.first_loss or 0.0
        if not val <= (factor * first if first > 0 else math.inf):  # also NaN: a diverged model is never "best"
            raise TrainingDiverged(self._diverged_message(
                f"validation loss {val:.4g} is more than {factor}x the first step's loss {first:.3f}", self.step))
        improved = val < self.best_val
        if improved:
            self.best_val, self.best_step, self.evals_without_improvement = val, self.step, 0
            self.save("best")
        else:
            self.evals_without_improvement += 1
        self.emit("eval", val_loss=val, best_val_loss=self.best_val, improved=improved)
        return bool(self.config.patience) and self.evals_without_improvement >= self.config.patience

    def _emit_sample(self) -> None:
        # Sampling draws random numbers: use a private RNG state so it does not change training.
        cpu_state = torch.get_rng_state()
        try:
            with torch.no_grad():
                text = self.sample(self.model)
        finally:
            torch.set_rng_state(cpu_state)
            self.model.train()
        self.emit("sample", text=text)


def has_checkpoint(run_dir: Path | None) -> bool:
    """Whether the run folder holds a ``last/`` checkpoint to resume from (or the ``.last.old`` a crash
    between the two renames of an atomic checkpoint write leaves, which reads fall back to)."""
    return run_dir is not None and ((run_dir / "last").exists() or (run_dir / ".last.old").exists())


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _plain(value: Any) -> Any:
    """JSON round-trip form (tuples become lists) so a saved config compares equal to the live one."""
    return json.loads(json.dumps(value, default=str))


def _tuplify(x: Any) -> Any:
    return tuple(_tuplify(v) for v in x) if isinstance(x, (list, tuple)) else x
