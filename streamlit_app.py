"""RNN Lab: entry point of the Streamlit dashboard.

Run with ``streamlit run streamlit_app.py``. This script runs on every rerun, before the selected
page: it sets the page config, initialises the UI language (``?lang=ko`` opens the Korean UI),
draws the language switch in the sidebar and hands over to the page chosen in the navigation.
Pages are registered in ``dashboard/pages/__init__.py`` (``PAGES``), not here.
"""

from __future__ import annotations

import streamlit as st

from dashboard import i18n
from dashboard.components.resources import limit_server_threads
from dashboard.i18n import LANGS, t
from dashboard.pages import LECTURE_TOPICS, OVERVIEW_TOPIC, PAGES

#: The sidebar's state on page load: Streamlit's "auto" keeps it closed on narrow (phone-width) screens.
SIDEBAR_STATE = "auto"

# Widget key of the language switch. The language itself lives in st.session_state["lang"]; the
# widget is re-seeded from it on every run, so it survives page switches and set_lang() calls.
_LANG_WIDGET_KEY = "_lang_switch"

# Streamlit's markdown CSS sets word-break on each text element, so the rule targets those elements.
_KOREAN_LINE_BREAKS = (
    "<style>.stApp :is(p, li, h1, h2, h3, h4, h5, h6, span, label, a)"
    " { word-break: keep-all !important; overflow-wrap: anywhere; }</style>"
)


def _topic_order(spec) -> int:
    """Home (the overview) first, then the lecture's topics in teaching order; stable within a topic."""
    return -1 if spec.topic == OVERVIEW_TOPIC else LECTURE_TOPICS.index(spec.topic)


def _on_lang_change() -> None:
    choice = st.session_state.get(_LANG_WIDGET_KEY)
    if choice in LANGS:
        i18n.set_lang(choice)


def _language_switch() -> None:
    st.session_state[_LANG_WIDGET_KEY] = i18n.get_lang()
    with st.sidebar:
        st.segmented_control(
            t("sidebar.language"),
            options=list(LANGS),
            format_func=LANGS.__getitem__,
            key=_LANG_WIDGET_KEY,
            required=True,
            on_change=_on_lang_change,
        )
        st.caption(t("sidebar.caption"))


def main() -> None:
    # One torch thread per visitor's inference (each script runs in its own thread): see resources.py.
    limit_server_threads()
    i18n.init_lang()
    st.set_page_config(
        page_title=t("app.title"),
        page_icon="🔁",
        layout="wide",
        # "auto": open beside the page on a wide screen, closed on a phone (where it would cover most
        # of the 390 px); the navigation and the language switch are one tap away in its toggle.
        initial_sidebar_state=SIDEBAR_STATE,
        menu_items={"About": t("app.about")},
    )
    _language_switch()
    i18n.sync_query_param()
    if i18n.get_lang() == "ko":
        # Break Korean text between words (eojeol), not in the middle of one, as Korean typesetting does.
        st.html(_KOREAN_LINE_BREAKS)

    # The sidebar lists the pages under the lecture's topics, in teaching order (Home first), fully
    # expanded: with more than twelve pages Streamlit would otherwise hide some behind "View more".
    sections: dict[str, list] = {}
    for spec in sorted(PAGES, key=_topic_order):
        sections.setdefault(t(f"topic.{spec.topic}.name"), []).append(
            st.Page(
                spec.path,
                title=t(spec.title_key),
                icon=spec.icon,
                url_path=spec.slug,
                default=spec.default,
                help=t(spec.teaches_key),
            )
        )
    st.navigation(sections, expanded=True).run()


main()
