"""engine.lab step / bptt / architectures: the numbers the "RNN step by step" page shows, checked against the
engine's own RNN cell and against autograd (independently of the lab's formulas); the page's diagram helpers."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from dashboard.components import rnn_graph as rg
from engine.lab.architectures import ARCHITECTURES, run_architecture
from engine.lab.bptt import autograd_gradients, bptt_steps, contribution_grid, kept
from engine.lab.step import (
    MAX_SIZE,
    MAX_STEPS,
    PARAM_NAMES,
    LabInputError,
    RNNParams,
    forward_steps,
    num_params,
    numbers_sequence,
    random_numbers_sequence,
    shapes,
    word_sequence,
)
from engine.nn.cells import RNNCell

CASES = [("hello", 3, 0), ("banana", 5, 1), ("abcdefgh", 8, 2), ("mississippi", 2, 3)]


def _word_case(word: str, p: int, seed: int):
    seq = word_sequence(word)
    q = len(seq.classes)
    return seq, RNNParams.random(q, p, q, seed=seed)


def _numbers_case(T: int, d: int, p: int, q: int, seed: int):
    return random_numbers_sequence(T, d, q, seed=seed), RNNParams.random(d, p, q, seed=seed)


ALL_CASES = [_word_case(*c) for c in CASES] + [_numbers_case(6, 3, 4, 2, 5), _numbers_case(1, 2, 3, 4, 6),
                                                 _numbers_case(MAX_STEPS, MAX_SIZE, MAX_SIZE, MAX_SIZE, 7)]


# --------------------------------------------------------------------------------------------- forward
@pytest.mark.parametrize(("seq", "theta"), ALL_CASES)
def test_forward_numbers_equal_the_engines_rnn_cell(seq, theta) -> None:
    fw = forward_steps(theta, seq.xs, seq.targets)
    # An independent float32 RNNCell holding the same U, W, b (the cell the char-LM and the trainer use).
    cell = RNNCell(theta.d, theta.p)
    with torch.no_grad():
        cell.U.copy_(theta.U)
        cell.W.copy_(theta.W)
        cell.b.copy_(theta.b)
    h = torch.zeros(theta.p)
    for t in range(seq.T):
        h, gates = cell(seq.xs[t].float(), h, return_gates=True)
        assert torch.allclose(fw.a[t].float(), gates["a"], atol=1e-6)
        assert torch.allclose(fw.h[t].float(), h, atol=1e-6)
    # The output layer and the loss as torch computes them.
    logits = fw.h @ theta.V.T + theta.c
    assert torch.allclose(fw.o, logits, atol=1e-12)
    assert torch.allclose(fw.y_hat, torch.softmax(logits, dim=1), atol=1e-12)
    assert torch.allclose(fw.losses, F.cross_entropy(logits, seq.targets, reduction="none"), atol=1e-12)
    assert fw.loss == pytest.approx(float(F.cross_entropy(logits, seq.targets, reduction="sum")), abs=1e-12)


def test_to_cell_is_the_engines_cell_with_the_same_weights() -> None:
    seq, theta = _word_case("hello", 3, 0)
    cell = theta.to_cell()
    assert isinstance(cell, RNNCell)
    fw = forward_steps(theta, seq.xs, seq.targets)
    h = torch.zeros(3, dtype=torch.float64)
    for t in range(seq.T):
        h = cell(seq.xs[t], h)
    assert torch.allclose(h.detach(), fw.h[-1], atol=1e-12)


def test_word_sequence_is_the_next_character_task() -> None:
    seq = word_sequence("hello")
    assert seq.classes == ("h", "e", "l", "o")
    assert "".join(seq.input_labels) == "hell" and "".join(seq.target_labels) == "ello"
    assert torch.equal(seq.xs.argmax(dim=1), torch.tensor([0, 1, 2, 2]))
    assert torch.equal(seq.xs.sum(dim=1), torch.ones(4, dtype=torch.float64))  # one-hot


def test_random_weights_are_reproducible_two_decimal_numbers() -> None:
    a, b, c = RNNParams.random(4, 3, 2, seed=9), RNNParams.random(4, 3, 2, seed=9), RNNParams.random(4, 3, 2, seed=10)
    assert all(torch.equal(x, y) for x, y in zip(a.as_dict().values(), b.as_dict().values()))
    assert not torch.equal(a.W, c.W)
    for value in a.as_dict().values():
        assert value.abs().max() <= 1.0
        assert torch.allclose(value * 100, (value * 100).round(), atol=1e-9)


def test_typed_tables_give_the_same_theta() -> None:
    theta = RNNParams.random(3, 2, 4, seed=1)
    again = RNNParams.from_tables({k: v.tolist() for k, v in theta.as_dict().items()})
    assert all(torch.equal(x, y) for x, y in zip(theta.as_dict().values(), again.as_dict().values()))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: word_sequence("a"), "at least 2"),
        (lambda: word_sequence("x" * (MAX_STEPS + 2)), "at most"),
        (lambda: word_sequence("abcdefghi"), "different characters"),
        (lambda: RNNParams.random(0, 3, 2), "d must be"),
        (lambda: RNNParams.random(3, MAX_SIZE + 1, 2), "p must be"),
        (lambda: RNNParams.from_tables({"U": [[1.0]], "W": [[1.0]], "b": [0.0], "V": [[1.0]]}), "missing"),
        (lambda: RNNParams.from_tables({"U": [[1.0, "x"]], "W": [[1.0]], "b": [0.0], "V": [[1.0]], "c": [0.0]}),
         "table of numbers"),
        (lambda: RNNParams.from_tables({"U": [[1.0]], "W": [[1.0, 2.0]], "b": [0.0], "V": [[1.0]], "c": [0.0]}),
         "W must have shape"),
        (lambda: RNNParams.from_tables({"U": [[float("inf")]], "W": [[1.0]], "b": [0.0], "V": [[1.0]], "c": [0.0]}),
         "non-finite"),
        (lambda: numbers_sequence([[0.1], [0.2]], [0, 5], q=2), "class from 0 to 1"),
        (lambda: numbers_sequence([[0.1], [0.2]], [0], q=2), "one target per step"),
        (lambda: numbers_sequence([[0.1], [None]], [0, 1], q=2), "not a number"),
        (lambda: forward_steps(RNNParams.random(2, 2, 3), torch.zeros(3, 2), feed_back=True), "needs d = q"),
        (lambda: forward_steps(RNNParams.random(2, 2, 3), torch.zeros(3, 4)), "d = 2"),
        (lambda: bptt_steps(forward_steps(RNNParams.random(2, 2, 2), torch.zeros(3, 2)), window=0), "window k"),
    ],
)
def test_bad_input_is_a_typed_error_that_says_what_to_change(make, message: str) -> None:
    with pytest.raises(LabInputError, match=message):
        make()


def test_parameter_count_does_not_depend_on_T_and_the_notes_example() -> None:
    assert num_params(32, 64, 0) == 32 * 64 + 64 * 64 + 64 == 6208
    rows = {r.name: r for r in shapes(32, 64, 0, batch=100, T=7)}
    assert rows["U"].shape == (64, 32) and rows["W"].shape == (64, 64) and rows["b"].shape == (64,)
    assert rows["x(t)"].shape == (100, 32) and rows["h(t)"].shape == (100, 64) and rows["h"].shape == (100, 7, 64)
    assert "V" not in rows  # the notes' layer: its output is its state
    for d, p, q in [(4, 3, 4), (8, 8, 8), (1, 1, 1)]:
        counts = [sum(r.count or 0 for r in shapes(d, p, q, batch=b, T=T)) for b, T in [(1, 1), (100, 50), (7, 1000)]]
        assert counts == [num_params(d, p, q)] * 3
        theta = RNNParams.random(d, p, q)
        assert theta.num_params == sum(v.numel() for v in theta.as_dict().values()) == counts[0]
    rows = {r.name: r for r in shapes(4, 3, 5, batch=2, T=6)}
    assert rows["V"].shape == (5, 3) and rows["c"].shape == (5,) and rows["o"].shape == (2, 6, 5)


# ----------------------------------------------------------------------------------------------- BPTT
@pytest.mark.parametrize(("seq", "theta"), ALL_CASES)
def test_bptt_contributions_sum_to_autograds_gradients(seq, theta) -> None:
    fw = forward_steps(theta, seq.xs, seq.targets)
    back, ag = bptt_steps(fw), autograd_gradients(fw)
    for name in PARAM_NAMES:
        assert back.contributions[name].shape == (seq.T, *getattr(theta, name).shape)
        assert torch.allclose(back.contributions[name].sum(dim=0), ag[name], atol=1e-12), name
        assert torch.allclose(back.grads[name], ag[name], atol=1e-12), name
    assert torch.allclose(back.dh0, ag["h0"], atol=1e-12)


@pytest.mark.parametrize(("seq", "theta"), ALL_CASES[:3])
def test_each_steps_contribution_is_the_gradient_of_that_steps_copy_of_theta(seq, theta) -> None:
    """Unshare θ: give step t its own copy U_t, W_t, V_t, b_t, c_t. Autograd's gradient of copy t is, by
    definition, step t's contribution, and the BPTT formulas must give exactly that."""
    fw = forward_steps(theta, seq.xs, seq.targets)
    back = bptt_steps(fw)
    copies = {n: [getattr(theta, n).clone().requires_grad_(True) for _ in range(seq.T)] for n in PARAM_NAMES}
    h, loss = torch.zeros(theta.p, dtype=torch.float64), 0.0
    for t in range(seq.T):
        h = torch.tanh(copies["W"][t] @ h + copies["U"][t] @ seq.xs[t] + copies["b"][t])
        o = copies["V"][t] @ h + copies["c"][t]
        loss = loss + F.cross_entropy(o.unsqueeze(0), seq.targets[t:t + 1], reduction="sum")
    loss.backward()
    for name in PARAM_NAMES:
        for t in range(seq.T):
            assert torch.allclose(back.contributions[name][t], copies[name][t].grad, atol=1e-12), (name, t)


def test_error_arriving_at_h_has_its_two_parts() -> None:
    seq, theta = _word_case("banana", 4, 3)
    fw = forward_steps(theta, seq.xs, seq.targets)
    back = bptt_steps(fw)
    T = seq.T
    assert torch.allclose(back.dh_out, back.d_o @ theta.V)  # Vᵀ δo(t), row by row
    assert torch.equal(back.dh_next[T - 1], torch.zeros(theta.p, dtype=torch.float64))  # nothing from h(T+1)
    for t in range(T - 1):
        assert torch.allclose(back.dh_next[t], theta.W.T @ back.d_a[t + 1])
    assert torch.allclose(back.d_a, back.dh * (1 - fw.h ** 2))
    # δh(t) = ∂L/∂h(t) by autograd: rerun the forward pass with h(t) a leaf, so every path from it counts.
    for leaf_t in range(T):
        h, loss, leaf = torch.zeros(theta.p, dtype=torch.float64), 0.0, None
        for t in range(T):
            h = torch.tanh(theta.W @ h + theta.U @ seq.xs[t] + theta.b)
            if t == leaf_t:
                h = leaf = h.detach().requires_grad_(True)
            loss = loss + F.cross_entropy((theta.V @ h + theta.c).unsqueeze(0), seq.targets[t:t + 1], reduction="sum")
        (grad,) = torch.autograd.grad(loss, [leaf])
        assert torch.allclose(back.dh[leaf_t], grad, atol=1e-12), leaf_t


def test_running_sums_add_steps_from_T_down() -> None:
    seq, theta = _word_case("hello", 3, 0)
    back = bptt_steps(forward_steps(theta, seq.xs, seq.targets))
    T = seq.T
    assert all(torch.equal(v, torch.zeros_like(v)) for v in back.running(0).values())
    for n in range(T + 1):
        for name in PARAM_NAMES:
            expected = sum((back.contributions[name][t] for t in range(T - n, T)), torch.zeros_like(back.grads[name]))
            assert torch.allclose(back.running(n)[name], expected)
    with pytest.raises(LabInputError):
        back.running(T + 1)


@pytest.mark.parametrize(("seq", "theta"), ALL_CASES)
def test_truncated_gradient_equals_autograd_with_the_state_detached_at_the_window(seq, theta) -> None:
    fw = forward_steps(theta, seq.xs, seq.targets)
    full = bptt_steps(fw).grads
    grid, T = contribution_grid(fw), seq.T
    for k in range(1, T + 1):
        trunc, ag = bptt_steps(fw, window=k).grads, autograd_gradients(fw, window=k)
        for name in PARAM_NAMES:
            assert torch.allclose(trunc[name], ag[name], atol=1e-12), (k, name)
            assert torch.allclose(grid[name][kept(T, k)].sum(dim=0), trunc[name], atol=1e-12), (k, name)
            assert torch.allclose(grid[name].sum(dim=(0, 1)), full[name], atol=1e-12)
        for name in ("V", "c"):  # the output layer's gradient never passes through W: truncation leaves it
            assert torch.allclose(trunc[name], full[name], atol=1e-12)
    for name in PARAM_NAMES:  # k ≥ T is full BPTT; a loss never reaches the future
        assert torch.allclose(bptt_steps(fw, window=T).grads[name], full[name], atol=1e-12)
        upper = ~torch.ones(T, T, dtype=torch.bool).tril()
        assert not grid[name][upper].any()


def test_truncation_drops_something_on_a_longer_sequence() -> None:
    seq, theta = _word_case("mississippi", 4, 1)
    fw = forward_steps(theta, seq.xs, seq.targets)
    full, trunc = bptt_steps(fw).grads, bptt_steps(fw, window=2).grads
    assert float((full["W"] - trunc["W"]).norm()) > 1e-3
    assert kept(4, 2).sum() == 6 and kept(4, None).sum() == 10


# -------------------------------------------------------------------------------------- architectures
@pytest.mark.parametrize("kind", ARCHITECTURES)
@pytest.mark.parametrize("inputs", ["zeros", "feedback"])
def test_every_architecture_bptt_equals_autograd(kind: str, inputs: str) -> None:
    seq, theta = _word_case("banana", 4, 2)
    decoder = RNNParams.random(len(seq.classes), 4, len(seq.classes), seed=3)
    run = run_architecture(kind, theta, seq, inputs=inputs, decoder=decoder)
    assert run.max_difference() < 1e-12
    assert run.loss > 0
    fw = run.forward
    if kind == "many_to_one":
        assert fw.mask.tolist() == [False] * (seq.T - 1) + [True]
        assert float(fw.losses[:-1].abs().sum()) == 0.0
        assert float(run.backward.grads["W"].norm()) > 0  # the one loss still reaches back through W
    if kind == "one_to_many":
        assert torch.equal(fw.xs[0], seq.xs[0])
        if inputs == "zeros":
            assert float(fw.xs[1:].abs().sum()) == 0.0
        else:  # the previous output's most likely class, one-hot
            assert torch.equal(fw.xs[1:].argmax(dim=1), fw.y_hat[:-1].argmax(dim=1))
            assert torch.equal(fw.xs[1:].sum(dim=1), torch.ones(seq.T - 1, dtype=torch.float64))
    if kind == "seq2seq":
        assert run.source_labels == tuple("banana") and "".join(run.target_labels) == "ananab"
        assert torch.equal(fw.h0, run.encoder.h[-1])
        assert float(run.autograd["encoder W"].norm()) > 0  # the decoder's error reaches the encoder
        assert float(fw.xs[0].abs().sum()) == 0.0  # the decoder starts from a zero input
        assert torch.equal(fw.xs[1:].argmax(dim=1), fw.targets[:-1])  # then teacher forcing


def test_seq2seq_on_numbers_and_its_errors() -> None:
    seq, theta = _numbers_case(5, 3, 4, 2, 1)
    decoder = RNNParams.random(2, 4, 2, seed=2)
    run = run_architecture("seq2seq", theta, seq, decoder=decoder)
    assert run.max_difference() < 1e-12
    assert torch.equal(run.forward.targets, seq.targets.flip(0))
    with pytest.raises(LabInputError, match="decoder"):
        run_architecture("seq2seq", theta, seq)
    with pytest.raises(LabInputError, match="decoder must read"):
        run_architecture("seq2seq", theta, seq, decoder=RNNParams.random(3, 4, 2))
    with pytest.raises(LabInputError, match="d = q"):
        run_architecture("one_to_many", theta, seq, inputs="feedback")
    with pytest.raises(LabInputError, match="unknown architecture"):
        run_architecture("many_to_few", theta, seq)


# ---------------------------------------------------------------------------------------- diagrams
def test_unrolled_graph_shows_the_same_U_W_V_at_every_step() -> None:
    seq, theta = _word_case("hello", 3, 0)
    fw = forward_steps(theta, seq.xs, seq.targets)
    for upto in range(seq.T + 1):
        dot = rg.unrolled_dot([rg.Group(rg.steps_of(fw, seq.input_labels, seq.classes, upto=upto))])
        assert dot.count('label="U"') == upto and dot.count('label="V"') == upto and dot.count('label="W"') == upto
        assert dot.count("h(") == upto + 1  # h(0) .. h(upto): one column per step
    steps = rg.steps_of(fw, seq.input_labels, seq.classes, backward_done=2)
    assert [s.backward for s in steps] == [False, False, True, True]
    dot = rg.unrolled_dot([rg.Group(steps)], cut_after=[2])
    assert dot.count("Wᵀδa") == 1 and "✂" in dot  # h(4) → h(3) carries the error; h(3) → h(2) is cut
    assert f"L(1) = {float(fw.losses[0]):.3f}" in dot


def test_diagram_of_the_architectures() -> None:
    seq, theta = _word_case("hello", 3, 0)
    run = run_architecture("many_to_one", theta, seq)
    steps = rg.steps_of(run.forward, run.input_labels, run.classes)
    assert [s.loss is not None for s in steps] == [False, False, False, True]
    run = run_architecture("one_to_many", theta, seq, inputs="feedback")
    steps = rg.steps_of(run.forward, run.input_labels, run.classes, fed_back=True)
    assert rg.EDGE_COLORS["feedback"] in rg.unrolled_dot([rg.Group(steps)])
    zeros = rg.steps_of(run_architecture("one_to_many", theta, seq).forward, seq.input_labels, seq.classes)
    assert [s.zero_input for s in zeros] == [False, True, True, True]
    enc = rg.steps_of(forward_steps(theta, seq.xs), seq.input_labels, seq.classes, outputs=False)
    dot = rg.unrolled_dot([rg.Group(enc, title="encoder"), rg.Group(steps, title="decoder")])
    assert dot.count("subgraph cluster_") == 2 and all(s.y is None for s in enc)


def test_latex_and_contribution_figure() -> None:
    expected = r"\begin{bmatrix}1.0 & 2.0\\3.0 & 4.5\end{bmatrix}"
    assert rg.latex_matrix(torch.tensor([[1.0, 2.0], [3.0, 4.5]]), 1) == expected
    assert rg.latex_matrix([-0.0004, 0.25], 2) == r"\begin{bmatrix}0.00\\0.25\end{bmatrix}"  # no "-0.00"
    norms = [[1.0, 0.0], [0.5, 2.0]]
    fig = rg.contribution_figure(norms, kept(2, 1).tolist(), title="t", x_title="x", y_title="y", kept_label="kept",
                                 dropped_label="dropped")
    trace = json.loads(fig.to_json())["data"][0]
    assert trace["text"] == [["", ""], ["✕", ""]]  # L(2)'s contribution at step 1 is dropped with k = 1
    assert trace["z"][0][1] is None  # a loss never reaches the future
