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
    """Shipped a/b/c char-LMs and a translator; runs r1 (also this session's), r2, a translator run, each owned
    with the key "key-<run>" (KEYS: this session holds them all); s0 elsewhere."""
    import dashboard.components.resources as resources
    import engine.train.checkpoint as ck
    from engine.train.live import owner_hash

    monkeypatch.setattr(ck, "PRETRAINED_DIR", tmp_path / "pretrained")
    monkeypatch.setenv("RNN_RUNS_DIR", str(tmp_path / "runs"))
    for name in ("a-lm", "b-lm", "c-lm"):
        _folder(tmp_path / "pretrained" / name, "charlm")
    _folder(tmp_path / "pretrained" / "x-translator", "translator")
    paths = {}
    for run, kind in (("r1", "charlm"), ("r2", "charlm"), ("r3", "translator")):
        paths[run] = _folder(tmp_path / "runs" / run / "best", kind)
        (tmp_path / "runs" / run / "run.json").write_text(json.dumps({"owner_sha256": owner_hash(KEYS[run])}))
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


KEYS = {run: f"key-{run}" for run in ("r1", "r2", "r3")}


def _run(session: list[dict] | None = None, keys: dict[str, str] = KEYS, **state) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=30)
    at.session_state["session_models"] = session or []
    at.session_state["run_owner_keys"] = dict(keys)
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


@pytest.mark.hardening
def test_saved_runs_are_only_those_whose_owner_key_the_session_holds(models: dict[str, str], tmp_path: Path) -> None:
    # issue 15: every visitor saw every saved run; other sessions' runs and runs with no owner are not offered
    (tmp_path / "runs" / "r0").mkdir()
    (tmp_path / "runs" / "r0" / "run.json").write_text("{}")  # made before runs had owners
    _folder(tmp_path / "runs" / "r0" / "best", "charlm")
    at = _run(keys={"r2": KEYS["r2"], "r1": "key-r2", "r0": "anything"})  # r1: a wrong key
    assert at.selectbox(key="m").options == ["pretrained b-lm", "pretrained a-lm", "pretrained c-lm", "saved r2"]
    stranger = _run(keys={})
    assert [o for o in stranger.selectbox(key="m").options if not o.startswith("pretrained")] == []
