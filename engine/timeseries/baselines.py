"""Honest baselines on the same held-out tail: naive, seasonal naive, ARIMA/SARIMA.

* **naive**: every future value equals the last observed one, ŷ(o+h) = x(o-1) (the best forecast of a
  random walk, which monthly stock prices nearly are);
* **seasonal naive**: the value one season earlier, ŷ(o+h) = x(o+h - k·m) for the smallest k ≥ 1 that
  lands in the observed past;
* **ARIMA / SARIMA** (statsmodels' SARIMAX, imported only when called): parameters fitted by maximum
  likelihood on the training part only, then run over the series with those parameters fixed, so each
  origin's forecast uses the data observed before it, with its 80 % prediction interval.

>>> x = np.array([1.0, 2.0, 3.0, 10.0, 20.0, 30.0, 0.0, 0.0])
>>> naive(x, np.array([6]), 4).point.tolist()
[[30.0, 30.0, 30.0, 30.0]]
>>> seasonal_naive(x, np.array([6]), 4, period=3).point.tolist()
[[10.0, 20.0, 30.0, 10.0]]
"""

from __future__ import annotations

import warnings

import numpy as np

from engine.timeseries.metrics import Forecast

__all__ = ["arima", "naive", "seasonal_naive"]


def naive(values: np.ndarray, origins: np.ndarray, horizon: int) -> Forecast:
    """The last observed value, repeated for every step ahead."""
    origins = np.asarray(origins, dtype=int)
    last = np.asarray(values, dtype=float)[origins - 1]
    return Forecast("naive", origins, np.repeat(last[:, None], horizon, axis=1))


def seasonal_naive(values: np.ndarray, origins: np.ndarray, horizon: int, period: int) -> Forecast:
    """The value one (or more) seasons of ``period`` steps earlier, always from before the origin."""
    origins = np.asarray(origins, dtype=int)
    h = np.arange(horizon)
    back = period * (h // period + 1)  # steps back from the target o + h to the observed past
    idx = origins[:, None] + h[None, :] - back[None, :]
    return Forecast("seasonal_naive", origins, np.asarray(values, dtype=float)[idx])


def arima(values: np.ndarray, split: int, origins: np.ndarray, horizon: int, order: tuple[int, int, int],
          seasonal: tuple[int, int, int, int] = (0, 0, 0, 0), trend: str = "n", level: float = 0.8) -> Forecast:
    """(S)ARIMA fitted on ``values[:split]``; dynamic forecasts of ``horizon`` steps from each origin."""
    try:
        from statsmodels.tsa.statespace.sarimax import SARIMAX
    except ImportError as exc:
        raise ImportError("the ARIMA baseline needs statsmodels: `pip install statsmodels`") from exc
    values = np.asarray(values, dtype=float)
    origins = np.asarray(origins, dtype=int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter of the optimiser on short series
        fitted = SARIMAX(values[:split], order=order, seasonal_order=seasonal, trend=trend).fit(disp=False)
        full = fitted.apply(values)  # the same parameters, filtered over the whole series
        point = np.empty((len(origins), horizon))
        lower, upper = np.empty_like(point), np.empty_like(point)
        for i, o in enumerate(origins):
            pred = full.get_prediction(start=int(o), end=int(o) + horizon - 1, dynamic=True)
            ci = np.asarray(pred.conf_int(alpha=1 - level))
            point[i], lower[i], upper[i] = np.asarray(pred.predicted_mean), ci[:, 0], ci[:, 1]
    name = "sarima" if any(seasonal[:3]) else "arima"
    return Forecast(name, origins, point, lower, upper, level)
