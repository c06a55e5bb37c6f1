"""The pages' one model picker (dashboard/components/model_picker.py): which models, in which order,
which one is chosen, and what shows when there is none. Checkpoints here are bare folders: the picker
reads only their config.json (and the run folders' run.json), never the weights."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest


def _folder(path: Path, kind: str) -> str:
    path.mkdir(parents=True)
    (path / "config.json").write_text(json.dumps({"kind": kind}))
    (path / "model.safetensors").write_bytes(b"")
    return str(path)


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Shipped a/b/c char-LMs and a translator; runs r1 (also this session's), r2, a translator run; s0 elsewhere."""
    import dashboard.components.resources as resources
    import engine.train.checkpoint as ck

    monkeypatch.setattr(ck, "PRETRAINED_DIR", tmp_path / "pretrained")
    monkeypatch.setenv("RNN_RUNS_DIR", str(tmp_path / "runs"))
    for name in ("a-lm", "b-lm", "c-lm"):
        _folder(tmp_path / "pretrained" / name, "charlm")
    _folder(tmp_path / "pretrained" / "x-translator", "translator")
    paths = {}
    for run, kind in (("r1", "charlm"), ("r2", "charlm"), ("r3", "translator")):
        paths[run] = _folder(tmp_path / "runs" / run / "best", kind)
        (tmp_path / "runs" / run / "run.json").write_text("{}")
    paths["s0"] = _folder(tmp_path / "elsewhere" / "s0", "charlm")
    resources.available_pretrained.clear()
    yield paths
    resources.available_pretrained.clear()


def _script() -> None:
    import streamlit as st

    from dashboard.components.model_picker import model_options, pick_model

    kind = st.session_state.get("kind", "charlm")
    options = model_options(kind, first=("b-lm",))
    opt = pick_model(options, "Model", key="m", format_label=lambda o: f"{o.source} {o.name}", none_text="none")
    st.text("-" if opt is None else opt.key)


def _run(session: list[dict] | None = None, **state) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=30)
    at.session_state["session_models"] = session or []
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_shipped_first_then_this_sessions_newest_first_then_saved_runs(models: dict[str, str]) -> None:
    session = [{"id": "r1", "path": models["r1"]}, {"id": "s0", "path": models["s0"]}]  # oldest first
    at = _run(session)
    box = at.selectbox(key="m")
    # "first" puts b-lm ahead; r1 is both this session's and a saved run: listed once, as this session's;
    # saved runs newest (highest name) first; the translators are not offered
    assert box.options == ["pretrained b-lm", "pretrained a-lm", "pretrained c-lm", "session s0", "session r1",
                           "saved r2"]  # the labels; the values are the keys
    assert box.value == "pretrained:b-lm" and at.text[0].value == "pretrained:b-lm"


def test_the_choice_sticks_and_a_stale_one_falls_back_to_the_first(models: dict[str, str]) -> None:
    at = _run()
    at.selectbox(key="m").set_value(f"path:{models['r2']}").run()
    assert at.text[0].value == f"path:{models['r2']}"
    at.run()
    assert at.selectbox(key="m").value == f"path:{models['r2']}"
    stale = _run(m="path:/no/such/run/best")
    assert stale.selectbox(key="m").value == "pretrained:b-lm"


def test_kind_filters_and_no_model_shows_a_disabled_box(models: dict[str, str]) -> None:
    at = _run(kind="translator")
    assert at.selectbox(key="m").options == ["pretrained x-translator", "saved r3"]
    none = _run(kind="captioner")
    box = none.selectbox(key="m_none")
    assert box.options == ["none"] and box.disabled and none.text[0].value == "-"
