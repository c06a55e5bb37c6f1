"""The "RNN step by step" page, driven with Streamlit's AppTest through the app (its page links need the
navigation): step forward, run to the end, step back, BPTT to t = 1 with the sums equal to autograd, a
truncation window, the architectures, bad input, settings read from and written to the URL; both languages."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import dashboard.pages as registry
from dashboard import i18n
from engine.lab.architectures import run_architecture
from engine.lab.bptt import autograd_gradients, bptt_steps
from engine.lab.step import PARAM_NAMES, RNNParams, forward_steps, word_sequence
from tests.page_helpers import assert_no_exception, open_from_url, open_page

SPEC = next(spec for spec in registry.PAGES if spec.slug == "rnn_step_by_step")
P = "page.rnn_step_by_step."
K = "rnn_step."


@pytest.fixture(autouse=True)
def _english_after() -> None:
    yield
    i18n.set_lang("en")


def _page(lang: str = "en") -> AppTest:
    return open_page(SPEC.slug, lang)


def _opened_from_url(monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    """Open the page as a shared link does: the page served at the URL, with the settings as query parameters."""
    return open_from_url(monkeypatch, SPEC.slug, **query)


def _ok(at: AppTest) -> None:
    assert_no_exception(at)


def _tr(key: str, lang: str, **fmt) -> str:
    return i18n.t(P + key, lang=lang, **fmt)


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=K + key).click().run()
    _ok(at)
    return at


TABS = {"forward": 0, "backward": 1, "truncated": 2, "architectures": 3, "shapes": 4}


def _graph(at: AppTest, tab: str) -> str:
    """The unrolled graph (Graphviz DOT) drawn in a tab."""
    (chart,) = at.tabs[TABS[tab]].get("graphviz_chart")
    return chart.proto.spec


def _latex(at: AppTest) -> str:
    return "\n".join(e.value for e in at.latex)


def _texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info", "success", "error")
                     for e in getattr(at, kind))


def _max_diff(word: str, p: int, seed: int, window: int | None = None) -> str:
    seq = word_sequence(word)
    q = len(seq.classes)
    fw = forward_steps(RNNParams.random(q, p, q, seed), seq.xs, seq.targets)
    grads, ag = bptt_steps(fw, window=window).grads, autograd_gradients(fw, window=window)
    return f"{max(float((grads[n] - ag[n]).abs().max()) for n in PARAM_NAMES):.1e}"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_step_forward_to_the_end_back_and_bptt_to_t1(lang: str) -> None:
    at = _page(lang)
    assert at.title[0].value.endswith(_tr("title", lang))
    assert at.session_state[K + "step"] == 0
    assert _tr("press_next", lang) in _texts(at)
    assert _graph(at, "forward").count("h(") == 1  # h(0) only
    # step forward: one column, the numbers of step 1
    _click(at, "fw_next")
    assert at.session_state[K + "step"] == 1 and at.query_params["step"] == "1"
    forward_graph = _graph(at, "forward")
    assert "h(1)" in forward_graph and "h(2)" not in forward_graph
    assert "a^{(1)} = W h^{(0)} + U x^{(1)} + b" in _latex(at)
    assert _tr("numbers_header", lang, t=1) in _texts(at)
    # run to the end: T = 4 columns for "hello", the same U, W, V at each
    _click(at, "fw_end")
    T = 4
    assert at.session_state[K + "step"] == T
    forward_graph = _graph(at, "forward")
    assert all(forward_graph.count(f'label="{name}"') == T for name in ("U", "W", "V"))
    assert _tr("forward_position", lang, t=T, T=T) in _texts(at)
    # step backward (undo a forward step)
    _click(at, "fw_back")
    assert at.session_state[K + "step"] == T - 1 and "h(4)" not in _graph(at, "forward")
    assert _tr("backward_needs_forward", lang) in _texts(at)
    _click(at, "bw_forward")  # "run to the end" from the BPTT tab
    # BPTT, one step from t = T: the error comes from the last output only
    _click(at, "bw_next")
    assert at.session_state[K + "bptt"] == 1 and at.query_params["bptt"] == "1"
    assert _tr("bptt_header", lang, t=T) in _texts(at)
    assert r"\delta o^{(4)} = \hat y^{(4)} - \mathrm{onehot}(y^{(4)})" in _latex(at)
    assert _tr("sums_partial", lang, left=T - 1) in _texts(at)
    # run BPTT to t = 1: the sums equal autograd's gradients, shown
    _click(at, "bw_end")
    assert at.session_state[K + "bptt"] == T
    assert [s.value for s in at.success][0] == _tr("sums_equal", lang, diff=_max_diff("hello", 3, 0))
    backward_graph = _graph(at, "backward")
    assert backward_graph.count("Wᵀδa") == T and backward_graph.count("Vᵀδo") == T
    _click(at, "bw_back")
    assert at.session_state[K + "bptt"] == T - 1


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_truncated_window_and_an_architecture(lang: str) -> None:
    at = _page(lang)
    at.slider(key=K + "k").set_value(1).run()
    _ok(at)
    assert at.query_params["k"] == "1"
    truncated_graph = _graph(at, "truncated")
    assert truncated_graph.count("✂") == 3  # "hello": T = 4, cut after t = 1, 2, 3
    check = _tr("truncated_equals_autograd", lang, k=1, diff=_max_diff("hello", 3, 0, 1))
    assert check in [s.value for s in at.success]
    assert _tr("grid_caption", lang, name="U", k=1, dropped=6, total=10) in _texts(at)
    long_term = {s.slug for s in registry.PAGES if "long_term" in s.slug}  # the vanishing-gradient page
    assert long_term <= {link.proto.page for link in at.tabs[TABS["truncated"]].get("page_link")}
    # many-to-one: only the last output has a loss; no sentiment page yet
    at.button_group(key=K + "arch").set_value("many_to_one").run()
    _ok(at)
    arch_graph = _graph(at, "architectures")
    assert arch_graph.count("L(") == 1 and "L(4)" in arch_graph
    assert _tr("arch.many_to_one.caption", lang) in _texts(at)
    seq, theta = word_sequence("hello"), RNNParams.random(4, 3, 4, 0)
    last = run_architecture("many_to_one", theta, seq).predicted_labels[-1]
    assert _tr("arch_numbers", lang, targets="o", preds=last) in _texts(at)  # only the last step is scored
    # sequence-to-sequence: encoder and decoder, a link to the Translate page
    at.button_group(key=K + "arch").set_value("seq2seq").run()
    _ok(at)
    arch_graph = _graph(at, "architectures")
    assert _tr("encoder", lang) in arch_graph and _tr("decoder", lang) in arch_graph
    assert "translate" in {link.proto.page for link in at.get("page_link")}
    assert at.query_params["arch"] == "seq2seq"
    # one-to-many, the previous output fed back
    at.button_group(key=K + "arch").set_value("one_to_many").run()
    at.radio(key=K + "inputs").set_value("feedback").run()
    _ok(at)
    assert "->" in _graph(at, "architectures") and "7048E8" in _graph(at, "architectures")
    assert {"generate_text", "caption_image"} <= {link.proto.page for link in at.get("page_link")}


def test_shapes_panel_has_the_notes_example_and_the_learners_sizes() -> None:
    at = _page("ko")
    latex = _latex(at)
    assert "= 6{,}208" in latex  # batch 100, input 32, hidden 64: 2,048 + 4,096 + 64
    assert "15 + 25 + 5 + 15 + 5 = 65" not in latex and "= 40" in latex  # "hello", p = 3: 12 + 9 + 3 + 12 + 4
    at.number_input(key=K + "shape_T").set_value(1000).run()
    _ok(at)
    assert "= 40" in _latex(at) and "= 6{,}208" in _latex(at)  # T changes the data, not the count
    tables = [t.value for t in at.dataframe]
    assert any("100 × 1000 × 64" in str(table.to_numpy()) for table in tables)


def test_bad_word_is_a_clear_message_not_a_crash() -> None:
    at = _page()
    at.text_input(key=K + "word").input("a").run()
    _ok(at)
    assert any("at least 2" in e.value for e in at.error)
    at.text_input(key=K + "word").input("abcdefghi").run()
    _ok(at)
    assert any("different characters" in e.value for e in at.error)


def test_numbers_mode_runs_forward_and_bptt() -> None:
    at = _page()
    at.button_group(key=K + "mode").set_value("numbers").run()
    at.number_input(key=K + "d").set_value(2).run()
    at.number_input(key=K + "q").set_value(3).run()
    _ok(at)
    _click(at, "fw_end")
    _click(at, "bw_end")
    assert at.session_state[K + "bptt"] == 4  # T = 4 by default
    assert [s.value for s in at.success][0].startswith(_tr("sums_equal", "en", diff="")[:30])
    assert at.query_params["mode"] == "numbers" and at.query_params["d"] == "2"
    # feeding the output back needs d = q: a message, not a crash
    at.button_group(key=K + "arch").set_value("one_to_many").run()
    at.radio(key=K + "inputs").set_value("feedback").run()
    _ok(at)
    assert any("d = q" in e.value for e in at.error)


def test_a_shared_link_opens_the_same_view(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _opened_from_url(monkeypatch, lang="ko", word="banana", p="5", seed="7", step="3", k="3", arch="seq2seq")
    assert at.session_state[K + "word"] == "banana" and at.session_state[K + "p"] == 5
    assert at.session_state[K + "step"] == 3 and at.session_state[K + "seed"] == 7
    assert _tr("forward_position", "ko", t=3, T=5) in _texts(at)
    assert at.button_group(key=K + "arch").value == "seq2seq"
    # out-of-range or unknown values fall back to what is allowed
    at = _opened_from_url(monkeypatch, p="99", step="x", arch="none")
    assert at.session_state[K + "p"] == 8 and at.session_state[K + "step"] == 0
    assert at.session_state[K + "arch"] == "many_to_many"
