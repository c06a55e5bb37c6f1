"""Representing sequences: the notes' bag of words (단어 가방), one-hot code (원핫 코드) and word embedding
(단어 임베딩), on two sentences and on the embedding tables of RNN Lab's shipped models.

Every number comes from :mod:`engine.lab.representations` (dictionaries, one-hot matrices, bags of words,
their comparison) and :mod:`engine.lab.embedding_space` (a model's table ``E``, ``X = onehot · E``,
nearest neighbours, the PCA projection). Models load once per process through
:mod:`dashboard.components.resources`; the settings (example, sentences, dictionary, model, symbol)
live in the URL, so a teacher can share a link that opens the same view.
"""

from __future__ import annotations

import streamlit as st

from dashboard.components import charts_representations as cr
from dashboard.components.labels import count
from dashboard.components.resources import available_pretrained, get_pretrained
from dashboard.components.url_state import Setting, UrlState
from dashboard.i18n import t
from engine.lab.embedding_space import EmbeddingTable, model_table
from engine.lab.representations import (
    MAX_CHARS,
    NOTES_EXAMPLES,
    Encoding,
    RepresentationError,
    Vocabulary,
    compare,
    encode,
    sentence_vocabulary,
)
from engine.lm.chars import display_char

_P = "page.representing_sequences."
K = "repr."  # session-state keys
EXAMPLES = ("order", "spacing", "custom")
DICTIONARIES = ("word", "character", "model")
MODEL_KINDS = ("charlm", "translator", "sentiment")  # shipped models with an embedding table this page can read
SENTIMENT_MODELS = ("sentiment-en", "sentiment-ko")
DEFAULT_MODEL = "charlm-shakespeare"
MAX_ROWS = 120  # rows (time steps) of a matrix drawn; the sizes always name the whole matrix
MAX_COLUMNS = 150  # one-hot columns drawn
NEIGHBOURS = 8
SHOWN_POINTS = 2500  # points of a large table in the projection (the most frequent pieces come first)


def _t(key: str, **fmt: object) -> str:
    return t(_P + key, **fmt)


def _url(models: tuple[str, ...]) -> UrlState:
    a, b = NOTES_EXAMPLES["order"]
    return UrlState(K, {
        "example": Setting("order", EXAMPLES), "a": Setting(a, max_len=MAX_CHARS), "b": Setting(b, max_len=MAX_CHARS),
        "dict": Setting("word", DICTIONARIES), "lower": Setting(True),
        "model": Setting(DEFAULT_MODEL if DEFAULT_MODEL in models or not models else models[0], models or None),
        "symbol": Setting("", max_len=60)})


@st.cache_resource(show_spinner=False, max_entries=4)
def _table(name: str) -> EmbeddingTable:
    """The embedding table of shipped model ``name`` (shared by every session, never mutated but for its
    lazily computed projection)."""
    return model_table(get_pretrained(name), name)


def _models() -> tuple[str, ...]:
    return tuple(name for kind in MODEL_KINDS for name in available_pretrained(kind))


# -------------------------------------------------------------------------------------------- inputs
def _use_example(url: UrlState) -> None:
    example = st.session_state[url.key("example")]
    if example in NOTES_EXAMPLES:
        url.set(a=NOTES_EXAMPLES[example][0], b=NOTES_EXAMPLES[example][1])


def _inputs(url: UrlState, models: tuple[str, ...]) -> None:
    st.segmented_control(_t("example"), EXAMPLES, key=url.key("example"), required=True,
                         format_func=lambda e: _t(f"example.{e}"), on_change=_use_example, args=(url,))
    st.caption(_t(f"example_help.{url['example']}"))
    custom = {"example": "custom"}
    for col, name in zip(st.columns(2), ("a", "b")):
        col.text_area(_t(f"sentence_{name}"), key=url.key(name), height=80, on_change=url.set, kwargs=custom,
                      help=_t("sentence_help", max=count(MAX_CHARS)))
    c = st.columns([5, 2, 3])
    c[0].segmented_control(_t("dictionary"), DICTIONARIES, key=url.key("dict"), required=True,
                           format_func=lambda d: _t(f"dictionary.{d}"), help=_t("dictionary_help"))
    c[1].toggle(_t("lower"), key=url.key("lower"), disabled=url["dict"] == "model", help=_t("lower_help"))
    if models:
        c[2].selectbox(_t("model"), models, key=url.key("model"), help=_t("model_help"))


def _vocabulary(url: UrlState, table: EmbeddingTable | None) -> Vocabulary | None:
    """The dictionary chosen (None, after saying why, when there is none)."""
    if url["dict"] == "model":
        return None if table is None else table.vocab
    try:
        return sentence_vocabulary([url["a"], url["b"]], url["dict"], bool(url["lower"]))
    except RepresentationError as exc:
        st.error(_t("bad_input", message=str(exc)), icon=":material/error:")
        return None


def _encodings(url: UrlState, vocab: Vocabulary) -> tuple[Encoding, Encoding] | None:
    try:
        a, b = encode(url["a"], vocab), encode(url["b"], vocab)
    except RepresentationError as exc:
        st.error(_t("bad_input", message=str(exc)), icon=":material/error:")
        return None
    if a.cut or b.cut:
        st.warning(_t("cut", max=count(MAX_CHARS)), icon=":material/content_cut:")
    return a, b


def _unknown(enc: Encoding, which: str) -> None:
    """Say what the dictionary did not know, and what became of it."""
    if enc.unknown:
        shown = " ".join(display_char(u) for u in enc.unknown[:20])
        st.warning(_t("unknown", which=which, n=len(enc.unknown), units=shown, how=_how_unknown(enc.vocab)),
                   icon=":material/help:")


# ---------------------------------------------------------------------------- dictionary, BoW, one-hot
def _how_unknown(vocab: Vocabulary, general: bool = False) -> str:
    """What a dictionary does with what it does not have, in the UI language (``general``: as a rule, not
    about units just found)."""
    key = ("oov" if general else "unknown") + ("_bytes" if vocab.unknown_id is None else "_symbol")
    return _t(key, symbol="" if vocab.unknown_id is None else display_char(vocab.symbols[vocab.unknown_id]))


def _dictionary(url: UrlState, vocab: Vocabulary) -> None:
    st.header(_t("dictionary_header"))
    level = _t(f"level.{vocab.level}")
    if url["dict"] == "model":
        st.markdown(_t("dictionary_model", name=url["model"], m=count(vocab.m), level=level,
                       how=_how_unknown(vocab, general=True)))
        if vocab.level == "subword":
            st.caption(_t("subword_marker"))
    else:
        st.markdown(_t("dictionary_sentences", m=count(vocab.m), level=level,
                       case=_t("case.lower" if url["lower"] else "case.kept")))
    with st.expander(_t("dictionary_symbols", m=count(vocab.m), level=level), icon=":material/list:"):
        shown = vocab.symbols[:500]
        st.code(" ".join(f"{i}:{display_char(s)}" for i, s in enumerate(shown)), language=None, wrap_lines=True)
        if vocab.m > len(shown):
            st.caption(_t("dictionary_more", n=count(vocab.m - len(shown))))


def _bag_of_words(a: Encoding, b: Encoding) -> None:
    st.header(_t("bow_header"))
    ca, cb = a.counts(), b.counts()
    ids = sorted(set(ca) | set(cb))
    rows = [{_t("col.id"): i, _t("col.symbol"): display_char(a.vocab.symbols[i]), "A": ca.get(i, 0), "B": cb.get(i, 0)}
            for i in ids]
    table, text = st.columns([1, 2])
    table.dataframe(rows, hide_index=True, width="stretch", height="content" if len(rows) <= 16 else 460)
    with text:
        st.markdown(_t("bow_text", m=count(a.m)))
        st.caption(_t("bow_caption", m=count(a.m), k=len(ids), zeros=count(a.m - len(ids))))
        cmp = compare(a, b)
        if cmp.same_bag and not cmp.same_sequence:
            st.success(_t("bow_same"), icon=":material/drag_indicator:")
        elif cmp.same_sequence:
            st.info(_t("same_sentence"), icon=":material/drag_indicator:")
        else:
            st.info(_t("bow_differ", only_a=", ".join(map(display_char, cmp.only_a)) or "–",
                        only_b=", ".join(map(display_char, cmp.only_b)) or "–"), icon=":material/drag_indicator:")


def _one_hot(a: Encoding, b: Encoding) -> None:
    st.header(_t("onehot_header"))
    st.markdown(_t("onehot_text"))
    columns = sorted(set(a.ids) | set(b.ids))[:MAX_COLUMNS]
    names = [a.vocab.symbols[i] for i in columns]
    for col, enc, which in zip(st.columns(2), (a, b), "AB"):
        rows = enc.units[:MAX_ROWS]
        matrix = enc.one_hot(columns)[:MAX_ROWS].numpy()
        with col:
            st.plotly_chart(cr.matrix_figure(matrix, rows, names, title=_t("onehot_title", which=which, T=enc.T,
                                                                              m=count(enc.m)),
                                             x_title=_t("onehot_x"), y_title=_t("time_axis"), hover=_t("onehot_hover")),
                            key=f"{K}onehot_{which}")
            st.caption(_t("onehot_size", which=which, T=enc.T, m=count(enc.m), numbers=count(enc.T * enc.m)))
    if a.m > len(columns) or max(a.T, b.T) > MAX_ROWS:
        st.caption(_t("onehot_shown", rows=MAX_ROWS, columns=len(columns), m=count(a.m)))
    cmp = compare(a, b)
    if cmp.same_sequence:
        st.info(_t("same_sentence"), icon=":material/grid_on:")
    else:
        rows = ", ".join(map(str, cmp.differing_rows[:30])) + (" …" if len(cmp.differing_rows) > 30 else "")
        st.success(_t("onehot_differ", rows=rows, n=len(cmp.differing_rows)), icon=":material/grid_on:")
    st.caption(_t("onehot_limits"))


# ------------------------------------------------------------------------------------------ embeddings
def _embeddings(url: UrlState, table: EmbeddingTable) -> tuple[Encoding, Encoding] | None:
    st.header(_t("embedding_header"))
    st.markdown(_t("embedding_text"))
    st.markdown(_t("table_info", name=table.name, level=_t(f"level.{table.vocab.level}"), m=count(table.m),
                   n=table.n, params=count(table.num_params), how=_how_unknown(table.vocab, general=True)))
    pair = _encodings(url, table.vocab)
    if pair is None:
        return None
    for col, enc, which in zip(st.columns(2), pair, "AB"):
        X = table.vectors(enc)
        with col:
            rows = enc.units[:MAX_ROWS]
            st.plotly_chart(cr.matrix_figure(X[:MAX_ROWS].numpy(), rows, [str(j + 1) for j in range(table.n)],
                                             title=_t("x_title", which=which, T=enc.T, n=table.n),
                                             x_title=_t("x_columns"), y_title=_t("time_axis"), signed=True,
                                             hover=_t("x_hover")), key=f"{K}x_{which}")
            diff = float((table.vectors_by_product(enc) - X).abs().max())
            st.caption(_t("x_caption", which=which, T=enc.T, m=count(table.m), n=table.n, diff=f"{diff:.1e}"))
            _unknown(enc, which)
    return pair


def _space(url: UrlState, table: EmbeddingTable, pair: tuple[Encoding, Encoding]) -> None:
    st.header(_t("space_header"))
    st.markdown(_t("space_text"))
    allowed = set(table.candidates)
    ids = list(dict.fromkeys(i for enc in pair for i in enc.ids if i in allowed))
    if not ids:
        st.info(_t("no_known_symbol"), icon=":material/info:")
        return
    by_symbol = {table.vocab.symbols[i]: i for i in ids}
    options = list(by_symbol)
    # No widget key: the URL's setting chooses the starting index, and the first symbol stays out of the link.
    start = options.index(url["symbol"]) if url["symbol"] in by_symbol else 0
    symbol = st.selectbox(_t("symbol"), options, index=start, format_func=display_char, help=_t("symbol_help"))
    url.set(symbol="" if symbol == options[0] else symbol)
    picked = by_symbol[symbol]
    near = table.nearest(picked, NEIGHBOURS)
    left, right = st.columns([1, 2])
    with left:
        rows = [{_t("col.symbol"): display_char(nb.symbol), _t("col.id"): nb.id, _t("col.cosine"): round(nb.cosine, 3)}
                for nb in near]
        st.dataframe(rows, hide_index=True, height="content")
        st.caption(_t("neighbours_caption", symbol=display_char(symbol), k=len(near), m=count(len(table.candidates))))
    with right:
        proj = table.projection()
        keep = set(proj.ids[:SHOWN_POINTS]) | set(ids) | {nb.id for nb in near}
        rows = [j for j, i in enumerate(proj.ids) if i in keep]
        where = {proj.ids[j]: n for n, j in enumerate(rows)}
        fig = cr.projection_figure([table.vocab.symbols[proj.ids[j]] for j in rows], proj.coords[rows].tolist(),
                                   sentence=[where[i] for i in ids], picked=where[picked],
                                   neighbours=[where[nb.id] for nb in near], title=_t("pca_title", name=table.name),
                                   x_title="PC 1", y_title="PC 2",
                                   names=[_t(f"pca_{n}") for n in ("all", "sentence", "picked", "neighbours")])
        st.plotly_chart(fig, key=f"{K}pca")
        st.caption(_t("pca_caption", shown=count(len(rows)), total=count(len(proj.ids)),
                      pc1=f"{100 * proj.explained[0]:.1f}", pc2=f"{100 * proj.explained[1]:.1f}"))
        if len(rows) < len(proj.ids):
            st.caption(_t("pca_subset", shown=count(SHOWN_POINTS), total=count(len(proj.ids))))


def _sentiment_note(models: tuple[str, ...]) -> None:
    """Until the sentiment models are shipped, say that their embeddings will join the model list."""
    if not set(SENTIMENT_MODELS) & set(models):
        st.info(_t("sentiment_missing", names=", ".join(SENTIMENT_MODELS)), icon=":material/hourglass_empty:")


# ------------------------------------------------------------------------------------------------ page
def render() -> None:
    models = _models()
    url = _url(models)
    first = url.key("a") not in st.session_state
    url.read()
    if first and url["example"] in NOTES_EXAMPLES and "a" not in st.query_params:
        _use_example(url)
    st.title(f"🔡 {_t('title')}")
    st.caption(_t("teaches"))
    st.markdown(_t("intro"))
    _inputs(url, models)
    table = None
    if models:
        with st.spinner(t("resources.loading_model", name=url["model"])):
            table = _table(url["model"])
    else:
        st.warning(_t("no_models"), icon=":material/warning:")
    vocab = _vocabulary(url, table)
    pair = None if vocab is None else _encodings(url, vocab)
    if pair is not None:
        _dictionary(url, vocab)
        _bag_of_words(*pair)
        _one_hot(*pair)
    if table is not None and pair is not None:
        pair = _embeddings(url, table)
        if pair is not None:
            _space(url, table, pair)
    _sentiment_note(models)
    url.write()


render()
