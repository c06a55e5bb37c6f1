"""The time-series page, driven with Streamlit's AppTest in both languages: the shipped forecasts and the error
table, a stock's verdict, settings from and to the URL, "train again" live, and the clear messages for a
missing shipped model or a missing package."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from dashboard import i18n

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "dashboard" / "pages" / "time_series.py"
P = "page.time_series."
SHIPPED = ROOT / "pretrained" / "forecaster-co2-m2m" / "forecasts.json"

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _english_after() -> None:
    yield
    i18n.set_lang("en")


def _page(lang: str = "en", **query: str) -> AppTest:
    i18n.set_lang(lang)  # format_func labels are read outside the script run
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.session_state["lang"] = lang
    at.query_params.update(query)
    at.run()
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _tr(key: str, lang: str = "en", **fmt) -> str:
    return i18n.t(P + key, lang=lang, **fmt)


def _methods(at: AppTest, lang: str = "en") -> list[str]:
    (frame,) = at.dataframe
    return list(frame.value[_tr("col.method", lang)])


needs_shipped = pytest.mark.skipif(not SHIPPED.is_file(), reason="pretrained/forecaster-* not shipped")


@needs_shipped
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_opens_with_the_shipped_forecasts_and_the_error_table(lang: str) -> None:
    at = _page(lang)
    assert at.title[0].value.endswith(_tr("title", lang))
    methods = _methods(at, lang)
    for key in ("naive", "seasonal_naive", "sarima"):
        assert _tr(f"method.{key}", lang) in methods
    assert _tr("method.many_to_one", lang, cell="LSTM") in methods
    assert _tr("method.many_to_many", lang, cell="LSTM") in methods
    (frame,) = at.dataframe
    mase = dict(zip(methods, frame.value[_tr("col.mase", lang)]))
    assert mase[_tr("method.seasonal_naive", lang)] > mase[_tr("method.sarima", lang)]  # co2's structure is learnable
    assert len(at.get("plotly_chart")) == 2
    assert any(_tr("verdict.seasonal", lang, model="", mase="", naive="", best="", best_mase="", cov="")[:12]
               in i.value for i in at.info)


@needs_shipped
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_stock_says_the_naive_forecast_is_the_one_to_beat(lang: str) -> None:
    at = _page(lang, series="stock-IBM", model="many_to_one", horizon="3")
    assert at.selectbox(key="ts.series").value == "stock-IBM"
    assert at.slider(key="ts.horizon").value == 3
    assert _tr("method.seasonal_naive", lang) not in _methods(at, lang)  # m = 1: it is the naive forecast
    assert any(_tr("about.stock", lang, n=123, first="2000-01", last="2010-03", test=24, m=1) in m.value
               for m in at.markdown)
    stock_info = _tr("verdict.stock", lang, model="", mase="", naive="", best="", best_mase="", cov="")
    assert any(stock_info[:15] in i.value for i in at.info)
    (frame,) = at.dataframe
    mase = dict(zip(_methods(at, lang), frame.value[_tr("col.mase", lang)]))
    beats = mase[_tr("method.many_to_one", lang, cell="LSTM")] < mase[_tr("method.naive", lang)]
    verdict = _tr("verdict.beats_stock", lang, n=22) if beats else _tr("verdict.loses", lang)
    assert any(verdict[:25] in m.value for m in at.markdown)  # a win on one stock comes with its caveat


@needs_shipped
def test_settings_go_into_the_url_and_bad_values_are_clamped() -> None:
    at = _page(horizon="99", origin="-5", series="nonsense")
    assert at.selectbox(key="ts.series").value == "co2" and at.slider(key="ts.horizon").value == 12
    at.selectbox(key="ts.series").set_value("sunspots").run()
    _ok(at)
    assert at.query_params["series"] == ["sunspots"] or at.query_params["series"] == "sunspots"
    assert at.slider(key="ts.horizon").value == 11  # clamped to sunspots' largest horizon
    at.select_slider(key="ts.origin").set_value(5).run()
    _ok(at)
    assert "origin" in at.query_params


@needs_shipped
def test_train_again_replaces_the_shipped_model_for_this_session() -> None:
    at = _page(series="stock-MSFT", model="many_to_many", horizon="6")
    at.select_slider(key="ts.steps").set_value(100)
    at.button(key="ts.train").click().run()
    _ok(at)
    trained = _tr("method.many_to_many", cell="LSTM") + f" · {_tr('trained_here')}"
    assert trained in _methods(at)
    assert _tr("method.many_to_many", cell="LSTM") not in _methods(at)  # the shipped one is replaced
    assert any(_tr("trained_note", cell="LSTM", steps=100, s="")[:20] in s.value for s in at.success)


def test_missing_shipped_models_and_packages_get_clear_messages(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    import engine.timeseries.series as series_module
    import engine.train.checkpoint as ck

    monkeypatch.setattr(ck, "PRETRAINED_DIR", tmp_path)
    at = _page(series="stock-AAPL")
    assert any("forecaster-stock-AAPL-m2m" in w.value for w in at.warning)

    def not_installed(name: str):
        raise series_module.SeriesNotInstalled("install it with `pip install vega-datasets`")

    monkeypatch.setattr(series_module, "load_series", not_installed)
    at = _page(series="stock-AAPL")
    assert any("pip install vega-datasets" in e.value for e in at.error)


def test_forecast_figure_draws_each_band_under_its_forecast() -> None:
    import numpy as np

    from dashboard.components.charts_forecast import Drawn, forecast_figure

    values = np.arange(20.0)
    dates = [str(2000 + i) for i in range(20)]
    drawn = [Drawn("naive", "naive", [14.0, 14.0]),
             Drawn("lstm-many_to_many", "LSTM", [15.0, 16.0], [14.0, 15.0], [16.0, 18.0], band_label="80 %: LSTM")]
    names = {"train": "train", "tail": "tail", "origin": "origin", "x": "x", "y": "y", "title": "t"}
    fig = forecast_figure(dates, values, split=12, origin=15, drawn=drawn, names=names)
    band = next(tr for tr in fig.data if tr.fill == "toself")
    assert band.name == "80 %: LSTM" and list(band.x) == ["2015", "2016", "2016", "2015"]
    assert list(band.y) == [16.0, 18.0, 15.0, 14.0]  # upper forwards, lower backwards: a closed band
    assert [tr.name for tr in fig.data if tr.fill != "toself"] == ["train", "tail", "naive", "LSTM"]
