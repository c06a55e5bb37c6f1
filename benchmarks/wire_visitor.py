"""A visitor without a browser: Streamlit's own websocket protocol, for load tests that time the server alone.

A browser visitor costs the machine it runs on a Chromium (hundreds of MB, and CPU to draw every chart). On a
public host that browser runs on the visitor's own computer; in a load test on one 2-core machine it competes
with the server, and the seconds measured are mostly drawing. A :class:`WireVisitor` speaks to the server the
way the browser's Streamlit frontend does, over ``/_stcore/stream``:

* it sends a ``BackMsg.rerun_script`` (the page, the query string, the widget values it changed, a button's
  trigger) and reads ``ForwardMsg``s until the server's ``script_finished``;
* it learns each widget's id from the elements the server sends (``$$ID-<hash>-<key>``: the widget's key is
  the id's tail), so an action names widgets by their key, as the browser tests do;
* it keeps the URL's query string as the page rewrites it (``page_info_changed``: the pages keep their settings
  in the URL, and read a URL that changed behind their back as the Back button);
* it follows ``auto_rerun`` (a fragment with ``run_every``, the Train page's live panel) when asked to tick.

What it does not do: draw, run JavaScript, or answer custom components. The server does all its usual work
(the script runs, the model answers, every element is serialised and sent), so the seconds are the server's
part of an action, as a person with their own computer would wait for it.

    >>> widget_key("$$ID-4530ac64d5339287d52f6c693c6d67a8-generate.seed")
    'generate.seed'
    >>> widget_key("") is None
    True
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["WireVisitor", "Reply", "widget_key", "PageError", "check_reply", "ACTIONS", "train_start", "train_step",
           "train_tick", "train_stop"]

FINISHED = {0: "ok", 1: "compile error", 2: "early for rerun", 3: "fragment ok"}


class PageError(RuntimeError):
    """The page showed an exception box, or the server did not finish the run in time."""


def widget_key(element_id: str) -> str | None:
    """The user key of a widget id ``$$ID-<32 hex>-<key>`` (None for an id without one)."""
    if not element_id.startswith("$$ID-"):
        return None
    rest = element_id[len("$$ID-"):]
    _, _, key = rest.partition("-")
    return key or None


@dataclass
class Reply:
    """What one rerun sent back: seconds from the request to the first element ``first`` matched (None: none
    did) and to ``script_finished``; the elements by kind, in order; exception messages."""

    first_s: float | None
    done_s: float
    elements: list[tuple[str, object, float]] = field(default_factory=list)  # (kind, proto, seconds)
    exceptions: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list:
        return [el for k, el, _ in self.elements if k == kind]

    def when(self, test: Callable[[str, object], bool]) -> float | None:
        """Seconds to the first element ``test(kind, element)`` accepts (None: none)."""
        return next((s for k, el, s in self.elements if test(k, el)), None)


class WireVisitor:
    """One browser tab's session, spoken over the websocket (see the module docstring).

    ``await WireVisitor.open(base, "generate_text", lang="ko")`` connects and runs the page once;
    :meth:`rerun` changes widgets (by key) and/or presses a button and waits for the run's end.
    """

    def __init__(self, ws, query: str) -> None:
        self.ws, self.query, self.base_query = ws, query, query
        self.ids: dict[str, str] = {}  # widget key -> id, from the elements seen
        self.protos: dict[str, object] = {}  # widget key -> its last element proto (options, max, value)
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.page_hash = ""
        self.fragment: tuple[str, float] | None = None  # (fragment id, interval s) of a ticking fragment
        self._fragment_run = False  # the request being answered reruns the fragment only

    @classmethod
    async def open(cls, base: str, page: str = "", lang: str = "en", timeout_s: float = 90) -> WireVisitor:
        import websockets

        url = base.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        ws = await websockets.connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=timeout_s)
        v = cls(ws, "" if lang == "en" else f"lang={lang}")
        await v.goto(page, timeout_s)
        return v

    async def close(self) -> None:
        await self.ws.close()

    async def goto(self, page: str, timeout_s: float = 90) -> Reply:
        """Open page ``page`` (its url path; "" the default page) in this session, as the sidebar link does."""
        self.ids.clear()
        self.protos.clear()
        self.query = self.base_query  # a new page's address: the language only (the page adds its settings)
        return await self._run(page_name=page, page_hash=self.pages.get(page, ""), timeout_s=timeout_s)

    async def rerun(self, values: dict[str, object] | None = None, press: str | None = None,
                    first: Callable[[str, object], bool] | None = None, fragment: bool = False,
                    timeout_s: float = 90) -> Reply:
        """Set widgets ``values`` (key -> value: bool, int, float, str; a list of floats for a slider, of strings (the
        chosen options' labels) for pills or a segmented control) and press the
        button with key ``press``; wait for the run's end. ``first(kind, element)`` marks the first result;
        ``fragment``: rerun only the ticking fragment (the browser's ``run_every`` timer)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        states = []
        for key, value in (values or {}).items():
            w = WidgetState(id=self._id(key))
            if isinstance(value, bool):
                w.bool_value = value
            elif isinstance(value, int):
                w.int_value = value
            elif isinstance(value, float):
                w.double_value = value
            elif isinstance(value, str):
                w.string_value = value
            elif all(isinstance(x, str) for x in value):
                w.string_array_value.data.extend(value)
            else:
                w.double_array_value.data.extend(float(x) for x in value)
            states.append(w)
        if press is not None:
            states.append(WidgetState(id=self._id(press), trigger_value=True))
        frag = self.fragment[0] if fragment and self.fragment else ""
        return await self._run(states=states, first=first, fragment_id=frag, page_hash=self.page_hash,
                               timeout_s=timeout_s)

    def _id(self, key: str) -> str:
        if key not in self.ids:
            raise PageError(f"no widget with key {key!r} on this page (seen: {sorted(self.ids)})")
        return self.ids[key]

    async def _run(self, *, states=(), first=None, fragment_id: str = "", page_name: str = "",
                   page_hash: str = "", timeout_s: float = 90) -> Reply:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        rs = msg.rerun_script
        rs.query_string, rs.page_name, rs.page_script_hash, rs.fragment_id = self.query, page_name, page_hash, \
            fragment_id
        rs.widget_states.widgets.extend(states)
        self._fragment_run = bool(fragment_id)
        t0 = time.monotonic()
        await self.ws.send(msg.SerializeToString())
        reply = Reply(first_s=None, done_s=0.0)
        try:
            await asyncio.wait_for(self._read_until_finished(reply, first, t0), timeout_s)
        except TimeoutError as exc:
            raise PageError(f"the run did not finish within {timeout_s:.0f} s") from exc
        return reply

    async def _read_until_finished(self, reply: Reply, first, t0: float) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        while True:
            f = ForwardMsg()
            f.ParseFromString(await self.ws.recv())
            kind = f.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = f.new_session.page_script_hash
                if not self._fragment_run:  # a full run: its fragments say again whether they tick
                    self.fragment = None
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in f.navigation.app_pages}
                self.page_hash = f.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":  # the page wrote its settings into the URL, as the browser keeps it
                self.query = f.page_info_changed.query_string
            elif kind == "auto_rerun":
                self.fragment = (f.auto_rerun.fragment_id, f.auto_rerun.interval)
            elif kind == "stop_auto_rerun":
                self.fragment = None
            elif kind == "delta" and f.delta.WhichOneof("type") == "new_element":
                el_kind = f.delta.new_element.WhichOneof("type")
                el = getattr(f.delta.new_element, el_kind)
                reply.elements.append((el_kind, el, time.monotonic() - t0))
                key = widget_key(getattr(el, "id", "") or "")
                if key:
                    self.ids[key], self.protos[key] = el.id, el
                if el_kind == "exception":
                    reply.exceptions.append(f"{el.type}: {el.message}"[:300])
                if reply.first_s is None and first is not None and first(el_kind, el):
                    reply.first_s = time.monotonic() - t0
            elif kind == "script_finished" and f.script_finished != 2:  # 2: ended early for a rerun it asked for
                reply.done_s = time.monotonic() - t0
                if f.script_finished == 1:
                    reply.exceptions.append("the script did not compile")
                return


# ------------------------------------------------------------------------------------------ page actions
# The same main actions as the browser tests (tests/browser/actions.py), by widget key; each returns an
# actions.Outcome: the seconds from the request to the first result sent and to the run's end.

def check_reply(reply: Reply, what: str) -> Reply:
    """``reply``, or :class:`PageError` naming ``what`` when the page showed an exception."""
    if reply.exceptions:
        raise PageError(f"{what}: the page showed {reply.exceptions[0]}")
    return reply


async def generate(v: WireVisitor, lang: str, i: int = 0, timeout_s: float = 90, n_chars: int = 300):
    """Generate with seed ``i``: first result, the first streamed characters after the prime; full, all ``n_chars``."""
    from actions import Outcome

    prime = v.protos["generate.prime"].default
    r = check_reply(await v.rerun({"generate.seed": i}, press="generate.go", timeout_s=timeout_s), "generate")
    first = r.when(lambda k, el: k == "code" and len(el.code_text) > len(prime))
    full = r.when(lambda k, el: k == "code" and len(el.code_text) >= len(prime) + n_chars - 2)
    if first is None or full is None:
        raise PageError(f"generate: no {n_chars} generated characters in the reply")
    return Outcome("generate", first, r.done_s, r.of("code")[-1].code_text, full_s=full)


async def ngram(v: WireVisitor, lang: str, i: int = 0, timeout_s: float = 90):
    """The next passage by its slider (back one at the last; the order slider without a data directory)."""
    from actions import Outcome

    key = "ngram_vs_rnn.passage" if "ngram_vs_rnn.passage" in v.protos else "ngram_vs_rnn.order"
    slider = v.protos[key]
    now = slider.value[0] if slider.set_value and slider.value else slider.default[0]
    new = now - 1 if now >= slider.max else now + 1
    chart = lambda k, el: k == "plotly_chart" and widget_key(el.id or "") == "ngram_vs_rnn.strip_chart"  # noqa: E731
    r = check_reply(await v.rerun({key: [new]}, timeout_s=timeout_s), "ngram")
    v.protos[key].ClearField("value")
    v.protos[key].default[:] = [new]
    if r.when(chart) is None:
        raise PageError("ngram: no surprisal chart in the reply")
    return Outcome("ngram", r.when(chart), r.done_s, f"{key} {new:g}")


async def translate(v: WireVisitor, lang: str, i: int = 0, timeout_s: float = 90):
    """Translate the default sentences (``i`` = 0) or another one: the French output."""
    from actions import TRANSLATE_INPUTS, Outcome

    values = {"translate.text": TRANSLATE_INPUTS[i % len(TRANSLATE_INPUTS)]} if i else {}
    r = check_reply(await v.rerun(values, press="translate.go", timeout_s=timeout_s), "translate")
    first = r.when(lambda k, el: k == "code")
    if first is None:
        raise PageError("translate: no translation in the reply")
    return Outcome("translate", first, r.done_s, r.of("code")[0].code_text)


async def caption(v: WireVisitor, lang: str, i: int = 0, timeout_s: float = 90):
    """Pick another example picture: its caption (the page's ``####`` line)."""
    from actions import Outcome

    options = v.protos["caption.example"].options
    pick = options[(1 + i) % len(options)].content
    r = check_reply(await v.rerun({"caption.example": [pick]}, timeout_s=timeout_s), "caption")
    heading = lambda k, el: k == "markdown" and el.body.startswith("####")  # noqa: E731
    if r.when(heading) is None:
        raise PageError("caption: no caption in the reply")
    text = next(el.body for el in r.of("markdown") if heading("markdown", el))
    return Outcome("caption", r.when(heading), r.done_s, text)


#: page url path -> its main action, as actions.ACTIONS
ACTIONS = {"generate_text": generate, "ngram_vs_rnn": ngram, "translate": translate, "caption_image": caption}


# ------------------------------------------------------------------------------------------------ train
_P = "page.train_char_lstm."


def train_step(reply: Reply, lang: str) -> int | None:
    """The step the reply's progress bar shows (None: no progress bar in it)."""
    from actions import template_regex

    bars = reply.of("progress")
    m = template_regex(_P + "progress", lang).search(bars[-1].text) if bars else None
    return int(m.group("step").replace(",", "").replace(".", "")) if m else None


async def train_start(v: WireVisitor, lang: str, text: str | None, max_steps: int = 20_000,
                      timeout_s: float = 90) -> float:
    """Start a run on the Train page (pasting ``text`` unless None: the default corpus); the seconds from Start to
    a progress bar showing step 1 or more (following the live panel's ticks)."""
    if text is not None:
        paste = v.protos["train.source"].options[("named", "upload", "paste").index("paste")]  # its label
        check_reply(await v.rerun({"train.source": paste}, timeout_s=timeout_s), "train: paste")
        check_reply(await v.rerun({"train.paste": text}, timeout_s=timeout_s), "train: paste")
    check_reply(await v.rerun({"train.max_steps": max_steps}, timeout_s=timeout_s), "train: steps")
    t0 = time.monotonic()
    r = check_reply(await v.rerun(press="train.start", timeout_s=timeout_s), "train: start")
    while (train_step(r, lang) or 0) < 1:
        if time.monotonic() - t0 > timeout_s:
            raise PageError("train: no step 1 in the progress bar")
        r = await train_tick(v, timeout_s)
    return time.monotonic() - t0


async def train_tick(v: WireVisitor, timeout_s: float = 90) -> Reply:
    """One tick of the live panel, after its interval, as the browser's ``run_every`` timer sends it."""
    if v.fragment is None:
        raise PageError("train: the live panel is not ticking")
    await asyncio.sleep(v.fragment[1])
    return check_reply(await v.rerun(fragment=True, timeout_s=timeout_s), "train: live panel")


async def train_stop(v: WireVisitor, lang: str, timeout_s: float = 90) -> Reply:
    """Press Stop; wait until the page offers Resume (the trainer ends its step and saves first)."""
    t0 = time.monotonic()
    r = check_reply(await v.rerun(press="train.stop", timeout_s=timeout_s), "train: stop")
    while "train.resume" not in {widget_key(getattr(el, "id", "") or "") for _, el, _ in r.elements}:
        if time.monotonic() - t0 > timeout_s:
            status = [el.body for el in r.of("markdown") if "status" in el.body.lower() or "상태" in el.body]
            raise PageError(f"train: no Resume button {timeout_s:.0f} s after Stop (status: {status[:1]}; "
                            f"widgets: {sorted(v.ids)})")
        await asyncio.sleep(0.5)
        r = check_reply(await v.rerun(timeout_s=timeout_s), "train: stop")
    return r
