"""ECG: an LSTM notices unusual beats. MIT-BIH record 100 (lead MLII) from the data directory, the shipped
next-samples LSTM (its prediction and squared error along the signal, the beats' anomaly scores and their ROC AUC)
and the shipped many-to-one beat classifier (a beat's window, P(abnormal), the held-out confusion matrix).

The computations are :mod:`engine.timeseries.ecg_recipe`'s, run once per server process and cached; without the
data directory the page says where to put the record and shows the shipped models' measured results.
Settings (position, span, prediction distance, selected beat) live in the URL.
"""

from __future__ import annotations

import json

import numpy as np
import streamlit as st

from dashboard.components import charts_ecg as charts
from dashboard.components.resources import get_pretrained
from dashboard.components.url_state import Setting, UrlState
from dashboard.i18n import t
from engine.data.corpora import resolve_data_dir
from engine.timeseries.ecg import ECGDataMissing, beat_windows, load_ecg
from engine.timeseries.ecg_recipe import (
    anomaly_report,
    beat_scores,
    classifier_probabilities,
    classifier_report,
    error_trace,
    predict_signal,
)
from engine.timeseries.wfdb import WfdbError
from engine.train.checkpoint import PRETRAINED_DIR, CheckpointError

_P = "page.ecg."
MODELS = ("ecg-predictor", "ecg-classifier")
SPANS = ("5", "10", "20", "30")
DURATION_S = 1805.0  # record 100 lasts 30:05
URL = UrlState("ecg.", {"t": Setting(0.0, (0.0, DURATION_S)), "span": Setting("10", SPANS),
                        "ahead": Setting(12, (1, 12)), "beat": Setting(-1, (-1, 10_000))})


def _t(key: str, **fmt: object) -> str:
    return t(_P + key, **fmt)


def _names() -> dict[str, str]:
    keys = ("signal", "prediction", "error", "time", "mv", "mv2", "held_out", "score", "minutes", "r_peak",
            "window_time")
    return {**{k: _t(f"chart.{k}") for k in keys}, **{f"beat.{s}": _t(f"beat.{s}") for s in "NAV"}}


# ---------------------------------------------------------------------------------------------- data
@st.cache_resource(show_spinner=False, max_entries=2)
def _analysis(data_dir: str | None) -> dict:
    """Record 100 and both shipped models' outputs over all of it (about 1 s, once per server process)."""
    data = load_ecg(data_dir)
    predictor, classifier = (get_pretrained(name) for name in MODELS)
    pred = predict_signal(predictor, data.signal)
    error = error_trace(data.signal, pred)
    p = classifier_probabilities(classifier, data)
    return {"data": data, "pred": pred, "error": error, "scores": beat_scores(error, data.beat_sample, data.fs),
            "p": p, "anomaly": anomaly_report(predictor, data, error), "classifier": classifier_report(classifier, data,
                                                                                                     p=p)}


def _data_dir() -> str | None:
    root = resolve_data_dir()
    return None if root is None else str(root)


def _beat_label(data, i: int) -> str:
    return _t("beat_label", sym=data.beat_symbol[i], s=f"{data.beat_sample[i] / data.fs:.1f}")


def _shipped_metrics() -> dict[str, dict]:
    return {name: json.loads((PRETRAINED_DIR / name / "metrics.json").read_text()) for name in MODELS}


# ------------------------------------------------------------------------------------------- results
def _anomaly_results(report: dict) -> None:
    h, a = report["held_out"], report["all"]
    c1, c2, c3 = st.columns(3)
    c1.metric(_t("auc_held_out"), f"{h['auc']:.3f}", help=_t("auc_help"))
    c2.metric(_t("auc_all"), f"{a['auc']:.3f}")
    c3.metric(_t("rr_auc"), f"{h['rr_rule_auc']:.3f}", help=_t("rr_help"))
    st.markdown(_t("anomaly_counts", n_abn=h["n_abnormal"], n_norm=h["n_normal"], a_abn=a["n_abnormal"],
                   a_norm=a["n_normal"], auc=f"{h['auc']:.3f}", rr=f"{h['rr_rule_auc']:.3f}"))


def _classifier_results(report: dict) -> None:
    h = report["held_out"]
    m = h["confusion"]
    c1, c2, c3 = st.columns(3)
    c1.metric(_t("balanced_accuracy"), f"{h['balanced_accuracy']:.3f}", help=_t("balanced_help"))
    c2.metric(_t("plain_accuracy"), f"{h['accuracy']:.3f}")
    c3.metric(_t("clf_auc"), f"{h['auc']:.3f}")
    rows = [_t("true_normal"), _t("true_abnormal")]
    st.table({_t("truth"): rows, _t("pred_normal"): [m[0][0], m[1][0]], _t("pred_abnormal"): [m[0][1], m[1][1]]})
    always = h["n_normal"] / (h["n_normal"] + h["n_abnormal"])
    st.caption(_t("confusion_caption", n_abn=h["n_abnormal"], n_norm=h["n_normal"], tp=m[1][1], fn=m[1][0],
                  fp=m[0][1], always=f"{always:.3f}", bal=f"{h['balanced_accuracy']:.3f}"))


def _commands(metrics: dict[str, dict]) -> None:
    for name in MODELS:
        tr = metrics[name]["training"]
        st.caption(_t("command", name=name, command=tr["command"], s=f"{tr['seconds']:.0f}", steps=tr["steps"]))


# ------------------------------------------------------------------------------------------- viewing
def _jump() -> None:
    """The "go to an abnormal beat" choice moves the view there and selects the beat."""
    index = st.session_state.get("ecg.jump")
    if index is None:
        return
    data = _analysis(_data_dir())["data"]
    span = float(st.session_state[URL.key("span")])
    start = float(data.beat_sample[index] / data.fs) - span / 2
    st.session_state[URL.key("t")] = float(np.clip(round(start * 2) / 2, 0.0, DURATION_S - span))
    st.session_state[URL.key("beat")] = int(index)


def _clicked_beat() -> int | None:
    """The beat clicked on the signal chart since the last run, if any."""
    event = st.session_state.get("ecg.chart")
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else []
    ids = [p.get("customdata") for p in points if p.get("customdata") is not None]
    key = repr(ids)
    if not ids or st.session_state.get("ecg.last_click") == key:
        return None
    st.session_state["ecg.last_click"] = key
    cd = ids[0]
    return int(cd[0] if isinstance(cd, list) else cd)


def _viewer(res: dict) -> int | None:
    data = res["data"]
    abnormal = np.nonzero(data.abnormal)[0].tolist()
    c1, c2, c3 = st.columns([3, 1, 2])
    span = float(c2.select_slider(_t("span"), SPANS, key=URL.key("span"), help=_t("span_help")))
    st.session_state[URL.key("t")] = float(min(URL["t"], DURATION_S - span))
    start = c1.slider(_t("start"), 0.0, DURATION_S - span, step=0.5, key=URL.key("t"), format="%.1f s")
    c3.selectbox(_t("jump"), abnormal, index=None, key="ecg.jump", on_change=_jump, placeholder=_t("jump_placeholder"),
                 format_func=lambda i: _beat_label(data, i))
    ahead = st.slider(_t("ahead"), 1, res["pred"].shape[1], key=URL.key("ahead"), help=_t("ahead_help"))
    lo, hi = int(start * data.fs), min(len(data.signal), int((start + span) * data.fs))
    x = data.signal[lo:hi]
    src = np.arange(lo, hi) - ahead  # the prediction of x(t) made `ahead` samples earlier
    prediction = np.where(src >= 0, res["pred"][np.clip(src, 0, None), ahead - 1], np.nan)
    in_view = np.nonzero((data.beat_sample >= lo) & (data.beat_sample < hi))[0]
    clicked = _clicked_beat()
    if clicked is not None:
        st.session_state[URL.key("beat")] = clicked
    selected = int(URL["beat"])
    if selected not in in_view.tolist():
        choice = [i for i in in_view if data.abnormal[i]] or in_view.tolist()
        selected = int(choice[0]) if choice else -1
        st.session_state[URL.key("beat")] = selected
    beats = [(int(i), data.beat_sample[i] / data.fs, float(data.signal[data.beat_sample[i]]), str(data.beat_symbol[i]))
             for i in in_view]
    fig = charts.signal_figure(np.arange(lo, hi) / data.fs, x, prediction, res["error"][lo:hi], beats,
                               names=_names(), selected=selected, split_s=data.split / data.fs)
    st.plotly_chart(fig, key="ecg.chart", on_select="rerun", selection_mode="points",
                    config={"displayModeBar": False, "scrollZoom": False})
    st.caption(_t("signal_caption", ahead=ahead, ms=f"{1000 * ahead / data.fs:.0f}"))
    return selected if selected >= 0 else None


def _beat_detail(res: dict, selected: int | None) -> None:
    data = res["data"]
    lo, hi = int(URL["t"] * data.fs), int((URL["t"] + float(URL["span"])) * data.fs)
    in_view = np.nonzero((data.beat_sample >= lo) & (data.beat_sample < hi))[0].tolist()
    if selected is None or not in_view:
        st.info(_t("no_beat"))
        return
    st.selectbox(_t("beat"), in_view, key=URL.key("beat"),
                 format_func=lambda i: _beat_label(data, i))
    index = int(URL["beat"])
    cfg = get_pretrained("ecg-classifier").config
    windows, fits = beat_windows(data.signal, data.beat_sample[index:index + 1], cfg.before_samples,
                                 cfg.window - cfg.before_samples)
    if len(fits) == 0:
        st.info(_t("window_outside"))
        return
    symbol, p = str(data.beat_symbol[index]), float(res["p"][index])
    col1, col2 = st.columns([3, 1])
    fig = charts.beat_window_figure(np.arange(-cfg.before_samples, cfg.window - cfg.before_samples) / data.fs,
                                    windows[0], r_peak=0.0, symbol=symbol, names=_names())
    col1.plotly_chart(fig, key="ecg.window", config={"displayModeBar": False})
    answer = _t("answer_abnormal") if p >= 0.5 else _t("answer_normal")
    col2.metric(_t("p_abnormal"), f"{p:.3f}", help=_t("p_help"))
    col2.markdown(_t("verdict", answer=answer, truth=_t(f"beat.{symbol}") if symbol in "NAV" else symbol,
                     score=f"{res['scores'][index]:.4f}"))
    part = _t("part_held_out") if data.held_out[index] else _t("part_train")
    col2.caption(part)
    st.caption(_t("window_caption", before=f"{cfg.before:g}", after=f"{cfg.after:g}"))


# ---------------------------------------------------------------------------------------------- page
def render() -> None:
    URL.read()
    st.title(f"🫀 {_t('title')}")
    st.caption(_t("teaches"))
    st.markdown(_t("intro"))
    try:
        metrics = _shipped_metrics()
    except (OSError, ValueError):
        st.error(_t("no_models", command="python -m engine train ecg-predictor --out pretrained/ecg-predictor"))
        return
    try:
        with st.spinner(_t("loading")):
            res = _analysis(_data_dir())
    except ECGDataMissing as exc:
        st.info(_t("no_data", message=str(exc)), icon=":material/database_off:")
        st.header(_t("shipped_header"))
        st.markdown(_t("shipped_intro"))
        _anomaly_results(metrics["ecg-predictor"]["evaluation"])
        _classifier_results(metrics["ecg-classifier"]["evaluation"])
        _commands(metrics)
        URL.write()
        return
    except (WfdbError, CheckpointError) as exc:
        st.error(_t("bad_files", message=str(exc)))
        return
    st.header(_t("view_header"))
    st.markdown(_t("view_intro"))
    selected = _viewer(res)
    st.header(_t("anomaly_header"))
    st.markdown(_t("anomaly_intro"))
    data = res["data"]
    st.plotly_chart(charts.scores_figure(data.beat_sample / data.fs, res["scores"], data.beat_symbol, names=_names(),
                                         split_s=data.split / data.fs), key="ecg.scores",
                    config={"displayModeBar": False})
    _anomaly_results(res["anomaly"])
    st.header(_t("classifier_header"))
    st.markdown(_t("classifier_intro"))
    _beat_detail(res, selected)
    st.subheader(_t("held_out_header"))
    _classifier_results(res["classifier"])
    _commands(metrics)
    URL.write()


render()
