"""The "N-gram vs RNN" page (AppTest: the app runs in-process, no browser).

Each test points the page at its own data directory, download cache and runs folder, so what it
finds (corpus or not, char-LSTM or not) is decided here and not by the machine's setup.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
import torch
from streamlit.testing.v1 import AppTest

from dashboard import i18n
from dashboard.pages import PAGES
from engine.ngram import pretrained as shipped
from tests.conftest import make_text

ROOT = Path(__file__).resolve().parents[1]

APP = ROOT / "streamlit_app.py"
PAGE = next(spec for spec in PAGES if spec.slug == "ngram_vs_rnn")
P = "page.ngram_vs_rnn."


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No corpus, no download cache, no app runs, no shipped char-LSTM, fresh Streamlit caches.

    (The shipped n-gram counts stay: they live in ``shipped.SHIPPED_DIR``, not in the folder
    ``load_pretrained`` searches.)
    """
    from engine.data import corpora
    from engine.train import checkpoint

    monkeypatch.setattr(checkpoint, "PRETRAINED_DIR", tmp_path / "pretrained")
    monkeypatch.setenv("RNN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RNN_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setattr(corpora, "CACHE_DIR", tmp_path / "cache")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield tmp_path
    st.cache_data.clear()
    st.cache_resource.clear()


TINY_RUN, TINY_KEY = "20260101-000000-tiny01", "tiny-owner-key"  # the session owns the tiny run (issue 15)


def _page(lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["run_owner_keys"] = {TINY_RUN: TINY_KEY}
    if lang != "en":
        at.query_params["lang"] = lang
    at.run()
    at.switch_page(str(PAGE.path)).run()
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _all_text(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def _charts(at: AppTest) -> list:
    return at.get("plotly_chart")


def _tiny_corpus(root: Path) -> str:
    text = make_text(30000, seed=5)
    (root / "data" / "tinyshakespeare").mkdir(parents=True)
    (root / "data" / "tinyshakespeare" / "input.txt").write_text(text, encoding="utf-8")
    return text


def _tiny_run(root: Path, text: str, run_id: str = TINY_RUN) -> Path:
    """A run folder like the Train page's, with an untrained tiny char-LSTM as its best checkpoint."""
    from engine.data.text import CharVocab
    from engine.lm.model import CharLM, CharLMConfig
    from engine.train.checkpoint import save_checkpoint
    from engine.train.live import owner_hash

    torch.manual_seed(0)
    vocab = CharVocab.from_text(text)
    model = CharLM(CharLMConfig(vocab_size=len(vocab), n_layer=1, n_hidden=16, n_embd=8), vocab)
    run = root / "runs" / run_id
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"corpus": "tinyshakespeare", "model": {}, "data": {}, "train": {},
                                              "owner_sha256": owner_hash(TINY_KEY)}))
    save_checkpoint(run / "best", model, meta={"provenance": {"corpus": "tinyshakespeare"},
                                               "data": {"val_fraction": 0.1, "eval_batch_size": 4,
                                                        "eval_seq_len": 64}})
    return run


# ---------------------------------------------------------------------------------------------- no data
@pytest.mark.skipif(not (shipped.SHIPPED_DIR / shipped.MODEL_FILE).is_file(), reason="shipped n-gram not built")
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_page_without_corpus_or_lstm(isolated: Path, lang: str) -> None:
    at = _page(lang)
    _ok(at)
    i18n.set_lang(lang)
    try:
        text = _all_text(at)
        assert i18n.t(P + "title") in at.title[0].value
        assert i18n.t(P + "corpus_missing", max_order=shipped.SHIPPED_ORDER) in text  # says what is missing
        assert i18n.t(P + "lstm_none") in text
        # the strip, the validation curves and the coverage chart; the n-gram totals
        assert len(_charts(at)) >= 3
        labels = [m.label for m in at.metric]
        assert i18n.t(P + "metric_text", model=i18n.t(P + "row_ngram")) in labels
        assert i18n.t(P + "metric_val", model=i18n.t(P + "row_ngram")) in labels
        assert at.slider(key="ngram_vs_rnn.order").max == shipped.SHIPPED_ORDER  # higher orders need the corpus
    finally:
        i18n.set_lang("en")


@pytest.mark.skipif(not (shipped.SHIPPED_DIR / shipped.MODEL_FILE).is_file(), reason="shipped n-gram not built")
def test_emoji_and_long_input(isolated: Path) -> None:
    at = _page()
    at.segmented_control(key="ngram_vs_rnn.source").set_value("own").run()
    _ok(at)
    at.text_area(key="ngram_vs_rnn.own_text").input("To be, or not 🐈 to be ☃\u200d 王").run()
    _ok(at)
    warning = "\n".join(w.value for w in at.warning)
    assert "🐈" in warning and "王" in warning and "\ufffd" in warning  # the joiner is shown as U+FFFD
    assert i18n.t(P + "totals_unknown", n=4, lang="en") in [c.value for c in at.caption]
    at.text_area(key="ngram_vs_rnn.own_text").input("All the world's a stage. " * 200).run()
    _ok(at)
    assert i18n.t(P + "text_capped", max="3,000", lang="en") in [i.value for i in at.info]


def test_page_without_any_ngram_says_how_to_build_it(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shipped, "SHIPPED_DIR", isolated / "no-ngram")  # the page imports it on every run
    at = _page()
    _ok(at)
    assert i18n.t(P + "ngram_missing", lang="en") in [e.value for e in at.error]


# ---------------------------------------------------------------------------------------------- with data
def test_page_with_corpus_and_trained_lstm(isolated: Path) -> None:
    text = _tiny_corpus(isolated)
    run = _tiny_run(isolated, text)
    at = _page()
    _ok(at)
    lstm = at.selectbox(key="ngram_vs_rnn.lstm")
    assert lstm.value == f"path:{run / 'best'}"
    assert lstm.options == [i18n.t(P + "lstm_run", id=run.name, lang="en")]
    # the strip, the per-role bars, the validation curves and the coverage chart
    assert len(_charts(at)) >= 4
    labels = [m.label for m in at.metric]
    assert len(labels) == 4 and i18n.t(P + "metric_val", model="LSTM", lang="en") in labels
    values = {m.label: m.value for m in at.metric}
    assert all(v.replace(".", "", 1).isdigit() for v in values.values()), values  # every total was measured
    assert i18n.t(P + "corpus_ok", chars=f"{len(text):,}", val=f"{len(text) - int(len(text) * 0.9):,}",
                  lang="en") in _all_text(at)
    # the strip: surprisal and difference heatmaps with the characters as text
    spec = json.loads(_charts(at)[0].proto.spec)
    kinds = [trace["type"] for trace in spec["data"]]
    assert kinds.count("heatmap") == 1 and kinds.count("scatter") == 3  # + two colour bars and the characters
    # an order above the shipped counts is fitted on the corpus
    at.slider(key="ngram_vs_rnn.order").set_value(9).run()
    _ok(at)
    assert not any(i18n.t(P + "order_capped", max_order=7, lang="en") in c.value for c in at.caption)
    # both samples are generated
    codes = [c.value for c in at.code]
    assert len(codes) == 2 and all(len(c) >= 100 for c in codes)
    at.button(key="ngram_vs_rnn.new_samples").click().run()
    _ok(at)
    assert [c.value for c in at.code] != codes


@pytest.mark.skipif(not (ROOT / "pretrained" / "charlm-shakespeare" / "config.json").is_file(),
                    reason="pretrained/charlm-shakespeare not shipped")
@pytest.mark.skipif(not (shipped.SHIPPED_DIR / shipped.MODEL_FILE).is_file(), reason="shipped n-gram not built")
def test_page_uses_the_shipped_lstm_without_any_data(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.train import checkpoint

    monkeypatch.setattr(checkpoint, "PRETRAINED_DIR", ROOT / "pretrained")
    at = _page()
    _ok(at)
    assert at.selectbox(key="ngram_vs_rnn.lstm").value == "pretrained:charlm-shakespeare"
    assert i18n.t(P + "lstm_none", lang="en") not in _all_text(at)
    labels = [m.label for m in at.metric]
    assert len(labels) == 4 and i18n.t(P + "metric_val", model="LSTM", lang="en") in labels
    values = {m.label: m.value for m in at.metric}
    assert all(v.replace(".", "", 1).isdigit() for v in values.values()), values
    # on Shakespeare's own text the shipped LSTM beats the shipped 7-gram (the page's headline contrast)
    text_ng = float(values[i18n.t(P + "metric_text", model=i18n.t(P + "row_ngram"), lang="en")])
    text_lstm = float(values[i18n.t(P + "metric_text", model="LSTM", lang="en")])
    assert text_lstm < text_ng, values


def test_korean_page_with_lstm_and_emoji(isolated: Path) -> None:
    text = _tiny_corpus(isolated)
    _tiny_run(isolated, text)
    at = _page("ko")
    _ok(at)
    assert i18n.t(P + "title", lang="ko") in at.title[0].value
    # AppTest re-formats every widget's value outside the script run, where t() reads the module fallback
    i18n.set_lang("ko")
    try:
        at.segmented_control(key="ngram_vs_rnn.source").set_value("own").run()
        at.text_area(key="ngram_vs_rnn.own_text").input("ANNA:\nthe 🐈 king is dead.\n").run()
    finally:
        i18n.set_lang("en")
    _ok(at)
    assert any("🐈" in w.value for w in at.warning)
    assert len(at.metric) == 4


def test_corpus_without_a_validation_passage_falls_back_to_the_builtin_one(isolated: Path) -> None:
    """A data-directory copy whose last 10 % is blank lines: no passage to show, the built-in one instead."""
    from engine.lm import compare

    text = make_text(3000, seed=5) + "\n" * 400
    (isolated / "data" / "tinyshakespeare").mkdir(parents=True)
    (isolated / "data" / "tinyshakespeare" / "input.txt").write_text(text, encoding="utf-8")
    assert compare.passages(text[int(len(text) * 0.9):]) == []
    at = _page()
    _ok(at)  # was an IndexError
    assert not [s for s in at.slider if s.key == "ngram_vs_rnn.passage"] and _charts(at)


def test_the_repository_pretrained_folder_offers_only_char_lms(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped translators and captioner are never offered as the char-LSTM (char-LSTM shipped or not)."""
    from engine.train import checkpoint

    monkeypatch.setattr(checkpoint, "PRETRAINED_DIR", ROOT / "pretrained")
    at = _page()
    _ok(at)
    options = [o for box in at.selectbox for o in box.options]
    assert not any(name in " ".join(options) for name in ("translator", "captioner")), options
    if not (ROOT / "pretrained" / "charlm-shakespeare" / "config.json").is_file():
        assert i18n.t(P + "lstm_none", lang="en") in _all_text(at)


# ---------------------------------------------------------------------------------------------- issue 16
def _html(at: AppTest) -> str:
    return "\n".join(el.proto.body for el in at.get("html"))


def _own_text(at: AppTest, text: str) -> AppTest:
    at.segmented_control(key="ngram_vs_rnn.source").set_value("own").run()
    at.text_area(key="ngram_vs_rnn.own_text").input(text).run()
    _ok(at)
    return at


def test_biggest_wins_show_a_space_as_a_visible_symbol_not_markdown(isolated: Path) -> None:
    """Bug 1: a space in the "biggest wins" lists was rendered as literal ``** **``."""
    import re

    text = _tiny_corpus(isolated)
    _tiny_run(isolated, text)
    at = _own_text(_page(), "t  h   e    k     i      n       g        s\n")
    body = _html(at)
    marked = re.findall(r"<mark[^>]*>(.*?)</mark>", body)
    assert marked, "no wins listed"
    assert "␣" in marked and all(m.strip() for m in marked)  # every character visible, a space as ␣
    assert "**" not in body and not any(re.search(r"\*\*\s+\*\*", m.value) for m in at.markdown)


def test_default_passage_comes_first_and_says_how_it_was_chosen(isolated: Path) -> None:
    """Honest pages: the default passage is the measured one (engine.lm.default_passage), first in the list when the
    corpus has it, and the page says why it was chosen."""
    from engine.lm import compare

    text = make_text(30000, seed=5)
    cut = text.index("\n\n", int(len(text) * 0.95)) + 2  # a copy whose validation part (last 10 %) holds it
    text = text[:cut] + compare.BUILTIN_PASSAGE + "\n" + text[cut:]
    (isolated / "data" / "tinyshakespeare").mkdir(parents=True)
    (isolated / "data" / "tinyshakespeare" / "input.txt").write_text(text, encoding="utf-8")
    at = _page()
    _ok(at)
    assert at.slider(key="ngram_vs_rnn.passage").value == 1
    assert i18n.t(P + "passage_default", lang="en") in [c.value for c in at.caption]
    strip = json.loads(_charts(at)[0].proto.spec)
    shown = "".join(t for t in strip["data"][-1]["text"])  # the characters drawn in the strip
    assert shown.startswith("GRUMIO:⏎")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_text_in_another_script_is_refused_not_scored(isolated: Path, lang: str) -> None:
    """Honest pages: Korean typed into the page got totals computed from a few Latin letters."""
    text = _tiny_corpus(isolated)
    _tiny_run(isolated, text)
    at = _page(lang)
    i18n.set_lang(lang)  # AppTest formats widget values outside the script run with the module fallback
    try:
        _own_text(at, "안녕하세요, 저는 학생입니다. OK")
        assert not at.metric and not _charts(at)  # no score, no strip: nothing presented as a result
        (error,) = at.error
        assert i18n.t(P + "foreign_text", percent="{percent}", chars="{chars}").split("{percent}")[0] in error.value
        assert "안" in error.value and "%" in error.value
        (alphabet,) = [code.value for code in at.code]  # the alphabet the models know, shown
        assert set("abcdefghijklmnopqrstuvwxyz") <= set(alphabet) and "안" not in alphabet
        _own_text(at, "ANNA:\nthe king is 🐈 dead.\n")  # a stray emoji: still scored, with a warning
        assert at.metric and not at.error and any("🐈" in w.value for w in at.warning)
    finally:
        i18n.set_lang("en")


def test_speakers_never_seen_in_training_are_named(isolated: Path) -> None:
    text = _tiny_corpus(isolated)  # speakers ANNA, BORIS, CLARA
    _tiny_run(isolated, text)
    at = _own_text(_page(), "HAMLET:\nthe king is dead.\n\nANNA:\nlong live the queen.\n")
    notes = [i.value for i in at.info if i.value.startswith(i18n.t(P + "unseen_speakers", names="", lang="en")[:20])]
    assert len(notes) == 1 and "HAMLET" in notes[0] and "ANNA" not in notes[0]


@pytest.mark.skipif(not (shipped.SHIPPED_DIR / shipped.MODEL_FILE).is_file(), reason="shipped n-gram not built")
def test_intro_states_the_vocabulary_once_and_korean_shows_no_english_words(isolated: Path) -> None:
    """Bug 7 (65 vs 66: 65 characters + the unknown symbol = 66 outputs, log2 66 = 6.04 bits) and bug 11."""
    import re

    from engine.metrics import VocabSize

    at = _page("ko")
    _ok(at)
    v = VocabSize(65)
    intro = next(m.value for m in at.markdown if "log_2" in m.value)
    assert i18n.t("vocab.size", chars=65, outputs=66, lang="ko") in intro and f"{v.uniform_bits:.2f}" == "6.04"
    assert "6.04" in intro
    texts = _all_text(at) + "\n".join(json.dumps(json.loads(c.proto.spec)["layout"], ensure_ascii=False)
                                      for c in _charts(at))
    texts = re.sub(r"\$[^$]*\$|`[^`]*`|\([A-Za-z/ ]+\)", "", texts)  # formulas, code and glosses "(bits/char)"
    for word in ("nats", "pasted", "tinyshakespeare", "bits", "characters", "possible", "seen in training"):
        assert word not in texts, word


@pytest.mark.skipif(not (ROOT / "pretrained" / "charlm-shakespeare" / "config.json").is_file(),
                    reason="pretrained/charlm-shakespeare not shipped")
@pytest.mark.skipif(not (shipped.SHIPPED_DIR / shipped.MODEL_FILE).is_file(), reason="shipped n-gram not built")
def test_on_the_default_passage_the_lstm_wins_where_the_explanation_says(isolated: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Honest pages: on the old default (Hamlet) the LSTM was far worse on speaker names than the text claimed."""
    from engine.lm.default_passage import EXPLAINED_ROLES
    from engine.train import checkpoint

    monkeypatch.setattr(checkpoint, "PRETRAINED_DIR", ROOT / "pretrained")
    at = _page()
    _ok(at)
    roles = json.loads(_charts(at)[1].proto.spec)  # the per-role bars: n-gram trace, LSTM trace
    ngram, lstm = roles["data"][0], roles["data"][1]
    names = {i18n.t(P + f"role.{r}", lang="en"): r for r in EXPLAINED_ROLES}
    seen = set()
    for label, ng, ls in zip(ngram["y"], ngram["x"], lstm["x"]):
        role = names.get(label.rsplit(" (", 1)[0])
        if role:
            seen.add(role)
            assert ls < ng, (role, ng, ls)
    assert seen == set(EXPLAINED_ROLES)
    assert not [i for i in at.info if "HAMLET" in i.value]  # every speaker of the default was seen in training


# ------------------------------------------------------------------------------------------- URL
def _opened_with(lang: str = "en", **query: str) -> AppTest:
    """The page opened from a link with settings (the app's navigation serves it with the query)."""
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.query_params.update(query, **({"lang": lang} if lang != "en" else {}))
    at.run()
    at.switch_page(str(PAGE.path)).run()
    _ok(at)
    return at


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_link_opens_the_page_with_its_passage_order_and_smoothing(isolated: Path, lang: str) -> None:
    _tiny_corpus(isolated)
    i18n.set_lang(lang)  # AppTest formats widget values outside the script run with the module fallback
    try:
        at = _opened_with(lang, passage="3", order="4", smoothing="witten_bell", temperature="1.2")
        assert at.slider(key="ngram_vs_rnn.passage").value == 3 and at.slider(key="ngram_vs_rnn.order").value == 4
        assert at.selectbox(key="ngram_vs_rnn.smoothing").value == "witten_bell"
        assert at.slider(key="ngram_vs_rnn.temperature").value == 1.2
        assert _charts(at)  # the comparison of that passage is drawn
        at.slider(key="ngram_vs_rnn.order").set_value(6).run()
        _ok(at)
        assert at.query_params["order"] == "6" and at.query_params["passage"] == "3"
    finally:
        i18n.set_lang("en")


def test_hostile_link_values_are_clamped(isolated: Path) -> None:
    _tiny_corpus(isolated)
    at = _opened_with(passage="999", order="-4", smoothing="<img src=x>", source="own", own_text="x" * 10_000)
    assert at.segmented_control(key="ngram_vs_rnn.source").value == "own"
    assert len(at.text_area(key="ngram_vs_rnn.own_text").value) == 3000  # compare.MAX_CHARS
    assert at.slider(key="ngram_vs_rnn.order").value == 1
    assert at.selectbox(key="ngram_vs_rnn.smoothing").value == "modified_kneser_ney"
    at.segmented_control(key="ngram_vs_rnn.source").set_value("passage").run()
    _ok(at)
    slider = at.slider(key="ngram_vs_rnn.passage")
    assert slider.value == slider.max  # the last passage this corpus has
