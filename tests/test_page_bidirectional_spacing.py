"""The spacing page, driven with Streamlit's AppTest through the app: restorations of both models with the
numbers the engine computes, the shared-beginning experiment, the held-out table, bad input, URL settings;
both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

import dashboard.pages as registry
from dashboard import i18n
from engine import load_pretrained
from engine.spacing.compare import compare_directions, shared_prefix
from engine.train.checkpoint import PRETRAINED_DIR
from tests.page_helpers import assert_no_exception, open_from_url, open_page

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "streamlit_app.py"
SPEC = next(spec for spec in registry.PAGES if spec.slug == "bidirectional_spacing")
P = "page.bidirectional_spacing."
K = "spacing."
SHIPPED = all((PRETRAINED_DIR / f"spacing-{lang}-{d}" / "config.json").is_file() for lang in ("ko", "en")
              for d in ("uni", "bi"))
needs_models = pytest.mark.skipif(not SHIPPED, reason="pretrained/spacing-* not shipped")


@pytest.fixture(autouse=True)
def _english_after() -> None:
    yield
    i18n.set_lang("en")


def _ok(at: AppTest) -> None:
    assert_no_exception(at)


def _page(lang: str = "en") -> AppTest:
    return open_page(SPEC.slug, lang)


def _opened_from_url(monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    return open_from_url(monkeypatch, SPEC.slug, **query)


def _html(at: AppTest) -> str:
    return "".join(h.proto.body for h in at.get("html"))


@needs_models
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_page_opens_in_both_languages_with_the_engines_numbers(lang: str) -> None:
    at = _page(lang)
    assert at.title[0].value.endswith(i18n.t(P + "title", lang=lang))
    text = at.text_area(key=K + "text").value
    cmp = compare_directions(load_pretrained("spacing-ko-uni"), load_pretrained("spacing-ko-bi"), text)
    # the restorations shown are the engine's, with the characters of the text
    import re

    shown = re.sub(r"<style>.*?</style>|<[^>]+>", "", _html(at))  # the two restorations, as text
    assert shown.replace(" ", "").replace("␣", "") == cmp.chars * 2
    assert cmp.bi.text.split(" ")[0] in shown and shown.count("␣") == sum(
        a != b for r in (cmp.uni, cmp.bi) for a, b in zip(r.true_labels[:-1], r.labels[:-1]))
    captions = " ".join(c.value for c in at.caption)
    s = cmp.scores()["bi"]
    assert f"{s.f1:.3f}" in captions
    # the headers of every section, in the page's language
    headers = [h.value for h in at.subheader]
    for key in ("restored_header", "prob_header", "states_header", "pair_header", "table_header"):
        assert i18n.t(P + key, lang=lang) in headers


@needs_models
def test_shared_beginning_table_shows_equal_left_to_right_probabilities() -> None:
    at = _page()
    a, b = at.text_input(key=K + "a").value, at.text_input(key=K + "b").value
    uni = shared_prefix(load_pretrained("spacing-ko-uni"), a, b)
    df = at.table[0].value
    i = len(uni.prefix) - 1
    assert df.iloc[0, 0] == f"{uni.a[i]:.3f}" and df.iloc[0, 1] == f"{uni.b[i]:.3f}"
    assert float(df.iloc[0, 2]) < 1e-5  # left to right: the same number whatever follows
    bi = shared_prefix(load_pretrained("spacing-ko-bi"), a, b)
    assert df.iloc[1, 0] == f"{bi.a[i]:.3f}" and df.iloc[1, 1] == f"{bi.b[i]:.3f}"
    # the held-out table: the shipped models' measured F1, as in their metrics.json
    import json

    m = json.loads((PRETRAINED_DIR / "spacing-ko-bi" / "metrics.json").read_text())
    assert f"{m['evaluation']['tatoeba']['f1']:.4f}" in at.table[1].value.to_string()


@needs_models
def test_english_pair_from_the_url_and_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _opened_from_url(monkeypatch, corpus="en", text="to be or not to be", a="abc", b="xyz")
    assert at.text_area(key=K + "text").value == "to be or not to be"
    assert any(i18n.t(P + "pair_no_prefix") == w.value for w in at.warning)
    at.text_area(key=K + "text").set_value("   ").run()
    _ok(at)
    assert any(i18n.t(P + "empty") == w.value for w in at.warning)
    at.text_area(key=K + "text").set_value("hello wörld ☃ 語").run()
    _ok(at)
    assert any("☃" in w.value for w in at.warning)  # characters the model never saw are named
    assert at.query_params["text"] == "hello wörld ☃ 語" and at.query_params["corpus"] == "en"


def test_page_says_how_to_make_missing_models(monkeypatch: pytest.MonkeyPatch) -> None:
    import dashboard.components.resources as resources

    monkeypatch.setattr(resources, "available_pretrained", lambda kind=None: [])
    import streamlit as st

    st.cache_data.clear()
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.switch_page(str(SPEC.path)).run()
    _ok(at)
    assert any("python -m engine train spacing --lang ko" in i.value for i in at.info)
