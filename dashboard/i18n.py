"""Every user-facing string of the dashboard, in English and Korean, in one place.

Usage in a page::

    from dashboard.i18n import t

    st.title(t("page.home.title"))
    st.caption(t("home.card_topic", topic=t("topic.lstm.name")))

Rules for adding strings (``tests/test_app_shell.py`` enforces them):

* Every key has an ``"en"`` and a ``"ko"`` text, and both use the same ``{placeholders}``.
* Texts are :meth:`str.format` templates, always formatted: write a literal brace as ``{{`` / ``}}``
  (LaTeX for ``st.markdown``: ``"$h_{{t-1}}$"``). Texts may use Markdown.
* Keep keys grouped by page (``page.<slug>.*`` for a page's own strings) so concurrent additions
  land in separate hunks. Korean follows the course's terms: 순환 신경망, 시간펼침 역전파(BPTT),
  절단된 BPTT, 양방향 RNN, 경사 소멸, 입력/망각/출력 게이트, 핍홀, n-그램 언어 모델,
  인코더–디코더, 어텐션, 이미지 캡셔닝.

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
from collections.abc import Mapping

__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "QUERY_KEY",
    "SESSION_KEY",
    "STRINGS",
    "get_lang",
    "init_lang",
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

# Language used outside a Streamlit script run (plain Python, unit tests); see set_lang().
_fallback_lang = DEFAULT_LANG

# key -> {lang: str.format template}
STRINGS: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ app shell
    "app.title": {"en": "RNN Lab", "ko": "RNN Lab"},
    "app.tagline": {
        "en": "Hands-on experiments for the recurrent neural network lectures",
        "ko": "순환 신경망 강의를 위한 직접 해 보는 실험실",
    },
    "app.about": {
        "en": "**RNN Lab** — interactive experiments that accompany the recurrent neural network "
        "lectures of the deep-learning course.",
        "ko": "**RNN Lab** — 딥러닝 강의의 순환 신경망 단원과 함께 쓰는 인터랙티브 실험 도구입니다.",
    },
    "sidebar.language": {"en": "🌐 Language · 언어", "ko": "🌐 Language · 언어"},
    "sidebar.caption": {
        "en": "Companion to the RNN lectures of the deep-learning course.",
        "ko": "딥러닝 강의 순환 신경망 단원의 실습 도구입니다.",
    },
    # ------------------------------------------------------------------ resources
    "resources.loading_model": {
        "en": "Loading the pretrained model “{name}”…",
        "ko": "사전 학습된 모델 “{name}”을(를) 불러오는 중…",
    },
    "resources.no_pretrained": {
        "en": "No pretrained models found. Models live in `pretrained/<name>/` with a `config.json`.",
        "ko": "사전 학습된 모델이 없습니다. 모델은 `pretrained/<이름>/` 폴더에 `config.json`과 함께 둡니다.",
    },
    "resources.read_only": {
        "en": "Pretrained models are shared by everyone and read-only: experiments never change them.",
        "ko": "사전 학습된 모델은 모두가 함께 쓰는 읽기 전용 모델이라 실험을 해도 바뀌지 않습니다.",
    },
    # ------------------------------------------------------------------ lecture topics (in lecture order)
    "topic.overview.name": {"en": "Overview", "ko": "개요"},
    "topic.sequence_data.name": {"en": "Sequence data", "ko": "시퀀스 데이터"},
    "topic.sequence_data.blurb": {
        "en": "Text, speech and time series: inputs whose order matters and whose length varies.",
        "ko": "텍스트, 음성, 시계열처럼 순서가 중요하고 길이가 제각각인 데이터입니다.",
    },
    "topic.vanilla_rnn.name": {"en": "Vanilla RNN", "ko": "기본 순환 신경망(바닐라 RNN)"},
    "topic.vanilla_rnn.blurb": {
        "en": "One hidden state carried through time, $h_t = \\tanh(W h_{{t-1}} + U x_t + b)$, "
        "with the same weights at every step.",
        "ko": "하나의 은닉 상태를 시간에 따라 전달합니다. $h_t = \\tanh(W h_{{t-1}} + U x_t + b)$이며, "
        "모든 시점에서 같은 가중치를 공유합니다.",
    },
    "topic.bptt.name": {
        "en": "Backpropagation through time (BPTT, truncated BPTT)",
        "ko": "시간펼침 역전파(BPTT)와 절단된 BPTT",
    },
    "topic.bptt.blurb": {
        "en": "Unroll the network over the sequence and backpropagate through every step; truncated "
        "BPTT cuts the unrolled graph into windows to bound memory and compute.",
        "ko": "네트워크를 시퀀스 길이만큼 펼친 뒤 모든 시점을 거슬러 역전파합니다. 절단된 BPTT는 "
        "펼친 그래프를 일정한 길이로 잘라 메모리와 계산량을 제한합니다.",
    },
    "topic.bidirectional.name": {"en": "Bidirectional RNNs", "ko": "양방향 RNN"},
    "topic.bidirectional.blurb": {
        "en": "Two RNNs read the sequence forwards and backwards, so every position sees both its past "
        "and its future context.",
        "ko": "두 RNN이 시퀀스를 앞에서부터, 또 뒤에서부터 읽어 각 위치가 과거와 미래 문맥을 모두 봅니다.",
    },
    "topic.vanishing_gradients.name": {
        "en": "Vanishing and exploding gradients",
        "ko": "경사 소멸과 경사 폭발",
    },
    "topic.vanishing_gradients.blurb": {
        "en": "Multiplying by the recurrent Jacobian step after step shrinks or blows up gradients over "
        "long spans; gradient clipping tames the explosion.",
        "ko": "순환 야코비 행렬을 시점마다 반복해서 곱하면 먼 시점으로 가는 경사가 사라지거나 폭발합니다. "
        "경사 클리핑으로 폭발을 막을 수 있습니다.",
    },
    "topic.lstm.name": {"en": "LSTM gates and peepholes", "ko": "LSTM 게이트와 핍홀"},
    "topic.lstm.blurb": {
        "en": "A cell state guarded by input, forget and output gates decides what to write, keep and "
        "expose; peephole connections let the gates look at the cell state.",
        "ko": "셀 상태와 입력/망각/출력 게이트가 무엇을 쓰고, 유지하고, 내보낼지 정합니다. "
        "핍홀 연결은 게이트가 셀 상태를 직접 들여다보게 합니다.",
    },
    "topic.language_models.name": {
        "en": "Language models: n-gram vs RNN",
        "ko": "언어 모델: n-그램 vs RNN",
    },
    "topic.language_models.blurb": {
        "en": "An n-gram language model counts a fixed window of context; an RNN language model "
        "conditions on the whole history. Compare them by perplexity and by generated text.",
        "ko": "n-그램 언어 모델은 고정된 길이의 문맥을 세어서 쓰고, RNN 언어 모델은 지금까지의 "
        "전체 이력을 조건으로 삼습니다. 퍼플렉서티와 생성된 텍스트로 둘을 비교합니다.",
    },
    "topic.encoder_decoder.name": {
        "en": "Encoder–decoder and attention",
        "ko": "인코더–디코더와 어텐션",
    },
    "topic.encoder_decoder.blurb": {
        "en": "An encoder RNN reads the input sequence and a decoder RNN writes the output sequence; "
        "attention lets the decoder look back at every encoder state.",
        "ko": "인코더 RNN이 입력 시퀀스를 읽고 디코더 RNN이 출력 시퀀스를 생성합니다. "
        "어텐션은 디코더가 매 단계 인코더의 모든 상태를 다시 참고하게 합니다.",
    },
    "topic.image_captioning.name": {"en": "Image captioning", "ko": "이미지 캡셔닝"},
    "topic.image_captioning.blurb": {
        "en": "A CNN encodes the image and an RNN decoder writes the caption word by word.",
        "ko": "CNN이 이미지를 인코딩하고 RNN 디코더가 캡션을 한 단어씩 생성합니다.",
    },
    # ------------------------------------------------------------------ page: home
    "page.home.title": {"en": "Home", "ko": "홈"},
    "page.home.teaches": {
        "en": "What RNN Lab is, and a map of the lecture topics with the pages that belong to each.",
        "ko": "RNN Lab 소개와 강의 주제별 실습 페이지 지도입니다.",
    },
    "home.intro": {
        "en": "RNN Lab is a hands-on companion to the recurrent neural network lectures. Every page is "
        "one small experiment: change a setting, run a small model, and watch what the lecture "
        "describes — hidden states unrolled over time, gradients that vanish, gates that open and "
        "close, text generated one character at a time.",
        "ko": "RNN Lab은 순환 신경망 강의와 함께 쓰는 실습 도구입니다. 각 페이지는 작은 실험 하나입니다. "
        "설정을 바꾸고 작은 모델을 직접 돌려 보면서 강의에서 배운 내용을 눈으로 확인하세요. "
        "시간에 따라 펼쳐지는 은닉 상태, 사라지는 경사, 열리고 닫히는 게이트, "
        "한 글자씩 생성되는 텍스트를 볼 수 있습니다.",
    },
    "home.how_to": {
        "en": "- Open a page from the sidebar or from the cards below.\n"
        "- Each page names the lecture topic it belongs to; the lecture map follows the order of the "
        "lecture notes.\n"
        "- Switch between English and Korean at any time in the sidebar.",
        "ko": "- 사이드바나 아래 카드에서 페이지를 여세요.\n"
        "- 각 페이지에는 해당하는 강의 주제가 표시되어 있고, 강의 지도는 강의 노트 순서를 따릅니다.\n"
        "- 사이드바에서 언제든지 한국어와 영어를 바꿀 수 있습니다.",
    },
    "home.pages_header": {"en": "Experiments", "ko": "실습 페이지"},
    "home.no_pages": {
        "en": "The experiment pages are on their way — the lecture map below shows what is coming.",
        "ko": "실습 페이지를 준비하고 있습니다. 아래 강의 지도에서 앞으로 추가될 주제를 볼 수 있습니다.",
    },
    "home.card_topic": {"en": "Lecture topic: {topic}", "ko": "강의 주제: {topic}"},
    "home.open_page": {"en": "Open {title}", "ko": "{title} 열기"},
    "home.map_header": {"en": "Lecture map", "ko": "강의 지도"},
    "home.map_intro": {
        "en": "The lecture covers these topics in this order. A topic with a page link has an experiment "
        "you can run now.",
        "ko": "강의는 아래 주제를 이 순서로 다룹니다. "
        "페이지 링크가 있는 주제는 지금 바로 실험해 볼 수 있습니다.",
    },
    "home.map_coming": {"en": "coming", "ko": "준비 중"},
}


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
            raise KeyError(f"i18n: unknown key {key!r} (add it to dashboard/i18n.py STRINGS)")
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
