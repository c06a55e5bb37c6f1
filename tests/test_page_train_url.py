"""The Train page's form in the URL (AppTest): a teacher's link opens the form as set, hostile values are
clamped, a change goes into the URL, Back restores the form, and the run's own ``?run=&key=`` stay apart.
No training runs here (tests/test_page_train.py trains)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import i18n
from engine.train.live import LIMITS

PAGE = Path(__file__).resolve().parents[1] / "dashboard" / "pages" / "train_char_lstm.py"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.data.corpora as corpora

    monkeypatch.setenv("RNN_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("RNN_DATA_DIR", str(tmp_path / "no-data"))
    monkeypatch.setattr(corpora, "CACHE_DIR", tmp_path / "no-cache")


def _page(lang: str = "en", **query: str) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["lang"] = lang
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_teachers_link_opens_the_form_as_set(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "_fallback_lang", lang)  # AppTest formats option labels outside the script run
    at = _page(lang, corpus="kjv", cell="gru", impl="scratch", layers="1", hidden="256", lr="0.01", clip="0",
               bptt="full", max_steps="500", sample_every="0")
    assert at.selectbox(key="train.corpus").value == "kjv" and at.selectbox(key="train.cell").value == "gru"
    assert at.radio(key="train.impl").value == "scratch" and at.radio(key="train.bptt").value == "full"
    assert at.select_slider(key="train.layers").value == 1 and at.select_slider(key="train.hidden").value == 256
    assert at.select_slider(key="train.lr").value == 0.01 and at.select_slider(key="train.clip").value == 0.0
    assert at.number_input(key="train.max_steps").value == 500 and at.number_input(key="train.sample_every").value == 0


def test_hostile_values_are_clamped_and_a_default_form_has_a_clean_address() -> None:
    at = _page(cell="transformer", hidden="99999", embd="-1", max_steps="1e12", eval_every="0", lr="NaN",
               dropout="7", peephole="maybe", run_id="x")
    assert at.selectbox(key="train.cell").value == "lstm"
    assert at.select_slider(key="train.hidden").value == 1024 and at.select_slider(key="train.embd").value == 8
    assert at.number_input(key="train.max_steps").value == LIMITS.max_steps
    assert at.number_input(key="train.eval_every").value == 1
    assert at.select_slider(key="train.lr").value == 3e-3 and at.slider(key="train.dropout").value == 0.5
    assert at.query_params["hidden"] == "1024" and "cell" not in at.query_params and "lr" not in at.query_params
    assert not {k for k in _page().query_params if k != "lang"}


def test_changes_go_into_the_url_and_back_restores_the_form() -> None:
    at = _page()
    at.select_slider(key="train.hidden").set_value(64).run()
    at.selectbox(key="train.cell").set_value("rnn").run()
    assert at.query_params["hidden"] == "64" and at.query_params["cell"] == "rnn"
    del at.query_params["cell"]  # Back
    at.run()
    assert not at.exception
    assert at.selectbox(key="train.cell").value == "lstm" and at.select_slider(key="train.hidden").value == 64
    assert "run" not in at.query_params and "key" not in at.query_params  # no run: none of its parameters


def test_a_widget_drawn_afresh_starts_from_the_session_not_its_minimum() -> None:
    """Issue 15: under load, a visitor's browser once drew the whole form afresh (its own copies of the values
    gone) and every setting fell to its widget's default, the minimum (1 layer, 16 units, 1 step, validated every
    step); the next click sent those. Each widget now carries the session's value as its default too."""
    at = _page(layers="3", hidden="256", eval_every="50", sample_every="0", cell="gru", bptt="full", lr="0.01",
               clip="0.5", embd="64", dropout="0.2", seq_len="128", batch="16")
    at.number_input(key="train.max_steps").set_value(900).run()  # a change made in this session, not the URL
    shown = {"layers": "3", "hidden": "256", "embd": "64", "seq_len": "128", "batch": "16", "lr": "0.01", "clip": "0.5"}
    for key, label in shown.items():
        proto = at.select_slider(key="train." + key).proto
        assert [proto.options[int(i)] for i in proto.default] == [label], key
    assert list(at.slider(key="train.dropout").proto.default) == [0.2]
    for key, value in {"max_steps": 900, "eval_every": 50, "sample_every": 0}.items():
        assert at.number_input(key="train." + key).proto.default == value, key
    for kind, key in [("selectbox", "cell"), ("selectbox", "corpus"), ("radio", "bptt"), ("radio", "impl")]:
        w = getattr(at, kind)(key="train." + key)
        assert w.proto.default == w.index, key
    assert at.selectbox(key="train.cell").value == "gru" and at.radio(key="train.bptt").value == "full"
    assert at.checkbox(key="train.peephole").proto.default is False
