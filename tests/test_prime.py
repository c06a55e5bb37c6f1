"""Priming a char-LM: chunked priming gives the one-pass numbers, its memory does not grow with the prime,
and a prime over ``MAX_PRIME_CHARS`` is refused with a typed error (issue 15: one visitor's 100,000-character
prime took the public app's server from 1.3 GB to 2.7 GB)."""

import pytest
import torch

from engine import CharLM, CharLMConfig, CharVocab, PrimeTooLongError, generate_text, stream_text
from engine.lm.generate import MAX_PRIME_CHARS
from engine.lm.memory import peak_allocated_bytes

pytestmark = pytest.mark.hardening  # issue 15: listed in docs/reliability.md

TEXT = "to be, or not to be: that is the question.\nROMEO: speak again, bright angel!\n"


def _model(cell: str = "lstm", fused: bool = True, n_layer: int = 2) -> CharLM:
    torch.manual_seed(0)
    vocab = CharVocab.from_text(TEXT)
    cfg = CharLMConfig(vocab_size=len(vocab), cell=cell, fused=fused, n_layer=n_layer, n_hidden=32, n_embd=8)
    return CharLM(cfg, vocab).eval()


def _prime_text(n: int) -> str:
    return (TEXT * (n // len(TEXT) + 1))[:n]


@pytest.mark.parametrize("cell, fused", [("lstm", True), ("gru", True), ("rnn", True), ("lstm", False)])
def test_chunked_priming_equals_one_pass(cell: str, fused: bool) -> None:
    model = _model(cell, fused, n_layer=2 if fused else 1)
    prime = _prime_text(1000)
    token, hidden, ids = model.prime(prime)  # chunks of 256
    token1, hidden1, ids1 = model.prime(prime, chunk=10**6)  # one pass
    with torch.no_grad():
        _, _, hidden_fwd = model(ids[None, :-1])  # the model's forward, head included
    assert torch.equal(token, token1) and torch.equal(ids, ids1) and token.tolist() == [ids[-1].item()]
    for h in (hidden1, hidden_fwd):
        for a, b in zip(*(x if isinstance(x, tuple) else (x,) for x in (hidden, h))):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


def test_priming_carries_the_state_across_chunk_borders() -> None:
    model = _model()
    prime = _prime_text(700)
    token, (h, c), _ = model.prime(prime, batch_size=3, chunk=7)  # 699 = 99 chunks of 7 and one of 6
    assert token.shape == (3,) and h.shape == c.shape == (2, 3, 32)
    _, (h1, c1), _ = model.prime(prime, chunk=10**6)
    torch.testing.assert_close(h, h1.expand(-1, 3, -1), atol=1e-5, rtol=0)
    torch.testing.assert_close(c, c1.expand(-1, 3, -1), atol=1e-5, rtol=0)
    # a prime of one character runs no recurrence at all: the state is the zero default
    token, hidden, _ = model.prime("R")
    assert hidden is None and token.tolist() == model.vocab.encode("R")


def test_priming_memory_does_not_grow_with_the_prime() -> None:
    model = _model()
    short, long = _prime_text(2_000), _prime_text(20_000)
    assert len(long) <= MAX_PRIME_CHARS
    model.prime(short)  # warm-up: lazily created buffers are not the prime's
    chunked = peak_allocated_bytes(lambda: model.prime(short)), peak_allocated_bytes(lambda: model.prime(long))
    one_pass = peak_allocated_bytes(lambda: model.prime(short, chunk=10**6)), \
        peak_allocated_bytes(lambda: model.prime(long, chunk=10**6))
    extra = len(long) - len(short)
    # the measurement sees growth where there is growth: one pass keeps (B, T, H) outputs and more
    assert one_pass[1] - one_pass[0] > 100 * extra
    # chunked: only the prime's ids (8 bytes a character) grow, the recurrence's memory is one chunk's
    assert chunked[1] - chunked[0] <= 16 * extra
    assert chunked[1] < one_pass[1] / 10


def test_a_prime_over_the_cap_is_refused_with_a_typed_error() -> None:
    model = _model()
    too_long = _prime_text(MAX_PRIME_CHARS + 1)
    for method in ("greedy", "sample", "beam"):
        with pytest.raises(PrimeTooLongError, match=f"{MAX_PRIME_CHARS + 1:,} characters") as info:
            generate_text(model, too_long, length=5, method=method)
        assert info.value.n_chars == MAX_PRIME_CHARS + 1 and info.value.max_chars == MAX_PRIME_CHARS
        # stream_text refuses when called, before anything is generated (not at the first character)
        with pytest.raises(PrimeTooLongError):
            stream_text(model, too_long, length=5, method=method)
    assert isinstance(info.value, ValueError)  # callers that catch ValueError keep working
    # at the cap it generates
    assert len(generate_text(model, _prime_text(MAX_PRIME_CHARS), length=5, method="greedy").text) == 5
