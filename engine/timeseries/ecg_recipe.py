"""Training and evaluating the two ECG models on record 100, and what the page and the cards report.

* :func:`train_predictor`: random 3-second chunks of the **normal rhythm** of the training part (every sample
  farther than 1 s from an A or V beat), targets the next ``horizon`` samples at every step, full BPTT per chunk.
* :func:`predict_signal` runs a predictor over a whole signal (in overlapping chunks, batched), and
  :func:`error_trace` turns its predictions into the squared error at every sample: the anomaly score.
  :func:`anomaly_report` scores each beat by the mean error within 0.2 s of its R peak and measures how well
  that separates the abnormal beats from the normal ones (ROC AUC) in the held-out 40 % of the record, next to
  a one-line rule that knows only how early a beat came (its RR interval against the median of the last 8).
* :func:`train_classifier`: class imbalance (1 abnormal beat in 66) handled by **balanced batches** (half normal,
  half abnormal, drawn with replacement) and augmentation (a shift of up to 4 samples, a gain of 0.9-1.1), so
  the abnormal beats are not learned by heart; :func:`classifier_report` gives the confusion matrix and the
  balanced accuracy on the held-out tail at threshold P(abnormal) = 0.5.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import torch

from engine.data.batch import Batch
from engine.timeseries.ecg import (
    ECGData,
    balanced_accuracy,
    beat_windows,
    confusion_matrix,
    roc_auc,
)
from engine.timeseries.ecg_model import ECGBeatClassifier, ECGClassifierConfig, ECGPredictor, ECGPredictorConfig
from engine.train.trainer import TrainConfig, Trainer

__all__ = ["CHUNK", "CLASSIFIER_TRAIN", "PREDICTOR_TRAIN", "SCORE_WINDOW", "anomaly_report", "beat_scores",
           "classifier_probabilities", "classifier_report", "error_trace", "predict_signal", "rr_prematurity",
           "train_classifier", "train_predictor"]

CHUNK = 360            # training chunk of the predictor: 3 s at 120 Hz
BATCH = 32
JITTER = 4             # classifier augmentation: shift by up to 4 samples
SCORE_WINDOW = (0.2, 0.2)  # a beat's anomaly score: mean squared error from 0.2 s before to 0.2 s after its R peak
PREDICTOR_TRAIN = TrainConfig(max_steps=3000, lr=3e-3, warmup_steps=50, eval_every=10**9, checkpoint_every=500,
                              grad_clip=1.0, seed=0)
# the classifier's loss on balanced batches falls near 0 and jumps when a batch repeats a hard beat: a ratio to its
# best value says nothing about divergence there, so the guard only catches a blow-up
CLASSIFIER_TRAIN = TrainConfig(max_steps=1200, lr=2e-3, warmup_steps=30, eval_every=10**9, checkpoint_every=300,
                               grad_clip=1.0, divergence_factor=1000.0, seed=0)


def _stats(data: ECGData) -> tuple[float, float]:
    """Mean and standard deviation of the training part only (the held-out tail never informs the scaling)."""
    train = data.signal[:data.split]
    return float(train.mean()), float(train.std())


def _fit(model: torch.nn.Module, batches: Callable[[int], Batch], train: TrainConfig, run_dir, listeners) -> float:
    start = time.monotonic()
    trainer = Trainer(model, batches, train, run_dir=run_dir, listeners=listeners, device="cpu")
    status = trainer.fit()
    if status != "done":
        raise RuntimeError(f"training ended with status {status!r}")
    model.eval()
    return time.monotonic() - start


# ------------------------------------------------------------------------------------------ predictor
def _targets(x: np.ndarray, horizon: int) -> np.ndarray:
    """``out[t, h] = x[t + 1 + h]`` for t in 0 .. len(x) - horizon - 2."""
    n = len(x) - horizon
    return np.stack([x[1 + h:n + h] for h in range(horizon)], axis=-1)


def predictor_starts(data: ECGData, horizon: int) -> np.ndarray:
    """Start samples of training chunks: inside the training part and free of abnormal beats (±1 s)."""
    span = CHUNK + horizon + 1
    bad = np.concatenate([[0], np.cumsum(~data.normal_mask(1.0))])
    starts = np.arange(0, data.split - span)
    return starts[bad[starts + span] - bad[starts] == 0]


def train_predictor(data: ECGData, config: ECGPredictorConfig | None = None, train: TrainConfig = PREDICTOR_TRAIN,
                    run_dir=None, listeners=()) -> tuple[ECGPredictor, float]:
    """Train the next-samples LSTM on the normal rhythm of the training part; returns (model, seconds)."""
    mean, std = _stats(data)
    config = replace(config or ECGPredictorConfig(), mean=mean, std=std)
    torch.manual_seed(train.seed)
    model = ECGPredictor(config)
    starts = predictor_starts(data, config.horizon)
    x = data.signal

    def batches(step: int) -> Batch:
        rng = np.random.default_rng((train.seed, step))
        chunks = [x[s:s + CHUNK + config.horizon + 1] for s in rng.choice(starts, BATCH)]
        inputs = np.stack([c[:CHUNK] for c in chunks])
        targets = np.stack([_targets(c, config.horizon)[:CHUNK] for c in chunks])
        return Batch(torch.from_numpy(inputs), torch.from_numpy(targets))

    return model, _fit(model, batches, train, run_dir, listeners)


@torch.no_grad()
def predict_signal(model: ECGPredictor, x: np.ndarray, chunk: int = 1200, warm: int = 240) -> np.ndarray:
    """Predictions ``(len(x), H)``: row t predicts x(t+1 .. t+H). The signal is cut into chunks that each start
    ``warm`` samples early (so the LSTM's state has settled), run as one batch."""
    x = np.asarray(x, dtype=np.float32)
    n = len(x)
    n_chunks = max(1, math.ceil(n / chunk))
    padded = np.pad(x, (warm, n_chunks * chunk - n), mode="edge")
    idx = np.arange(n_chunks)[:, None] * chunk + np.arange(warm + chunk)[None, :]
    pred, _, _ = model(torch.from_numpy(padded[idx]))
    return pred[:, warm:].reshape(n_chunks * chunk, -1)[:n].float().numpy()


def error_trace(x: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Squared error at each sample t, averaged over the H predictions made of x(t) (from t-1 ... t-H).
    Below, x(3) = 4 was predicted as 3 from t = 2 (row 2, h = 0) and as 3 from t = 1 (row 1, h = 1):

    >>> error_trace(np.array([0.0, 1.0, 2.0, 4.0]), np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 4.0], [0.0, 0.0]]))
    array([0., 0., 0., 1.])
    """
    n, horizon = pred.shape
    total, count = np.zeros(n), np.zeros(n)
    for h in range(horizon):
        total[1 + h:] += (pred[:n - 1 - h, h] - x[1 + h:]) ** 2
        count[1 + h:] += 1
    return total / np.maximum(count, 1)


def beat_scores(error: np.ndarray, samples: np.ndarray, fs: float) -> np.ndarray:
    """Each beat's anomaly score: the mean error within :data:`SCORE_WINDOW` of its R peak."""
    before, after = (int(round(s * fs)) for s in SCORE_WINDOW)
    cum = np.concatenate([[0.0], np.cumsum(error)])
    lo, hi = np.clip(samples - before, 0, len(error)), np.clip(samples + after + 1, 0, len(error))
    return (cum[hi] - cum[lo]) / np.maximum(hi - lo, 1)


def rr_prematurity(samples: np.ndarray, history: int = 8) -> np.ndarray:
    """1 - RR / median of the previous ``history`` RRs: how early each beat came (0 for the first two).

    >>> rr_prematurity(np.array([0, 100, 200, 300, 350]), history=3).round(2).tolist()
    [0.0, 0.0, 0.0, 0.0, 0.5]
    """
    rr = np.diff(samples).astype(np.float64)
    out = np.zeros(len(samples))
    for i in range(1, len(rr)):
        out[i + 1] = 1 - rr[i] / np.median(rr[max(0, i - history):i])
    return out


def _separation(scores: np.ndarray, data: ECGData, keep: np.ndarray) -> dict:
    y = data.abnormal[keep]
    return {"auc": roc_auc(scores[keep], y), "n_abnormal": int(y.sum()), "n_normal": int((1 - y).sum()),
            "counts": {str(k): int(v) for k, v in zip(*np.unique(data.beat_symbol[keep], return_counts=True))}}


def anomaly_report(model: ECGPredictor, data: ECGData, error: np.ndarray | None = None) -> dict:
    """ROC AUC of the beats' anomaly scores (abnormal vs normal) in the held-out tail and the whole record,
    with the RR-interval rule's AUC on the same beats, and the mean squared error on the held-out part.
    ``error``: the model's :func:`error_trace` on ``data.signal`` when already computed."""
    if error is None:
        error = error_trace(data.signal, predict_signal(model, data.signal))
    scores = beat_scores(error, data.beat_sample, data.fs)
    rr = rr_prematurity(data.beat_sample)
    test, every = data.held_out, np.ones(len(scores), bool)
    report = {"held_out": _separation(scores, data, test), "all": _separation(scores, data, every),
              "score_window_s": list(SCORE_WINDOW), "horizon": model.config.horizon,
              "mse_held_out_mv2": float(error[data.split:].mean())}
    report["held_out"]["rr_rule_auc"] = roc_auc(rr[test], data.abnormal[test])
    report["all"]["rr_rule_auc"] = roc_auc(rr, data.abnormal)
    return report


# ----------------------------------------------------------------------------------------- classifier
def _windows(data: ECGData, config: ECGClassifierConfig, margin: int) -> tuple[np.ndarray, np.ndarray]:
    after = config.window - config.before_samples
    return beat_windows(data.signal, data.beat_sample, config.before_samples + margin, after + margin)


def train_classifier(data: ECGData, config: ECGClassifierConfig | None = None,
                     train: TrainConfig = CLASSIFIER_TRAIN, run_dir=None,
                     listeners=()) -> tuple[ECGBeatClassifier, float]:
    """Train the many-to-one beat classifier on the training part with balanced batches; (model, seconds)."""
    mean, std = _stats(data)
    config = replace(config or ECGClassifierConfig(), mean=mean, std=std, fs=data.fs)
    torch.manual_seed(train.seed)
    model = ECGBeatClassifier(config)
    windows, idx = _windows(data, config, JITTER)
    labels = data.abnormal[idx]
    in_train = ~data.held_out[idx]
    pools = [np.nonzero(in_train & (labels == c))[0] for c in (0, 1)]
    if min(len(p) for p in pools) == 0:
        raise ValueError("the training part needs normal and abnormal beats")

    def batches(step: int) -> Batch:
        rng = np.random.default_rng((train.seed, step))
        pick = np.concatenate([rng.choice(pool, BATCH) for pool in pools])
        shift = rng.integers(0, 2 * JITTER + 1, len(pick))
        rows = windows[pick[:, None], shift[:, None] + np.arange(config.window)[None, :]]
        gain = rng.uniform(0.9, 1.1, (len(pick), 1)).astype(np.float32)
        return Batch(torch.from_numpy((rows - mean) * gain + mean), torch.from_numpy(labels[pick]))

    return model, _fit(model, batches, train, run_dir, listeners)


def classifier_probabilities(model: ECGBeatClassifier, data: ECGData) -> np.ndarray:
    """P(abnormal) of every beat (NaN where its window does not fit in the record)."""
    windows, idx = _windows(data, model.config, 0)
    out = np.full(len(data.beat_sample), np.nan)
    out[idx] = model.p_abnormal(torch.from_numpy(windows)).numpy()
    return out


def classifier_report(model: ECGBeatClassifier, data: ECGData, threshold: float = 0.5,
                      p: np.ndarray | None = None) -> dict:
    """Confusion matrix, balanced accuracy and ROC AUC on the held-out tail (and on the training part);
    ``p``: the model's :func:`classifier_probabilities` when already computed."""
    p = classifier_probabilities(model, data) if p is None else p
    report = {"threshold": threshold, "window_s": [model.config.before, model.config.after]}
    for part, keep in (("held_out", data.held_out), ("train", ~data.held_out)):
        keep = keep & np.isfinite(p)
        y = data.abnormal[keep]
        m = confusion_matrix(y, (p[keep] >= threshold).astype(int))
        report[part] = {"confusion": m.tolist(), "balanced_accuracy": balanced_accuracy(m),
                        "accuracy": float(np.trace(m) / m.sum()), "auc": roc_auc(p[keep], y),
                        "n_abnormal": int(y.sum()), "n_normal": int((1 - y).sum())}
    return report
