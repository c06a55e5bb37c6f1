"""The dashboard shell: entry point, language switch, page registry, home page, strings, config.

Uses Streamlit's AppTest (the app runs in-process, no browser). The browser check lives in
tests/browser/screenshot.py and is not part of the test suite.
"""

from __future__ import annotations

import sys
from pathlib import Path
from unittest import mock

import pytest
import streamlit.config as st_config
from streamlit.testing.v1 import AppTest

import dashboard.pages as registry
from dashboard import i18n
from dashboard.pages import LECTURE_TOPICS, OVERVIEW_TOPIC, PAGES, PageSpec

ROOT = Path(__file__).resolve().parents[1]

APP = ROOT / "streamlit_app.py"


def _app(**query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params.update(query)
    return at.run()


def _texts(at: AppTest) -> str:
    """All text of the main area (titles, markdown, captions, alerts), one string."""
    parts: list[str] = [e.value for e in at.title]
    parts += [e.value for e in at.subheader]
    parts += [e.value for e in at.markdown]
    parts += [e.value for e in at.caption]
    parts += [e.value for e in at.info]
    return "\n".join(str(p) for p in parts)


def _block_text(block) -> str:
    """All markdown and caption text inside one container."""
    return "\n".join(str(e.value) for e in [*block.markdown, *block.caption])


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _lang_switch(at: AppTest):
    (switch,) = at.sidebar.segmented_control
    return switch


# ---------------------------------------------------------------------------------------------- app


def test_app_runs_in_english_by_default() -> None:
    at = _app()
    _no_exception(at)
    assert at.session_state["lang"] == "en"
    assert _lang_switch(at).value == "en"
    assert at.title[0].value.endswith(i18n.t("app.title", lang="en"))
    text = _texts(at)
    assert i18n.t("app.tagline", lang="en") in text
    assert i18n.t("home.map_header", lang="en") in text
    assert "lang" not in at.query_params  # English is the default: no parameter in the URL


@pytest.mark.parametrize("value", ["ko", "KO", "ko-KR"])
def test_query_parameter_opens_the_korean_ui(value: str) -> None:
    at = _app(lang=value)
    _no_exception(at)
    assert at.session_state["lang"] == "ko"
    assert _lang_switch(at).value == "ko"
    text = _texts(at)
    assert i18n.t("app.tagline", lang="ko") in text
    assert i18n.t("home.map_header", lang="ko") in text
    assert i18n.t("app.tagline", lang="en") not in text


def test_unknown_query_language_falls_back_to_english() -> None:
    at = _app(lang="xx")
    _no_exception(at)
    assert at.session_state["lang"] == "en"


def test_switching_language_changes_the_text_and_the_url() -> None:
    at = _app()
    english = _texts(at)

    _lang_switch(at).set_value("ko").run()
    _no_exception(at)
    korean = _texts(at)
    assert at.session_state["lang"] == "ko"
    assert korean != english
    assert i18n.t("home.intro", lang="ko") in korean and i18n.t("home.intro", lang="en") not in korean
    assert at.query_params.get("lang") == "ko"  # a reload or a shared link keeps Korean

    at.run()  # the choice sticks across reruns
    assert at.session_state["lang"] == "ko" and _lang_switch(at).value == "ko"

    _lang_switch(at).set_value("en").run()
    _no_exception(at)
    assert _texts(at) == english
    assert "lang" not in at.query_params


def test_session_language_wins_over_the_query_parameter_after_the_first_run() -> None:
    at = _app(lang="ko")
    _lang_switch(at).set_value("en").run()
    assert at.session_state["lang"] == "en"
    at.run()
    assert at.session_state["lang"] == "en"


# ----------------------------------------------------------------------------------- registry & home


def test_registry_is_consistent() -> None:
    assert PAGES, "at least the home page is registered"
    assert sum(spec.default for spec in PAGES) == 1, "exactly one default (home) page"
    slugs = [spec.slug for spec in PAGES]
    assert len(set(slugs)) == len(slugs), f"duplicate url paths: {slugs}"
    for spec in PAGES:
        assert spec.path.is_file(), spec.script
        assert spec.path.is_relative_to(ROOT), spec.script
        assert spec.slug and "/" not in spec.slug
        assert spec.icon
        assert spec.topic in LECTURE_TOPICS or spec.topic == OVERVIEW_TOPIC
        for key in (spec.title_key, spec.teaches_key, f"topic.{spec.topic}.name"):
            assert key in i18n.STRINGS, f"{spec.script}: missing i18n key {key!r}"
    for topic in LECTURE_TOPICS:
        assert f"topic.{topic}.name" in i18n.STRINGS and f"topic.{topic}.blurb" in i18n.STRINGS
    with pytest.raises(ValueError, match="unknown topic"):
        PageSpec("dashboard/pages/home.py", "page.home.title", "🏠", "no_such_topic", "page.home.teaches")


def test_home_has_a_card_for_every_registered_page() -> None:
    at = _app()
    _no_exception(at)
    others = [spec for spec in PAGES if not spec.default]
    for spec in others:
        card = at.get_by_key(f"page-card-{spec.slug}")
        card_text = _block_text(card)
        assert i18n.t(spec.teaches_key, lang="en") in card_text
    cards = [c for c in at.main.container if str(c.key or "").startswith("page-card-")]
    assert len(cards) == len(others)
    if not others:
        assert i18n.t("home.no_pages", lang="en") in _texts(at)


@pytest.fixture
def extra_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[PageSpec]:
    """Register two throwaway pages (and their strings), as another engineer would add real ones."""
    specs = []
    for slug, topic, icon in (("demo_lstm", "lstm", "🧠"), ("demo_bptt", "bptt", "⏪")):
        script = tmp_path / f"{slug}.py"
        script.write_text(
            "import streamlit as st\n"
            "from dashboard.i18n import t\n"
            f"st.title(t('page.{slug}.title'))\n"
            f"st.write(t('page.{slug}.teaches'))\n",
            encoding="utf-8",
        )
        monkeypatch.setitem(i18n.STRINGS, f"page.{slug}.title", {"en": f"Demo {slug}", "ko": f"데모 {slug}"})
        monkeypatch.setitem(
            i18n.STRINGS, f"page.{slug}.teaches", {"en": f"Teaches {slug}.", "ko": f"{slug}을 배웁니다."}
        )
        specs.append(PageSpec(str(script), f"page.{slug}.title", icon, topic, f"page.{slug}.teaches"))
    monkeypatch.setattr(registry, "PAGES", [*PAGES, *specs])
    return specs


def test_registered_pages_get_cards_and_mark_the_lecture_map(extra_pages: list[PageSpec]) -> None:
    at = _app(lang="ko")
    _no_exception(at)
    for spec in extra_pages:
        card = at.get_by_key(f"page-card-{spec.slug}")
        card_text = _block_text(card)
        assert i18n.t(spec.title_key, lang="ko") in card_text
        assert i18n.t(spec.teaches_key, lang="ko") in card_text
        assert i18n.t(f"topic.{spec.topic}.name", lang="ko") in card_text
        (link,) = card.get("page_link")
        assert link.proto.page == spec.slug
        assert i18n.t(spec.title_key, lang="ko") in link.proto.label
    cards = [c for c in at.main.container if str(c.key or "").startswith("page-card-")]
    assert len(cards) == len([spec for spec in registry.PAGES if not spec.default])
    # The lecture map links each new page under its topic; the other topics are still "coming".
    coming = i18n.t("home.map_coming", lang="ko")
    for topic in LECTURE_TOPICS:
        row = at.get_by_key(f"lecture-topic-{topic}")
        links = {link.proto.page for link in row.get("page_link")}
        assert links == {spec.slug for spec in registry.PAGES if spec.topic == topic}, topic
        row_text = _block_text(row)
        assert (coming in row_text) == (not links), topic


def test_language_survives_switching_pages(extra_pages: list[PageSpec]) -> None:
    at = _app()
    _lang_switch(at).set_value("ko").run()
    spec = extra_pages[0]
    at.switch_page(str(spec.path)).run()
    _no_exception(at)
    assert at.title[0].value == i18n.t(spec.title_key, lang="ko")
    assert at.session_state["lang"] == "ko" and _lang_switch(at).value == "ko"


# --------------------------------------------------------------------------------------------- i18n


def test_every_string_has_both_languages_with_the_same_placeholders() -> None:
    assert i18n.LANGS == {"en": "English", "ko": "한국어"}
    problems = []
    for key, entry in i18n.STRINGS.items():
        if set(entry) != set(i18n.LANGS):
            problems.append(f"{key}: languages {sorted(entry)}")
            continue
        if any(not isinstance(text, str) or not text.strip() for text in entry.values()):
            problems.append(f"{key}: empty text")
            continue
        fields = {lang: i18n.placeholders(text) for lang, text in entry.items()}
        if fields["en"] != fields["ko"]:
            problems.append(f"{key}: placeholders differ {fields}")
        if "" in fields["en"] or "lang" in fields["en"]:
            problems.append(f"{key}: use named placeholders other than {{lang}}")
    assert not problems, "\n".join(problems)


def test_every_string_formats() -> None:
    for key, entry in i18n.STRINGS.items():
        for lang, text in entry.items():
            values = {name: "X" for name in i18n.placeholders(text)}
            assert i18n.t(key, lang=lang, **values), (key, lang)


def test_t_and_set_lang_outside_streamlit() -> None:
    try:
        i18n.set_lang("ko")
        assert i18n.get_lang() == "ko"
        assert i18n.t("home.card_topic", topic="LSTM") == "강의 주제: LSTM"
        assert i18n.t("home.card_topic", lang="en", topic="LSTM") == "Lecture topic: LSTM"
        i18n.set_lang("en")
        assert i18n.t("home.open_page", title="X") == "Open X"
    finally:
        i18n.set_lang("en")
    with pytest.raises(ValueError):
        i18n.set_lang("fr")
    with pytest.raises(KeyError):  # strict under pytest
        i18n.t("no.such.key")
    with pytest.raises(KeyError):  # a missing placeholder value is an error too
        i18n.t("home.card_topic")


def test_non_strict_mode_degrades_gracefully(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNN_LAB_I18N_STRICT", "0")
    assert i18n.t("no.such.key") == "no.such.key"
    monkeypatch.setitem(i18n.STRINGS, "test.only_en", {"en": "only English"})
    assert i18n.t("test.only_en", lang="ko") == "only English"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("ko", "ko"), ("KO", "ko"), ("ko-KR", "ko"), ("ko_KR", "ko"), ("kr", "ko"), ("en-US", "en"),
     (["en", "ko"], "ko"), ("fr", None), ("", None), (None, None)],
)
def test_normalise_lang(raw: object, expected: str | None) -> None:
    assert i18n.normalise_lang(raw) == expected


# ---------------------------------------------------------------------------------------- resources


class _FakeModel:
    def __init__(self) -> None:
        self.training = True
        self.grad = True

    def eval(self) -> _FakeModel:
        self.training = False
        return self

    def requires_grad_(self, flag: bool) -> _FakeModel:
        self.grad = flag
        return self


def test_resources_load_each_pretrained_model_once_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import engine
    from dashboard.components import resources

    load = mock.Mock(side_effect=lambda name: _FakeModel())
    monkeypatch.setattr(engine, "load_pretrained", load)
    monkeypatch.setattr(engine, "list_pretrained", lambda: ["tiny"])
    resources.get_pretrained.clear()
    resources.available_pretrained.clear()
    try:
        assert resources.available_pretrained() == ["tiny"]
        model = resources.get_pretrained("tiny")
        assert model is resources.get_pretrained("tiny")
        load.assert_called_once_with("tiny")
        assert model.training is False and model.grad is False
        with pytest.raises(ValueError, match="unknown pretrained model"):
            resources.get_pretrained("../../etc")
    finally:
        resources.get_pretrained.clear()
        resources.available_pretrained.clear()


# ------------------------------------------------------------------------------------------- config


def test_streamlit_config_uses_only_known_options() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))

    def flatten(prefix: str, table: dict) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, value in table.items():
            name = f"{prefix}.{key}" if prefix else key
            out.update(flatten(name, value) if isinstance(value, dict) else {name: value})
        return out

    options = flatten("", config)
    known = st_config.get_config_options()
    assert not [name for name in options if name not in known], "unknown Streamlit option(s)"
    assert options["browser.gatherUsageStats"] is False
    # The served app: no file watcher, no full garbage collection after every script run (each cost every visitor
    # time under load; the reasons and measurements are in config.toml).
    assert options["server.fileWatcherType"] == "none" and options["runner.postScriptGC"] is False
    assert 1 <= options["server.maxUploadSize"] <= 50


def test_file_watcher_survives_torch_classes() -> None:
    """Developers may run with ``--server.fileWatcherType auto``: Streamlit's module scan skips torch.classes.

    If this fails after a Streamlit/torch upgrade, the watcher crashes on torch (streamlit#10992): say so in
    config.toml's note for developers.
    """
    import torch
    from streamlit.watcher import local_sources_watcher as lsw

    with mock.patch.object(lsw, "_LOGGER") as logger:
        assert lsw.get_module_paths(torch.classes) == set()
        for module in list(sys.modules.values()):
            if module is not None:
                lsw.get_module_paths(module)
    assert not logger.warning.called, logger.warning.call_args_list
