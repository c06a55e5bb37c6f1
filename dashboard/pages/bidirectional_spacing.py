"""Bidirectional RNNs on a real task: restoring word spacing (띄어쓰기 복원).

Every number comes from :mod:`engine.spacing` (``compare``: both models on one text and the shared-beginning
experiment, ``restore``: probabilities and the forward/backward states) and from the shipped models' own
``metrics.json`` (the held-out table). The four shipped taggers ``pretrained/spacing-{ko,en}-{uni,bi}`` load
once per process. The settings (language, text, the two texts of the shared-beginning experiment) live in the
URL (:data:`URL`), so a teacher's link opens the page as they set it.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard.components.charts_spacing import MARK_CSS, marked_text, probability_figure, states_figure
from dashboard.components.resources import available_pretrained, get_pretrained
from dashboard.components.url_state import Setting, UrlState
from dashboard.i18n import t
from engine.spacing.compare import compare_directions, shared_prefix
from engine.spacing.restore import MAX_CHARS, SpacingInputError, direction_states
from engine.train.checkpoint import PRETRAINED_DIR

_P = "page.bidirectional_spacing."
K = "spacing."
LANGS = ("ko", "en")
#: Characters drawn in the charts (the restoration itself takes up to MAX_CHARS).
CHART_CHARS = 120
PAIR_CHARS = 200
EXAMPLES = {"ko": "아버지가 방에 들어가신다. 오늘 본 영화는 정말 재미있었고 배우들의 연기도 좋았다.",
            "en": "Now is the winter of our discontent made glorious summer by this sun of York"}
#: Two texts per language that begin alike; a space follows their common beginning in the second only.
PAIRS = {"ko": ("학교에갔다", "학교앞에서만났다"), "en": ("weather is fine", "we are fine")}
URL = UrlState(K, {"corpus": Setting("ko", LANGS), "text": Setting("", max_len=MAX_CHARS),
                   "a": Setting("", max_len=PAIR_CHARS), "b": Setting("", max_len=PAIR_CHARS)})


def _t(key: str, **fmt: object) -> str:
    return t(_P + key, **fmt)


def _names(lang: str) -> tuple[str, str]:
    return f"spacing-{lang}-uni", f"spacing-{lang}-bi"


def _models(lang: str):
    """(unidirectional, bidirectional) shipped models of ``lang``, or None after saying how to make them."""
    uni_name, bi_name = _names(lang)
    missing = [n for n in (uni_name, bi_name) if n not in available_pretrained("spacing")]
    if missing:
        st.info(_t("missing", names=", ".join(missing), code=lang), icon=":material/info:")
        return None
    with st.spinner(t("resources.loading_model", name=bi_name)):
        return get_pretrained(uni_name), get_pretrained(bi_name)


# ----------------------------------------------------------------------------------------- sections
def _restored(cmp, lang: str) -> None:
    st.subheader(_t("restored_header"))
    titles = {"missed": _t("mark_missed"), "extra": _t("mark_extra")}
    scores = cmp.scores()
    cols = st.columns(2)
    for col, which, res in ((cols[0], "uni", cmp.uni), (cols[1], "bi", cmp.bi)):
        col.markdown(f"**{_t('model.' + which)}**")
        col.html(MARK_CSS + '<div class="sp-text">'
                 + marked_text(res.chars, res.true_labels, res.labels, titles, compare=cmp.had_spaces) + "</div>")
        if scores is not None:
            s = scores[which]
            col.caption(_t("text_scores", f1=f"{s.f1:.3f}", acc=f"{s.char_accuracy:.3f}", tp=s.tp, fp=s.fp, fn=s.fn))
    st.caption(_t("restored_caption") if cmp.had_spaces else _t("restored_caption_nospaces"))


def _probabilities(cmp) -> None:
    st.subheader(_t("prob_header"))
    n = min(len(cmp.chars), CHART_CHARS)
    if len(cmp.chars) > CHART_CHARS:
        st.caption(_t("chart_cut", n=CHART_CHARS, total=len(cmp.chars)))
    fig = probability_figure(cmp.chars[:n], cmp.uni.probs[:n], cmp.bi.probs[:n],
                             cmp.bi.true_labels[:n] if cmp.had_spaces else None,
                             names={"uni": _t("model.uni"), "bi": _t("model.bi"), "truth": _t("truth")},
                             title=_t("prob_title"), x_title=_t("char_axis"), y_title=_t("prob_axis"))
    st.plotly_chart(fig, key=K + "prob_chart")
    st.caption(_t("prob_caption"))


def _pair(uni, bi, lang: str) -> None:
    st.subheader(_t("pair_header"))
    st.markdown(_t("pair_intro"))
    for name, default in zip(("a", "b"), PAIRS[lang]):
        if not URL[name] or URL[name] in {p[name == "b"] for p in PAIRS.values()}:  # empty, or the other example
            URL.set(**{name: default})
    c1, c2 = st.columns(2)
    a = c1.text_input(_t("pair_a"), key=URL.key("a"), max_chars=PAIR_CHARS)
    b = c2.text_input(_t("pair_b"), key=URL.key("b"), max_chars=PAIR_CHARS)
    try:
        pu, pb = shared_prefix(uni, a, b, PAIR_CHARS), shared_prefix(bi, a, b, PAIR_CHARS)
    except SpacingInputError:
        st.warning(_t("pair_empty"), icon=":material/edit:")
        return
    if not pu.prefix:
        st.warning(_t("pair_no_prefix"), icon=":material/call_split:")
        return
    i = len(pu.prefix) - 1
    rows = [{_t("pair_col.model"): _t("model." + w), _t("pair_col.a", chars=pu.chars_a): f"{p.a[i]:.3f}",
             _t("pair_col.b", chars=pu.chars_b): f"{p.b[i]:.3f}", _t("pair_col.diff"): f"{abs(p.a[i] - p.b[i]):.2e}"}
            for w, p in (("uni", pu), ("bi", pb))]
    st.markdown(_t("pair_question", prefix=pu.prefix, char=pu.prefix[-1]))
    st.table(pd.DataFrame(rows).set_index(_t("pair_col.model")))
    st.caption(_t("pair_caption"))


def _states(bi, text: str) -> None:
    st.subheader(_t("states_header"))
    st.markdown(_t("states_intro"))
    fwd, bwd = direction_states(bi, text)
    chars = "".join(text.split())[: min(len(fwd), CHART_CHARS)]
    n = len(chars)
    for key, values in (("fwd", fwd[:n]), ("bwd", bwd[:n])):
        st.plotly_chart(states_figure(chars, values, title=_t(f"states_title.{key}", h=values.shape[1]),
                                      x_title=_t("char_axis"), y_title=_t("unit_axis")), key=K + key)
    st.caption(_t("states_caption"))


def _metrics_table() -> None:
    st.subheader(_t("table_header"))
    rows = []
    for lang in LANGS:
        for which in ("uni", "bi"):
            path = PRETRAINED_DIR / f"spacing-{lang}-{which}" / "metrics.json"
            if not path.is_file():
                continue
            m = json.loads(path.read_text())
            for split, s in m["evaluation"].items():
                rows.append({_t("col.lang"): _t("lang." + lang), _t("col.model"): _t("model." + which),
                             _t("col.split"): _t("split." + split), _t("col.texts"): f"{s['texts']:,}",
                             _t("col.acc"): f"{s['char_accuracy']:.4f}", _t("col.p"): f"{s['precision']:.4f}",
                             _t("col.r"): f"{s['recall']:.4f}", _t("col.f1"): f"{s['f1']:.4f}"})
    if not rows:
        st.info(_t("table_missing"))
        return
    st.table(pd.DataFrame(rows).set_index([_t("col.lang"), _t("col.model")]))
    st.caption(_t("table_caption"))
    st.code("python -m engine eval-spacing --model spacing-ko-bi --split test --json", language="bash")


# ----------------------------------------------------------------------------------------------- page
def render() -> None:
    st.title(f"↔️ {_t('title')}")
    st.caption(_t("teaches"))
    URL.read()
    st.markdown(_t("intro"))
    st.latex(r"\mathbf{h}^{f}_{t} = f(U^{f} x_t + W^{f} \mathbf{h}^{f}_{t-1} + b^{f}),\quad "
             r"\mathbf{h}^{b}_{t} = f(U^{b} x_t + W^{b} \mathbf{h}^{b}_{t+1} + b^{b}),\quad "
             r"P(\text{space after } x_t) = \sigma\big(V[\mathbf{h}^{f}_{t};\mathbf{h}^{b}_{t}] + c\big)")
    st.markdown(_t("task"))
    lang = st.segmented_control(_t("corpus"), LANGS, format_func=lambda x: _t("lang." + x), key=URL.key("corpus"),
                                required=True) or "ko"
    models = _models(lang)
    if models is not None:
        uni, bi = models
        if not URL["text"] or URL["text"] in EXAMPLES.values():  # empty, or the other language's example
            URL.set(text=EXAMPLES[lang])
        text = st.text_area(_t("text"), key=URL.key("text"), height=100, max_chars=MAX_CHARS, help=_t("text_help"))
        try:
            cmp = compare_directions(uni, bi, text)
        except SpacingInputError:
            st.warning(_t("empty"), icon=":material/edit:")
            cmp = None
        if cmp is not None:
            unknown = bi.vocab.unknown(cmp.chars)
            if unknown:
                st.warning(_t("unknown", chars="".join(unknown[:20]), n=len(unknown)), icon=":material/help:")
            _restored(cmp, lang)
            _probabilities(cmp)
            _states(bi, text)
        _pair(uni, bi, lang)
    _metrics_table()
    st.markdown(_t("honest"))
    URL.write()


render()
