"""Translate English to French with an encoder–decoder LSTM: the n-best list, the attention heatmap
between subwords, and what a fixed-vector (no-attention) encoder–decoder makes of the same input.

Models: the shipped ``translator-en-fr`` (attention) and ``translator-en-fr-noattn`` (fixed vector),
plus translators among this session's models and saved app runs (:mod:`dashboard.components.translation`).
The translation runs in :mod:`engine.seq2seq.model`; the figures come from :mod:`dashboard.components.charts_translate`.
The last translation stays in session state, so picking another sentence's heatmap never translates again.
The English text and the decoding settings live in the URL (:data:`URL`), so a teacher's link opens the page as set.
"""

from __future__ import annotations

import streamlit as st

from dashboard.components import charts_translate as charts
from dashboard.components import translation as tx
from dashboard.components.candidates import n_best_table
from dashboard.components.labels import count
from dashboard.components.model_picker import load_option, pick_model
from dashboard.components.url_state import Setting, UrlState
from dashboard.i18n import t
from engine.seq2seq.model import TranslatorError
from engine.seq2seq.text import TranslationInputError
from engine.train.checkpoint import CheckpointError

_P = "page.translate."
K = "translate."  # widget key prefix
RESULT_KEY = K + "result"
METHODS = ("greedy", "beam")
EXAMPLE = ("Where is the train station?\n"
           "When I was young, I used to walk to school with my little brother every morning, even when it rained.")
MAX_BEAM = 10
#: The page's settings in the URL (?text=Where%20is%20the%20station%3F&beam_width=3); widget keys K + name.
URL = UrlState(K, {
    "text": Setting(EXAMPLE, max_len=tx.MAX_TEXT_CHARS), "method": Setting("beam", METHODS),
    "beam_width": Setting(5, (1, MAX_BEAM)), "n_best": Setting(3, (1, MAX_BEAM)),
})


def _t(key: str, **fmt: object) -> str:
    return t(_P + key, **fmt)


# ---------------------------------------------------------------------------------------- models
def _label(opt: tx.TranslatorOption) -> str:
    return _t(f"model_{opt.source}", name=opt.name)


def _load(opt: tx.TranslatorOption):
    """The model, or None after showing why it could not be loaded."""
    try:
        return load_option(opt)
    except (CheckpointError, ValueError, OSError) as exc:  # DataError (a corrupt spm.model) is a ValueError
        st.error(_t("model_failed", name=opt.name, message=str(exc)))
        return None


def _model_caption(model) -> str:
    cfg = model.config
    meta = getattr(model, "meta", {}) or {}
    best = meta.get("best_val_loss")
    return _t("model_info", attention=_t(f"attention.{cfg.attention}"),
              encoder=_t("bi" if cfg.bidirectional else "uni", layers=cfg.enc_layers, hidden=cfg.enc_hidden),
              decoder=cfg.dec_hidden, vocab=f"{cfg.vocab_size:,}", params=f"{model.num_params():,}",
              step=count(meta.get("step", "–")), loss="–" if best is None else f"{best:.3f}")


def _no_translator(fixed: list[tx.TranslatorOption]) -> None:
    st.info(_t("no_translator"), icon=":material/translate:")
    st.code(tx.train_commands(tx.ATTENTION_MODEL), language="bash")
    st.caption(_t("no_translator_data"))
    if fixed:
        st.caption(_t("only_fixed", names=", ".join(o.name for o in fixed)))


# -------------------------------------------------------------------------------------- settings
def _settings() -> dict:
    c1, c2, c3 = st.columns([2, 2, 2])
    with c1:
        method = st.segmented_control(_t("method"), METHODS, format_func=lambda m: _t(f"method.{m}"),
                                      key=URL.key("method"), required=True) or "beam"
    settings = {"method": method, "beam_width": 1, "n_best": 1}
    if method == "beam":
        width = c2.slider(_t("beam_width"), 1, MAX_BEAM, key=URL.key("beam_width"), help=_t("beam_width_help"))
        settings["beam_width"] = width
        if width > 1:
            URL.clamp("n_best", 1, width)
            settings["n_best"] = c3.slider(_t("n_best"), 1, width, key=URL.key("n_best"), help=_t("n_best_help"))
    st.caption(_t(f"method_help.{method}"))
    return settings


def _translate(model, fixed_model, labels: tuple[str, str | None], text: str, settings: dict) -> None:
    lines, page_notes = tx.split_input(text)
    if not lines:
        st.session_state.pop(RESULT_KEY, None)
        st.info(_t("empty"), icon=":material/edit_note:")
        return
    args = dict(method=settings["method"], beam_width=settings["beam_width"], n_best=settings["n_best"])
    try:
        with st.spinner(_t("translating", n=len(lines))):
            main = model.translate(lines, **args)
    except (TranslationInputError, TranslatorError) as exc:
        st.error(_t("failed", message=str(exc)))
        return
    result = {"lines": lines, "page_notes": page_notes, "settings": settings,
              "main": {"label": labels[0], "results": main}, "fixed": None}
    if fixed_model is not None:
        try:
            with st.spinner(_t("translating_fixed")):
                result["fixed"] = {"label": labels[1], "results": fixed_model.translate(lines, **args)}
        except (TranslationInputError, TranslatorError) as exc:
            result["fixed"] = {"label": labels[1], "error": str(exc)}
    st.session_state[RESULT_KEY] = result
    st.session_state.pop(K + "sentence", None)


# ---------------------------------------------------------------------------------------- output
def _show_output(result: dict) -> None:
    main = result["main"]["results"]
    s = result["settings"]
    st.subheader(_t("output_header"))
    st.code("\n".join(r.text or "—" for r in main), language=None, wrap_lines=True)
    method = _t(f"method.{s['method']}") + (_t("width_suffix", width=s["beam_width"]) if s["method"] == "beam" else "")
    st.caption(_t("output_caption", model=result["main"]["label"], method=method, n=len(main)))
    for note in result["page_notes"]:
        st.info(tx.note_text(note), icon=":material/content_cut:")
    for i, r in enumerate(main):
        for note in r.notes:
            text = tx.note_text(note)
            text = _t("line_note", line=i + 1, note=text) if len(main) > 1 else text
            if getattr(note, "code", None) == "unknown_script":  # refused: the model does not know this alphabet
                st.warning(text, icon=":material/translate:")
            else:
                st.info(text, icon=":material/info:")


def _pick_sentence(views: list[tx.SentenceView]) -> tx.SentenceView:
    if len(views) == 1:
        return views[0]
    if st.session_state.get(K + "sentence") not in range(len(views)):
        st.session_state[K + "sentence"] = 0

    def fmt(i: int) -> str:
        src = views[i].source
        return _t("sentence_option", i=i + 1, line=views[i].line + 1, text=src if len(src) <= 70 else src[:69] + "…")

    i = st.selectbox(_t("sentence"), list(range(len(views))), format_func=fmt, key=K + "sentence",
                     help=_t("sentence_help", n=len(views)))
    return views[i]


def _n_best(view: tx.SentenceView, method: str) -> None:
    st.markdown(f"**{_t('n_best_header')}**")
    n_best_table([c.text for c in view.n_best], rank=_t("col.rank"), text=_t("col.translation"),
                 numbers={_t("col.score"): [float(c.score) for c in view.n_best],
                          _t("col.logprob"): [float(c.logprob) for c in view.n_best],
                          _t("col.finished"): ["✓" if c.finished else "✗" for c in view.n_best]})
    st.caption(_t(f"n_best_caption.{method}"))


def _segmentation(view: tx.SentenceView) -> None:
    st.markdown(f"**{_t('pieces_header')}**")
    st.caption(_t("pieces_caption"))
    c1, c2 = st.columns(2)
    c1.markdown(_t("pieces_source", n=len(view.source_pieces)))
    c1.code(" ".join(view.source_pieces), language=None, wrap_lines=True)
    c2.markdown(_t("pieces_target", n=len(view.pieces)))
    c2.code(" ".join(view.pieces), language=None, wrap_lines=True)


def _heatmap(view: tx.SentenceView) -> None:
    st.markdown(f"**{_t('heatmap_header')}**")
    if view.attention is None:
        st.info(_t("no_attention"))
        return
    labels = charts.AttentionLabels(
        title=_t("heatmap_title"), x=_t("heatmap_x"), y=_t("heatmap_y"), weight=_t("heatmap_weight"),
        hover=_t("heatmap_hover", target="{target}", source="{source}", weight="{weight}", top="{top}"))
    fig = charts.attention_figure(view.source_pieces, view.pieces, view.attention, labels)
    # At its full height, in the page's own scroll: a shorter scroll box hid the last target rows.
    st.plotly_chart(fig, key=K + "heatmap", height=int(fig.layout.height), config={"displayModeBar": False})
    st.caption(_t("heatmap_caption"))


def _sentence_section(result: dict) -> None:
    views = tx.sentence_views(result["main"]["results"])
    if not views:
        st.caption(_t("nothing_translated"))
        return
    st.subheader(_t("inside_header"))
    view = _pick_sentence(views)
    _n_best(view, result["settings"]["method"])
    _segmentation(view)
    _heatmap(view)


# ---------------------------------------------------------------------------------------- encoder view
def _comparison(result: dict | None, fixed_opts: list, fixed_error: bool) -> None:
    if not fixed_opts:
        st.info(_t("fixed_missing", name=tx.FIXED_MODEL), icon=":material/info:")
        st.code(tx.train_commands(tx.FIXED_MODEL, attention=False), language="bash")
        return
    if fixed_error:
        return
    fixed = (result or {}).get("fixed")
    if result is None or fixed is None:
        st.caption(_t("compare_empty"))
        return
    if "error" in fixed:
        st.error(_t("failed", message=fixed["error"]))
        return
    rows = [{_t("col.english"): line, _t("col.words"): len(line.split()), _t("col.attention"): a.text or "—",
             _t("col.fixed"): f.text or "—"}
            for line, a, f in zip(result["lines"], result["main"]["results"], fixed["results"])]
    st.table(rows)  # a static table wraps long sentences; a dataframe's columns would hide the last one
    st.caption(_t("compare_caption", attention=result["main"]["label"], fixed=fixed["label"]))


def _scores(main_model, main_label: str, fixed_model, fixed_label: str | None) -> None:
    series, missing = [], []
    for model, label, color in ((main_model, main_label, charts.ATTENTION_COLOR),
                                (fixed_model, fixed_label, charts.FIXED_COLOR)):
        if model is None:
            continue
        scores = tx.model_scores(model)
        if scores is None or not scores["buckets"]:
            missing.append(label)
        else:
            series.append((label, scores, color))
    if not series:
        st.info(_t("scores_missing"), icon=":material/bar_chart:")
        st.code(tx.eval_commands(tx.ATTENTION_MODEL) + "\n" + tx.eval_commands(tx.FIXED_MODEL), language="bash")
        return
    fig = charts.bleu_by_length_figure(
        [charts.BleuSeries(label, scores["buckets"], color) for label, scores, color in series],
        title=_t("bleu_title"), x_title=_t("bleu_x"), y_title=_t("bleu_y"),
        hover=_t("bleu_hover", model="{model}", bleu="{bleu}", n="{n}"))
    st.plotly_chart(fig, key=K + "bleu_chart", config={"displayModeBar": False})
    for label, scores, _ in series:
        split, method = scores.get("split"), scores.get("method")
        st.caption(_t("bleu_source", model=label, bleu=f"{scores['bleu']:.1f}", n=f"{scores['sentences']:,}",
                      split=_t(f"split.{split}") if split in ("test", "val") else split or "?",
                      method=_t(f"method.{method}") if method in METHODS else method or "?", where=scores["where"]))
    for label in missing:
        st.caption(_t("bleu_missing_one", model=label))


# ------------------------------------------------------------------------------------------- page
def _render() -> None:
    st.title(f"🌍 {_t('title')}")
    st.caption(_t("teaches"))
    options = tx.translator_options()
    main_opts = [o for o in options if o.has_attention]
    fixed_opts = [o for o in options if not o.has_attention]
    if not main_opts:
        _no_translator(fixed_opts)
        st.caption(_t("attribution"))
        return

    left, right = st.columns(2)
    # translator_options() lists translator-en-fr and translator-en-fr-noattn first: the defaults
    main_opt = pick_model(main_opts, _t("model"), key=K + "model", format_label=_label, container=left)
    fixed_opt = pick_model(fixed_opts, _t("fixed_model"), key=K + "fixed_model", format_label=_label, container=right,
                           none_text=_t("fixed_none"), none_key=K + "fixed_none")
    model = _load(main_opt)
    if model is None:
        return
    st.caption(_model_caption(model))
    fixed_model = _load(fixed_opt) if fixed_opt is not None else None

    text = st.text_area(_t("input"), height=110, max_chars=tx.MAX_TEXT_CHARS, key=URL.key("text"),
                        placeholder=_t("input_placeholder"), help=_t("input_help", max=tx.MAX_LINES))
    settings = _settings()
    if st.button(_t("translate"), type="primary", icon=":material/translate:", key=K + "go"):
        _translate(model, fixed_model, (main_opt.name, fixed_opt.name if fixed_opt else None), text, settings)
    result = st.session_state.get(RESULT_KEY)
    if result is None:
        st.caption(_t("no_output"))
    else:
        _show_output(result)
        _sentence_section(result)

    st.subheader(_t("encoder_header"))
    st.caption(_t("encoder_intro"))
    # the comparison table gets the full width: four columns of sentences do not fit beside the chart
    _comparison(result, fixed_opts, fixed_opt is not None and fixed_model is None)
    chart, _ = st.columns([3, 2])
    with chart:
        _scores(model, main_opt.name, fixed_model, fixed_opt.name if fixed_opt else None)
    st.caption(_t("attribution"))


URL.page(_render)
