"""Background training runs for the app: start, pause, stop, reopen from disk, resume, limits."""

import time

import pytest

from engine.lm.recipe import CharLMData
from engine.train.live import ACTIVE, Limits, LiveRun, RunLimitError, list_runs
from engine.train.trainer import TrainConfig

MODEL = dict(cell="lstm", n_layer=1, n_hidden=16, n_embd=8, dropout=0.0)
DATA = CharLMData(batch_size=4, seq_len=16, eval_batch_size=2, eval_seq_len=32)


def wait_for(cond, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_run_lifecycle_and_reopen(tiny_text, tmp_path):
    train = TrainConfig(max_steps=40, eval_every=10, checkpoint_every=10, sample_every=10, warmup_steps=2)
    run = LiveRun.create(tiny_text, "tiny", MODEL, DATA, train, root=tmp_path)
    run.start()
    assert wait_for(lambda: run.step >= 3)
    run.pause()
    assert wait_for(lambda: run.status == "paused")
    paused_at = run.step
    time.sleep(0.3)
    assert run.step == paused_at  # really paused
    run.stop(wait=30)
    assert run.status == "stopped" and not run.is_alive

    # a "closed tab": a fresh object from disk sees the history and resumes from last/
    ACTIVE.clear()
    again = LiveRun.open(run.run_dir)
    assert again.status == "stopped" and again.step == paused_at
    hist = again.history()
    assert hist["step"][-1] == paused_at and len(hist["loss"]) == len(hist["step"])
    again.start()
    assert wait_for(lambda: not again.is_alive, 120)
    assert again.status == "done" and again.step == 40
    h = again.history()
    assert h["step"] == list(range(1, 41))  # no gap, no duplicate after the resume
    assert h["val_loss"] and h["samples"]
    assert again.checkpoint("best") is not None
    assert list_runs(tmp_path) == [run.run_dir]


def test_limits(tiny_text, tmp_path):
    with pytest.raises(RunLimitError, match="parameters"):
        LiveRun.create(tiny_text, "t", dict(MODEL, n_hidden=512, n_layer=3), DATA, TrainConfig(), root=tmp_path,
                       limits=Limits(max_params=100_000))
    with pytest.raises(RunLimitError, match="steps"):
        LiveRun.create(tiny_text, "t", MODEL, DATA, TrainConfig(max_steps=10**6), root=tmp_path)
    with pytest.raises(RunLimitError, match="characters"):
        LiveRun.create(tiny_text, "t", MODEL, DATA, TrainConfig(), root=tmp_path, limits=Limits(max_corpus_chars=10))


def test_concurrent_run_cap(tiny_text, tmp_path):
    ACTIVE.clear()
    slow = TrainConfig(max_steps=10_000, eval_every=10**4, checkpoint_every=10**4)
    a = LiveRun.create(tiny_text, "t", MODEL, DATA, slow, root=tmp_path)
    b = LiveRun.create(tiny_text, "t", MODEL, DATA, slow, root=tmp_path)
    a.start()
    try:
        with pytest.raises(RunLimitError, match="already training"):
            b.start(limits=Limits(max_concurrent_runs=1))
    finally:
        a.stop(wait=30)
    ACTIVE.clear()


def test_text_too_short_is_refused_before_a_run_folder_exists(tmp_path):
    with pytest.raises(ValueError, match="too short"):
        LiveRun.create("ab" * 20, "t", MODEL, CharLMData(batch_size=64, seq_len=64), TrainConfig(max_steps=5),
                       root=tmp_path)
    assert list_runs(tmp_path) == []
    ACTIVE.clear()


def test_check_text_fits():
    from engine.data import DataError
    from engine.train.live import check_text_fits

    check_text_fits(1000, CharLMData(batch_size=4, seq_len=16))
    with pytest.raises(DataError, match="streams"):
        check_text_fits(1000, CharLMData(batch_size=64, seq_len=64))
    check_text_fits(100, CharLMData(batch_size=64, seq_len=64, bptt="full"))
    with pytest.raises(DataError, match="window"):
        check_text_fits(50, CharLMData(batch_size=4, seq_len=64, bptt="full"))
    with pytest.raises(DataError, match="validation"):
        check_text_fits(12, CharLMData(batch_size=1, seq_len=2, val_fraction=0.05))


def test_finished_run_releases_memory(tiny_text, tmp_path):
    ACTIVE.clear()
    run = LiveRun.create(tiny_text, "t", MODEL, DATA, TrainConfig(max_steps=5, eval_every=5, checkpoint_every=5),
                         root=tmp_path)
    run.start()
    assert wait_for(lambda: not run.is_alive, 60)
    assert run.trainer is None and run.id not in ACTIVE
    assert run.status == "done" and run.step == 5 and run.checkpoint("best") is not None
