"""The "Inside the LSTM" page, driven with Streamlit's AppTest through the app: opens on a validation passage with
the heatmap values equal to the engine's trace, ranks units, answers a span query, typed Unicode and long input
get clear messages, settings come from and go to the URL; both languages."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

import dashboard.pages as registry
from dashboard import i18n
from engine.lab.inside_lstm import MAX_CHARS, lstm_trace
from engine.lab.inside_lstm_results import SHIPPED_DIR, load_results
from tests.page_helpers import assert_no_exception, open_from_url, open_page

torch.set_num_threads(1)
SPEC = next(spec for spec in registry.PAGES if spec.slug == "inside_lstm")
P = "page.inside_lstm."
K = "ins."
pytestmark = pytest.mark.skipif(not (SHIPPED_DIR / "results.json").is_file(), reason="results not shipped")


@pytest.fixture(autouse=True)
def _english_after() -> None:
    yield
    i18n.set_lang("en")


def _page(lang: str = "en") -> AppTest:
    return open_page(SPEC.slug, lang)


def _tr(key: str, lang: str, **fmt) -> str:
    return i18n.t(P + key, lang=lang, **fmt)


def _texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "header", "subheader")
                     for e in getattr(at, kind))


def _heatmap_z(at: AppTest) -> tuple[list[str], np.ndarray]:
    trace = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    z = trace["z"]
    if isinstance(z, dict):  # plotly's typed array: {"dtype", "bdata" (base64), "shape"}
        shape = [int(n) for n in str(z["shape"]).split(",")]
        z = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(shape)
    return list(trace["y"]), np.asarray(z, dtype=float)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_opens_on_a_validation_passage_with_the_engines_numbers(lang: str) -> None:
    at = _page(lang)
    assert at.title[0].value.endswith(_tr("title", lang))
    for key in ("gates_header", "units_header", "span_header", "sat_header", "pca_header", "peep_header", "cmp_header"):
        assert _tr(key, lang) in _texts(at)
    results = load_results()
    trace = lstm_trace(_model(), results.passages[at.session_state[K + "passage"]])
    rows, z = _heatmap_z(at)  # the first chart: layer 1's c(t) over the passage
    units = [int(r.split()[-1]) for r in rows]
    np.testing.assert_allclose(z, trace.layers[0]["c"][:, units].T, atol=1e-5)
    # the units table: the validation split's best unit per feature and its r from the shipped file
    table = at.dataframe[0].value
    k = list(results.meta["features"]).index("line_position")
    best = int(np.argmax(np.abs(results.correlation(0, "c")[k])))
    assert table.iloc[k][_tr("col.val_unit", lang)] == best
    # the three small models are compared, with their validation losses from their checkpoints
    if (SHIPPED_DIR / "cells" / "lstm" / "config.json").is_file():
        assert _tr("cmp_missing", lang) not in _texts(at)
        models = at.dataframe[-1].value
        assert list(models[_tr("col.model", lang)]) == [_tr(f"cmp.{c}", lang) for c in ("rnn", "gru", "lstm")]


def _model():
    from engine import load_pretrained

    return load_pretrained("charlm-shakespeare")


def test_layer_quantity_and_unit_change_the_view_and_the_url() -> None:
    at = _page()
    at.segmented_control(key=K + "layer").set_value(2).run()
    at.segmented_control(key=K + "q").set_value("f").run()
    at.number_input(key=K + "unit").set_value(388).run()
    assert_no_exception(at)
    assert at.query_params["layer"] == "2" and at.query_params["q"] == "f" and at.query_params["unit"] == "388"
    rows, z = _heatmap_z(at)
    assert "388" in " ".join(rows) and z.min() >= 0 and z.max() <= 1  # forget gate values
    assert _tr("unit_header", "en", unit=388, q=_tr("q.f", "en")) in _texts(at)


def test_look_at_button_and_span_query_show_other_passages() -> None:
    at = _page()
    at.selectbox(key=K + "feature").set_value("speaker_line").run()
    at.button(key="ins.look").click().run()
    assert_no_exception(at)
    results = load_results()
    best = int(np.argmax(np.abs(results.correlation(0, "c")[list(results.meta["features"]).index("speaker_line")])))
    assert at.session_state[K + "unit"] == best
    assert _tr("fire_header", "en") in _texts(at)
    assert sum(_tr("fire_caption", "en", passage="X", score="Y").split("X")[0] in c.value for c in at.caption) == 3


def test_typed_unicode_and_long_text_get_clear_messages() -> None:
    at = _page("ko")
    at.segmented_control(key=K + "src").set_value("own").run()
    at.text_area(key=K + "text").set_value("ROMEO:\n마음 😀 (love)\n" + "x" * MAX_CHARS).run()
    assert_no_exception(at)
    texts = _texts(at)
    assert _tr("cut", "ko", n=MAX_CHARS, dropped=len("ROMEO:\n마음 😀 (love)\n")) in texts
    assert "😀" in "".join(w.value for w in at.warning)
    at.text_area(key=K + "text").set_value("").run()
    assert_no_exception(at)
    assert _tr("empty", "ko") in texts + _texts(at)


def test_a_shared_link_opens_the_same_view(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_from_url(monkeypatch, SPEC.slug, passage="7", layer="2", q="o", unit="9999", strength="nan")
    assert at.session_state[K + "passage"] == 7 and at.session_state[K + "layer"] == 2
    assert at.session_state[K + "q"] == "o" and at.session_state[K + "unit"] == 511  # clamped
    assert at.session_state[K + "strength"] == 3.0  # an unusable value falls back to the default


def test_span_selection_goes_to_the_url_and_ranks_the_units_by_z() -> None:
    at = _page()
    n = len(load_results().passages[at.session_state[K + "passage"]])
    at.slider(key=f"ins.span_slider.{n}").set_value((10, 30)).run()
    assert_no_exception(at)
    assert at.query_params["span_from"] == "10" and at.query_params["span_to"] == "30"
    z = list(at.dataframe[1].value[_tr("col.z", "en")])
    assert z == sorted(z, reverse=True) and len(z) == 5
