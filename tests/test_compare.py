"""engine.lm.compare (n-gram vs char-LSTM, character by character), NGramLM.derive, and the shipped n-gram files."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.data.text import CharVocab
from engine.lm import compare
from engine.lm.model import CharLM, CharLMConfig
from engine.ngram import NGramLM
from engine.ngram import pretrained as shipped
from tests.conftest import make_text

SMOOTHINGS = ["laplace", "add_k", "witten_bell", "absolute_discounting", "kneser_ney", "modified_kneser_ney",
              "stupid_backoff", "mle"]


@pytest.fixture(scope="module")
def text() -> str:
    return make_text(4000, seed=3)


@pytest.fixture(scope="module")
def lm(text) -> NGramLM:
    return NGramLM.fit_text(text, 4, "modified_kneser_ney")


@pytest.fixture(scope="module")
def charlm(text) -> CharLM:
    torch.manual_seed(0)
    vocab = CharVocab.from_text(text)
    return CharLM(CharLMConfig(vocab_size=len(vocab), n_layer=1, n_hidden=16, n_embd=8, dropout=0.1), vocab).eval()


# ---------------------------------------------------------------------------------------------- derive
@pytest.mark.parametrize("boundary", ["text", "line"])
@pytest.mark.parametrize("smoothing", SMOOTHINGS)
def test_derive_is_exactly_a_fresh_fit(text, boundary, smoothing):
    big = NGramLM.fit_text(text, 6, "kneser_ney", boundary=boundary)
    probe = "ANNA:\nthe king is dead 🐈 long live\n\nBORIS"
    for n in range(1, 7):
        ref = NGramLM.fit_text(text, n, smoothing, boundary=boundary)
        got = big.derive(n, smoothing)
        for k in range(1, n + 1):
            assert np.array_equal(ref._counts.keys[k], got._counts.keys[k]), (n, k)
            assert np.array_equal(ref._counts.counts[k], got._counts.counts[k]), (n, k)
            if k < n:
                assert np.array_equal(ref._counts.continuation[k], got._counts.continuation[k]), (n, k)
        assert np.array_equal(ref.score_sequence(probe), got.score_sequence(probe))
        assert got.vocab == ref.vocab and got.num_ngrams(n) == ref.num_ngrams(n)


def test_derive_keeps_or_changes_parameters(lm):
    same = lm.derive()
    assert same.order == lm.order and same.smoothing == lm.smoothing
    assert np.array_equal(same.score_sequence("the king"), lm.score_sequence("the king"))
    add = lm.derive(2, "add_k", k=0.5)
    assert add.k == 0.5 and add.order == 2
    with pytest.raises(ValueError):
        lm.derive(lm.order + 1)
    with pytest.raises(ValueError):
        lm.derive(2, min_count=2)
    with pytest.raises(ValueError):
        lm.derive(2, "witten_bell", k=1.0)


def test_derive_refuses_models_with_empty_sequences():
    big = NGramLM(3, "kneser_ney").fit(["ab", "", "ba"])
    with pytest.raises(ValueError, match="empty sequences"):
        big.derive(2)


# ---------------------------------------------------------------------------------------------- char-LSTM
def test_charlm_surprisal_is_minus_log2_softmax_of_one_forward_pass(charlm, text):
    sample = "ANNA:\nthe queen is dead.\n"
    bits = compare.charlm_surprisal(charlm, sample)
    assert bits.shape == (len(sample),)
    ids = charlm.vocab.encode(sample)
    nl = charlm.vocab.encode("\n")[0]
    with torch.no_grad():
        logits, _, _ = charlm(torch.tensor([[nl] + ids[:-1]]))
    p = torch.softmax(logits[0].double(), -1)
    expected = -torch.log2(p[torch.arange(len(ids)), torch.tensor(ids)]).numpy()
    np.testing.assert_allclose(bits, expected, rtol=1e-6, atol=1e-6)
    # the same numbers as stepping the recurrence one character at a time from CharLM.prime("")
    token, hidden, _ = charlm.prime("")
    stepped = []
    for i in ids:
        out, hidden = charlm.step(token, hidden)
        stepped.append(-math.log2(float(torch.softmax(out[0].double(), -1)[i])))
        token = torch.tensor([i])
    np.testing.assert_allclose(bits, stepped, rtol=1e-5, atol=1e-5)


def test_charlm_scores_context_top_k_and_mode(charlm):
    charlm.train()
    sc = compare.charlm_scores(charlm, "king", context="\nthe ", top_k=4)
    assert charlm.training, "the caller's train/eval mode is restored"
    charlm.eval()
    full = compare.charlm_scores(charlm, "the king", top_k=4)
    np.testing.assert_allclose(sc.bits, full.bits[4:], rtol=1e-6, atol=1e-6)
    assert sc.top_probs.shape == (4, 4) and len(sc.top_chars) == 4
    assert np.all(np.diff(sc.top_probs, axis=1) <= 1e-12), "best first"
    np.testing.assert_allclose(sc.prob, 2.0 ** -sc.bits)
    empty = compare.charlm_scores(charlm, "")
    assert empty.bits.shape == (0,)


def test_unknown_characters_are_flagged_and_finite(lm, charlm):
    sample = "the 🐈 king 王 and ☃\u200d"
    cmp = compare.compare_text(lm, charlm, sample)
    unknown = [ch for ch, u in zip(sample, cmp.unknown) if u]
    assert unknown == ["🐈", "王", "☃", "\u200d"]
    assert np.array_equal(cmp.ngram.unknown, cmp.lstm.unknown)
    assert np.all(np.isfinite(cmp.ngram.bits)) and np.all(np.isfinite(cmp.lstm.bits))
    assert cmp.ngram_totals.n_unknown == 4 and cmp.ngram_totals.n_scored == len(sample) - 4
    assert cmp.ngram_totals.bits_per_char == pytest.approx(cmp.ngram.bits[~cmp.unknown].mean())
    assert compare.display_char("\u200d") == "\ufffd" and compare.display_char("\n") == "⏎"
    assert compare.display_char(" ") == "␣" and compare.display_char("🐈") == "🐈"


# ---------------------------------------------------------------------------------------------- n-gram side
def test_ngram_scores_match_prob_with_the_line_start_context(lm):
    sample = "BORIS:\nso we go.\n"
    sc = compare.ngram_scores(lm, sample, top_k=3)
    full = "\n" + sample
    for t, ch in enumerate(sample):
        ctx = full[: t + 1]
        p = lm.prob(ch, ctx)
        assert sc.prob[t] == pytest.approx(p, rel=1e-12)
        best = lm.top_k(ctx, 3)
        assert [c for c, _ in best] == sc.top_chars[t]
        np.testing.assert_allclose([q for _, q in best], sc.top_probs[t])
    assert sc.is_distribution
    assert not compare.ngram_scores(lm.derive(3, "stupid_backoff"), "so", top_k=1).is_distribution


@pytest.mark.parametrize("smoothing", SMOOTHINGS)
def test_next_distributions_match_distribution(text, smoothing):
    for uniform_base in (True, False):
        m = NGramLM.fit_text(text, 4, smoothing, uniform_base=uniform_base)
        sample = "\nBORIS:\nso 🐈 we go.\n"
        ids = m.encode(sample)
        d = m.next_distributions(sample, np.arange(len(ids) + 1))
        assert d.shape == (len(sample) + 1, m.vocab_size)
        for p in range(len(sample) + 1):
            np.testing.assert_allclose(d[p], m.distribution(sample[max(0, p - 3) : p]), rtol=1e-12, atol=1e-300)
        with np.errstate(divide="ignore"):
            np.testing.assert_allclose(np.log2(d[np.arange(len(ids)), ids]), m.score_sequence(sample, bos=False),
                                       rtol=1e-12)


def test_compare_text_alignment_and_totals(lm, charlm, text):
    sample = text[:300]
    cmp = compare.compare_text(lm, charlm, sample, top_k=2)
    T = len(sample)
    for arr in (cmp.ngram.bits, cmp.ngram.prob, cmp.lstm.bits, cmp.lstm.prob, cmp.diff, cmp.unknown):
        assert arr.shape == (T,)
    assert len(cmp.roles) == T and len(cmp.ngram.top_chars) == T and cmp.lstm.top_probs.shape == (T, 2)
    np.testing.assert_allclose(cmp.diff, cmp.ngram.bits - cmp.lstm.bits)
    tot = cmp.lstm_totals
    assert tot.bits_per_char == pytest.approx(cmp.lstm.bits.mean()) and tot.n_unknown == 0
    assert tot.perplexity == pytest.approx(2.0**tot.bits_per_char)
    # the trained n-gram beats the untrained LSTM on its own training text
    assert cmp.ngram_totals.bits_per_char < tot.bits_per_char
    alone = compare.compare_text(lm, None, sample)
    assert alone.lstm is None and alone.diff is None and alone.lstm_totals is None
    hl = compare.highlights(cmp, k=3)
    assert len(hl["ngram"]) == 3 and all(h["gain"] > 0 for h in hl["ngram"])
    rows = compare.advantage_by_role(cmp)
    assert sum(r["count"] for r in rows) == T


def test_cap_text():
    long = "a" * (compare.MAX_CHARS + 10)
    capped, cut = compare.cap_text(long)
    assert cut and len(capped) == compare.MAX_CHARS
    assert compare.cap_text("short") == ("short", False)


def test_char_roles():
    sample = "ROMEO:\nBut (soft) what \"light\"?\n"
    roles = compare.char_roles(sample)
    assert roles[:6] == ["speaker"] * 6 and roles[6] == "newline"
    assert roles[7] == "line_start"
    assert roles[sample.index(")")] == "closing"
    assert roles[sample.index("(")] == "punctuation"
    second_quote = sample.rindex('"')
    assert roles[second_quote] == "closing" and roles[sample.index('"')] == "punctuation"
    assert roles[sample.index("w")] == "word_start" and roles[sample.index("h")] == "word_inside"
    assert roles[-1] == "newline"


def test_strip_layout_breaks_after_newlines_and_width():
    row, col, n = compare.strip_layout("ab\ncdefg\n\nh", width=3)
    assert n == 5
    assert list(row) == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 4]
    assert list(col) == [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 0]
    assert compare.strip_layout("", 5)[2] == 0


def test_passages_start_after_a_blank_line(text):
    ps = compare.passages(text, n=5, length=200)
    assert 1 <= len(ps) <= 5
    for p in ps:
        assert p.endswith("\n") and 0 < len(p) <= 200
        i = text.index(p)
        assert i == 0 or text[i - 2 : i] == "\n\n"


# ---------------------------------------------------------------------------------------------- validation
def test_charlm_val_bits_follow_the_model_card_protocol(charlm, text):
    from engine.data.text import encode_split, eval_chunks
    from engine.train.trainer import evaluate

    charlm.meta = {"data": {"val_fraction": 0.1, "eval_batch_size": 4, "eval_seq_len": 32}}
    got = compare.charlm_val_bits(charlm, text)
    _, val_ids = encode_split(text, charlm.vocab, 0.1)
    assert got == pytest.approx(evaluate(charlm, eval_chunks(val_ids, 4, 32), amp=False) / math.log(2))
    assert compare.recorded_val_bits(charlm) is None
    charlm.meta["best_val_loss"] = math.log(2) * 1.5
    assert compare.recorded_val_bits(charlm) == pytest.approx(1.5)
    charlm.meta["metrics"] = {"val_bits_per_char": 1.25}
    assert compare.recorded_val_bits(charlm) == 1.25
    del charlm.meta


def test_ngram_val_bits_is_cross_entropy(lm, text):
    assert compare.ngram_val_bits(lm, text[-500:]) == pytest.approx(lm.cross_entropy(text[-500:]))


# ---------------------------------------------------------------------------------------------- build + shipped
def test_coverage_counts_distinct_substrings(text):
    m = NGramLM.fit_text(text, 5, "kneser_ney")
    cov = shipped.coverage(m)
    V = len(set(text))
    for row in cov:
        n = row["n"]
        assert row["seen"] == len({text[i : i + n] for i in range(len(text) - n + 1)})
        assert row["possible"] == float(V) ** n


def test_build_writes_model_metrics_and_card(tmp_path, text):
    from engine.data.text import split_train_val

    train, val = split_train_val(text)
    m = shipped.build(train, val, tmp_path / "out", order=3, sweep_orders=4, presets=["laplace", "kneser_ney"],
                      command="python -m engine train ngram --dry-run", corpus={"corpus": "toy"}, log=lambda s: None)
    out = tmp_path / "out"
    assert {p.name for p in out.iterdir()} == {"model.npz", "metrics.json", "card.md"}
    assert json.loads((out / "metrics.json").read_text()) == m
    assert [r["order"] for r in m["sweep"]["kneser_ney"]] == [1, 2, 3, 4]
    assert "python -m engine train ngram --dry-run" in (out / "card.md").read_text()
    lm = shipped.load_shipped(out)
    assert lm.order == 3 and lm.smoothing == "modified_kneser_ney"
    kn3 = m["sweep"]["kneser_ney"][2]["val_bits_per_char"]
    assert shipped.make_model("kneser_ney", 3, base=lm).cross_entropy(val) == pytest.approx(kn3, abs=1e-4)
    with pytest.raises(ValueError, match="training text"):
        shipped.make_model("kneser_ney", 4, base=lm)
    assert shipped.make_model("laplace", 4, base=lm, text=train).order == 4
    assert shipped.load_shipped(tmp_path / "nothing") is None and shipped.load_metrics(tmp_path) is None


SHIPPED = shipped.SHIPPED_DIR / shipped.MODEL_FILE


@pytest.mark.skipif(not SHIPPED.is_file(), reason="pretrained/ngram-shakespeare is not built")
def test_shipped_ngram_round_trip_and_card(tmp_path):
    lm = NGramLM.load(SHIPPED)
    assert lm.order == shipped.SHIPPED_ORDER and lm.tokenization == "char" and lm.boundary == "text"
    assert SHIPPED.stat().st_size < 5_000_000, "the shipped file stays small"
    again = NGramLM.load(lm.save(tmp_path / "copy.npz"))
    probe = "ROMEO:\nBut soft, what light through yonder window breaks? 🐈\n"
    assert np.array_equal(lm.score_sequence(probe), again.score_sequence(probe))
    metrics = shipped.load_metrics()
    assert metrics is not None and set(metrics["sweep"]) == set(shipped.PRESETS)
    assert all(len(rows) == 10 for rows in metrics["sweep"].values())
    assert metrics["model"]["file_bytes"] == SHIPPED.stat().st_size
    card = (shipped.SHIPPED_DIR / shipped.CARD_FILE).read_text()
    assert metrics["command"] in card and "MIT" in card


def _corpus_text() -> str | None:
    from engine.data import CorpusNotFoundError, load_text

    if not os.environ.get("RNN_DATA_DIR"):
        return None
    try:
        return load_text("tinyshakespeare", download=False)
    except CorpusNotFoundError:
        return None


@pytest.mark.data
@pytest.mark.skipif(not SHIPPED.is_file(), reason="pretrained/ngram-shakespeare is not built")
def test_shipped_numbers_reproduce_from_the_shipped_counts():
    text = _corpus_text()
    if text is None:
        pytest.skip("Tiny Shakespeare not in $RNN_DATA_DIR")
    from engine.data import split_train_val

    train, val = split_train_val(text)
    metrics = shipped.load_metrics()
    assert metrics["data"]["train_chars"] == len(train)
    base = NGramLM.load(SHIPPED)
    for preset in ("witten_bell", "modified_kneser_ney"):
        row = metrics["sweep"][preset][4]  # order 5
        derived = shipped.make_model(preset, 5, base=base)
        assert derived.cross_entropy(val) == pytest.approx(row["val_bits_per_char"], abs=1e-4)


def test_checkpoint_kind(tmp_path, charlm):
    from engine.train.checkpoint import save_checkpoint

    save_checkpoint(tmp_path / "ck", charlm)
    assert compare.checkpoint_kind(tmp_path / "ck") == "charlm"
    assert compare.checkpoint_kind(tmp_path / "missing") is None
    assert compare.checkpoint_kind(Path("/")) is None


def test_strip_figure_keeps_markup_literal(lm, charlm):
    """Plotly renders text as HTML: typed "<b>" or an alternative "</s>" must show as themselves, not as tags."""
    from dashboard.components.charts_ngram import strip_figure

    fig = strip_figure(compare.compare_text(lm, charlm, "a <b>bold</b> & x"))
    shown = [t for tr in fig.data if tr.type == "scatter" and tr.text is not None for t in tr.text]
    assert "&lt;" in shown and "&amp;" in shown and "<" not in shown
    hovers = [h for row in fig.data[0].hovertext for h in row if h]
    assert not any("</s>" in h or "<b>" in h for h in hovers)
