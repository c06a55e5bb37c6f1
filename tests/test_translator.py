"""The translator: data (normalisation, grouped split, subwords), attention, decoding, learning, I/O, bad inputs."""

import json
import random
import zipfile

import pytest
import torch

from engine.cli.translator import DRY_RUN_PAIRS
from engine.data.corpora import DataError
from engine.data.parallel import (
    EOS_ID,
    BucketedBatches,
    SubwordTokenizer,
    group_references,
    grouped_split,
    make_batch,
    normalize_text,
    split_of,
)
from engine.nn.attention import Attention
from engine.seq2seq.evaluate import bucket_of, score_corpus
from engine.seq2seq.model import Translator, TranslatorConfig, TranslatorError
from engine.seq2seq.text import Translation, TranslationInputError
from engine.train.checkpoint import CheckpointError, archive_checkpoint, load_pretrained, save_checkpoint


@pytest.fixture(scope="module")
def tokenizer() -> SubwordTokenizer:
    rng = random.Random(0)
    extra = [f"I have {rng.randint(0, 999)} apples and {rng.randint(0, 99)} pears." for _ in range(40)]
    texts = [s for pair in DRY_RUN_PAIRS for s in pair] + extra
    return SubwordTokenizer.train(texts, vocab_size=400)


def tiny_model(tokenizer=None, vocab_size=None, **kw) -> Translator:
    torch.manual_seed(0)
    cfg = dict(n_embd=16, enc_hidden=8, enc_layers=1, dec_hidden=16, attn_dim=8, dropout=0.0)
    cfg.update(kw)
    return Translator(TranslatorConfig(vocab_size=vocab_size or len(tokenizer), **cfg), tokenizer).eval()


# ----------------------------------------------------------------------------- data
def test_normalisation_of_french_spaces_nfc_and_apostrophes():
    assert normalize_text("Cours\u202f!") == "Cours !"
    assert normalize_text("Quoi\u00a0?  Vraiment\u2009: oui") == "Quoi ? Vraiment : oui"
    assert normalize_text("e\u0301te\u0301") == "été"  # NFC: composed accents
    assert normalize_text("J\u2019ai\u200b faim.\n") == "J'ai faim."
    assert normalize_text(" \u00a0\u202f ") == ""


def test_grouped_split_keeps_every_english_sentence_on_one_side_and_is_deterministic():
    rng = random.Random(1)
    english = [f"Sentence number {i}." for i in range(400)]
    pairs = [(e, f"Traduction {j} de {e}") for e in english for j in range(rng.randint(1, 3))]
    pairs += [(e.upper(), "EN MAJUSCULES") for e in english[:50]]  # case variants are the same sentence
    splits = grouped_split(pairs, 0.1, 0.1)
    sides = {}
    for name in ("train", "val", "test"):
        for en, _ in splits[name]:
            sides.setdefault(en.casefold(), set()).add(name)
    assert all(len(s) == 1 for s in sides.values())
    assert min(splits.sizes().values()) > 0 and sum(splits.sizes().values()) == len(pairs)
    shuffled = pairs[:]
    random.Random(2).shuffle(shuffled)
    again = grouped_split(shuffled, 0.1, 0.1)
    assert sorted(again.test) == sorted(splits.test) and sorted(again.val) == sorted(splits.val)
    assert split_of("Run!") == split_of("run!") == split_of("Run!")
    sources, refs = group_references(splits.test)
    assert len(sources) == len(set(sources)) and all(refs)
    assert sum(len(r) for r in refs) == len(set(splits.test))


def test_tokenizer_round_trip_and_save_load(tokenizer, tmp_path):
    for text in ["I see the cat.", "They want 1234 apples!", "Zoë eats 🍕 at 12:30 ?"]:
        ids = tokenizer.encode(text)
        assert tokenizer.decode(ids) == text  # byte fallback: even unseen characters round-trip
    assert tokenizer.pieces("1234")[-4:] == ["1", "2", "3", "4"]  # digits are split
    assert tokenizer.unseen_chars("I see 🍕 the cat") == ["🍕"]
    path = tokenizer.save(tmp_path / "spm.model")
    again = SubwordTokenizer.load(path)
    assert again.encode("We eat the bread.") == tokenizer.encode("We eat the bread.") and len(again) == len(tokenizer)


def test_bucketed_batches_are_a_function_of_the_step():
    src = [[4 + i % 7] * (1 + i % 9) for i in range(100)]
    tgt = [[5] * (1 + i % 5) for i in range(100)]
    a, b = BucketedBatches(src, tgt, 8, seed=3), BucketedBatches(src, tgt, 8, seed=3)
    assert all(torch.equal(a(s).targets, b(s).targets) for s in (0, 7, 13, 40, 5))
    seen = sorted(int(i) for s in range(a.batches_per_epoch) for i in a.indices(s))
    assert seen == list(range(100))  # one epoch covers every pair once
    batch = a(0)
    src_ids, src_len, tgt_in = batch.inputs
    assert (src_ids.gather(1, (src_len - 1)[:, None]) == EOS_ID).all()  # sources end with </s>
    real = tgt_in[:, 1:] != 0  # teacher forcing: the input at t+1 is the target at t
    assert torch.equal(tgt_in[:, 1:][real], batch.targets[:, :-1][real])


# ----------------------------------------------------------------------------- attention and decoding
@pytest.mark.parametrize("score", ["dot", "general", "additive"])
def test_attention_weights_sum_to_one_and_ignore_padding(score):
    torch.manual_seed(0)
    m = tiny_model(vocab_size=20, attention=score, enc_hidden=8, dec_hidden=16)
    batch = make_batch([[5, 6, 7, 8], [9, 10], [11]], [[12, 13], [14], [15, 16, 17]])
    src, src_len, tgt_in = batch.inputs
    alpha = m.attention_weights(src, src_len, tgt_in)  # (B, T, S)
    assert alpha.shape == (3, tgt_in.size(1), src.size(1))
    assert torch.allclose(alpha.sum(-1), torch.ones(3, tgt_in.size(1)), atol=1e-5)
    pad = torch.arange(src.size(1))[None, :] >= src_len[:, None]  # (B, S)
    assert (alpha.masked_select(pad[:, None, :].expand_as(alpha)) == 0).all()
    # the module alone, K queries per sentence (beam search layout)
    att = Attention(score, 16, 16, 8)
    mem = torch.randn(2, 5, 16)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    ctx, a, beta = att(torch.randn(2, 3, 16), att.keys(mem), mem, mask)
    assert beta is None  # no gate: the context is the weighted average itself
    assert ctx.shape == (2, 3, 16) and torch.allclose(a.sum(-1), torch.ones(2, 3)) and (a[0, :, 3:] == 0).all()


@pytest.mark.parametrize("attention", ["none", "general", "additive"])
def test_beam_width_one_equals_greedy(attention):
    m = tiny_model(vocab_size=30, attention=attention)
    sources = [[5, 6, 7, 8, 9], [10, 11], [12, 13, 14]]
    greedy = m.translate_ids(sources, "greedy", max_len=12)
    beam = m.translate_ids(sources, "beam", beam_width=1, length_penalty=0.0, max_len=12)
    for g, b in zip(greedy, beam):
        assert g[0].tokens == b[0].tokens and g[0].finished == b[0].finished
        assert g[0].logprob == pytest.approx(b[0].logprob, abs=1e-4)
        if attention != "none":
            assert torch.allclose(g[0].aux, b[0].aux, atol=1e-5)
    # decoding's fast path (transposed weight copies) computes the same step as the training modules
    state = m.encode(*make_batch(sources, [[5]] * 3).inputs[:2])
    y = torch.tensor([2, 7, 9])
    slow, _, a_slow = m.decoder_step(y, state)
    fast_w = m.inference_weights()
    fast, _, a_fast = m.decoder_step(y, state, fast=fast_w)
    assert torch.allclose(m.project(slow), m.project(fast, fast_w), atol=1e-5)
    wide = m.translate_ids(sources, "beam", beam_width=4, n_best=3, max_len=12)
    for row, src in zip(wide, sources):
        assert len(row) == 3 and row[0].score >= row[1].score >= row[2].score
        if attention != "none":
            assert row[0].aux.shape == (len(row[0].tokens), len(src) + 1)
            assert torch.allclose(row[0].aux.sum(-1), torch.ones(len(row[0].tokens)), atol=1e-5)


def test_learns_to_reverse_digits_in_a_few_seconds():
    """Digits 0-9 are ids 4..13; the target is the source reversed: attention learns the anti-diagonal."""

    def digits(seed: int, n: int) -> list[list[int]]:
        g = torch.Generator().manual_seed(seed)
        return [torch.randint(4, 14, (int(L),), generator=g).tolist() for L in torch.randint(3, 7, (n,), generator=g)]

    m = tiny_model(vocab_size=14, n_embd=32, enc_hidden=32, dec_hidden=64, attn_dim=32, label_smoothing=0.0).train()
    opt = torch.optim.Adam(m.parameters(), lr=8e-3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: one thread is fastest
    try:
        for step in range(150):
            src = digits(step, 32)
            batch = make_batch(src, [s[::-1] for s in src])
            _, loss, _ = m(batch.inputs, batch.targets)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
            opt.step()
    finally:
        torch.set_num_threads(threads)
    test = digits(10**6, 200)
    hyps = m.translate_ids(test, "greedy")
    accuracy = sum(h[0].tokens == s[::-1] + [EOS_ID] for h, s in zip(hyps, test)) / len(test)
    assert accuracy >= 0.9, accuracy
    att = hyps[0][0].aux  # (T, S): output position t looks at source position len-1-t
    n = len(test[0])
    assert (att[:n].argmax(-1) == torch.arange(n - 1, -1, -1)).float().mean() >= 0.8


# ----------------------------------------------------------------------------- text in, text out
def test_translate_results_and_bad_inputs(tokenizer):
    m = tiny_model(tokenizer)
    inputs = ["I see the cat.", "", "   ", "🍕🍕", "I love 🍕 and 42 apples.", "WE WANT THE BREAD NOW",
              "We eat. " * 200, "x" * 20000]
    out = m.translate(inputs, method="beam", beam_width=3, n_best=2)
    assert len(out) == len(inputs) and all(isinstance(t, Translation) and isinstance(t.text, str) for t in out)
    first = out[0]
    assert first.source_pieces[-1] == "</s>" and len(first.n_best) == 2 and first.n_best[0].text == first.text
    assert first.attention.shape == (len(first.pieces), len(first.source_pieces))
    assert out[1].text == "" and "empty" in out[1].notes[0] and out[2].text == ""
    assert out[3].text == "" and any("never seen" in n for n in out[3].notes)
    assert any("🍕" in n for n in out[4].notes)
    assert any("capitals" in n for n in out[5].notes) and out[5].text == out[5].text.upper()
    long = out[6]
    assert len(long.segments) == 20 and long.attention is None and any("first 20" in n for n in long.notes)
    assert any("longer than" in n for n in out[7].notes)
    greedy = m.translate("We see a book.", method="greedy")[0]
    assert len(greedy.n_best) == 1 and greedy.pieces
    from_iterator = m.translate(iter(["We see a book.", "I eat."]), batch_size=0)  # any iterable; batch >= 1
    assert len(from_iterator) == 2 and all(isinstance(t.text, str) for t in from_iterator)
    with pytest.raises(TranslationInputError):
        m.translate(["fine", 42])
    with pytest.raises(TranslationInputError):
        m.translate(None)
    with pytest.raises(TranslationInputError):
        m.translate("hello", beam_width=2, n_best=3)
    with pytest.raises(TranslatorError):
        tiny_model(vocab_size=len(tokenizer)).translate("no tokenizer attached")


@pytest.mark.parametrize("text", ["hello \ud800 world", "\udfff", "I see the cat.\udc80"])
def test_lone_surrogates_are_a_typed_error(tokenizer, text):
    """A lone surrogate (a str no UTF-8 can encode) reached sentencepiece, which raised TypeError."""
    m = tiny_model(tokenizer)
    with pytest.raises(TranslationInputError, match="not valid Unicode text: a lone surrogate U\\+D[89A-F]"):
        m.translate(text)
    with pytest.raises(TranslationInputError, match="input 1 is not valid Unicode"):
        m.translate(["I see the cat.", text], method="greedy")


def test_checkpoint_round_trip_with_tokenizer(tokenizer, tmp_path):
    m = tiny_model(tokenizer, attention="additive")
    path = save_checkpoint(tmp_path / "tr", m, meta={"note": "x"}, extra_files={"card.md": b"# card"},
                           dtype=torch.float16)
    cfg = json.loads((path / "config.json").read_text())
    assert cfg["kind"] == "translator" and cfg["files"] == ["card.md", "spm.model"]
    assert "checkpoint_dir" not in cfg["meta"]
    loaded = load_pretrained(path)
    assert loaded.tokenizer is not None and loaded.tokenizer.model_proto == tokenizer.model_proto
    assert loaded.config == m.config and (path / "card.md").read_bytes() == b"# card"
    a, b = m.half().float().translate("I see a house.")[0], loaded.translate("I see a house.")[0]
    assert a.text == b.text and torch.allclose(a.attention, b.attention, atol=1e-4)
    again = save_checkpoint(tmp_path / "again", loaded)  # re-saving a loaded model keeps its tokenizer
    assert (again / "spm.model").read_bytes() == tokenizer.model_proto
    names = zipfile.ZipFile(__import__("io").BytesIO(archive_checkpoint(path, "tr"))).namelist()
    assert sorted(names) == ["tr/card.md", "tr/config.json", "tr/model.safetensors", "tr/spm.model"]
    with pytest.raises(CheckpointError):
        save_checkpoint(tmp_path / "bad", m, extra_files={"config.json": b"{}"})
    (path / "spm.model").write_bytes(tokenizer.model_proto[:100])  # a truncated copy: a typed error, not RuntimeError
    with pytest.raises(DataError, match="not a sentencepiece model"):
        load_pretrained(path)


def test_sacrebleu_scores_multi_reference_and_by_bucket():
    sources = ["one two", "one two three four five six", "a " * 12, "b " * 20]
    refs = [["un deux", "une deux"], ["un deux trois quatre cinq six"], ["x y z w"], ["p q r s t"]]
    perfect = score_corpus(["une deux", "un deux trois quatre cinq six", "x y z w", "p q r s t"], refs, sources)
    assert perfect.bleu == 100.0 and perfect.chrf == 100.0 and perfect.max_references == 2
    assert "nrefs" in perfect.bleu_signature and "chrF" in perfect.format()
    assert [b.sentences for b in perfect.buckets] == [1, 1, 1, 1]
    assert bucket_of("a b c d e") == "1-5" and bucket_of("w " * 16) == "16+"
    worse = score_corpus(["deux", "six", "x", "q"], refs, sources)
    assert worse.bleu < 50 and worse.chrf < perfect.chrf


@pytest.mark.data
def test_real_tatoeba_is_normalised_and_split_without_leakage():
    from engine.data.corpora import CORPORA, resolve_data_dir
    from engine.data.parallel import load_pairs

    root = resolve_data_dir()
    if root is None or not (root / CORPORA["tatoeba-fra-eng"].relpath).is_file():
        pytest.skip("Tatoeba English-French not in $RNN_DATA_DIR")
    pairs = load_pairs("tatoeba-fra-eng", root)
    assert len(pairs) == 142_787
    assert not any("\u202f" in fr or "\u00a0" in fr for _, fr in pairs)
    splits = grouped_split(pairs)
    train_en = {en.casefold() for en, _ in splits.train}
    assert not any(en.casefold() in train_en for en, _ in splits.test + splits.val)
    assert 0.04 < len(splits.test) / len(pairs) < 0.06 and 0.04 < len(splits.val) / len(pairs) < 0.06
