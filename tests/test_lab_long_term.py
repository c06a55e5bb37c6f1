"""The long-term-dependency lab (engine/lab): tasks and baselines, W by spectral radius, gradient norms and
connectivity against autograd on the engine's own cells, truncated BPTT, the side-by-side trainer, the sweep
file and its command."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from engine.cli import main as cli_main
from engine.lab.gradients import connectivity, connectivity_steps, gradient_norms, gradient_report, unroll
from engine.lab.long_term import LongTermConfig, build_model, recurrent_norms
from engine.lab.sweep import (
    LAB_MODEL,
    LAB_TASK,
    LAB_TRAIN,
    LENGTHS,
    LIVE_LIMITS,
    SHIPPED_SWEEP,
    SOLVED_FRACTION,
    ResultsError,
    SideBySide,
    lab_train,
    learned_within,
    length_sweep,
    load_results,
    loss_at,
    same_recipe,
    save_results,
)
from engine.lab.tasks import AddingProblem, FirstSymbol, TaskConfig, TaskError, make_task

CELLS = ("rnn", "gru", "lstm")


# ------------------------------------------------------------------------------------------------ tasks
def test_adding_problem_examples_are_what_the_docstring_says() -> None:
    task = AddingProblem(seq_len=11)
    x, y = task.sample(500, seed=3, step=7)
    marks = x[..., 1]
    assert set(marks.unique().tolist()) == {0.0, 1.0} and bool((marks.sum(1) == 2).all())
    first, second = (marks[:, :6] == 1).nonzero()[:, 1], (marks[:, 6:] == 1).nonzero()[:, 1] + 6
    assert len(first) == len(second) == 500  # one marker in each half
    rows = torch.arange(500)
    assert torch.allclose(y, x[rows, first, 0] + x[rows, second, 0])
    assert 0 <= float(x[..., 0].min()) and float(x[..., 0].max()) <= 1


def test_always_predicting_one_gives_the_baseline_mse_of_one_sixth() -> None:
    """The issue's 0.167: measured on 200,000 examples, and the best constant is the mean 1."""
    _, y = AddingProblem(seq_len=20).sample(200_000, seed=1)
    mse_of_one = float(((y - 1.0) ** 2).mean())
    assert AddingProblem(20).baseline == pytest.approx(1 / 6)
    assert mse_of_one == pytest.approx(1 / 6, abs=2e-3)  # standard error of this estimate ≈ 3e-4
    assert float(y.mean()) == pytest.approx(1.0, abs=5e-3)
    for other in (0.9, 1.1):  # any other constant does worse
        assert float(((y - other) ** 2).mean()) > mse_of_one + 0.005


def test_first_symbol_target_and_chance_level() -> None:
    task = FirstSymbol(seq_len=9, n_symbols=5)
    x, y = task.sample(300, seed=2)
    assert torch.equal(x[:, 0].argmax(-1), y) and bool((x.sum(-1) == 1).all())
    uniform = torch.zeros(300, 5)  # equal scores: the uniform guess
    assert float(F.cross_entropy(uniform, y)) == pytest.approx(task.baseline) == pytest.approx(math.log(5))


def test_batches_are_a_function_of_seed_and_step() -> None:
    task = make_task(TaskConfig(seq_len=12, batch_size=4, eval_size=6))
    batches = task.batches(seed=5)
    assert torch.equal(batches(3).inputs, batches(3).inputs)
    assert not torch.equal(batches(3).inputs, batches(4).inputs)
    assert not torch.equal(batches(3).inputs, task.batches(seed=6)(3).inputs)
    assert tuple(batches(0).inputs.shape) == (4, 12, 2) and tuple(task.eval_set().inputs.shape) == (6, 12, 2)


@pytest.mark.parametrize("kwargs", [dict(seq_len=1), dict(seq_len=5000), dict(task="copy"), dict(n_symbols=1),
                                    dict(batch_size=0), dict(seq_len=2.5)])
def test_impossible_task_settings_are_a_typed_error(kwargs: dict) -> None:
    with pytest.raises(TaskError):
        TaskConfig(**kwargs)


# ------------------------------------------------------------------------------------------------ models
@pytest.mark.parametrize("cell", CELLS)
def test_spectral_radius_init_sets_every_singular_value_of_every_gate_block(cell: str) -> None:
    model = build_model(LongTermConfig(cell=cell, n_hidden=12, spectral_radius=0.7), AddingProblem(10), seed=1)
    for block in model.rnn.weight_hh_l0.detach().split(12):
        assert torch.allclose(torch.linalg.svdvals(block), torch.full((12,), 0.7), atol=1e-5)
    assert recurrent_norms(model.rnn) == pytest.approx({"rho": 0.7, "sigma": 0.7}, abs=1e-5)


def test_model_is_the_trainer_contract_and_same_seed_same_weights() -> None:
    task = FirstSymbol(8, n_symbols=4)
    a = build_model(LongTermConfig(cell="gru", n_hidden=8), task, seed=3)
    b = build_model(LongTermConfig(cell="gru", n_hidden=8), task, seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    x, y = task.sample(5)
    scores, loss, state = a(x, y)
    assert scores.shape == (5, 4) and state.shape == (1, 5, 8)
    assert float(loss.detach()) == pytest.approx(float(F.cross_entropy(scores.detach(), y)))
    with pytest.raises(ValueError, match="expected inputs of shape"):
        a(torch.zeros(5, 8, 3))
    with pytest.raises(ValueError):
        LongTermConfig(cell="transformer")


# ---------------------------------------------------------------------------- gradients against autograd
def _reference_gradients(model, x: torch.Tensor, y: torch.Tensor, detach_at: int = 0):
    """‖∂L/∂h(t)‖ (and ‖∂L/∂c(t)‖) by autograd on torch's code, not the engine's cells: the fused module stepped
    one step at a time (RNN, GRU); for the LSTM torch's gate layout written out here, so that c(t) → h(t)
    is in the graph (inside nn.LSTM it is not)."""
    m = copy.deepcopy(model).double()
    x = x.double()
    rnn = m.rnn
    if model.is_lstm:
        b = rnn.bias_ih_l0 + rnn.bias_hh_l0

        def step(x_t, state):
            h, c = state if state is not None else (x_t.new_zeros(len(x_t), rnn.hidden_size),) * 2
            i, f, g, o = (x_t @ rnn.weight_ih_l0.T + h @ rnn.weight_hh_l0.T + b).chunk(4, dim=-1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            return torch.sigmoid(o) * torch.tanh(c), c
    else:
        def step(x_t, state):
            return rnn(x_t[:, None], None if state is None else state[None])[1][0]

    state, keep = None, []
    for t in range(x.shape[1]):
        state = step(x[:, t], state)
        if t + 1 == detach_at:  # the cut: a new leaf (its own gradient is kept, nothing flows further back)
            state = (tuple(s.detach().requires_grad_() for s in state) if isinstance(state, tuple)
                     else state.detach().requires_grad_())
        for s in state if isinstance(state, tuple) else (state,):
            if s.requires_grad:
                s.retain_grad()
        keep.append(state)
    o = m.head(keep[-1][0] if isinstance(keep[-1], tuple) else keep[-1])
    if model.loss_kind == "mse":
        losses = (o.squeeze(-1) - y.double()) ** 2
    else:
        losses = F.cross_entropy(o, y, reduction="none")
    losses.sum().backward()

    def norms(i: int) -> torch.Tensor:
        nodes = [s[i] if isinstance(s, tuple) else s for s in keep]
        return torch.stack([torch.zeros(x.shape[0], dtype=torch.float64) if n.grad is None else n.grad.norm(dim=-1)
                            for n in nodes]).mean(1)

    return norms(0), norms(1) if isinstance(keep[0], tuple) else None


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("task", [AddingProblem(15), FirstSymbol(15, n_symbols=4)], ids=["adding", "first_symbol"])
def test_gradient_norms_equal_autograd_through_the_engines_cells(cell: str, task) -> None:
    model = build_model(LongTermConfig(cell=cell, n_hidden=10, spectral_radius=1.2), task, seed=4)
    x, y = task.sample(6, seed=1)
    got = gradient_norms(model, x, y)
    want_h, want_c = _reference_gradients(model, x, y)
    torch.testing.assert_close(got.h, want_h, rtol=1e-9, atol=1e-12)
    if cell == "lstm":
        torch.testing.assert_close(got.c, want_c, rtol=1e-9, atol=1e-12)
        assert float(got.c[-1]) > 0  # c(T) reaches the loss through h(T) = o ⊙ tanh c(T)
    else:
        assert got.c is None


def test_vanilla_rnn_gradient_is_the_lectures_recursion_and_obeys_the_bound() -> None:
    """δ(t) = Wᵀ diag(1 − h(t+1)²) δ(t+1), δ(T) = Vᵀ ∂L/∂o; with W = ρQ, ‖δ(t)‖ ≤ ρ^(T−t) ‖δ(T)‖."""
    task = AddingProblem(25)
    model = build_model(LongTermConfig(cell="rnn", n_hidden=16, spectral_radius=0.8), task, seed=2)
    x, y = task.sample(4, seed=9)
    states, prediction, _ = unroll(model, x)
    hs = torch.stack(states).detach().double()  # (T, B, p): h(1) … h(T)
    W, V = model.rnn.weight_hh_l0.detach().double(), model.head.weight.detach().double()
    delta = 2 * (prediction.detach().double() - y.double())[:, None] * V  # ∂L/∂h(T) for L = (o − y)²
    deltas = [delta]
    for t in range(task.seq_len - 1, 0, -1):  # δ(t) from δ(t+1): h(t+1) = tanh(U x + W h(t) + b)
        delta = (delta * (1 - hs[t] ** 2)) @ W
        deltas.append(delta)
    by_hand = torch.stack(deltas[::-1]).norm(dim=-1)  # (T, B)
    got = gradient_norms(model, x, y)
    torch.testing.assert_close(got.h, by_hand.mean(1), rtol=1e-6, atol=1e-12)
    T = task.seq_len
    bound = by_hand[-1] * 0.8 ** (T - torch.arange(1, T + 1, dtype=torch.float64))[:, None]
    assert bool((by_hand <= bound * (1 + 1e-9)).all())  # per example, every step


@pytest.mark.parametrize("cell", CELLS)
def test_truncated_bptt_equals_autograd_with_the_state_detached_at_the_window(cell: str) -> None:
    task, k = AddingProblem(12), 4
    model = build_model(LongTermConfig(cell=cell, n_hidden=8, tbptt=k), task, seed=0)
    x, y = task.sample(5, seed=2)
    _, loss, _ = model(x, y)
    got = torch.autograd.grad(loss, list(model.parameters()))
    _, state = model.rnn(x[:, : 12 - k])  # by hand: the first T−k steps, then a detached state
    state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
    out, _ = model.rnn(x[:, 12 - k :], state)
    want = torch.autograd.grad(F.mse_loss(model.head(out[:, -1]).squeeze(-1), y), list(model.parameters()))
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, rtol=1e-5, atol=1e-7)
    full = torch.autograd.grad(model.loss(model.output(model.rnn(x)[0][:, -1]), y), list(model.parameters()))
    assert any(not torch.allclose(g, f) for g, f in zip(got, full))  # the cut changes the gradient
    norms = gradient_norms(model, x, y)
    want_h, _ = _reference_gradients(model, x, y, detach_at=12 - k)
    assert norms.cut == 8 and bool((norms.h[:7] == 0).all()) and bool((norms.h[7:] > 0).all())
    torch.testing.assert_close(norms.h, want_h, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("task", [AddingProblem(7), FirstSymbol(7, n_symbols=3)], ids=["adding", "first_symbol"])
def test_connectivity_equals_the_autograd_jacobian(cell: str, task) -> None:
    model = build_model(LongTermConfig(cell=cell, n_hidden=6), task, seed=1)
    x, _ = task.sample(1, seed=3)
    m64 = build_model(LongTermConfig(cell=cell, n_hidden=6), task, seed=1).double()

    def outputs(seq: torch.Tensor) -> torch.Tensor:  # o(t) for t = 1..T: (T, q)
        return m64.head(m64.rnn(seq.unsqueeze(0))[0][0])

    J = torch.autograd.functional.jacobian(outputs, x[0].double())  # (T, q, T, d)
    want = J.pow(2).sum(dim=(1, 3)).sqrt()
    C = connectivity(model, x[0], max_rows=5)  # several chunks
    torch.testing.assert_close(C, want, rtol=1e-9, atol=1e-14)
    assert bool((C.triu(1) == 0).all()) and bool((C.diagonal() > 0).all())  # causal
    torch.testing.assert_close(connectivity(model, x[0], steps=[7, 2], max_rows=1), want[[6, 1]])
    with pytest.raises(ValueError, match="output steps"):
        connectivity(model, x[0], steps=[0])


def test_gradient_report_is_plain_numbers_for_the_page() -> None:
    task = AddingProblem(80)
    models = {c: build_model(LongTermConfig(cell=c, n_hidden=8), task, seed=0) for c in CELLS}
    report = gradient_report(models, task, max_rows=10)
    assert report["steps"] == connectivity_steps(80, 10) and report["steps"][-1] == 80 and len(report["steps"]) == 10
    json.dumps(report)  # cacheable, picklable
    assert set(report["cells"]) == set(CELLS) and "connectivity" not in report["cells"]["gru"]
    assert len(report["cells"]["lstm"]["connectivity"]) == 10 and len(report["cells"]["rnn"]["h"]) == 80


# --------------------------------------------------------------------------------------- training, sweep
def test_side_by_side_in_chunks_equals_one_long_run() -> None:
    task, train = TaskConfig(seq_len=6, batch_size=8, eval_size=16), replace(LAB_TRAIN, max_steps=12, eval_every=4)
    chunked = SideBySide(task, LAB_MODEL, train, cells=("rnn", "lstm"))
    for _ in range(5):
        chunked.advance(3)
    whole = SideBySide(task, LAB_MODEL, train, cells=("rnn", "lstm"))
    whole.advance(12)
    for a, b in zip(chunked.runs, whole.runs):
        assert a.status == b.status == "done" and a.step == b.step == 12
        assert a.history["loss"] == pytest.approx(b.history["loss"], rel=1e-6)
        assert a.final_loss == pytest.approx(b.final_loss, rel=1e-6)
    assert chunked.done and chunked.baseline == pytest.approx(1 / 6)


def test_sgd_without_clipping_explodes_and_clipping_prevents_it() -> None:
    """The page's clipping demonstration: W = 2Q, SGD; unclipped the RNN diverges, clipped it trains on."""
    task, model = TaskConfig(seq_len=50, eval_size=64), LongTermConfig(n_hidden=64, spectral_radius=2.0)
    runs = {clip: SideBySide(task, model, lab_train("sgd", clip=clip, steps=40), cells=("rnn",)).run(chunk=40).runs[0]
            for clip in (False, True)}
    assert runs[False].status == "diverged" and "diverged" in runs[False].message
    assert runs[True].status == "done" and math.isfinite(runs[True].final_loss)
    assert max(runs[True].history["grad_norm"]) > 10 * LAB_TRAIN.grad_clip  # it exploded, and was clipped


def test_live_limits_and_optimizer_names() -> None:
    LIVE_LIMITS.check(LAB_TASK, LAB_MODEL, lab_train(steps=LIVE_LIMITS.max_steps))
    with pytest.raises(ValueError, match="steps = 1501"):
        LIVE_LIMITS.check(LAB_TASK, LAB_MODEL, lab_train(steps=LIVE_LIMITS.max_steps + 1))
    with pytest.raises(ValueError, match="hidden units"):
        LIVE_LIMITS.check(LAB_TASK, replace(LAB_MODEL, n_hidden=512), lab_train(steps=10))
    with pytest.raises(ValueError, match="unknown optimizer"):
        lab_train("rmsprop")


def test_length_sweep_results_round_trip_and_read_off(tmp_path: Path) -> None:
    task = TaskConfig(seq_len=2, batch_size=8, eval_size=16)
    results = length_sweep([3, 5], ("rnn", "gru"), task, replace(LAB_MODEL, n_hidden=8),
                           replace(LAB_TRAIN, max_steps=4, eval_every=2), command="python -m engine lab sweep")
    assert [(r["seq_len"], r["cell"]) for r in results["rows"]] == [(3, "rnn"), (3, "gru"), (5, "rnn"), (5, "gru")]
    assert all(r["eval_step"] == [2, 4] and r["steps"] == 4 for r in results["rows"])
    path = save_results(results, tmp_path / "sweep.json")
    assert load_results(path) == json.loads(json.dumps(results))
    row = results["rows"][0]
    assert loss_at(row, 3) == row["val_loss"][0] and loss_at(row, 1) is None
    fake = {"rows": [{**row, "val_loss": [0.5, 0.001]}], "solved_fraction": SOLVED_FRACTION}
    assert learned_within(fake, "rnn", 4) == 3 and learned_within(fake, "rnn", 2) is None
    (tmp_path / "bad.json").write_text('{"rows": []}')
    for bad in (tmp_path / "bad.json", tmp_path / "missing.json"):
        with pytest.raises(ResultsError):
            load_results(bad)


def test_the_shipped_sweep_is_what_this_code_computes() -> None:
    """The shipped file's recipe, its command, the issue's claims, and one run re-computed from its command."""
    results = load_results(SHIPPED_SWEEP)
    assert results["command"].startswith("python -m engine lab sweep")
    assert SHIPPED_SWEEP.stat().st_size < 20_000
    assert {(r["seq_len"], r["cell"]) for r in results["rows"]} == {(T, c) for T in LENGTHS for c in CELLS}
    assert same_recipe(results, LAB_TASK, LAB_MODEL, LAB_TRAIN)
    final = {(r["seq_len"], r["cell"]): r["final_loss"] for r in results["rows"]}
    assert final[(100, "lstm")] < 0.01 and final[(100, "rnn")] > 0.1  # the benchmark targets, as measured
    row = next(r for r in results["rows"] if (r["seq_len"], r["cell"]) == (10, "lstm"))
    rerun = SideBySide(replace(LAB_TASK, seq_len=10), LAB_MODEL, replace(LAB_TRAIN, max_steps=row["eval_step"][0]),
                       cells=("lstm",))
    rerun.advance(row["eval_step"][0])
    assert rerun.runs[0].final_loss == pytest.approx(row["val_loss"][0], rel=1e-3)


def test_cli_lab_sweep(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "s.json"
    assert cli_main(["lab", "sweep", "--lengths", "4", "--cells", "lstm", "--steps", "3", "--n-hidden", "4",
                     "--batch-size", "4", "--eval-size", "8", "--out", str(out)]) == 0
    results = load_results(out)
    assert results["model"]["n_hidden"] == 4 and results["train"]["max_steps"] == 3
    assert [(r["seq_len"], r["cell"], r["steps"]) for r in results["rows"]] == [(4, "lstm", 3)]
    assert "lstm" in capsys.readouterr().err
    assert cli_main(["lab", "sweep", "--lengths", "1", "--steps", "3"]) == 2  # T = 1: a clear error, no training
    assert "seq_len (T)" in capsys.readouterr().err
