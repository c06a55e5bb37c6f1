"""The "Train a char-LSTM" page, driven with Streamlit's AppTest: a tiny run from pasted text, live
charts and samples, pause / resume / stop, reattaching through ``?run=<id>``, bad uploads, Korean.

Runs go to a temporary RNN_RUNS_DIR; the named corpora are made unavailable so the page's default
(a corpus on the server) shows its "not available" message instead of loading a megabyte of text.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import i18n
from engine.train.live import ACTIVE, LiveRun, runs_root

ROOT = Path(__file__).resolve().parents[1]

PAGE = ROOT / "dashboard" / "pages" / "train_char_lstm.py"
APP = ROOT / "streamlit_app.py"
P = "page.train_char_lstm."


@pytest.fixture(autouse=True)
def runs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RNN_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("RNN_DATA_DIR", str(tmp_path / "no-data"))
    import engine.data.corpora as corpora

    monkeypatch.setattr(corpora, "CACHE_DIR", tmp_path / "no-cache")  # no earlier download found either
    yield tmp_path / "runs"
    for run in list(ACTIVE.values()):
        run.stop(wait=30)
    ACTIVE.clear()


def _page(lang: str = "en", **query: str) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["lang"] = lang
    at.query_params.update(query)
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.subheader, *at.markdown, *at.caption, *at.info, *at.warning,
                               *at.error, *at.success)]
    return "\n".join(str(p) for p in parts)


def _wait(cond, timeout: float = 120.0) -> bool:
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def _tiny_setup(at: AppTest, text: str, max_steps: int = 30, every: int = 10) -> AppTest:
    """Pasted text and a tiny model (a few thousand parameters) that trains in seconds on a CPU."""
    at.radio(key="train.source").set_value("paste").run()
    at.text_area(key="train.paste").input(text)
    at.select_slider(key="train.layers").set_value(1)
    at.select_slider(key="train.hidden").set_value(16)
    at.select_slider(key="train.embd").set_value(8)
    at.select_slider(key="train.seq_len").set_value(16)
    at.select_slider(key="train.batch").set_value(4)
    at.number_input(key="train.max_steps").set_value(max_steps)
    at.number_input(key="train.eval_every").set_value(every)
    at.number_input(key="train.sample_every").set_value(every)
    return at.run()


def _current(at: AppTest) -> LiveRun:
    """The session's run: the live object while this process trains it, else read from its folder (a tiny run
    can finish, and leave ACTIVE, before the test looks)."""
    return LiveRun.open(runs_root() / at.session_state["train.current_run"])


def _plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def test_page_opens_with_a_clear_message_when_the_corpus_is_missing() -> None:
    at = _page()
    _ok(at)
    assert at.title[0].value.endswith(i18n.t(P + "title", lang="en"))
    text = _texts(at)
    assert "tinyshakespeare/input.txt" in text and "RNN_DATA_DIR" in text
    assert at.button(key="train.start").disabled  # no text, no run
    assert i18n.t(P + "no_run", lang="en") in text
    # running text only: the translator's English<TAB>French pairs are not a char-LM corpus
    assert at.selectbox(key="train.corpus").options == [i18n.t(P + f"corpus.{name}", lang="en")
                                                        for name in ("tinyshakespeare", "kjv")]


def test_tiny_run_trains_to_the_end_with_charts_and_samples(tiny_text: str, runs_dir: Path) -> None:
    at = _tiny_setup(_page(), tiny_text)
    _ok(at)
    labels = {m.label: m.value for m in at.metric}
    assert labels[i18n.t(P + "stat.chars", lang="en")] == f"{len(tiny_text):,}"
    params = int(labels[i18n.t(P + "params", lang="en")].replace(",", ""))
    assert 0 < params < 10_000
    assert not at.button(key="train.start").disabled

    at.button(key="train.start").click().run()
    _ok(at)
    run = _current(at)
    assert at.query_params.get("run") == run.id  # a reload or a closed tab finds the run again
    assert at.button(key="train.start").disabled  # one run per session while it trains
    assert _wait(lambda: not run.is_alive)
    assert run.status == "done" and run.step == 30

    at.run()
    _ok(at)
    text = _texts(at)
    assert i18n.t(P + "status.done", lang="en") in text
    # loss (with uniform/unigram reference lines), gradient norm, speed
    specs = {spec["layout"].get("title", {}).get("text"): spec for spec in _plotly_specs(at)}
    for key in ("c.loss_title", "c.grad_title", "c.speed_title", "stat.freq_title"):
        assert i18n.t(P + key, lang="en") in specs, key
    loss = specs[i18n.t(P + "c.loss_title", lang="en")]
    names = [tr.get("name") for tr in loss["data"]]
    assert i18n.t(P + "c.train_smooth", lang="en") in names and i18n.t(P + "c.val", lang="en") in names
    assert len(loss["layout"]["shapes"]) == 2
    # the latest sample, with the step it came from
    assert i18n.t(P + "sample_caption", lang="en", step="30") in text
    assert any(len(code.value) > 100 for code in at.code)
    # best checkpoint: download + "use on the Generate page"
    assert at.get("download_button")
    at.button(key="train.use_generate").click().run()
    _ok(at)
    assert at.session_state["session_models"] == [{"id": run.id, "path": str(runs_dir / run.id / "best")}]
    assert not at.button(key="train.start").disabled  # finished: a new run may start

    # a second run: both in the session table, and compared in one chart
    at.button(key="train.start").click().run()
    second = _current(at)
    assert second.id != run.id
    assert _wait(lambda: not second.is_alive)
    at.run()
    _ok(at)
    assert at.session_state["train.session_runs"] == [run.id, second.id]
    titles = [spec["layout"].get("title", {}).get("text") for spec in _plotly_specs(at)]
    assert i18n.t(P + "c.compare_title", lang="en") in titles


def test_pause_resume_stop_and_reattach(tiny_text: str) -> None:
    at = _tiny_setup(_page(), tiny_text, max_steps=20_000, every=10_000)
    at.button(key="train.start").click().run()
    run = _current(at)
    assert _wait(lambda: run.step >= 2)

    at.button(key="train.pause").click().run()
    assert _wait(lambda: run.status == "paused")
    at.run()
    _ok(at)
    assert i18n.t(P + "status.paused", lang="en") in _texts(at)
    at.button(key="train.resume_live").click().run()
    assert _wait(lambda: run.status == "running")
    step = run.step
    assert _wait(lambda: run.step > step)

    # a second tab / reload with ?run=<id> attaches to the same live run; it never starts another
    other = _page(run=run.id)
    _ok(other)
    assert other.session_state["train.current_run"] == run.id
    assert other.button(key="train.start").disabled
    assert len([r for r in ACTIVE.values() if r.is_alive]) == 1

    at.button(key="train.stop").click().run()
    assert _wait(lambda: not run.is_alive)
    at.run()
    _ok(at)
    assert run.status == "stopped"
    assert i18n.t(P + "resumable.stopped", lang="en") in _texts(at)

    # the server "restarts": the run is only on disk now. Its URL reopens it and offers Resume.
    ACTIVE.clear()
    reopened = _page(run=run.id)
    _ok(reopened)
    assert i18n.t(P + "status.stopped", lang="en") in _texts(reopened)
    stopped_at = run.step
    reopened.button(key="train.resume").click().run()
    _ok(reopened)
    resumed = ACTIVE[run.id]
    assert resumed.is_alive
    assert _wait(lambda: resumed.step > stopped_at)
    resumed.stop(wait=30)


def test_unknown_run_in_the_url_is_a_warning() -> None:
    at = _page(run="20990101-000000-nosuch")
    _ok(at)
    assert "20990101-000000-nosuch" in _texts(at)
    assert "run" not in at.query_params
    at = _page(run="../../etc")
    _ok(at)
    assert "train.current_run" not in at.session_state


def test_bad_upload_is_an_error_message_not_an_exception() -> None:
    at = _page()
    at.radio(key="train.source").set_value("upload").run()
    at.file_uploader(key="train.upload").set_value(("latin1.txt", "Señor Ñandú".encode("latin-1"), "text/plain"))
    at.run()
    _ok(at)
    assert any("latin1.txt" in e.value for e in at.error)
    assert at.button(key="train.start").disabled
    at.file_uploader(key="train.upload").set_value(("good.txt", ("to be or not to be\n" * 300).encode(), "text/plain"))
    at.run()
    _ok(at)
    assert not at.error
    assert not at.button(key="train.start").disabled


def test_text_too_short_for_the_batch_disables_start() -> None:
    at = _page()
    at.radio(key="train.source").set_value("paste").run()
    at.text_area(key="train.paste").input("tiny text").run()
    _ok(at)
    assert i18n.t(P + "too_short", lang="en") in _texts(at)
    assert at.button(key="train.start").disabled


def test_memory_estimate_is_shown_and_a_run_over_the_limit_cannot_start(tiny_text: str) -> None:
    from engine.train.live import LIMITS

    at = _tiny_setup(_page(), tiny_text)
    memory = {m.label: m for m in at.metric}[i18n.t(P + "memory", lang="en")]
    cap = f"{LIMITS.max_run_bytes / 1e6:,.0f}"
    assert memory.value.endswith(" MB") and 0 < float(memory.value[:-3].replace(",", "")) < 10  # a tiny run
    assert cap in memory.proto.help and f"{cap} MB" in _texts(at)  # the limit, next to the settings
    assert not at.button(key="train.start").disabled

    # issue 15: LSTM 1 x 768, batch 128 x 256, full BPTT fits the parameter cap but needs about 2.4 GB
    at.select_slider(key="train.hidden").set_value(768)
    at.select_slider(key="train.batch").set_value(128)
    at.select_slider(key="train.seq_len").set_value(256)
    at.radio(key="train.bptt").set_value("full")
    at.run()
    _ok(at)
    value = {m.label: m.value for m in at.metric}[i18n.t(P + "memory", lang="en")]
    mb = value.removesuffix(" MB")
    assert float(mb.replace(",", "")) > 2000  # about 2.4 GB (1.7 GB resident, measured)
    assert [e.value for e in at.error] == [i18n.t(P + "too_much_memory", lang="en", mb=mb, cap=cap)]
    assert at.button(key="train.start").disabled
    assert not ACTIVE


def test_korean_page_renders_and_trains(tiny_text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # AppTest formats option labels in the test thread (outside the script run), where i18n uses its
    # fallback language: make it Korean too, so the translated labels match.
    monkeypatch.setattr(i18n, "_fallback_lang", "ko")
    at = _tiny_setup(_page(lang="ko"), tiny_text, max_steps=12, every=6)
    _ok(at)
    assert at.title[0].value.endswith(i18n.t(P + "title", lang="ko"))
    at.button(key="train.start").click().run()
    run = _current(at)
    assert _wait(lambda: not run.is_alive)
    at.run()
    _ok(at)
    text = _texts(at)
    assert i18n.t(P + "status.done", lang="ko") in text
    assert i18n.t(P + "explain_header", lang="en") not in text


def test_page_is_registered_and_opens_from_the_app() -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["lang"] = "ko"
    at.run()
    at.switch_page(str(PAGE)).run()
    _ok(at)
    assert at.title[0].value.endswith(i18n.t(P + "title", lang="ko"))


def test_widgets_start_at_the_page_default_preset(runs_dir: Path) -> None:
    """The page's defaults are one named preset (engine/lm/presets.py), not literals of its own: the widgets
    show it, and a run started without touching them trains exactly its settings."""
    from dataclasses import asdict

    from engine.lm.presets import PRESETS

    p = PRESETS["page-default"]
    at = _page()
    _ok(at)
    shown = {"cell": at.selectbox(key="train.cell").value, "layers": at.select_slider(key="train.layers").value,
             "hidden": at.select_slider(key="train.hidden").value, "embd": at.select_slider(key="train.embd").value,
             "dropout": at.slider(key="train.dropout").value, "seq_len": at.select_slider(key="train.seq_len").value,
             "batch": at.select_slider(key="train.batch").value, "lr": at.select_slider(key="train.lr").value,
             "clip": at.select_slider(key="train.clip").value, "bptt": at.radio(key="train.bptt").value,
             "max_steps": at.number_input(key="train.max_steps").value,
             "eval_every": at.number_input(key="train.eval_every").value,
             "sample_every": at.number_input(key="train.sample_every").value}
    assert shown == {"cell": p.model.cell, "layers": p.model.n_layer, "hidden": p.model.n_hidden,
                     "embd": p.model.n_embd, "dropout": p.model.dropout, "seq_len": p.data.seq_len,
                     "batch": p.data.batch_size, "lr": p.train.lr, "clip": p.train.grad_clip, "bptt": p.data.bptt,
                     "max_steps": p.train.max_steps, "eval_every": p.train.eval_every,
                     "sample_every": p.train.sample_every}
    assert at.radio(key="train.impl").value == ("fused" if p.model.fused else "scratch")

    at.radio(key="train.source").set_value("paste").run()
    at.text_area(key="train.paste").input("to be or not to be, that is the question\n" * 150).run()
    at.button(key="train.start").click().run()
    _ok(at)
    run = _current(at)
    run.stop(wait=60)
    info = json.loads((run.run_dir / "run.json").read_text())  # the JSON format of run.json: plain dicts
    assert info["model"] == {k: v for k, v in asdict(p.model).items() if k != "vocab_size"}
    assert info["data"] == asdict(p.data)
    assert info["train"] == {**asdict(p.train), "betas": list(p.train.betas)}
    assert run.model_config == p.model
