"""Training runs that live in a background thread: what the Streamlit "Train" page drives.

A :class:`LiveRun` owns a :class:`~engine.train.trainer.Trainer` running in a daemon thread, keeps every
event it emits (thread-safe), and writes everything to its run folder:

    <runs root>/<run id>/
        run.json       what the run is: corpus name, model/data/train settings, created time
        corpus.txt     the training text (so an uploaded or pasted corpus can be resumed)
        metrics.jsonl  every event (written by the trainer), read back by :meth:`LiveRun.open`
        last/, best/   checkpoints (resumable / best validation loss)

So a rerun or page switch finds the run in :data:`ACTIVE` (same process), and a closed tab or a
restarted server finds it on disk: ``LiveRun.open(run_dir).start()`` resumes from ``last/``.

Caps (:data:`LIMITS`) keep one user from exhausting a shared host: model size, the memory a run
needs (:func:`~engine.lm.memory.estimate_run_memory`), steps, and the number of runs training at once
in one process.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from engine.lm.memory import estimate_run_memory
from engine.lm.model import CharLMConfig
from engine.lm.recipe import CharLMData, charlm_trainer
from engine.train.trainer import TrainConfig, Trainer, TrainEvent

__all__ = ["LIMITS", "Limits", "LiveRun", "RunLimitError", "runs_root", "list_runs", "estimate_params", "ACTIVE",
           "check_text_fits", "estimate_run_memory"]


@dataclass(frozen=True)
class Limits:
    max_params: int = 4_000_000
    max_steps: int = 20_000
    max_corpus_chars: int = 5_000_000
    max_concurrent_runs: int = 2  # per server process
    # Per run, as estimated by engine.lm.memory.estimate_run_memory (parameters x 4 copies + one training
    # step's activations): two runs at the cap stay under ~1.2 GB next to the app on a 2.7 GB host.
    max_run_bytes: int = 600_000_000


LIMITS = Limits()
ACTIVE: dict[str, LiveRun] = {}  # run id -> run, for this process
_ACTIVE_LOCK = threading.Lock()


class RunLimitError(ValueError):
    """A requested run is bigger than this host allows."""


def runs_root() -> Path:
    return Path(os.environ.get("RNN_RUNS_DIR", Path.home() / "rnnlab-runs" / "app")).expanduser()


def estimate_params(vocab_size: int, model: CharLMConfig) -> int:
    """Parameter count of a CharLM with these settings, built on the meta device (no memory used)."""
    import torch

    from engine.lm.model import CharLM

    with torch.device("meta"):
        return CharLM(replace(model, vocab_size=vocab_size)).num_params()


def check_text_fits(n_chars: int, data: CharLMData) -> None:
    """Raise :class:`~engine.data.DataError` if a text of ``n_chars`` characters is too short for ``data``.

    The same conditions the batchers check, asked before a run folder is created: the training part
    must fill ``batch_size`` streams of ``seq_len + 1`` characters (truncated BPTT) or one window
    (full BPTT), and the validation part needs at least two characters.
    """
    from engine.data import DataError

    n_train = int(n_chars * (1.0 - data.val_fraction))
    if data.bptt == "truncated":
        if (n_train - 1) // data.batch_size < data.seq_len:
            raise DataError(f"text too short: its {n_train:,} training characters cannot fill {data.batch_size} "
                            f"streams of {data.seq_len + 1} characters; use a smaller batch size or sequence "
                            "length, or a longer text")
    elif n_train < data.seq_len + 1:
        raise DataError(f"text too short: {n_train:,} training characters, a window needs {data.seq_len + 1}; "
                        "use a shorter sequence length or a longer text")
    if n_chars - n_train < 2:
        raise DataError(f"text too short: {n_chars:,} characters leave no validation text")


class LiveRun:
    def __init__(self, run_dir: Path, info: dict, text: str):
        self.run_dir = Path(run_dir)
        self.id = self.run_dir.name
        self.info = info
        self.text = text
        self.trainer: Trainer | None = None
        self.thread: threading.Thread | None = None
        self.error: str | None = None
        self._lock = threading.Lock()
        self._events: list[dict] = []
        self._load_events()

    # ------------------------------------------------------------------ creating and reopening
    @classmethod
    def create(cls, text: str, corpus_name: str, model: CharLMConfig, data: CharLMData, train: TrainConfig,
               root: Path | None = None, limits: Limits = LIMITS) -> LiveRun:
        from engine.data.text import CharVocab

        if len(text) > limits.max_corpus_chars:
            raise RunLimitError(f"corpus has {len(text):,} characters; this host allows {limits.max_corpus_chars:,}")
        if train.max_steps > limits.max_steps:
            raise RunLimitError(f"{train.max_steps:,} steps requested; this host allows {limits.max_steps:,}")
        check_text_fits(len(text), data)
        vocab_size = len(CharVocab.from_text(text))
        n_params = estimate_params(vocab_size, model)
        if n_params > limits.max_params:
            raise RunLimitError(f"the model would have {n_params:,} parameters; this host allows "
                                f"{limits.max_params:,} (use fewer layers or a smaller hidden size)")
        n_bytes = estimate_run_memory(vocab_size, model, data)
        if n_bytes > limits.max_run_bytes:
            raise RunLimitError(f"training would need about {n_bytes / 1e6:,.0f} MB of memory; this host allows "
                                f"{limits.max_run_bytes / 1e6:,.0f} MB per run (use a smaller batch size or "
                                "sequence length, a smaller hidden size or fewer layers)")
        run_dir = (root or runs_root()) / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        run_dir.mkdir(parents=True)
        (run_dir / "corpus.txt").write_text(text, encoding="utf-8")
        settings = {k: v for k, v in asdict(model).items() if k != "vocab_size"}  # run.json: as it always was
        info = {"corpus": corpus_name, "model": settings, "data": asdict(data), "train": asdict(train),
                "created": time.time(), "params": n_params}
        (run_dir / "run.json").write_text(json.dumps(info, indent=2, ensure_ascii=False))
        return cls(run_dir, info, text)

    @classmethod
    def open(cls, run_dir: str | os.PathLike) -> LiveRun:
        """A run from disk (or the live object if this process is running it)."""
        run_dir = Path(run_dir)
        with _ACTIVE_LOCK:
            if run_dir.name in ACTIVE:
                return ACTIVE[run_dir.name]
        info = json.loads((run_dir / "run.json").read_text())
        return cls(run_dir, info, (run_dir / "corpus.txt").read_text(encoding="utf-8"))

    def _load_events(self) -> None:
        path = self.run_dir / "metrics.jsonl"
        if path.is_file():
            for line in path.read_text().splitlines():
                try:
                    self._events.append(json.loads(line))
                except json.JSONDecodeError:  # a line cut by a crash mid-write
                    continue

    # ------------------------------------------------------------------ running
    def start(self, device: str | None = None, limits: Limits = LIMITS) -> None:
        """Start (or resume from ``last/``) training in a background thread.

        Taking a slot is one step under the lock: a run counts against ``max_concurrent_runs`` from
        the moment it is registered in :data:`ACTIVE`, before its trainer is built, so simultaneous
        starts from several sessions cannot all pass the check. A run already registered (starting
        or training) is not started a second time; a run whose trainer cannot be built gives its
        slot back.
        """
        with _ACTIVE_LOCK:
            if self.id in ACTIVE or self.is_alive:
                return
            if len(ACTIVE) >= limits.max_concurrent_runs:
                raise RunLimitError(f"{len(ACTIVE)} runs are already training on this server; "
                                    "wait for one to finish or stop it")
            ACTIVE[self.id] = self  # the slot is reserved from here on
        try:
            self.error = None
            train = TrainConfig(**self.info["train"])
            self.trainer = charlm_trainer(self.text, self.model_config, CharLMData(**self.info["data"]), train,
                                          run_dir=self.run_dir, provenance={"corpus": self.info["corpus"]},
                                          listeners=[self._on_event], device=device, resume=True,
                                          sample_chars=300)
            self.thread = threading.Thread(target=self._run, name=f"train-{self.id}", daemon=True)
            self.thread.start()
        except BaseException:
            self.trainer = None
            self._release()
            raise

    def _run(self) -> None:
        try:
            self.trainer.fit()
        except Exception as exc:  # keep the message for the page; the last checkpoint stays on disk
            self.error = f"{type(exc).__name__}: {exc}"
            self._on_event(TrainEvent("error", self.trainer.step, {"message": self.error}))
        finally:
            # Release the model, optimizer state and batches: a finished run is read from its events and
            # checkpoints, so a long-lived server does not keep every finished run in memory.
            self.trainer = None
            self._release()

    def _release(self) -> None:
        """Give back this run's slot in :data:`ACTIVE`."""
        with _ACTIVE_LOCK:
            if ACTIVE.get(self.id) is self:
                del ACTIVE[self.id]

    def _on_event(self, event: TrainEvent) -> None:
        with self._lock:
            self._events.append({"kind": event.kind, "step": event.step, "time": event.time, **event.data})

    def pause(self) -> None:
        trainer = self.trainer
        if trainer is not None:
            trainer.request_pause()

    def resume(self) -> None:
        trainer = self.trainer
        if trainer is not None:
            trainer.request_resume()

    def stop(self, wait: float = 0.0) -> None:
        trainer = self.trainer
        if trainer is not None:
            trainer.request_stop()
        if wait and self.thread:
            self.thread.join(wait)

    # ------------------------------------------------------------------ state for the page
    @property
    def is_alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    @property
    def status(self) -> str:
        if self.error:
            return "error"
        trainer = self.trainer  # read once: the training thread sets it to None when it finishes
        if trainer is not None:
            return trainer.status
        finals = [e["kind"] for e in self._events if e["kind"] in
                  ("done", "stopped", "early_stop", "diverged", "error")]
        if finals:
            return finals[-1]
        return "interrupted" if (self.run_dir / "last").exists() else "new"

    @property
    def step(self) -> int:
        trainer = self.trainer
        if trainer is not None:
            return trainer.step
        steps = [e["step"] for e in self._events if e["kind"] == "step"]
        return steps[-1] if steps else 0

    @property
    def model_config(self) -> CharLMConfig:
        """The run's architecture (``run.json`` keeps it as a dict of its fields, without ``vocab_size``)."""
        return CharLMConfig(**self.info["model"])

    @property
    def max_steps(self) -> int:
        return int(self.info["train"]["max_steps"])

    def events(self, kind: str | None = None) -> list[dict]:
        with self._lock:
            return [e for e in self._events if kind is None or e["kind"] == kind]

    def history(self) -> dict[str, Any]:
        """Series for charts. After a resume the step log may repeat steps: the latest value wins."""
        by_step: dict[int, dict] = {}
        evals: dict[int, float] = {}
        samples: list[tuple[int, str]] = []
        message = None
        for e in self.events():
            if e["kind"] == "step":
                by_step[e["step"]] = e
            elif e["kind"] == "eval":
                evals[e["step"]] = e["val_loss"]
            elif e["kind"] == "sample":
                samples.append((e["step"], e["text"]))
            elif e["kind"] in ("diverged", "error"):
                message = e.get("message")
        steps = sorted(by_step)
        return {
            "step": steps,
            "loss": [by_step[s]["loss"] for s in steps],
            "grad_norm": [by_step[s]["grad_norm"] for s in steps],
            "tokens_per_s": [by_step[s]["tokens_per_s"] for s in steps],
            "lr": [by_step[s]["lr"] for s in steps],
            "eval_step": sorted(evals),
            "val_loss": [evals[s] for s in sorted(evals)],
            "samples": samples,
            "message": message,
        }

    def checkpoint(self, which: str = "best") -> Path | None:
        path = self.run_dir / which
        return path if (path / "model.safetensors").is_file() else None


def list_runs(root: Path | None = None) -> list[Path]:
    """Run folders under the runs root, newest first."""
    root = root or runs_root()
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir() if (p / "run.json").is_file()), key=lambda p: p.name, reverse=True)
