"""The ECG page, driven with Streamlit's AppTest in English and Korean: without the data directory it says where to
put record 100 and shows the shipped models' measured results; damaged files give a clear error; with record 100
(skipped when absent) the signal, the error, the beats and the classifier's answer are drawn, the numbers are the
shipped cards', and the settings travel in the URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import i18n
from engine.data.corpora import resolve_data_dir
from engine.train.checkpoint import PRETRAINED_DIR
from tests.page_helpers import open_from_url

P = "page.ecg."


def _metrics(name: str) -> dict:
    return json.loads((PRETRAINED_DIR / name / "metrics.json").read_text())["evaluation"]


def _page(monkeypatch: pytest.MonkeyPatch, lang: str = "en", errors: bool = False, **query: str) -> AppTest:
    """The page opened as a shared link opens it (through the app, settings as query parameters)."""
    at = open_from_url(monkeypatch, "ecg", lang=lang, **query)
    assert errors or not at.error, [e.value for e in at.error]
    return at


def _record_dir() -> Path:
    root = resolve_data_dir()
    if root is None or not (root / "ecg" / "mitbih-100" / "100.dat").is_file():
        pytest.skip("MIT-BIH record 100 not in $RNN_DATA_DIR")
    return root


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_without_data_the_page_says_where_to_put_it_and_shows_the_shipped_results(
        lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RNN_DATA_DIR", raising=False)
    at = _page(monkeypatch, lang)
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value.endswith(i18n.t(P + "title", lang=lang))
    assert any("RNN_DATA_DIR" in i.value and "100.hea" in i.value for i in at.info)
    predictor, classifier = _metrics("ecg-predictor"), _metrics("ecg-classifier")
    values = {m.label: m.value for m in at.metric}
    assert values[i18n.t(P + "auc_held_out", lang=lang)] == f"{predictor['held_out']['auc']:.3f}"
    assert values[i18n.t(P + "balanced_accuracy", lang=lang)] == f"{classifier['held_out']['balanced_accuracy']:.3f}"
    table = at.table[0].value
    assert table.iloc[1, 2] == classifier["held_out"]["confusion"][1][1]  # abnormal beats found
    assert any("python -m engine train ecg-predictor" in c.value for c in at.caption)
    assert any(str(predictor["held_out"]["n_abnormal"]) in m.value for m in at.markdown)  # the counts, said plainly


def test_damaged_files_give_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ecg" / "mitbih-100"
    folder.mkdir(parents=True)
    (folder / "100.hea").write_text("100 2 360 10\n100.dat 212 200 11 1024 0 0 0 MLII\n"
                                    "100.dat 212 200 11 1024 0 0 0 V5\n")
    (folder / "100.dat").write_bytes(b"\x01\x02\x03")  # far too short
    (folder / "100.atr").write_bytes(b"\x00\x00")
    monkeypatch.setenv("RNN_DATA_DIR", str(tmp_path))
    at = _page(monkeypatch, errors=True)
    assert at.error and "100.dat" in at.error[0].value


@pytest.mark.data
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_with_record_100_the_page_draws_the_signal_and_the_cards_numbers(lang: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _record_dir()
    at = _page(monkeypatch, lang)
    assert not at.error, [e.value for e in at.error]
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(specs) == 3  # signal + error, the beats' scores, the selected beat's window
    names = {d.get("name") for d in specs[0]["data"]}
    assert i18n.t(P + "chart.prediction", lang=lang) in names and i18n.t(P + "beat.N", lang=lang) in names
    values = {m.label: m.value for m in at.metric}
    predictor, classifier = _metrics("ecg-predictor"), _metrics("ecg-classifier")
    assert values[i18n.t(P + "auc_held_out", lang=lang)] == f"{predictor['held_out']['auc']:.3f}"  # live == card
    assert values[i18n.t(P + "balanced_accuracy", lang=lang)] == f"{classifier['held_out']['balanced_accuracy']:.3f}"
    assert i18n.t(P + "p_abnormal", lang=lang) in values


@pytest.mark.data
def test_going_to_an_abnormal_beat_moves_the_view_selects_it_and_goes_in_the_url(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _record_dir()
    at = _page(monkeypatch)
    options = at.selectbox(key="ecg.jump").options
    assert len(options) == 34
    at.selectbox(key="ecg.jump").select_index(20).run()
    assert not at.error, [e.value for e in at.error]
    beat = at.session_state["ecg.beat"]
    start = at.slider(key="ecg.t").value
    assert beat >= 0 and start > 0
    assert at.query_params["beat"] == str(beat) and at.query_params["t"] == f"{start:g}"
    verdict = next(m.value for m in at.markdown if "cardiologists" in m.value)
    assert "**atrial premature (A)**" in verdict or "**premature ventricular (V)**" in verdict
    # the link opens the same view
    again = _page(monkeypatch, t=f"{start:g}", beat=str(beat), span="20", ahead="3")
    assert not again.error
    assert again.slider(key="ecg.t").value == start and again.session_state["ecg.beat"] == beat
    assert again.select_slider(key="ecg.span").value == "20" and again.slider(key="ecg.ahead").value == 3


@pytest.mark.data
def test_bad_url_values_are_clamped_or_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    _record_dir()
    at = _page(monkeypatch, t="99999", span="7", ahead="-4", beat="oops")
    assert not at.error, [e.value for e in at.error]
    assert at.select_slider(key="ecg.span").value == "10"
    assert at.slider(key="ecg.t").value == 1805.0 - 10 and at.slider(key="ecg.ahead").value == 1
