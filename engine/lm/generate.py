"""Text generation from a char-LM, on top of the shared strategies in :mod:`engine.decoding`.

The prime text is run through the network once; after that every new character is one call of
``CharLM.step`` with the carried hidden state, so generating ``n`` characters costs ``O(n)``
whatever the prime's length. The unknown symbol (id 0) is never generated.

A prime may have at most :data:`MAX_PRIME_CHARS` characters; a longer one is refused with
:class:`PrimeTooLongError` rather than cut, so the model never continues a text the caller did not
give. Priming takes memory of one chunk whatever its length (``CharLM.prime``), but time grows
with it, and one visitor must not hold a shared server's CPUs for long::

    >>> from engine.lm.generate import MAX_PRIME_CHARS, PrimeTooLongError, check_prime
    >>> check_prime("x" * MAX_PRIME_CHARS)  # at the cap: fine
    >>> try:
    ...     check_prime("x" * (MAX_PRIME_CHARS + 1))
    ... except PrimeTooLongError as exc:
    ...     print(exc)
    the prime has 20,001 characters; at most 20,000 are allowed (keep its last 20,000)

Example::

    >>> from engine import load_pretrained, generate_text            # doctest: +SKIP
    >>> model = load_pretrained("charlm-shakespeare")                 # doctest: +SKIP
    >>> generate_text(model, prime="ROMEO:", length=100, method="sample", temperature=0.8).text  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import torch

from engine import decoding
from engine.decoding import DecodeConfig, StepResult

__all__ = ["CharCandidate", "CharGeneration", "MAX_PRIME_CHARS", "PrimeTooLongError", "check_prime", "generate_text",
           "generation_from_steps", "stream_text", "decode_config"]

METHODS = ("greedy", "sample", "beam")
MAX_PRIME_CHARS = 20_000  # a few seconds of priming for the shipped 2x512 LSTM on one CPU core


class PrimeTooLongError(ValueError):
    """The prime has more than :data:`MAX_PRIME_CHARS` characters."""

    def __init__(self, n_chars: int, max_chars: int = MAX_PRIME_CHARS):
        self.n_chars, self.max_chars = n_chars, max_chars
        super().__init__(f"the prime has {n_chars:,} characters; at most {max_chars:,} are allowed "
                         f"(keep its last {max_chars:,})")


def check_prime(prime: str, max_chars: int = MAX_PRIME_CHARS) -> None:
    """Raise :class:`PrimeTooLongError` when ``prime`` is longer than ``max_chars`` characters."""
    if len(prime) > max_chars:
        raise PrimeTooLongError(len(prime), max_chars)


@dataclass
class CharCandidate:
    char: str
    prob: float
    kept: bool  # survived top-k / top-p, i.e. could have been chosen


@dataclass
class CharGeneration:
    text: str  # generated characters (the prime is not repeated)
    prime: str
    unknown_chars: list[str] = field(default_factory=list)  # prime characters outside the vocabulary
    probs: list[float] = field(default_factory=list)  # probability of each chosen character
    candidates: list[list[CharCandidate]] = field(default_factory=list)  # per position, best first
    n_best: list[tuple[str, float]] = field(default_factory=list)  # beam search: (text, score)

    @property
    def bits_per_char(self) -> float:
        """Average surprisal of the generated characters under the model (after temperature)."""
        if not self.probs:
            return float("nan")
        return -sum(math.log2(max(p, 1e-300)) for p in self.probs) / len(self.probs)


def decode_config(method: str = "sample", length: int = 200, temperature: float = 1.0, top_k: int | None = None,
                  top_p: float | None = None, beam_width: int = 5, n_best: int = 1,
                  length_penalty: float = 0.0) -> DecodeConfig:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    return DecodeConfig(method=method, temperature=temperature, top_k=top_k, top_p=top_p, beam_width=beam_width,
                        max_len=length, n_best=min(n_best, beam_width), length_penalty=length_penalty)


def _step_fn(model):
    def step(tokens: torch.Tensor, hidden):
        logits, hidden = model.step(tokens, hidden)  # (B, V)
        logits[:, 0] = float("-inf")  # never write the unknown symbol
        return logits, hidden

    return step


def _candidates(model, res, row: int = 0) -> list[CharCandidate]:
    if res.top_ids is None:
        return []
    chars = model.vocab.chars
    return [CharCandidate(chars[i], float(p), bool(k))
            for i, p, k in zip(res.top_ids[row].tolist(), res.top_probs[row].tolist(), res.top_kept[row].tolist())]


def stream_text(model, prime: str = "", length: int = 200, method: str = "sample", temperature: float = 1.0,
                top_k: int | None = None, top_p: float | None = None, beam_width: int = 5, seed: int = 0,
                record_top: int = 0, record: list[StepResult] | None = None) -> Iterator[str]:
    """Yield generated characters one at a time (what ``st.write_stream`` consumes).

    Beam search cannot stream (the best sequence is only known at the end): it yields its best
    text once. ``record`` collects the raw :class:`~engine.decoding.StepResult` of every step.
    The prime and the settings are checked when this is called, before anything is yielded
    (:class:`PrimeTooLongError`, ``ValueError``).
    """
    check_prime(prime)
    cfg = decode_config(method, length, temperature, top_k, top_p, beam_width)
    if method == "beam":
        return _beam_once(model, prime, length, temperature, top_k, top_p, beam_width, seed)
    return _stream(model, prime, cfg, seed, record_top, record)


def _beam_once(model, prime: str, length: int, temperature: float, top_k: int | None, top_p: float | None,
               beam_width: int, seed: int) -> Iterator[str]:
    yield generate_text(model, prime, length, "beam", temperature, top_k, top_p, beam_width, seed).text


def _stream(model, prime: str, cfg: DecodeConfig, seed: int, record_top: int,
            record: list[StepResult] | None) -> Iterator[str]:
    model.eval()
    device = model.head.weight.device
    token, hidden, _ = model.prime(prime)
    gen = torch.Generator(device=device).manual_seed(seed)
    steps = decoding.iter_generate(_step_fn(model), token, hidden, cfg, generator=gen, record_top=record_top)
    yield from decoding.iter_text(steps, model.vocab.chars.__getitem__, record=record)


def generation_from_steps(model, prime: str, steps: list[StepResult], text: str | None = None) -> CharGeneration:
    """The :class:`CharGeneration` of a finished :func:`stream_text` run, from the steps it recorded.

    What a page calls after ``st.write_stream(stream_text(..., record=steps))`` to keep the
    per-position probabilities and candidates without generating a second time.
    """
    vocab = model.vocab
    if text is None:
        text = "".join(vocab.chars[int(s.tokens[0])] for s in steps)
    return CharGeneration(text, prime, vocab.unknown(prime) if vocab is not None else [],
                          [math.exp(float(s.logprobs[0])) for s in steps], [_candidates(model, s) for s in steps])


def generate_text(model, prime: str = "", length: int = 200, method: str = "sample", temperature: float = 1.0,
                  top_k: int | None = None, top_p: float | None = None, beam_width: int = 5, seed: int = 0,
                  record_top: int = 0, n_best: int = 1, length_penalty: float = 0.0) -> CharGeneration:
    """Generate ``length`` characters after ``prime`` with greedy, sampling (temperature/top-k/top-p) or beam.

    Characters of the prime that the model has never seen are replaced by the unknown symbol and
    listed in ``unknown_chars``; an empty prime starts as if after a line break. A prime longer than
    :data:`MAX_PRIME_CHARS` raises :class:`PrimeTooLongError`.
    """
    check_prime(prime)
    vocab = model.vocab
    unknown = vocab.unknown(prime) if vocab is not None else []
    if method != "beam":
        steps: list[StepResult] = []
        text = "".join(stream_text(model, prime, length, method, temperature, top_k, top_p, beam_width, seed,
                                   record_top, steps))
        return generation_from_steps(model, prime, steps, text)
    cfg = decode_config("beam", length, temperature, top_k, top_p, beam_width, n_best, length_penalty)
    model.eval()
    token, hidden, _ = model.prime(prime)
    # LSTM state (h, c) and GRU/RNN state h are (layers, B, H): the batch is dim 1.
    hyps = decoding.beam_search(_step_fn(model), token, hidden, cfg, batch_dim=1, record_top=record_top)[0]
    best = hyps[0]
    cands = []
    if best.top_ids is not None:
        chars = vocab.chars
        cands = [[CharCandidate(chars[i], float(p), bool(k)) for i, p, k in zip(ids, ps, ks)]
                 for ids, ps, ks in zip(best.top_ids.tolist(), best.top_probs.tolist(), best.top_kept.tolist())]
    return CharGeneration(vocab.decode(best.tokens), prime, unknown, [math.exp(lp) for lp in best.token_logprobs],
                          cands, [(vocab.decode(h.tokens), h.score) for h in hyps])
