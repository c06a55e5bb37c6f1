"""Numeric time series: the notes' motivating applications of RNNs (stock prices, ECG analysis).

Forecasting (sequence data of numbers, a window of the past in, the future out):

* :mod:`engine.timeseries.series`: the series (statsmodels' sunspots and co2, vega-datasets' monthly stock
  prices 2000-2010), loaded from the installed packages, no network; each with its held-out tail.
* :mod:`engine.timeseries.window`: windows and scaling, with statistics from the training part only.
* :mod:`engine.timeseries.model`: LSTM/GRU forecasters, many-to-one (rolled forward) and many-to-many
  (H values at once), quantile outputs for prediction intervals; generic (a window of vectors in, values out).
* :mod:`engine.timeseries.baselines`: naive, seasonal naive, ARIMA/SARIMA (statsmodels, imported lazily).
* :mod:`engine.timeseries.metrics`: MAE, MASE (scaled by the seasonal-naive error), interval coverage.
* :mod:`engine.timeseries.recipe`: training a forecaster; :mod:`engine.timeseries.compare`: every
  forecast on the same held-out tail and the error table.

ECG (MIT-BIH record 100, from the data directory):

* :mod:`engine.timeseries.wfdb`: the WFDB record and annotation reader.
* ``engine.timeseries.ecg*``: next-sample prediction error as an anomaly score, the beat classifier.
"""
