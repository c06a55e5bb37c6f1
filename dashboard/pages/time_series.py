"""Time series: LSTM forecasters of real series against honest baselines, with prediction intervals.

Pick a series (sunspots, co2, a monthly stock price), a model shape (many-to-one rolled forward, or
many-to-many emitting H values at once) and a horizon; the page draws the series, its held-out tail and
each method's forecast from a chosen origin with its 80 % band, and the error table (MAE, MASE, coverage)
over every origin of the tail. The shipped models' forecasts are precomputed (``forecasts.json`` next to
their weights, written by ``python -m engine train forecaster --out``), so the page opens instantly; "train
again" trains a new one live with a progress bar (:mod:`engine.timeseries.recipe`). Settings live in the URL.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard.components.charts_forecast import Drawn, forecast_figure, horizon_figure
from dashboard.components.url_state import Setting, UrlState
from dashboard.i18n import t
from engine.timeseries.compare import Comparison, comparison_from_dict
from engine.timeseries.metrics import error_table
from engine.timeseries.model import CELLS, SHAPES, forecast
from engine.timeseries.series import SERIES, SeriesError, load_series
from engine.train.checkpoint import PRETRAINED_DIR

_P = "page.time_series."
SHORT = {"many_to_one": "m2o", "many_to_many": "m2m"}
STEP_OPTIONS = (100, 200, 300, 500, 1000)
MAX_LIVE_STEPS = max(STEP_OPTIONS)
TRAINED_KEY = "ts.trained"  # {(series, shape): {"forecast": Forecast, "cell": str, "steps": int, "seconds": float}}
URL = UrlState("ts.", {
    "series": Setting("co2", tuple(SERIES)), "model": Setting("many_to_many", SHAPES),
    "horizon": Setting(12, (1, max(s.horizon for s in SERIES.values()))), "origin": Setting(0, (0, 500)),
    "cell": Setting("lstm", CELLS), "steps": Setting(300, (STEP_OPTIONS[0], MAX_LIVE_STEPS)),
})


def _t(key: str, **fmt: object) -> str:
    return t(_P + key, **fmt)


def shipped_name(series: str, shape: str) -> str:
    """The folder under ``pretrained/`` of the shipped forecaster of ``series`` with ``shape``."""
    return f"forecaster-{series}-{SHORT[shape]}"


@st.cache_data(show_spinner=False, max_entries=32)
def _shipped(series: str, shape: str, mtime: float) -> dict:
    return json.loads((PRETRAINED_DIR / shipped_name(series, shape) / "forecasts.json").read_text())


def _comparison(series: str) -> Comparison | None:
    """Baselines and both shipped LSTMs on the tail, the session's retrained models in their place."""
    merged: dict[str, object] = {}
    result = None
    for shape in SHAPES:
        path = PRETRAINED_DIR / shipped_name(series, shape) / "forecasts.json"
        if not path.is_file():
            return None
        result = comparison_from_dict(_shipped(series, shape, path.stat().st_mtime))
        merged.update({f.method: f for f in result.forecasts})
    for shape in SHAPES:
        mine = st.session_state.get(TRAINED_KEY, {}).get((series, shape))
        if mine is not None:
            merged.pop(f"lstm-{shape}", None)
            merged[mine["forecast"].method] = mine["forecast"]
    return replace(result, forecasts=list(merged.values()))


def _method_label(method: str) -> str:
    if "-" in method:
        cell, _, rest = method.partition("-")
        shape, _, mark = rest.partition("-")
        return _t(f"method.{shape}", cell=cell.upper()) + (f" · {_t('trained_here')}" if mark else "")
    return _t(f"method.{method}")


def _model_forecast(comparison: Comparison, shape: str):
    matches = [f for f in comparison.forecasts if f.method.split("-")[1:2] == [shape]]
    return matches[-1]


# ------------------------------------------------------------------------------------------------- views
def _chart(series, comparison: Comparison, shape: str, horizon: int) -> None:
    origins = comparison.origins
    URL.set(origin=min(int(URL["origin"]), len(origins) - 1))
    pick = st.select_slider(_t("origin"), range(len(origins)), key=URL.key("origin"), help=_t("origin_help"),
                            format_func=lambda j: series.dates[int(origins[j])])
    i = int(pick)
    origin = int(origins[i])
    model = _model_forecast(comparison, shape)
    shown = [f for f in comparison.forecasts if "-" not in f.method] + [model]
    drawn = [Drawn(f.method, _method_label(f.method), f.point[i, :horizon],
                   None if f.lower is None else f.lower[i, :horizon], None if f.upper is None else f.upper[i, :horizon],
                   _t("chart.band", label=_method_label(f.method))) for f in shown]
    names = {"train": _t("chart.train"), "tail": _t("chart.tail"), "origin": _t("chart.origin"),
             "x": _t("chart.x"), "y": series.spec.unit,
             "title": _t("chart.title", name=_t(f"series.{series.name}"), date=series.dates[origin], h=horizon)}
    show_from = max(0, series.split - max(series.test_len, 2 * series.spec.window))
    st.plotly_chart(forecast_figure(series.dates, series.values, series.split, origin, drawn, names=names,
                                    show_from=show_from), config={"displayModeBar": False}, key="ts.chart")
    st.caption(_t("chart_caption", split=series.dates[series.split], n=len(origins)))


def _table(series, comparison: Comparison, shape: str, horizon: int) -> list[dict]:
    rows = error_table(comparison.forecasts, series.values, series.train, series.period, horizon)
    frame = pd.DataFrame([{
        _t("col.method"): _method_label(r["method"]), _t("col.mae"): round(r["mae"], 3),
        _t("col.mase"): round(r["mase"], 3),
        _t("col.coverage"): "–" if r["coverage"] is None else f"{r['coverage']:.2f}"} for r in rows])
    st.dataframe(frame, hide_index=True, width="stretch")
    st.caption(_t("table_caption", n=len(comparison.origins), h=horizon, m=series.period))
    _verdict(series, rows, shape)
    fig = horizon_figure(rows, {r["method"]: _method_label(r["method"]) for r in rows}, title=_t("horizon_title"),
                         x_title=_t("horizon_x"), y_title=_t("horizon_y"))
    st.plotly_chart(fig, config={"displayModeBar": False}, key="ts.horizon_chart")
    st.caption(_t("horizon_caption"))
    return rows


def _verdict(series, rows: list[dict], shape: str) -> None:
    by = {r["method"]: r for r in rows}
    model = next(r for r in reversed(rows) if r["method"].split("-")[1:2] == [shape])
    naive, best = by["naive"], min(rows, key=lambda r: r["mase"])
    fmt = dict(model=_method_label(model["method"]), mase=f"{model['mase']:.3f}", naive=f"{naive['mase']:.3f}",
               best=_method_label(best["method"]), best_mase=f"{best['mase']:.3f}",
               cov="–" if model["coverage"] is None else f"{model['coverage']:.2f}")
    if series.name.startswith("stock-"):
        st.info(_t("verdict.stock", **fmt), icon=":material/show_chart:")  # the random walk: naive is the bar
    else:
        st.info(_t("verdict.seasonal", **fmt), icon=":material/insights:")
    beats = model["mase"] < naive["mase"]
    stock = series.name.startswith("stock-")
    key = ("verdict.beats_stock" if stock else "verdict.beats") if beats else "verdict.loses"
    st.markdown(_t(key, n=model["origins"], **fmt))


# --------------------------------------------------------------------------------------------- training
@st.cache_resource
def _train_slot() -> threading.BoundedSemaphore:
    """One live training at a time in this app process (the machine is shared by every visitor)."""
    return threading.BoundedSemaphore(1)


def _train_again(series, shape: str, horizon_max: int) -> None:
    from engine.timeseries.recipe import FORECAST_TRAIN, ForecasterData, default_config, train_forecaster

    st.header(_t("train_header"))
    st.markdown(_t("train_intro"))
    c1, c2 = st.columns(2)
    cell = c1.segmented_control(_t("cell"), CELLS, key=URL.key("cell"), required=True,
                                format_func=lambda c: c.upper())
    steps = c2.select_slider(_t("steps"), STEP_OPTIONS, key=URL.key("steps"), help=_t("steps_help"))
    if not st.button(_t("train"), type="primary", icon=":material/play_arrow:", key="ts.train"):
        return
    slot = _train_slot()
    if not slot.acquire(blocking=False):
        st.warning(_t("busy"), icon=":material/hourglass_top:")
        return
    try:
        bar = st.progress(0.0, text=_t("progress", step=0, steps=steps))
        start = time.monotonic()

        def on_event(e) -> None:
            if e.kind == "step" and (e.step % 10 == 0 or e.step == steps):
                bar.progress(e.step / steps, text=_t("progress", step=e.step, steps=steps))

        config = default_config(series.name, shape=shape, cell=cell or "lstm")
        model = train_forecaster(ForecasterData(series.name), config, replace(FORECAST_TRAIN, max_steps=int(steps)),
                                 listeners=[on_event], device="cpu")
        origins = _comparison(series.name).origins
        with st.spinner(_t("scoring")):
            fc = forecast(model, series.values, origins, horizon_max, method=f"{config.cell}-{shape}-session")
        st.session_state.setdefault(TRAINED_KEY, {})[(series.name, shape)] = {
            "forecast": fc, "cell": config.cell, "steps": int(steps), "seconds": time.monotonic() - start}
    finally:
        slot.release()
    st.rerun()


# ------------------------------------------------------------------------------------------------- page
def render() -> None:
    URL.read()
    st.title(f"📈 {_t('title')}")
    st.caption(_t("teaches"))
    st.markdown(_t("intro"))
    c1, c2, c3 = st.columns([1.1, 1.5, 0.9])
    name = c1.selectbox(_t("series"), tuple(SERIES), key=URL.key("series"), format_func=lambda s: _t(f"series.{s}"))
    shape = c2.segmented_control(_t("model"), SHAPES, key=URL.key("model"), required=True,
                                 format_func=lambda s: _t(f"shape.{s}"), help=_t("model_help")) or "many_to_many"
    spec = SERIES[name]
    URL.set(horizon=min(int(URL["horizon"]), spec.horizon))
    horizon = int(c3.slider(_t("horizon"), 1, spec.horizon, key=URL.key("horizon"), help=_t("horizon_help")))
    try:
        series = load_series(name)
    except SeriesError as exc:
        st.error(_t("series_missing", message=str(exc)), icon=":material/database_off:")
        return
    st.markdown(_t(f"about.{'stock' if name.startswith('stock-') else name}", n=len(series), first=series.dates[0],
                   last=series.dates[-1], test=series.test_len, m=series.period))
    comparison = _comparison(name)
    if comparison is None:
        st.warning(_t("not_shipped", name=shipped_name(name, shape), series=name), icon=":material/folder_off:")
        return
    st.header(_t("forecast_header"))
    _chart(series, comparison, shape, horizon)
    st.header(_t("table_header"))
    _table(series, comparison, shape, horizon)
    mine = st.session_state.get(TRAINED_KEY, {}).get((name, shape))
    if mine is not None:
        st.success(_t("trained_note", cell=mine["cell"].upper(), steps=mine["steps"], s=f"{mine['seconds']:.0f}"),
                   icon=":material/check_circle:")
    _train_again(series, shape, spec.horizon)
    st.caption(_t("command", name=shipped_name(name, shape)))
    URL.write()


render()
