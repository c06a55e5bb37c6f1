"""The long-term-dependency page, driven with Streamlit's AppTest in English and Korean: it loads with the
shipped sweep, the mechanisms change the gradient chart (and the numbers are the engine's), a short live
race with tiny settings, the URL carries the settings, and the public-app limits answer in the UI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import engine.lab.sweep as sweep
from dashboard import i18n
from engine.lab.gradients import gradient_report
from engine.lab.long_term import CELLS, LongTermConfig, build_model
from engine.lab.tasks import TaskConfig, make_task

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "dashboard" / "pages" / "long_term_dependencies.py"
P = "page.long_term_dependencies."


def _page(lang: str = "en", **query: str) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.session_state["lang"] = lang
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _chart(at: AppTest, key: str) -> dict:
    found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(key)]
    assert len(found) == 1, [c.proto.id for c in at.get("plotly_chart")]
    return json.loads(found[0].proto.spec)


def _trace(spec: dict, name: str) -> list:
    return next(d["y"] for d in spec["data"] if d.get("name") == name)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_page_loads_with_the_shipped_sweep(lang: str) -> None:
    at = _page(lang)
    _ok(at)
    assert at.title[0].value.endswith(i18n.t(P + "title", lang=lang))
    assert not at.warning  # the shipped sweep file was found
    sweep_chart = _chart(at, "lt.sweep_chart")
    results = sweep.load_results(sweep.SHIPPED_SWEEP)
    rnn_line = _trace(sweep_chart, i18n.t(P + "cell.rnn", lang=lang))
    assert rnn_line == [r["final_loss"] for r in sorted(results["rows"], key=lambda r: r["seq_len"])
                        if r["cell"] == "rnn"]
    assert any("lab sweep" in m.value for m in [*at.markdown, *at.caption])  # the command that reproduces it
    assert any("bench_long_term.py" in c.value for c in at.caption)
    grad = _chart(at, "lt.grad_chart")
    assert len(grad["data"]) == 5  # three cells' h, the LSTM's c, the RNN's bound


def test_the_gradient_chart_shows_the_engines_numbers_and_follows_the_controls() -> None:
    at = _page()
    name = i18n.t(P + "grad_h", lang="en", cell=i18n.t(P + "cell.rnn", lang="en"))
    at.select_slider(key="lt.rho").set_value(0.5).run()
    _ok(at)
    small = _trace(_chart(at, "lt.grad_chart"), name)
    task = make_task(TaskConfig(seq_len=50))
    models = {c: build_model(LongTermConfig(cell=c, spectral_radius=0.5), task, seed=0) for c in CELLS}
    want = gradient_report(models, task)["cells"]["rnn"]["h"]
    assert small == pytest.approx(want, rel=1e-9)
    assert any("1 − h" in m.value or "must vanish" in m.value for m in at.success)  # ρ < 1: the threshold says why
    at.select_slider(key="lt.rho").set_value(1.5).run()
    at.segmented_control(key="lt.act").set_value("relu").run()
    _ok(at)
    large = _trace(_chart(at, "lt.grad_chart"), name)
    assert large[0] / large[-1] > 1e2 > 1e-6 > small[0] / small[-1]  # explodes back in time vs vanishes
    assert at.warning and "explode" in at.warning[0].value
    at.select_slider(key="lt.tbptt").set_value(10).run()
    _ok(at)
    cut = _trace(_chart(at, "lt.grad_chart"), name)
    assert all(v is None for v in cut[:39]) and cut[39] is not None  # 0 before h(40) = h(T − k): a gap on the log axis
    assert (at.query_params["rho"], at.query_params["act"], at.query_params["tbptt"]) == ("1.5", "relu", "10")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_short_live_race_with_tiny_settings(lang: str) -> None:
    at = _page(lang, T="10", steps="100")
    _ok(at)
    assert at.select_slider(key="lt.T").value == 10 and at.select_slider(key="lt.steps").value == 100
    at.button(key="lt.train").click().run()
    _ok(at)
    entry = at.session_state["lt.race"]
    race = entry["race"]
    assert race.done and [r.step for r in race.runs] == [100, 100, 100] and entry["report"] is not None
    assert [m.label for m in at.metric] == [i18n.t(P + f"cell.{c}", lang=lang) for c in CELLS]
    assert [m.value for m in at.metric] == [f"{r.final_loss:.4f}" for r in race.runs]
    assert len(at.get("plotly_chart")) == 6  # gradients, 2 connectivity maps, the race's loss and ‖g‖, the sweep
    # the gradient view now offers the trained models, and shows their numbers
    assert at.segmented_control(key="lt.view").value == "trained"
    name = i18n.t(P + "grad_h", lang=lang, cell=i18n.t(P + "cell.lstm", lang=lang))
    assert _trace(_chart(at, "lt.grad_chart"), name) == pytest.approx(entry["report"]["cells"]["lstm"]["h"])
    # AppTest sends a segmented control's choice as its label, made by the page's format_func outside the script
    # run, where i18n uses its module-level language: make that the page's language for the click
    i18n.set_lang(lang)
    try:
        at.segmented_control(key="lt.view").set_value("init").run()
    finally:
        i18n.set_lang("en")
    _ok(at)
    assert _trace(_chart(at, "lt.grad_chart"), name) != pytest.approx(entry["report"]["cells"]["lstm"]["h"])
    # a run of the sweep's recipe is drawn on the sweep chart as stars
    stars = [d for d in _chart(at, "lt.sweep_chart")["data"] if d.get("marker", {}).get("symbol") == "star"]
    assert [(d["x"], d["y"]) for d in stars] == [([10], [r.final_loss]) for r in race.runs]


def test_sgd_without_clipping_shows_the_explosion_in_the_ui() -> None:
    at = _page(T="50", steps="100", rho="2", opt="sgd", clip="false")
    assert at.toggle(key="lt.clip").value is False and at.segmented_control(key="lt.opt").value == "sgd"
    at.button(key="lt.train").click().run()
    assert not at.exception
    assert any(i18n.t(P + "diverged", lang="en", message="")[:20] in e.value for e in at.error)
    assert at.session_state["lt.race"]["race"].runs[0].status == "diverged"


def test_bad_url_values_are_ignored_and_limits_answer_in_the_ui(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(T="100000", rho="oops", task="copy")
    _ok(at)
    # a length past the longest offered is clamped to it; a value that is no number is ignored
    assert at.select_slider(key="lt.T").value == 200 and at.select_slider(key="lt.rho").value == 0.0
    assert at.segmented_control(key="lt.task").value == "adding" and at.query_params["T"] == "200"  # no task "copy"
    taken = [sweep.LIVE_SLOTS.acquire(blocking=False) for _ in range(sweep.LIVE_LIMITS.max_concurrent)]
    try:
        assert all(taken)
        at.button(key="lt.train").click().run()
        assert at.warning and str(sweep.LIVE_LIMITS.max_concurrent) in at.warning[-1].value
        assert "lt.race" not in at.session_state
    finally:
        for _ in taken:
            sweep.LIVE_SLOTS.release()
    monkeypatch.setattr(sweep, "LIVE_LIMITS", sweep.LiveLimits(max_steps=50))
    at.button(key="lt.train").click().run()
    assert any("50" in e.value for e in at.error) and "lt.race" not in at.session_state


def test_without_the_shipped_sweep_the_page_says_how_to_make_it(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    monkeypatch.setattr(sweep, "SHIPPED_SWEEP", tmp_path / "none.json")
    at = _page("ko")
    assert not at.exception
    assert any("lab sweep" in w.value for w in at.warning)
