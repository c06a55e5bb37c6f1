"""The home page promises only what exists, and the app does not cover a phone's screen with its sidebar
(issue 16: "Home promises gradients that vanish, gates that open and close" while those topics were "coming";
``initial_sidebar_state="expanded"`` opened the sidebar over 300 of 390 px on every page load)."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

import dashboard.pages as registry
from dashboard import i18n
from dashboard.pages import LECTURE_TOPICS, PAGES, PageSpec

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "streamlit_app.py"


def _home(lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params["lang"] = lang
    return at.run()


def _intro(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown if m.value.startswith(i18n.t("home.ready_now")))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_home_promises_only_topics_that_have_a_page(lang: str) -> None:
    at = _home(lang)
    assert not at.exception
    i18n.set_lang(lang)
    try:
        intro = _intro(at)
        texts = "\n".join(str(e.value) for e in (*at.markdown, *at.caption)
                          if not str(e.key or "").startswith("page-card-"))
        for topic in LECTURE_TOPICS:
            ready = any(spec.topic == topic for spec in PAGES)
            assert (i18n.t(f"home.watch.{topic}") in intro) == ready, topic
            if not ready:  # the home text nowhere describes a topic that has no page yet
                assert i18n.t(f"home.watch.{topic}") not in texts, topic
        for phrase in ("gradients that vanish", "gates that open and close", "사라지는 경사", "열리고 닫히는 게이트"):
            if not any(spec.topic in ("vanishing_gradients", "lstm") for spec in PAGES):
                assert phrase not in texts
    finally:
        i18n.set_lang("en")


def test_a_page_that_lands_adds_its_topic_to_the_home_text(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = tmp_path / "demo_gates.py"
    script.write_text("import streamlit as st\nst.title('gates')\n", encoding="utf-8")
    monkeypatch.setitem(i18n.STRINGS, "page.demo_gates.title", {"en": "Gates", "ko": "게이트"})
    monkeypatch.setitem(i18n.STRINGS, "page.demo_gates.teaches", {"en": "Gates.", "ko": "게이트."})
    spec = PageSpec(str(script), "page.demo_gates.title", "🚪", "lstm", "page.demo_gates.teaches")
    before = _intro(_home())
    monkeypatch.setattr(registry, "PAGES", [*PAGES, spec])
    after = _intro(_home())
    watch = i18n.t("home.watch.lstm", lang="en")
    assert watch in after and (watch not in before or any(p.topic == "lstm" for p in PAGES))


def test_the_sidebar_starts_closed_on_a_phone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamlit's "auto" opens the sidebar on a wide screen and keeps it closed on a narrow one."""
    seen: list[dict] = []
    real = streamlit.set_page_config

    def spy(*args, **kwargs):
        seen.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(streamlit, "set_page_config", spy)
    at = _home()
    assert not at.exception
    assert seen and seen[-1]["initial_sidebar_state"] == "auto"


def test_home_renders_without_importing_torch_or_the_engine() -> None:
    """Cold start (issue 16): Home must not wait for torch (seconds to import on a busy CPU) or any model; pages
    import what they need when they are opened. Run in a fresh interpreter: this test process has torch."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    script = ("import sys\nfrom streamlit.testing.v1 import AppTest\n"
              "at = AppTest.from_file('streamlit_app.py', default_timeout=60).run()\n"
              "assert not at.exception, [e.value for e in at.exception]\n"
              "assert at.title, 'Home rendered no title'\n"
              "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith(('torch.', 'engine'))))\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout
