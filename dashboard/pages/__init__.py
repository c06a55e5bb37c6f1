"""The page registry: the one list of dashboard pages, and the lecture topics they belong to.

Adding a page is one line in :data:`PAGES` plus its strings in ``dashboard/locales/<slug>.toml``::

    PageSpec("dashboard/pages/train_char_lstm.py", "page.train_char_lstm.title", "🏋️", "lstm",
             "page.train_char_lstm.teaches"),

* ``script``: the page script, relative to the repo root (Streamlit runs it as a script, so import
  with absolute imports: ``from dashboard.i18n import t``).
* ``title_key``: i18n key of the page title (navigation label, card title, browser tab).
* ``icon``: one emoji, or a Material icon as ``":material/icon_name:"``.
* ``topic``: a key of :data:`LECTURE_TOPICS` (or ``"overview"``); the home page files the page under it.
* ``teaches_key``: i18n key of one or two sentences saying what the page teaches (card text and
  navigation tooltip).
* ``url_path`` (optional): the URL slug; defaults to the script's file name without ``.py``. It is
  fixed, not derived from the (translated) title, so links and page identity survive a language switch.

The home page lists every registered page as a card and marks its topic as "ready" in the lecture
map automatically. This module does not import Streamlit, so tests and tools can read it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["LECTURE_TOPICS", "OVERVIEW_TOPIC", "PAGES", "REPO_ROOT", "PageSpec", "pages_for_topic"]

#: Repository root (the folder holding ``streamlit_app.py``); page scripts are relative to it.
REPO_ROOT = Path(__file__).resolve().parents[2]

#: The lecture's topics in teaching order. i18n keys: ``topic.<key>.name`` and ``topic.<key>.blurb``.
LECTURE_TOPICS: tuple[str, ...] = (
    "sequence_data",
    "vanilla_rnn",
    "bptt",
    "bidirectional",
    "vanishing_gradients",
    "lstm",
    "language_models",
    "encoder_decoder",
    "image_captioning",
)
#: Topic of pages that belong to no single lecture topic (the home page); not shown in the lecture map.
OVERVIEW_TOPIC = "overview"


@dataclass(frozen=True)
class PageSpec:
    """One dashboard page; see the module docstring for the fields."""

    script: str
    title_key: str
    icon: str
    topic: str
    teaches_key: str
    url_path: str | None = None
    default: bool = False

    def __post_init__(self) -> None:
        if self.topic not in LECTURE_TOPICS and self.topic != OVERVIEW_TOPIC:
            raise ValueError(
                f"page {self.script!r}: unknown topic {self.topic!r}; "
                f"use one of {LECTURE_TOPICS + (OVERVIEW_TOPIC,)}"
            )

    @property
    def path(self) -> Path:
        """Absolute path of the page script."""
        return (REPO_ROOT / self.script).resolve()

    @property
    def slug(self) -> str:
        """URL path of the page (``""`` is the app root for the default page, which keeps its slug)."""
        return self.url_path or Path(self.script).stem


#: Every page of the app, in navigation order. The first ``default=True`` entry is served at "/".
PAGES: list[PageSpec] = [
    PageSpec("dashboard/pages/home.py", "page.home.title", "🏠", OVERVIEW_TOPIC, "page.home.teaches",
             default=True),
    PageSpec("dashboard/pages/representing_sequences.py", "page.representing_sequences.title", "🔡",
             "sequence_data", "page.representing_sequences.teaches"),
    PageSpec("dashboard/pages/ecg.py", "page.ecg.title", "🫀", "sequence_data", "page.ecg.teaches"),
    PageSpec("dashboard/pages/time_series.py", "page.time_series.title", "📈", "sequence_data",
             "page.time_series.teaches"),
    PageSpec("dashboard/pages/sentiment.py", "page.sentiment.title", "💬", "sequence_data", "page.sentiment.teaches"),
    PageSpec("dashboard/pages/rnn_step_by_step.py", "page.rnn_step_by_step.title", "🔬", "vanilla_rnn",
             "page.rnn_step_by_step.teaches"),
    PageSpec("dashboard/pages/train_char_lstm.py", "page.train_char_lstm.title", "🏋️", "bptt",
             "page.train_char_lstm.teaches"),
    PageSpec("dashboard/pages/bidirectional_spacing.py", "page.bidirectional_spacing.title", "↔️", "bidirectional",
             "page.bidirectional_spacing.teaches"),
    PageSpec("dashboard/pages/long_term_dependencies.py", "page.long_term_dependencies.title", "⏳",
             "vanishing_gradients", "page.long_term_dependencies.teaches"),
    PageSpec("dashboard/pages/inside_lstm.py", "page.inside_lstm.title", "🧠", "lstm", "page.inside_lstm.teaches"),
    PageSpec("dashboard/pages/generate_text.py", "page.generate_text.title", "✍️", "language_models",
             "page.generate_text.teaches"),
    PageSpec("dashboard/pages/ngram_vs_rnn.py", "page.ngram_vs_rnn.title", "🆚", "language_models",
             "page.ngram_vs_rnn.teaches"),
    PageSpec("dashboard/pages/translate.py", "page.translate.title", "🌍", "encoder_decoder",
             "page.translate.teaches"),
    PageSpec("dashboard/pages/caption_image.py", "page.caption_image.title", "🖼️", "image_captioning",
             "page.caption_image.teaches"),
]


def pages_for_topic(topic: str, pages: list[PageSpec] | None = None) -> list[PageSpec]:
    """The registered pages filed under ``topic``, in registry order."""
    return [p for p in (PAGES if pages is None else pages) if p.topic == topic]
