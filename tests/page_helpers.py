"""Opening a dashboard page in Streamlit's AppTest, as the page tests do: through the app (a page's links need
the navigation), in a language, or as a shared link opens it (the page served at the URL, with its settings
as query parameters)::

    from tests.page_helpers import open_from_url, open_page

    at = open_page("representing_sequences", "ko")
    at = open_from_url(monkeypatch, "representing_sequences", lang="ko", example="spacing")
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import dashboard.pages as registry
from dashboard import i18n

APP = Path(__file__).resolve().parents[1] / "streamlit_app.py"


def assert_no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def open_page(slug: str, lang: str = "en") -> AppTest:
    """The app opened at its home page, then switched to page ``slug`` in ``lang``."""
    # AppTest turns a segmented control's value into its label with the page's format_func, called outside
    # the script run, where t() reads the module's fallback language: set it to the page's language.
    i18n.set_lang(lang)
    spec = next(s for s in registry.PAGES if s.slug == slug)
    at = AppTest.from_file(str(APP), default_timeout=120)
    if lang != "en":
        at.query_params["lang"] = lang
    at.run()
    at.switch_page(str(spec.path)).run()
    assert_no_exception(at)
    return at


def open_from_url(monkeypatch: pytest.MonkeyPatch, slug: str, **query: str) -> AppTest:
    """Page ``slug`` opened as a shared link does: served at the URL, the settings as query parameters."""
    pages = [dataclasses.replace(s, default=s.slug == slug) for s in registry.PAGES]
    monkeypatch.setattr(registry, "PAGES", pages)
    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert_no_exception(at)
    return at
