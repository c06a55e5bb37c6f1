"""Units: features of a synthetic text, correlations that find a constructed unit tracking a feature, span queries,
firing passages, saturation, PCA; the streamed validation statistics against the direct ones; the shipped results."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.data import CharVocab
from engine.lab.inside_lstm import cell_trace, lstm_trace
from engine.lab.inside_lstm_results import (
    SHIPPED_DIR,
    ResultsError,
    load_results,
    precompute,
    save_results,
    split_passages,
)
from engine.lab.units import (
    FEATURES,
    correlations,
    feature_matrix,
    firing_passages,
    pca_2d,
    rank_units,
    saturation,
    span_units,
    text_features,
)
from engine.lm.model import CharLM, CharLMConfig

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[1]
SYNTH = ("KING HENRY:\nWhat say you (my lord)? \"Go\" and speak.\nAll:\nWe will.\n\n"
         "QUEEN:\nThe east is red. Speak (softly) now!\n") * 3


def test_features_of_a_synthetic_text_by_hand():
    f = text_features(SYNTH)
    assert set(f) == set(FEATURES) and all(len(v) == len(SYNTH) for v in f.values())
    first = SYNTH.index("\n")
    assert f["speaker_line"][: first + 1].tolist() == [1.0] * (first + 1)  # "KING HENRY:" and its line break
    assert f["speaker_line"][first + 1] == 0.0
    assert f["after_colon"][first] == 1.0  # the line break right after "KING HENRY:"
    k = SYNTH.index("(my lord)")
    assert f["inside_brackets"][k:k + 9].tolist() == [1.0] * 9 and f["inside_brackets"][k + 9] == 0
    q = SYNTH.index('"Go"')
    assert f["inside_quotes"][q:q + 4].tolist() == [1.0] * 4 and f["inside_quotes"][q + 4] == 0
    assert f["line_position"][first + 1: first + 5].tolist() == [0, 1, 2, 3]
    assert f["sentence_end"][SYNTH.index("?")] == 1.0 and f["capital_word_start"][SYNTH.index("What")] == 1.0
    assert f["vowel"][SYNTH.index("What") + 2] == 1.0 and f["vowel"][SYNTH.index("What")] == -1.0


@pytest.mark.parametrize("feature", ["line_position", "inside_brackets", "speaker_line", "vowel"])
def test_a_constructed_unit_tracking_a_feature_is_ranked_first(feature):
    f = text_features(SYNTH)
    rng = np.random.default_rng(0)
    acts = rng.normal(size=(len(SYNTH), 32)) * 0.3  # 32 noise units
    tracked = np.tanh(1.5 * f[feature] / np.abs(f[feature]).max())
    acts[:, 17] = tracked + rng.normal(size=len(SYNTH)) * 0.05  # unit 17 tracks the feature
    best = next(m for m in rank_units(acts, f, per_feature=1) if m.feature == feature)
    assert best.unit == 17 and best.r > 0.9
    r = correlations(acts, feature_matrix(f))
    assert r.shape == (len(FEATURES), 32) and np.abs(r).max() <= 1.0
    assert abs(r[FEATURES.index(feature), 17] - np.corrcoef(acts[:, 17], f[feature])[0, 1]) < 1e-9


def test_span_query_and_firing_passages():
    acts = np.zeros((40, 6))
    acts[10:15, 4] = 1.0
    acts[:, 2] = np.linspace(0, 1, 40)
    assert span_units(acts, 10, 15, top=1)[0][0] == 4
    with pytest.raises(ValueError):
        span_units(acts, 5, 50)
    peaks = np.array([[0.0, 0.2, 0.1], [0.9, 0.8, 0.0], [0.5, 0.9, 0.9]])
    assert firing_passages(peaks, [0, 1], top=3) == [(1, 0.85), (2, 0.7), (0, 0.1)]
    assert firing_passages(peaks, [0, 1], top=3, exclude=[1])[0][0] == 2


def test_saturation_and_pca():
    g = np.array([[0.01, 0.95], [0.02, 0.5], [0.5, 0.99], [0.95, 0.99]])
    s = saturation({"i": g, "f": g, "o": g})
    assert s["f"]["left"].tolist() == [0.5, 0.0] and s["f"]["right"].tolist() == [0.25, 0.75]
    t = np.linspace(0, 2 * np.pi, 50)
    h = np.stack([np.cos(t), np.sin(t), 0.01 * np.cos(3 * t)], axis=1) @ np.random.default_rng(0).normal(size=(3, 8))
    pts, ev = pca_2d(h)
    assert pts.shape == (50, 2) and ev.sum() > 0.99  # a circle in 8-D is 2-D
    assert pca_2d(np.ones((1, 4)))[0].shape == (1, 2)


def test_streamed_statistics_equal_the_direct_ones():
    text = ("ROMEO:\nBut soft! what light through yonder window breaks?\n\nJULIET:\nAy me!\n") * 6
    torch.manual_seed(0)
    vocab = CharVocab.from_text(text)
    model = CharLM(CharLMConfig(vocab_size=len(vocab), n_layer=2, n_hidden=12, n_embd=6), vocab).eval()
    res = precompute(model, text, passage_chars=100)
    assert "".join(res.passages) == text and all(p.endswith("\n") for p in res.passages)
    traces = [lstm_trace(model, p) for p in res.passages]
    feats = feature_matrix(text_features(text))
    for layer in range(2):
        c = np.concatenate([tr.layers[layer]["c"] for tr in traces])
        np.testing.assert_allclose(res.correlation(layer, "c"), correlations(c, feats), atol=1e-4)
        f_gate = np.concatenate([tr.layers[layer]["f"] for tr in traces])
        np.testing.assert_allclose(res.left[layer, 1], (f_gate < 0.1).mean(0), atol=1e-6)
        np.testing.assert_allclose(res.peaks[2, layer], traces[2].layers[layer]["h"].max(0), atol=1e-6)


def test_results_round_trip_and_bad_folders(tmp_path):
    text = "KING:\nGo.\n" * 30
    vocab = CharVocab.from_text(text)
    model = CharLM(CharLMConfig(vocab_size=len(vocab), n_layer=1, n_hidden=8, n_embd=4), vocab).eval()
    res = precompute(model, text, passage_chars=50, command="python -m engine lab inside-lstm")
    back = load_results(save_results(res, tmp_path / "out"))
    assert back.passages == res.passages and back.meta["command"] == "python -m engine lab inside-lstm"
    np.testing.assert_allclose(back.r, res.r, atol=1e-3)  # stored in fp16
    with pytest.raises(ResultsError):
        load_results(tmp_path / "missing")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "results.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ResultsError):
        load_results(tmp_path / "bad")
    assert split_passages("a\nb\n", 100) == ["a\nb\n"]


@pytest.mark.skipif(not (SHIPPED_DIR / "results.json").is_file(), reason="pretrained/lab-inside-lstm not shipped")
def test_shipped_results_match_their_card_and_the_model():
    from engine import load_pretrained

    res = load_results()
    card = (SHIPPED_DIR / "card.md").read_text(encoding="utf-8")
    assert res.meta["command"] in card and "python -m engine lab inside-lstm" in res.meta["command"]
    assert f"{res.meta['characters']:,}" in card and f"{len(res.passages)} passages" in card
    assert sum(f.stat().st_size for f in SHIPPED_DIR.rglob("*") if f.is_file()) < 2_000_000
    # every row of the card's ranking table is the file's best unit for that feature, with its r
    rows = re.findall(r"^\| (\d) \| (\w+) \| (\d+) \| (-?[0-9.]+) \|$", card, flags=re.M)
    assert len(rows) >= 10
    for layer, feature, unit, r in rows:
        col = res.correlation(int(layer) - 1, "c")[FEATURES.index(feature)]
        assert int(np.argmax(np.abs(col))) == int(unit) and abs(col[int(unit)] - float(r)) < 6e-4
    # the saturation table: mean over units of the fractions < 0.1 / > 0.9, per layer and gate (i, f, o)
    pair = r"([0-9.]+) % / ([0-9.]+) %"
    sat = re.findall(rf"^\| (\d) \| {pair} \| {pair} \| {pair} \|$", card, flags=re.M)
    assert len(sat) == 2
    for layer, *fractions in sat:
        for j in range(3):
            assert abs(res.left[int(layer) - 1, j].mean() * 100 - float(fractions[2 * j])) < 0.06
            assert abs(res.right[int(layer) - 1, j].mean() * 100 - float(fractions[2 * j + 1])) < 0.06
    # the stored peaks are the shipped model's own: recompute one passage
    model = load_pretrained("charlm-shakespeare")
    tr = lstm_trace(model, res.passages[5])
    np.testing.assert_allclose(res.peaks[5, 1], tr.layers[1]["h"].max(0), atol=2e-3)
    # and the fast trace of the shipped model equals its LSTM cells on a short passage
    ref = cell_trace(model, res.passages[5][:40])
    np.testing.assert_allclose(tr.layers[1]["f"][:40], ref.layers[1]["f"], atol=1e-4)


@pytest.mark.skipif(not (SHIPPED_DIR / "cells" / "lstm" / "config.json").is_file(), reason="small models not shipped")
def test_shipped_small_models_match_the_card():
    from engine.lab.inside_lstm import cell_trace
    from engine.train.checkpoint import load_model

    card = (SHIPPED_DIR / "card.md").read_text(encoding="utf-8")
    for cell, gates in (("rnn", {"a", "h"}), ("gru", {"r", "z", "n", "h"}), ("lstm", {"i", "f", "o", "g", "c", "h"})):
        model = load_model(SHIPPED_DIR / "cells" / cell, "cpu")
        assert model.config.cell == cell and model.config.n_hidden == 128 and model.config.n_layer == 1
        row = f"| {cell} | {model.num_params():,} | {model.meta['best_val_loss']:.4f} |"
        assert row in card, row
        assert model.meta["provenance"]["command"].split()[:4] == ["python", "-m", "engine", "train"]
        assert set(cell_trace(model, "ROMEO:\nAy.").layers[0]) == gates


def test_cli_command_writes_results_a_page_can_load(tmp_path):
    """`python -m engine lab inside-lstm` end to end, on a tiny model and a tiny "tinyshakespeare" data folder."""
    from engine.cli import main
    from engine.train.checkpoint import save_checkpoint

    text = SYNTH * 20
    (tmp_path / "data" / "tinyshakespeare").mkdir(parents=True)
    (tmp_path / "data" / "tinyshakespeare" / "input.txt").write_text(text, encoding="utf-8")
    vocab = CharVocab.from_text(text)
    model = CharLM(CharLMConfig(vocab_size=len(vocab), n_layer=2, n_hidden=8, n_embd=4), vocab)
    save_checkpoint(tmp_path / "model", model, meta=model.checkpoint_meta())
    out = tmp_path / "out"
    assert main(["lab", "inside-lstm", "--model", str(tmp_path / "model"), "--data-dir", str(tmp_path / "data"),
                 "--out", str(out)]) == 0
    res = load_results(out)
    assert "".join(res.passages) == text[int(len(text) * 0.9):]  # the last 10 %: the model's validation split
    assert res.meta["command"].startswith("python -m engine") and res.r.shape == (2, 2, len(FEATURES), 8)
