r"""Training the lab's cells side by side, the length sweep, and its shipped results.

Every run here is the engine's :class:`~engine.train.trainer.Trainer` on a
:class:`~engine.lab.long_term.LongTermModel`, with one recipe (:data:`LAB_TRAIN`: Adam, learning rate
3·10⁻³ held constant, global gradient clipping at 1.0, 64 sequences per batch, 64 hidden units), found
to solve the adding problem at T = 100 with an LSTM in a few thousand steps on a CPU. The page trains
the same recipe live for at most :data:`LIVE_LIMITS` ``.max_steps`` steps; the length sweep trains it
longer (``--steps``), which the results file records.

* :class:`SideBySide`: vanilla RNN, GRU and LSTM on the same batches, advanced a few steps at a time so
  a page can redraw between chunks (each trainer's ``fit()`` continues where it stopped: the schedule is
  constant, so raising ``max_steps`` changes nothing else).
* :func:`length_sweep`: final held-out loss against T for each cell, with the steps and CPU seconds
  each run took; :func:`save_results` / :func:`load_results` write and read the small JSON file;
  :func:`learned_within` reads off the largest T each cell learns within a step budget.

"Learns" means the held-out loss falls below :data:`SOLVED_FRACTION` of the task's baseline: 6 % of
1/6 is an MSE of 0.01 on the adding problem, the target of the issue; 6 % of ln 8 is 0.125 nats on
first-symbol (the right symbol at probability ≈ 0.88).

Example::

    >>> from engine.lab.tasks import TaskConfig
    >>> race = SideBySide(TaskConfig(seq_len=5, batch_size=8, eval_size=16),
    ...                   train=replace(LAB_TRAIN, max_steps=4), cells=("rnn", "lstm"))
    >>> race.advance(2); race.advance(5)
    >>> [(r.cell, r.step, len(r.history["loss"]), r.status) for r in race.runs]
    [('rnn', 4, 4, 'done'), ('lstm', 4, 4, 'done')]
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from engine.lab.long_term import CELLS, LongTermConfig, LongTermModel, build_model
from engine.lab.tasks import LongTermTask, TaskConfig, make_task
from engine.train.checkpoint import PRETRAINED_DIR
from engine.train.trainer import TrainConfig, Trainer, TrainEvent

__all__ = ["LAB_MODEL", "LAB_TASK", "LAB_TRAIN", "LENGTHS", "LIVE_LIMITS", "LIVE_SLOTS", "OPTIMIZERS", "SHIPPED_SWEEP",
           "SOLVED_FRACTION", "CellRun", "LiveLimits", "ResultsError", "SideBySide", "lab_train", "learned_within",
           "length_sweep", "load_results", "loss_at", "same_recipe", "save_results"]

#: The recipe (see the module docstring). No warmup, constant rate: a chunked run equals one long run.
LAB_TRAIN = TrainConfig(max_steps=4000, optimizer="adam", lr=3e-3, schedule="constant", warmup_steps=0,
                        grad_clip=1.0, eval_every=100, checkpoint_every=10**9, divergence_factor=1e9,
                        amp=False, seed=0)
LAB_MODEL = LongTermConfig(cell="lstm", n_hidden=64)
LAB_TASK = TaskConfig(task="adding", seq_len=100, batch_size=64, eval_size=512)
#: The sequence lengths of the shipped sweep.
LENGTHS = (10, 25, 50, 100, 200)
SOLVED_FRACTION = 0.06
SHIPPED_SWEEP = PRETRAINED_DIR / "lab-long-term" / "length_sweep.json"
_FORMAT = "rnnlab-length-sweep"


@dataclass(frozen=True)
class LiveLimits:
    """What one visitor's live run may use on the public app (checked by :meth:`check`)."""

    max_steps: int = 1500
    max_seq_len: int = 200
    max_hidden: int = 64
    max_batch: int = 64
    max_seconds: float = 240.0  # wall clock of one live run; the page stops it there
    max_concurrent: int = 2  # live runs training at once in one server process (all visitors)

    def check(self, task: TaskConfig, model: LongTermConfig, train: TrainConfig) -> None:
        """Raise ``ValueError`` naming the first setting over its cap."""
        for name, value, cap in (("steps", train.max_steps, self.max_steps), ("T", task.seq_len, self.max_seq_len),
                                 ("hidden units", model.n_hidden, self.max_hidden),
                                 ("batch size", task.batch_size, self.max_batch)):
            if value > cap:
                raise ValueError(f"{name} = {value} is over this page's limit of {cap} for a live run")


LIVE_LIMITS = LiveLimits()
#: Taken (non-blocking) for the length of a live run; released when it ends, even by a page rerun.
LIVE_SLOTS = threading.BoundedSemaphore(LIVE_LIMITS.max_concurrent)
#: The page's two optimisers: the recipe's Adam, and plain SGD with momentum, whose step is lr × gradient,
#: so an exploding gradient throws the weights off unless it is clipped (Adam divides by a running RMS).
OPTIMIZERS = {"adam": {"optimizer": "adam", "lr": LAB_TRAIN.lr},
              "sgd": {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9}}


def lab_train(optimizer: str = "adam", clip: bool = True, steps: int = LAB_TRAIN.max_steps) -> TrainConfig:
    """The recipe with one of :data:`OPTIMIZERS`, clipping at 1.0 or off, and ``steps`` steps.

    >>> cfg = lab_train("sgd", clip=False, steps=300)
    >>> cfg.optimizer, cfg.lr, cfg.grad_clip, cfg.max_steps
    ('sgd', 0.05, 0.0, 300)
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; expected one of {tuple(OPTIMIZERS)}")
    return replace(LAB_TRAIN, **OPTIMIZERS[optimizer], grad_clip=LAB_TRAIN.grad_clip if clip else 0.0,
                   max_steps=steps)


class ResultsError(ValueError):
    """A length-sweep results file that is missing, unreadable or not in this format."""


@dataclass
class CellRun:
    """One cell's training: its trainer, what it logged, and the CPU seconds it used."""

    cell: str
    trainer: Trainer
    task: LongTermTask
    history: dict = field(default_factory=lambda: {"step": [], "loss": [], "grad_norm": [], "eval_step": [],
                                                   "val_loss": [], "eval_cpu_s": []})
    status: str = "idle"  # idle | running | done | diverged
    message: str = ""
    cpu_s: float = 0.0
    wall_s: float = 0.0
    _cpu_mark: float = field(default=0.0, init=False, repr=False)  # process CPU clock when advance() began

    @property
    def model(self) -> LongTermModel:
        return self.trainer.model

    @property
    def step(self) -> int:
        return self.trainer.step

    def listen(self, event: TrainEvent) -> None:
        h = self.history
        if event.kind == "step":
            h["step"].append(event.step)
            h["loss"].append(event.data["loss"])
            h["grad_norm"].append(event.data["grad_norm"])
        elif event.kind == "eval" and (not h["eval_step"] or h["eval_step"][-1] != event.step):
            h["eval_step"].append(event.step)
            h["val_loss"].append(event.data["val_loss"])
            h["eval_cpu_s"].append(round(self.cpu_s + time.process_time() - self._cpu_mark, 3))
        elif event.kind == "diverged":
            self.status, self.message = "diverged", event.data["message"]

    def advance(self, steps: int, max_steps: int) -> None:
        """Train ``steps`` more steps (not past ``max_steps``)."""
        if self.status in ("done", "diverged"):
            return
        target = min(max_steps, self.trainer.step + steps)
        self.trainer.config = replace(self.trainer.config, max_steps=target)
        self.status = "running"
        self._cpu_mark, wall = time.process_time(), time.perf_counter()
        status = self.trainer.fit()
        self.cpu_s += time.process_time() - self._cpu_mark
        self.wall_s += time.perf_counter() - wall
        if status == "diverged":
            self.status = "diverged"
        elif self.trainer.step >= max_steps:
            self.status = "done"

    @property
    def final_loss(self) -> float | None:
        return self.history["val_loss"][-1] if self.history["val_loss"] else None

    def solved(self, threshold: float) -> tuple[int, float] | tuple[None, None]:
        """``(step, CPU seconds)`` of the first evaluation with a held-out loss below ``threshold`` (None: never)."""
        h = self.history
        return next(((s, c) for s, v, c in zip(h["eval_step"], h["val_loss"], h["eval_cpu_s"]) if v < threshold),
                    (None, None))


def make_run(cell: str, task_config: TaskConfig, model: LongTermConfig, train: TrainConfig) -> CellRun:
    """A :class:`CellRun` of ``cell`` (weights from ``train.seed``; the batches are the same for every cell)."""
    task = make_task(task_config)
    net = build_model(replace(model, cell=cell), task, seed=train.seed)
    held_out = task.eval_set(seed=train.seed)
    trainer = Trainer(net, task.batches(seed=train.seed), train, eval_batches=lambda: [held_out], device="cpu")
    run = CellRun(cell, trainer, task)
    trainer.listeners.append(run.listen)
    return run


class SideBySide:
    """Several cells trained on the same task and batches, in turns of a few steps (see the module docstring)."""

    def __init__(self, task: TaskConfig = LAB_TASK, model: LongTermConfig = LAB_MODEL,
                 train: TrainConfig = LAB_TRAIN, cells: Sequence[str] = CELLS) -> None:
        self.task_config, self.model_config, self.train_config = task, model, train
        self.runs = [make_run(cell, task, model, train) for cell in cells]
        self.max_steps = train.max_steps

    @property
    def baseline(self) -> float:
        return self.runs[0].task.baseline

    @property
    def done(self) -> bool:
        return all(r.status in ("done", "diverged") for r in self.runs)

    @property
    def step(self) -> int:
        return min(r.step for r in self.runs)

    def advance(self, steps: int) -> None:
        """Each cell trains ``steps`` more steps (a diverged or finished cell stays where it is)."""
        for run in self.runs:
            run.advance(steps, self.max_steps)

    def run(self, chunk: int = 100, on_chunk: Callable[[SideBySide], None] | None = None) -> SideBySide:
        while not self.done:
            self.advance(chunk)
            if on_chunk is not None:
                on_chunk(self)
        return self


# ------------------------------------------------------------------------------------------ the length sweep
def length_sweep(lengths: Iterable[int] = LENGTHS, cells: Sequence[str] = CELLS, task: TaskConfig = LAB_TASK,
                 model: LongTermConfig = LAB_MODEL, train: TrainConfig = LAB_TRAIN, command: str = "",
                 progress: Callable[[dict], None] | None = None) -> dict:
    """Train each cell at each T with the same recipe; the results dict :func:`save_results` writes.

    Each row: ``seq_len``, ``cell``, ``final_loss`` (held-out, after ``train.max_steps`` steps, or at
    divergence), ``solved_step`` and ``solved_cpu_s`` (first evaluation below the "learns" threshold, and
    the CPU seconds the run had used by then), ``steps``, ``cpu_s``,
    ``wall_s``, ``status`` and the held-out curve (``eval_step``, ``val_loss``).
    """
    rows = []
    for seq_len in lengths:
        race = SideBySide(replace(task, seq_len=int(seq_len)), model, train, cells)
        for run in race.runs:
            run.advance(train.max_steps, train.max_steps)
            rows.append(_row(run, seq_len, race.baseline))
            if progress is not None:
                progress(rows[-1])
    return {"format": _FORMAT, "command": command, "task": asdict(task), "model": asdict(model),
            "train": asdict(train), "live_max_steps": LIVE_LIMITS.max_steps, "solved_fraction": SOLVED_FRACTION,
            "rows": rows}


def _row(run: CellRun, seq_len: int, baseline: float) -> dict:
    h = run.history
    solved_step, solved_cpu_s = run.solved(SOLVED_FRACTION * baseline)
    return {"seq_len": int(seq_len), "cell": run.cell, "baseline": baseline, "final_loss": run.final_loss,
            "solved_step": solved_step, "solved_cpu_s": solved_cpu_s, "steps": run.step,
            "cpu_s": round(run.cpu_s, 2), "wall_s": round(run.wall_s, 2), "status": run.status,
            "eval_step": list(h["eval_step"]), "val_loss": [round(v, 6) for v in h["val_loss"]]}


def save_results(results: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    head = json.dumps({k: v for k, v in results.items() if k != "rows"}, indent=1, allow_nan=False)
    rows = ",\n  ".join(json.dumps(r, allow_nan=False, separators=(",", ":")) for r in results["rows"])
    path.write_text(f'{head[:-2]},\n "rows": [\n  {rows}\n ]\n}}\n', encoding="utf-8")  # one line per run
    return path


def load_results(path: str | Path = SHIPPED_SWEEP) -> dict:
    """The results dict of a sweep file; :class:`ResultsError` if it is missing or not a sweep."""
    try:
        results = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ResultsError(f"cannot read the length-sweep results {str(path)!r}: {exc}") from exc
    if not isinstance(results, dict) or results.get("format") != _FORMAT or not isinstance(results.get("rows"), list):
        raise ResultsError(f"{str(path)!r} is not a length-sweep results file (format {_FORMAT!r})")
    return results


def loss_at(row: dict, step: int) -> float | None:
    """The held-out loss of a sweep row at the last evaluation not after ``step`` (None: none yet)."""
    pairs = [(s, v) for s, v in zip(row["eval_step"], row["val_loss"]) if s <= step]
    return pairs[-1][1] if pairs else None


def learned_within(results: dict, cell: str, steps: int) -> int | None:
    """The largest T at which ``cell`` got below the "learns" threshold within ``steps`` steps (None: no T).

    >>> rows = [{"seq_len": 10, "cell": "rnn", "baseline": 1 / 6, "eval_step": [100, 200], "val_loss": [0.1, 0.005]},
    ...         {"seq_len": 50, "cell": "rnn", "baseline": 1 / 6, "eval_step": [100, 200], "val_loss": [0.17, 0.16]}]
    >>> learned_within({"rows": rows, "solved_fraction": 0.06}, "rnn", 200), learned_within({"rows": rows}, "rnn", 100)
    (10, None)
    """
    fraction = results.get("solved_fraction", SOLVED_FRACTION)
    learned = [r["seq_len"] for r in results["rows"] if r["cell"] == cell
               and (loss := loss_at(r, steps)) is not None and math.isfinite(loss) and loss < fraction * r["baseline"]]
    return max(learned, default=None)


def same_recipe(results: dict, task: TaskConfig, model: LongTermConfig, train: TrainConfig) -> bool:
    """Whether a run with these settings is the sweep's recipe (any T, cell and number of steps)."""
    keep = {"seq_len", "cell", "max_steps"}
    mine = {**asdict(task), **asdict(model), **asdict(train)}
    theirs = {**results.get("task", {}), **results.get("model", {}), **results.get("train", {})}
    return all(json.dumps(mine[k]) == json.dumps(v) for k, v in theirs.items() if k not in keep and k in mine)
