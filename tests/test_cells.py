"""Tests for engine.nn.cells: the from-scratch cells must match torch's fused modules number for number."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from engine.nn import GRUCell, LSTMCell, Recurrent, RNNCell, lstm_pointwise, make_rnn

D, H, B, T = 5, 7, 3, 6
TORCH_CLASSES = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
TOL = {"atol": 1e-5, "rtol": 1e-5}


def _torch_module(mode: str, num_layers: int, bidirectional: bool, dropout: float = 0.0, **kw) -> nn.Module:
    return TORCH_CLASSES[mode](
        D,
        H,
        num_layers=num_layers,
        bidirectional=bidirectional,
        dropout=dropout,
        batch_first=True,
        dtype=torch.float64,
        **kw,
    )


def _random_state(mode: str, n: int, gen: torch.Generator):
    h = torch.randn(n, B, H, dtype=torch.float64, generator=gen)
    if mode == "lstm":
        return h, torch.randn(n, B, H, dtype=torch.float64, generator=gen)
    return h


def _state_tensors(state) -> tuple[torch.Tensor, ...]:
    return tuple(state) if isinstance(state, tuple) else (state,)


def _param_map(mode: str, num_layers: int, bidirectional: bool) -> dict[str, str]:
    """torch parameter name -> Recurrent parameter name (RNN/LSTM: both biases map to b)."""
    dirs = 2 if bidirectional else 1
    out = {}
    for layer in range(num_layers):
        for d in range(dirs):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            k = layer * dirs + d
            out["weight_ih" + sfx] = f"cells.{k}.U"
            out["weight_hh" + sfx] = f"cells.{k}.W"
            if mode == "gru":
                out["bias_ih" + sfx] = f"cells.{k}.b_x"
                out["bias_hh" + sfx] = f"cells.{k}.b_h"
            else:
                out["bias_ih" + sfx] = f"cells.{k}.b"
                out["bias_hh" + sfx] = f"cells.{k}.b"
    return out


# ----------------------------------------------------------------------------------------------------------
# equality with torch
# ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("mode", ["rnn", "gru", "lstm"])
def test_matches_torch_outputs_states_and_grads(mode: str, num_layers: int, bidirectional: bool) -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    ref = _torch_module(mode, num_layers, bidirectional)
    mine = Recurrent.from_torch(ref)
    assert mine.mode == mode and mine.num_layers == num_layers and mine.bidirectional == bidirectional
    dirs = 2 if bidirectional else 1

    x = torch.randn(B, T, D, dtype=torch.float64, generator=gen)
    state = _random_state(mode, num_layers * dirs, gen)
    x_ref = x.clone().requires_grad_(True)
    x_mine = x.clone().requires_grad_(True)

    out_ref, st_ref = ref(x_ref, state)
    out_mine, st_mine = mine(x_mine, state)
    assert out_mine.shape == out_ref.shape == (B, T, H * dirs)
    torch.testing.assert_close(out_mine, out_ref, **TOL)
    assert type(st_mine) is type(st_ref)
    for a, b in zip(_state_tensors(st_mine), _state_tensors(st_ref), strict=True):
        assert a.shape == b.shape == (num_layers * dirs, B, H)
        torch.testing.assert_close(a, b, **TOL)

    # gradients of a random linear function of outputs and final states
    w_out = torch.randn(out_ref.shape, dtype=torch.float64, generator=gen)
    w_st = [torch.randn(s.shape, dtype=torch.float64, generator=gen) for s in _state_tensors(st_ref)]

    def objective(out, st):
        return (out * w_out).sum() + sum((s * w).sum() for s, w in zip(_state_tensors(st), w_st, strict=True))

    objective(out_ref, st_ref).backward()
    objective(out_mine, st_mine).backward()
    torch.testing.assert_close(x_mine.grad, x_ref.grad, **TOL)
    mine_params = dict(mine.named_parameters())
    mapping = _param_map(mode, num_layers, bidirectional)
    assert set(mapping.values()) == set(mine_params)
    for torch_name, p_ref in ref.named_parameters():
        torch.testing.assert_close(mine_params[mapping[torch_name]].grad, p_ref.grad, **TOL, msg=torch_name)


@pytest.mark.parametrize("mode", ["rnn", "gru", "lstm"])
def test_to_torch_round_trip(mode: str) -> None:
    torch.manual_seed(2)
    mine = Recurrent(mode, D, H, num_layers=2, bidirectional=True).double()
    ref = mine.to_torch()
    assert isinstance(ref, TORCH_CLASSES[mode]) and ref.batch_first
    assert ref.weight_ih_l0.dtype == torch.float64
    x = torch.randn(B, T, D, dtype=torch.float64)
    out_mine, st_mine = mine(x)
    out_ref, st_ref = ref(x)
    torch.testing.assert_close(out_mine, out_ref, **TOL)
    for a, b in zip(_state_tensors(st_mine), _state_tensors(st_ref), strict=True):
        torch.testing.assert_close(a, b, **TOL)
    # and back again: identical parameters
    back = Recurrent.from_torch(ref)
    for (na, pa), (nb, pb) in zip(mine.named_parameters(), back.named_parameters(), strict=True):
        assert na == nb
        torch.testing.assert_close(pa, pb, **TOL)


def test_relu_rnn_matches_torch() -> None:
    torch.manual_seed(3)
    ref = _torch_module("rnn", 2, False, nonlinearity="relu")
    mine = Recurrent.from_torch(ref)
    assert mine.nonlinearity == "relu"
    x = torch.randn(B, T, D, dtype=torch.float64)
    torch.testing.assert_close(mine(x)[0], ref(x)[0], **TOL)
    assert mine.to_torch().nonlinearity == "relu"


def test_unbatched_input_matches_torch() -> None:
    torch.manual_seed(4)
    ref = _torch_module("lstm", 2, True)
    mine = Recurrent.from_torch(ref)
    x = torch.randn(T, D, dtype=torch.float64)
    out_ref, (h_ref, c_ref) = ref(x)
    out_mine, (h_mine, c_mine) = mine(x)
    torch.testing.assert_close(out_mine, out_ref, **TOL)
    torch.testing.assert_close(h_mine, h_ref, **TOL)
    torch.testing.assert_close(c_mine, c_ref, **TOL)


def test_cells_match_torch_cells() -> None:
    torch.manual_seed(5)
    x = torch.randn(B, D, dtype=torch.float64)
    h = torch.randn(B, H, dtype=torch.float64)
    c = torch.randn(B, H, dtype=torch.float64)
    for mine, ref in (
        (RNNCell(D, H), nn.RNNCell(D, H, dtype=torch.float64)),
        (GRUCell(D, H), nn.GRUCell(D, H, dtype=torch.float64)),
    ):
        mine = mine.double()
        mine.load_torch_params(ref.weight_ih, ref.weight_hh, ref.bias_ih, ref.bias_hh)
        torch.testing.assert_close(mine(x, h), ref(x, h), **TOL)
    mine, ref = LSTMCell(D, H).double(), nn.LSTMCell(D, H, dtype=torch.float64)
    mine.load_torch_params(ref.weight_ih, ref.weight_hh, ref.bias_ih, ref.bias_hh)
    for a, b in zip(mine(x, (h, c)), ref(x, (h, c)), strict=True):
        torch.testing.assert_close(a, b, **TOL)


def test_cells_load_torch_cells_without_biases() -> None:
    """A torch cell made with bias=False (bias_ih = bias_hh = None): every bias of the cell becomes 0."""
    torch.manual_seed(6)
    x, h, c = (torch.randn(B, n, dtype=torch.float64) for n in (D, H, H))
    for mine, ref, state in (
        (RNNCell(D, H), nn.RNNCell(D, H, bias=False, dtype=torch.float64), h),
        (GRUCell(D, H), nn.GRUCell(D, H, bias=False, dtype=torch.float64), h),
        (LSTMCell(D, H, peephole=True), nn.LSTMCell(D, H, bias=False, dtype=torch.float64), (h, c)),
    ):
        mine = mine.double()
        mine.load_torch_params(ref.weight_ih, ref.weight_hh, ref.bias_ih, ref.bias_hh)
        biases = [p for n, p in mine.named_parameters() if n not in ("U", "W")]  # b or b_x, b_h; peepholes
        assert biases and all(not p.detach().any() for p in biases), type(mine).__name__
        torch.testing.assert_close(mine(x, state), ref(x, state), **TOL)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_lstm_pointwise_equals_torch_lstm_cell(dtype: torch.dtype) -> None:
    """The one written-out copy of the gate equations is torch's LSTM cell, to 1e-6."""
    gen = torch.Generator().manual_seed(7)
    ref = nn.LSTMCell(D, H, dtype=dtype)
    x, h, c = (3 * torch.randn(B, n, dtype=dtype, generator=gen) for n in (D, H, H))  # wide range: gates not ½
    pre = x @ ref.weight_ih.T + ref.bias_ih + h @ ref.weight_hh.T + ref.bias_hh  # (B, 4H)
    h1, c1 = lstm_pointwise(pre, c)
    w = (ref.weight_ih, ref.weight_hh, ref.bias_ih, ref.bias_hh)
    for want_h, want_c in (ref(x, (h, c)), torch.lstm_cell(x, (h, c), *w)):
        torch.testing.assert_close(h1, want_h, atol=1e-6, rtol=0)
        torch.testing.assert_close(c1, want_c, atol=1e-6, rtol=0)
    # unbatched (4H,) pre-activations work the same way
    h_u, c_u = lstm_pointwise(pre[1], c[1])
    torch.testing.assert_close(h_u, h1[1], atol=1e-6, rtol=0)
    torch.testing.assert_close(c_u, c1[1], atol=1e-6, rtol=0)


def test_lstm_pointwise_gates_and_output_peephole() -> None:
    gen = torch.Generator().manual_seed(8)
    pre = 2 * torch.randn(B, 4 * H, dtype=torch.float64, generator=gen)
    c_prev = torch.randn(B, H, dtype=torch.float64, generator=gen)
    p_o = torch.randn(H, dtype=torch.float64, generator=gen)
    a_i, a_f, a_g, a_o = pre.split(H, dim=1)
    c = torch.sigmoid(a_f) * c_prev + torch.sigmoid(a_i) * torch.tanh(a_g)
    o = torch.sigmoid(a_o + p_o * c)  # the output gate's peephole reads the NEW cell state
    h_t, c_t, gates = lstm_pointwise(pre, c_prev, p_o, return_gates=True)
    torch.testing.assert_close(c_t, c)
    torch.testing.assert_close(h_t, o * torch.tanh(c))
    torch.testing.assert_close(gates["o"], o)
    torch.testing.assert_close(gates["f"], torch.sigmoid(a_f))
    torch.testing.assert_close(gates["g"], torch.tanh(a_g))
    assert gates["c"] is c_t
    # without p_o the output gate is σ(a_o): a different h, the same c
    h_plain, c_plain = lstm_pointwise(pre, c_prev)
    torch.testing.assert_close(c_plain, c)
    assert not torch.allclose(h_plain, h_t)


# ----------------------------------------------------------------------------------------------------------
# LSTM specifics: peepholes, gate views, returned gates
# ----------------------------------------------------------------------------------------------------------
def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def test_peephole_lstm_step_by_hand() -> None:
    # One step, D = 2, H = 2, with every number written out. Column-vector maths as in the notes.
    x = np.array([1.0, -2.0])
    h_prev = np.array([0.5, -0.5])
    c_prev = np.array([1.0, -1.0])
    a = np.array
    U_i, W_i, b_i = a([[0.1, 0.2], [-0.3, 0.4]]), a([[0.5, 0.0], [0.0, 0.5]]), a([0.1, -0.1])
    U_f, W_f, b_f = a([[0.3, -0.1], [0.2, 0.2]]), a([[0.1, 0.2], [0.3, 0.4]]), a([1.0, 1.0])
    U_g, W_g, b_g = a([[-0.2, 0.1], [0.4, -0.3]]), a([[0.2, -0.2], [0.1, 0.1]]), a([0.0, 0.2])
    U_o, W_o, b_o = a([[0.05, 0.1], [0.2, -0.1]]), a([[-0.3, 0.1], [0.2, 0.0]]), a([0.3, 0.0])
    p_i, p_f, p_o = a([0.5, -0.25]), a([0.1, 0.2]), a([-0.4, 0.3])

    i = _sigmoid(U_i @ x + W_i @ h_prev + b_i + p_i * c_prev)
    f = _sigmoid(U_f @ x + W_f @ h_prev + b_f + p_f * c_prev)
    g = np.tanh(U_g @ x + W_g @ h_prev + b_g)
    c = f * c_prev + i * g
    o = _sigmoid(U_o @ x + W_o @ h_prev + b_o + p_o * c)  # output gate looks at the NEW cell state
    h = o * np.tanh(c)

    cell = LSTMCell(2, 2, peephole=True).double()

    def t(v: np.ndarray) -> torch.Tensor:
        return torch.tensor(v, dtype=torch.float64)

    with torch.no_grad():
        cell.U.copy_(t(np.concatenate([U_i, U_f, U_g, U_o])))  # documented gate order (i, f, g, o)
        cell.W.copy_(t(np.concatenate([W_i, W_f, W_g, W_o])))
        cell.b.copy_(t(np.concatenate([b_i, b_f, b_g, b_o])))
        cell.p_i.copy_(t(p_i))
        cell.p_f.copy_(t(p_f))
        cell.p_o.copy_(t(p_o))
    (h_t, c_t), gates = cell(t(x)[None], (t(h_prev)[None], t(c_prev)[None]), return_gates=True)
    np.testing.assert_allclose(h_t[0].detach().numpy(), h, atol=1e-12)
    np.testing.assert_allclose(c_t[0].detach().numpy(), c, atol=1e-12)
    for name, want in {"i": i, "f": f, "g": g, "o": o, "c": c}.items():
        np.testing.assert_allclose(gates[name][0].detach().numpy(), want, atol=1e-12, err_msg=name)
    # per-gate views address the same numbers
    np.testing.assert_allclose(cell.gate_params("forget")["U"].detach().numpy(), U_f)
    np.testing.assert_allclose(cell.gate_params("g")["W"].detach().numpy(), W_g)
    np.testing.assert_allclose(cell.gate_params("output")["b"].detach().numpy(), b_o)
    np.testing.assert_allclose(cell.gate_params("input")["p"].detach().numpy(), p_i)
    assert "p" not in cell.gate_params("candidate")


def test_peephole_zero_equals_plain_lstm() -> None:
    torch.manual_seed(6)
    plain = Recurrent("lstm", D, H, num_layers=2, bidirectional=True).double()
    peep = Recurrent("lstm", D, H, num_layers=2, bidirectional=True, peephole=True).double()
    peep.copy_from_torch(plain.to_torch())  # copies gate weights and zeroes the peepholes
    peepholes = [p for n, p in peep.named_parameters() if ".p_" in n]
    assert len(peepholes) == 4 * 3 and all(not p.detach().any() for p in peepholes)
    x = torch.randn(B, T, D, dtype=torch.float64)
    out_a, (h_a, c_a) = plain(x)
    out_b, (h_b, c_b) = peep(x)
    torch.testing.assert_close(out_a, out_b)
    torch.testing.assert_close(h_a, h_b)
    torch.testing.assert_close(c_a, c_b)
    # with non-zero peepholes the output changes
    with torch.no_grad():
        peep.cells[0].p_f.fill_(1.0)
    assert not torch.allclose(peep(x)[0], out_a)


def test_gate_params_are_views() -> None:
    cell = LSTMCell(D, H)
    f = cell.gate_params("f")
    assert f["U"].shape == (H, D) and f["W"].shape == (H, H) and f["b"].shape == (H,)
    assert f["U"].data_ptr() == cell.U[H : 2 * H].data_ptr()
    gru = GRUCell(D, H)
    z = gru.gate_params("update")
    assert z["U"].data_ptr() == gru.U[H : 2 * H].data_ptr() and set(z) == {"U", "W", "b_x", "b_h"}
    with pytest.raises(ValueError, match="unknown LSTM gate"):
        cell.gate_params("remember")


def test_recurrent_return_gates() -> None:
    torch.manual_seed(7)
    rnn = Recurrent("lstm", D, H, num_layers=2, bidirectional=True)
    x = torch.randn(B, T, D)
    out, (_, c_n), gates = rnn(x, return_gates=True)
    out2, _ = rnn(x)
    torch.testing.assert_close(out, out2)
    assert len(gates) == 4 and set(gates[0]) == {"i", "f", "g", "o", "c"}
    assert all(v.shape == (B, T, H) for g in gates for v in g.values())
    # last layer: h_t = o * tanh(c_t); forward direction ends at t = T-1, backward at t = 0
    fwd, bwd = gates[2], gates[3]
    torch.testing.assert_close(out[..., :H], fwd["o"] * torch.tanh(fwd["c"]))
    torch.testing.assert_close(out[..., H:], bwd["o"] * torch.tanh(bwd["c"]))
    torch.testing.assert_close(c_n[2], fwd["c"][:, -1])
    torch.testing.assert_close(c_n[3], bwd["c"][:, 0])
    _, _, g_gru = Recurrent("gru", D, H)(x, return_gates=True)
    assert set(g_gru[0]) == {"r", "z", "n"}


# ----------------------------------------------------------------------------------------------------------
# dropout
# ----------------------------------------------------------------------------------------------------------
def test_dropout_between_layers_train_vs_eval() -> None:
    torch.manual_seed(8)
    ref = _torch_module("lstm", 2, False, dropout=0.5)
    mine = Recurrent.from_torch(ref)
    assert mine.dropout == 0.5
    x = torch.randn(B, T, D, dtype=torch.float64)

    ref.eval()
    mine.eval()
    out_eval, _ = mine(x)
    torch.testing.assert_close(mine(x)[0], out_eval, rtol=0, atol=0)  # deterministic
    torch.testing.assert_close(out_eval, ref(x)[0], **TOL)

    mine.train()
    torch.manual_seed(9)
    out_a, _ = mine(x)
    torch.manual_seed(10)
    out_b, _ = mine(x)
    assert not torch.allclose(out_a, out_eval)
    assert not torch.allclose(out_a, out_b)


def test_no_dropout_after_last_layer() -> None:
    torch.manual_seed(11)
    with pytest.warns(UserWarning):  # torch warns that dropout does nothing with one layer
        ref = _torch_module("gru", 1, False, dropout=0.5)
    mine = Recurrent.from_torch(ref).train()
    x = torch.randn(B, T, D, dtype=torch.float64)
    out_train, _ = mine(x)
    out_eval, _ = mine.eval()(x)
    torch.testing.assert_close(out_train, out_eval, rtol=0, atol=0)


# ----------------------------------------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------------------------------------
def test_bad_constructor_args() -> None:
    with pytest.raises(ValueError, match="unknown recurrent mode"):
        Recurrent("transformer", D, H)
    with pytest.raises(ValueError, match="hidden_size"):
        Recurrent("rnn", D, 0)
    with pytest.raises(ValueError, match="hidden_size"):
        LSTMCell(D, 0)
    with pytest.raises(ValueError, match="input_size"):
        RNNCell(0, H)
    with pytest.raises(ValueError, match="num_layers"):
        Recurrent("gru", D, H, num_layers=0)
    with pytest.raises(ValueError, match="dropout"):
        Recurrent("gru", D, H, dropout=1.5)
    with pytest.raises(ValueError, match="peephole"):
        Recurrent("gru", D, H, peephole=True)
    with pytest.raises(ValueError, match="nonlinearity"):
        RNNCell(D, H, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="nonlinearity"):
        Recurrent("lstm", D, H, nonlinearity="relu")


def test_bad_forward_args() -> None:
    rnn = Recurrent("lstm", D, H, num_layers=2)
    with pytest.raises(ValueError, match=r"expected input of shape \(B, T, 5\).*got \(3, 6, 4\)"):
        rnn(torch.randn(B, T, 4))
    with pytest.raises(ValueError, match=r"got \(3, 6, 5, 1\)"):
        rnn(torch.randn(B, T, D, 1))
    with pytest.raises(ValueError, match=r"expected h of shape \(2, 3, 7\).*got \(1, 3, 7\)"):
        rnn(torch.randn(B, T, D), (torch.zeros(1, B, H), torch.zeros(1, B, H)))
    with pytest.raises(ValueError, match=r"tuple \(h, c\)"):
        rnn(torch.randn(B, T, D), torch.zeros(2, B, H))
    with pytest.raises(ValueError, match=r"expected input of shape \(B, 5\).*got \(3, 4\)"):
        RNNCell(D, H)(torch.randn(B, 4))
    with pytest.raises(ValueError, match=r"expected h of shape \(3, 7\)"):
        GRUCell(D, H)(torch.randn(B, D), torch.zeros(B, H + 1))


def test_torch_interop_errors() -> None:
    with pytest.raises(ValueError, match="batch_first=True"):
        Recurrent.from_torch(nn.GRU(D, H))
    with pytest.raises(ValueError, match=r"nn\.RNN, nn\.GRU or nn\.LSTM"):
        Recurrent.from_torch(nn.Linear(D, H))
    with pytest.raises(ValueError, match="peephole"):
        Recurrent("lstm", D, H, peephole=True).to_torch()
    with pytest.raises(ValueError, match="configuration mismatch"):
        Recurrent("lstm", D, H).copy_from_torch(nn.LSTM(D, H + 1, batch_first=True))


# ----------------------------------------------------------------------------------------------------------
# factory
# ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["rnn", "gru", "lstm"])
def test_make_rnn_fused_and_unrolled_agree(mode: str) -> None:
    torch.manual_seed(12)
    fused = make_rnn(mode, D, H, num_layers=2, bidirectional=True)
    unrolled = make_rnn(mode, D, H, num_layers=2, bidirectional=True, fused=False)
    assert isinstance(fused, TORCH_CLASSES[mode]) and fused.batch_first  # torch's module (engine.nn.fused)
    assert isinstance(unrolled, Recurrent)
    x = torch.randn(B, T, D)
    out_f, st_f = fused(x)
    out_u, st_u = unrolled(x)
    assert out_f.shape == out_u.shape == (B, T, 2 * H)
    assert type(st_f) is type(st_u)
    assert [s.shape for s in _state_tensors(st_f)] == [s.shape for s in _state_tensors(st_u)]
    out_u2, _ = unrolled(x, st_f)  # a fused state feeds the unrolled module
    assert out_u2.shape == out_u.shape
    unrolled.copy_from_torch(fused)
    torch.testing.assert_close(unrolled(x)[0], out_f, atol=1e-5, rtol=1e-4)


def test_make_rnn_errors() -> None:
    with pytest.raises(ValueError, match="fused=False"):
        make_rnn("lstm", D, H, peephole=True)
    assert make_rnn("lstm", D, H, peephole=True, fused=False).peephole
    with pytest.raises(ValueError, match="unknown recurrent mode"):
        make_rnn("lstn", D, H)
    with pytest.raises(ValueError, match="hidden_size"):
        make_rnn("gru", D, 0)
