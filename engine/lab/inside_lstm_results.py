"""The Inside-the-LSTM page's precomputed results: the shipped char-LSTM over the whole validation split.

The validation split of Tiny Shakespeare (its last 10 %, as the model was trained) is cut into passages of
about :data:`PASSAGE_CHARS` characters or more, ending at a blank line (so most start with a speaker's name);
each passage is read from zero state, as the page reads one. Streamed over all of them (never holding more
than one passage's trace):

* Pearson's r of every unit's c(t) and h(t) with every text feature of :mod:`engine.lab.units` (sums of
  a, a², f, f², f·a accumulated, so r is over every character of the split);
* the gate saturation fractions per unit (< 0.1 and > 0.9) for the input, forget and output gates;
* per passage, each unit's largest h(t): where it fires (for the span query's "other passages").

Written to ``pretrained/lab-inside-lstm/`` by::

    python -m engine lab inside-lstm --data-dir ../shared/data --out pretrained/lab-inside-lstm

``results.json`` (the command, the passages, the ranking tables) and ``arrays.npz`` (r, saturation, peaks).
:func:`load_results` reads them back; a missing or foreign file raises :class:`ResultsError`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine.lab.inside_lstm import lstm_trace
from engine.lab.units import FEATURES, feature_matrix, text_features
from engine.train.checkpoint import PRETRAINED_DIR

__all__ = ["FORMAT", "PASSAGE_CHARS", "QUANTITIES", "SHIPPED_DIR", "InsideResults", "ResultsError",
           "load_results", "precompute", "save_results", "split_passages"]

FORMAT = "rnnlab-inside-lstm"
SHIPPED_DIR = PRETRAINED_DIR / "lab-inside-lstm"
#: About how long a validation passage is (it ends at a line break).
PASSAGE_CHARS = 400
#: The activations correlated with the text features.
QUANTITIES = ("c", "h")
GATES = ("i", "f", "o")


class ResultsError(ValueError):
    """A results folder that is missing, unreadable or not in this format."""


def split_passages(text: str, chars: int = PASSAGE_CHARS) -> list[str]:
    """Consecutive passages of at least ``chars`` characters (the last may be shorter), each ending after a blank
    line where one comes within the next ``2 * chars`` characters (so passages start with a speaker's name), else at
    the next line break.

    >>> split_passages("A:\\nab\\n\\nB:\\ncd\\nef\\n\\nC:\\ngh\\n", chars=4)
    ['A:\\nab\\n\\n', 'B:\\ncd\\nef\\n\\n', 'C:\\ngh\\n']
    """
    out, start = [], 0
    while start < len(text):
        end = text.find("\n\n", start + chars - 2, start + 3 * chars)
        if end >= 0:
            end += 2
        else:
            end = text.find("\n", start + chars - 1)
            end = len(text) if end < 0 else end + 1
        out.append(text[start:end])
        start = end
    return out


class _Moments:
    """Running sums for Pearson's r between (T, F) features and (T, H) activations, one chunk at a time."""

    def __init__(self, n_feat: int, n_unit: int):
        self.n = 0
        self.sa, self.saa = np.zeros(n_unit), np.zeros(n_unit)
        self.sf, self.sff = np.zeros(n_feat), np.zeros(n_feat)
        self.sfa = np.zeros((n_feat, n_unit))

    def add(self, f: np.ndarray, a: np.ndarray) -> None:
        a = a.astype(np.float64)
        self.n += a.shape[0]
        self.sa += a.sum(0)
        self.saa += (a * a).sum(0)
        self.sf += f.sum(0)
        self.sff += (f * f).sum(0)
        self.sfa += f.T @ a

    def r(self) -> np.ndarray:
        n = self.n
        cov = self.sfa - np.outer(self.sf, self.sa) / n
        var_f = np.maximum(self.sff - self.sf ** 2 / n, 0.0)
        var_a = np.maximum(self.saa - self.sa ** 2 / n, 0.0)
        norm = np.sqrt(np.outer(var_f, var_a))
        return np.clip(np.where(norm > 1e-9, cov / np.where(norm > 1e-9, norm, 1.0), 0.0), -1.0, 1.0)


@dataclass
class InsideResults:
    """The precomputed results: ``r`` (L, 2, F, H) for c and h, ``left``/``right`` (L, 3, H) saturation
    fractions of the i, f, o gates, ``peaks`` (P, L, H) each unit's largest h(t) per passage."""

    meta: dict
    passages: list[str]
    r: np.ndarray
    left: np.ndarray
    right: np.ndarray
    peaks: np.ndarray

    def correlation(self, layer: int, quantity: str = "c") -> np.ndarray:
        """(F, H): r of every feature of :data:`FEATURES` with every unit of ``layer``'s c or h."""
        return self.r[layer, QUANTITIES.index(quantity)]


@torch.no_grad()
def precompute(model: nn.Module, val_text: str, *, passage_chars: int = PASSAGE_CHARS, command: str = "",
               progress=None) -> InsideResults:
    """Stream the model over every passage of ``val_text``; see the module docstring."""
    feats_all = feature_matrix(text_features(val_text))  # features need the whole text's context (T, F)
    passages = split_passages(val_text, passage_chars)
    n_layer, hidden = model.rnn.num_layers, model.rnn.hidden_size
    moments = [[_Moments(len(FEATURES), hidden) for _ in QUANTITIES] for _ in range(n_layer)]
    left = np.zeros((n_layer, len(GATES), hidden))
    right = np.zeros((n_layer, len(GATES), hidden))
    peaks = np.zeros((len(passages), n_layer, hidden), dtype=np.float32)
    start, t0 = 0, time.process_time()
    for k, passage in enumerate(passages):
        trace = lstm_trace(model, passage, max_chars=len(passage))
        f = feats_all[start:start + len(passage)]
        for layer, q in enumerate(trace.layers):
            for j, name in enumerate(QUANTITIES):
                moments[layer][j].add(f, q[name])
            for j, gate in enumerate(GATES):
                left[layer, j] += (q[gate] < 0.1).sum(0)
                right[layer, j] += (q[gate] > 0.9).sum(0)
            peaks[k, layer] = q["h"].max(0)
        start += len(passage)
        if progress is not None:
            progress(k + 1, len(passages))
    r = np.array([[m.r() for m in row] for row in moments], dtype=np.float32)  # (L, 2, F, H)
    meta = {"format": FORMAT, "version": 1, "command": command, "features": list(FEATURES),
            "quantities": list(QUANTITIES), "gates": list(GATES), "characters": len(val_text),
            "passage_chars": passage_chars, "n_layer": n_layer, "n_hidden": hidden,
            "cpu_seconds": round(time.process_time() - t0, 1), "ranking": _ranking(r)}
    return InsideResults(meta, passages, r, (left / len(val_text)).astype(np.float32),
                         (right / len(val_text)).astype(np.float32), peaks)


def _ranking(r: np.ndarray, top: int = 3) -> list[dict]:
    """Human-readable tables for results.json: per layer, quantity and feature, the best units by |r|."""
    rows = []
    for layer in range(r.shape[0]):
        for j, q in enumerate(QUANTITIES):
            for k, feat in enumerate(FEATURES):
                best = np.argsort(-np.abs(r[layer, j, k]), kind="stable")[:top]
                rows.append({"layer": layer + 1, "quantity": q, "feature": feat,
                             "units": [int(u) for u in best], "r": [round(float(r[layer, j, k, u]), 4) for u in best]})
    return rows


def save_results(results: InsideResults, out_dir: str | Path) -> Path:
    out = Path(out_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({**results.meta, "passages": results.passages},
                                                 ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    np.savez_compressed(out / "arrays.npz", r=results.r.astype(np.float16), left=results.left.astype(np.float16),
                        right=results.right.astype(np.float16), peaks=results.peaks.astype(np.float16))
    return out


def load_results(path: str | Path = SHIPPED_DIR) -> InsideResults:
    """Read a results folder written by :func:`save_results` (the shipped one by default)."""
    folder = Path(path)
    try:
        data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        with np.load(folder / "arrays.npz") as z:
            arrays = {k: z[k].astype(np.float32) for k in ("r", "left", "right", "peaks")}
    except (OSError, ValueError, KeyError) as exc:
        raise ResultsError(f"cannot read the Inside-the-LSTM results in {folder}: {exc}") from exc
    if data.get("format") != FORMAT:
        raise ResultsError(f"{folder / 'results.json'} is not an {FORMAT} file")
    passages = data.pop("passages")
    if arrays["peaks"].shape[0] != len(passages) or arrays["r"].shape[2] != len(FEATURES):
        raise ResultsError(f"{folder}: arrays do not match the passages or the features")
    return InsideResults(data, passages, **arrays)
