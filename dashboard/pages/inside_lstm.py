"""Inside the LSTM: the shipped char-LSTM's gates, memory cell and hidden state over a passage.

Heatmaps of i, f, o, g, c(t), h(t) per layer (:func:`engine.lab.inside_lstm.lstm_trace`), a unit's activation
over the passage, interpretable units ranked by correlation with text features (precomputed over the
validation split by ``python -m engine lab inside-lstm``, recomputed live for the passage), a span query,
gate saturation, the h(t) trajectory in 2D (:mod:`engine.lab.units`), peepholes on a small from-scratch
LSTM, and a vanilla RNN, GRU and LSTM trained on the same text. Settings live in the URL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.components import charts_inside_lstm as charts
from dashboard.components.resources import get_pretrained
from dashboard.components.url_state import Setting, UrlState
from dashboard.i18n import t
from engine.lab.inside_lstm import LSTM_QUANTITIES, MAX_CHARS, PassageError, cell_trace, lstm_trace, peephole_pair
from engine.lab.inside_lstm_results import GATES, SHIPPED_DIR, ResultsError, load_results
from engine.lab.units import (
    FEATURES,
    correlations,
    feature_matrix,
    firing_passages,
    pca_2d,
    saturation,
    span_units,
    text_features,
)
from engine.train.checkpoint import load_model

_P = "page.inside_lstm."
MODEL = "charlm-shakespeare"
SHOWN_UNITS = 24  # rows of the heatmap: the units that vary most over the passage (+ the chosen one)
COMPARE_CHARS = 300  # the three small models read the first characters of the passage
CELLS = ("rnn", "gru", "lstm")
DEFAULT_TEXT = "ROMEO:\nBut soft! What light through yonder window breaks?\nIt is the east, and Juliet is the sun.\n"
URL = UrlState("ins.", {
    "src": Setting("val", ("val", "own")),
    "passage": Setting(1, (0, 10_000)),
    "text": Setting(DEFAULT_TEXT, max_len=MAX_CHARS + 1),
    "layer": Setting(1, (1, 2)),
    "q": Setting("c", LSTM_QUANTITIES),
    "unit": Setting(0, (0, 511)),
    "feature": Setting("line_position", FEATURES),
    "span_from": Setting(0, (0, MAX_CHARS)),
    "span_to": Setting(8, (1, MAX_CHARS)),
    "upto": Setting(MAX_CHARS, (1, MAX_CHARS)),
    "peep_text": Setting("hello world", max_len=200),
    "strength": Setting(3.0, (0.0, 6.0)),
})


def _t(key: str, **fmt: object) -> str:
    return t(_P + key, **fmt)


# ------------------------------------------------------------------------------------------- cached engine calls
@st.cache_resource(show_spinner=False)
def _results():
    try:
        return load_results(SHIPPED_DIR)
    except ResultsError:
        return None


@st.cache_resource(show_spinner=False)
def _small_model(cell: str):
    return load_model(SHIPPED_DIR / "cells" / cell, "cpu")


# a 2,000-character trace of one layer holds 24.6 MB (6 quantities × T × 512 float32): few entries
@st.cache_data(show_spinner=False, max_entries=6)
def _trace(text: str, layer: int):
    return lstm_trace(get_pretrained(MODEL), text, layers=[layer])


@st.cache_data(show_spinner=False, max_entries=16)
def _small_trace(cell: str, text: str):
    return cell_trace(_small_model(cell), text, max_chars=COMPARE_CHARS)


# ------------------------------------------------------------------------------------------------- sections
def _passage(results) -> tuple[str, int | None]:
    """The passage to read, and its index in the validation split (None for typed text)."""
    st.header(_t("passage_header"))
    has_val = results is not None
    if not has_val:
        URL.set(src="own")
    src = st.segmented_control(_t("source"), ("val", "own") if has_val else ("own",), key=URL.key("src"),
                               required=True, format_func=lambda k: _t(f"source.{k}"))
    if src == "val" and has_val:
        n = len(results.passages)
        if st.session_state.get(URL.key("passage"), 0) > n - 1:  # a link from a longer results file
            URL.set(passage=n - 1)
        index = min(st.slider(_t("passage_index", n=n), 0, n - 1, key=URL.key("passage")), n - 1)
        st.code(results.passages[index], language=None, height=180)
        return results.passages[index], index
    text = st.text_area(_t("own_text"), key=URL.key("text"), height=140, help=_t("own_text_help", n=MAX_CHARS))
    return text, None


def _heatmaps(trace, layer: int) -> int:
    st.header(_t("gates_header"))
    st.markdown(_t("gates_intro"))
    q = st.segmented_control(_t("quantity"), LSTM_QUANTITIES, key=URL.key("q"), required=True,
                             format_func=lambda k: _t(f"q.{k}"))
    values = trace.layers[layer][q]
    unit = st.number_input(_t("unit"), 0, trace.hidden_size - 1, key=URL.key("unit"), help=_t("unit_help"))
    shown = [int(u) for u in np.argsort(-values.std(0), kind="stable")[:SHOWN_UNITS]]
    shown = shown if unit in shown else [unit] + shown[:-1]
    st.plotly_chart(charts.heatmap(values, trace.text, shown, q, title=_t("heatmap_title", q=_t(f"q.{q}"),
                                                                           layer=layer + 1),
                                   x_title=_t("x_chars"), y_title=_t("y_units"), hover_unit=_t("unit")),
                    config={"displayModeBar": False})
    st.caption(_t("heatmap_caption", n=len(shown)))
    st.subheader(_t("unit_header", unit=unit, q=_t(f"q.{q}")))
    st.html(charts.coloured_passage(trace.text, values[:, unit], q, trace.unknown))
    st.caption(_t("unit_caption"))
    return unit


def _look_at(unit: int, feature: str) -> None:
    URL.set(unit=unit, q="c", feature=feature)


def _units(trace, layer: int, results, val_index: int | None) -> None:
    st.header(_t("units_header"))
    st.markdown(_t("units_intro"))
    feats = text_features(trace.text)
    r_live = correlations(trace.layers[layer]["c"], feature_matrix(feats))  # (F, H) on this passage
    rows = []
    for k, name in enumerate(FEATURES):
        row = {_t("col.feature"): _t(f"feature.{name}")}
        if results is not None:
            r_val = results.correlation(layer, "c")[k]
            best = int(np.argmax(np.abs(r_val)))
            row.update({_t("col.val_unit"): best, _t("col.val_r"): round(float(r_val[best]), 3),
                        _t("col.here_r"): round(float(r_live[k, best]), 3)})
        here = int(np.argmax(np.abs(r_live[k])))
        row.update({_t("col.here_unit"): here, _t("col.here_best_r"): round(float(r_live[k, here]), 3)})
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    n_val = results.meta["characters"] if results is not None else 0
    st.caption(_t("units_caption", n=f"{n_val:,}", t=len(trace.text)))
    if results is None:
        return
    feature = st.selectbox(_t("feature"), FEATURES, key=URL.key("feature"), format_func=lambda k: _t(f"feature.{k}"))
    k = FEATURES.index(feature)
    r_val = results.correlation(layer, "c")[k]
    best = int(np.argmax(np.abs(r_val)))
    st.button(_t("look_at", unit=best), on_click=_look_at, args=(best, feature), key="ins.look")
    (where, _), *_ = firing_passages(results.peaks[:, layer], [best], top=1) or [(0, 0.0)]
    example = _trace(results.passages[where], layer)
    st.markdown(_t("example_header", unit=best, feature=_t(f"feature.{feature}"), r=f"{r_val[best]:.3f}",
                   passage=where))
    st.html(charts.coloured_passage(example.text, example.layers[layer]["c"][:, best], "c", example.unknown))


def _span(trace, layer: int, results, val_index: int | None) -> None:
    st.header(_t("span_header"))
    st.markdown(_t("span_intro"))
    n = len(trace.text)
    if n < 2:
        st.info(_t("span_short"))
        return
    for name, cap in (("span_from", n - 1), ("span_to", n)):
        if st.session_state.get(URL.key(name), 0) > cap:
            URL.set(**{name: cap})
    lo, hi = st.slider(_t("span"), 0, n, (min(URL["span_from"], n - 1), min(max(URL["span_to"], 1), n)),
                       key=f"ins.span_slider.{n}")
    URL.set(span_from=lo, span_to=max(hi, lo + 1))
    lo, hi = URL["span_from"], min(URL["span_to"], n)
    st.code(trace.text[lo:hi] or " ", language=None)
    hs = trace.layers[layer]["h"]
    top = span_units(hs, lo, hi, top=5)
    st.dataframe(pd.DataFrame([{_t("col.unit"): u, _t("col.z"): z,
                                _t("col.span_mean"): round(float(hs[lo:hi, u].mean()), 3)} for u, z in top]),
                 hide_index=True)
    units = [u for u, _ in top]
    if results is None:
        return
    st.subheader(_t("fire_header"))
    for where, score in firing_passages(results.peaks[:, layer], units, top=3,
                                        exclude=[val_index] if val_index is not None else []):
        other = _trace(results.passages[where], layer)
        st.caption(_t("fire_caption", passage=where, score=f"{score:.2f}"))
        st.html(charts.coloured_passage(other.text, other.layers[layer]["h"][:, units].mean(1), "h", other.unknown))


def _saturation(trace, layer: int, results) -> None:
    st.header(_t("sat_header"))
    st.markdown(_t("sat_intro"))
    names = [_t(f"q.{g}") for g in GATES]
    labels = {"x_title": _t("sat_x"), "y_title": _t("sat_y")}
    live = saturation(trace.layers[layer], GATES)
    left = np.stack([live[g]["left"] for g in GATES])
    right = np.stack([live[g]["right"] for g in GATES])
    cols = st.columns(2)
    cols[0].plotly_chart(charts.saturation_figure(left, right, GATES, names, title=_t("sat_here", layer=layer + 1),
                                                  **labels), config={"displayModeBar": False})
    if results is not None:
        cols[1].plotly_chart(charts.saturation_figure(results.left[layer], results.right[layer], GATES, names,
                                                      title=_t("sat_val", layer=layer + 1), **labels),
                             config={"displayModeBar": False})
    rows = [{_t("col.gate"): names[j], _t("col.left"): f"{left[j].mean():.1%}",
             _t("col.right"): f"{right[j].mean():.1%}"} for j in range(len(GATES))]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption(_t("sat_caption"))


def _trajectory(trace, layer: int) -> None:
    st.header(_t("pca_header"))
    st.markdown(_t("pca_intro"))
    n = len(trace.text)
    if st.session_state.get(URL.key("upto"), n) > n:
        URL.set(upto=n)
    upto = st.slider(_t("upto"), 1, n, key=URL.key("upto")) if n > 1 else 1
    points, explained = pca_2d(trace.layers[layer]["h"])
    st.plotly_chart(charts.trajectory_figure(points, trace.text, upto, title=_t("pca_title", layer=layer + 1),
                                             x_title="PC1", y_title="PC2"), config={"displayModeBar": False})
    st.caption(_t("pca_caption", pc1=f"{explained[0]:.0%}", pc2=f"{explained[1]:.0%}"))


def _peepholes() -> None:
    st.header(_t("peep_header"))
    st.markdown(_t("peep_intro"))
    c1, c2 = st.columns(2)
    text = c1.text_input(_t("peep_text"), key=URL.key("peep_text"), max_chars=200)
    strength = c2.slider(_t("strength"), 0.0, 6.0, step=0.5, key=URL.key("strength"), help=_t("strength_help"))
    if not text:
        st.info(_t("peep_empty"))
        return
    pair = peephole_pair(text, strength=float(strength))
    for gate in ("i", "f", "o"):
        cols = st.columns(2)
        for col, label in zip(cols, ("plain", "peephole"), strict=True):
            col.plotly_chart(charts.heatmap(pair[label].layers[0][gate], text, range(4), gate,
                                            title=_t(f"peep_{label}", q=_t(f"q.{gate}")), x_title=_t("x_chars"),
                                            y_title=_t("y_units"), hover_unit=_t("unit")),
                             config={"displayModeBar": False}, key=f"ins.peep.{gate}.{label}")
    diff = max(float(np.abs(pair["plain"].layers[0][g] - pair["peephole"].layers[0][g]).max()) for g in "ifo")
    st.caption(_t("peep_caption", diff=f"{diff:.3f}"))


def _compare(text: str) -> None:
    st.header(_t("cmp_header"))
    st.markdown(_t("cmp_intro", n=COMPARE_CHARS))
    if not (SHIPPED_DIR / "cells" / "lstm" / "config.json").is_file():
        st.info(_t("cmp_missing"))
        return
    rows = []
    for cell, keys in (("rnn", ("h",)), ("gru", ("r", "z")), ("lstm", ("i", "f", "o"))):
        model = _small_model(cell)
        trace = _small_trace(cell, text)
        series = {k: trace.layers[0][k].mean(1) for k in keys}
        names = {k: _t(f"q.{k}") for k in keys}
        st.plotly_chart(charts.gate_lines(trace.text, series, names, title=_t(f"cmp.{cell}"), x_title=_t("x_chars"),
                                          y_title=_t("cmp_y"), y_range=(-1.0, 1.0) if cell == "rnn" else (0.0, 1.0)),
                        config={"displayModeBar": False}, key=f"ins.cmp.{cell}")
        rows.append({_t("col.model"): _t(f"cmp.{cell}"), _t("col.params"): f"{model.num_params():,}",
                     _t("col.val_loss"): f"{model.meta['best_val_loss']:.3f}"})
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption(_t("cmp_caption"))


# ------------------------------------------------------------------------------------------------------ page
def render() -> None:
    URL.read()
    try:
        _render()
    finally:
        URL.write()


def _render() -> None:
    st.title(f"🧠 {_t('title')}")
    st.caption(_t("teaches"))
    st.markdown(_t("intro"))
    results = _results()
    if results is None:
        st.warning(_t("no_results"))
    raw, val_index = _passage(results)
    layer = st.segmented_control(_t("layer"), (1, 2), key=URL.key("layer"), required=True,
                                 format_func=lambda k: _t("layer_n", n=k)) - 1
    try:
        with st.spinner(_t("running")):
            trace = _trace(raw[:MAX_CHARS], layer)
    except PassageError:
        st.info(_t("empty"))
        return
    if len(raw) > MAX_CHARS:
        st.info(_t("cut", n=MAX_CHARS, dropped=len(raw) - MAX_CHARS))
    if trace.unknown:
        chars = "".join(dict.fromkeys(trace.text[k] for k in trace.unknown))
        st.warning(_t("unknown", chars=chars, n=len(trace.unknown)))
    _heatmaps(trace, layer)
    _units(trace, layer, results, val_index)
    _span(trace, layer, results, val_index)
    _saturation(trace, layer, results)
    _trajectory(trace, layer)
    _peepholes()
    _compare(trace.text)


render()
