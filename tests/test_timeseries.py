"""Forecasting engine: windows and scaling never leak the held-out tail, baselines use only the past, MASE and
coverage against hand computations, the forecaster learns a sine and a seasonal series, checkpoints round-trip,
the series loaders fail clearly, the CLI prints the error table."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.timeseries.baselines import naive, seasonal_naive
from engine.timeseries.metrics import Forecast, actuals, coverage, error_table, mase_scale
from engine.timeseries.model import Forecaster, ForecasterConfig, forecast
from engine.timeseries.recipe import FORECAST_TRAIN, fit_forecaster
from engine.timeseries.series import SeriesError, SeriesNotInstalled, load_series
from engine.timeseries.window import fit_scaler, tail_origins, training_windows, windows_at

torch.set_num_threads(1)


def _quick(steps: int) -> object:
    return replace(FORECAST_TRAIN, max_steps=steps, warmup_steps=20)


# ------------------------------------------------------------------------------------------- no leakage
def test_training_windows_and_scaler_never_see_the_tail() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=120)
    split = 90
    poisoned = values.copy()
    poisoned[split:] = 1e6  # a tail nothing may see
    for w, h in ((10, 1), (12, 6)):
        X, Y = training_windows(values, split, w, h)
        Xp, Yp = training_windows(poisoned, split, w, h)
        np.testing.assert_array_equal(X, Xp)
        np.testing.assert_array_equal(Y, Yp)
        assert np.abs(Xp).max() < 1e6 and np.abs(Yp).max() < 1e6
        assert len(X) == split - w - h + 1  # and every window that fits is there: the last target is x[split-1]
        assert Y[-1, -1] == values[split - 1]
    for anchor in ("mean", "last"):
        assert fit_scaler(values[:split], anchor) == fit_scaler(poisoned[:split], anchor)


def test_a_trained_model_is_the_same_whatever_the_tail_holds() -> None:
    t = np.arange(160.0)
    values = np.sin(2 * np.pi * t / 16)
    poisoned = values.copy()
    poisoned[130:] = 50.0
    config = ForecasterConfig(shape="many_to_many", window=16, horizon=4, n_hidden=8)
    a = fit_forecaster(values, 130, config, "mean", _quick(5), batch_size=8)
    b = fit_forecaster(poisoned, 130, config, "mean", _quick(5), batch_size=8)
    assert a.scaler == b.scaler
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)


def test_tail_origins_forecast_only_the_tail_from_the_past() -> None:
    origins = tail_origins(100, 80, window=10, horizon=5)
    assert origins[0] == 80 and origins[-1] == 95
    windows = windows_at(np.arange(100.0), origins, 10)
    assert (windows.max(axis=1) < origins).all()  # inputs strictly before the origin
    with pytest.raises(ValueError, match="shorter than the horizon"):
        tail_origins(100, 98, window=10, horizon=5)


def test_baselines_use_only_values_before_the_origin() -> None:
    values = np.arange(40.0)
    origins = np.array([30, 33])
    for f in (naive(values, origins, 8), seasonal_naive(values, origins, 8, period=4)):
        assert (f.point < origins[:, None]).all()
    np.testing.assert_array_equal(seasonal_naive(values, origins, 5, period=4).point[0], [26, 27, 28, 29, 26])


# ------------------------------------------------------------------------------------------ metrics
def test_mase_equals_a_hand_computation() -> None:
    train = np.array([10.0, 12.0, 11.0, 15.0, 14.0])  # m = 2: |11-10| + |15-12| + |14-11| = 7, over 3
    assert mase_scale(train, 2) == pytest.approx(7 / 3)
    values = np.concatenate([train, [16.0, 13.0, 18.0]])
    f = Forecast("demo", np.array([5, 6]), np.array([[15.0, 15.0], [14.0, 20.0]]))
    (row,) = error_table([f], values, train, period=2)
    # errors: origin 5 -> |16-15|, |13-15|; origin 6 -> |13-14|, |18-20|: MAE_h = (1, 2), MAE = 1.5
    assert row["mae_h"] == [1.0, 2.0] and row["mae"] == 1.5
    assert row["mase"] == pytest.approx(1.5 / (7 / 3)) and row["mase_h"][1] == pytest.approx(2 / (7 / 3))
    assert row["coverage"] is None


def test_interval_coverage_counts_the_truths_inside() -> None:
    actual = np.array([[1.0, 5.0], [2.0, 6.0], [3.0, 7.0], [4.0, 8.0]])
    lower = np.array([[0.0, 5.0], [2.5, 0.0], [3.0, 7.5], [0.0, 0.0]])
    upper = np.array([[2.0, 6.0], [3.0, 5.9], [3.0, 9.0], [3.9, 9.0]])
    # h=1: 1 in, 2 out (below), 3 in (on both edges), 4 out (above); h=2: in, out, out, in
    np.testing.assert_array_equal(coverage(lower, upper, actual), [0.5, 0.5])
    origins = np.array([0, 1])
    np.testing.assert_array_equal(actuals(np.arange(10.0) * 2, origins, 3), [[0, 2, 4], [2, 4, 6]])


# ------------------------------------------------------------------------------------------ learning
def test_the_forecaster_learns_a_pure_sine() -> None:
    t = np.arange(300.0)
    values = np.sin(2 * np.pi * t / 20)
    split = 250
    config = ForecasterConfig(shape="many_to_many", window=20, horizon=5, n_hidden=16)
    model = fit_forecaster(values, split, config, "mean", _quick(250))
    origins = tail_origins(len(values), split, 20, 5)
    f = forecast(model, values, origins, 5)
    (row,) = error_table([f], values, values[:split], period=1)
    assert row["mae"] < 0.1, row  # amplitude 1; measured 0.023 after 250 steps (0.65 after 5); naive: 0.55
    assert (f.lower <= f.point + 1e-9).all() and (f.point <= f.upper + 1e-9).all()


def test_the_rolled_forward_forecaster_learns_a_seasonal_series_with_a_trend() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(260.0)
    values = 0.05 * t + np.sin(2 * np.pi * t / 12) + 0.05 * rng.normal(size=len(t))
    split = 224
    config = ForecasterConfig(shape="many_to_one", window=24, n_hidden=16)
    model = fit_forecaster(values, split, config, "last", _quick(250))
    origins = tail_origins(len(values), split, 24, 6)
    f = forecast(model, values, origins, 6, n_paths=30)
    rows = error_table([f, seasonal_naive(values, origins, 6, 12), naive(values, origins, 6)], values,
                       values[:split], period=12)
    lstm, snaive, nve = (r["mase"] for r in rows)
    # the cycle and the trend are learnt (measured: MASE 0.10 after 250 steps, 1.60 after 5; seasonal naive 1.01)
    assert lstm < 0.5 and lstm < snaive < nve, rows


# ------------------------------------------------------------------------------------------ the model
def test_config_checks_and_shapes() -> None:
    with pytest.raises(ValueError, match="quantiles"):
        ForecasterConfig(quantiles=(0.1, 0.9))
    with pytest.raises(ValueError, match="shape"):
        ForecasterConfig(shape="one_to_many")
    assert ForecasterConfig(shape="many_to_one", horizon=12).horizon == 1
    m = Forecaster(ForecasterConfig(n_input=3, horizon=4, n_hidden=8, window=6))
    out, loss, _ = m(torch.zeros(5, 6, 3), torch.zeros(5, 4))  # a window of vectors in, values out
    assert out.shape == (5, 4, 7) and loss.item() >= 0


def test_checkpoint_round_trip_keeps_the_forecasts(tmp_path) -> None:
    from engine.train.checkpoint import load_model, save_checkpoint

    values = np.cumsum(np.random.default_rng(2).normal(size=120))
    model = fit_forecaster(values, 100, ForecasterConfig(window=12, horizon=3, n_hidden=8), "last", _quick(3),
                           batch_size=8)
    model.series = "demo"
    save_checkpoint(tmp_path / "m", model)
    loaded = load_model(tmp_path / "m")
    assert loaded.scaler == model.scaler and loaded.series == "demo"
    origins = tail_origins(120, 100, 12, 3)
    np.testing.assert_allclose(forecast(loaded, values, origins, 3).point, forecast(model, values, origins, 3).point)
    with pytest.raises(ValueError, match="at most 3 steps"):
        forecast(model, values, origins[:2], 5)


# ------------------------------------------------------------------------------------------ series and CLI
def test_series_are_local_and_fail_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    co2 = load_series("co2")
    assert co2.dates[0] == "1958-03" and not np.isnan(co2.values).any() and co2.period == 12
    stock = load_series("stock-MSFT")
    assert len(stock) == 123 and stock.dates[-1] == "2010-03"
    with pytest.raises(SeriesError, match="unknown series"):
        load_series("bitcoin")
    load_series.cache_clear()
    monkeypatch.setitem(sys.modules, "vega_datasets", None)  # as if not installed
    try:
        with pytest.raises(SeriesNotInstalled, match="pip install vega-datasets"):
            load_series("stock-IBM")
    finally:
        load_series.cache_clear()


def test_cli_trains_and_evaluates(tmp_path, capsys: pytest.CaptureFixture) -> None:
    from engine.cli import main

    out = tmp_path / "fc"
    assert main(["train", "forecaster", "--series", "stock-IBM", "--max-steps", "3", "--n-hidden", "8",
                 "--out", str(out), "--fp16"]) == 0
    assert {"model.safetensors", "config.json", "metrics.json", "card.md", "forecasts.json"} <= {
        p.name for p in out.iterdir()}
    capsys.readouterr()
    assert main(["eval-forecaster", str(out), "--no-arima", "--horizon", "3"]) == 0
    text = capsys.readouterr().out
    assert "naive" in text and "MASE" in text and str(out) in text
    assert main(["eval-forecaster", str(out), "--horizon", "99"]) == 2  # more than the model emits: an error


def test_statsmodels_is_imported_only_when_a_series_or_arima_needs_it() -> None:
    import subprocess

    code = ("import sys, engine.timeseries.compare, engine.timeseries.recipe, engine.cli; "
            "assert 'statsmodels' not in sys.modules, 'imported eagerly'; "
            "from engine.timeseries.series import load_series; load_series('stock-IBM'); "
            "assert 'statsmodels' not in sys.modules, 'a stock needs no statsmodels'; "
            "load_series('co2'); assert 'statsmodels' in sys.modules")
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env={"OMP_NUM_THREADS": "1", "PATH": ""})
