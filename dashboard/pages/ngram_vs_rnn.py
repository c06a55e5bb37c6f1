"""N-gram vs RNN language models: the same text scored character by character by both.

The computations live in :mod:`engine.lm.compare` (surprisal, alignment, totals, validation bits/char)
and :mod:`engine.ngram.pretrained` (the shipped counts and their validation sweep); the figures in
:mod:`dashboard.components.charts_ngram`. This script only wires widgets, caches and layout; its settings
(text, passage, order, smoothing, the samples' temperature and prime) live in the URL (:data:`URL`).
"""

from __future__ import annotations

import html
import math
from typing import Any

import streamlit as st

from dashboard.components import charts_ngram as charts
from dashboard.components.labels import corpus_label, count, vocab_label
from dashboard.components.model_picker import ModelOption, load_option, model_options, option_version, pick_model
from dashboard.components.url_state import Setting, UrlState
from dashboard.i18n import t
from engine.lm import compare
from engine.lm.default_passage import DEFAULT_ORDER, DEFAULT_SMOOTHING, seen_by_ngram, speakers, unseen_speakers
from engine.metrics import VocabSize, out_of_vocabulary
from engine.ngram.model import MAX_ORDER
from engine.ngram.pretrained import PRESETS, SHIPPED_DIR, load_metrics, load_shipped, make_model

CORPUS = "tinyshakespeare"
K = "ngram_vs_rnn."  # widget key prefix
ROLE_KEYS = compare.ROLES
#: The page's settings in the URL (?passage=3&order=7&smoothing=witten_bell); widget keys K + name. Ranges that
#: depend on the data found (the passages, the highest order) are applied once known (UrlState.clamp).
URL = UrlState(K, {
    "source": Setting("passage", ("passage", "own")), "own_text": Setting(compare.BUILTIN_PASSAGE,
                                                                           max_len=compare.MAX_CHARS),
    "passage": Setting(1, (1, 13)), "order": Setting(DEFAULT_ORDER, (1, MAX_ORDER)),
    "smoothing": Setting(DEFAULT_SMOOTHING, tuple(PRESETS)), "temperature": Setting(0.8, (0.1, 1.5)),
    "prime": Setting("", max_len=200),
})


def tr(key: str, **fmt: object) -> str:
    return t("page.ngram_vs_rnn." + key, **fmt)


# ---------------------------------------------------------------------------------------------- cached data
@st.cache_resource(show_spinner=False, max_entries=2, ttl=600)
def _corpus(data_dir: str, cache_dir: str) -> tuple[str, str, str] | None:
    """``(text, train, val)`` of Tiny Shakespeare if it is on disk (never downloads), else None."""
    from engine.data import CorpusNotFoundError, DataError, load_text, split_train_val

    try:
        text = load_text(CORPUS, data_dir or None, download=False)
    except (CorpusNotFoundError, DataError, OSError):
        return None
    train, val = split_train_val(text)
    return text, train, val


def corpus() -> tuple[str, str, str] | None:
    from engine.data import corpora

    return _corpus(str(corpora.resolve_data_dir() or ""), str(corpora.CACHE_DIR))


def corpus_key() -> str:
    from engine.data import corpora

    c = corpus()
    return f"{corpora.resolve_data_dir()}:{len(c[0]) if c else 0}"


@st.cache_resource(show_spinner=False)
def _shipped(directory: str, mtime: float) -> Any:
    return load_shipped(directory)


def shipped_base() -> Any:
    path = SHIPPED_DIR / "model.npz"
    return _shipped(str(SHIPPED_DIR), path.stat().st_mtime) if path.is_file() else None


@st.cache_data(show_spinner=False, ttl=600)
def _metrics(directory: str) -> dict | None:
    return load_metrics(directory)


def shipped_metrics() -> dict | None:
    return _metrics(str(SHIPPED_DIR))


@st.cache_resource(show_spinner=False, max_entries=8)
def _ngram(order: int, preset: str, ckey: str) -> Any:
    c = corpus()
    return make_model(preset, order, base=shipped_base(), text=c[1] if c else None)


@st.cache_data(show_spinner=False, max_entries=16)
def _ngram_val_live(order: int, preset: str, ckey: str) -> float:
    c = corpus()
    assert c is not None
    return compare.ngram_val_bits(_ngram(order, preset, ckey), c[2])


@st.cache_data(show_spinner=False, max_entries=4)
def _sweep_live(preset: str, ckey: str, max_order: int) -> list[dict]:
    c = corpus()
    assert c is not None
    return [{"order": n, "val_bits_per_char": _ngram_val_live(n, preset, ckey)} for n in range(1, max_order + 1)]


@st.cache_data(show_spinner=False, max_entries=8)
def _coverage_live(ckey: str) -> list[dict]:
    return compare_coverage(_ngram(MAX_ORDER, "modified_kneser_ney", ckey))


def compare_coverage(lm: Any) -> list[dict]:
    from engine.ngram.pretrained import coverage

    return coverage(lm, lm.order)


@st.cache_data(show_spinner=False, max_entries=24)
def _compare(text: str, order: int, preset: str, ckey: str, model_key: str, _charlm: Any) -> compare.Comparison:
    return compare.compare_text(_ngram(order, preset, ckey), _charlm, text, top_k=3)


@st.cache_data(show_spinner=False, max_entries=8)
def _lstm_val(model_key: str, ckey: str, _model: Any) -> tuple[float | None, str]:
    """(bits/char, source) of the char-LSTM on the validation split: "recorded", "measured" or "none"."""
    recorded = compare.recorded_val_bits(_model)
    if recorded is not None:
        return recorded, "recorded"
    c = corpus()
    if c is None:
        return None, "none"
    return compare.charlm_val_bits(_model, c[0]), "measured"


@st.cache_data(show_spinner=False, max_entries=16)
def _samples(order: int, preset: str, ckey: str, model_key: str, temperature: float, seed: int, length: int,
             prime: str, _charlm: Any) -> tuple[str, str | None]:
    lm = _ngram(order, preset, ckey)
    ng = lm.generate(length, seed=seed, temperature=temperature, prime=prime or "\n")
    ls = None
    if _charlm is not None:
        from engine.lm.generate import generate_text

        ls = generate_text(_charlm, prime=prime, length=length, method="sample", temperature=max(temperature, 1e-3),
                           seed=seed).text
    return str(ng), ls


# ---------------------------------------------------------------------------------------------- char-LSTM
def lstm_label(opt: ModelOption) -> str:
    """A char-LM's name in the picker: shipped, or a run of the app (this session's or saved)."""
    return tr("lstm_pretrained", name=opt.name) if opt.source == "pretrained" else tr("lstm_run", id=opt.name)


def load_charlm(opt: ModelOption) -> tuple[Any, str]:
    """(model, cache key) for an option; the key changes when a run's best checkpoint is rewritten."""
    return load_option(opt), option_version(opt)


def lstm_corpus(model: Any) -> str | None:
    return ((getattr(model, "meta", None) or {}).get("provenance") or {}).get("corpus")


# ---------------------------------------------------------------------------------------------- sections
def preset_name(p: str) -> str:
    return tr(f"preset.{p}")


def fmt_bits(x: float | None) -> str:
    return f"{x:.3f}" if x is not None and math.isfinite(x) else tr("na")


def fmt_ppl(x: float | None) -> str | None:
    return tr("ppl_delta", ppl=f"{2.0 ** x:.2f}") if x is not None and math.isfinite(x) else None


def metric(label: str, bits: float | None, help_text: str) -> None:
    st.metric(label, fmt_bits(bits), fmt_ppl(bits), delta_color="off", delta_arrow="off", help=help_text,
              border=True)


def status_panel(c: Any, base: Any, lstm_opts: list, lstm_error: str | None) -> None:
    with st.expander(tr("status_header"), expanded=c is None or base is None or not lstm_opts):
        if c is not None:
            st.markdown(":material/check_circle: " + tr("corpus_ok", chars=f"{len(c[0]):,}", val=f"{len(c[2]):,}"))
        else:
            st.markdown(":material/warning: " + tr("corpus_missing", max_order=base.order if base else 0))
        if base is not None:
            st.markdown(":material/check_circle: " + tr("ngram_shipped", order=base.order))
        elif c is not None:
            st.markdown(":material/info: " + tr("ngram_fitted"))
        if lstm_opts:
            st.markdown(":material/check_circle: " + tr("lstm_found", n=count(len(lstm_opts))))
        else:
            st.markdown(":material/info: " + tr("lstm_none"))
        if lstm_error:
            st.markdown(":material/error: " + lstm_error)


def text_input(c: Any) -> str:
    """The text to compare: a validation passage (the measured default first), or the user's own."""
    options = ["passage", "own"]
    labels = {"passage": tr("source_passage") if c else tr("source_builtin"), "own": tr("source_own")}
    source = st.segmented_control(tr("text_source"), options, format_func=labels.__getitem__, key=URL.key("source"),
                                  required=True)
    if source == "own":
        return st.text_area(tr("text_area", max=f"{compare.MAX_CHARS:,}"), height=180, key=URL.key("own_text"))
    if c is None:
        return compare.BUILTIN_PASSAGE
    ps = passages(c[2])
    if not ps:  # a data directory whose Shakespeare copy is too short to leave a validation passage
        return compare.BUILTIN_PASSAGE
    i = 1
    if len(ps) > 1:
        URL.clamp("passage", 1, len(ps))
        i = st.slider(tr("passage"), 1, len(ps), key=URL.key("passage"))
    if ps[i - 1] == compare.BUILTIN_PASSAGE:
        st.caption(tr("passage_default"))
    return ps[i - 1]


@st.cache_data(show_spinner=False, max_entries=4)
def passages(val: str) -> list[str]:
    """The measured default passage (when this copy of the corpus has it), then 12 spread over the split."""
    spread = compare.passages(val, n=12, length=450)
    return ([compare.BUILTIN_PASSAGE] if compare.BUILTIN_PASSAGE in val else []) + spread


@st.cache_data(show_spinner=False, max_entries=2)
def _train_speakers(ckey: str) -> frozenset[str]:
    c = corpus()
    return frozenset(speakers(c[1])) if c else frozenset()


def speaker_note(text: str, base: Any, ckey: str, c: Any) -> None:
    """Say which speakers of the text never occur in the training text: no model can know those names."""
    seen = _train_speakers(ckey).__contains__ if c is not None else (seen_by_ngram(base) if base else None)
    names = unseen_speakers(text, seen) if seen is not None else []
    if names:
        st.info(tr("unseen_speakers", names=", ".join(names[:6])), icon=":material/person_off:")


def mostly_unknown(text: str, cmp: compare.Comparison, lm: Any) -> bool:
    """Refuse a text mostly outside the models' alphabet (Korean...): its score would measure nothing."""
    unknown = {ch for ch, u in zip(text, cmp.unknown) if u}
    oov = out_of_vocabulary(text, lambda ch: ch not in unknown)
    if not oov.mostly_unknown():
        return False
    alphabet = "".join(tok for tok in lm.vocab if isinstance(tok, str) and len(tok) == 1 and not tok.isspace())
    st.error(tr("foreign_text", percent=f"{oov.fraction:.0%}",
                chars=" ".join(compare.display_char(ch) for ch in oov.unknown[:12])), icon=":material/translate:")
    st.caption(tr("foreign_alphabet", n=len(alphabet)))
    st.code(alphabet, language=None, wrap_lines=True)
    return True


def strips_section(cmp: compare.Comparison, preset: str, lstm_name: str) -> None:
    st.subheader(tr("strips_header"))
    st.caption(tr("strips_caption") if cmp.lstm is not None else tr("strips_caption_ngram_only"))
    labels = charts.StripLabels(
        ngram=tr("row_ngram"), lstm=tr("row_lstm"), diff=tr("row_diff"), bits=tr("bits"), diff_bar=tr("diff_bar"),
        hover_model=tr("hover_model", char="{char}", model="{model}", p="{p}", bits="{bits}", top="{top}"),
        hover_unknown=tr("hover_unknown", char="{char}", model="{model}", p="{p}", bits="{bits}"),
        hover_diff_lstm=tr("hover_diff_lstm", char="{char}", ng="{ng}", ls="{ls}", gain="{gain}"),
        hover_diff_ngram=tr("hover_diff_ngram", char="{char}", ng="{ng}", ls="{ls}", gain="{gain}"),
        hover_diff_unknown=tr("hover_diff_unknown", char="{char}"),
        score_note=tr("stupid_note") if not cmp.ngram.is_distribution else "",
    )
    fig = charts.strip_figure(cmp, labels)
    tall = fig.layout.height and fig.layout.height > 1300
    with st.container(height=1100 if tall else "content", key=K + "strips"):
        st.plotly_chart(fig, key=K + "strip_chart", config={"displayModeBar": False})


def totals_section(cmp: compare.Comparison, ngram_val: float | None, ngram_val_help: str,
                   lstm_val: float | None, lstm_val_help: str, lstm_available: bool) -> None:
    st.subheader(tr("totals_header"))
    n = cmp.ngram_totals.n_scored
    cols = st.columns(4 if lstm_available else 2)
    with cols[0]:
        metric(tr("metric_text", model=tr("row_ngram")), cmp.ngram_totals.bits_per_char,
               tr("metric_help_text", n=count(n)))
    if lstm_available and cmp.lstm_totals is not None:
        with cols[1]:
            metric(tr("metric_text", model=tr("row_lstm")), cmp.lstm_totals.bits_per_char,
                   tr("metric_help_text", n=count(n)))
    with cols[2 if lstm_available else 1]:
        metric(tr("metric_val", model=tr("row_ngram")), ngram_val, ngram_val_help)
    if lstm_available:
        with cols[3]:
            metric(tr("metric_val", model=tr("row_lstm")), lstm_val, lstm_val_help)
    if cmp.ngram_totals.n_unknown:
        st.caption(tr("totals_unknown", n=count(cmp.ngram_totals.n_unknown)))


def roles_section(cmp: compare.Comparison) -> None:
    rows = compare.advantage_by_role(cmp)
    if not rows:
        return
    st.subheader(tr("roles_header"))
    st.caption(tr("roles_caption"))
    left, right = st.columns([3, 2])
    with left:
        fig = charts.role_figure(rows, {r: tr(f"role.{r}") for r in ROLE_KEYS}, title=tr("roles_title"),
                                 x_title=tr("roles_x"), ngram_name=tr("row_ngram"), lstm_name=tr("row_lstm"))
        st.plotly_chart(fig, key=K + "roles_chart", config={"displayModeBar": False})
    with right:
        hl = compare.highlights(cmp, k=5)
        for side in ("lstm", "ngram"):
            st.markdown(f"**{tr('wins_' + side)}**")
            if not hl[side]:
                st.caption(tr("no_wins"))
            if hl[side]:
                st.html(wins_html(hl[side]))


def wins_html(rows: list[dict]) -> str:
    """The "biggest wins" list: the text before in grey, the character highlighted (``␣`` for a space).

    HTML with every text escaped: as Markdown, ``**{char}**`` next to a code span was left as literal
    asterisks around a space in some renderers.
    """
    items = []
    for h in rows:
        before = html.escape(h["before"].replace("\n", "⏎")[-24:])
        char = html.escape(compare.display_char(h["char"]))
        rest = html.escape(tr("win_row", ng=f"{h['ngram_bits']:.1f}", ls=f"{h['lstm_bits']:.1f}",
                              role=tr(f"role.{h['role']}")))
        items.append(f'<li><code style="{_CODE}">…{before}</code><mark style="{_MARK}">{char}</mark> — {rest}</li>')
    return f'<ul style="margin: 0 0 0.5rem 0; padding-left: 1.2rem;">{"".join(items)}</ul>'


_MARK = "background: #4263EB; color: white; padding: 0 3px; border-radius: 3px; font-family: monospace;"
_CODE = "white-space: pre"  # the spaces before the character count: keep them


def curves_section(order: int, preset: str, lstm_val: float | None, c: Any, metrics: dict | None) -> None:
    st.subheader(tr("curves_header"))
    sweep = (metrics or {}).get("sweep")
    if sweep:
        st.caption(tr("curves_caption"))
    left, right = st.columns(2)
    with left:
        if not sweep and c is not None:
            with st.spinner(tr("computing")):
                sweep = {preset: _sweep_live(preset, corpus_key(), MAX_ORDER)}
            st.caption(tr("curves_live", smoothing=preset_name(preset)))
        if sweep:
            fig = charts.val_curves_figure(
                sweep, {p: preset_name(p) for p in sweep}, title=tr("curves_title"), x_title=tr("curves_x"),
                y_title=tr("curves_y"), lstm_bits=lstm_val,
                lstm_label=tr("lstm_line", bpc=f"{lstm_val:.3f}") if lstm_val is not None else "",
                selected=(preset, order), selected_label=tr("selected"))
            st.plotly_chart(fig, key=K + "curves_chart")
        else:
            st.info(tr("curves_missing"))
    with right:
        cov = (metrics or {}).get("coverage")
        train_chars = ((metrics or {}).get("data") or {}).get("train_chars")
        if not cov and c is not None:
            with st.spinner(tr("computing")):
                cov = _coverage_live(corpus_key())
            train_chars = len(c[1])
        if cov:
            chars = round(10 ** cov[0]["log10_possible"])  # the distinct training characters, C
            fig = charts.coverage_figure(
                cov, title=tr("coverage_title"), x_title=tr("coverage_x"), y_title=tr("coverage_y"),
                seen_label=tr("coverage_seen"), possible_label=tr("coverage_possible", chars=chars),
                train_label=tr("coverage_train"), train_chars=train_chars)
            st.plotly_chart(fig, key=K + "coverage_chart")
            pick = next((x for x in cov if x["n"] == min(order, len(cov))), cov[-1])
            st.caption(tr("coverage_caption", n=pick["n"], seen=f"{pick['seen']:,}",
                          frac=f"{pick['fraction']:.1e}"))


def samples_section(order: int, preset: str, ckey: str, model_key: str, charlm: Any) -> None:
    st.subheader(tr("samples_header"))
    st.caption(tr("samples_caption"))
    a, b, cc = st.columns([2, 2, 1], vertical_alignment="bottom")
    with a:
        temperature = st.slider(tr("temperature"), 0.1, 1.5, step=0.1, key=URL.key("temperature"))
    with b:
        prime = st.text_input(tr("prime"), key=URL.key("prime"), max_chars=200)
    with cc:
        if st.button(tr("new_samples"), key=K + "new_samples", icon=":material/casino:"):
            st.session_state[K + "seed"] = st.session_state.get(K + "seed", 0) + 1
    seed = st.session_state.get(K + "seed", 0)
    with st.spinner(tr("generating")):
        ng, ls = _samples(order, preset, ckey, model_key, temperature, seed, 400, prime, charlm)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{tr('sample_ngram', order=order, smoothing=preset_name(preset))}**")
        st.code(prime + ng, language=None, wrap_lines=True)
    with right:
        st.markdown(f"**{tr('sample_lstm')}**")
        if ls is None:
            st.info(tr("sample_lstm_none"))
        else:
            st.code(prime + ls, language=None, wrap_lines=True)


# ---------------------------------------------------------------------------------------------- page
def _render() -> None:
    st.title(f"🆚 {tr('title')}")
    c = corpus()
    base = shipped_base()
    if base is not None or c is not None:  # the vocabulary of the models compared (one definition: VocabSize)
        vocab = (VocabSize(sum(1 for tok in base.vocab if isinstance(tok, str) and len(tok) == 1)) if base
                 else VocabSize.of_text(c[1]))
        st.write(tr("intro", vocab=vocab_label(vocab), outputs=vocab.outputs, bits=f"{vocab.uniform_bits:.2f}"))
    metrics = shipped_metrics() if base is not None else None
    ckey = corpus_key()
    lstm_opts = model_options("charlm")  # shipped first, then this session's and saved app runs

    # --- model choices
    top = st.columns([2, 2, 2])
    max_order = MAX_ORDER if c is not None else (base.order if base is not None else 0)
    with top[0]:
        opt = pick_model(lstm_opts, tr("lstm_label"), key=K + "lstm", format_label=lstm_label,
                         none_text=tr("lstm_none_short"), none_key=K + "lstm_none")
    if max_order == 0:
        status_panel(c, base, lstm_opts, None)
        st.error(tr("ngram_missing"), icon=":material/error:")
        return
    with top[1]:
        URL.clamp("order", 1, max_order)
        order = st.slider(tr("order"), 1, max_order, key=URL.key("order"), help=tr("order_help"))
    with top[2]:
        preset = st.selectbox(tr("smoothing"), list(PRESETS), format_func=preset_name, key=URL.key("smoothing"))
    if max_order < MAX_ORDER:
        st.caption(tr("order_capped", max_order=max_order))
    if preset == "stupid_backoff":
        st.caption(tr("stupid_note"))

    charlm, model_key, lstm_error = None, "none", None
    if opt is not None:
        try:
            charlm, model_key = load_charlm(opt)
        except Exception as exc:  # a broken or half-written checkpoint must not take the page down
            lstm_error = tr("lstm_load_error", name=lstm_label(opt), error=str(exc))
    status_panel(c, base, lstm_opts, lstm_error)
    if charlm is not None:
        cfg = charlm.config
        st.caption(tr("lstm_info", cell=cfg.cell.upper(), layers=cfg.n_layer, hidden=cfg.n_hidden,
                      params=f"{charlm.num_params():,}", corpus=corpus_label(lstm_corpus(charlm))))

    # --- text
    text = text_input(c)
    text, cut = compare.cap_text(text)
    if cut:
        st.info(tr("text_capped", max=f"{compare.MAX_CHARS:,}"), icon=":material/content_cut:")
    if not text:
        st.info(tr("text_empty"))
        return
    with st.spinner(tr("computing")):
        cmp = _compare(text, order, preset, ckey, model_key, charlm)
    if mostly_unknown(text, cmp, _ngram(order, preset, ckey)):
        return
    if cmp.unknown.any():
        chars = "".join(dict.fromkeys(ch for ch, u in zip(text, cmp.unknown) if u))
        st.warning(tr("unknown_chars", chars=" ".join(compare.display_char(ch) for ch in chars)),
                   icon=":material/help:")

    if charlm is not None:
        speaker_note(text, base, ckey, c)
    strips_section(cmp, preset, lstm_label(opt) if opt else "")

    # --- validation numbers
    sweep_rows = {r["order"]: r for r in ((metrics or {}).get("sweep") or {}).get(preset, [])}
    if order in sweep_rows:
        ngram_val, ngram_help = sweep_rows[order]["val_bits_per_char"], tr("help_val_ngram_card")
    elif c is not None:
        with st.spinner(tr("computing")):
            ngram_val = _ngram_val_live(order, preset, ckey)
        ngram_help = tr("help_val_ngram_live")
    else:
        ngram_val, ngram_help = None, tr("help_val_needs_corpus")
    lstm_val, lstm_help = None, tr("help_val_needs_corpus")
    if charlm is not None:
        trained_on = lstm_corpus(charlm)
        if trained_on not in (None, CORPUS):
            lstm_help = tr("lstm_other_corpus", corpus=trained_on)
        else:
            with st.spinner(tr("measuring")):
                lstm_val, source = _lstm_val(model_key, ckey, charlm)
            lstm_help = {"recorded": tr("help_val_lstm_recorded"), "measured": tr("help_val_lstm_measured")}.get(
                source, tr("help_val_needs_corpus"))
    totals_section(cmp, ngram_val, ngram_help, lstm_val, lstm_help, charlm is not None)

    roles_section(cmp)
    curves_section(order, preset, lstm_val, c, metrics)
    samples_section(order, preset, ckey, model_key, charlm)


URL.page(_render)
