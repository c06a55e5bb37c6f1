"""The main action of each dashboard page, done in a browser the way a person does it, timed.

Each action takes a page that is open on its dashboard page (:func:`harness.visit`) and returns an
:class:`Outcome`: what the person now sees, the seconds from the click to the first result on screen
(``first_s``) and to the end of the script run that made it (``done_s``). An action waits for its result and
raises ``TimeoutError`` saying what was not seen. ``i`` varies the input from one call to the next (the
load test repeats actions), so a new result differs from the one on screen.

Elements are found by widget key (:func:`harness.key_css`) and ``data-testid``; where a label must be read
(a radio option, the progress text), it comes from ``dashboard/locales`` through :func:`dashboard.i18n.t`.

* ``generate_text``: press Generate; first result: the first streamed characters; full: all ``n_chars`` of them
  on screen (the page's default length, 300); then the next-character chart.
* ``ngram_vs_rnn``: open the page; first result: the per-character surprisal chart drawn.
* ``translate``: press Translate (the default sentences, or another one); first result: the French output.
* ``caption_image``: pick another example picture; first result: its caption.
* ``train_char_lstm``: start a run (:func:`train_start`); first result: step 1 in the progress bar, then a
  training-loss point in the live chart; :func:`train_stop` stops it.
"""

from __future__ import annotations

import os
import re
import string
import time
from collections.abc import Callable
from dataclasses import dataclass

from harness import MAIN, TIMEOUT_S, is_idle, key_css, plot_points, plot_signature, settle, texts, wait_for

from dashboard.i18n import STRINGS, t


@dataclass(frozen=True)
class Outcome:
    action: str
    first_s: float  # from the click (or navigation) to the first result on screen
    done_s: float  # ... to the end of the script run that made it
    seen: str  # what the person sees: the text, the translation, the caption, the progress
    full_s: float | None = None  # ... to the whole result on screen, where it arrives in pieces (Generate)


def _click(page, key: str) -> float:
    """Click the button with widget key ``key``; the monotonic time of the click."""
    button = page.locator(key_css(key)).get_by_role("button")
    button.wait_for()
    t0 = time.monotonic()
    button.click()
    return t0


def _first_new_text(page, css: str, before: str, t0: float, timeout_s: float) -> tuple[str, float]:
    """Wait until the first element under ``css`` shows a text other than ``before``; (text, seconds since t0)."""
    seen: list[str] = []

    def changed() -> bool:
        now = texts(page.locator(css))
        if now and now[0] and now[0] != before:
            seen.append(now[0])
            return True
        return False

    wait_for(changed, f"a new result in {css}", timeout_s)
    return seen[-1], time.monotonic() - t0


def _text_length(page, css: str) -> int:
    """The number of characters of the first element under ``css``, spaces and line breaks included (0: none)."""
    return page.evaluate("css => (document.querySelector(css) || {textContent: ''}).textContent.length", css)


def _done(page, t0: float, timeout_s: float) -> float:
    wait_for(lambda: is_idle(page), "the end of the script run", timeout_s)
    return time.monotonic() - t0


def set_number(page, key: str, value: int, timeout_s: float = TIMEOUT_S) -> None:
    """Type ``value`` into the number input with widget key ``key`` and let the app rerun."""
    box = page.locator(key_css(key)).locator("input")
    box.fill(str(value))
    box.press("Enter")
    settle(page, timeout_s)


def set_text(page, key: str, value: str, param: str, timeout_s: float = TIMEOUT_S) -> None:
    """Type ``value`` into the text area with widget key ``key``, submit it (Ctrl+Enter) and wait until the app has
    it: the page's URL parameter ``param`` shows it (not a page default). A key press the browser dropped (a busy
    machine) is pressed again; otherwise the next click would run with the old text."""
    box = page.locator(key_css(key)).locator("textarea")
    box.fill(value)
    for _ in range(3):
        box.press("Control+Enter")
        settle(page, timeout_s)
        try:
            wait_for(lambda: page.evaluate("p => new URLSearchParams(location.search).get(p)", param) == value,
                     f"the new {param} in the page's address", min(timeout_s, 10))
            return
        except TimeoutError:
            box.focus()
    raise TimeoutError(f"the app did not take the new {param} ({value!r})")


def set_slider(page, key: str, value: str, timeout_s: float = TIMEOUT_S) -> None:
    """Move the slider with widget key ``key`` by keyboard, up or down, until its thumb shows ``value``."""
    thumb = page.locator(key_css(key)).get_by_role("slider")
    shown = page.locator(key_css(key)).get_by_test_id("stSliderThumbValue")
    for key_name in ("ArrowRight", "ArrowLeft"):
        for _ in range(32):
            if texts(shown) == [value]:
                settle(page, timeout_s)
                return
            thumb.press(key_name)
    raise ValueError(f"slider {key!r} has no value {value!r} (it shows {texts(shown)})")


def template_regex(key: str, lang: str) -> re.Pattern:
    """A pattern that reads the numbers back out of the text of i18n ``key`` in ``lang`` (group per placeholder).

    >>> m = template_regex("page.train_char_lstm.progress", "en").search("Step 1,200 of 5,000")
    >>> m.group("step"), m.group("total")
    ('1,200', '5,000')
    """
    parts = []
    for literal, name, _spec, _conv in string.Formatter().parse(STRINGS[key][lang]):
        parts.append(re.escape(literal))
        if name:
            parts.append(rf"(?P<{name}>[\d,.]+)")
    return re.compile("".join(parts))


# ------------------------------------------------------------------------------------------- pages
def _another(i: int, n: int) -> int:
    """The input (of ``n``) for the ``i``-th call of an action: never the one of call ``i - 1`` nor of call ``i - 4``
    (the load test's visitors come back to a page every 4 actions), so each result differs from the one on screen.

    >>> [_another(i, 4) for i in range(1, 10)]
    [1, 2, 3, 1, 2, 3, 0, 2, 3]
    """
    return (i + i // 4) % n


#: Primes the repeated Generate actions cycle through: greedy decoding ignores the seed, and the same prime would
#: give the same text again, which the browser cannot tell from the old one (the server may send it in one piece).
GENERATE_PRIMES = ("ROMEO:", "JULIET:", "First Citizen:", "KING HENRY:")


def generate(page, lang: str, i: int = 0, timeout_s: float = TIMEOUT_S, n_chars: int = 300) -> Outcome:
    """Generate text (seed ``i``; for ``i`` > 0 also another prime, so that greedy decoding writes another text):
    the streamed text until its ``n_chars`` new characters are all on screen (after the prime), then the
    next-character chart."""
    if i:
        set_number(page, "generate.seed", i, timeout_s)
        set_text(page, "generate.prime", GENERATE_PRIMES[_another(i, len(GENERATE_PRIMES))], "prime", timeout_s)
    out = f"{MAIN} [data-testid='stCode']"
    before = (texts(page.locator(out)) or [""])[0]
    prime = page.locator(key_css("generate.prime")).locator("textarea").input_value()
    t0 = _click(page, "generate.go")
    _, first = _first_new_text(page, out, before, t0, timeout_s)
    wait_for(lambda: _text_length(page, out) >= len(prime) + n_chars - 2, f"{n_chars} generated characters",
             timeout_s, poll_s=0.01)  # (a code block may drop the text's last newline)
    full = time.monotonic() - t0
    done = _done(page, t0, timeout_s)
    wait_for(lambda: plot_points(page, MAIN) > 0, "the next-character chart", timeout_s)
    return Outcome("generate", first, done, texts(page.locator(out))[0], full_s=full)


def ngram(page, lang: str, i: int = 0, timeout_s: float = TIMEOUT_S) -> Outcome:
    """Show the next passage of the validation text (the passage slider one step by keyboard; back one step at
    the last passage; without a data directory, the n-gram order one step instead): first result when the
    surprisal chart is drawn for it.

    (A visitor's main action on this page. Opening the page is timed apart: "page open" in the browser tests.)
    """
    chart = key_css("ngram_vs_rnn.strip_chart")
    wait_for(lambda: plot_points(page, chart) > 0, "the surprisal chart", timeout_s)
    slider = page.locator(key_css("ngram_vs_rnn.passage"))
    if slider.count() == 0:  # no data directory: one built-in passage, no passage slider; change the order instead
        slider = page.locator(key_css("ngram_vs_rnn.order"))
    thumb = slider.get_by_role("slider")
    at_end = thumb.input_value() == thumb.get_attribute("max")  # (an <input type="range">)
    before = plot_signature(page, chart)
    shown = slider.get_by_test_id("stSliderThumbValue")
    value = texts(shown)
    t0 = time.monotonic()
    thumb.press("ArrowLeft" if at_end else "ArrowRight")
    try:  # the slider's new value first: a key press the browser dropped (CI, a busy machine) is pressed again
        wait_for(lambda: texts(shown) != value, "the slider's new value", min(timeout_s, 10))
    except TimeoutError:
        thumb.focus()
        t0 = time.monotonic()
        thumb.press("ArrowLeft" if at_end else "ArrowRight")
    wait_for(lambda: plot_points(page, chart) > 0 and plot_signature(page, chart) != before,
             "the surprisal chart of the next passage", timeout_s)
    first = time.monotonic() - t0
    return Outcome("ngram", first, _done(page, t0, timeout_s), f"{plot_points(page, chart)} points")


TRANSLATE_INPUTS = ("Where is the train station?", "I would like a cup of coffee, please.",
                    "We are going to the beach tomorrow.", "She reads a book every evening.")


def translate(page, lang: str, i: int = 0, timeout_s: float = TIMEOUT_S) -> Outcome:
    """Translate the default sentences (``i`` = 0) or one of :data:`TRANSLATE_INPUTS` (another one than the last
    call's: the same sentence again gives the same French, which the browser cannot tell from the old one): the
    French output."""
    if i:
        set_text(page, "translate.text", TRANSLATE_INPUTS[_another(i, len(TRANSLATE_INPUTS))], "text", timeout_s)
    out = f"{MAIN} [data-testid='stCode']"
    before = (texts(page.locator(out)) or [""])[0]
    t0 = _click(page, "translate.go")
    text, first = _first_new_text(page, out, before, t0, timeout_s)
    return Outcome("translate", first, _done(page, t0, timeout_s), text)


def caption(page, lang: str, i: int = 0, timeout_s: float = TIMEOUT_S) -> Outcome:
    """Pick the example picture after the one shown (``i`` more on): its caption."""
    examples = page.locator(key_css("caption.example")).get_by_role("radio")
    examples.first.wait_for()
    n = examples.count()
    shown_i = next((j for j in range(n) if examples.nth(j).get_attribute("aria-checked") == "true"), 0)
    pick = (shown_i + 1 + i % max(1, n - 1)) % n
    shown = f"{MAIN} h4"
    before = (texts(page.locator(shown)) or [""])[0]
    t0 = time.monotonic()
    examples.nth(pick).click()
    text, first = _first_new_text(page, shown, before, t0, timeout_s)
    return Outcome("caption", first, _done(page, t0, timeout_s), text.strip("“”\"' "))


# ------------------------------------------------------------------------------------------- train
_P = "page.train_char_lstm."


def training_text() -> str | None:
    """None when the Train page's default corpus is in the data directory (``$RNN_DATA_DIR``), so a run can
    start on it as the page opens; else a text to paste (a Shakespeare passage, repeated to 22,000 characters)."""
    from engine.data import TEXT_CORPORA, CorpusNotFoundError, DataError, load_text
    from engine.data.corpora import ENV_DATA_DIR
    from engine.lm.compare import BUILTIN_PASSAGE

    try:
        load_text(TEXT_CORPORA[0], os.environ.get(ENV_DATA_DIR), download=False)
        return None
    except (CorpusNotFoundError, DataError, OSError):
        return (BUILTIN_PASSAGE.strip() + "\n\n") * 50


def train_step(page, lang: str) -> int:
    """The step the progress bar shows (0 while there is none)."""
    found = texts(page.locator(f"{MAIN} [data-testid='stProgress']"))
    m = template_regex(_P + "progress", lang).search(found[0]) if found else None
    return int(m.group("step").replace(",", "").replace(".", "")) if m else 0


def train_start(page, lang: str, text: str | None = None, *, max_steps: int = 200, every: int | None = None,
                hidden: int | None = None, timeout_s: float = TIMEOUT_S) -> Outcome:
    """Start a run: on the page's default corpus, or on ``text`` pasted; ``every``: validate and sample interval;
    ``hidden``: the hidden size (default: the page's).

    First result: step 1 in the progress bar; done: a loss point in the live chart.
    """
    if text is not None:
        page.locator(key_css("train.source")).get_by_text(t(_P + "source.paste", lang=lang), exact=True).click()
        settle(page, timeout_s)
        box = page.locator(key_css("train.paste")).locator("textarea")
        box.fill(text)
        box.press("Control+Enter")
        settle(page, timeout_s)
    if hidden is not None:
        set_slider(page, "train.hidden", str(hidden), timeout_s)
    set_number(page, "train.max_steps", max_steps, timeout_s)
    if every:
        set_number(page, "train.eval_every", every, timeout_s)
        set_number(page, "train.sample_every", every, timeout_s)
    t0 = _click(page, "train.start")
    first = wait_for(lambda: train_step(page, lang) >= 1, "step 1 of the run in the progress bar", timeout_s)
    wait_for(lambda: plot_points(page, MAIN, trace=t(_P + "c.train", lang=lang)) > 0,
             "a training loss point in the live chart", timeout_s)
    return Outcome("train", first, time.monotonic() - t0,
                   texts(page.locator(f"{MAIN} [data-testid='stProgress']"))[0])


def train_stop(page, lang: str, timeout_s: float = TIMEOUT_S) -> Outcome:
    """Press Stop: the run's status says stopped and Resume is offered (the trainer ends its step first)."""
    t0 = _click(page, "train.stop")
    stopped = page.locator(MAIN).get_by_text(t(_P + "status.stopped", lang=lang), exact=True)
    first = wait_for(lambda: stopped.count() > 0 and page.locator(key_css("train.resume")).count() > 0,
                     "the stopped status and the Resume button", timeout_s)
    settle(page, timeout_s)
    return Outcome("train_stop", first, time.monotonic() - t0, texts(stopped)[0])


#: slug -> the page's main action, for the pages that have one to repeat (training is started and stopped apart).
ACTIONS: dict[str, Callable[..., Outcome]] = {
    "generate_text": generate,
    "ngram_vs_rnn": ngram,
    "translate": translate,
    "caption_image": caption,
}
