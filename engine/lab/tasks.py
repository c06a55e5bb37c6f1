r"""Two tasks whose answer depends on inputs T steps back, and the loss of a model that ignores them.

**The adding problem** (Hochreiter & Schmidhuber 1997, experiment 4; here in the form of Le, Jaitly &
Hinton 2015 and Arjovsky, Shah & Bengio 2016). Each input x(t) = (v(t), m(t)) holds a number v(t) drawn
uniformly from [0, 1] and a marker m(t) ∈ {0, 1}. Exactly two steps are marked: one in the first half
of the sequence, one in the second. The target, read after the last step, is the sum of the two marked
numbers, y = v(a) + v(b), and the loss is the squared error. The first marked number lies on average
3T/4 steps before the end, so T sets the dependency distance.

*Baseline.* y is a sum of two independent U(0, 1) numbers, so E[y] = 1 and Var[y] = 2 · 1/12 = 1/6.
A model that never uses the marked numbers can do no better than the constant that minimises the
squared error, the mean E[y] = 1, and that constant's error is the variance::

    MSE(always 1) = E[(y − 1)²] = Var[y] = 1/6 ≈ 0.167

A curve that stays at 0.167 has learned nothing about the inputs; "solved" is far below it (< 0.01).

**Remember the first symbol** (the simplest copy task). x(t) is the one-hot code of a symbol s(t) drawn
uniformly from K symbols; the target, read after step T, is s(1), a class among K, and the loss is the
cross-entropy. The distance is exactly T − 1 steps. *Baseline*: s(1) is independent of s(2) … s(T), so
a model without memory can do no better than the uniform guess, whose cross-entropy is ln K nats
(ln 8 ≈ 2.079 for K = 8); its accuracy is 1/K.

Batches are a function of ``(seed, step)`` (as the trainer expects: resuming is exact), made on the CPU
with their own ``torch.Generator``, so training several models side by side gives each the same data.

Example::

    >>> task = AddingProblem(seq_len=6)
    >>> x, y = task.sample(4, seed=0)
    >>> tuple(x.shape), tuple(y.shape)          # (B, T, 2): number, marker; (B,) the sum
    ((4, 6, 2), (4,))
    >>> bool((x[..., 1].sum(dim=1) == 2).all())  # two markers per sequence
    True
    >>> round(task.baseline, 4), task.baseline_name
    (0.1667, 'mse')
    >>> FirstSymbol(seq_len=10, n_symbols=8).baseline == math.log(8)
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

from engine.data.batch import Batch

__all__ = ["TASKS", "AddingProblem", "FirstSymbol", "LongTermTask", "TaskConfig", "TaskError", "make_task"]

#: The task names, as the CLI and the page spell them.
TASKS = ("adding", "first_symbol")
#: Longest sequence the lab builds (a public page trains on them on a CPU).
MAX_SEQ_LEN = 1000


class TaskError(ValueError):
    """A task asked for with impossible settings (a length below 2, fewer than 2 symbols, ...)."""


@dataclass
class TaskConfig:
    """Which long-term-dependency task, and how far back its answer lies."""

    task: str = field(default="adding", metadata={"help": "the task", "choices": TASKS})
    seq_len: int = field(default=50, metadata={"help": "sequence length T: the dependency distance"})
    n_symbols: int = field(default=8, metadata={"help": "alphabet size K of the first-symbol task"})
    batch_size: int = field(default=64, metadata={"help": "training examples per batch"})
    eval_size: int = field(default=512, metadata={"help": "held-out examples the loss is measured on"})

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise TaskError(f"unknown task {self.task!r}; expected one of {TASKS}")
        if isinstance(self.seq_len, bool) or not isinstance(self.seq_len, int) or not 2 <= self.seq_len <= MAX_SEQ_LEN:
            raise TaskError(f"seq_len (T) must be an integer in [2, {MAX_SEQ_LEN}], got {self.seq_len!r}")
        if isinstance(self.n_symbols, bool) or not isinstance(self.n_symbols, int) or self.n_symbols < 2:
            raise TaskError(f"n_symbols (K) must be an integer >= 2, got {self.n_symbols!r}")
        for name in ("batch_size", "eval_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise TaskError(f"{name} must be an integer >= 1, got {value!r}")


def _generator(seed: int, step: int) -> torch.Generator:
    """A private random stream for one batch: the global RNG (weights, other models) is left alone."""
    return torch.Generator().manual_seed((int(seed) * 1_000_003 + int(step)) % (2**63 - 1))


class LongTermTask:
    """A many-to-one task: read x(1) … x(T), answer once after step T. Subclasses make the examples."""

    #: "mse" (regression, one output) or "xent" (classification, ``n_outputs`` classes).
    loss_kind: str = "mse"

    def __init__(self, seq_len: int) -> None:
        self.config = TaskConfig(task=self.name, seq_len=seq_len, **self._extra())
        self.seq_len = seq_len

    name = ""

    def _extra(self) -> dict:
        return {}

    @property
    def n_inputs(self) -> int:
        raise NotImplementedError

    @property
    def n_outputs(self) -> int:
        raise NotImplementedError

    @property
    def baseline(self) -> float:
        """The loss of the best prediction that ignores the inputs (see the module docstring)."""
        raise NotImplementedError

    @property
    def baseline_name(self) -> str:
        return self.loss_kind

    def sample(self, batch_size: int, seed: int = 0, step: int = 0) -> tuple[Tensor, Tensor]:
        """``(x (B, T, n_inputs), y)``: y is (B,) floats (adding) or (B,) class indices (first symbol)."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise TaskError(f"batch_size must be an integer >= 1, got {batch_size!r}")
        return self._sample(batch_size, _generator(seed, step))

    def _sample(self, batch_size: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    def batches(self, seed: int = 0):
        """``train_batches(step) -> Batch`` for :class:`~engine.train.trainer.Trainer`: ``config.batch_size``
        full sequences per step, the same for every model trained with this ``seed``."""

        def train_batches(step: int) -> Batch:
            x, y = self.sample(self.config.batch_size, seed=seed, step=step)
            return Batch(x, y, carry=False)

        return train_batches

    def eval_set(self, seed: int = 0) -> Batch:
        """The held-out batch of ``config.eval_size`` examples (step −1: never one of the training batches)."""
        x, y = self.sample(self.config.eval_size, seed=seed, step=-1)
        return Batch(x, y, carry=False)

    def describe(self) -> dict:
        return {**vars(self.config), "baseline": self.baseline, "loss": self.loss_kind}


class AddingProblem(LongTermTask):
    """The adding problem: the sum of the two marked numbers (module docstring). Baseline MSE 1/6."""

    name = "adding"
    loss_kind = "mse"

    @property
    def n_inputs(self) -> int:
        return 2

    @property
    def n_outputs(self) -> int:
        return 1

    @property
    def baseline(self) -> float:
        return 1.0 / 6.0  # Var[U(0,1) + U(0,1)]: the error of always answering the mean, 1

    def _sample(self, batch_size: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        T = self.seq_len
        half = (T + 1) // 2  # first marker in [0, half), second in [half, T)
        values = torch.rand(batch_size, T, generator=gen)
        first = torch.randint(0, half, (batch_size,), generator=gen)
        second = torch.randint(half, T, (batch_size,), generator=gen)
        marks = torch.zeros(batch_size, T)
        rows = torch.arange(batch_size)
        marks[rows, first] = 1.0
        marks[rows, second] = 1.0
        target = values[rows, first] + values[rows, second]
        return torch.stack([values, marks], dim=-1), target


class FirstSymbol(LongTermTask):
    """Remember the first of T symbols (module docstring). Baseline cross-entropy ln K."""

    name = "first_symbol"
    loss_kind = "xent"

    def __init__(self, seq_len: int, n_symbols: int = 8) -> None:
        self.n_symbols = n_symbols
        super().__init__(seq_len)

    def _extra(self) -> dict:
        return {"n_symbols": self.n_symbols}

    @property
    def n_inputs(self) -> int:
        return self.n_symbols

    @property
    def n_outputs(self) -> int:
        return self.n_symbols

    @property
    def baseline(self) -> float:
        return math.log(self.n_symbols)  # cross-entropy of the uniform guess over K symbols

    def _sample(self, batch_size: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        symbols = torch.randint(0, self.n_symbols, (batch_size, self.seq_len), generator=gen)
        x = torch.nn.functional.one_hot(symbols, self.n_symbols).float()
        return x, symbols[:, 0]


def make_task(config: TaskConfig | str, seq_len: int | None = None, n_symbols: int = 8) -> LongTermTask:
    """The task named by a :class:`TaskConfig` (or by name, length and alphabet size).

    >>> make_task("first_symbol", 20, n_symbols=4).describe()["baseline"] == math.log(4)
    True
    >>> make_task("copy", 20)
    Traceback (most recent call last):
    ...
    engine.lab.tasks.TaskError: unknown task 'copy'; expected one of ('adding', 'first_symbol')
    """
    if isinstance(config, str):
        config = TaskConfig(task=config, seq_len=50 if seq_len is None else seq_len, n_symbols=n_symbols)
    task = AddingProblem(config.seq_len) if config.task == "adding" else FirstSymbol(config.seq_len, config.n_symbols)
    task.config = config  # keeps its batch sizes
    return task
