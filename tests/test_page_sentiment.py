"""The Sentiment page, driven with Streamlit's AppTest through the app, in both languages: the prediction,
the running prediction, occlusion and saliency, trajectories, the examples and the tables; empty, invisible,
very long and Korean input; an example picked; settings read from and written to the URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import i18n
from engine.sentiment.model import MAX_PIECES
from engine.sentiment.shipped import SHIPPED, read_comparison, read_metrics
from tests.page_helpers import assert_no_exception, open_from_url

ROOT = Path(__file__).resolve().parents[1]
P = "page.sentiment."
K = "sentiment."

pytestmark = pytest.mark.skipif(not all((ROOT / "pretrained" / n / "config.json").is_file() for n in SHIPPED.values()),
                                reason="the shipped sentiment models are not there")


@pytest.fixture(autouse=True)
def _english_after() -> None:
    yield
    i18n.set_lang("en")


def _page(monkeypatch: pytest.MonkeyPatch, lang: str = "en", **query: str) -> AppTest:
    """The page opened as a shared link does: served at the URL, with the settings as query parameters."""
    i18n.set_lang(lang)
    return open_from_url(monkeypatch, "sentiment", **({"lang": lang} if lang != "en" else {}), **query)


def _ok(at: AppTest) -> None:
    assert_no_exception(at)


def _tr(key: str, lang: str, **fmt) -> str:
    return i18n.t(P + key, lang=lang, **fmt)


def _texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "subheader", "error")
                     for e in getattr(at, kind))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_default_review_is_read_and_explained(monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    at = _page(monkeypatch, lang)
    assert at.title[0].value.endswith(_tr("title", lang))
    assert at.metric[0].value in (_tr("positive", lang), _tr("negative", lang))
    texts = _texts(at)
    for key in ("running_header", "tokens_header", "paths_header", "examples_header", "compare_header",
                "tokens_differ"):
        assert _tr(key, lang) in texts
    charts = at.get("plotly_chart")
    assert len(charts) == 4  # running, occlusion, saliency, trajectories
    # the examples, the comparison of each language that has one, the cards' metrics
    expected = 1 + sum(read_comparison(x) is not None for x in SHIPPED) + any(read_metrics(n) for n in SHIPPED.values())
    assert len(at.dataframe) == expected
    assert not {k for k in at.query_params if k != "lang"}  # the default page: a clean address


def test_korean_review_is_detected_and_goes_into_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(monkeypatch)
    at.text_area(key=K + "text").input("배우는 좋았지만 내용이 너무 지루했다.").run()
    _ok(at)
    assert _tr("verdict_caption", "en", language=_tr("lang.ko", "en"), how=_tr("detected", "en"),
               model="sentiment-ko") in _texts(at)
    assert at.query_params["text"] == "배우는 좋았지만 내용이 너무 지루했다."
    again = _page(monkeypatch, "ko", text="배우는 좋았지만 내용이 너무 지루했다.")  # the shared link
    assert again.text_area(key=K + "text").value == "배우는 좋았지만 내용이 너무 지루했다."


def test_choosing_the_language_overrides_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(monkeypatch)
    at.radio(key=K + "review_lang").set_value("ko").run()
    _ok(at)
    assert _tr("verdict_caption", "en", language=_tr("lang.ko", "en"), how=_tr("chosen", "en"),
               model="sentiment-ko") in _texts(at)
    assert at.query_params["review_lang"] == "ko"


@pytest.mark.parametrize("text,key", [("", "empty"), ("\u200b\u200b", "nothing_to_read")])
def test_empty_input_gets_a_message(monkeypatch: pytest.MonkeyPatch, text: str, key: str) -> None:
    at = _page(monkeypatch)
    at.text_area(key=K + "text").input(text).run()
    _ok(at)
    assert _tr(key, "en") in _texts(at)
    assert not at.metric


def test_very_long_input_is_cut_with_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(monkeypatch)
    at.text_area(key=K + "text").input("good, " * 333).run()  # 1,998 characters, 666 pieces
    _ok(at)
    assert _tr("truncated", "en", max=MAX_PIECES) in _texts(at)


def test_picking_an_example_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(monkeypatch)
    at.selectbox(key=K + "example").select("This is not a good movie.").run()
    _ok(at)
    assert at.text_area(key=K + "text").value == "This is not a good movie."
    assert at.query_params["text"] == "This is not a good movie."


def test_hostile_url_values_are_clamped_or_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(monkeypatch, text="x" * 5000, review_lang="klingon")
    assert len(at.text_area(key=K + "text").value) == 2000
    assert at.radio(key=K + "review_lang").value == "auto"
