"""Background training runs for the app: start, pause, stop, reopen from disk, resume, limits, owners."""

import json
import threading
import time
from dataclasses import replace

import pytest

from engine.lm.model import CharLMConfig
from engine.lm.recipe import CharLMData
from engine.train.live import (
    ACTIVE,
    Limits,
    LiveRun,
    RunAccessError,
    RunLimitError,
    ServerBusyError,
    VisitorLimitError,
    active_runs,
    list_runs,
    new_owner_key,
    owned_runs,
    owner_hash,
)
from engine.train.trainer import TrainConfig

pytestmark = pytest.mark.hardening  # issue 15: listed in docs/reliability.md

MODEL = CharLMConfig(cell="lstm", n_layer=1, n_hidden=16, n_embd=8, dropout=0.0)
DATA = CharLMData(batch_size=4, seq_len=16, eval_batch_size=2, eval_seq_len=32)


@pytest.fixture(autouse=True)
def _training_at_normal_priority(monkeypatch):
    """The runs here train at the tests' own priority (the app's niceness +10 is checked on its own below): on a
    busy test host a lowered-priority child can wait minutes for its turn to import torch."""
    import engine.train.live as live

    monkeypatch.setattr(live, "LIMITS", replace(live.LIMITS, train_nice=0))


def train_limits(**fields) -> Limits:
    return Limits(train_nice=0, **fields)


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
    assert not run.is_alive and run.id not in ACTIVE and run.trainer is None  # a paused run holds nothing
    paused_at = run.step
    time.sleep(0.3)
    assert run.step == paused_at  # really paused
    assert run.pause_reason == "requested"
    run.stop(wait=30)  # a paused run can still be marked stopped
    assert run.status == "stopped" and not run.is_alive and run.pause_reason is None

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
        LiveRun.create(tiny_text, "t", replace(MODEL, n_hidden=512, n_layer=3), DATA, TrainConfig(), root=tmp_path,
                       limits=Limits(max_params=100_000))
    with pytest.raises(RunLimitError, match="steps"):
        LiveRun.create(tiny_text, "t", MODEL, DATA, TrainConfig(max_steps=10**6), root=tmp_path)
    with pytest.raises(RunLimitError, match="characters"):
        LiveRun.create(tiny_text, "t", MODEL, DATA, TrainConfig(), root=tmp_path,
                       limits=train_limits(max_corpus_chars=10))


def test_memory_limit(tiny_text, tmp_path):
    from engine.lm.memory import estimate_run_memory

    # issue 15: LSTM 1 x 768, batch 128 x 256, full BPTT: within the parameter cap, about 2.4 GB to train
    big = replace(MODEL, n_hidden=768)
    data = CharLMData(batch_size=128, seq_len=256, bptt="full")
    need = estimate_run_memory(len(set(tiny_text)) + 1, big, data)  # + the unknown symbol
    assert need > 2_000_000_000 > 600_000_000 == Limits().max_run_bytes
    with pytest.raises(RunLimitError, match=rf"about {need / 1e6:,.0f} MB of memory; this host allows 600 MB per "
                                            r"run \(use a smaller batch size"):
        LiveRun.create(tiny_text, "t", big, data, TrainConfig(), root=tmp_path)
    # the same model on a small batch fits; a lower limit refuses even that
    small = CharLMData(batch_size=4, seq_len=16)
    LiveRun.create(tiny_text, "t", big, small, TrainConfig(), root=tmp_path)
    with pytest.raises(RunLimitError, match="MB of memory"):
        LiveRun.create(tiny_text, "t", big, small, TrainConfig(), root=tmp_path,
                       limits=train_limits(max_run_bytes=10**6))
    assert len(list_runs(tmp_path)) == 1  # refused runs leave no folder


def test_concurrent_run_cap(tiny_text, tmp_path):
    ACTIVE.clear()
    slow = TrainConfig(max_steps=10_000, eval_every=10**4, checkpoint_every=10**4)
    a = LiveRun.create(tiny_text, "t", MODEL, DATA, slow, root=tmp_path)
    b = LiveRun.create(tiny_text, "t", MODEL, DATA, slow, root=tmp_path)
    a.start()
    try:
        with pytest.raises(RunLimitError, match="already training"):
            b.start(limits=train_limits(max_concurrent_runs=1))
    finally:
        a.stop(wait=30)
    ACTIVE.clear()


def test_simultaneous_starts_take_at_most_the_cap(tiny_text, tmp_path):
    # issue 15: four sessions clicking "Start training" together got four runs past a cap of two
    ACTIVE.clear()
    limits = train_limits(max_concurrent_runs=2)
    slow = TrainConfig(max_steps=10_000, eval_every=10**4, checkpoint_every=10**4)
    runs = [LiveRun.create(tiny_text, "t", MODEL, DATA, slow, root=tmp_path) for _ in range(5)]
    barrier = threading.Barrier(len(runs))
    outcome: dict[str, str] = {}

    def click(run):
        barrier.wait()  # every start() at once
        try:
            run.start(limits=limits)
            outcome[run.id] = "started"
        except RunLimitError:
            outcome[run.id] = "refused"

    clicks = [threading.Thread(target=click, args=(run,)) for run in runs]
    try:
        for t in clicks:
            t.start()
        for t in clicks:
            t.join(60)
        started = sorted(i for i, o in outcome.items() if o == "started")
        assert len(outcome) == 5 and len(started) == limits.max_concurrent_runs
        assert sorted(ACTIVE) == started
    finally:
        for run in runs:
            run.stop(wait=30)
    assert not ACTIVE  # stopped runs give their slots back
    ACTIVE.clear()


def test_a_run_is_not_started_twice_and_a_failed_start_gives_its_slot_back(tiny_text, tmp_path):
    ACTIVE.clear()
    one = train_limits(max_concurrent_runs=1)
    slow = TrainConfig(max_steps=10_000, eval_every=10**4, checkpoint_every=10**4)
    broken = LiveRun.create(tiny_text, "t", MODEL, DATA, slow, root=tmp_path)
    broken.info["model"] = dict(broken.info["model"], n_hidden=0)  # building its model fails
    with pytest.raises(ValueError, match="n_hidden"):
        broken.start(limits=one)
    assert not ACTIVE and not broken.is_alive
    run = LiveRun.create(tiny_text, "t", MODEL, DATA, slow, root=tmp_path)
    try:
        run.start(limits=one)  # the broken run's slot was released
        thread, trainer = run.thread, run.trainer
        run.start(limits=one)  # a second click on the same run: nothing happens, no RunLimitError
        assert run.thread is thread and run.trainer is trainer and list(ACTIVE) == [run.id]
    finally:
        run.stop(wait=30)
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


SLOW = TrainConfig(max_steps=10_000, eval_every=10**4, checkpoint_every=10**4)


def test_a_paused_run_gives_back_its_slot_and_resume_takes_one(tiny_text, tmp_path):
    # issue 15: a paused run held its training slot forever; pausing two runs blocked the server
    ACTIVE.clear()
    one = train_limits(max_concurrent_runs=1)
    a = LiveRun.create(tiny_text, "t", MODEL, DATA, SLOW, root=tmp_path)
    b = LiveRun.create(tiny_text, "t", MODEL, DATA, SLOW, root=tmp_path)
    try:
        a.start(limits=one)
        assert wait_for(lambda: a.step >= 2)
        with pytest.raises(ServerBusyError, match="already training"):
            b.start(limits=one)
        a.pause()
        assert a.status in ("pausing", "paused")
        assert wait_for(lambda: a.status == "paused")
        paused_at = a.step
        assert not ACTIVE and (a.run_dir / "last" / "model.safetensors").is_file()  # checkpointed, slot free
        b.start(limits=one)  # a second run can start while the first is paused
        with pytest.raises(ServerBusyError):
            a.resume(limits=one)  # the server is full: resuming says so, and changes nothing
        assert a.status == "paused" and list(ACTIVE) == [b.id]
        b.pause()
        assert wait_for(lambda: b.status == "paused")
        a.resume(limits=one)  # through the same reservation
        assert list(ACTIVE) == [a.id] and a.is_alive
        assert wait_for(lambda: a.step > paused_at + 2)
    finally:
        a.stop(wait=30)
        b.stop(wait=30)
    steps = a.history()["step"]
    assert steps == list(range(1, steps[-1] + 1))  # resumed where it paused: no gap, no repeat
    kinds = [e["kind"] for e in a.events() if e["kind"] in ("start", "stopped", "paused")]
    assert kinds == ["start", "stopped", "paused", "start", "stopped"]
    assert LiveRun.open(a.run_dir).status == "stopped" and LiveRun.open(b.run_dir).status == "stopped"
    ACTIVE.clear()


def test_limits_are_per_visitor(tiny_text, tmp_path):
    ACTIVE.clear()
    limits = train_limits(max_concurrent_runs=3, max_runs_per_visitor=1)
    a, b, c = (LiveRun.create(tiny_text, "t", MODEL, DATA, SLOW, root=tmp_path) for _ in range(3))
    try:
        a.start(limits=limits, visitor="v1")
        with pytest.raises(VisitorLimitError, match="one visitor may have 1"):
            b.start(limits=limits, visitor="v1")  # the same visitor in another tab
        c.start(limits=limits, visitor="v2")  # another visitor is not held up
        assert active_runs("v1") == [a] and active_runs("v2") == [c] and len(active_runs()) == 2
        a.pause()
        assert wait_for(lambda: a.status == "paused")
        b.start(limits=limits, visitor="v1")  # the paused run no longer counts
        assert active_runs("v1") == [b]
    finally:
        for run in (a, b, c):
            run.stop(wait=30)
    ACTIVE.clear()


def test_a_run_no_page_looks_at_is_paused_and_unloaded(tiny_text, tmp_path):
    ACTIVE.clear()
    idle = train_limits(idle_s=0.5)
    run = LiveRun.create(tiny_text, "t", MODEL, DATA, SLOW, root=tmp_path)
    try:
        run.start(limits=idle)
        assert wait_for(lambda: run.step >= 2)  # training, in its own process
        time.sleep(1.0)
        assert run.is_alive and run.status == "running"  # never watched (a script's own run): no idle clock
        end = time.time() + 1.5
        while time.time() < end:  # a page refreshing every 0.1 s keeps it training
            run.touch()
            time.sleep(0.1)
        assert run.is_alive and run.status == "running"
        step = run.step
        assert wait_for(lambda: run.status == "paused", 60)  # nobody looks any more
        assert run.step > step and not ACTIVE and run.trainer is None and run.pause_reason == "idle"
        again = LiveRun.open(run.run_dir)  # and so it reads on disk
        assert again.status == "paused" and again.pause_reason == "idle" and again.step == run.step
        run.touch()
        run.resume(limits=idle)  # a fresh idle clock: it does not pause at once
        time.sleep(0.2)
        assert run.is_alive
    finally:
        run.stop(wait=30)
    ACTIVE.clear()


def test_status_after_a_resumed_run_was_interrupted(tiny_text, tmp_path):
    run = LiveRun.create(tiny_text, "t", MODEL, DATA, SLOW, root=tmp_path)
    (run.run_dir / "last").mkdir()
    log = [{"kind": "start"}, {"kind": "stopped"}, {"kind": "start"}, {"kind": "step", "step": 1}]
    for n, expected in [(2, "stopped"), (4, "interrupted")]:
        (run.run_dir / "metrics.jsonl").write_text("".join(json.dumps(e) + "\n" for e in log[:n]))
        assert LiveRun.open(run.run_dir).status == expected


def test_a_run_belongs_to_the_holder_of_its_owner_key(tiny_text, tmp_path):
    key = new_owner_key()
    run = LiveRun.create(tiny_text, "t", MODEL, DATA, SLOW, root=tmp_path, owner_key=key)
    stored = (run.run_dir / "run.json").read_text()
    assert json.loads(stored)["owner_sha256"] == owner_hash(key) and key not in stored  # only the hash
    again = LiveRun.open(run.run_dir)
    assert again.has_owner and again.is_owner(key)
    for wrong in (new_owner_key(), "", None, key[:-1], owner_hash(key)):
        assert not again.is_owner(wrong)
        with pytest.raises(RunAccessError, match="owner key is missing or wrong"):
            again.check_owner(wrong)
    again.check_owner(key)

    legacy = LiveRun.create(tiny_text, "t", MODEL, DATA, SLOW, root=tmp_path)  # as runs were made before
    assert not legacy.has_owner and not legacy.is_owner(key)
    with pytest.raises(RunAccessError, match="belongs to no one"):
        legacy.check_owner(key)

    other_key = new_owner_key()
    other = LiveRun.create(tiny_text, "t", MODEL, DATA, SLOW, root=tmp_path, owner_key=other_key)
    keys = {run.id: key, legacy.id: key, other.id: key, "../" + run.id: key, "no-such-run": key}
    assert owned_runs(keys, tmp_path) == [run.run_dir]
    assert owned_runs({run.id: key, other.id: other_key}, tmp_path) == sorted([run.run_dir, other.run_dir],
                                                                               reverse=True)
