"""The forecasting series, loaded from installed packages (no network, no data directory).

* ``sunspots``: yearly mean sunspot numbers 1700-2008 (statsmodels' ``sunspots`` dataset); the solar cycle
  is about 11 years, so the seasonal period is m = 11.
* ``co2``: atmospheric CO₂ at Mauna Loa (statsmodels' ``co2``, weekly 1958-2001, averaged here to months,
  the few missing months filled by linear interpolation); a rising trend with a yearly cycle, m = 12.
* ``stock-AAPL``, ``stock-AMZN``, ``stock-IBM``, ``stock-MSFT``: monthly closing prices 2000-2010 from
  vega-datasets' ``stocks`` (a CSV shipped inside the package). Prices are close to a random walk, so
  m = 1 (the "seasonal" naive forecast is the naive one) and no model should be expected to beat it.

Each series keeps its last ``test_len`` values as the **held-out tail**: no model, scaler or baseline
sees them while fitting. :func:`load_series` returns a :class:`Series`; a missing package raises
:class:`SeriesNotInstalled` naming what to ``pip install``:

>>> s = load_series("sunspots")
>>> len(s), s.period, s.test_len, s.dates[0], s.values[:3].tolist()
(309, 11, 40, '1700', [5.0, 11.0, 16.0])
>>> len(s.train), s.split
(269, 269)
>>> load_series("gold")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
engine.timeseries.series.SeriesError: unknown series 'gold'; choose one of: sunspots, co2, stock-AAPL, ...
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.data.corpora import DataError

__all__ = ["SERIES", "STOCKS", "Series", "SeriesError", "SeriesNotInstalled", "SeriesSpec", "load_series"]

STOCKS = ("AAPL", "AMZN", "IBM", "MSFT")


class SeriesError(DataError):
    """An unknown series name, or a series too short for the windows asked of it."""


class SeriesNotInstalled(SeriesError):
    """The package a series comes from is not installed; the message names what to install."""


@dataclass(frozen=True)
class SeriesSpec:
    """How to load one series and how it is evaluated.

    ``period``: the seasonal period m (seasonal naive, SARIMA, MASE); ``test_len``: the held-out tail;
    ``window``: the default input window of the forecasters; ``horizon``: the most steps ahead H;
    ``arima``: the (p, d, q) order and ``seasonal``: the (P, D, Q, m) order of the SARIMA baseline;
    ``anchor``: how the forecaster scales windows (see :class:`engine.timeseries.window.Scaler`).
    """

    name: str
    package: str
    period: int
    test_len: int
    window: int
    horizon: int
    arima: tuple[int, int, int]
    seasonal: tuple[int, int, int, int] = (0, 0, 0, 0)
    anchor: str = "last"
    trend: str = "n"
    unit: str = ""


@dataclass(frozen=True)
class Series:
    """A loaded series: its values, their dates (ISO text), and its :class:`SeriesSpec`."""

    spec: SeriesSpec
    values: np.ndarray = field(repr=False)
    dates: tuple[str, ...] = field(repr=False)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def period(self) -> int:
        return self.spec.period

    @property
    def test_len(self) -> int:
        return self.spec.test_len

    @property
    def split(self) -> int:
        """Index of the first held-out value: ``values[:split]`` is the training part."""
        return len(self.values) - self.spec.test_len

    @property
    def train(self) -> np.ndarray:
        return self.values[: self.split]

    @property
    def test(self) -> np.ndarray:
        return self.values[self.split:]


SERIES: dict[str, SeriesSpec] = {
    "sunspots": SeriesSpec("sunspots", "statsmodels", period=11, test_len=40, window=22, horizon=11,
                           arima=(9, 0, 0), anchor="mean", trend="c", unit="sunspot number"),
    "co2": SeriesSpec("co2", "statsmodels", period=12, test_len=60, window=36, horizon=12,
                      arima=(1, 1, 1), seasonal=(0, 1, 1, 12), unit="ppm"),
    **{f"stock-{s}": SeriesSpec(f"stock-{s}", "vega_datasets", period=1, test_len=24, window=24, horizon=6,
                                arima=(1, 1, 1), unit="USD") for s in STOCKS},
}


def _missing(package: str, exc: ImportError) -> SeriesNotInstalled:
    return SeriesNotInstalled(f"this series comes from the Python package {package!r}, which is not installed "
                              f"({exc}); install it with `pip install {package.replace('_', '-')}` "
                              "(pinned in requirements.txt)")


def _sunspots() -> tuple[np.ndarray, list[str]]:
    try:
        from statsmodels.datasets import sunspots
    except ImportError as exc:
        raise _missing("statsmodels", exc) from exc
    df = sunspots.load_pandas().data
    return df["SUNACTIVITY"].to_numpy(float), [str(int(y)) for y in df["YEAR"]]


def _co2() -> tuple[np.ndarray, list[str]]:
    try:
        from statsmodels.datasets import co2
    except ImportError as exc:
        raise _missing("statsmodels", exc) from exc
    monthly = co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    return monthly.to_numpy(float), [d.strftime("%Y-%m") for d in monthly.index]


def _stock(symbol: str) -> tuple[np.ndarray, list[str]]:
    try:
        from vega_datasets import data
    except ImportError as exc:
        raise _missing("vega_datasets", exc) from exc
    df = data.stocks()
    df = df[df["symbol"] == symbol].sort_values("date")
    return df["price"].to_numpy(float), [d.strftime("%Y-%m") for d in df["date"]]


_LOADERS: dict[str, Callable[[], tuple[np.ndarray, list[str]]]] = {
    "sunspots": _sunspots, "co2": _co2, **{f"stock-{s}": functools.partial(_stock, s) for s in STOCKS}}


@functools.lru_cache(maxsize=16)
def load_series(name: str) -> Series:
    """The series ``name`` (a key of :data:`SERIES`), values as float64; cached, treat as read-only."""
    if name not in SERIES:
        raise SeriesError(f"unknown series {name!r}; choose one of: {', '.join(SERIES)}")
    values, dates = _LOADERS[name]()
    values.setflags(write=False)
    return Series(SERIES[name], values, tuple(dates))
