"""Sentiment (many-to-one): one class for a whole review, in English or Korean, and why.

Every number comes from :mod:`engine.sentiment`: the prediction and the per-token running prediction,
occlusion and gradient x input (``explain``), hidden-state paths (``explain.trajectories``), the
example reviews (``examples``), the cards' metrics and the representation comparison (``shipped``).
The review and the language choice (``review_lang``; the app's ``lang`` is the UI's) live in the
URL (:data:`URL`), so a teacher's link opens the page on the same sentence.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.components import charts_sentiment as charts
from dashboard.components.resources import available_pretrained, get_pretrained
from dashboard.components.url_state import Setting, UrlState
from dashboard.i18n import t
from engine.sentiment.compare import ROWS
from engine.sentiment.examples import examples_for
from engine.sentiment.explain import Explanation, explain, trajectories
from engine.sentiment.model import MAX_PIECES, SentimentInputError
from engine.sentiment.shipped import SHIPPED, detect_lang, read_comparison, read_metrics

_P = "page.sentiment."
MAX_CHARS = 2000
LANGS = ("auto", "en", "ko")
DEFAULT_TEXT = "It starts slowly, but the ending is wonderful."
URL = UrlState("sentiment.", {"text": Setting(DEFAULT_TEXT, max_len=MAX_CHARS), "review_lang": Setting("auto", LANGS)})
EXAMPLE_KEY = "sentiment.example"
TEST_SET = {"en": "sst2-test", "ko": "nsmc-test"}  # the comparison's test split, as the cards name it


def _t(key: str, **fmt: object) -> str:
    return t(_P + key, **fmt)


# ------------------------------------------------------------------------------------ computations
@st.cache_data(show_spinner=False, max_entries=64)
def _explain(name: str, text: str) -> Explanation:
    return explain(get_pretrained(name), text)


@st.cache_data(show_spinner=False, max_entries=16)
def _paths(name: str, lang: str, text: str):
    texts = [e.text for e in examples_for(lang)] + ([text] if text else [])
    return trajectories(get_pretrained(name), texts)


@st.cache_data(show_spinner=False, max_entries=4)
def _example_predictions(name: str, lang: str) -> list[float]:
    return [p.probs[1] for p in get_pretrained(name).predict([e.text for e in examples_for(lang)])]


def _pick_example() -> None:
    chosen = st.session_state.get(EXAMPLE_KEY)
    if chosen:
        st.session_state[URL.key("text")] = chosen


# ------------------------------------------------------------------------------------------ views
def _input() -> tuple[str, str]:
    c1, c2 = st.columns([4, 1])
    text = c1.text_area(_t("text"), key=URL.key("text"), height=90, max_chars=MAX_CHARS,
                        placeholder=_t("text_placeholder"),
                        help=_t("text_help", max=f"{MAX_CHARS:,}", pieces=MAX_PIECES))
    choice = c2.radio(_t("lang"), LANGS, key=URL.key("review_lang"), format_func=lambda v: _t(f"lang.{v}"),
                      help=_t("lang_help"))
    options = [e.text for lang in ("en", "ko") for e in examples_for(lang)]
    st.selectbox(_t("example"), options, index=None, key=EXAMPLE_KEY, on_change=_pick_example,
                 placeholder=_t("example_placeholder"))
    lang = detect_lang(text) if choice == "auto" else choice
    return text, lang


def _verdict(ex: Explanation, lang: str, auto: bool) -> None:
    label = _t("positive") if ex.predicted == 1 else _t("negative")
    c1, c2, c3 = st.columns(3)
    c1.metric(_t("predicted"), label)
    c2.metric(_t("probability"), f"{ex.probs[ex.predicted]:.1%}")
    c3.metric(_t("pieces"), len(ex.pieces))
    st.caption(_t("verdict_caption", language=_t(f"lang.{lang}"), how=_t("detected" if auto else "chosen"),
                  model=SHIPPED[lang]))
    if ex.truncated:
        st.warning(_t("truncated", max=MAX_PIECES), icon=":material/content_cut:")


def _running(ex: Explanation) -> None:
    st.subheader(_t("running_header"))
    st.markdown(_t("running_intro"))
    fig = charts.running_figure(ex.pieces, ex.running_at, [p[1] for p in ex.running], title=_t("running_title"),
                                x_title=_t("tokens"), y_title=_t("p_positive"))
    st.plotly_chart(fig, config={"displayModeBar": False})
    flips = [ex.running_at[i] for i in range(1, len(ex.running))
             if (ex.running[i][1] >= 0.5) != (ex.running[i - 1][1] >= 0.5)]
    st.caption(_t("running_flips", n=len(flips), at=", ".join(charts.piece_label(ex.pieces[i], i) for i in flips)
                  or "–"))
    if len(ex.running_at) < len(ex.pieces):
        st.caption(_t("long_text", every=ex.block))


def _saliency(ex: Explanation) -> None:
    st.subheader(_t("tokens_header"))
    st.markdown(_t("tokens_intro"))
    c1, c2 = st.columns(2)
    c1.plotly_chart(charts.scores_figure(ex.pieces, ex.occlusion, title=_t("occlusion_title"), x_title=_t("tokens"),
                                         y_title=_t("occlusion_y")), config={"displayModeBar": False})
    c2.plotly_chart(charts.scores_figure(ex.pieces, ex.saliency, title=_t("saliency_title"), x_title=_t("tokens"),
                                         y_title=_t("saliency_y")), config={"displayModeBar": False})
    st.caption(_t("tokens_differ"))


def _trajectories(name: str, lang: str, text: str) -> None:
    st.subheader(_t("paths_header"))
    st.markdown(_t("paths_intro"))
    paths = _paths(name, lang, text)
    names = paths.texts[:-1] + [_t("your_text")] if text else paths.texts
    fig = charts.trajectory_figure(names, paths.points, [p == 1 for p in paths.predicted], title=_t("paths_title"),
                                   x_title=_t("pc", k=1, var=f"{paths.explained[0]:.0%}"),
                                   y_title=_t("pc", k=2, var=f"{paths.explained[1]:.0%}"), start=_t("start"),
                                   end=_t("end"))
    st.plotly_chart(fig, config={"displayModeBar": False})
    st.caption(_t("paths_caption"))


def _examples(name: str, lang: str) -> None:
    st.subheader(_t("examples_header"))
    st.markdown(_t("examples_intro"))
    probs = _example_predictions(name, lang)
    rows = []
    for e, p in zip(examples_for(lang), probs):
        said = int(p >= 0.5)
        rows.append({_t("col.kind"): _t(f"kind.{e.kind}"), _t("col.text"): e.text,
                     _t("col.reader"): _t("positive" if e.label else "negative"),
                     _t("col.model"): _t("positive" if said else "negative"), _t("col.p"): round(p, 3),
                     _t("col.right"): "✅" if said == e.label else "❌"})
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    wrong = sum(r[_t("col.right")] == "❌" for r in rows)
    st.caption(_t("examples_caption", wrong=wrong, n=len(rows)))


def _comparison() -> None:
    st.subheader(_t("compare_header"))
    st.markdown(_t("compare_intro"))
    for lang, tab in zip(("en", "ko"), st.tabs([_t("lang.en"), _t("lang.ko")])):
        table = read_comparison(lang)
        if table is None:
            tab.info(_t("compare_missing"))
            continue
        frame = pd.DataFrame([{_t("col.representation"): _t(f"row.{r['name']}"), _t("col.params"): f"{r['params']:,}",
                               _t("col.val"): r["val_accuracy"], _t("col.test"): r["test_accuracy"],
                               _t("col.seconds"): r["train_seconds"]} for r in table["rows"] if r["name"] in ROWS])
        tab.dataframe(frame, hide_index=True)
        b = table["budget"]
        tab.caption(_t(f"compare_caption.{lang}", steps=f"{b['steps']:,}", batch=b["batch_size"],
                       seen=f"{b['texts_seen']:,}", pieces=f"{table['tokenizer_pieces']:,}"))
        top = max(table["rows"], key=lambda r: r["test_accuracy"])["name"]
        tab.markdown(_t("compare_bow_ahead" if top == "bow-logreg" else "compare_rnn_ahead",
                        shipped=read_metrics(SHIPPED[lang]).get("accuracy", {}).get(TEST_SET[lang], "–")))


def _cards() -> None:
    st.subheader(_t("cards_header"))
    rows = []
    for name in SHIPPED.values():
        for set_name, m in read_metrics(name).get("accuracy", {}).items():
            rows.append({_t("col.model_name"): name, _t("col.set"): set_name, _t("col.accuracy"): m})
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption(_t("cards_caption"))


# ------------------------------------------------------------------------------------------- page
def render() -> None:
    st.title(f"💬 {_t('title')}")
    st.caption(_t("teaches"))
    st.markdown(_t("intro"))
    URL.read()
    try:
        _read_and_explain()
    finally:
        URL.write()


def _read_and_explain() -> None:
    text, lang = _input()
    name = SHIPPED[lang]
    if name not in available_pretrained("sentiment"):
        st.info(_t("no_model", name=name), icon=":material/model_training:")
        return
    read = ""  # the user's text, once the model could read it
    if not text.strip():
        st.info(_t("empty"), icon=":material/edit_note:")
    else:
        try:
            with st.spinner(_t("reading")):
                ex = _explain(name, text)
        except SentimentInputError:
            st.warning(_t("nothing_to_read"), icon=":material/edit_note:")
        else:
            read = text
            _verdict(ex, lang, st.session_state[URL.key("review_lang")] == "auto")
            _running(ex)
            _saliency(ex)
    _trajectories(name, lang, read)
    _examples(name, lang)
    _comparison()
    _cards()


render()
