"""dashboard.components.url_state: hostile URL values are clamped or ignored (never an error), a URL with
settings opens a page with them, a default page has a clean address, and Back (the URL going back to what
it was) takes the widgets back with it."""

from __future__ import annotations

import math

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.components.url_state import Setting, UrlState

LENGTHS = (5, 10, 25, 50, 200)


@pytest.mark.parametrize(
    "setting, raw, want",
    [
        (Setting(3, (1, 8)), "99", 8),
        (Setting(3, (1, 8)), "-5", 1),
        (Setting(3, (1, 8)), "2.6", 3),
        (Setting(3, (1, 8)), "1e308", 8),
        (Setting(3, (1, 8)), "nan", 3),
        (Setting(3, (1, 8)), "inf", 3),
        (Setting(3, (1, 8)), "", 3),
        (Setting(3, (1, 8)), "three", 3),
        (Setting(0.8, (0.1, 2.0)), "-1", 0.1),
        (Setting(0.8, (0.1, 2.0)), "1.25", 1.25),
        (Setting(0.8, (0.1, 2.0)), "0x10", 0.8),
        (Setting(50, choices=LENGTHS), "1000000", 200),
        (Setting(50, choices=LENGTHS), "7", 5),
        (Setting(50, choices=LENGTHS), "-inf", 50),
        (Setting("sample", ("greedy", "sample")), " GREEDY ", "greedy"),
        (Setting("sample", ("greedy", "sample")), "<script>", "sample"),
        (Setting(True), "no", False),
        (Setting(True), "maybe", True),
        (Setting("hello", max_len=5), "x" * 10_000, "xxxxx"),
        (Setting("hello", max_len=5), None, "hello"),
    ],
)
def test_parse_clamps_or_ignores_hostile_values(setting: Setting, raw: str | None, want: object) -> None:
    got = setting.parse(raw)
    assert got == want and type(got) is type(want)


@pytest.mark.parametrize("setting, value", [(Setting(3, (1, 8)), 7), (Setting(0.8, (0.1, 2.0)), 0.35),
                                            (Setting(True), False), (Setting("a", ("a", "b")), "b"),
                                            (Setting(50, choices=LENGTHS), 25), (Setting("", max_len=99), "ROMEO:\n")])
def test_unparse_round_trips(setting: Setting, value: object) -> None:
    assert setting.parse(setting.unparse(value)) == value


def test_a_float_from_the_url_is_never_nan() -> None:
    assert not math.isnan(Setting(1.0, (0.0, 2.0)).parse("NaN"))


def test_the_modules_examples_hold() -> None:
    import doctest

    from dashboard.components import url_state

    assert doctest.testmod(url_state).failed == 0


def test_unknown_setting_names_are_a_typed_error() -> None:
    with pytest.raises(KeyError, match="unknown setting 'colour'"):
        UrlState("x.", {"n": Setting(1)}).key("colour")


def _script() -> None:
    import streamlit as st

    from dashboard.components.url_state import Setting, UrlState

    url = UrlState("demo.", {"n": Setting(3, (1, 8)), "mode": Setting("a", ("a", "b")),
                             "word": Setting("hi", max_len=10), "T": Setting(50, choices=(5, 10, 50, 200))})
    url.read()
    st.slider("n", 1, 8, key=url.key("n"))
    mode = st.segmented_control("mode", ("a", "b"), key=url.key("mode"), required=True)
    if mode == "b":  # a widget drawn only sometimes keeps its value through the URL
        st.text_input("word", key=url.key("word"))
    st.select_slider("T", (5, 10, 50, 200), key=url.key("T"))
    url.write()


def _app(**query: str) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_default_page_has_a_clean_address() -> None:
    at = _app()
    assert at.slider(key="demo.n").value == 3 and at.select_slider(key="demo.T").value == 50
    assert dict(at.query_params) == {}


def test_a_link_opens_the_page_as_set_and_hostile_values_are_clamped() -> None:
    at = _app(n="5", mode="b", word="hello", T="10")
    assert at.slider(key="demo.n").value == 5 and at.text_input(key="demo.word").value == "hello"
    assert at.select_slider(key="demo.T").value == 10
    at = _app(n="1000", mode="c", T="-3", word="<b>" * 50)
    assert at.slider(key="demo.n").value == 8 and at.segmented_control(key="demo.mode").value == "a"
    assert at.select_slider(key="demo.T").value == 5
    assert at.query_params["n"] == "8" and at.query_params["T"] == "5" and "mode" not in at.query_params


def test_changes_go_into_the_url_and_back_to_the_default_leave_it() -> None:
    at = _app()
    at.slider(key="demo.n").set_value(6).run()
    at.segmented_control(key="demo.mode").set_value("b").run()
    at.text_input(key="demo.word").input("bye").run()
    assert (at.query_params["n"], at.query_params["mode"], at.query_params["word"]) == ("6", "b", "bye")
    at.segmented_control(key="demo.mode").set_value("a").run()  # the text box is gone; its value stays in the URL
    assert at.query_params["word"] == "bye" and "mode" not in at.query_params
    at.segmented_control(key="demo.mode").set_value("b").run()
    assert at.text_input(key="demo.word").value == "bye"
    at.slider(key="demo.n").set_value(3).run()
    assert "n" not in at.query_params


def test_back_takes_the_widgets_back_with_the_url() -> None:
    at = _app()
    at.slider(key="demo.n").set_value(6).run()
    at.slider(key="demo.n").set_value(7).run()
    assert at.query_params["n"] == "7"
    at.query_params["n"] = "6"  # Back: the browser restores the previous address and the page reruns
    at.run()
    assert at.slider(key="demo.n").value == 6
    del at.query_params["n"]  # Back once more: the default page
    at.run()
    assert at.slider(key="demo.n").value == 3 and "n" not in at.query_params
    at.slider(key="demo.n").set_value(4).run()  # and the widgets still work after it
    assert at.query_params["n"] == "4"


def _follows_a_run() -> None:
    import streamlit as st

    from dashboard.components.url_state import Setting, UrlState

    url = UrlState("demo.", {"n": Setting(3, (1, 8))})

    def render() -> None:
        if st.session_state.pop("demo.follow", False):  # as the Train page copies a run's settings: set, rerun
            st.session_state["demo.n"] = 6
            st.rerun()
        st.slider("n", 1, 8, key=url.key("n"))
        if st.session_state.get("demo.fail"):
            raise ValueError("a bug in the page")

    url.page(render)


def test_a_rerun_keeps_what_was_set_before_it_and_a_failing_page_still_writes() -> None:
    at = AppTest.from_function(_follows_a_run, default_timeout=30)
    at.session_state["demo.follow"] = True
    at.run()
    assert not at.exception
    assert at.slider(key="demo.n").value == 6 and at.query_params["n"] == "6"
    at.session_state["demo.fail"] = True
    at.slider(key="demo.n").set_value(2).run()
    assert at.exception and at.query_params["n"] == "2"
