"""Word spacing (engine.spacing): labels, metrics by hand, the tagger's directions, restoration, training, CLI."""

from __future__ import annotations

import json
import random

import pytest
import torch

from engine.data.text import CharVocab
from engine.spacing.compare import compare_directions, shared_prefix
from engine.spacing.data import join_spaces, strip_spaces, well_spaced
from engine.spacing.metrics import spacing_scores
from engine.spacing.model import SpacingConfig, SpacingTagger
from engine.spacing.recipe import SpacingData, label_batch, spacing_trainer
from engine.spacing.restore import (
    SpacingInputError,
    direction_states,
    encode_batch,
    evaluate_spacing,
    predict_labels,
    restore,
)

torch.set_num_threads(1)


def _model(bidirectional: bool = True, n_layer: int = 1, text: str = "abcdefgh 한국어 띄어쓰기") -> SpacingTagger:
    torch.manual_seed(0)
    vocab = CharVocab.from_text(text.replace(" ", ""))
    cfg = SpacingConfig(vocab_size=len(vocab), bidirectional=bidirectional, n_layer=n_layer, n_hidden=8, n_embd=4)
    return SpacingTagger(cfg, vocab).eval()


# ------------------------------------------------------------------------------------------------- data
@pytest.mark.parametrize("text", ["아버지가 방에 들어가신다", "  to  be\tor\nnot ", "x", "a b"])
def test_strip_and_join_are_inverse(text: str) -> None:
    chars, labels = strip_spaces(text)
    assert " " not in chars and len(labels) == len(chars) and labels[-1] == 0
    assert join_spaces(chars, labels) == " ".join(text.split())


def test_labels_mark_the_character_before_each_space() -> None:
    assert strip_spaces("ab c") == ("abc", [0, 1, 0])
    assert strip_spaces("") == ("", [])
    with pytest.raises(ValueError, match="3 characters but 2 labels"):
        join_spaces("abc", [0, 1])


def test_unspaced_reviews_are_recognised() -> None:
    assert well_spaced("정말 재미 있어요")
    assert not well_spaced("진짜완전최고의영화였다강추합니다")


# ---------------------------------------------------------------------------------------------- metrics
def test_f1_by_hand() -> None:
    # truth "the cat sat" -> "thecatsat" labels: 0 0 1 0 0 1 0 0 0 (spaces after e and t)
    # prediction "th ecat sat": spaces after h and t -> 0 1 0 0 0 1 0 0 0
    truth = strip_spaces("the cat sat")[1]
    pred = strip_spaces("th ecat sat")[1]
    s = spacing_scores([truth], [pred])
    assert (s.tp, s.fp, s.fn) == (1, 1, 1)  # TP: after "cat"; FP: after "th"; FN: after "the"
    assert s.precision == s.recall == s.f1 == 0.5
    assert s.char_accuracy == pytest.approx(7 / 9)
    # a second text with two right spaces and none extra: P = 3/4, R = 3/4 over both texts together
    both = spacing_scores([truth, [1, 0, 1, 0]], [pred, [1, 0, 1, 0]])
    assert (both.precision, both.recall, both.f1) == (0.75, 0.75, 0.75)
    # predicting no space at all: precision 0 by convention, F1 0
    assert spacing_scores([truth], [[0] * 9]).f1 == 0.0
    assert spacing_scores([truth], [truth]).as_dict()["f1"] == 1.0
    with pytest.raises(ValueError, match="text 0"):
        spacing_scores([[0, 1]], [[0]])


# ------------------------------------------------------------------------------------------------ model
def test_a_padded_batch_gives_the_numbers_of_each_text_alone() -> None:
    model = _model(n_layer=2)
    texts = ["abcdefgh", "abc", "한국어띄"]
    idx, lengths = encode_batch(model, texts)
    with torch.no_grad():
        batched, _, _ = model((idx, lengths))
        for i, t in enumerate(texts):
            alone, _, _ = model(model.vocab.tensor(t)[None])
            torch.testing.assert_close(batched[i, : len(t)], alone[0], atol=1e-5, rtol=1e-5)


def test_forward_states_read_the_left_and_backward_states_the_right() -> None:
    model = _model(n_layer=1)
    fwd, bwd = direction_states(model, "abcdefgh")
    fwd_prefix, _ = direction_states(model, "abcd")  # same beginning: same forward states there
    _, bwd_suffix = direction_states(model, "efgh")  # same end: same backward states there
    assert fwd.shape == bwd.shape == (8, 8)
    torch.testing.assert_close(torch.tensor(fwd[:4]), torch.tensor(fwd_prefix), atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(torch.tensor(bwd[4:]), torch.tensor(bwd_suffix), atol=1e-6, rtol=1e-5)
    assert not torch.allclose(torch.tensor(bwd[:4]), torch.tensor(direction_states(model, "abcd")[1]), atol=1e-4)


def test_a_left_to_right_model_cannot_see_what_follows() -> None:
    uni, bi = _model(bidirectional=False, n_layer=2), _model(n_layer=2)
    assert direction_states(uni, "abc")[1] is None
    p = shared_prefix(uni, "abcdef", "abcgh")
    assert p.prefix == "abc"
    assert max(abs(x - y) for x, y in zip(p.a[:3], p.b[:3])) < 1e-6
    q = shared_prefix(bi, "abcdef", "abcgh")
    assert abs(q.a[2] - q.b[2]) > 1e-5


def test_loss_ignores_padding_and_configs_are_checked() -> None:
    model = _model()
    batch = label_batch(model.vocab, [("abcd", [0, 1, 0, 0]), ("ab", [1, 0])])
    assert batch.targets.tolist() == [[0, 1, 0, 0], [1, 0, -1, -1]]
    _, loss, _ = model(batch.inputs, batch.targets)
    assert torch.isfinite(loss)
    with pytest.raises(ValueError, match="cell"):
        SpacingConfig(cell="rnn")
    with pytest.raises(ValueError, match="dropout"):
        SpacingConfig(dropout=1.0)


# -------------------------------------------------------------------------------------------- restoring
def test_restore_takes_any_unicode_and_refuses_empty_text() -> None:
    model = _model()
    r = restore(model, "🙂 ab\u200bc 語", max_chars=4)
    assert r.truncated and r.chars == "🙂ab\u200b" and len(r.probs) == 4
    assert r.text.replace(" ", "") == r.chars
    with pytest.raises(SpacingInputError, match="empty"):
        restore(model, "   \n ")
    with pytest.raises(SpacingInputError, match="unidirectional model first"):
        compare_directions(model, model, "abc")


def _sentences(rng: random.Random, words: list[str], n: int) -> list[str]:
    return [" ".join(rng.choice(words) for _ in range(rng.randint(2, 6))) for _ in range(n)]


def test_training_learns_to_restore_a_held_out_sentence(tmp_path) -> None:
    """A tiny bidirectional tagger trained with the recipe restores an unseen sentence of known words exactly."""
    from engine.train.trainer import TrainConfig

    rng = random.Random(0)
    words = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran", "to", "tea"]
    from engine.spacing.data import SpacingSplits

    splits = SpacingSplits(train=_sentences(rng, words, 400), val=_sentences(rng, words, 40), test=[], source="toy")
    trainer = spacing_trainer(splits, SpacingConfig(n_layer=1, n_hidden=24, n_embd=12, dropout=0.0),
                              SpacingData(batch_size=32, max_len=40),
                              TrainConfig(max_steps=250, lr=1e-2, eval_every=250, checkpoint_every=1000,
                                          warmup_steps=10), run_dir=tmp_path / "run")
    assert trainer.fit() == "done"
    model = trainer.model.eval()
    held_out = "a dog sat on the mat to tea"
    assert held_out not in splits.train
    assert restore(model, held_out).text == held_out
    scores = evaluate_spacing(model, _sentences(random.Random(1), words, 50))
    assert scores.f1 > 0.95 and scores.char_accuracy > 0.97
    assert predict_labels(model, ["thecat"]) == [[0, 0, 1, 0, 0, 0]]
    # the run folder holds a checkpoint that loads back to the same numbers
    from engine.train.checkpoint import load_model

    loaded = load_model(tmp_path / "run" / "last")
    assert loaded.kind == "spacing" and restore(loaded, held_out).probs == pytest.approx(restore(model, held_out).probs)


# -------------------------------------------------------------------------------------------------- CLI
def test_cli_dry_run_trains_and_eval_needs_data(tmp_path, monkeypatch, capsys) -> None:
    from engine.cli import main

    monkeypatch.setenv("RNN_DATA_DIR", str(tmp_path / "no-data"))
    run = tmp_path / "run"
    assert main(["train", "spacing", "--lang", "en", "--dry-run", "--no-bidirectional", "--run-dir", str(run)]) == 0
    cfg = json.loads((run / "best" / "config.json").read_text())
    assert cfg["kind"] == "spacing" and cfg["config"]["bidirectional"] is False
    assert main(["eval-spacing", "--model", str(run / "best"), "--split", "test"]) == 2
    err = capsys.readouterr().err
    assert "tinyshakespeare/input.txt" in err and "no-data" in err
    assert main(["eval-spacing", "--model", str(run / "best"), "--split", "tatoeba"]) == 2
