"""The model-agnostic trainer: BPTT/TBPTT, clipping, evaluation, checkpoints, resume, guards, control."""

import json
import math
import threading
from dataclasses import replace

import pytest
import torch

from engine.data.text import CharVocab, RandomWindows, TBPTTStreams, encode_split, eval_chunks
from engine.lm.model import CharLM, CharLMConfig
from engine.lm.recipe import CharLMData, charlm_trainer
from engine.train.checkpoint import load_model, read_checkpoint
from engine.train.trainer import Batch, TrainConfig, Trainer, evaluate

SMALL = CharLMConfig(cell="lstm", n_layer=2, n_hidden=24, n_embd=8, dropout=0.1)
DATA = CharLMData(batch_size=4, seq_len=16, eval_batch_size=2, eval_seq_len=32)


def cfg(**kw) -> TrainConfig:
    base = dict(max_steps=12, lr=1e-2, warmup_steps=2, eval_every=4, checkpoint_every=4, seed=0)
    return TrainConfig(**{**base, **kw})


def collect(trainer):
    events = []
    trainer.listeners.append(events.append)
    return events


def test_loss_decreases_and_events(tiny_text, tmp_path):
    trainer = charlm_trainer(tiny_text, SMALL, DATA, cfg(max_steps=60, eval_every=20, sample_every=30),
                             run_dir=tmp_path)
    events = collect(trainer)
    assert trainer.fit() == "done"
    kinds = [e.kind for e in events]
    for k in ("start", "step", "eval", "sample", "checkpoint", "done"):
        assert k in kinds
    steps = [e for e in events if e.kind == "step"]
    assert len(steps) == 60
    assert all(math.isfinite(e.data["grad_norm"]) and e.data["grad_norm"] > 0 for e in steps)
    assert sum(e.data["loss"] for e in steps[-10:]) < sum(e.data["loss"] for e in steps[:10])
    assert (tmp_path / "best" / "model.safetensors").is_file()
    assert (tmp_path / "last" / "trainer.safetensors").is_file()
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["kind"] == "start"


def test_truncated_bptt_carries_detached_state():
    """With carry=True the previous final state is the next initial state, and no gradient crosses chunks."""
    seen = []

    class Probe(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(1))

        def forward(self, x, targets=None, state=None):
            seen.append(state)
            new_state = (x.float().mean() * self.w).reshape(1)  # depends on the parameter
            loss = (new_state - (state if state is not None else 0)).pow(2).sum()
            return None, loss, new_state

    batches = TBPTTStreams(torch.arange(200), batch_size=2, seq_len=10)
    Trainer(Probe(), batches, cfg(max_steps=3, eval_every=100, checkpoint_every=100)).fit()
    assert seen[0] is None
    assert seen[1] is not None and not seen[1].requires_grad  # detached: truncated BPTT
    assert seen[2] is not None


def test_full_bptt_never_carries():
    batches = RandomWindows(torch.arange(300), 2, 10)
    assert not any(batches(s).carry for s in range(5))


def test_gradient_clipping_bounds_update():
    class Big(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(3))

        def forward(self, x, targets=None, state=None):
            return None, (self.w * 1e4).sum() + 1.0, None

    model = Big()
    trainer = Trainer(model, lambda s: Batch(torch.zeros(1), torch.zeros(1)),
                      cfg(max_steps=1, optimizer="sgd", lr=1.0, momentum=0.0, warmup_steps=0, grad_clip=0.5,
                          divergence_factor=1e9))
    events = collect(trainer)
    trainer.fit()
    step = next(e for e in events if e.kind == "step")
    assert step.data["grad_norm"] == pytest.approx(1e4 * math.sqrt(3))  # reported before clipping
    assert model.w.norm().item() == pytest.approx(0.5, rel=1e-5)  # applied after clipping


def test_resume_continues_with_identical_losses(tiny_text, tmp_path):
    """Stop after 6 steps, resume in a new Trainer: steps 7..12 match an uninterrupted run exactly."""
    full = charlm_trainer(tiny_text, SMALL, DATA, cfg(), run_dir=tmp_path / "full")
    full_events = collect(full)
    full.fit()
    full_losses = [e.data["loss"] for e in full_events if e.kind == "step"]

    part = charlm_trainer(tiny_text, SMALL, DATA, cfg(), run_dir=tmp_path / "part")
    part.listeners.append(lambda e: part.request_stop() if e.kind == "step" and e.step == 6 else None)
    assert part.fit() == "stopped"
    resumed = charlm_trainer(tiny_text, SMALL, DATA, cfg(), run_dir=tmp_path / "part")
    assert resumed.step == 6
    res_events = collect(resumed)
    resumed.fit()
    res_losses = [e.data["loss"] for e in res_events if e.kind == "step"]
    assert res_losses == full_losses[6:]
    for a, b in zip(full.model.state_dict().values(), resumed.model.state_dict().values()):
        assert torch.equal(a, b)


def test_early_stopping_keeps_best(tiny_text, tmp_path):
    # A huge learning rate with no decay makes validation stop improving quickly.
    trainer = charlm_trainer(tiny_text, SMALL, DATA,
                             cfg(max_steps=400, lr=0.05, schedule="constant", eval_every=5, patience=2,
                                 divergence_factor=1e9, grad_clip=0), run_dir=tmp_path)
    status = trainer.fit()
    assert status == "early_stop"
    best = load_model(tmp_path / "best")
    assert best.meta["step"] == trainer.best_step
    _, _, _ = read_checkpoint(tmp_path / "last", with_trainer=True)


def test_divergence_guard_stops_and_keeps_last_good(tmp_path):
    class Explodes(torch.nn.Module):
        kind = "charlm"

        def __init__(self):
            super().__init__()
            vocab = CharVocab.from_text("abcd")
            self.inner = CharLM(CharLMConfig(vocab_size=5, n_layer=1, n_hidden=4, n_embd=2), vocab)

        def forward(self, x, targets=None, state=None):
            _, loss, _ = self.inner(x, targets)
            return None, loss * (float("nan") if self.calls_left() else 1.0), None

        steps = 0

        def calls_left(self):
            Explodes.steps += 1
            return Explodes.steps > 5

    model = Explodes()
    data = Batch(torch.zeros(1, 3, dtype=torch.long), torch.zeros(1, 3, dtype=torch.long))
    # a weights-only snapshot at step 5 (keep_every) is not a checkpoint to resume from: the message names last/
    trainer = Trainer(model.inner, lambda s: data, cfg(max_steps=20, checkpoint_every=2, keep_every=5),
                      run_dir=tmp_path)
    trainer.forward_model = model  # the trainer saves model.inner, computes the loss through the wrapper
    events = collect(trainer)
    assert trainer.fit() == "diverged"
    diverged = next(e for e in events if e.kind == "diverged")
    assert "step 6" in diverged.data["message"] and "last good checkpoint (step 4)" in diverged.data["message"]
    _, _, state = read_checkpoint(tmp_path / "last", with_trainer=True)
    assert state["step"] == 4 and (tmp_path / "step-000005" / "model.safetensors").is_file()


def test_stop_and_pause_from_another_thread(tiny_text, tmp_path):
    trainer = charlm_trainer(tiny_text, SMALL, DATA, cfg(max_steps=100000, eval_every=10**6,
                                                         checkpoint_every=10**6), run_dir=tmp_path)
    paused = threading.Event()
    trainer.listeners.append(lambda e: paused.set() if e.kind == "paused" else None)
    thread = threading.Thread(target=trainer.fit)
    thread.start()
    trainer.request_pause()
    assert paused.wait(30)
    step_at_pause = trainer.step
    assert trainer.status == "paused"
    trainer.request_resume()
    trainer.request_stop()
    thread.join(30)
    assert not thread.is_alive() and trainer.status == "stopped"
    assert trainer.step >= step_at_pause
    # nothing lost: the stopped run's state is on disk and resumable
    _, _, state = read_checkpoint(tmp_path / "last", with_trainer=True)
    assert state["step"] == trainer.step


def test_evaluate_weights_by_targets(tiny_text):
    vocab = CharVocab.from_text(tiny_text)
    model = CharLM(CharLMConfig(vocab_size=len(vocab), n_layer=1, n_hidden=8, n_embd=4), vocab)
    _, val = encode_split(tiny_text, vocab)
    loss = evaluate(model, eval_chunks(val, 3, 50))
    assert loss == pytest.approx(math.log(len(vocab)), rel=0.1)  # untrained ≈ uniform


def test_bad_config_is_a_value_error():
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="lbfgs")
    with pytest.raises(ValueError, match="grad_clip"):
        TrainConfig(grad_clip=-1)


def test_init_from_starts_a_new_run_from_a_checkpoint(tiny_text, tmp_path):
    """Stage 2 of a training recipe: the weights and vocabulary of a checkpoint, a new schedule and dropout."""
    first = charlm_trainer(tiny_text, SMALL, DATA, cfg(max_steps=4, eval_every=2), run_dir=tmp_path / "s1")
    first.fit()
    stage2 = replace(SMALL, dropout=0.3)
    second = charlm_trainer(tiny_text + "\nnew chars: @#", stage2, DATA, cfg(max_steps=2), run_dir=tmp_path / "s2",
                            init_from=tmp_path / "s1" / "last")
    assert second.step == 0 and second.model.config.dropout == 0.3
    assert second.model.vocab.chars == first.model.vocab.chars  # the checkpoint's vocabulary, not the new text's
    for (name, a), b in zip(first.model.state_dict().items(), second.model.state_dict().values()):
        assert torch.equal(a, b), name
    with pytest.raises(ValueError, match="architecture differs"):
        charlm_trainer(tiny_text, replace(SMALL, n_hidden=SMALL.n_hidden * 2), DATA, cfg(), run_dir=tmp_path / "s3",
                       init_from=tmp_path / "s1" / "last")


def test_resume_with_a_changed_config_warns(tiny_text, tmp_path):
    """Resuming with a command line that changed e.g. max_steps would silently change the schedule: say so."""
    run = tmp_path / "run"
    charlm_trainer(tiny_text, SMALL, DATA, cfg(max_steps=4), run_dir=run).fit()
    with pytest.warns(UserWarning, match=r"max_steps 4 -> 8"):
        charlm_trainer(tiny_text, SMALL, DATA, cfg(max_steps=8), run_dir=run)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        charlm_trainer(tiny_text, SMALL, DATA, cfg(max_steps=4), run_dir=run)  # same config: no warning


@pytest.mark.slow
def test_sigterm_saves_and_resumes(tmp_path, tiny_text, capsys):
    """`kill` during `engine train charlm`: the run stops after the current step and writes last/; the same
    command resumes from there, and its losses are those of an uninterrupted run with the same seed."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from engine.cli import main

    root = Path(__file__).resolve().parents[1]
    corpus = tmp_path / "play.txt"
    corpus.write_text(tiny_text)
    # A constant schedule, so the learning rate does not depend on --max-steps (the stop step is not known ahead).
    args = ["train", "charlm", "--corpus", str(corpus), "--layers", "1", "--hidden", "16", "--embd", "8",
            "--batch-size", "4", "--seq-len", "16", "--schedule", "constant", "--warmup-steps", "3",
            "--eval-every", "100000", "--checkpoint-every", "100000", "--seed", "3"]

    def step_losses(run_dir: Path) -> dict[int, float]:
        events = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
        return {e["step"]: e["loss"] for e in events if e["kind"] == "step"}

    # The killed run is a process of its own (the same thread count as this one: identical arithmetic).
    run = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": str(torch.get_num_threads())}
    proc = subprocess.Popen([sys.executable, "-m", "engine", *args, "--run-dir", str(run), "--max-steps", "100000"],
                            env=env, cwd=root, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (run / "metrics.jsonl").exists() or '"step"' not in (run / "metrics.jsonl").read_text():
        assert time.time() < deadline and proc.poll() is None, "training did not start"
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-2000:]
    assert "SIGTERM" in err
    stopped_at = read_checkpoint(run / "last", with_trainer=True)[2]["step"]
    assert 1 <= stopped_at < 100000 and max(step_losses(run)) == stopped_at

    # Resume with the same command (a shorter --max-steps) and compare with a run never interrupted; both here,
    # in this process, restoring the signal handlers the command installs.
    end = stopped_at + 6
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        capsys.readouterr()
        with pytest.warns(UserWarning, match=f"max_steps 100000 -> {end}"):  # the only change, said out loud
            assert main([*args, "--run-dir", str(run), "--max-steps", str(end)]) == 0
        assert f"resuming at step {stopped_at}" in capsys.readouterr().err
        assert main([*args, "--run-dir", str(tmp_path / "whole"), "--max-steps", str(end)]) == 0
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)

    got, want = step_losses(run), step_losses(tmp_path / "whole")
    assert sorted(got) == sorted(want) == list(range(1, end + 1))
    assert [got[s] for s in want] == pytest.approx([want[s] for s in want], rel=1e-6, abs=1e-7)
    a, b = load_model(run / "last"), load_model(tmp_path / "whole" / "last")
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        torch.testing.assert_close(x, y, rtol=1e-5, atol=1e-6, msg=name)


def test_a_finite_blow_up_is_divergence_and_leaves_no_best(tiny_text, tmp_path):
    """lr = 1000 throws a char-LM's loss from ln V (ln 30 = 3.4 nats here) to thousands during the warm-up, where
    it stays finite. The guard on the smoothed loss started after the warm-up, measured against its best value
    since then (already thousands): the page-default run ended "done", here it fired at step 23, and both had
    saved those weights as best/. Now the run ends "diverged" within steps, before any evaluation."""
    trainer = charlm_trainer(tiny_text, SMALL, DATA, cfg(lr=1000.0, max_steps=40, eval_every=5, checkpoint_every=5,
                                                         warmup_steps=10), run_dir=tmp_path)
    events = collect(trainer)
    assert trainer.fit() == "diverged"
    assert not (tmp_path / "best").exists() and not any(e.kind == "eval" for e in events)
    (diverged,) = [e for e in events if e.kind == "diverged"]
    assert "more than 3.0x the first step's loss" in diverged.data["message"] and diverged.step < 5
    first = next(e for e in events if e.kind == "step").data["loss"]
    assert first == pytest.approx(math.log(len(trainer.model.vocab)), rel=0.1) and trainer.first_loss == first


class ScriptedLoss(torch.nn.Module):
    """A "model" whose training loss at step k is ``losses[k]`` (the last value repeated)."""

    def __init__(self, losses: list[float]):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))
        self.losses, self.calls = losses, 0

    def forward(self, x, targets=None, state=None):
        value = self.losses[min(self.calls, len(self.losses) - 1)]
        self.calls += 1
        return None, self.w.sum() * 0.0 + value, None


@pytest.mark.parametrize(("tail", "status"), [
    ([0.001] * 200 + [0.01] * 60, "done"),  # a memorised text: 10x its best, but 0.009 nats is no blow-up
    ([1.4] * 200 + [5.0] * 60, "diverged"),  # a blow-up: 3.6x its best and 3.6 nats higher
], ids=["tiny-loss-wobble", "real-blow-up"])
def test_divergence_needs_a_real_rise_not_only_a_ratio(tail, status):
    """The load test's two trainers memorised their short pasted text (loss 0.001) and both runs ended "diverged"
    at step 1238 when it wobbled to 0.003: the guard compared ratios only."""
    batch = Batch(torch.zeros(1, 2), torch.zeros(1, 2))
    model = ScriptedLoss([4.2] + tail)
    trainer = Trainer(model, lambda s: batch, cfg(max_steps=len(tail) + 1, optimizer="sgd", lr=1e-3, warmup_steps=2,
                                                  eval_every=10_000, checkpoint_every=10_000, schedule="constant"))
    trainer.save = lambda which="last": None
    assert trainer.fit() == status


def test_a_validation_loss_far_above_the_first_loss_is_never_saved_as_best():
    """A model whose validation loss is 100x its training loss (the guard on the smoothed training loss cannot
    see it) ends the run at that evaluation instead of becoming the best model."""

    class BadOnValidation(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(1))

        def forward(self, x, targets=None, state=None):
            return None, self.w.sum() * (1.0 if self.training else 100.0), None

    batch = Batch(torch.zeros(1, 2), torch.zeros(1, 2))
    trainer = Trainer(BadOnValidation(), lambda s: batch, cfg(max_steps=8, optimizer="sgd", lr=1e-6, eval_every=4),
                      eval_batches=lambda: [batch])
    saved = []
    trainer.save = lambda which="last": saved.append(which)  # no run folder: record what would be written
    events = collect(trainer)
    assert trainer.fit() == "diverged"
    (diverged,) = [e for e in events if e.kind == "diverged"]
    assert "at step 4: validation loss 100 is more than 3.0x the first step's loss 1.000" in diverged.data["message"]
    assert "best" not in saved and trainer.best_step == -1 and trainer.step == 4


@pytest.mark.hardening
@pytest.mark.parametrize("config", [{"n_hidden": 8000}, {"n_layer": 200, "n_hidden": 2000}, {"vocab_size": 10**9}],
                         ids=["wide", "deep-and-wide", "huge-vocab"])
def test_a_hostile_last_checkpoint_is_refused_before_the_resumed_model_is_built(tiny_text, tmp_path, monkeypatch,
                                                                                 config):
    """issue 15: RunOptions.resumed and Trainer.load read a run folder's last/ without the safetensors-header check
    load_model does: a config.json asking for n_hidden=8000 next to small weights made the recipe build (and
    allocate) that model before anything failed. Now both go through the same check, on the meta device."""
    import engine.train.checkpoint as ck
    from engine.train.checkpoint import CheckpointError
    from engine.train.run_options import RunOptions

    run_dir = tmp_path / "run"
    assert charlm_trainer(tiny_text, SMALL, DATA, cfg(max_steps=2), run_dir=run_dir).fit() == "done"
    good = run_dir / "last" / "config.json"
    cfg_json = json.loads(good.read_text())
    cfg_json["config"].update(config)
    good.write_text(json.dumps(cfg_json))
    built_on = []
    real_build = ck.build_model

    def spy(*args, **kwargs):
        built_on.append(torch.empty(0).device.type)  # where the model's tensors would go
        return real_build(*args, **kwargs)

    monkeypatch.setattr(ck, "build_model", spy)
    with pytest.raises(CheckpointError, match="do not match the config|more tensors than the weights file|vocab"):
        RunOptions(run_dir=run_dir).resumed(CharLMConfig)
    with pytest.raises(CheckpointError):  # the recipe asks resumed() first: no model of that size is ever built
        charlm_trainer(tiny_text, SMALL, DATA, cfg(max_steps=4), run_dir=run_dir)
    fresh = charlm_trainer(tiny_text, SMALL, DATA, cfg(max_steps=4), run=RunOptions(run_dir=None))
    with pytest.raises(CheckpointError):
        fresh.load(run_dir / "last")
    assert built_on and set(built_on) == {"meta"}


def test_trainer_load_of_another_architecture_is_a_checkpoint_error(tiny_text, tmp_path):
    """A genuine checkpoint of another model (its config matches its weights) loaded into this trainer's model: a
    CheckpointError naming the folder, not a RuntimeError from load_state_dict."""
    from engine.train.checkpoint import CheckpointError

    assert charlm_trainer(tiny_text, SMALL, DATA, cfg(max_steps=2), run_dir=tmp_path / "a").fit() == "done"
    other = charlm_trainer(tiny_text, replace(SMALL, n_hidden=12), DATA, cfg(max_steps=2))
    with pytest.raises(CheckpointError, match="do not fit the model being trained"):
        other.load(tmp_path / "a" / "last")
