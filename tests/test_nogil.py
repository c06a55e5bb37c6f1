"""The compiled per-token functions (engine.nogil): they compile, and they compute what their Python does.

Why they exist (a page generating next to other visitors' threads waits for the GIL once per call,
not once per tensor operation) is measured by ``benchmarks/gil_convoy.py``, not here.
"""

from __future__ import annotations

import warnings

import pytest
import torch

from engine.decoding.stream import pick
from engine.lm.model import CharLM, CharLMConfig, packed_lstm_step
from engine.nogil import ENV_EAGER, nogil

COMPILED = [pick, packed_lstm_step]


@pytest.mark.parametrize("fn", COMPILED, ids=lambda f: f.__name__)
def test_shipped_functions_compile(fn):
    """A change that TorchScript cannot compile would silently fall back to eager (and to the GIL convoy)."""
    fresh = nogil(fn.eager)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert isinstance(fresh.compile(), torch.jit.ScriptFunction)


PICK_CASES = {
    "greedy": dict(temperature=1.0, greedy=True, top_k=None, top_p=None, eos_id=None),
    "sample": dict(temperature=1.0, greedy=False, top_k=None, top_p=None, eos_id=None),
    "top-k, T 0.7": dict(temperature=0.7, greedy=False, top_k=3, top_p=None, eos_id=None),
    "top-p 0.8, eos": dict(temperature=1.3, greedy=False, top_k=None, top_p=0.8, eos_id=2),
    "top-k and top-p, eos": dict(temperature=0.9, greedy=False, top_k=5, top_p=0.5, eos_id=0),
}


@pytest.mark.parametrize("case", PICK_CASES.values(), ids=PICK_CASES.keys())
@pytest.mark.parametrize("banned", [False, True], ids=["free", "banned"])
def test_compiled_pick_equals_its_python(case, banned):
    torch.manual_seed(0)
    B, V = 4, 11
    logits = torch.randn(B, V) * 3
    ban = None
    if banned:
        ban = torch.zeros(B, V, dtype=torch.bool)
        ban[0, :5] = True
        ban[1] = True  # a row with every token banned keeps them all
    active = torch.tensor([True, True, False, True])
    outs = []
    for fn in (pick, pick.eager):
        g = torch.Generator().manual_seed(7)
        outs.append(fn(logits, ban, active, generator=g, pad=0, record_top=4, **case))
    for got, want in zip(*outs, strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=0)
    choice, _, still, finished, ids, probs, kept = outs[0]
    if case["eos_id"] is not None:
        assert choice[2] == 0  # a finished row writes the pad
    assert ids.shape == probs.shape == kept.shape == (B, 4)
    if banned:
        assert choice[0] >= 5


def test_pick_records_nothing_when_asked_for_nothing():
    out = pick(torch.randn(2, 5), None, torch.ones(2, dtype=torch.bool), 1.0, True, None, None, None, None, 0, 0)
    assert out[4] is None and out[5] is None and out[6] is None


def test_compiled_lstm_step_equals_its_python_and_the_fp32_cells():
    torch.manual_seed(0)
    model = CharLM(CharLMConfig(vocab_size=13, n_embd=8, n_hidden=16, n_layer=2, cell="lstm")).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())  # exact fp16 values: what makes the packed path exact
    packed = model._packed_lstm()
    if packed is None:
        pytest.skip("no fbgemm on this CPU")
    token = torch.tensor([1, 5, 12])
    h0, c0 = torch.randn(2, 3, 16), torch.randn(2, 3, 16)
    args = (token, model.embed.weight, h0, c0, packed, model.head.weight, model.head.bias)
    for got, want in zip(packed_lstm_step(*args), packed_lstm_step.eager(*args), strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=0)
    logits, (h, c) = model.step(token, (h0, c0))
    with torch.no_grad():
        ref_logits, _, (ref_h, ref_c) = model(token[:, None], None, (h0, c0))
    torch.testing.assert_close(logits, ref_logits[:, -1], rtol=1e-3, atol=1e-3)
    torch.testing.assert_close(h, ref_h, rtol=1e-3, atol=1e-3)
    torch.testing.assert_close(c, ref_c, rtol=1e-3, atol=1e-3)


def test_a_function_torchscript_cannot_compile_still_runs_and_says_so():
    @nogil
    def first_key(d: dict) -> str:  # noqa: D401 - a dict of unknown types: not TorchScript
        return next(iter(d))

    with pytest.warns(RuntimeWarning, match="runs eagerly"):
        assert first_key({"a": 1}) == "a"
    assert first_key({"b": 2}) == "b"  # compiled once, the fallback is kept


def test_the_eager_switch_skips_compiling(monkeypatch):
    monkeypatch.setenv(ENV_EAGER, "1")

    @nogil
    def twice(x: torch.Tensor) -> torch.Tensor:
        return x * 2

    assert twice.compile() is twice.eager
    assert twice(torch.ones(1)).item() == 2.0
