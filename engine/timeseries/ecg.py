"""The ECG of MIT-BIH record 100 as the lecture's sequence data, and the measures of how well a model finds its
unusual beats.

The record (30 min, 360 Hz, leads MLII and V5, 2,239 normal beats N, 33 atrial premature beats A, 1 premature
ventricular beat V) is read from the data directory (``$RNN_DATA_DIR/ecg/mitbih-100/100.{hea,dat,atr}``; it is
never shipped). :func:`load_ecg` takes lead MLII, averages blocks of 3 samples (360 Hz -> 120 Hz: the QRS
complex stays, the sequence is 3x shorter for the LSTM) and splits the record **by time**: the first 60 % trains,
the last 40 % is held out (15 of the 34 abnormal beats fall before the split, 19 after).

The measures are written out here, with numpy, so they can be checked by hand:

* ROC AUC = the probability that a random abnormal beat scores higher than a random normal one (ties count 1/2),
  the Mann-Whitney U statistic divided by (number abnormal x number normal):

  >>> roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])   # pairs (0.35 > 0.1) (0.35 < 0.4) (0.8 > 0.1) (0.8 > 0.4)
  0.75

* balanced accuracy = the mean of the recall of each class, so always answering "normal" scores 0.5, not the
  98.5 % plain accuracy it would get on this record:

  >>> m = confusion_matrix([0, 0, 0, 1], [0, 0, 1, 1]); m.tolist(), round(balanced_accuracy(m), 4)  # (2/3 + 1)/2
  ([[2, 1], [0, 1]], 0.8333)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.data.corpora import CorpusNotFoundError, resolve_data_dir
from engine.timeseries.wfdb import Annotations, read_annotations, read_record

__all__ = ["ECG_RELPATH", "FACTOR", "TRAIN_FRACTION", "ECGData", "ECGDataMissing", "balanced_accuracy",
           "beat_windows", "confusion_matrix", "downsample", "ecg_files", "load_ecg", "roc_auc", "roc_curve"]

#: Where record 100 lives under the data directory (``100.hea``, ``100.dat``, ``100.atr``).
ECG_RELPATH = "ecg/mitbih-100/100"
LEAD = "MLII"
FACTOR = 3              # 360 Hz -> 120 Hz
TRAIN_FRACTION = 0.6    # the first 60 % of the record trains, the last 40 % is held out
SOURCE = "https://physionet.org/content/mitdb/1.0.0/ (files 100.hea, 100.dat, 100.atr)"


class ECGDataMissing(CorpusNotFoundError):
    """Record 100 is not in the data directory (the message names the missing file and where to put it)."""


def ecg_files(data_dir: str | os.PathLike | None = None) -> Path:
    """The record's base path ``<data dir>/ecg/mitbih-100/100``, after checking its three files are there."""
    root = resolve_data_dir(data_dir)
    if root is None:
        raise ECGDataMissing(f"no data directory: set RNN_DATA_DIR (or --data-dir) to a folder holding "
                             f"{ECG_RELPATH}.hea, .dat and .atr (MIT-BIH record 100 from {SOURCE})")
    base = root / ECG_RELPATH
    for ext in (".hea", ".dat", ".atr"):
        if not base.with_suffix(ext).is_file():
            raise ECGDataMissing(f"{base.with_suffix(ext)} not found: put MIT-BIH record 100 ({SOURCE}) in "
                                 f"{base.parent}")
    return base


def downsample(x: np.ndarray, factor: int) -> np.ndarray:
    """Average non-overlapping blocks of ``factor`` samples (a simple low-pass, then keep one in ``factor``).

    >>> downsample(np.array([1.0, 3.0, 5.0, 7.0, 9.0]), 2).tolist()
    [2.0, 6.0]
    """
    n = len(x) // factor * factor
    return np.asarray(x[:n], dtype=np.float32).reshape(-1, factor).mean(axis=1)


@dataclass(frozen=True)
class ECGData:
    """Lead MLII at ``fs`` Hz in mV, the beats (sample index at ``fs``, symbol), and the time split."""

    signal: np.ndarray
    fs: float
    beat_sample: np.ndarray
    beat_symbol: np.ndarray
    split: int  # first held-out sample

    @property
    def abnormal(self) -> np.ndarray:
        """1 for every beat that is not N (here: A and V), else 0."""
        return (self.beat_symbol != "N").astype(np.int64)

    @property
    def held_out(self) -> np.ndarray:
        """True for beats in the held-out tail of the record."""
        return self.beat_sample >= self.split

    def counts(self, part: str = "all") -> dict[str, int]:
        """Beats per symbol in ``"train"``, ``"test"`` or ``"all"`` of the record."""
        keep = {"all": np.ones(len(self.beat_sample), bool), "train": ~self.held_out, "test": self.held_out}[part]
        return Annotations(self.beat_sample[keep], self.beat_symbol[keep]).counts()

    def normal_mask(self, margin: float = 1.0) -> np.ndarray:
        """True for samples farther than ``margin`` seconds from any abnormal beat (the "normal rhythm")."""
        mask = np.ones(len(self.signal), bool)
        pad = int(round(margin * self.fs))
        for s in self.beat_sample[self.abnormal == 1]:
            mask[max(0, s - pad):s + pad] = False
        return mask


def load_ecg(data_dir: str | os.PathLike | None = None) -> ECGData:
    """Record 100, lead MLII at 120 Hz, with its beats; raises :class:`ECGDataMissing` without the files."""
    base = ecg_files(data_dir)
    record = read_record(base)
    beats = read_annotations(base.with_suffix(".atr")).beats()
    signal = downsample(record.physical(LEAD), FACTOR)
    samples = np.minimum(beats.sample // FACTOR, len(signal) - 1)
    return ECGData(signal, record.fs / FACTOR, samples, beats.symbol, int(TRAIN_FRACTION * len(signal)))


def beat_windows(signal: np.ndarray, samples: np.ndarray, before: int, after: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows ``signal[s - before : s + after]`` around each beat that fits, and the indices of those beats.

    >>> w, i = beat_windows(np.arange(10.0), np.array([1, 4, 9]), 2, 3); w.tolist(), i.tolist()
    ([[2.0, 3.0, 4.0, 5.0, 6.0]], [1])
    """
    samples = np.asarray(samples)
    fits = np.nonzero((samples - before >= 0) & (samples + after <= len(signal)))[0]
    if len(fits) == 0:
        return np.zeros((0, before + after), np.float32), fits
    idx = samples[fits, None] + np.arange(-before, after)[None, :]
    return np.asarray(signal, dtype=np.float32)[idx], fits


# -------------------------------------------------------------------------------------------- measures
def _check_binary(scores, labels) -> tuple[np.ndarray, np.ndarray]:
    s, y = np.asarray(scores, dtype=np.float64).reshape(-1), np.asarray(labels).reshape(-1)
    if s.shape != y.shape:
        raise ValueError(f"{s.size} scores but {y.size} labels")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 (normal) or 1 (abnormal)")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite numbers")
    return s, y.astype(np.int64)


def roc_auc(scores, labels) -> float:
    """Area under the ROC curve of ``scores`` separating ``labels == 1`` from ``labels == 0`` (ties: 1/2)."""
    s, y = _check_binary(scores, labels)
    n_pos, n_neg = int(y.sum()), int((1 - y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC needs at least one abnormal and one normal beat")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    # average ranks (1-based) over ties
    start = 0
    for end in np.append(np.nonzero(np.diff(sorted_s))[0] + 1, len(s)):
        ranks[order[start:end]] = (start + end + 1) / 2
        start = end
    u = ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def roc_curve(scores, labels) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates as the threshold goes down through every distinct score.

    >>> fpr, tpr = roc_curve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    s, y = _check_binary(scores, labels)
    thresholds = np.unique(s)[::-1]
    tp = np.array([((s >= th) & (y == 1)).sum() for th in thresholds])
    fp = np.array([((s >= th) & (y == 0)).sum() for th in thresholds])
    tpr = np.concatenate([[0], tp / max(1, y.sum())])
    fpr = np.concatenate([[0], fp / max(1, (1 - y).sum())])
    return fpr, tpr


def confusion_matrix(y_true, y_pred) -> np.ndarray:
    """2x2 counts: row = true class (0 normal, 1 abnormal), column = predicted class."""
    t, p = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    if t.shape != p.shape or not (np.isin(t, (0, 1)).all() and np.isin(p, (0, 1)).all()):
        raise ValueError("y_true and y_pred must be equally long arrays of 0 and 1")
    m = np.zeros((2, 2), np.int64)
    np.add.at(m, (t.astype(np.int64), p.astype(np.int64)), 1)
    return m


def balanced_accuracy(matrix: np.ndarray) -> float:
    """Mean recall over the classes present in a confusion matrix."""
    m = np.asarray(matrix)
    recalls = [m[i, i] / m[i].sum() for i in range(len(m)) if m[i].sum() > 0]
    if not recalls:
        raise ValueError("empty confusion matrix")
    return float(np.mean(recalls))
