"""The "Representing sequences" page, driven with Streamlit's AppTest through the app: the notes' two examples
(same bag of words / spacing changes the words), the three dictionaries, a model's embeddings and its
embedding space, bad and long input, settings read from and written to the URL; both languages."""

from __future__ import annotations

import pytest
import torch
from streamlit.testing.v1 import AppTest

import dashboard.pages as registry
import engine
from dashboard import i18n
from engine.lab.embedding_space import model_table
from engine.lab.representations import MAX_CHARS, NOTES_EXAMPLES
from tests.page_helpers import assert_no_exception, open_from_url, open_page

torch.set_num_threads(1)

SPEC = next(spec for spec in registry.PAGES if spec.slug == "representing_sequences")
P = "page.representing_sequences."
K = "repr."


@pytest.fixture(autouse=True)
def _english_after() -> None:
    yield
    i18n.set_lang("en")


def _page(lang: str = "en") -> AppTest:
    return open_page(SPEC.slug, lang)


def _opened_from_url(monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    return open_from_url(monkeypatch, SPEC.slug, **query)


def _tr(key: str, lang: str = "en", **fmt) -> str:
    return i18n.t(P + key, lang=lang, **fmt)


def _texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def _set(at: AppTest, widget: str, name: str, value) -> AppTest:
    getattr(at, widget)(key=K + name).set_value(value).run()
    assert_no_exception(at)
    return at


def _bow_table(at: AppTest):
    return at.dataframe[0].value  # the first table of the page: the bag of words of A and B


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_notes_examples_same_bag_then_spacing(lang: str) -> None:
    at = _page(lang)
    assert at.title[0].value.endswith(_tr("title", lang))
    # "April is the cruelest month" vs "The cruelest month is April": equal bags, one-hot rows 1..5 differ
    assert _tr("bow_same", lang) in _texts(at, "success")
    assert _tr("onehot_differ", lang, rows="1, 2, 3, 4, 5", n=5) in _texts(at, "success")
    bow = _bow_table(at)
    assert bow["A"].tolist() == bow["B"].tolist() == [1, 1, 1, 1, 1]
    assert dict(at.query_params) == ({} if lang == "en" else {"lang": "ko"})  # a default page: a clean address
    # the spacing example: the words change
    _set(at, "button_group", "example", "spacing")
    a, b = NOTES_EXAMPLES["spacing"]
    assert (at.text_area(key=K + "a").value, at.text_area(key=K + "b").value) == (a, b)
    assert _tr("bow_differ", lang, only_a="방에, 아버지가", only_b="가방에, 아버지") in _texts(at, "info")
    assert _tr("onehot_differ", lang, rows="1, 2", n=2) in _texts(at, "success")
    # ... the characters do not: the same bag of characters, rows 4 and 5 swap "가" and " "
    _set(at, "button_group", "dict", "character")
    assert _tr("bow_same", lang) in _texts(at, "success")
    assert _tr("onehot_differ", lang, rows="4, 5", n=2) in _texts(at, "success")
    assert at.query_params["example"] == "spacing" and at.query_params["dict"] == "character"


def test_a_models_dictionary_embeddings_and_space() -> None:
    at = _page()
    _set(at, "button_group", "dict", "model")
    _set(at, "selectbox", "model", "translator-en-fr")
    texts = "\n".join(_texts(at, "markdown"))
    assert _tr("table_info", name="translator-en-fr", level="subword", m="8,000", n=256, params="2,048,000",
               how=_tr("oov_bytes")) in texts
    # subwords keep case: "▁the" and "▁The" are different pieces, so the bags differ
    assert _tr("bow_differ", only_a="▁the", only_b="▁The") in _texts(at, "info")
    assert any(c.startswith("A: T = 6 vectors of n = 256") for c in _texts(at, "caption"))
    # the embedding space: neighbours of the first symbol of A, as the engine finds them
    tab = model_table(engine.load_pretrained("translator-en-fr"), "translator-en-fr")
    first = tab.encode(NOTES_EXAMPLES["order"][0]).ids[0]
    near = at.dataframe[-1].value
    assert near[_tr("col.symbol")].tolist() == [nb.symbol for nb in tab.nearest(first, 8)]
    # pick another symbol (the selectbox has no key: found by its label): its neighbours, and it goes into the URL
    box = next(s for s in at.selectbox if s.label == _tr("symbol"))
    box.set_value("▁month").run()
    assert_no_exception(at)
    assert at.dataframe[-1].value[_tr("col.symbol")].tolist()[0] == "▁months"
    assert at.query_params["symbol"] == "▁month" and at.query_params["model"] == "translator-en-fr"
    assert len(at.get("plotly_chart")) == 5  # one-hot A, B; X of A, B; the projection


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_unseen_characters_are_explained(lang: str) -> None:
    at = _page(lang)
    _set(at, "button_group", "example", "spacing")  # Korean: the char-LSTM never saw Hangul
    warnings = _texts(at, "warning")
    how = _tr("unknown_symbol", lang, symbol="�")
    assert _tr("unknown", lang, which="A", n=10, units="아 버 지 가 방 에 들 어 신 다", how=how) in warnings
    assert _tr("no_known_symbol", lang) not in _texts(at, "info")  # the space is known: one symbol to explore


def test_bad_and_long_input_get_a_message_not_a_crash() -> None:
    at = _page()
    at.text_area(key=K + "a").input("   ").run()
    assert_no_exception(at)
    assert at.session_state[K + "example"] == "custom"  # typing leaves the example
    assert any(e.startswith(_tr("bad_input", message="")) and "empty" in e for e in _texts(at, "error"))
    at.text_area(key=K + "a").input("가나다 " * 700).run()
    assert_no_exception(at)
    assert _tr("cut", max=f"{MAX_CHARS:,}") in _texts(at, "warning")
    at.text_area(key=K + "a").input("🙂 naïve café 東京 🙂").run()  # any Unicode: words of any script
    assert_no_exception(at)
    assert "🙂" in _bow_table(at)[_tr("col.symbol")].tolist()


def test_a_shared_link_opens_the_same_view(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _opened_from_url(monkeypatch, lang="ko", example="spacing", dict="character", model="translator-en-fr",
                          symbol="▁")
    a, b = NOTES_EXAMPLES["spacing"]
    assert (at.session_state[K + "a"], at.session_state[K + "b"]) == (a, b)  # the example fills the sentences
    assert at.session_state[K + "dict"] == "character" and at.session_state[K + "model"] == "translator-en-fr"
    assert _tr("onehot_differ", "ko", rows="4, 5", n=2) in _texts(at, "success")
    assert next(s for s in at.selectbox if s.label == _tr("symbol", "ko")).value == "▁"
    # unknown or hostile values fall back to what is allowed
    at = _opened_from_url(monkeypatch, example="nope", dict="x", model="../../etc", lower="maybe", a="x" * 5000)
    assert at.session_state[K + "example"] == "order" and at.session_state[K + "dict"] == "word"
    assert at.session_state[K + "model"] == "charlm-shakespeare" and at.session_state[K + "lower"] is True
    assert len(at.session_state[K + "a"]) == MAX_CHARS


def test_a_sentiment_models_subwords_when_shipped() -> None:
    """The sentiment classifiers' embeddings join the model list once their folders are in pretrained/."""
    if "sentiment-ko" not in engine.list_pretrained():
        pytest.skip("pretrained/sentiment-ko is not shipped in this checkout")
    at = _page("ko")
    assert _tr("sentiment_missing", "ko", names="sentiment-en, sentiment-ko") not in _texts(at, "info")
    _set(at, "button_group", "example", "spacing")
    _set(at, "button_group", "dict", "model")
    _set(at, "selectbox", "model", "sentiment-ko")
    tab = model_table(engine.load_pretrained("sentiment-ko"), "sentiment-ko")
    a, b = (tab.encode(s) for s in NOTES_EXAMPLES["spacing"])
    bow = _bow_table(at)  # the page's bag of words is the engine's, in the classifier's own subwords
    assert dict(zip(bow[_tr("col.id", "ko")], bow["A"])) == {i: a.counts().get(i, 0) for i in bow[_tr("col.id", "ko")]}
    assert dict(zip(bow[_tr("col.id", "ko")], bow["B"])) == {i: b.counts().get(i, 0) for i in bow[_tr("col.id", "ko")]}
    assert any(c.startswith(f"A: m = {tab.m:,}개가 아니라 n = {tab.n}개") for c in _texts(at, "caption"))

