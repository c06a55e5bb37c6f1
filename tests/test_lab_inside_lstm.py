"""Inside the LSTM: the traced gates are the engine cell's gates, h(t) is the fused model's output, the peephole
option of LSTMCell keeps the plain cell's behaviour and follows the notes' equations, passages are checked."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.data import CharVocab
from engine.lab.inside_lstm import (
    LSTM_QUANTITIES,
    MAX_CHARS,
    PassageError,
    cell_trace,
    check_passage,
    lstm_trace,
    peephole_pair,
)
from engine.lm.model import CharLM, CharLMConfig
from engine.nn.cells import LSTMCell

torch.set_num_threads(1)
TEXT = "ROMEO:\nBut soft! what light through yonder window breaks?\n\nJULIET:\nAy me!\n"


def _model(cell: str = "lstm", layers: int = 2, hidden: int = 16, seed: int = 0) -> CharLM:
    torch.manual_seed(seed)
    vocab = CharVocab.from_text(TEXT)
    return CharLM(CharLMConfig(vocab_size=len(vocab), cell=cell, n_layer=layers, n_hidden=hidden, n_embd=8),
                  vocab).eval()


def test_trace_equals_the_engine_cells_gates_step_by_step():
    model = _model()
    fast, ref = lstm_trace(model, TEXT), cell_trace(model, TEXT)
    assert fast.cell == ref.cell == "lstm" and len(fast.layers) == 2
    for layer in range(2):
        for q in LSTM_QUANTITIES:
            assert fast.layers[layer][q].shape == (len(TEXT), 16)
            np.testing.assert_allclose(fast.layers[layer][q], ref.layers[layer][q], atol=1e-5, err_msg=f"{layer} {q}")


def test_trace_by_hand_against_one_lstm_cell():
    """Layer 1 recomputed with an LSTMCell holding the fused layer's weights, one character at a time."""
    model = _model(layers=1)
    trace = lstm_trace(model, TEXT)
    cell = LSTMCell(8, 16)
    cell.load_torch_params(model.rnn.weight_ih_l0, model.rnn.weight_hh_l0, model.rnn.bias_ih_l0, model.rnn.bias_hh_l0)
    x = model.embed(model.vocab.tensor(TEXT))
    state = None
    with torch.no_grad():
        for t in range(len(TEXT)):
            state, gates = cell(x[t], state, return_gates=True)
            for q in ("i", "f", "g", "o", "c"):
                np.testing.assert_allclose(trace.layers[0][q][t], gates[q].numpy(), atol=1e-5)
            np.testing.assert_allclose(trace.layers[0]["h"][t], state[0].numpy(), atol=1e-5)


def test_h_equals_the_fused_models_output_and_logits():
    model = _model()
    trace = lstm_trace(model, TEXT)
    with torch.no_grad():
        out, _ = model.rnn(model.embed(model.vocab.tensor(TEXT))[None])  # (1, T, H): the last layer's h(t)
        logits, _, _ = model(model.vocab.tensor(TEXT)[None])
    np.testing.assert_allclose(trace.layers[-1]["h"], out[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(model.head(torch.from_numpy(trace.layers[-1]["h"])).detach().numpy(),
                               logits[0].numpy(), atol=1e-4)


def test_h_is_o_times_tanh_c_and_gates_in_range():
    tr = lstm_trace(_model(), TEXT).layers[0]
    np.testing.assert_allclose(tr["h"], tr["o"] * np.tanh(tr["c"]), atol=1e-6)
    c_prev = np.vstack([np.zeros((1, 16)), tr["c"][:-1]])
    np.testing.assert_allclose(tr["c"], tr["f"] * c_prev + tr["i"] * tr["g"], atol=1e-6)
    for g in ("i", "f", "o"):
        assert tr[g].min() > 0 and tr[g].max() < 1


def test_cell_trace_for_rnn_and_gru():
    for cell, keys in (("rnn", {"a", "h"}), ("gru", {"r", "z", "n", "h"})):
        model = _model(cell, layers=1)
        tr = cell_trace(model, TEXT)
        assert set(tr.layers[0]) == keys and tr.cell == cell
        with torch.no_grad():
            out, _ = model.rnn(model.embed(model.vocab.tensor(TEXT))[None])
        np.testing.assert_allclose(tr.layers[0]["h"], out[0].numpy(), atol=1e-5)
    with pytest.raises(PassageError, match="LSTM"):
        lstm_trace(_model("gru", layers=1), TEXT)


def test_any_unicode_is_read_with_unknown_positions_marked():
    model = _model(layers=1)
    text = "Ay 😀 마음\u200d!"
    tr = lstm_trace(model, text)
    assert len(tr.layers[0]["h"]) == len(text)
    assert [text[k] for k in tr.unknown] == [ch for ch in text if ch not in model.vocab.chars]


def test_long_passages_are_cut_and_empty_ones_refused():
    model = _model(layers=1)
    tr = lstm_trace(model, "a" * (MAX_CHARS + 7))
    assert len(tr.text) == MAX_CHARS and tr.cut == 7
    with pytest.raises(PassageError):
        lstm_trace(model, "")
    assert check_passage("xyz", 5) == ("xyz", 0)


def test_peephole_cell_follows_the_notes_equations():
    torch.manual_seed(1)
    cell = LSTMCell(3, 5, peephole=True)
    with torch.no_grad():
        for p in (cell.p_i, cell.p_f, cell.p_o):
            p.uniform_(-2, 2)
        x, h0, c0 = torch.randn(2, 3), torch.randn(2, 5), torch.randn(2, 5)
        (h, c), gates = cell(x, (h0, c0), return_gates=True)
        a = x @ cell.U.T + h0 @ cell.W.T + cell.b
        a_i, a_f, a_g, a_o = a.chunk(4, dim=1)
        i = torch.sigmoid(a_i + cell.p_i * c0)  # input gate peeks at c(t-1)
        f = torch.sigmoid(a_f + cell.p_f * c0)  # forget gate peeks at c(t-1)
        c_ref = f * c0 + i * torch.tanh(a_g)
        o = torch.sigmoid(a_o + cell.p_o * c_ref)  # output gate peeks at c(t)
    torch.testing.assert_close(gates["i"], i)
    torch.testing.assert_close(gates["f"], f)
    torch.testing.assert_close(c, c_ref)
    torch.testing.assert_close(h, o * torch.tanh(c_ref))


def test_peephole_option_keeps_the_plain_cell_and_its_weight_names():
    torch.manual_seed(0)
    plain = LSTMCell(3, 4)
    assert [n for n, _ in plain.named_parameters()] == ["U", "W", "b"]
    peep = LSTMCell(3, 4, peephole=True)
    assert [n for n, _ in peep.named_parameters()] == ["U", "W", "b", "p_i", "p_f", "p_o"]
    with torch.no_grad():
        for name in ("U", "W", "b"):
            getattr(peep, name).copy_(getattr(plain, name))
        for p in (peep.p_i, peep.p_f, peep.p_o):
            p.zero_()
        x = torch.randn(2, 3)
        ref = torch.lstm_cell(x, (torch.zeros(2, 4), torch.zeros(2, 4)), plain.U, plain.W, plain.b)
    for a, b, c in zip(plain(x), peep(x), ref, strict=True):  # zero peepholes: exactly the plain cell, and torch's
        torch.testing.assert_close(a, b)
        torch.testing.assert_close(a, c)


def test_peephole_pair_differs_only_with_peepholes():
    pair = peephole_pair("hello world", strength=3.0)
    assert set(pair) == {"plain", "peephole"}
    tr_plain, tr_peep = pair["plain"].layers[0], pair["peephole"].layers[0]
    assert tr_plain["i"].shape == (11, 4)
    assert np.abs(tr_plain["f"] - tr_peep["f"]).max() > 1e-2
    # the first step's input and forget gates see c(0) = 0: the peepholes change nothing there
    np.testing.assert_allclose(tr_plain["i"][0], tr_peep["i"][0], atol=1e-7)
    zero = peephole_pair("hello world", strength=0.0)
    np.testing.assert_array_equal(zero["plain"].layers[0]["o"], zero["peephole"].layers[0]["o"])


def test_one_layer_at_a_time_gives_the_same_numbers():
    model = _model()
    full, only_top = lstm_trace(model, TEXT), lstm_trace(model, TEXT, layers=[1])
    assert only_top.layers[0] == {} and only_top.hidden_size == 16
    for q in LSTM_QUANTITIES:
        np.testing.assert_array_equal(only_top.layers[1][q], full.layers[1][q])
    assert lstm_trace(model, TEXT, layers=[0]).layers[1] == {}
