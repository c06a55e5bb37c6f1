"""The many-to-one sentiment classifier: data loaders and their errors, the model (one-hot = dense product),
overfitting a generated dataset, the running prediction, occlusion and saliency on a constructed model whose
answer is known, trajectories, the bag-of-words baseline and the representation comparison, the CLI."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from engine.data.corpora import CorpusNotFoundError
from engine.data.parallel import SubwordTokenizer
from engine.sentiment.baseline import BagOfWords
from engine.sentiment.batches import ClassBatches, pad_ids
from engine.sentiment.compare import ROWS, compare_representations
from engine.sentiment.data import (
    SentimentDataError,
    SentimentSplits,
    load_nsmc,
    load_rt_polarity,
    load_splits,
    load_sst2,
    prepare_text,
)
from engine.sentiment.explain import explain, occlusion_scores, running_probs, saliency_scores, trajectories
from engine.sentiment.model import MAX_PIECES, SentimentClassifier, SentimentConfig, SentimentInputError
from engine.sentiment.recipe import SentimentData, accuracy, encode_texts, sentiment_trainer
from engine.train.checkpoint import load_model, save_checkpoint
from engine.train.trainer import TrainConfig

ROOT = Path(__file__).resolve().parents[1]
torch.set_num_threads(1)

GOOD = ["great", "wonderful", "moving", "superb", "loved"]
BAD = ["dull", "awful", "boring", "clumsy", "hated"]
FILL = ["the", "film", "was", "really", "plot", "acting", "and", "a", "story"]


def generated(n: int = 200, seed: int = 0) -> list[tuple[str, int]]:
    """Texts of filler words with one sentiment word somewhere: its class is the label."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        label = i % 2
        words = [rng.choice(FILL) for _ in range(rng.randint(2, 7))]
        words.insert(rng.randint(0, len(words)), rng.choice(GOOD if label else BAD))
        out.append((" ".join(words), label))
    return out


@pytest.fixture(scope="module")
def tokenizer() -> SubwordTokenizer:
    texts = [t for t, _ in generated(400)]
    return SubwordTokenizer.train(texts, vocab_size=300, num_threads=1)


# ------------------------------------------------------------------------------------------------ data
def _write_data(root: Path) -> None:
    s = root / "sentiment"
    (s / "sst2").mkdir(parents=True)
    for split in ("train", "dev", "test"):
        (s / "sst2" / f"{split}.tsv").write_text("label\tsentence\n1\tA fine film .\n0\tIt isn't good .\n")
    (s / "rt-polarity").mkdir()
    (s / "rt-polarity" / "rt-polarity.pos").write_text("lovely . \n")
    (s / "rt-polarity" / "rt-polarity.neg").write_bytes("bad caf\xe9 . \n".encode("latin-1"))  # original encoding
    (s / "nsmc").mkdir()
    rows = "".join(f"{i}\t{'좋다' if i % 2 else '별로'} {i}\t{i % 2}\n" for i in range(40))
    for name in ("nsmc_train_part1.tsv", "nsmc_train_part2.tsv", "nsmc_test.tsv"):
        (s / "nsmc" / name).write_text("id\tdocument\tlabel\n" + rows + "99\t\t1\n")  # an empty review: skipped


def test_loaders_read_the_files_and_split_nsmc(tmp_path: Path) -> None:
    _write_data(tmp_path)
    assert load_sst2("dev", tmp_path) == [("a fine film .", 1), ("it is n't good .", 0)]
    assert load_rt_polarity(tmp_path) == [("bad café .", 0), ("lovely .", 1)]
    assert len(load_nsmc("train", tmp_path)) == 80 and load_nsmc("test", tmp_path)[1] == ("좋다 1", 1)
    ko = load_splits("ko", tmp_path)
    assert ko.sizes() == {"train": 76, "val": 4, "test": 40}
    assert not set(ko.val) & set(ko.train) or len(set(ko.train)) < len(ko.train)  # the slice is left out


def test_loaders_name_the_missing_file_and_bad_rows(tmp_path: Path) -> None:
    with pytest.raises(CorpusNotFoundError, match=r"sst2/train.tsv not found: put it at .*sentiment/sst2"):
        load_sst2("train", tmp_path)
    _write_data(tmp_path)
    (tmp_path / "sentiment" / "sst2" / "dev.tsv").write_text("label\tsentence\n2\tthree classes ?\n")
    with pytest.raises(SentimentDataError, match="label must be 0 or 1"):
        load_sst2("dev", tmp_path)
    with pytest.raises(SentimentDataError, match="unknown language"):
        load_splits("fr", tmp_path)


def test_prepare_text_matches_the_corpora_style() -> None:
    assert prepare_text("I didn't LIKE it—at all!", "en") == "i did n't like it—at all !"
    assert prepare_text("  재밌\u200b다  ㅋㅋ ", "ko") == "재밌다 ㅋㅋ"


# ----------------------------------------------------------------------------------------------- model
def test_one_hot_inputs_equal_the_dense_product() -> None:
    """U x(t) for one-hot x(t), looked up as a column, gives the states of an LSTM fed the V-long vectors."""
    torch.manual_seed(0)
    V, H = 12, 3
    m = SentimentClassifier(SentimentConfig(vocab_size=V, inputs="one-hot", n_hidden=H, bidirectional=True,
                                            dropout=0.0)).eval()
    ref = torch.nn.LSTM(V, H, batch_first=True, bidirectional=True)
    with torch.no_grad():
        for name, p in ref.named_parameters():
            if not name.startswith("weight_ih"):
                p.copy_(getattr(m.rnn, name))
        ref.weight_ih_l0.copy_(m.embed.weight[:, :4 * H].T)
        ref.weight_ih_l0_reverse.copy_(m.embed.weight[:, 4 * H:].T)
    ids = torch.tensor([[3, 5, 7, 2]])
    ours = m.states(m.input_vectors(ids), torch.tensor([4]))
    theirs, _ = ref(F.one_hot(ids, V).float())
    assert torch.allclose(ours, theirs, atol=1e-6)
    assert not m.rnn.weight_ih_l0.requires_grad  # only U (the lookup) is trained


@pytest.mark.parametrize("pooling,members", [("last", 1), ("max", 1), ("mean", 1), ("max-mean", 1), ("max", 3)])
def test_padding_does_not_change_a_prediction(pooling: str, members: int) -> None:
    torch.manual_seed(0)
    m = SentimentClassifier(SentimentConfig(vocab_size=30, n_embd=6, n_hidden=5, pooling=pooling,
                                            members=members)).eval()
    alone = m((torch.tensor([[4, 5, 6]]), torch.tensor([3])))[0]
    padded = m(pad_ids([[4, 5, 6], [7, 8, 9, 10, 11, 12]]))[0][:1]
    assert torch.allclose(alone, padded, atol=1e-6)


def test_members_average_their_probabilities_and_each_learns_alone() -> None:
    torch.manual_seed(0)
    m = SentimentClassifier(SentimentConfig(vocab_size=30, n_embd=6, n_hidden=5, members=3, dropout=0.0))
    x, lengths = pad_ids([[4, 5, 6], [7, 8]])
    y = torch.tensor([1, 0])
    parts = m.member_logits(m.input_vectors(x), lengths)
    logits, loss, _ = m((x, lengths), y)
    assert len(parts) == 3 and torch.allclose(logits.softmax(-1), torch.stack([o.softmax(-1) for o in parts]).mean(0))
    assert torch.allclose(loss, sum(F.cross_entropy(o, y) for o in parts) / 3)
    one = SentimentClassifier(SentimentConfig(vocab_size=30, n_embd=6, n_hidden=5, dropout=0.0))
    assert m.num_params() == one.num_params() + 2 * (one.num_params() - 30 * 6)  # the embedding is shared
    assert "more_rnns.0.weight_ih_l0" in m.state_dict() and "more_rnns.0.weight_ih_l0" not in one.state_dict()
    own = SentimentClassifier(SentimentConfig(vocab_size=30, n_embd=6, n_hidden=5, members=3, own_embeddings=True))
    assert own.embed.weight.shape == (30, 18) and own.num_params() == 3 * one.num_params()  # 3 independent readers
    with torch.no_grad():
        own.embed.weight[:, 6:] = 0.0  # member 1 reads columns 0..5 only: its states do not see the others
        first = own.eval().states(own.input_vectors(x), lengths)
        own.embed.weight[:, 6:] = 1.0
        assert torch.equal(first, own.states(own.input_vectors(x), lengths))
    smooth = SentimentClassifier(SentimentConfig(vocab_size=30, n_embd=6, n_hidden=5, dropout=0.0,
                                                 label_smoothing=0.2))
    smooth.load_state_dict(one.state_dict())
    o = one((x, lengths))[0]
    assert torch.allclose(smooth((x, lengths), y)[1], F.cross_entropy(o, y, label_smoothing=0.2))
    assert torch.allclose(smooth.eval()((x, lengths), y)[1], F.cross_entropy(o, y))  # validation: plain


def test_classifier_overfits_a_generated_dataset_and_round_trips(tokenizer, tmp_path: Path) -> None:
    train = generated(96, seed=1)
    splits = SentimentSplits("en", train, train[:32], train[32:64])
    cfg = SentimentConfig(n_embd=16, n_hidden=16, dropout=0.0)
    trainer = sentiment_trainer(splits, cfg, SentimentData(vocab_size=300, batch_size=16),
                                TrainConfig(max_steps=120, lr=1e-2, warmup_steps=5, eval_every=1000), device="cpu",
                                tokenizer=tokenizer)
    trainer.fit()
    model = trainer.model.eval()
    assert accuracy(model, train) == 1.0
    save_checkpoint(tmp_path / "m", model, dtype=torch.float16)
    loaded = load_model(tmp_path / "m", device="cpu")
    assert (tmp_path / "m" / "spm.model").is_file() and loaded.config.lang == "en"
    assert [p.label for p in loaded.predict(["the film was great", "the plot was awful"])] == ["positive", "negative"]


def test_distillation_trains_on_the_teachers_averaged_probabilities(tokenizer, tmp_path: Path) -> None:
    from engine.data.corpora import DataError

    train = generated(96, seed=1)
    splits = SentimentSplits("en", train, train[:32], train[32:64])
    cfg = SentimentConfig(n_embd=16, n_hidden=16, dropout=0.0)
    for seed in (1, 2):  # two teachers, the same tokenizer
        t = sentiment_trainer(splits, cfg, SentimentData(vocab_size=300, batch_size=16),
                              TrainConfig(max_steps=30, lr=1e-2, warmup_steps=5, eval_every=1000, seed=seed),
                              device="cpu", tokenizer=tokenizer)
        t.fit()
        save_checkpoint(tmp_path / f"t{seed}", t.model, dtype=torch.float32)
    data = SentimentData(vocab_size=300, batch_size=16, teachers=f"{tmp_path / 't1'}, {tmp_path / 't2'}",
                         distill_weight=0.7, distill_temperature=2.0)
    student = sentiment_trainer(splits, cfg, data, TrainConfig(max_steps=120, lr=1e-2, warmup_steps=5,
                                                               eval_every=1000), device="cpu")
    assert student.model.tokenizer.encode("great film") == tokenizer.encode("great film")  # the teachers' pieces
    batch = student.train_batches(0)
    y = batch.targets  # (B, 2): 0.7 * the teachers' averaged softened probabilities + 0.3 * the label
    assert y.shape == (16, 2) and torch.allclose(y.sum(-1), torch.ones(16))
    teachers = [load_model(tmp_path / f"t{s}", device="cpu").eval() for s in (1, 2)]
    x, lengths = batch.inputs
    with torch.no_grad():
        want = sum((m((x, lengths))[0] / 2.0).softmax(-1) for m in teachers) / 2
    onehot = (y - 0.7 * want) / 0.3
    assert torch.allclose(onehot.sum(-1), torch.ones(16), atol=1e-4)
    assert torch.allclose(onehot, onehot.round(), atol=1e-4)  # the rest is the label's one-hot
    student.fit()
    assert accuracy(student.model.eval(), train) == 1.0
    with pytest.raises(DataError, match="sentiment checkpoint"):
        sentiment_trainer(splits, cfg, replace(data, teachers=str(tmp_path)), TrainConfig(max_steps=1), device="cpu")
    with pytest.raises(DataError, match="not a ko sentiment"):
        sentiment_trainer(replace(splits, lang="ko"), cfg, data, TrainConfig(max_steps=1), device="cpu")


def test_subword_sampling_varies_the_pieces_deterministically_and_still_learns(tokenizer) -> None:
    texts = ["the acting was wonderful and the story moving"] * 8
    a = tokenizer.encode_sampled(texts, alpha=0.1, seed=7)
    assert a == tokenizer.encode_sampled(texts, alpha=0.1, seed=7)  # the same seed: the same pieces
    assert len({tuple(x) for x in a}) > 1  # ... but not always the best segmentation
    assert all(tokenizer.decode(x) == texts[0] for x in a)  # every sampled cut spells the same text
    train = generated(96, seed=1)
    splits = SentimentSplits("en", train, train[:32], train[32:64])
    data = SentimentData(vocab_size=300, batch_size=16, subword_alpha=0.1)
    cfg = SentimentConfig(n_embd=16, n_hidden=16, dropout=0.0)
    trainer = sentiment_trainer(splits, cfg, data, TrainConfig(max_steps=150, lr=1e-2, warmup_steps=5,
                                                               eval_every=1000), device="cpu", tokenizer=tokenizer)
    b = trainer.train_batches
    assert torch.equal(b(3).inputs[0], b(3).inputs[0])  # a resumed run sees the same batch
    best = ClassBatches(*encode_texts(tokenizer, train), batch_size=16, seed=trainer.config.seed)
    assert torch.equal(b(3).targets, best(3).targets)  # the same texts as without sampling, other pieces
    assert any(not torch.equal(b(s).inputs[0], best(s).inputs[0]) for s in range(3))
    trainer.fit()
    assert accuracy(trainer.model.eval(), train) == 1.0  # judged on the best segmentation
    with pytest.raises(ValueError, match="unigram"):
        SentimentData(spm_type="bpe", subword_alpha=0.1)


def test_empty_and_long_texts(tokenizer) -> None:
    m = SentimentClassifier(SentimentConfig(vocab_size=len(tokenizer), n_embd=4, n_hidden=4), tokenizer).eval()
    for bad in ("", "   ", "\u200b"):
        with pytest.raises(SentimentInputError):
            m.predict([bad])
    p = m.predict(["great " * 500])[0]
    assert p.truncated and len(p.pieces) == MAX_PIECES
    assert m.predict(["🙂 ünïcödé ✓ 映画"])[0].label in ("positive", "negative")  # byte fallback: any Unicode


# ------------------------------------------------------------------------------------------ explanations
def test_running_prediction_ends_at_the_final_prediction(tokenizer) -> None:
    torch.manual_seed(0)
    for bidirectional in (False, True):
        m = SentimentClassifier(SentimentConfig(vocab_size=len(tokenizer), n_embd=8, n_hidden=8,
                                                bidirectional=bidirectional), tokenizer).eval()
        ex = explain(m, "the acting was great but the plot was dull")
        final = m.predict(["the acting was great but the plot was dull"])[0].probs
        assert ex.running[-1] == pytest.approx(final, abs=1e-6) and ex.probs == pytest.approx(final, abs=1e-6)
        assert len(ex.running) == len(ex.occlusion) == len(ex.saliency) == len(ex.pieces) == len(ex.running_at)
        # and each running entry is the model on that prefix
        ids = torch.tensor(m.encode("the acting was great")[0])
        direct = m((ids[None, :2], torch.tensor([2])))[0].softmax(-1)[0]
        assert torch.allclose(running_probs(m, ids)[1], direct, atol=1e-6)


def constructed_model(key: int = 5) -> SentimentClassifier:
    """A model whose answer is known: only token ``key`` has a non-zero embedding (0.5); the LSTM (no recurrence,
    input and output gates open, forget gate shut) turns it into h_0 = tanh(tanh(0.5)) ≈ 0.43 at that step and 0
    elsewhere; max pooling; o_pos = 10 h_0, o_neg = 0."""
    m = SentimentClassifier(SentimentConfig(vocab_size=10, n_embd=2, n_hidden=2, bidirectional=False, dropout=0.0))
    H = 2
    with torch.no_grad():
        for p in m.parameters():
            p.zero_()
        m.embed.weight[key, 0] = 0.5
        m.rnn.bias_ih_l0[0 * H:1 * H] = 20.0  # input gate open
        m.rnn.bias_ih_l0[1 * H:2 * H] = -20.0  # forget gate shut: c(t) = i g
        m.rnn.weight_ih_l0[2 * H + 0, 0] = 1.0  # g_0 = tanh(x_0)
        m.rnn.bias_ih_l0[3 * H:4 * H] = 20.0  # output gate open
        m.head.weight[1, 0] = 10.0
    return m.eval()


def test_occlusion_and_saliency_find_the_one_token_that_matters() -> None:
    m = constructed_model(key=5)
    ids = torch.tensor([3, 5, 7, 8])
    with torch.no_grad():
        probs = m((ids[None], torch.tensor([4])))[0].softmax(-1)[0]
    assert probs[1] > 0.98  # o = 10 tanh(tanh(0.5)) ≈ 4.3
    occ = occlusion_scores(m, ids, target=1)
    assert float(occ[1]) == pytest.approx(float(probs[1]) - 0.5, abs=1e-4)  # without it: o = 0, P = 0.5
    assert torch.allclose(occ[[0, 2, 3]], torch.zeros(3), atol=1e-6)
    sal = saliency_scores(m, ids, target=1)
    assert sal[1] > 0 and torch.allclose(sal[[0, 2, 3]], torch.zeros(3), atol=1e-9)  # zero inputs: zero score
    # by hand, at x = 0.5: d log P1 / dx = (1 - P1) * 10 * dh/dx, c = tanh(x), dh/dx = (1 - tanh(c)^2) (1 - c^2)
    c = torch.tanh(torch.tensor(0.5))
    expected = (1 - probs[1]) * 10 * (1 - torch.tanh(c) ** 2) * (1 - c ** 2) * 0.5
    assert float(sal[1]) == pytest.approx(float(expected), rel=1e-3)


def test_long_texts_are_explained_in_blocks(tokenizer) -> None:
    m = SentimentClassifier(SentimentConfig(vocab_size=len(tokenizer), n_embd=8, n_hidden=8), tokenizer).eval()
    text = "the film was great but " * 30  # over 64 pieces: blocks of b = ceil(T / 64) tokens
    ex = explain(m, text)
    T, b = len(ex.pieces), ex.block
    assert b == -(-T // 64) > 1 and ex.running_at[-1] == T - 1 and len(ex.running_at) <= 65
    assert ex.running[-1] == pytest.approx(m.predict([text])[0].probs, abs=1e-6)
    ids = torch.tensor(m.encode(text)[0])
    with torch.no_grad():
        manual = float(running_probs(m, ids)[-1, ex.predicted]) - float(
            m((torch.cat([ids[:b], ids[2 * b:]])[None], torch.tensor([T - b])))[0].softmax(-1)[0, ex.predicted])
    assert ex.occlusion[b] == ex.occlusion[2 * b - 1] == pytest.approx(manual, abs=1e-5)  # the second block
    assert len(ex.occlusion) == T


def test_trajectories_project_every_state(tokenizer) -> None:
    m = SentimentClassifier(SentimentConfig(vocab_size=len(tokenizer), n_embd=8, n_hidden=8), tokenizer).eval()
    texts = ["the film was great", "awful", "a boring story and the acting was clumsy"]
    paths = trajectories(m, texts)
    assert [len(p) for p in paths.points] == [len(m.encode(t)[0]) for t in texts]
    assert all(len(pt) == 2 for p in paths.points for pt in p)
    assert 0 <= paths.explained[1] <= paths.explained[0] <= 1


# ------------------------------------------------------------------------------- baseline and comparison
def test_bag_of_words_counts_tokens_and_learns_a_linear_rule(tokenizer) -> None:
    from engine.sentiment.recipe import encode_texts
    from engine.train.trainer import Trainer

    train = generated(96, seed=2)
    ids, labels = encode_texts(tokenizer, train)
    bow = BagOfWords(len(tokenizer))
    Trainer(bow, ClassBatches(ids, labels, 16), TrainConfig(max_steps=100, lr=0.05, warmup_steps=1,
                                                            eval_every=1000), device="cpu").fit()
    assert accuracy(bow, train, tokenizer) == 1.0
    x, n = pad_ids([[7, 8], [8, 7, 0]])
    assert torch.allclose(bow((x, n))[0][0], bow((x, n))[0][1])  # order and padding do not matter


def test_compare_runs_every_row_with_the_same_budget() -> None:
    from engine.cli.sentiment import dry_run_splits

    table = compare_representations(dry_run_splits("ko"), steps=4, batch_size=8, vocab_size=300, device="cpu")
    assert [r["name"] for r in table["rows"]] == list(ROWS)
    assert table["budget"] == {"steps": 4, "batch_size": 8, "texts_seen": 32}
    assert all(0 <= r["test_accuracy"] <= 1 and r["params"] > 0 for r in table["rows"])
    onehot, emb = table["rows"][1], table["rows"][2]
    assert onehot["params"] > emb["params"]  # one column of U per token vs a shared 80-dim embedding
    with pytest.raises(ValueError, match="unknown row"):
        compare_representations(dry_run_splits("en"), steps=1, only=["tf-idf"])


# ------------------------------------------------------------------------------------------------- CLI
def test_cli_dry_run_trains_and_eval_names_missing_data(tmp_path: Path, monkeypatch, capsys) -> None:
    from engine.cli import main

    monkeypatch.setenv("RNN_DATA_DIR", str(tmp_path))  # no sentiment files there
    run = tmp_path / "run"
    assert main(["train", "sentiment", "--dry-run", "--lang", "ko", "--run-dir", str(run)]) == 0
    assert (run / "best" / "spm.model").is_file() and "val accuracy" in capsys.readouterr().err
    selection = json.loads((run / "selection.json").read_text())  # model selection by validation accuracy
    assert (run / "best-accuracy" / "spm.model").is_file()
    assert selection["selected"]["val_accuracy"] == max(r["val_accuracy"] for r in selection["checkpoints"])
    assert main(["eval-sentiment", "--model", str(run / "best"), "--on", "nsmc-test"]) == 2
    assert "nsmc/nsmc_test.tsv not found" in capsys.readouterr().err
    assert main(["classify", "--model", str(run / "best"), "정말 재밌다", ""]) == 2  # the empty one: a message
    out = capsys.readouterr()
    assert "the text is empty" in out.err


def test_config_checks() -> None:
    with pytest.raises(ValueError, match="pooling"):
        SentimentConfig(pooling="attention")
    with pytest.raises(ValueError, match="members"):
        SentimentConfig(members=0)
    with pytest.raises(ValueError, match="label_smoothing"):
        SentimentConfig(label_smoothing=1.0)
    with pytest.raises(ValueError):
        replace(SentimentConfig(), dropout=1.0)
