"""Every page of the dashboard in a real browser (headless Chromium), in English and in Korean.

For each page of the registry (``dashboard.pages.PAGES``, so a new page is covered when it is registered):
open it as a new visitor, check the navigation names it in the page's language, do its main action as a
person does (``actions.py``: Generate, the n-gram surprisal chart, Translate, another example picture to
caption, a tiny training run started and stopped) and check what is then on screen, check that no exception
box and no browser page error appeared, and save a screenshot.

The seconds from each click to its first result (and, for Generate, to all 300 characters on screen: ``full_s``)
are written to a JSON file for the reliability report (``benchmarks/reliability_report.py``), with the server's
cold start and memory; nothing here is timed (``benchmarks/page_timings.py`` prints the timings table).

* ``$RNN_E2E_SHOTS``: folder for the screenshots (default: a pytest temporary folder, printed at the end);
* ``$RNN_E2E_TIMINGS``: the JSON file (default: ``timings.json`` in the screenshot folder);
* ``RNN_E2E_DOCS=1``: screenshots go to ``docs/screenshots/<page>-<lang>.png``, and the Train page's run in
  English to ``docs/screenshot-train.png`` (the README's picture), after it has trained for a while::

      RNN_DATA_DIR=../shared/data RNN_E2E_DOCS=1 pytest tests/browser/test_e2e.py -p no:cacheprovider

Skipped, with the reason, without playwright or Chromium (``/usr/bin/chromium`` or ``$RNN_CHROMIUM``).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import asdict
from pathlib import Path

import actions
import harness
import pytest
from harness import MAIN, key_css, texts

from dashboard.i18n import LANGS, t
from dashboard.pages import PAGES, PageSpec

if (_REASON := harness.browser_unavailable()) is not None:
    pytest.skip(_REASON, allow_module_level=True)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DOCS = os.environ.get("RNN_E2E_DOCS", "") not in ("", "0")
HANGUL = re.compile("[\uac00-\ud7a3]")
# Words of which a French sentence of a few words nearly always has one; English has none of them.
FRENCH = {"le", "la", "les", "l", "est", "de", "des", "du", "un", "une", "je", "j", "il", "elle", "nous", "vous",
          "et", "à", "où", "que", "qu", "pour", "avec", "mon", "ma", "mes", "ce", "se", "ne", "pas", "au", "aux"}


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    if DOCS:
        folder = harness.ROOT / "docs" / "screenshots"
        for old in folder.glob("*.png"):  # pictures of pages no longer registered go
            old.unlink()
    elif os.environ.get("RNN_E2E_SHOTS"):
        folder = Path(os.environ["RNN_E2E_SHOTS"])
    else:
        folder = tmp_path_factory.mktemp("e2e-shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def report(shots):
    """What the run measured; written as JSON at the end of the session."""
    data: dict = {"when": time.strftime("%Y-%m-%d %H:%M:%S %z"), "server": {}, "pages": []}
    yield data
    path = Path(os.environ.get("RNN_E2E_TIMINGS") or shots / "timings.json")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and os.environ.get("RNN_E2E_TIMINGS"):
        path = path.with_name(f"{path.stem}-{worker}{path.suffix}")  # one file per xdist worker
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"\nbrowser test timings: {path}; screenshots: {shots}")


@pytest.fixture(scope="session")
def browser():
    with harness.chromium() as b:
        yield b


@pytest.fixture(scope="session")
def app(browser, report, tmp_path_factory):
    """The app as a visitor gets it: ``streamlit run streamlit_app.py`` on a loopback port, runs in a temp folder."""
    with harness.AppServer(tmp_path_factory.mktemp("e2e-runs")) as server:
        ready_s = server.wait_ready()
        t_goto = time.monotonic()
        first = harness.visit(browser, server.url())
        cold_start_s = t_goto - server.started + first.open_s  # process start -> first page's title on screen
        first.close()
        report["server"].update(ready_s=round(ready_s, 3), cold_start_s=round(cold_start_s, 3))
        yield server
        report["server"].update(rss_end_bytes=server.rss_bytes(), peak_bytes=server.peak_bytes())


# ------------------------------------------------------------------------------------------- checks
def check_home(page, lang: str, shot: Path) -> actions.Outcome | None:
    """A card for every other registered page."""
    missing = [spec.slug for spec in PAGES if not spec.default and page.locator(key_css(f"page-card-{spec.slug}"))
               .count() != 1]
    assert not missing, f"home page without a card for {missing}"
    return None


def check_generate(page, lang: str, shot: Path) -> actions.Outcome:
    out = actions.generate(page, lang)
    assert len(out.seen) >= 50, f"generated text: {out.seen!r}"  # the page's default length is 300
    return out


def check_ngram(page, lang: str, shot: Path) -> actions.Outcome:
    return actions.ngram(page, lang)  # waits for the surprisal chart's points


def check_translate(page, lang: str, shot: Path) -> actions.Outcome:
    source = page.locator(key_css("translate.text")).locator("textarea").input_value()
    out = actions.translate(page, lang)
    lines = [line for line in source.splitlines() if line.strip()]
    assert len(out.seen.splitlines()) == len(lines), (source, out.seen)
    words = set(re.findall(r"[a-zà-ÿœ]+", out.seen.lower()))
    assert words & FRENCH and out.seen != source, f"not French: {out.seen!r}"
    return out


def check_caption(page, lang: str, shot: Path) -> actions.Outcome:
    assert texts(page.locator(f"{MAIN} h4")), "no caption for the example picture shown on opening"
    out = actions.caption(page, lang)
    assert len(re.findall(r"[a-z]+", out.seen)) >= 3, f"caption: {out.seen!r}"
    return out


def check_train(page, lang: str, shot: Path) -> actions.Outcome:
    """Start a tiny run, see its first step and loss point, screenshot it, stop it."""
    docs_picture = DOCS and lang == "en"
    out = actions.train_start(page, lang, actions.training_text(), max_steps=1000 if docs_picture else 200,
                              every=25 if docs_picture else None)
    assert actions.train_step(page, lang) >= 1
    if docs_picture:  # the README's picture: a run with validation points and a sample
        harness.wait_for(lambda: actions.train_step(page, lang) >= 120, "step 120 of the run", 300)
        page.screenshot(path=harness.ROOT / "docs" / "screenshot-train.png")
    elif not DOCS:
        page.screenshot(path=shot.with_name(shot.stem + "-running.png"))
    stop = actions.train_stop(page, lang)
    assert actions.train_step(page, lang) < 1000
    assert page.locator(key_css("train.resume")).count() == 1, "no Resume button after Stop"
    return actions.Outcome(out.action, out.first_s, out.done_s, f"{out.seen}; stop: {stop.first_s:.2f} s")


CHECKS = {"home": check_home, "generate_text": check_generate, "ngram_vs_rnn": check_ngram,
          "translate": check_translate, "caption_image": check_caption, "train_char_lstm": check_train}


def _check_shell(page, spec: PageSpec, lang: str) -> None:
    """The page's title is on screen, the navigation names the page in ``lang``, Korean text in Korean."""
    assert texts(page.locator(f"{MAIN} h1")), "no page title"
    current = texts(page.locator("[data-testid='stSidebarNavLink'][aria-current='page']"))
    assert current and current[0].endswith(t(spec.title_key, lang=lang)), (current, t(spec.title_key, lang=lang))
    if lang == "ko":
        assert HANGUL.search(texts(page.locator(MAIN))[0]), "the Korean page shows no Korean text"


@pytest.mark.parametrize("spec, lang", [pytest.param(s, lang, id=f"{s.slug}-{lang}") for s in PAGES for lang in LANGS])
def test_page(spec: PageSpec, lang: str, app, browser, report, shots: Path) -> None:
    height = 2200 if spec.slug == "train_char_lstm" else 1800
    v = harness.visit(browser, app.url("" if spec.default else spec.slug, lang), height=height)
    shot = shots / f"{spec.slug}-{lang}.png"
    try:
        _check_shell(v.page, spec, lang)
        outcome = CHECKS.get(spec.slug, lambda *_: None)(v.page, lang, shot)
        assert not harness.problems(v), harness.problems(v)
    finally:
        v.page.screenshot(path=shot)
        v.close()
    row = {"page": spec.slug, "lang": lang, "open_s": round(v.open_s, 3)}
    if outcome is not None:
        row.update({k: round(x, 3) if isinstance(x, float) else x for k, x in asdict(outcome).items()})
        row["seen"] = row["seen"][:200]
    report["pages"].append(row)



def test_a_teachers_link_opens_generate_as_set_and_back_restores_it(app, browser) -> None:
    """Issue 16: the settings live in the URL; a link opens the page as set, a change goes into the address
    (a new history entry), and the browser's Back button takes the page back with it."""
    v = harness.visit(browser, f"{app.base}/generate_text?method=greedy&seed=3&prime=ANNA%3A")
    page = v.page
    try:
        seed = page.locator(key_css("generate.seed")).locator("input")
        assert page.locator(key_css("generate.prime")).locator("textarea").input_value() == "ANNA:"
        assert seed.input_value() == "3"
        options = page.locator(key_css("generate.method")).get_by_role("radio")
        checked = [options.nth(j).inner_text().strip() for j in range(options.count())
                   if options.nth(j).get_attribute("aria-checked") == "true"]
        assert checked == [t("page.generate_text.method.greedy", lang="en")]
        actions.set_number(page, "generate.seed", 5)
        harness.wait_for(lambda: "seed=5" in page.url, "seed=5 in the address")
        page.go_back()
        harness.wait_for(lambda: "seed=3" in page.url and seed.input_value() == "3", "Back: the seed 3 again")
        harness.settle(page)
        assert "method=greedy" in page.url and not harness.problems(v), harness.problems(v)
    finally:
        v.close()
