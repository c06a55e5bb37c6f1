"""engine.metrics: loss units (nats, bits, perplexity) and the reference entropies of the loss charts."""

import math

import pytest

from engine.metrics import (
    bits_to_nats,
    nats_to_bits,
    params_per_char,
    perplexity,
    uniform_entropy,
    unigram_entropy,
)


def test_unit_conversions_round_trip():
    assert nats_to_bits(math.log(2)) == pytest.approx(1.0)
    assert bits_to_nats(1.0) == pytest.approx(math.log(2))
    for x in (0.0, 0.37, 1.5, 4.17):
        assert bits_to_nats(nats_to_bits(x)) == pytest.approx(x)


def test_perplexity():
    assert perplexity(0.0) == 1.0
    assert perplexity(math.log(65)) == pytest.approx(65.0)
    assert perplexity(1e6) == math.inf  # overflow is reported as infinity, not an exception


def test_uniform_entropy():
    assert uniform_entropy(1) == 0.0
    assert uniform_entropy(65) == pytest.approx(math.log(65))
    assert nats_to_bits(uniform_entropy(256)) == pytest.approx(8.0)
    with pytest.raises(ValueError):
        uniform_entropy(0)


def test_unigram_entropy():
    assert unigram_entropy("aaaa") == 0.0
    assert unigram_entropy("abab") == pytest.approx(math.log(2))
    # p = (1/2, 1/4, 1/4): H = 1.5 bits
    assert nats_to_bits(unigram_entropy("aabc")) == pytest.approx(1.5)
    # never above the uniform entropy over the text's own characters
    text = "the quick brown fox jumps over the lazy dog"
    assert unigram_entropy(text) <= uniform_entropy(len(set(text))) + 1e-12
    with pytest.raises(ValueError):
        unigram_entropy("")


def test_params_per_char():
    assert params_per_char(1000, 500) == 2.0
    assert params_per_char(10, 0) == math.inf
