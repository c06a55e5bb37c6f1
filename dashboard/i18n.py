r"""Every user-facing string of the dashboard, in English and Korean: the loader of ``dashboard/locales/``.

The texts live in data files, one per page plus ``app.toml`` for the app shell, shared resources and
the lecture topics. Each string is a TOML table named by its key, its English and Korean text side by side::

    ["home.card_topic"]
    en = "Lecture topic: {topic}"
    ko = "강의 주제: {topic}"

Usage in a page::

    from dashboard.i18n import t

    st.title(t("page.home.title"))
    st.caption(t("home.card_topic", topic=t("topic.lstm.name")))

Rules for adding strings (``tests/test_app_shell.py`` and ``tests/test_locales.py`` enforce them):

* Every key has an ``en`` and a ``ko`` text, and both use the same ``{placeholders}``.
* Texts are :meth:`str.format` templates, always formatted: write a literal brace as ``{{`` / ``}}``
  (LaTeX for ``st.markdown``: ``"$h_{{t-1}}$"``; a TOML ``"..."`` string escapes a backslash as
  ``\\``: ``"$\\tanh$"``). Texts may use Markdown; a multi-line text is a TOML multi-line string
  (between three double quotes).
* A page's own strings are ``page.<slug>.*`` keys in ``locales/<slug>.toml``, so concurrent
  additions land in separate files; a key is defined in one file only. Korean follows the course's
  terms: 순환 신경망, 시간펼침 역전파(BPTT), 절단된 BPTT, 양방향 RNN, 경사 소멸, 입력/망각/출력 게이트,
  핍홀, n-그램 언어 모델, 인코더–디코더, 어텐션, 이미지 캡셔닝.

The current language lives in ``st.session_state["lang"]`` (initialised once per session by
:func:`init_lang`, which honours a ``?lang=ko`` query parameter). Outside a Streamlit run (plain
Python, unit tests) a module-level fallback set by :func:`set_lang` is used instead.

An unknown key, or a key without a text for the current language, raises :class:`KeyError` in
strict mode (under pytest, or with ``RNN_LAB_I18N_STRICT=1``); otherwise the English text (or the
key itself) is shown and a warning is logged, so a forgotten string never crashes a lecture demo.
"""

from __future__ import annotations

import logging
import os
import string
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "LOCALE_DIR",
    "QUERY_KEY",
    "SESSION_KEY",
    "STRINGS",
    "get_lang",
    "init_lang",
    "load_locale_file",
    "load_strings",
    "normalise_lang",
    "placeholders",
    "set_lang",
    "sync_query_param",
    "t",
]

_LOG = logging.getLogger(__name__)

#: Supported UI languages: code -> name shown in the language switch (each in its own language).
LANGS: dict[str, str] = {"en": "English", "ko": "한국어"}
DEFAULT_LANG = "en"
#: ``st.session_state`` key holding the current language code.
SESSION_KEY = "lang"
#: URL query parameter that selects the language (``?lang=ko``).
QUERY_KEY = "lang"
#: The locale files, next to this module so the app finds them from any working directory.
LOCALE_DIR = Path(__file__).resolve().parent / "locales"

# Language used outside a Streamlit script run (plain Python, unit tests); see set_lang().
_fallback_lang = DEFAULT_LANG


def load_locale_file(path: Path) -> dict[str, dict[str, str]]:
    """The strings of one locale file: key -> {lang: str.format template}.

    >>> load_locale_file(LOCALE_DIR / "home.toml")["home.card_topic"]
    {'en': 'Lecture topic: {topic}', 'ko': '강의 주제: {topic}'}
    """
    with open(path, "rb") as f:
        data = tomllib.load(f)  # a key repeated within the file is a TOML error already
    for key, entry in data.items():
        # A bare `key = "text"` or a non-string text is a typo in the file: fail at import, not mid-lecture.
        if not isinstance(entry, dict) or not all(isinstance(text, str) for text in entry.values()):
            raise ValueError(f'{path.name}: [{key!r}] must be a table of language = "text" lines')
    return data


def load_strings(directory: Path = LOCALE_DIR) -> dict[str, dict[str, str]]:
    """All strings of every ``*.toml`` file in ``directory``; a key defined in two files is an error."""
    strings: dict[str, dict[str, str]] = {}
    defined_in: dict[str, str] = {}  # key -> file name, for the error message
    for path in sorted(directory.glob("*.toml")):
        for key, entry in load_locale_file(path).items():
            if key in strings:
                raise ValueError(f"i18n: key {key!r} is defined in both {defined_in[key]} and {path.name}")
            strings[key], defined_in[key] = entry, path.name
    return strings


# key -> {lang: str.format template}; a plain dict, so tests can add keys with monkeypatch.setitem.
STRINGS: dict[str, dict[str, str]] = load_strings()


def _strict() -> bool:
    """Strict mode raises on unknown keys and missing translations (tests, or RNN_LAB_I18N_STRICT=1)."""
    env = os.environ.get("RNN_LAB_I18N_STRICT")
    if env is not None:
        return env.strip().lower() not in ("", "0", "false", "no")
    return "pytest" in sys.modules


def _in_script_run() -> bool:
    """True while a Streamlit script (app or AppTest) is running in this thread."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:  # pragma: no cover - streamlit is a hard dependency of the dashboard
        return False
    return get_script_run_ctx(suppress_warning=True) is not None


def normalise_lang(value: object) -> str | None:
    """Map a user-supplied language tag (``"ko"``, ``"KO"``, ``"ko-KR"``, ``"kr"``) to a code in LANGS."""
    if isinstance(value, list):  # repeated query parameter: the last one wins, as in st.query_params
        value = value[-1] if value else None
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    code = {"kr": "ko", "kor": "ko", "eng": "en"}.get(code, code)
    return code if code in LANGS else None


def get_lang() -> str:
    """The current UI language code: session state inside a Streamlit run, else the set_lang() fallback."""
    if _in_script_run():
        import streamlit as st

        lang = st.session_state.get(SESSION_KEY)
        return lang if lang in LANGS else DEFAULT_LANG
    return _fallback_lang


def set_lang(lang: str) -> None:
    """Switch the UI language (``"en"`` or ``"ko"``).

    Inside a Streamlit run this sets ``st.session_state["lang"]`` (the app's language switch follows
    it on the next widget render); outside one (unit tests, scripts) it sets the module fallback.
    """
    global _fallback_lang
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {sorted(LANGS)}")
    if _in_script_run():
        import streamlit as st

        st.session_state[SESSION_KEY] = lang
    else:
        _fallback_lang = lang


def init_lang() -> str:
    """Initialise ``st.session_state["lang"]`` once per session and return the current language.

    On a session's first run the ``?lang=`` query parameter (if valid) picks the language, otherwise
    English; after that the session state is the source of truth (the language switch writes it).
    """
    import streamlit as st

    if st.session_state.get(SESSION_KEY) not in LANGS:
        st.session_state[SESSION_KEY] = normalise_lang(st.query_params.get(QUERY_KEY)) or DEFAULT_LANG
    return st.session_state[SESSION_KEY]


def sync_query_param() -> None:
    """Mirror the current language into the URL (``?lang=ko``; no parameter for English).

    So that reloading the page or sharing its link keeps the language, also after switching pages.
    """
    import streamlit as st

    lang = get_lang()
    current = st.query_params.get(QUERY_KEY)
    if lang == DEFAULT_LANG:
        if QUERY_KEY in st.query_params:
            del st.query_params[QUERY_KEY]
    elif current != lang:
        st.query_params[QUERY_KEY] = lang


def placeholders(template: str) -> set[str]:
    """Names of the ``{placeholders}`` in a str.format template (``"{n:d} of {total}"`` -> {n, total})."""
    names: set[str] = set()
    for _literal, field, _spec, _conv in string.Formatter().parse(template):
        if field is not None:
            # "{a.b}" / "{a[0]}" -> "a"; "{}" positional fields are reported as "".
            names.add(field.split(".")[0].split("[")[0])
    return names


def t(key: str, /, *, lang: str | None = None, **fmt: object) -> str:
    """The text for ``key`` in the current language (or ``lang``), formatted with ``fmt``.

    >>> set_lang("ko"); t("home.card_topic", topic="LSTM")
    '강의 주제: LSTM'
    """
    entry: Mapping[str, str] | None = STRINGS.get(key)
    if entry is None:
        if _strict():
            raise KeyError(f"i18n: unknown key {key!r} (add it to a file in dashboard/locales/)")
        _LOG.warning("i18n: unknown key %r", key)
        return key
    code = lang or get_lang()
    text = entry.get(code)
    if text is None:
        if _strict():
            raise KeyError(f"i18n: key {key!r} has no {code!r} text")
        _LOG.warning("i18n: key %r has no %r text; using %r", key, code, DEFAULT_LANG)
        text = entry[DEFAULT_LANG]
    try:
        return text.format(**fmt)
    except (KeyError, IndexError, ValueError):
        if _strict():
            raise
        _LOG.warning("i18n: could not format %r with %r", key, sorted(fmt))
        return text
