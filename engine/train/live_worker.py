"""The training process of a live run: ``python -m engine.train.live_worker RUN_DIR`` (started by
:meth:`engine.train.live.LiveRun.start`, not by hand).

Why a process of its own: a run training in a thread of the app's server competes for the same cores,
threads and interpreter lock as every visitor's inference (issue 15: translate p95 19.5 s, one caption
164 s while two runs trained). Here the run trains

* at a lower priority: ``os.nice(nice)`` first thing, so the kernel gives a page's inference the CPU
  when both want it, and training takes what is left;
* with its own thread budget: ``torch.set_num_threads(threads)`` (and ``OMP_NUM_THREADS``, set by the
  parent before torch loads), so two runs use two cores at most and never oversubscribe the host;
* away from the server's memory: a finished or paused run's process exits and gives everything back.

The run folder is the run's state (``run.json``, ``corpus.txt``, ``last/``), so the child needs no
more than its path: it builds the same trainer the thread did (:func:`build_trainer`), resumed from
``last/`` when there is one. The two processes talk through pipes, one JSON object a line:

* child -> parent, on the child's original stdout: every :class:`~engine.train.trainer.TrainEvent` as
  ``{"kind", "step", "time", ...data}`` (the trainer also appends them to ``metrics.jsonl``), then
  ``{"kind": "_result", "status": ...}`` (what ``Trainer.fit`` returned), or an ``error`` event;
* parent -> child, on stdin: ``stop`` (checkpoint ``last/`` after this step, then exit). End of input (the
  server went away) is a stop too: the run checkpoints and exits rather than training for no one.

Anything else the child prints goes to stderr (the parent keeps it in the run folder's ``train.log``).
Both ends live here: :class:`TrainingProcess` is the parent's, :func:`main` the child's.
A crash loses nothing the user made: checkpoints are written atomically, so ``last/`` is the one before.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["TrainingProcess", "build_trainer", "log_tail", "main"]

_FINAL = {"stopped", "early_stop", "diverged", "done"}  # what Trainer.fit returns


class TrainingProcess:
    """The parent's end: a run's training process (this module's :func:`main`), what
    :attr:`engine.train.live.LiveRun.trainer` is while the run trains. ``limits``: the run's
    :class:`~engine.train.live.Limits` (``train_nice``, ``train_threads``).

    ``step`` and ``status`` follow the child's events (``"idle"`` until its trainer starts, ``"running"``, then
    what ``Trainer.fit`` ended with); :meth:`request_stop` asks the child to checkpoint ``last/`` and exit. A
    child still starting (importing torch, building its trainer: seconds on a busy host) has trained nothing
    since ``last/``: it is ended at once instead (``cancelled``), so a stop or pause never waits for its start.
    """

    def __init__(self, run_dir: Path, step: int, limits: Any, device: str | None = None) -> None:
        import engine

        self.step, self.status = step, "idle"
        self.ready = self.cancelled = False  # ready: the child's trainer is built (it trains from now on)
        cmd = [sys.executable, "-m", "engine.train.live_worker", str(run_dir), "--nice", str(limits.train_nice),
               "--threads", str(limits.train_threads)] + (["--device", str(device)] if device else [])
        root = str(Path(engine.__file__).resolve().parents[1])  # the child imports this engine, wherever it is
        threads = str(limits.train_threads)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
               "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
        with open(run_dir / "train.log", "ab") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env,
                                         close_fds=True)

    def request_stop(self) -> None:
        """Ask the child to checkpoint ``last/`` after its current step and exit (it may already have)."""
        if not self.ready and self.proc.poll() is None:
            self.cancelled = True
            self.proc.terminate()
            return
        try:
            self.proc.stdin.write(b"stop\n")
            self.proc.stdin.flush()
        except (OSError, ValueError):  # the child has ended (a closed pipe)
            pass

    def events(self):
        """The child's messages, one dict a line, until it closes its output (it has exited)."""
        for line in self.proc.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict) and isinstance(message.get("kind"), str):
                if message["kind"] == "_ready":
                    self.ready = True
                elif message["kind"] == "start":
                    self.status = "running"
                elif message["kind"] in _FINAL:
                    self.status = message["kind"]
                if message["kind"] == "step" or message["kind"] == "start":
                    self.step = int(message.get("step", self.step))
                yield message

    def finish(self) -> int:
        """Wait for the child to exit and close the pipes; its exit status."""
        code = self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        return code


def log_tail(run_dir: Path) -> str:
    """``": <last line of train.log>"``, or nothing: what a crashed training process said last."""
    try:
        lines = [ln for ln in (run_dir / "train.log").read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return f": {lines[-1].strip()[:300]}" if lines else ""


def build_trainer(run_dir: Path, listeners: list[Callable], device: str | None = None):
    """The :class:`~engine.train.trainer.Trainer` of the run in ``run_dir`` (resumed from ``last/`` if any).

    Everything comes from the run folder: settings from ``run.json``, the text from ``corpus.txt``.
    """
    from engine.lm.model import CharLMConfig
    from engine.lm.recipe import CharLMData, charlm_trainer
    from engine.train.run_options import RunOptions
    from engine.train.trainer import TrainConfig

    run_dir = Path(run_dir)
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    text = (run_dir / "corpus.txt").read_text(encoding="utf-8")
    run = RunOptions(run_dir=run_dir, provenance={"corpus": info["corpus"]}, listeners=listeners, device=device,
                     resume=True)
    return charlm_trainer(text, CharLMConfig(**info["model"]), CharLMData(**info["data"]),
                          TrainConfig(**info["train"]), run, sample_chars=300)


class _Channel:
    """The child's end: events out on the original stdout (a JSON line each), ``stop`` in on stdin.

    Step events are sent in bunches, at most every ``STEP_FLUSH_S`` seconds (any other event at once, with the
    steps before it): a small model trains 30-40 steps a second, and a line a step made the server's thread that
    reads them wake, take the interpreter lock and parse 30-40 times a second per run, time every visitor's page
    waited for (about a tenth of the server's busy time in the load test with two runs). The page redraws every
    1.5 s, so it sees the same steps."""

    STEP_FLUSH_S = 0.25

    def __init__(self) -> None:
        self._out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")  # block-buffered: flushed below
        self._flushed = time.monotonic()
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print() cannot break the protocol
        sys.stdout = sys.stderr
        self._lock = threading.Lock()
        self.stop = threading.Event()
        self.on_stop: Callable[[], None] = lambda: None
        threading.Thread(target=self._listen, name="live-worker-stdin", daemon=True).start()

    def _listen(self) -> None:
        for line in sys.stdin:
            if line.strip() == "stop":
                break
        self.stop.set()  # "stop", or the parent is gone (end of input)
        self.on_stop()

    def send(self, kind: str, step: int, **data) -> None:
        try:
            with self._lock:
                self._out.write(json.dumps({"kind": kind, "step": step, **data}) + "\n")
                now = time.monotonic()
                if kind != "step" or now - self._flushed >= self.STEP_FLUSH_S:
                    self._out.flush()
                    self._flushed = now
        except (OSError, ValueError):  # the parent is gone: checkpoint and end
            self.stop.set()
            self.on_stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="train a live run's folder (started by engine.train.live)")
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--device", default=None)
    ap.add_argument("--nice", type=int, default=10, help="added to this process's niceness (lower priority)")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C on the server: the server's exit (end of input) stops us
    if args.nice and hasattr(os, "nice"):
        os.nice(args.nice)
    channel = _Channel()
    import torch

    torch.set_num_threads(max(1, args.threads))
    trainer = None
    try:
        trainer = build_trainer(args.run_dir, [lambda e: channel.send(e.kind, e.step, time=e.time, **e.data)],
                                args.device)
        channel.on_stop = trainer.request_stop
        channel.send("_ready", trainer.step)  # from here on a stop is a checkpoint, not the end of the process
        if channel.stop.is_set():  # asked to stop while the trainer was being built
            trainer.request_stop()
        result = trainer.fit()
    except Exception as exc:  # the message for the page; the last checkpoint stays on disk
        channel.send("error", trainer.step if trainer is not None else 0, message=f"{type(exc).__name__}: {exc}")
        return 1
    channel.send("_result", trainer.step, status=result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
