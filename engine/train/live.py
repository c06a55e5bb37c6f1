"""Training runs that live in a process of their own: what the Streamlit "Train" page drives.

A :class:`LiveRun` starts its :class:`~engine.train.trainer.Trainer` in a child process
(:mod:`engine.train.live_worker`: lower priority, ``Limits.train_threads`` torch threads, so the app's
inference is answered first while runs train), watches it from a daemon thread, keeps every event it emits
(thread-safe), and everything is written to its run folder:

    <runs root>/<run id>/
        run.json       what the run is: corpus name, model/data/train settings, created time, owner hash
        corpus.txt     the training text (so an uploaded or pasted corpus can be resumed)
        metrics.jsonl  every event (written by the trainer), read back by :meth:`LiveRun.open`
        last/, best/   checkpoints (resumable / best validation loss)
        train.log      what the training process printed (warnings; the reason of a crash)

While it trains, :attr:`LiveRun.trainer` is a :class:`TrainingProcess`: the child's step and status as its
events report them, and :meth:`~TrainingProcess.request_stop`. The child's own state is the run folder,
so a crashed child loses nothing the user made (checkpoints are atomic; the run reads "interrupted" and
resumes from ``last/``).

So a rerun or page switch finds the run in :data:`ACTIVE` (same process), and a closed tab or a
restarted server finds it on disk: ``LiveRun.open(run_dir).start()`` resumes from ``last/``.

**A run belongs to its creator.** The run id is public (it names the folder and goes in links); the
*owner key* (:func:`new_owner_key`) is a secret only the creator gets. ``run.json`` keeps its SHA-256
(:func:`owner_hash`), never the key; :meth:`LiveRun.is_owner` compares with ``hmac.compare_digest``.
The app lets only the key's holder pause, stop, resume or download a run (:meth:`LiveRun.check_owner`
raises :class:`RunAccessError`); everyone else sees its progress read-only. A run folder made before
runs had owners (no ``owner_sha256`` in ``run.json``) belongs to no one: read-only for everyone.

**Only training holds a slot.** :data:`ACTIVE` holds the runs whose process is training; taking a slot
(:meth:`LiveRun.start`) is one atomic step. A pause checkpoints ``last/`` and ends the process (the trainer
records ``stopped``, then the run records ``paused``), so a paused run holds no slot, memory or process;
:meth:`LiveRun.resume` takes a slot again through the same reservation, or raises :class:`ServerBusyError`.
A run that pages watch (:meth:`LiveRun.touch`) and then no page looks at for ``Limits.idle_s`` seconds
is paused the same way (``reason: "idle"``).

Caps (:data:`LIMITS`) keep one user from exhausting a shared host: model size, the memory a run
needs (:func:`~engine.lm.memory.estimate_run_memory`), steps, the number of runs training at once in
one process, the number of those one visitor may have (:class:`VisitorLimitError`; who a visitor is,
is the caller's definition: the app's is in ``dashboard/components/visitor.py``), and the idle time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from engine.lm.memory import estimate_run_memory
from engine.lm.model import CharLMConfig
from engine.lm.recipe import CharLMData
from engine.train.live_worker import TrainingProcess, log_tail
from engine.train.trainer import TrainConfig, TrainEvent

__all__ = ["LIMITS", "Limits", "LiveRun", "TrainingProcess", "RunLimitError", "ServerBusyError", "VisitorLimitError",
           "RunAccessError", "runs_root", "list_runs", "estimate_params", "ACTIVE", "active_runs", "new_owner_key",
           "owner_hash", "owned_runs", "check_text_fits", "estimate_run_memory", "min_text_chars"]


@dataclass(frozen=True)
class Limits:
    max_params: int = 4_000_000
    max_steps: int = 20_000
    max_corpus_chars: int = 5_000_000
    max_concurrent_runs: int = 2  # per server process
    max_runs_per_visitor: int = 1  # of those, training for one visitor (LiveRun.start(visitor=...))
    # Per run, as estimated by engine.lm.memory.estimate_run_memory (parameters x 4 copies + one training
    # step's activations): two runs at the cap stay under ~1.2 GB next to the app on a 2.7 GB host (plus each
    # training process's own interpreter and torch: see docs/reliability.md for the measured peak).
    max_run_bytes: int = 600_000_000
    # A watched run (LiveRun.touch) that no page has looked at for this long is paused; None: never.
    idle_s: float | None = 30 * 60
    # The training process (engine.train.live_worker): niceness added (lower priority than the app's inference;
    # $RNN_TRAIN_NICE overrides it, e.g. 0 for tests on a host busy with other work, where a niced child can wait
    # minutes for the CPU) and torch threads (max_concurrent_runs x train_threads cores at most go to training).
    train_nice: int = field(default_factory=lambda: int(os.environ.get("RNN_TRAIN_NICE", "10")))
    train_threads: int = 1


LIMITS = Limits()
ACTIVE: dict[str, LiveRun] = {}  # run id -> run whose thread is training (or starting), for this process
_ACTIVE_LOCK = threading.Lock()


class RunLimitError(ValueError):
    """A requested run is bigger than this host allows."""


class ServerBusyError(RunLimitError):
    """Every training slot of this server is taken (``Limits.max_concurrent_runs``)."""


class VisitorLimitError(RunLimitError):
    """This visitor already has ``Limits.max_runs_per_visitor`` runs training."""


class RunAccessError(PermissionError):
    """A run's controls were asked for without its owner key."""


def new_owner_key() -> str:
    """A fresh owner key: 32 random URL-safe characters (192 bits), for the run's creator only.

    >>> key = new_owner_key()
    >>> len(key), key != new_owner_key(), key.replace("-", "").replace("_", "").isalnum()
    (32, True, True)
    """
    return secrets.token_urlsafe(24)


def owner_hash(key: str) -> str:
    """What ``run.json`` keeps of an owner key (``"owner_sha256"``): its SHA-256, in hex.

    >>> owner_hash("abc")[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def active_runs(visitor: str | None = None) -> list[LiveRun]:
    """The runs training (or starting) in this process; only ``visitor``'s when given."""
    with _ACTIVE_LOCK:
        return [run for run in ACTIVE.values() if visitor is None or run.visitor == visitor]


def runs_root() -> Path:
    return Path(os.environ.get("RNN_RUNS_DIR", Path.home() / "rnnlab-runs" / "app")).expanduser()


def estimate_params(vocab_size: int, model: CharLMConfig) -> int:
    """Parameter count of a CharLM with these settings, built on the meta device (no memory used)."""
    from engine.device import on_meta
    from engine.lm.model import CharLM

    with on_meta():
        return CharLM(replace(model, vocab_size=vocab_size)).num_params()


def min_text_chars(data: CharLMData) -> int:
    """The fewest characters a text needs to train with ``data`` (what :func:`check_text_fits` accepts).

    Truncated BPTT: the training part (the first ``1 - val_fraction``) must fill ``batch_size`` streams of
    ``seq_len + 1`` characters; full BPTT: one window of ``seq_len + 1``; and the validation part needs two.

    >>> from engine.lm.recipe import CharLMData
    >>> min_text_chars(CharLMData(batch_size=32, seq_len=64, bptt="truncated", val_fraction=0.1))
    2277
    >>> min_text_chars(CharLMData(batch_size=32, seq_len=64, bptt="full", val_fraction=0.1))
    73
    """
    need_train = data.batch_size * data.seq_len + 1 if data.bptt == "truncated" else data.seq_len + 1
    n = max(2, int(need_train / (1.0 - data.val_fraction)))
    while int(n * (1.0 - data.val_fraction)) < need_train or n - int(n * (1.0 - data.val_fraction)) < 2:
        n += 1
    return n


def check_text_fits(n_chars: int, data: CharLMData) -> None:
    """Raise :class:`~engine.data.DataError` if a text of ``n_chars`` characters is too short for ``data``.

    The same conditions the batchers check, asked before a run folder is created (see :func:`min_text_chars`);
    the message says how many characters are needed.
    """
    from engine.data import DataError

    need = min_text_chars(data)
    if n_chars < need:
        shape = (f"{data.batch_size} streams of {data.seq_len + 1} characters" if data.bptt == "truncated"
                 else f"a window of {data.seq_len + 1} characters")
        raise DataError(f"text too short: {n_chars:,} characters, this setting needs at least {need:,} (the first "
                        f"{1 - data.val_fraction:.0%} must fill {shape}, the rest is validation text); use a "
                        "smaller batch size or sequence length, or a longer text")


def _utf8(text: str, what: str) -> bytes:
    """``text`` in UTF-8, or a :class:`~engine.data.DataError` naming ``what`` (a lone surrogate cannot be written).

    >>> _utf8("héllo", "the text")
    b'h\\xc3\\xa9llo'
    """
    from engine.data import DataError

    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise DataError(f"{what} is not valid Unicode: a lone surrogate U+{ord(text[exc.start]):04X} at character "
                        f"{exc.start:,}") from None


_STATUS_EVENTS = ("start", "resumed", "paused", "done", "stopped", "early_stop", "diverged", "error")
class LiveRun:
    def __init__(self, run_dir: Path, info: dict, text: str):
        self.run_dir = Path(run_dir)
        self.id = self.run_dir.name
        self.info = info
        self.text = text
        self.trainer: TrainingProcess | None = None  # while it trains
        self.thread: threading.Thread | None = None  # watches the training process
        self.error: str | None = None
        self.visitor: str | None = None  # who started the current training (LiveRun.start)
        self.last_seen: float | None = None  # time.monotonic() of the latest touch(); None: never watched
        self._limits = LIMITS
        self._pausing: str | None = None  # why a pause was asked for, until the thread has ended
        self._lock = threading.Lock()
        self._events: list[dict] = []
        self._load_events()

    # ------------------------------------------------------------------ creating and reopening
    @classmethod
    def create(cls, text: str, corpus_name: str, model: CharLMConfig, data: CharLMData, train: TrainConfig,
               root: Path | None = None, limits: Limits = LIMITS, owner_key: str | None = None) -> LiveRun:
        """Check the limits and make the run folder (nothing trains yet: :meth:`start`).

        ``owner_key`` (:func:`new_owner_key`) makes the run its holder's: ``run.json`` keeps its hash.
        Without one the run belongs to no one (fine for a script of your own; the app always passes one).
        """
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
        settings = {k: v for k, v in asdict(model).items() if k != "vocab_size"}  # run.json: as it always was
        info = {"corpus": corpus_name, "model": settings, "data": asdict(data), "train": asdict(train),
                "created": time.time(), "params": n_params}
        if owner_key is not None:
            info["owner_sha256"] = owner_hash(owner_key)
        # Encoded before the folder exists: a text no UTF-8 can hold (a lone surrogate, "\ud800") is a DataError,
        # not a UnicodeEncodeError that leaves an orphan run folder behind.
        files = {"corpus.txt": _utf8(text, "the text"),
                 "run.json": _utf8(json.dumps(info, indent=2, ensure_ascii=False), "the corpus name")}
        run_dir = (root or runs_root()) / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        run_dir.mkdir(parents=True)
        try:
            for name, data_bytes in files.items():
                (run_dir / name).write_bytes(data_bytes)
        except BaseException:  # e.g. a full disk: no half-made run folder
            import shutil

            shutil.rmtree(run_dir, ignore_errors=True)
            raise
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
    def start(self, device: str | None = None, limits: Limits | None = None, visitor: str | None = None) -> None:
        """Start (or resume from ``last/``) training in a process of its own (:class:`TrainingProcess`).

        Taking a slot is one step under the lock: a run counts against ``max_concurrent_runs`` (and,
        given a ``visitor``, against that visitor's ``max_runs_per_visitor``) from the moment it is
        registered in :data:`ACTIVE`, before its trainer is built, so simultaneous starts from several
        sessions cannot all pass the check. A run already registered (starting or training) is not
        started a second time; a run whose settings are invalid, or whose process cannot start, gives its
        slot back (a failure inside the process, e.g. a damaged ``last/``, is the run's ``error``).

        Raises :class:`VisitorLimitError` or :class:`ServerBusyError` (both :class:`RunLimitError`)
        when no slot may be taken. ``limits``: this host's (:data:`LIMITS`, read at call time) by default.
        """
        limits = LIMITS if limits is None else limits
        with _ACTIVE_LOCK:
            if self.id in ACTIVE or self.is_alive:
                return
            mine = sum(run.visitor == visitor for run in ACTIVE.values()) if visitor is not None else 0
            if visitor is not None and mine >= limits.max_runs_per_visitor:
                raise VisitorLimitError(f"you already have {mine} run(s) training; one visitor may have "
                                        f"{limits.max_runs_per_visitor}: pause or stop one first")
            if len(ACTIVE) >= limits.max_concurrent_runs:
                raise ServerBusyError(f"{len(ACTIVE)} runs are already training on this server; "
                                      "wait for one to finish, pause or stop")
            ACTIVE[self.id] = self  # the slot is reserved from here on
            self.visitor, self._limits, self._pausing = visitor, limits, None
            if self.last_seen is not None:
                self.last_seen = time.monotonic()  # a resumed run's idle clock starts afresh
        try:
            self.error = None
            # Invalid settings are the caller's error, here and now, not a failed process later.
            _ = self.model_config, TrainConfig(**self.info["train"]), CharLMData(**self.info["data"])
            process = TrainingProcess(self.run_dir, self.step, limits, device)
            self.trainer = process
            self.thread = threading.Thread(target=self._run, args=(process,), name=f"train-{self.id}", daemon=True)
            self.thread.start()
        except BaseException:
            self.trainer = None
            self._release()
            raise

    def _run(self, process: TrainingProcess) -> None:
        """Follow the training process's events until it exits (the watching thread)."""
        result = None
        try:
            for message in process.events():
                if message["kind"] == "_result":
                    result = message.get("status")
                elif message["kind"] == "error":
                    self.error = str(message.get("message"))
                if not message["kind"].startswith("_"):
                    self._on_event(message)
            code = process.finish()
            if result is None and process.cancelled:  # stopped while it was starting: it trained nothing
                result = "stopped"
                self._record(TrainEvent("stopped", process.step, {"reason": "requested"}))
            elif result is None and self.error is None:  # killed (out of memory, a signal): nothing said why
                self.error = f"the training process ended unexpectedly (exit status {code}){log_tail(self.run_dir)}"
                self._on_event({"kind": "error", "step": process.step, "message": self.error})
        except Exception as exc:  # keep the message for the page; the last checkpoint stays on disk
            self.error = f"{type(exc).__name__}: {exc}"
            process.request_stop()
        finally:
            reason = self._pausing
            if reason is not None and result == "stopped":  # stopped because a pause was asked for
                self._record(TrainEvent("paused", process.step, {"reason": reason}))
            # The process has ended and given back its memory: a finished or paused run is read from its
            # events and checkpoints. The slot is given back first: once the status reads from the events, none
            # is held.
            self._release()
            self._pausing = None
            self.trainer = None

    def _release(self) -> None:
        """Give back this run's slot in :data:`ACTIVE`."""
        with _ACTIVE_LOCK:
            if ACTIVE.get(self.id) is self:
                del ACTIVE[self.id]

    def _on_event(self, event: dict) -> None:
        """Keep an event (``{"kind", "step", "time", ...}``); a step of a run no page looks at pauses it."""
        event = {"kind": event["kind"], "step": event.get("step", 0), "time": event.get("time", time.time()),
                 **{k: v for k, v in event.items() if k not in ("kind", "step", "time")}}
        with self._lock:
            self._events.append(event)
        idle_s = self._limits.idle_s
        if (event["kind"] == "step" and idle_s is not None and self.last_seen is not None
                and time.monotonic() - self.last_seen > idle_s):
            self.pause("idle")  # from the watching thread: the process checkpoints and ends after its step

    def _record(self, event: TrainEvent) -> None:
        """An event of the run itself (not of its trainer), in ``metrics.jsonl`` like the trainer's."""
        try:
            with open(self.run_dir / "metrics.jsonl", "a") as f:
                f.write(event.to_json() + "\n")
        except OSError:  # a full or read-only disk: the page still sees the event; the slot is still given back
            pass
        self._on_event(json.loads(event.to_json()))

    def touch(self) -> None:
        """A page is looking at the run: it is not idle (see ``Limits.idle_s``)."""
        self.last_seen = time.monotonic()

    def pause(self, reason: str = "requested") -> None:
        """Checkpoint ``last/`` after the current step and end the training process, giving back the slot.

        The run's status is ``"pausing"`` until the thread has ended, then ``"paused"``; ``reason`` is
        kept in its ``paused`` event (``"idle"`` when the idle limit paused it).
        """
        trainer = self.trainer
        if trainer is not None and self._pausing is None:
            self._pausing = reason
            trainer.request_stop()

    def resume(self, device: str | None = None, limits: Limits | None = None, visitor: str | None = None) -> None:
        """Continue a paused (or stopped, or interrupted) run from ``last/``: :meth:`start`, with its limits."""
        self.start(device, limits, visitor)

    def stop(self, wait: float = 0.0) -> None:
        """Checkpoint and end the training (or mark a paused run stopped); ``wait``: seconds to wait for the end."""
        trainer = self.trainer
        if trainer is not None:
            self._pausing = None  # a stop asked for while pausing wins
            trainer.request_stop()
        elif not self.is_alive and self.status == "paused":
            self._record(TrainEvent("stopped", self.step, {"reason": "requested"}))
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
        trainer = self.trainer  # read once: the watching thread sets it to None when the process has ended
        if trainer is not None:
            return "pausing" if self._pausing is not None else trainer.status
        # The latest of these events says where the run is; a (re)start or resume with nothing after it
        # means the process died while it trained.
        marks = [e["kind"] for e in self.events() if e["kind"] in _STATUS_EVENTS]
        if marks and marks[-1] not in ("start", "resumed"):
            return marks[-1]
        return "interrupted" if (self.run_dir / "last").exists() else "new"

    @property
    def pause_reason(self) -> str | None:
        """Why a paused run was paused: ``"requested"`` or ``"idle"`` (None when it is not paused)."""
        if self.status != "paused":
            return None
        return self.events("paused")[-1].get("reason", "requested")

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

    # ------------------------------------------------------------------ ownership
    @property
    def has_owner(self) -> bool:
        """False for a run folder made before runs had owners (no ``owner_sha256``): it is no one's."""
        return isinstance(self.info.get("owner_sha256"), str)

    def is_owner(self, key: str | None) -> bool:
        """Whether ``key`` is this run's owner key (compared in constant time; a run with no owner: never)."""
        return _opens(self.info.get("owner_sha256"), key)

    def check_owner(self, key: str | None) -> None:
        """Raise :class:`RunAccessError` unless ``key`` is this run's owner key."""
        if not self.is_owner(key):
            why = "the owner key is missing or wrong" if self.has_owner else \
                "it was made before runs had owners, so it belongs to no one"
            raise RunAccessError(f"run {self.id} is read-only: {why}")


def _opens(stored: object, key: object) -> bool:
    """Whether owner ``key`` hashes to the ``stored`` hash of a ``run.json``."""
    return isinstance(stored, str) and isinstance(key, str) and hmac.compare_digest(owner_hash(key), stored)


def owned_runs(keys: Mapping[str, str], root: Path | None = None) -> list[Path]:
    """The run folders that ``keys`` (run id -> owner key) open, newest first: a session's own runs.

    Only the named runs are read (never the whole runs root); a name that is not a plain folder name,
    a missing or unreadable ``run.json`` and a wrong key are skipped.
    """
    root = root or runs_root()
    found = []
    for run_id, key in keys.items():
        if not isinstance(run_id, str) or Path(run_id).name != run_id or run_id.startswith("."):
            continue
        try:
            info = json.loads((root / run_id / "run.json").read_text())
        except (OSError, ValueError):
            continue
        if isinstance(info, dict) and _opens(info.get("owner_sha256"), key):
            found.append(root / run_id)
    return sorted(found, key=lambda p: p.name, reverse=True)


def list_runs(root: Path | None = None) -> list[Path]:
    """Run folders under the runs root, newest first."""
    root = root or runs_root()
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir() if (p / "run.json").is_file()), key=lambda p: p.name, reverse=True)
