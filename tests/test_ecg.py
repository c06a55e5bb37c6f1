"""The ECG engine (engine/timeseries/ecg*.py): the measures against hand computations, the data directory's
messages, the predictor's chunked run and error trace, and both models learning a constructed ECG whose
abnormal beats come early (the property record 100's A beats have)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.timeseries import ecg, ecg_recipe
from engine.timeseries.ecg import ECGData, ECGDataMissing
from engine.timeseries.ecg_model import ECGBeatClassifier, ECGClassifierConfig, ECGPredictor, ECGPredictorConfig

torch.set_num_threads(1)


# ------------------------------------------------------------------------------------------ measures
def test_roc_auc_equals_counting_pairs_by_hand() -> None:
    scores = [0.9, 0.3, 0.3, 0.5, 0.1, 0.3]
    labels = [1, 1, 0, 0, 0, 1]
    # abnormal 0.9, 0.3, 0.3 against normal 0.3, 0.5, 0.1:
    # 0.9 beats all three (3); each 0.3 ties 0.3 (1/2), loses to 0.5 (0), beats 0.1 (1) -> 1.5 each; 6/9
    assert ecg.roc_auc(scores, labels) == pytest.approx(6 / 9)
    rng = np.random.default_rng(1)
    s, y = rng.integers(0, 5, 60).astype(float), rng.integers(0, 2, 60)
    pairs = [(a, b) for a, b in itertools.product(s[y == 1], s[y == 0])]
    brute = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in pairs) / len(pairs)
    assert ecg.roc_auc(s, y) == pytest.approx(brute)
    assert ecg.roc_auc([1, 2, 3], [0, 0, 1]) == 1.0 and ecg.roc_auc([3, 2, 1], [0, 0, 1]) == 0.0


def test_roc_curve_area_is_the_auc() -> None:
    rng = np.random.default_rng(2)
    s, y = rng.normal(size=80) + rng.integers(0, 2, 80), rng.integers(0, 2, 80)
    fpr, tpr = ecg.roc_curve(s, y)
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert np.trapezoid(tpr, fpr) == pytest.approx(ecg.roc_auc(s, y))


@pytest.mark.parametrize("scores, labels", [([1, 2], [1, 1]), ([1, 2], [0, 2]), ([1], [0, 1]), ([np.nan, 1], [0, 1])])
def test_bad_input_to_the_measures_is_a_value_error(scores, labels) -> None:
    with pytest.raises(ValueError):
        ecg.roc_auc(scores, labels)


def test_confusion_matrix_and_balanced_accuracy_by_hand() -> None:
    truth = [0] * 98 + [1, 1]
    always_normal = [0] * 100
    m = ecg.confusion_matrix(truth, always_normal)
    assert m.tolist() == [[98, 0], [2, 0]]
    assert np.trace(m) / m.sum() == 0.98 and ecg.balanced_accuracy(m) == 0.5  # plain accuracy hides the misses
    m = ecg.confusion_matrix(truth, [0] * 90 + [1] * 8 + [1, 0])
    assert m.tolist() == [[90, 8], [1, 1]] and ecg.balanced_accuracy(m) == pytest.approx((90 / 98 + 1 / 2) / 2)
    with pytest.raises(ValueError):
        ecg.confusion_matrix([0, 1], [0, 2])


# --------------------------------------------------------------------------------------- data folder
def test_missing_data_names_the_file_and_where_to_put_it(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RNN_DATA_DIR", raising=False)
    with pytest.raises(ECGDataMissing, match="RNN_DATA_DIR"):
        ecg.load_ecg()
    folder = tmp_path / "ecg" / "mitbih-100"
    folder.mkdir(parents=True)
    (folder / "100.hea").write_text("100 2 360 650000\n")
    with pytest.raises(ECGDataMissing, match=r"100\.dat not found.*physionet"):
        ecg.load_ecg(tmp_path)
    assert issubclass(ECGDataMissing, FileNotFoundError)  # the CLI's data errors catch it


# ------------------------------------------------------------------------------- a constructed ECG
def _synthetic(n_beats: int = 300, fs: float = 120.0, seed: int = 0) -> ECGData:
    """Spiky beats every 0.8 s; every 12th beat comes 0.3 s early (an 'A' beat)."""
    rng = np.random.default_rng(seed)
    t, samples, symbols = 60, [], []
    for i in range(n_beats):
        early = i % 12 == 6
        t += int(0.8 * fs) - (int(0.3 * fs) if early else 0) + int(rng.integers(-2, 3))
        samples.append(t)
        symbols.append("A" if early else "N")
    signal = 0.02 * rng.normal(size=t + 200).astype(np.float32)
    shape = np.exp(-0.5 * ((np.arange(-12, 13)) / 2.5) ** 2).astype(np.float32)
    for s in samples:
        signal[s - 12:s + 13] += shape
    return ECGData(signal, fs, np.array(samples), np.array(symbols), int(0.6 * len(signal)))


def test_predict_signal_in_chunks_is_the_model_run_from_each_chunks_warm_start() -> None:
    torch.manual_seed(0)
    model = ECGPredictor(ECGPredictorConfig(n_hidden=8, horizon=3)).eval()
    x = np.random.default_rng(0).normal(size=250).astype(np.float32)
    whole = model(torch.from_numpy(x)[None])[0][0].detach().numpy()
    np.testing.assert_allclose(ecg_recipe.predict_signal(model, x, chunk=400, warm=0), whole, rtol=1e-4, atol=1e-5)
    chunked = ecg_recipe.predict_signal(model, x, chunk=100, warm=20)
    second = model(torch.from_numpy(x[80:200])[None])[0][0, 20:].detach().numpy()  # chunk 2 starts 20 early
    np.testing.assert_allclose(chunked[100:200], second, rtol=1e-4, atol=1e-5)
    assert chunked.shape == (250, 3)


def test_beat_scores_and_prematurity() -> None:
    error = np.zeros(100)
    error[48:53] = 1.0
    scores = ecg_recipe.beat_scores(error, np.array([10, 50, 95]), fs=10.0)  # window: 2 samples each side
    assert scores.tolist() == [0.0, 1.0, 0.0]
    assert ecg_recipe.rr_prematurity(np.array([0, 10, 20, 30, 35]))[-1] == pytest.approx(0.5)


def test_models_reject_bad_settings_and_shapes() -> None:
    with pytest.raises(ValueError):
        ECGPredictorConfig(horizon=0)
    with pytest.raises(ValueError):
        ECGClassifierConfig(after=0)
    model = ECGBeatClassifier(ECGClassifierConfig(n_hidden=4))
    with pytest.raises(ValueError, match="168"):
        model(torch.zeros(2, 100))


def test_the_predictor_learns_normal_rhythm_and_its_error_finds_early_beats() -> None:
    data = _synthetic()
    train = replace(ecg_recipe.PREDICTOR_TRAIN, max_steps=120, warmup_steps=10, checkpoint_every=10**9)
    model, _ = ecg_recipe.train_predictor(data, ECGPredictorConfig(n_hidden=16, horizon=6), train)
    assert model.config.mean == pytest.approx(float(data.signal[:data.split].mean()))  # training part only
    report = ecg_recipe.anomaly_report(model, data)
    assert report["held_out"]["n_abnormal"] == int(data.abnormal[data.held_out].sum()) > 5
    assert report["held_out"]["auc"] > 0.85
    assert report["held_out"]["rr_rule_auc"] == 1.0


def test_the_classifier_learns_early_beats_with_balanced_batches() -> None:
    data = _synthetic()
    train = replace(ecg_recipe.CLASSIFIER_TRAIN, max_steps=300, warmup_steps=10, checkpoint_every=10**9)
    model, _ = ecg_recipe.train_classifier(data, ECGClassifierConfig(n_hidden=16), train)
    report = ecg_recipe.classifier_report(model, data)
    held = report["held_out"]
    assert held["n_abnormal"] + held["n_normal"] == int(data.held_out.sum())
    assert held["balanced_accuracy"] > 0.9, held
