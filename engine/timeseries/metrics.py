"""Forecast errors on the held-out tail: MAE, MASE and the coverage of prediction intervals, per horizon.

A :class:`Forecast` holds, for each forecast origin ``o`` (a row), the point forecasts of ``x[o:o+H]`` and
optionally a prediction interval (lower, upper) of nominal ``level``. Per horizon h = 1..H:

* MAE_h = mean over origins of ``|x(o+h-1) - point_h|``;
* MASE_h = MAE_h / q, with q the in-sample mean absolute error of the **seasonal naive** forecast on the
  training part, ``mean |x(t) - x(t-m)|`` (Hyndman & Koehler 2006): MASE < 1 beats that simple rule;
* coverage_h = the fraction of origins whose true value lies inside [lower_h, upper_h] (an 80 % interval
  should cover about 0.8).

A small case by hand: training part (1, 3, 2, 4) with m = 1, so q = (2 + 1 + 2) / 3 = 5/3;

>>> train = np.array([1.0, 3.0, 2.0, 4.0])
>>> mase_scale(train, period=1)
1.6666666666666667
>>> actual = np.array([[5.0, 6.0], [6.0, 8.0]])
>>> f = Forecast("demo", np.array([4, 5]), np.array([[4.0, 4.0], [6.0, 6.0]]),
...              lower=np.array([[3.0, 3.0], [5.0, 5.0]]), upper=np.array([[5.5, 5.5], [7.0, 7.0]]))
>>> mae(f.point, actual).tolist()          # h=1: (1 + 0) / 2, h=2: (2 + 2) / 2
[0.5, 2.0]
>>> (mae(f.point, actual) / mase_scale(train, 1)).round(2).tolist()
[0.3, 1.2]
>>> coverage(f.lower, f.upper, actual).tolist()   # h=1: 5 in [3, 5.5], 6 in [5, 7]; h=2: neither
[1.0, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Forecast", "actuals", "coverage", "error_table", "mae", "mase_scale"]


@dataclass
class Forecast:
    """Forecasts of one method at many origins: ``point`` (N, H); ``lower``/``upper`` (N, H) or None."""

    method: str
    origins: np.ndarray
    point: np.ndarray
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    level: float = 0.8

    @property
    def horizon(self) -> int:
        return int(self.point.shape[1])


def actuals(values: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
    """The true values ``x[o:o+H]`` for each origin: (N, H)."""
    idx = np.asarray(origins, dtype=int)[:, None] + np.arange(horizon)[None, :]
    return np.asarray(values, dtype=float)[idx]


def mae(point: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Mean absolute error per horizon (column): shape (H,)."""
    return np.abs(np.asarray(actual, float) - np.asarray(point, float)).mean(axis=0)


def mase_scale(train: np.ndarray, period: int) -> float:
    """In-sample MAE of the seasonal naive forecast ``x(t-m)`` on the training part: MASE's denominator."""
    train = np.asarray(train, dtype=float)
    if len(train) <= period:
        raise ValueError(f"a training part of {len(train)} values is too short for the seasonal period {period}")
    return float(np.abs(train[period:] - train[:-period]).mean())


def coverage(lower: np.ndarray, upper: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Fraction of true values inside [lower, upper], per horizon (column): shape (H,)."""
    actual = np.asarray(actual, float)
    return ((actual >= lower) & (actual <= upper)).mean(axis=0)


def error_table(forecasts: list[Forecast], values: np.ndarray, train: np.ndarray, period: int,
                horizon: int | None = None) -> list[dict]:
    """One row per method: MAE, MASE (mean over h = 1..H and per h) and interval coverage where it has one."""
    scale = mase_scale(train, period)
    rows = []
    for f in forecasts:
        H = horizon or f.horizon
        actual = actuals(values, f.origins, H)
        per_h = mae(f.point[:, :H], actual)
        row = {"method": f.method, "horizon": H, "origins": len(f.origins), "mae": float(per_h.mean()),
               "mase": float(per_h.mean() / scale), "mae_h": per_h.tolist(), "mase_h": (per_h / scale).tolist(),
               "coverage": None, "coverage_h": None, "level": f.level}
        if f.lower is not None and f.upper is not None:
            cov = coverage(f.lower[:, :H], f.upper[:, :H], actual)
            row.update(coverage=float(cov.mean()), coverage_h=cov.tolist())
        rows.append(row)
    return rows
