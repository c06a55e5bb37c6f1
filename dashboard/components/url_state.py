"""A page's settings in the URL (``st.query_params``), so a teacher can send a link that opens the page
exactly as they set it, and the browser's Back button works.

One :class:`UrlState` per page: name each setting once with its default and what it may be, then

* :meth:`UrlState.page` runs the page between the two calls below (``URL.page(_render)``);
* :meth:`UrlState.read` at the top of the page: on the session's first run (or for a setting whose
  widget was not drawn), the value from the URL becomes the widget's starting value
  (``st.session_state[state.key(name)]``). A hostile or stale URL value is clamped or ignored, never
  an error.
* give each widget ``key=state.key(name)``; the session state holds its value. Where losing a value costs the
  visitor something (the training form: a run would start with other settings), also pass
  ``value=state[name]`` (``index=state.index(name, options)`` for a choice): a widget the browser draws afresh
  (its own copy of the value gone, e.g. after an interrupted rerun) then starts from the session's value, not
  from the widget's default (for a number input or a slider with no ``value=``: its minimum);
* :meth:`UrlState.write` at the end of the page: every setting that differs from its default goes
  into the URL, the others leave it, so a default page has a clean address.

The browser's Back button: each change of the URL from Python is a new entry in the browser's history
(Streamlit's ``history.pushState``); Back restores the previous address and reruns the page with it.
:meth:`UrlState.read` sees that the URL is no longer the one :meth:`UrlState.write` left, and the URL's
values win over the session's, so the widgets go back with it.

Example::

    URL = UrlState("gen.", {"prime": Setting("ROMEO:", max_len=2000),
                            "method": Setting("top_p", ("greedy", "sample", "top_k", "top_p")),
                            "temperature": Setting(0.8, (0.1, 2.0)), "seed": Setting(0, (0, 2**31 - 1))})

    def _render() -> None:
        st.slider("temperature", 0.1, 2.0, key=URL.key("temperature"))
        ...

    URL.page(_render)  # URL.read(), the page, URL.write()

Parsing is a pure function (:meth:`Setting.parse`), tested without Streamlit:

>>> Setting(3, (1, 8)).parse("99"), Setting(3, (1, 8)).parse("x"), Setting(0.5, (0.0, 1.0)).parse("0.25")
(8, 3, 0.25)
>>> Setting("greedy", ("greedy", "sample")).parse("SAMPLE"), Setting(True).parse("false")
('sample', False)
>>> Setting(50, choices=(5, 10, 50, 200)).parse("60"), Setting(0.0, choices=(0.0, 0.9, 1.5)).parse("1.4")
(50, 1.5)
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitWidgetAlreadyInstantiatedError
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

__all__ = ["Setting", "UrlState"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Setting:
    """One URL setting.

    * ``default``: its value when the URL does not name it; its type decides how the URL text is read
      (``bool``, ``int``, ``float`` or ``str``).
    * ``allowed``: for numbers a ``(low, high)`` range the value is clamped to; for text a tuple of
      choices (matched case-insensitively); ``None``: any value of the type (text capped at ``max_len``).
    * ``choices``: for numbers offered as a list (a select slider): the URL's number becomes the nearest
      of them.
    """

    default: object
    allowed: tuple | None = None
    max_len: int = 500
    choices: tuple | None = None

    def parse(self, raw: str | None) -> object:
        """The value ``raw`` (URL text) stands for, or the default when it is missing or unusable."""
        if raw is None:
            return self.default
        raw = str(raw)
        if isinstance(self.default, bool):
            low = raw.strip().lower()
            return True if low in _TRUE else False if low in _FALSE else self.default
        if isinstance(self.default, (int, float)):
            try:
                value = float(raw)
            except ValueError:
                return self.default
            if not math.isfinite(value):
                return self.default
            if self.choices:
                return min(self.choices, key=lambda c: (abs(c - value), c))
            if isinstance(self.default, int):
                value = round(value)
            if self.allowed is not None:
                value = min(max(value, self.allowed[0]), self.allowed[1])
            return type(self.default)(value)
        if self.allowed is not None:
            for choice in self.allowed:
                if str(choice).lower() == raw.strip().lower():
                    return choice
            return self.default
        return raw[: self.max_len]

    def unparse(self, value: object) -> str:
        """The URL text for ``value`` (``parse(unparse(v)) == v`` for allowed values)."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)


class UrlState:
    """The settings of one page, kept in ``st.session_state[prefix + name]`` and mirrored in the URL."""

    def __init__(self, prefix: str, settings: dict[str, Setting]):
        self.prefix = prefix
        self.settings = dict(settings)
        self._written = prefix + "_url_written"  # the URL text write() left, per setting (None: not in the URL)

    def key(self, name: str) -> str:
        """The session-state key (the widget key) of setting ``name``."""
        if name not in self.settings:
            raise KeyError(f"unknown setting {name!r}; known: {sorted(self.settings)}")
        return self.prefix + name

    def __getitem__(self, name: str) -> object:
        return st.session_state.get(self.key(name), self.settings[name].default)

    def index(self, name: str, options: tuple | list) -> int:
        """``index=`` for a radio or select box of setting ``name`` (its current value's place in ``options``)."""
        value = self[name]
        return list(options).index(value) if value in options else 0

    def set(self, **values: object) -> None:
        """Set settings from code (before their widgets are drawn in this run)."""
        for name, value in values.items():
            st.session_state[self.key(name)] = value

    def clamp(self, name: str, low: object, high: object) -> object:
        """Keep setting ``name`` within a range known only now (``n_best`` ≤ beam width, ``top_k`` < vocabulary),
        before its widget is drawn; the value kept."""
        value = min(max(self[name], low), high)
        st.session_state[self.key(name)] = value
        return value

    def read(self) -> None:
        """Settings not yet in the session take their value from the URL (or their default); when the URL is
        not the one :meth:`write` left (Back, Forward, an edited address), every setting it changed follows it.

        Every setting is then written back into the session: a widget whose value was set this way in this run
        tells the browser its value (not only a default). Without it, a widget the browser draws afresh (the
        beam-width slider after a picture was uploaded, its column empty until then) shows its minimum while the
        page computes with the session's value, and the next click sends the minimum back."""
        written = st.session_state.get(self._written, {})
        for name, setting in self.settings.items():
            raw = st.query_params.get(name)
            moved = name in written and written[name] != raw
            key = self.key(name)
            if key not in st.session_state or moved:
                st.session_state[key] = setting.parse(raw)
            else:
                with contextlib.suppress(StreamlitWidgetAlreadyInstantiatedError):
                    st.session_state[key] = st.session_state[key]

    def page(self, render: Callable[[], object]) -> None:
        """Run a page's ``render`` between :meth:`read` and :meth:`write`; the URL is written however the page
        ends (an early return, an error), except on ``st.rerun()``: that rerun starts from the URL of the moment
        it was asked for, and writes it itself. (After ``st.stop()`` nothing more reaches the browser.)"""
        self.read()
        try:
            render()
        except RerunException:
            raise
        except BaseException:
            self.write()
            raise
        self.write()

    def write(self) -> None:
        """Put every non-default setting in the URL; remove the default ones from it.

        A setting whose widget was not drawn in this run (the top-k slider while decoding greedily) keeps its
        value: Streamlit forgets a widget's value when the widget is not drawn, and would bring back the value
        the session had before the widget first showed; it gets the current one instead.
        """
        written = {}
        for name, setting in self.settings.items():
            value = st.session_state.get(self.key(name), setting.default)
            with contextlib.suppress(StreamlitWidgetAlreadyInstantiatedError):  # drawn in this run: it holds it
                st.session_state[self.key(name)] = value
            if value is None or value == setting.default:
                if name in st.query_params:
                    del st.query_params[name]
                written[name] = None
            else:
                text = setting.unparse(value)
                if st.query_params.get(name) != text:
                    st.query_params[name] = text
                written[name] = text
        st.session_state[self._written] = written
