"""Interpretable units: which LSTM cells track what in the text (Karpathy, Johnson & Fei-Fei 2015; LSTMVis).

* :func:`text_features`: numbers computed from the text alone, one per character (position in the line,
  inside a speaker's name line, right after a colon, start of a capitalised word, end-of-sentence
  punctuation, inside brackets or quotes, vowel vs consonant, ...).
* :func:`correlations` and :func:`rank_units`: Pearson's r between every unit's activation (c(t) or h(t))
  and every feature, ranked by |r|.
* :func:`span_units`: the units most active over a span of the passage (their mean over the span, in standard
  deviations above their mean over the passage), and :func:`firing_passages`: other passages where they fire.
* :func:`saturation`: per unit, the fraction of steps a gate is left-saturated (< 0.1) or right-saturated
  (> 0.9), as in Karpathy et al.'s figure.
* :func:`pca_2d`: the hidden-state trajectory h(1), h(2), ... projected on its two principal components.

Worked example: a constructed "unit" that counts the position in the line correlates with that feature::

    >>> import numpy as np
    >>> text = "ROMEO:\\nBut soft!\\nWhat light?\\n"
    >>> feats = text_features(text)
    >>> feats["line_position"][:9].tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 0.0, 1.0]
    >>> acts = np.stack([feats["line_position"] * 0.1, np.cos(np.arange(len(text)))], axis=1)   # (T, H=2)
    >>> best = rank_units(acts, feats)[0]
    >>> best.feature, best.unit, round(best.r, 3)
    ('line_position', 0, 1.0)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "FEATURES",
    "SATURATION_HIGH",
    "SATURATION_LOW",
    "UnitMatch",
    "correlations",
    "firing_passages",
    "pca_2d",
    "rank_units",
    "saturation",
    "span_units",
    "text_features",
]

#: The text features, in the order the page lists them.
FEATURES = (
    "line_position",
    "line_start",
    "speaker_line",
    "after_colon",
    "capital_word_start",
    "uppercase",
    "word_position",
    "space",
    "newline",
    "sentence_end",
    "inside_brackets",
    "inside_quotes",
    "vowel",
)
#: Karpathy et al.'s thresholds: a gate below 0.1 is left-saturated (closed), above 0.9 right-saturated (open).
SATURATION_LOW, SATURATION_HIGH = 0.1, 0.9

_SPEAKER = re.compile(r"[A-Z][A-Za-z' ,.-]{0,40}:")  # a line that is only a name and a colon ("First Citizen:")
_VOWELS = set("aeiouAEIOU")
_OPEN, _CLOSE = "([{", ")]}"
_QUOTES = {'"': '"', "“": "”", "‘": "’", "«": "»"}


def text_features(text: str) -> dict[str, np.ndarray]:
    """Every feature of :data:`FEATURES` for each character of ``text``, as float arrays of length T.

    ``line_position`` counts characters since the line began (0 at its first); ``speaker_line`` is 1 on every
    character of a line that is only a speaker's name and a colon, its line break included; ``after_colon``
    is 1 on the character right after ``:``; ``inside_brackets`` / ``inside_quotes`` are 1 between an opening
    and its closing mark (the marks included); ``vowel`` is +1 on a vowel letter, -1 on a consonant, 0 on
    anything else; ``word_position`` counts letters since the word began (0 outside words).

    >>> f = text_features("KING:\\nAh (so)!")
    >>> f["speaker_line"].tolist()[:7], f["inside_brackets"].tolist()[8:]
    ([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    >>> f["vowel"].tolist()[6:8], f["capital_word_start"].tolist()[:2]
    ([1.0, -1.0], [1.0, 0.0])
    """
    n = len(text)
    out = {name: np.zeros(n, dtype=np.float64) for name in FEATURES}
    start = 0
    for line in text.split("\n"):
        end = start + len(line)  # index of this line's line break (or n)
        out["line_position"][start:end + 1] = np.arange(min(end + 1, n) - start)
        if start < n:
            out["line_start"][start] = 1.0
        if _SPEAKER.fullmatch(line):
            out["speaker_line"][start:min(end + 1, n)] = 1.0
        start = end + 1
    depth, quote, word = 0, None, 0
    for k, ch in enumerate(text):
        word = word + 1 if ch.isalpha() else 0
        out["word_position"][k] = word
        if k and text[k - 1] == ":":
            out["after_colon"][k] = 1.0
        if ch.isupper() and word == 1:
            out["capital_word_start"][k] = 1.0
        out["uppercase"][k] = float(ch.isupper())
        out["space"][k] = float(ch == " ")
        out["newline"][k] = float(ch == "\n")
        out["sentence_end"][k] = float(ch in ".!?")
        if ch.isalpha():
            out["vowel"][k] = 1.0 if ch in _VOWELS else -1.0
        if ch in _OPEN:
            depth += 1
        out["inside_brackets"][k] = float(depth > 0)
        if ch in _CLOSE:
            depth = max(0, depth - 1)
        if quote is None and ch in _QUOTES:
            quote = _QUOTES[ch]
            out["inside_quotes"][k] = 1.0
        elif quote is not None:
            out["inside_quotes"][k] = 1.0
            if ch == quote:
                quote = None
    return out


def feature_matrix(features: Mapping[str, np.ndarray], names: Sequence[str] = FEATURES) -> np.ndarray:
    """The features as one (T, F) matrix, columns in the order of ``names``."""
    return np.stack([np.asarray(features[n], dtype=np.float64) for n in names], axis=1)


def correlations(acts: np.ndarray, feats: np.ndarray) -> np.ndarray:
    """Pearson's r of every feature (columns of ``feats``, (T, F)) with every unit (columns of ``acts``, (T, H)).

    Returns (F, H). A constant column (a feature absent from the passage, a dead unit) has r = 0.

    >>> a = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    >>> correlations(a, np.array([[3.0], [2.0], [1.0]])).round(3).tolist()
    [[-1.0, 0.0]]
    """
    a = np.asarray(acts, dtype=np.float64)
    f = np.asarray(feats, dtype=np.float64)
    if a.ndim != 2 or f.ndim != 2 or a.shape[0] != f.shape[0]:
        raise ValueError(f"acts (T, H) and feats (T, F) need the same T, got {a.shape} and {f.shape}")
    a = a - a.mean(0)
    f = f - f.mean(0)
    cov = f.T @ a  # (F, H)
    norm = np.sqrt((f ** 2).sum(0))[:, None] * np.sqrt((a ** 2).sum(0))[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(norm > 1e-12, cov / np.where(norm > 1e-12, norm, 1.0), 0.0)
    return np.clip(r, -1.0, 1.0)


@dataclass(frozen=True)
class UnitMatch:
    """One ranked (feature, unit) pair: Pearson's ``r`` over ``n`` characters."""

    feature: str
    unit: int
    r: float
    n: int = 0


def rank_units(acts: np.ndarray, features: Mapping[str, np.ndarray], *, per_feature: int = 1,
               r: np.ndarray | None = None) -> list[UnitMatch]:
    """The ``per_feature`` best units of every feature (by |r|), all of them sorted by |r|, best first.

    ``r`` (F, H) may be given precomputed (the validation split's, streamed); otherwise it is computed from
    ``acts`` (T, H) and ``features``.
    """
    names = [n for n in FEATURES if n in features]
    if r is None:
        r = correlations(acts, feature_matrix(features, names))
    n = int(np.asarray(acts).shape[0]) if acts is not None else 0
    rows = []
    for k, name in enumerate(names):
        for unit in np.argsort(-np.abs(r[k]), kind="stable")[:per_feature]:
            rows.append(UnitMatch(name, int(unit), float(r[k, unit]), n))
    return sorted(rows, key=lambda m: -abs(m.r))


def span_units(acts: np.ndarray, start: int, end: int, top: int = 5) -> list[tuple[int, float]]:
    """The ``top`` units most active over characters ``start..end-1``: ``(unit, z)`` best first.

    ``z`` is the unit's mean over the span minus its mean over the passage, in units of its standard
    deviation over the passage (so a unit that is always high does not win).

    >>> acts = np.zeros((6, 3)); acts[2:4, 1] = 1.0; acts[:, 2] = 1.0     # unit 1 fires on chars 2..3
    >>> span_units(acts, 2, 4, top=1)
    [(1, 1.414)]
    """
    a = np.asarray(acts, dtype=np.float64)
    if not 0 <= start < end <= a.shape[0]:
        raise ValueError(f"span {start}..{end} is not inside the passage of {a.shape[0]} characters")
    sd = a.std(0)
    z = np.where(sd > 1e-12, (a[start:end].mean(0) - a.mean(0)) / np.where(sd > 1e-12, sd, 1.0), 0.0)
    order = np.argsort(-z, kind="stable")[:top]
    return [(int(u), round(float(z[u]), 3)) for u in order]


def firing_passages(peaks: np.ndarray, units: Sequence[int], top: int = 3,
                    exclude: Sequence[int] = ()) -> list[tuple[int, float]]:
    """Passages where ``units`` fire together: ``(passage index, score)`` best first.

    ``peaks`` (P, H) holds, per passage, each unit's largest activation over it; a passage's score is the
    mean of the chosen units' peaks.

    >>> peaks = np.array([[0.1, 0.9], [0.8, 0.7], [0.9, 0.1]])
    >>> firing_passages(peaks, [0, 1], top=2)
    [(1, 0.75), (0, 0.5)]
    """
    p = np.asarray(peaks, dtype=np.float64)
    if not units:
        return []
    score = p[:, list(units)].mean(1)
    score[list(exclude)] = -np.inf
    order = np.argsort(-score, kind="stable")[:top]
    return [(int(k), round(float(score[k]), 3)) for k in order if np.isfinite(score[k])]


def saturation(gates: Mapping[str, np.ndarray], names: Sequence[str] = ("i", "f", "o")) -> dict[str, dict]:
    """Per gate: each unit's fraction of steps below 0.1 (``left``) and above 0.9 (``right``), (H,) arrays.

    >>> g = {"f": np.array([[0.05, 0.5], [0.95, 0.5], [0.99, 0.5], [0.5, 0.5]])}
    >>> s = saturation(g, ["f"])["f"]
    >>> s["left"].tolist(), s["right"].tolist()
    ([0.25, 0.0], [0.5, 0.0])
    """
    out = {}
    for name in names:
        g = np.asarray(gates[name])
        out[name] = {"left": (g < SATURATION_LOW).mean(0), "right": (g > SATURATION_HIGH).mean(0)}
    return out


def pca_2d(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(points (T, 2), explained)``: h(t) projected on its first two principal components.

    ``explained`` holds the fraction of the variance each component carries. A passage of one character
    (or all-equal states) projects to the origin.

    >>> pts, ev = pca_2d(np.array([[0.0, 0.0, 1.0], [2.0, 0.0, 1.0], [4.0, 0.0, 1.0]]))
    >>> np.abs(pts[:, 0]).round(3).tolist(), ev.round(3).tolist()
    ([2.0, 0.0, 2.0], [1.0, 0.0])
    """
    x = np.asarray(h, dtype=np.float64)
    x = x - x.mean(0)
    pts, ev = np.zeros((x.shape[0], 2)), np.zeros(2)
    total = float((x ** 2).sum())
    if x.shape[0] < 2 or total <= 0:
        return pts, ev
    # eigen-decompose the smaller of XᵀX (H, H) and XXᵀ (T, T): the same top components, ~5x faster than an SVD
    small = x.T @ x if x.shape[0] >= x.shape[1] else x @ x.T
    lam, vec = np.linalg.eigh(small)  # ascending
    k = min(2, lam.size)
    lam, vec = np.clip(lam[::-1][:k], 0.0, None), vec[:, ::-1][:, :k]
    pts[:, :k] = x @ vec if x.shape[0] >= x.shape[1] else vec * np.sqrt(lam)
    ev[:k] = lam / total
    return pts, ev
