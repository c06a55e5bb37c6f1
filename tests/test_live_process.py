"""A live run trains in a process of its own (issue 15 item 6): lower priority, its own thread budget, and a
crash of that process loses nothing the user made."""

import os
import signal
import time

import pytest

from engine.lm.model import CharLMConfig
from engine.lm.recipe import CharLMData
from engine.train.live import ACTIVE, Limits, LiveRun, TrainingProcess
from engine.train.trainer import TrainConfig

pytestmark = pytest.mark.hardening  # issue 15: listed in docs/reliability.md

MODEL = CharLMConfig(cell="lstm", n_layer=1, n_hidden=16, n_embd=8, dropout=0.0)
DATA = CharLMData(batch_size=4, seq_len=16, eval_batch_size=2, eval_seq_len=32)
SLOW = TrainConfig(max_steps=10_000, eval_every=10**4, checkpoint_every=5)


def wait_for(cond, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def _threads(pid: int) -> int:
    return int(next(ln.split()[1] for ln in open(f"/proc/{pid}/status") if ln.startswith("Threads:")))


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads the training process in /proc (Linux)")
def test_training_runs_in_a_lower_priority_process_with_its_own_thread_budget(tiny_text, tmp_path):
    """issue 15: two runs training in the server's own threads made a translation wait 19.5 s (p95). The run's
    trainer is in a child process whose niceness is the server's + Limits.train_nice and whose torch uses
    Limits.train_threads threads; the server process itself runs no training thread."""
    ACTIVE.clear()
    limits = Limits(train_nice=5, train_threads=1)
    run = LiveRun.create(tiny_text, "t", MODEL, DATA, SLOW, root=tmp_path)
    threads_before = _threads(os.getpid())
    try:
        run.start(limits=limits)
        assert isinstance(run.trainer, TrainingProcess)
        pid = run.trainer.proc.pid
        assert pid != os.getpid()
        assert wait_for(lambda: run.step >= 3)
        assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 5)
        environ = dict(e.split("=", 1) for e in open(f"/proc/{pid}/environ").read().split("\0") if "=" in e)
        assert environ["OMP_NUM_THREADS"] == "1"
        # the child: its main thread, the stdin listener, and torch's (none beyond the caller with 1 intra-op thread)
        assert _threads(pid) <= 4
        assert _threads(os.getpid()) == threads_before + 1  # here: one thread that watches the child's events
    finally:
        run.stop(wait=60)
    assert run.status == "stopped" and not ACTIVE
    assert run.history()["step"] == list(range(1, run.step + 1))  # every step reached the parent, in order


def test_a_killed_training_process_is_an_error_and_its_run_resumes_from_the_last_checkpoint(tiny_text, tmp_path):
    """The child killed from outside (the kernel's out-of-memory killer, a signal): the page says so, the slot is
    given back, and the run folder is intact: reopened, it reads "interrupted" and resumes from last/."""
    ACTIVE.clear()
    limits = Limits(train_nice=0)
    run = LiveRun.create(tiny_text, "t", MODEL, DATA, SLOW, root=tmp_path)
    run.start(limits=limits)
    assert wait_for(lambda: (run.run_dir / "last" / "model.safetensors").is_file() and run.step >= 7)
    os.kill(run.trainer.proc.pid, signal.SIGKILL)
    assert wait_for(lambda: not run.is_alive)
    assert run.status == "error" and not ACTIVE and run.trainer is None
    assert "ended unexpectedly (exit status -9)" in run.error
    again = LiveRun.open(run.run_dir)
    assert again.status == "interrupted"
    starts = len(again.events("start"))
    again.start(limits=limits)
    try:
        assert wait_for(lambda: len(again.events("start")) > starts)
        resumed_from = again.events("start")[-1]["resumed_from"]
        assert resumed_from >= 5 and resumed_from % 5 == 0  # from last/, not from scratch
    finally:
        again.stop(wait=60)
    assert again.status == "stopped"


def test_a_damaged_checkpoint_fails_in_the_process_and_the_page_gets_the_message(tiny_text, tmp_path):
    """What the child cannot do (here: resume from a last/ whose config.json does not match its weights) comes back
    as the run's error, with the engine's typed message, and gives the slot back."""
    import json

    ACTIVE.clear()
    run = LiveRun.create(tiny_text, "t", MODEL, DATA, TrainConfig(max_steps=3, eval_every=3, checkpoint_every=3),
                         root=tmp_path)
    run.start(limits=Limits(train_nice=0))
    assert wait_for(lambda: not run.is_alive) and run.status == "done"
    cfg_file = run.run_dir / "last" / "config.json"
    cfg = json.loads(cfg_file.read_text())
    cfg["config"]["n_hidden"] = 8000
    cfg_file.write_text(json.dumps(cfg))
    run.info["train"]["max_steps"] = 6  # so that it resumes
    run.start(limits=Limits(train_nice=0))
    assert wait_for(lambda: not run.is_alive)
    assert run.status == "error" and run.error.startswith("CheckpointError:") and not ACTIVE


def test_when_the_server_goes_away_the_training_process_checkpoints_and_ends(tiny_text, tmp_path):
    """The server killed (its end of the pipe closes): the child does not train on for no one; it checkpoints last/
    and exits, and the run reads "stopped" on disk."""
    ACTIVE.clear()
    run = LiveRun.create(tiny_text, "t", MODEL, DATA, SLOW, root=tmp_path)
    run.start(limits=Limits(train_nice=0))
    try:
        assert wait_for(lambda: run.step >= 2)
        run.trainer.proc.stdin.close()  # what the kernel does to the pipe when the server process dies
        assert wait_for(lambda: not run.is_alive)
    finally:
        run.stop(wait=60)
    again = LiveRun.open(run.run_dir)
    assert again.status == "stopped" and (run.run_dir / "last" / "model.safetensors").is_file()
    assert again.events("stopped")[-1]["step"] == again.step >= 2
