"""Home page: what RNN Lab is, one card per registered page, and the lecture map."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import t
from dashboard.pages import LECTURE_TOPICS, PAGES, PageSpec, pages_for_topic

_CARDS_PER_ROW = 3


def _topic_name(topic: str) -> str:
    return t(f"topic.{topic}.name")


def _card(spec: PageSpec) -> None:
    """A bordered card: title, lecture topic, what the page teaches, and a link to it."""
    title = t(spec.title_key)
    with st.container(border=True, key=f"page-card-{spec.slug}", height="stretch"):
        st.markdown(f"#### {spec.icon} {title}")
        st.caption(f":material/school: {t('home.card_topic', topic=_topic_name(spec.topic))}")
        st.write(t(spec.teaches_key))
        st.page_link(str(spec.path), label=t("home.open_page", title=title), icon=":material/arrow_forward:")


def _cards(specs: list[PageSpec]) -> None:
    st.subheader(t("home.pages_header"))
    if not specs:
        st.info(t("home.no_pages"), icon=":material/construction:")
        return
    for start in range(0, len(specs), _CARDS_PER_ROW):
        columns = st.columns(_CARDS_PER_ROW)
        for column, spec in zip(columns, specs[start : start + _CARDS_PER_ROW], strict=False):
            with column:
                _card(spec)


def _lecture_map() -> None:
    """The lecture's topics in order; each shows its pages, or that a page is still coming."""
    st.subheader(t("home.map_header"))
    st.caption(t("home.map_intro"))
    with st.container(border=True, key="lecture-map"):
        for number, topic in enumerate(LECTURE_TOPICS, start=1):
            specs = pages_for_topic(topic)
            with st.container(key=f"lecture-topic-{topic}"):
                text_col, status_col = st.columns([3, 2], vertical_alignment="center")
                with text_col:
                    st.markdown(f"**{number}. {_topic_name(topic)}**")
                    st.caption(t(f"topic.{topic}.blurb"))
                with status_col:
                    if not specs:
                        st.markdown(f":gray-badge[{t('home.map_coming')}]")
                    for spec in specs:
                        st.page_link(str(spec.path), label=t(spec.title_key), icon=spec.icon)


def ready_topics() -> list[str]:
    """The lecture topics that have at least one registered page, in lecture order."""
    return [topic for topic in LECTURE_TOPICS if pages_for_topic(topic)]


def _what_you_can_watch() -> None:
    """Promise only what exists: one line per topic that has a page (the list grows as pages land)."""
    topics = ready_topics()
    if topics:
        st.markdown(t("home.ready_now") + "\n" + "\n".join(f"- {t(f'home.watch.{topic}')}" for topic in topics))


def render() -> None:
    st.title(f"🔁 {t('app.title')}")
    st.markdown(f"##### {t('app.tagline')}")
    st.write(t("home.intro"))
    _what_you_can_watch()
    st.markdown(t("home.how_to"))
    # Every page except the home page(s) themselves gets a card.
    _cards([spec for spec in PAGES if not spec.default])
    _lecture_map()


render()
