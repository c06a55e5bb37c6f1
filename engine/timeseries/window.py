"""Windows and scaling: what a forecaster sees, built so that nothing from the held-out tail leaks in.

A series x(1..n) is split at ``split``: ``x[:split]`` is the training part, ``x[split:]`` the held-out tail.

* :func:`training_windows`: every (window, next H values) pair lying wholly inside the training part;
* :func:`tail_origins`: the forecast origins of the evaluation: each ``o`` from ``split`` to ``n - H``,
  the model sees ``x[o - window:o]`` (the observed past, which may include earlier tail values, as it
  would in real use) and forecasts ``x[o:o + H]``;
* :class:`Scaler`: centre and scale, with statistics from the training part only.

>>> x = np.arange(10.0)
>>> X, Y = training_windows(x, split=7, window=3, horizon=2)
>>> X.tolist(), Y.tolist()
([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]], [[3.0, 4.0], [4.0, 5.0], [5.0, 6.0]])
>>> tail_origins(10, split=7, window=3, horizon=2).tolist()
[7, 8]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["ANCHORS", "Scaler", "fit_scaler", "tail_origins", "training_windows", "windows_at"]

ANCHORS = ("mean", "last")


def windows_at(values: np.ndarray, origins: np.ndarray, window: int) -> np.ndarray:
    """``values[o - window:o]`` for each origin ``o``: shape (len(origins), window)."""
    origins = np.asarray(origins, dtype=int)
    if origins.size and (origins.min() < window or origins.max() > len(values)):
        raise ValueError(f"origins must lie in [{window}, {len(values)}] for a window of {window}")
    idx = origins[:, None] + np.arange(-window, 0)[None, :]
    return np.asarray(values, dtype=float)[idx]


def training_windows(values: np.ndarray, split: int, window: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (N, window) and targets (N, horizon), every index below ``split`` (the training part)."""
    if window < 1 or horizon < 1:
        raise ValueError("window and horizon must be >= 1")
    train = np.asarray(values[:split], dtype=float)  # the tail is cut off before anything is built
    origins = np.arange(window, len(train) - horizon + 1)
    if origins.size == 0:
        raise ValueError(f"a training part of {len(train)} values is too short for window {window} + horizon {horizon}")
    targets = origins[:, None] + np.arange(horizon)[None, :]
    return windows_at(train, origins, window), train[targets]


def tail_origins(n: int, split: int, window: int, horizon: int) -> np.ndarray:
    """Forecast origins of the held-out tail: ``o`` in [split, n - horizon], each forecasting ``x[o:o+H]``."""
    if split < window:
        raise ValueError(f"the training part ({split} values) is shorter than the window ({window})")
    if n - horizon < split:
        raise ValueError(f"the held-out tail ({n - split} values) is shorter than the horizon ({horizon})")
    return np.arange(split, n - horizon + 1)


@dataclass(frozen=True)
class Scaler:
    """Scale windows for a network: ``z = (x - a) / s`` with ``a`` the anchor and ``s`` the scale.

    * ``anchor="mean"``: ``a`` is the training part's mean, ``s`` its standard deviation (for a bounded
      series such as sunspots);
    * ``anchor="last"``: ``a`` is the window's own last value and ``s`` the standard deviation of the
      training part's one-step changes, so the network predicts changes from now, which extrapolates a
      trend (co2) and makes "no change" (the naive forecast of a random walk) the zero output.

    ``centre`` and ``scale`` come from :func:`fit_scaler` on the training part only.

    >>> sc = fit_scaler(np.array([1.0, 3.0, 5.0, 7.0]), "last")
    >>> sc.scale
    0.0
    >>> sc = fit_scaler(np.array([1.0, 2.0, 4.0, 7.0]), "last")
    >>> z_in, z_out = sc.encode(np.array([[5.0, 7.0]]), np.array([[8.0]]))
    >>> z_in.round(3).tolist(), z_out.round(3).tolist(), sc.decode(z_out, np.array([[5.0, 7.0]])).tolist()
    ([[-2.449, 0.0]], [[1.225]], [[8.0]])
    """

    anchor: str
    centre: float
    scale: float

    def __post_init__(self) -> None:
        if self.anchor not in ANCHORS:
            raise ValueError(f"unknown anchor {self.anchor!r}; choose one of {ANCHORS}")

    def _a_s(self, windows: np.ndarray) -> tuple[np.ndarray, float]:
        s = self.scale if self.scale > 0 else 1.0
        if self.anchor == "mean":
            return np.full((len(windows), 1), self.centre), s
        return np.asarray(windows, dtype=float)[:, -1:], s

    def encode(self, windows: np.ndarray, targets: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Scaled inputs (N, W) and, if given, scaled targets (N, H), each row by its own window's anchor."""
        a, s = self._a_s(windows)
        z_in = (np.asarray(windows, dtype=float) - a) / s
        return z_in, None if targets is None else (np.asarray(targets, dtype=float) - a) / s

    def decode(self, z: np.ndarray, windows: np.ndarray) -> np.ndarray:
        """Values back from scaled outputs ``z`` (N, ...) of the windows they were predicted from."""
        a, s = self._a_s(windows)
        z = np.asarray(z, dtype=float)
        return z * s + a.reshape((len(a),) + (1,) * (z.ndim - 1))

    def to_dict(self) -> dict:
        return asdict(self)


def fit_scaler(train: np.ndarray, anchor: str) -> Scaler:
    """The :class:`Scaler` of ``anchor`` with statistics of ``train`` (the training part, never the tail)."""
    train = np.asarray(train, dtype=float)
    if anchor == "mean":
        return Scaler(anchor, float(train.mean()), float(train.std()))
    return Scaler(anchor, 0.0, float(np.diff(train).std()) if len(train) > 2 else 1.0)
