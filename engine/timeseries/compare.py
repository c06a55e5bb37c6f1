"""Every forecast of one series on the same held-out tail, and the error table (the page's and the CLI's).

:func:`baseline_forecasts` runs naive, seasonal naive (when the period m > 1; with m = 1 it *is* the naive
forecast) and (S)ARIMA at the tail's origins; :func:`compare` adds the given RNN forecasters and scores
them all with :func:`engine.timeseries.metrics.error_table`.

>>> result = compare("stock-IBM", {}, horizon=3, arima_baseline=False)
>>> [row["method"] for row in result.table], int(result.origins[0]) == load_series("stock-IBM").split
(['naive'], True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.timeseries.baselines import arima, naive, seasonal_naive
from engine.timeseries.metrics import Forecast, error_table
from engine.timeseries.model import Forecaster, forecast
from engine.timeseries.series import load_series
from engine.timeseries.window import tail_origins

__all__ = ["Comparison", "baseline_forecasts", "compare", "comparison_from_dict", "comparison_to_dict", "format_table"]


@dataclass
class Comparison:
    """Forecasts at ``origins`` (each a :class:`Forecast`) and their error table (one dict per method)."""

    series: str
    horizon: int
    origins: np.ndarray
    forecasts: list[Forecast]
    table: list[dict]


def baseline_forecasts(name: str, horizon: int, window: int | None = None,
                       arima_baseline: bool = True) -> list[Forecast]:
    """Naive, seasonal naive (m > 1) and, if asked, (S)ARIMA forecasts at the tail's origins."""
    s = load_series(name)
    spec = s.spec
    origins = tail_origins(len(s), s.split, window or spec.window, horizon)
    out = [naive(s.values, origins, horizon)]
    if spec.period > 1:
        out.append(seasonal_naive(s.values, origins, horizon, spec.period))
    if arima_baseline:
        out.append(arima(s.values, s.split, origins, horizon, spec.arima, spec.seasonal, spec.trend))
    return out


def compare(name: str, models: dict[str, Forecaster], horizon: int, *, arima_baseline: bool = True,
            n_paths: int = 100, seed: int = 0) -> Comparison:
    """Baselines and ``models`` (label -> forecaster) on series ``name`` at horizon ``horizon``.

    All methods use the same origins: the window of the longest-window model (or the series' default window)
    must fit before the first held-out value, which it does for every shipped setting.
    """
    s = load_series(name)
    window = max([m.config.window for m in models.values()] + [s.spec.window])
    forecasts = baseline_forecasts(name, horizon, window, arima_baseline)
    origins = forecasts[0].origins
    for label, model in models.items():
        forecasts.append(forecast(model, s.values, origins, horizon, n_paths=n_paths, seed=seed, method=label))
    return Comparison(name, horizon, origins, forecasts, error_table(forecasts, s.values, s.train, s.period))


def comparison_to_dict(c: Comparison) -> dict:
    """A JSON-able form of ``c`` (values rounded to 6 significant digits): what a shipped model stores."""
    def arr(a: np.ndarray | None) -> list | None:
        return None if a is None else [[float(f"{v:.6g}") for v in row] for row in a]

    return {"series": c.series, "horizon": c.horizon, "origins": [int(o) for o in c.origins], "table": c.table,
            "forecasts": [{"method": f.method, "level": f.level, "point": arr(f.point), "lower": arr(f.lower),
                           "upper": arr(f.upper)} for f in c.forecasts]}


def comparison_from_dict(d: dict) -> Comparison:
    """The :class:`Comparison` :func:`comparison_to_dict` wrote."""
    origins = np.asarray(d["origins"], dtype=int)

    def arr(a: list | None) -> np.ndarray | None:
        return None if a is None else np.asarray(a, dtype=float)

    forecasts = [Forecast(f["method"], origins, arr(f["point"]), arr(f["lower"]), arr(f["upper"]), f["level"])
                 for f in d["forecasts"]]
    return Comparison(d["series"], int(d["horizon"]), origins, forecasts, d["table"])


def format_table(comparison: Comparison) -> str:
    """The error table as text: MAE, MASE and interval coverage per method, then MASE per horizon."""
    c = comparison
    lines = [f"{c.series}: {len(c.origins)} forecast origins in the held-out tail, horizons 1..{c.horizon}",
             f"{'method':<26}{'MAE':>10}{'MASE':>8}{'coverage':>10}   MASE at h = 1..{c.horizon}"]
    for row in c.table:
        cov = "-" if row["coverage"] is None else f"{row['coverage']:.2f}"
        per_h = " ".join(f"{v:.2f}" for v in row["mase_h"])
        lines.append(f"{row['method']:<26}{row['mae']:>10.3f}{row['mase']:>8.3f}{cov:>10}   {per_h}")
    return "\n".join(lines)
