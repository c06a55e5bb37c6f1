"""Tests for engine.decoding: filtering, sampling, greedy/streaming generation and beam search."""

from __future__ import annotations

import itertools
import math
from collections import namedtuple

import pytest
import torch

from engine.decoding import (
    DecodeConfig,
    StepResult,
    beam_search,
    collect_steps,
    expand_state,
    filter_logits,
    generate,
    index_state,
    iter_generate,
    iter_text,
    length_penalty_factor,
    sample_next,
)

EOS = 0


# --------------------------------------------------------------------------------------------------
# Toy models
# --------------------------------------------------------------------------------------------------


def markov_step(table: torch.Tensor):
    """Step function of a Markov chain: next-token distribution depends only on the input token."""
    log_table = torch.log(table / table.sum(-1, keepdim=True))

    def step(tokens: torch.Tensor, state):
        return log_table[tokens], state

    return step


def random_chain(seed: int, vocab: int, peaked: float = 2.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.softmax(torch.randn(vocab, vocab, generator=g) * peaked, dim=-1)


def brute_force_best(table: torch.Tensor, start: int, max_len: int, cfg: DecodeConfig, eos: int | None):
    """All sequences of length <= max_len (ending in eos, or cut at max_len) with their scores."""
    logp = torch.log(table / table.sum(-1, keepdim=True)).double()
    vocab = table.shape[0]
    results = []
    for length in range(1, max_len + 1):
        for seq in itertools.product(range(vocab), repeat=length):
            body = seq[:-1]
            if eos is not None and eos in body:
                continue
            if length < max_len and seq[-1] != eos:
                continue  # unfinished and not cut by max_len: not a complete output
            prev, total = start, 0.0
            for tok in seq:
                total += float(logp[prev, tok])
                prev = tok
            results.append((cfg.normalise(total, length), total, list(seq)))
    results.sort(key=lambda r: r[0], reverse=True)
    return results


def has_repeat_ngram(seq: list[int], n: int) -> bool:
    grams = [tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)]
    return len(grams) != len(set(grams))


class TinyLSTMLM(torch.nn.Module):
    """A 2-layer LSTM LM with an attention-like memory: enough to exercise state reordering."""

    def __init__(self, vocab: int = 7, hidden: int = 8, layers: int = 2, src_len: int = 5):
        super().__init__()
        torch.manual_seed(0)
        self.emb = torch.nn.Embedding(vocab, hidden)
        self.lstm = torch.nn.LSTM(hidden, hidden, num_layers=layers)
        self.out = torch.nn.Linear(2 * hidden, vocab)
        self.layers, self.hidden, self.src_len = layers, hidden, src_len

    def init_state(self, batch: int, seed: int = 1):
        g = torch.Generator().manual_seed(seed)
        h = torch.randn(self.layers, batch, self.hidden, generator=g)
        c = torch.randn(self.layers, batch, self.hidden, generator=g)
        memory = torch.randn(batch, self.src_len, self.hidden, generator=g)
        return h, c, memory

    @torch.no_grad()
    def step_tuple(self, tokens, state):
        """State ``((h, c), memory)``; returns attention weights as aux."""
        (h, c), memory = state
        y, (h, c) = self.lstm(self.emb(tokens)[None], (h, c))
        y = y[0]
        attn = torch.softmax(torch.einsum("bh,bsh->bs", y, memory), dim=-1)
        ctx = torch.einsum("bs,bsh->bh", attn, memory)
        return self.out(torch.cat([y, ctx], dim=-1)), ((h, c), memory), attn

    def step_dict(self, tokens, state):
        logits, ((h, c), memory), attn = self.step_tuple(tokens, (state["hc"], state["memory"]))
        return logits, {"hc": (h, c), "memory": memory, "name": state["name"]}, attn

    @torch.no_grad()
    def teacher_forced(self, start: int, tokens: list[int], state) -> list[float]:
        """Per-token log-probs of ``tokens`` for a batch of one, by running the model on them."""
        inputs = [start, *tokens[:-1]]
        out = []
        for inp, tgt in zip(inputs, tokens):
            logits, state, _ = self.step_tuple(torch.tensor([inp]), state)
            out.append(float(torch.log_softmax(logits, -1)[0, tgt]))
        return out


# --------------------------------------------------------------------------------------------------
# filter_logits / sample_next
# --------------------------------------------------------------------------------------------------


def test_filter_top_k_keeps_exactly_k_largest():
    logits = torch.tensor([[0.5, 2.0, -1.0, 3.0, 1.0], [1.0, 1.0, 1.0, 0.0, 1.0]])
    out = filter_logits(logits, top_k=2)
    assert torch.isfinite(out).sum(-1).tolist() == [2, 2]
    assert torch.isfinite(out[0]).nonzero().flatten().tolist() == [1, 3]
    assert torch.isfinite(out[1]).nonzero().flatten().tolist() == [0, 1]  # ties: lowest ids first
    kept = torch.isfinite(out)
    assert torch.equal(out[kept], logits[kept])  # kept logits unchanged
    assert torch.equal(filter_logits(logits, top_k=99), logits)


def test_sampling_with_top_k_never_leaves_top_k():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(12, generator=g)
    allowed = set(logits.topk(3).indices.tolist())
    draws = sample_next(logits.expand(4000, -1), temperature=1.5, top_k=3, generator=g)
    assert set(draws.tolist()) == allowed  # never outside, and every allowed token is reachable


@pytest.mark.parametrize("p", [0.05, 0.3, 0.5, 0.8, 0.95, 0.999])
def test_top_p_smallest_set_with_mass_at_least_p(p):
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(64, 30, generator=g) * 2
    probs = torch.softmax(logits.double(), -1)
    kept = torch.isfinite(filter_logits(logits, top_p=p))
    for row in range(logits.shape[0]):
        k = kept[row]
        mass = float(probs[row][k].sum())
        smallest = float(probs[row][k].min())
        assert k.any()
        assert mass >= p - 1e-9
        assert mass - smallest < p  # dropping the least likely kept token falls below p
        if (~k).any():
            assert float(probs[row][~k].max()) <= smallest  # the kept set is a top set


def test_top_p_always_keeps_one_and_one_is_noop():
    logits = torch.tensor([[5.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    assert torch.isfinite(filter_logits(logits, top_p=0.01)).sum(-1).tolist() == [1, 1]
    assert torch.equal(filter_logits(logits, top_p=1.0), logits)


def test_top_k_then_top_p_and_sampling_inside_nucleus():
    g = torch.Generator().manual_seed(2)
    logits = torch.log(torch.tensor([0.4, 0.25, 0.15, 0.1, 0.06, 0.04]))
    assert torch.isfinite(filter_logits(logits, top_p=0.6)).nonzero().flatten().tolist() == [0, 1]
    # top-k=3 renormalises to [.5, .3125, .1875]; top-p 0.6 then keeps the first two
    assert torch.isfinite(filter_logits(logits, top_k=3, top_p=0.6)).nonzero().flatten().tolist() == [0, 1]
    draws = sample_next(logits.expand(3000, -1), top_p=0.75, generator=g)
    assert set(draws.tolist()) == {0, 1, 2}


def test_temperature_zero_is_argmax():
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(50, 17, generator=g)
    assert torch.equal(sample_next(logits, temperature=0.0), logits.argmax(-1))
    assert torch.equal(sample_next(logits, temperature=0, top_k=5, top_p=0.3), logits.argmax(-1))
    assert torch.equal(sample_next(logits * 100, temperature=1e-3, generator=g), logits.argmax(-1))
    assert sample_next(logits[0], temperature=0).shape == ()


def test_sampling_is_reproducible_with_seeded_generator():
    logits = torch.randn(8, 40)
    a = sample_next(logits, temperature=1.3, top_p=0.9, generator=torch.Generator().manual_seed(7))
    b = sample_next(logits, temperature=1.3, top_p=0.9, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, b)
    step = markov_step(random_chain(0, 9, peaked=0.5))
    cfg = DecodeConfig("sample", temperature=1.2, top_k=5, max_len=20)
    r1 = generate(step, torch.tensor([1, 2, 3]), None, cfg, generator=torch.Generator().manual_seed(11))
    r2 = generate(step, torch.tensor([1, 2, 3]), None, cfg, generator=torch.Generator().manual_seed(11))
    assert torch.equal(r1.tokens, r2.tokens) and torch.equal(r1.logprobs, r2.logprobs)


# --------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"top_k": 0}, "top_k must be >= 1"),
        ({"top_k": -3}, "top_k must be >= 1"),
        ({"top_p": 0.0}, r"top_p must be in the interval \(0, 1\]"),
        ({"top_p": 1.5}, r"top_p must be in the interval \(0, 1\]"),
        ({"top_p": -0.1}, r"top_p must be in the interval \(0, 1\]"),
        ({"beam_width": 0}, "beam_width must be an int >= 1"),
        ({"temperature": -0.5}, "temperature must be > 0, or exactly 0"),
        ({"method": "topk"}, "method must be"),
        ({"max_len": 0}, "max_len must be an int >= 1"),
        ({"no_repeat_ngram": -1}, "no_repeat_ngram must be"),
        ({"beam_width": 2, "n_best": 3}, r"n_best \(3\) must be <= beam_width \(2\)"),
        ({"length_penalty": -1.0}, "length_penalty"),
        ({"length_norm": "log"}, "length_norm"),
    ],
)
def test_decode_config_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DecodeConfig(**kwargs)


def test_functions_reject_bad_arguments():
    logits = torch.randn(2, 5)
    with pytest.raises(ValueError, match="top_k must be >= 1"):
        filter_logits(logits, top_k=0)
    with pytest.raises(ValueError, match="top_p"):
        filter_logits(logits, top_p=0)
    with pytest.raises(ValueError, match="temperature"):
        sample_next(logits, temperature=-1.0)
    with pytest.raises(ValueError, match="top_p"):
        sample_next(logits, top_p=2.0)
    step = markov_step(random_chain(0, 5))
    with pytest.raises(ValueError, match="beam_search"):
        iter_generate(step, torch.tensor([1]), None, DecodeConfig("beam"))
    with pytest.raises(ValueError, match="max_new_tokens"):
        generate(step, torch.tensor([1]), None, max_new_tokens=0)
    with pytest.raises(ValueError, match=r"step must return \(logits, state\)"):
        generate(lambda t, s: t, torch.tensor([1]), None)


# --------------------------------------------------------------------------------------------------
# Greedy / sampling generation and streaming
# --------------------------------------------------------------------------------------------------


def test_greedy_generate_eos_padding_and_lengths():
    # chain: 1 -> 2 -> 3 -> eos ; 4 -> 4 -> 4 ...
    table = torch.full((5, 5), 0.01)
    table[1, 2] = table[2, 3] = table[3, EOS] = table[4, 4] = table[0, 1] = 1.0
    res = generate(markov_step(table), torch.tensor([1, 4]), None, DecodeConfig(max_len=6), eos_id=EOS)
    assert res.tokens.tolist() == [[2, 3, EOS, EOS, EOS, EOS], [4, 4, 4, 4, 4, 4]]
    assert res.lengths.tolist() == [3, 6]
    assert res.finished.tolist() == [True, False]
    assert res.sequences() == [[2, 3, EOS], [4] * 6]
    assert (res.logprobs[0, 3:] == 0).all() and (res.logprobs[0, :3] < 0).all()
    assert torch.allclose(res.scores, res.logprobs.sum(1))


def test_generation_stops_when_all_rows_finish():
    table = torch.full((4, 4), 0.01)
    table[:, EOS] = 1.0
    calls = []

    def step(tokens, state):
        calls.append(1)
        return markov_step(table)(tokens, state)

    res = generate(step, torch.tensor([1, 2]), None, DecodeConfig(max_len=50), eos_id=EOS)
    assert res.tokens.shape == (2, 1) and len(calls) == 1


def test_record_top_probabilities_after_temperature_before_truncation():
    table = random_chain(4, 8, peaked=1.0)
    step = markov_step(table)
    temperature = 0.7
    cfg = DecodeConfig("sample", temperature=temperature, top_k=2, max_len=12)
    res = generate(
        step, torch.tensor([1, 5]), None, cfg, generator=torch.Generator().manual_seed(0), record_top=5
    )
    assert res.top_ids.shape == res.top_probs.shape == res.top_kept.shape == (2, 12, 5)
    prev = torch.cat([torch.tensor([[1], [5]]), res.tokens[:, :-1]], dim=1)
    expected = torch.softmax(torch.log(table)[prev] / temperature, dim=-1)  # (B, T, V)
    exp_probs, exp_ids = expected.topk(5, dim=-1)
    assert torch.equal(res.top_ids, exp_ids)
    assert torch.allclose(res.top_probs, exp_probs, atol=1e-5)
    assert res.top_kept[..., :2].all() and not res.top_kept[..., 2:].any()  # top-k=2 kept
    chosen_rank = (res.top_ids == res.tokens[..., None]).float().argmax(-1)
    assert (chosen_rank < 2).all()  # the chosen token is always one of the kept candidates
    assert torch.allclose(
        res.logprobs, expected.gather(-1, res.tokens[..., None]).squeeze(-1).log(), atol=1e-5
    )


def test_iter_generate_iter_text_and_collect():
    table = torch.full((5, 5), 0.01)
    table[1, 2] = table[2, 3] = table[3, 4] = table[4, EOS] = 1.0
    itos = {0: "</s>", 1: "<s>", 2: "h", 3: "i", 4: "!"}
    steps: list[StepResult] = []
    it = iter_generate(markov_step(table), torch.tensor([1]), None, DecodeConfig(max_len=10), eos_id=EOS)
    text = "".join(iter_text(it, itos.__getitem__, eos_id=EOS, record=steps))
    assert text == "hi!"
    assert len(steps) == 4
    res = collect_steps(steps)
    assert res.tokens.tolist() == [[2, 3, 4, EOS]]
    assert res.finished.tolist() == [True]


def test_generate_returns_state_to_continue_from():
    step = TinyLSTMLM().step_tuple
    h, c, mem = TinyLSTMLM().init_state(2)
    start = torch.tensor([1, 2])
    full = generate(step, start, ((h, c), mem), DecodeConfig(max_len=8))
    first = generate(step, start, ((h, c), mem), DecodeConfig(max_len=3))
    rest = generate(step, first.tokens[:, -1], first.state, DecodeConfig(max_len=5))
    assert torch.equal(torch.cat([first.tokens, rest.tokens], 1), full.tokens)
    assert full.aux.shape == (2, 8, 5)


def test_min_len_blocks_early_eos():
    table = torch.full((4, 4), 0.1)
    table[:, EOS] = 1.0
    cfg = DecodeConfig(min_len=2, max_len=5)
    assert generate(markov_step(table), torch.tensor([1]), None, cfg, eos_id=EOS).lengths.tolist() == [3]
    hyp = beam_search(
        markov_step(table), torch.tensor([1]), None, DecodeConfig("beam", min_len=2, max_len=5), EOS
    )
    assert len(hyp[0][0].tokens) == 3 and hyp[0][0].tokens[-1] == EOS


# --------------------------------------------------------------------------------------------------
# Beam search
# --------------------------------------------------------------------------------------------------


def greedy_trap_table() -> torch.Tensor:
    """Start token 1; greedy picks 2 (p=.55) whose continuations are all poor, 3 (p=.45) ends well."""
    table = torch.tensor(
        [
            [0.25, 0.25, 0.25, 0.25],  # after </s> (unused)
            [0.00001, 0.00001, 0.55, 0.45],  # start
            [0.34, 0.00001, 0.33, 0.33],  # after 2: flat, best is </s> at .34
            [0.90, 0.00001, 0.05, 0.05],  # after 3: </s> at .9
        ]
    )
    return table


def test_beam_finds_true_best_where_greedy_fails():
    table = greedy_trap_table()
    step = markov_step(table)
    cfg = DecodeConfig("beam", beam_width=2, max_len=3)
    greedy = generate(step, torch.tensor([1]), None, DecodeConfig(max_len=3), eos_id=EOS).sequences()[0]
    best = beam_search(step, torch.tensor([1]), None, cfg, EOS)[0][0]
    truth = brute_force_best(table, 1, 3, cfg, EOS)[0]
    assert greedy == [2, EOS]
    assert best.tokens == truth[2] == [3, EOS]
    assert best.logprob == pytest.approx(truth[1], abs=1e-5)
    assert best.logprob > math.log(0.55 * 0.34)
    assert best.finished


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("alpha", "norm"), [(0.0, "gnmt"), (1.0, "gnmt"), (0.8, "power")])
def test_exhaustive_beam_matches_brute_force(seed, alpha, norm):
    table = random_chain(seed, 4, peaked=1.5)
    cfg = DecodeConfig("beam", beam_width=64, n_best=5, max_len=3, length_penalty=alpha, length_norm=norm)
    hyps = beam_search(markov_step(table), torch.tensor([seed % 3 + 1]), None, cfg, EOS)[0]
    truth = brute_force_best(table, seed % 3 + 1, 3, cfg, EOS)
    assert [h.tokens for h in hyps] == [t[2] for t in truth[:5]]
    assert [h.score for h in hyps] == pytest.approx([t[0] for t in truth[:5]], abs=1e-5)


@pytest.mark.parametrize("seed", range(6))
def test_beam_width_one_equals_greedy(seed):
    table = random_chain(seed, 6, peaked=1.5)
    table[:, EOS] *= 0.5 + seed / 4  # vary how soon rows finish
    step = markov_step(table)
    start = torch.tensor([1, 2, 3, 4, 5])
    for extra in ({}, {"no_repeat_ngram": 2}, {"min_len": 2}):
        greedy = generate(step, start, None, DecodeConfig("greedy", max_len=7, **extra), eos_id=EOS)
        beam = generate(step, start, None, DecodeConfig("beam", beam_width=1, max_len=7, **extra), eos_id=EOS)
        assert beam.sequences() == greedy.sequences()
        assert torch.allclose(beam.logprobs, greedy.logprobs, atol=1e-5)
        assert beam.finished.tolist() == greedy.finished.tolist()
    # and without an end token
    greedy = generate(step, start, None, DecodeConfig("greedy", max_len=5))
    beam = generate(step, start, None, DecodeConfig("beam", beam_width=1, max_len=5))
    assert torch.equal(beam.tokens, greedy.tokens)


def test_beam_width_one_equals_greedy_with_eos_finishing_early():
    table = greedy_trap_table()
    greedy = generate(markov_step(table), torch.tensor([1]), None, DecodeConfig(max_len=3), eos_id=EOS)
    hyp = beam_search(
        markov_step(table), torch.tensor([1]), None, DecodeConfig("beam", beam_width=1, max_len=3), EOS
    )[0]
    assert len(hyp) == 1 and hyp[0].tokens == greedy.sequences()[0] == [2, EOS]


def test_n_best_sorted_and_distinct():
    table = random_chain(9, 7, peaked=1.0)
    cfg = DecodeConfig("beam", beam_width=6, n_best=6, max_len=6, length_penalty=0.6)
    out = beam_search(markov_step(table), torch.tensor([1, 2, 3]), None, cfg, EOS)
    assert len(out) == 3
    for hyps in out:
        assert len(hyps) == 6
        scores = [h.score for h in hyps]
        assert scores == sorted(scores, reverse=True)
        assert len({tuple(h.tokens) for h in hyps}) == len(hyps)
        for h in hyps:
            assert h.logprob == pytest.approx(sum(h.token_logprobs), abs=1e-4)
            assert h.score == pytest.approx(cfg.normalise(h.logprob, len(h.tokens)))
            assert h.finished == (h.tokens[-1] == EOS) and EOS not in h.tokens[:-1]
            assert len(h.tokens) <= 6


def test_length_normalisation_changes_the_winner():
    table = torch.tensor(
        [
            [0.25, 0.25, 0.25, 0.25],
            [0.50, 0.00001, 0.50, 0.00001],  # start: stop now (.5) or say 2 (.5)
            [0.90, 0.00001, 0.05, 0.05],  # after 2: stop (.9)
            [0.25, 0.25, 0.25, 0.25],
        ]
    )
    step = markov_step(table)
    start = torch.tensor([1])
    raw = beam_search(step, start, None, DecodeConfig("beam", beam_width=2, max_len=3), EOS)[0][0]
    assert raw.tokens == [EOS]  # P = .5 beats .45
    for alpha, norm in ((1.0, "power"), (2.0, "gnmt")):
        cfg = DecodeConfig("beam", beam_width=2, max_len=3, length_penalty=alpha, length_norm=norm)
        best = beam_search(step, start, None, cfg, EOS)[0][0]
        assert best.tokens == [2, EOS]
        assert best.score == pytest.approx(math.log(0.45) / length_penalty_factor(2, alpha, norm), abs=1e-4)
    assert length_penalty_factor(3, 1.0, "gnmt") == pytest.approx(8 / 6)
    assert length_penalty_factor(3, 1.0, "power") == 3.0


@pytest.mark.parametrize("n", [1, 2, 3])
def test_no_repeat_ngram_prevents_repeats(n):
    vocab = 9
    table = torch.full((vocab, vocab), 0.01)
    for a in range(1, vocab):  # a strong 2-cycle 1<->2 pulls every method into repeating itself
        table[a, 2 if a == 1 else 1] = 1.0
    table[:, EOS] = 0.001
    step = markov_step(table)
    start = torch.tensor([1, 3])
    max_len = 7
    unguarded = generate(step, start, None, DecodeConfig(max_len=max_len), eos_id=EOS).sequences()
    assert has_repeat_ngram([1, *unguarded[0]], n)
    configs = [
        DecodeConfig("greedy", max_len=max_len, no_repeat_ngram=n),
        DecodeConfig("sample", max_len=max_len, no_repeat_ngram=n, temperature=0.8),
        DecodeConfig("beam", beam_width=3, n_best=3, max_len=max_len, no_repeat_ngram=n),
    ]
    for cfg in configs:
        res = generate(step, start, None, cfg, eos_id=EOS, generator=torch.Generator().manual_seed(0))
        for s0, seq in zip(start.tolist(), res.sequences()):
            assert not has_repeat_ngram([s0, *seq], n), (cfg.method, seq)
        if res.hypotheses is not None:
            for s0, hyps in zip(start.tolist(), res.hypotheses):
                assert all(not has_repeat_ngram([s0, *h.tokens], n) for h in hyps)


# --------------------------------------------------------------------------------------------------
# State reordering and aux tracking
# --------------------------------------------------------------------------------------------------


def test_index_state_lstm_tuple_dict_and_passthrough():
    L, B, H, S = 2, 3, 4, 5
    h = torch.arange(L * B * H).float().view(L, B, H)
    c = -h
    mem = torch.arange(B * S * H).float().view(B, S, H)
    idx = torch.tensor([2, 0, 0, 1])

    out = index_state((h, c), idx, batch_dim=1)
    assert isinstance(out, tuple) and torch.equal(out[0], h[:, idx]) and torch.equal(out[1], c[:, idx])

    state = {"hc": (h, c), "memory": mem, "table": torch.ones(7, 2), "step": 3, "extra": None}
    out = index_state(state, idx, batch_dim={"hc": 1, "memory": 0, "table": None, "step": 0, "extra": 0})
    assert torch.equal(out["hc"][0], h[:, idx]) and torch.equal(out["hc"][1], c[:, idx])
    assert torch.equal(out["memory"], mem[idx])
    assert out["table"] is state["table"] and out["step"] == 3 and out["extra"] is None

    nested = [(h, c), mem]
    out = index_state(nested, idx, batch_dim=[(1, 1), 0])
    assert isinstance(out, list) and torch.equal(out[1], mem[idx]) and torch.equal(out[0][1], c[:, idx])

    HC = namedtuple("HC", "h c")
    out = index_state(HC(h, c), idx, batch_dim=-2)
    assert isinstance(out, HC) and torch.equal(out.c, c[:, idx])

    assert index_state(None, idx) is None
    assert torch.equal(expand_state(mem, 2)[:, 0, 0], mem[:, 0, 0].repeat_interleave(2))
    exp = expand_state({"hc": (h, c), "memory": mem}, 3, batch_dim={"hc": 1, "memory": 0})
    assert exp["hc"][0].shape == (L, B * 3, H) and torch.equal(exp["hc"][0][:, 4], h[:, 1])

    with pytest.raises(ValueError, match="no entry for key"):
        index_state(state, idx, batch_dim={"hc": 1})
    with pytest.raises(ValueError, match="2 entries but the state has 3"):
        index_state((h, c, mem), idx, batch_dim=(1, 1))


@pytest.mark.parametrize("kind", ["tuple", "dict"])
def test_batched_beam_reorders_lstm_state_correctly(kind):
    """Batched beam search must give each row exactly the result of running it alone, and every
    hypothesis's recorded log-probs must equal teacher-forced scoring of its tokens: both fail if the
    (L, B, H) LSTM state or the (B, S, H) memory is reordered wrongly along the back-pointers."""
    model = TinyLSTMLM()
    B = 3
    h, c, mem = model.init_state(B)
    start = torch.tensor([1, 2, 3])
    cfg = DecodeConfig("beam", beam_width=3, n_best=3, max_len=6, length_penalty=0.5)
    if kind == "tuple":
        step, state, dims = model.step_tuple, ((h, c), mem), ((1, 1), 0)
    else:
        step, state, dims = (
            model.step_dict,
            {"hc": (h, c), "memory": mem, "name": "x"},
            {"hc": 1, "memory": 0},
        )
        dims["name"] = None
    batched = beam_search(step, start, state, cfg, EOS, batch_dim=dims, record_top=3)
    for b in range(B):
        one = torch.tensor([b])
        single_state = index_state(state, one, batch_dim=dims)
        alone = beam_search(step, start[one], single_state, cfg, EOS, batch_dim=dims)[0]
        assert [x.tokens for x in batched[b]] == [x.tokens for x in alone]
        for hyp in batched[b]:
            tf = model.teacher_forced(
                int(start[b]), hyp.tokens, ((h[:, b : b + 1], c[:, b : b + 1]), mem[b : b + 1])
            )
            assert hyp.token_logprobs == pytest.approx(tf, abs=1e-4)
            assert hyp.aux.shape == (len(hyp.tokens), model.src_len)
            assert hyp.top_ids.shape == (len(hyp.tokens), 3)
            for pos, tok in enumerate(hyp.tokens):  # recorded candidates belong to this hypothesis's steps
                hit = (hyp.top_ids[pos] == tok).nonzero().flatten()
                if len(hit):
                    assert math.log(float(hyp.top_probs[pos, hit[0]])) == pytest.approx(tf[pos], abs=1e-4)


def test_aux_follows_back_pointers():
    """aux = (input token, step index): the i-th aux of a hypothesis must be the token it consumed at
    step i, i.e. start then its own tokens shifted by one, even when beams swap places."""
    table = random_chain(5, 6, peaked=1.0)
    base = markov_step(table)
    counter = {"t": 0}

    def step(tokens, state):
        logits, state = base(tokens, state)
        aux = torch.stack([tokens.float(), torch.full_like(tokens, counter["t"]).float()], dim=-1)
        counter["t"] += 1
        return logits, state, aux

    cfg = DecodeConfig("beam", beam_width=4, n_best=4, max_len=6)
    out = beam_search(step, torch.tensor([1, 4]), None, cfg, EOS)
    for s0, hyps in zip([1, 4], out):
        for hyp in hyps:
            consumed = [s0, *hyp.tokens[:-1]]
            assert hyp.aux[:, 0].long().tolist() == consumed
            assert hyp.aux[:, 1].long().tolist() == list(range(len(hyp.tokens)))
    res = generate(step, torch.tensor([1, 4]), None, cfg, eos_id=EOS)
    assert res.aux.shape[:2] == res.tokens.shape and res.hypotheses is not None
