"""Load test: visitors using the app at once, in headless Chromium or over the wire, while two runs train.

    python benchmarks/load_test.py                            # starts the app on a free loopback port
    python benchmarks/load_test.py --sessions 6 --seconds 120 --hidden 512
    python benchmarks/load_test.py --url http://127.0.0.1:8501 --pid 4242   # a running app (pid: its memory)
    python benchmarks/load_test.py --wire --sessions 8        # visitors without a browser (the server's time)

First ``--trainers`` visitors (2: the server's cap of runs training at once) each start a run on the Train
page, through the page as a person does (``--hidden``: its hidden size; the page's default otherwise). Then
``--sessions`` visitors, each in its own browser, go round the pages with a main action (Generate, N-gram,
Translate, Caption; each visitor starts at another one, half of them in Korean), switching pages by the
sidebar and doing the page's action (``tests/browser/actions.py``), until ``--seconds`` have passed; the
runs are stopped at the end. Printed: the seconds from click to first result per action (p50, p95, max),
the errors (exception boxes, browser page errors, timeouts), the server's peak resident memory (its process
tree sampled every 0.2 s, and its VmHWM) and the steps the runs trained meanwhile.

The visitors' browsers run on this machine, sharing its CPUs with the server (on a public host each visitor's
browser runs on the visitor's own machine): ``--browser-nice N`` starts them at a lower priority than the server
(default 0: the same). The seconds measured are the server's work plus the drawing in a browser that shares the
CPUs with it; ``benchmarks/bench_inference_threads.py`` times the server's part alone.

``--wire``: the visitors (and the trainers) speak Streamlit's websocket protocol instead
(``benchmarks/wire_visitor.py``): the same pages and actions, each visitor's session as a browser's, but no
drawing; the seconds are from the request to the server sending the first result, as a visitor with their own
computer waits for it (plus their own drawing). The trainers' live panels tick every 1.5 s as in a browser.
Before the clock starts, each action page is opened and used once (the models loaded, as on a server that has
been up a while). ``--think S``: each visitor pauses 0.5-1.5 x S seconds between actions (a person reads the
result before the next click); 0, the default, is a stress test: every visitor clicks again at once.

Loopback only. Bounded in time: ``--seconds`` plus the start of the runs plus one action's ``--timeout``.
Needs playwright and Chromium (``/usr/bin/chromium`` or ``$RNN_CHROMIUM``). ``RNN_LOAD_EVIDENCE=DIR``: a screenshot
and the address of each browser visitor whose action failed go into DIR. ``--json FILE`` writes the result
(``benchmarks/reliability_report.py`` reads it); ``tests/browser/test_load.py`` runs a short version in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the browser helpers are shared with the browser tests; wire_visitor is beside this file
for _p in (ROOT, ROOT / "tests" / "browser", ROOT / "benchmarks"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import actions  # noqa: E402
import harness  # noqa: E402
import numpy as np  # noqa: E402
import wire_visitor as wire  # noqa: E402

ACTION_PAGES = list(actions.ACTIONS)  # generate_text, ngram_vs_rnn, translate, caption_image
NAMES = {slug: action.__name__ for slug, action in actions.ACTIONS.items()}  # the Outcome's action name
LANGS = ("en", "ko")
#: The visitors' browsers' niceness by default. On a public host the visitors' browsers run on their own machines;
#: here they share the 2 CPUs with the server. Tried at +5 (2026-11-29): the browsers then wait for everything else
#: and draw later, so the seconds to a result on screen grew (translate p95 34 s vs 15 s): the default is 0.
BROWSER_NICE = 0


@dataclass
class LoadResult:
    url: str
    sessions: int
    seconds: float
    trainers: int
    hidden: int | None
    browser_nice: int = 0  # the visitors' browsers' niceness (the server's is 0, its training processes' 10)
    visitors: str = "browser"  # "browser": headless Chromium; "wire": Streamlit's protocol, no browser
    think_s: float = 0.0  # mean pause of a visitor between two actions (0: none, each acts again at once)
    first_s: dict[str, list[float]] = field(default_factory=dict)  # action -> click to first result
    done_s: dict[str, list[float]] = field(default_factory=dict)  # action -> click to end of the script run
    errors: list[str] = field(default_factory=list)
    runs: list[dict] = field(default_factory=list)  # per training run: first step after Start, steps trained
    peak_bytes: int | None = None
    end_bytes: int | None = None
    peak_pss_bytes: int | None = None  # the same tree, each shared page counted once (what the host really holds)
    load_avg: tuple[float, float, float] | None = None
    cpus: int | None = os.cpu_count()

    def add(self, out: actions.Outcome) -> None:
        self.first_s.setdefault(out.action, []).append(out.first_s)
        self.done_s.setdefault(out.action, []).append(out.done_s)

    def stats(self) -> list[dict]:
        """Per action: runs, p50/p95/max of first result and p50 of done, errors (those naming the action)."""
        rows = []
        for action in NAMES.values():
            xs = np.array(self.first_s.get(action, []))
            done = np.array(self.done_s.get(action, []))
            rows.append({"action": action, "n": len(xs),
                         "p50_s": float(np.percentile(xs, 50)) if len(xs) else None,
                         "p95_s": float(np.percentile(xs, 95)) if len(xs) else None,
                         "max_s": float(xs.max()) if len(xs) else None,
                         "done_p50_s": float(np.percentile(done, 50)) if len(done) else None,
                         "errors": sum(e.startswith(action + ":") for e in self.errors)})
        return rows


def tree_pss_bytes(pid: int) -> int | None:
    """Proportional set size of ``pid`` and its descendants (``/proc/*/smaps_rollup``), in bytes; None without it.

    The training processes map the same torch libraries as the server: summing resident sizes counts those pages
    once per process, the proportional size counts each page once, as the host's memory (and a cgroup) does.
    """
    total, seen = 0, False
    for p in harness._process_tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                kb = next((int(ln.split()[1]) for ln in f if ln.startswith("Pss:")), None)
        except OSError:
            continue
        if kb is not None:
            total, seen = total + 1024 * kb, True
    return total if seen else None


class PssSampler:
    """The peak of :func:`tree_pss_bytes` while the load runs, sampled every ``every_s`` seconds."""

    def __init__(self, pid: int | None, every_s: float = 0.5) -> None:
        self.peak: int | None = None
        self._stop = threading.Event()
        if pid is not None:
            threading.Thread(target=self._run, args=(pid, every_s), name="pss", daemon=True).start()

    def _run(self, pid: int, every_s: float) -> None:
        while not self._stop.wait(every_s):
            pss = tree_pss_bytes(pid)
            if pss is None:
                return
            self.peak = max(self.peak or 0, pss)

    def stop(self) -> int | None:
        self._stop.set()
        return self.peak


def think_time(k: int, i: int, mean_s: float) -> float:
    """Visitor ``k``'s pause after its ``i``-th action: uniform in [0.5, 1.5] x ``mean_s`` (a person reads the result
    before the next click; Locust's ``between``), the same for the same ``(k, i)``.

    >>> think_time(0, 1, 0.0), 5.0 <= think_time(3, 7, 10.0) <= 15.0, think_time(3, 7, 10.0) == think_time(3, 7, 10.0)
    (0.0, True, True)
    """
    return mean_s * random.Random(k * 1_000_003 + i).uniform(0.5, 1.5) if mean_s > 0 else 0.0


def _error(action: str, exc: BaseException) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"{action}: {type(exc).__name__}: {first_line}"


def _go(v: harness.Visit, base: str, slug: str, lang: str, timeout_s: float) -> None:
    """Switch page by the sidebar's link, as a person does (same session); a fresh load when there is none."""
    link = v.page.locator(f"[data-testid='stSidebarNavLink'][href$='/{slug}']")
    if link.count():
        link.first.click()
    else:
        v.page.goto(f"{base}/{slug}" + ("" if lang == "en" else f"?lang={lang}"))
    harness.wait_for(lambda: v.page.evaluate("location.pathname").endswith("/" + slug), f"the {slug} page", timeout_s)
    harness.settle(v.page, timeout_s)


class _Start:
    """The moment the visitors start together (when the runs train and every browser is up), and their deadline."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.deadline, self.go = seconds, 0.0, threading.Event()

    def start(self) -> None:
        self.deadline = time.monotonic() + self.seconds
        self.go.set()


def _session(k: int, base: str, start: _Start, ready: threading.Event, result: LoadResult, timeout_s: float) -> None:
    """Visitor ``k``: round the action pages from the k-th, in English or Korean, at least once, until the deadline."""
    lang = LANGS[k % len(LANGS)]
    order = ACTION_PAGES[k % len(ACTION_PAGES):] + ACTION_PAGES[:k % len(ACTION_PAGES)]
    try:
        with harness.chromium(nice=result.browser_nice) as browser:
            v = harness.visit(browser, f"{base}/" + ("" if lang == "en" else f"?lang={lang}"), timeout_s=timeout_s)
            ready.set()
            start.go.wait()
            i = 0
            while i == 0 or time.monotonic() < start.deadline:
                slug = order[i % len(order)]
                i += 1
                try:
                    _go(v, base, slug, lang, timeout_s)
                    result.add(actions.ACTIONS[slug](v.page, lang, i, timeout_s))
                    seen = harness.problems(v)
                except Exception as exc:  # a timeout or a broken page: count it, carry on as a new visitor
                    seen = [str(exc)]
                    _evidence(v, f"visitor{k}-{i}-{slug}")
                if seen:
                    result.errors.extend(f"{NAMES[slug]}: {s[:300]}" for s in seen)
                    v.close()
                    v = harness.visit(browser, f"{base}/{slug}" + ("" if lang == "en" else f"?lang={lang}"),
                                      timeout_s=timeout_s)
                time.sleep(min(think_time(k, i, result.think_s), max(0.0, start.deadline - time.monotonic())))
            v.close()
    except Exception as exc:
        result.errors.append(_error(f"session {k}", exc))
    finally:
        ready.set()


def _trainers(base: str, result: LoadResult, running: threading.Event, stop: threading.Event,
              timeout_s: float) -> None:
    """Start ``result.trainers`` runs, each as another visitor; when ``stop`` is set, stop them."""
    try:
        with harness.chromium(nice=result.browser_nice) as browser:
            text = actions.training_text()
            visits = []
            for k in range(result.trainers):
                lang = LANGS[k % len(LANGS)]
                v = harness.visit(browser, f"{base}/train_char_lstm" + ("" if lang == "en" else f"?lang={lang}"),
                                  height=2200, timeout_s=timeout_s)
                out = actions.train_start(v.page, lang, text, max_steps=20_000, hidden=result.hidden,
                                          timeout_s=timeout_s)
                visits.append((v, lang))
                result.runs.append({"lang": lang, "first_step_s": out.first_s})
            for run, (v, lang) in zip(result.runs, visits):
                run["step_at_load_start"] = actions.train_step(v.page, lang)
            running.set()
            while not stop.wait(0.5):
                pass
            for n, (run, (v, lang)) in enumerate(zip(result.runs, visits)):
                run["step_at_load_end"] = actions.train_step(v.page, lang)
                if run["step_at_load_end"] <= run["step_at_load_start"]:
                    _evidence(v, f"trainer{n}-no-progress")
                try:
                    actions.train_stop(v.page, lang, timeout_s)
                except Exception:
                    _evidence(v, f"trainer{n}-stop")
                    raise
                result.errors.extend(f"train: {s[:300]}" for s in harness.problems(v))
                v.close()
    except Exception as exc:
        result.errors.append(_error("train", exc))
    finally:
        running.set()


@contextlib.contextmanager
def _app(url: str | None, pid: int | None, runs_dir: Path | None):
    """The app under load, started here unless ``url`` is given (stopped at the end), and its memory watched:
    ``(url, measure_end)``; ``measure_end(result)`` records the load average and the peak memory."""
    with tempfile.TemporaryDirectory(prefix="rnnlab-load-") as tmp:
        server = None if url else harness.AppServer(runs_dir or Path(tmp) / "runs")
        try:
            if server is not None:
                server.wait_ready()
                url = server.base
            sampler = harness.MemorySampler(pid) if pid else None
            pss = PssSampler(pid or (server.proc.pid if server is not None else None))
            yield url, lambda result: _measure_end(result, server, sampler, pss, pid)
        finally:
            if server is not None:
                server.stop()


def _measure_end(result: LoadResult, server, sampler, pss: PssSampler, pid: int | None) -> None:
    """At the load's end: the load average and the server's peak memory (proportional, resident) into ``result``."""
    result.load_avg = os.getloadavg() if hasattr(os, "getloadavg") else None
    result.peak_pss_bytes = pss.stop()
    if server is not None:
        result.peak_bytes, result.end_bytes = server.peak_bytes(), server.rss_bytes()
    elif sampler is not None:
        sampler.stop()
        result.peak_bytes, result.end_bytes = sampler.peak or None, harness.tree_rss_bytes(pid)


def _evidence(v: harness.Visit, name: str) -> None:
    """With ``$RNN_LOAD_EVIDENCE`` set to a folder: a full-page screenshot and the address of a visitor whose action
    failed, so the failure can be seen, not guessed (the load test's errors are timing-dependent)."""
    folder = os.environ.get("RNN_LOAD_EVIDENCE")
    if not folder:
        return
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        v.page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
        (Path(folder) / f"{name}.url").write_text(v.page.url + "\n")
    except Exception as exc:  # the page may be gone: say so, never hide the original error
        print(f"load test: no evidence for {name}: {exc}", file=sys.stderr)


def run(*, sessions: int = 4, seconds: float = 60, trainers: int = 2, hidden: int | None = None,
        url: str | None = None, pid: int | None = None, runs_dir: Path | None = None,
        timeout_s: float = 90, browser_nice: int = 0, think_s: float = 0.0) -> LoadResult:
    """Run the load test (starting the app unless ``url`` is given); see the module docstring."""
    with _app(url, pid, runs_dir) as (url, measure_end):
        result = LoadResult(url=url, sessions=sessions, seconds=seconds, trainers=trainers, hidden=hidden,
                            browser_nice=browser_nice, think_s=think_s)
        running, stop, start = threading.Event(), threading.Event(), _Start(seconds)
        ready = [threading.Event() for _ in range(sessions)]
        trainer = threading.Thread(target=_trainers, args=(url, result, running, stop, timeout_s), daemon=True)
        threads = [threading.Thread(target=_session, args=(k, url, start, ready[k], result, timeout_s),
                                    daemon=True) for k in range(sessions)]
        for th in [trainer, *threads]:
            th.start()
        for event in [running, *ready]:
            event.wait()
        start.start()
        for th in threads:
            th.join(seconds + 3 * timeout_s)
        stop.set()
        trainer.join(3 * timeout_s)
        measure_end(result)
    return result


# ------------------------------------------------------------------------------- visitors over the wire
async def _wire_session(k: int, base: str, go: asyncio.Event, deadline: list[float], result: LoadResult,
                        timeout_s: float) -> None:
    """Visitor ``k`` over the wire: as :func:`_session`, without a browser."""
    lang = LANGS[k % len(LANGS)]
    order = ACTION_PAGES[k % len(ACTION_PAGES):] + ACTION_PAGES[:k % len(ACTION_PAGES)]
    v = None
    try:
        v = await wire.WireVisitor.open(base, "", lang=lang, timeout_s=timeout_s)
        await go.wait()
        i = 0
        while i == 0 or time.monotonic() < deadline[0]:
            slug = order[i % len(order)]
            i += 1
            try:
                wire.check_reply(await v.goto(slug, timeout_s), f"{NAMES[slug]}: open")
                result.add(await wire.ACTIONS[slug](v, lang, i, timeout_s))
            except Exception as exc:  # count it, carry on as a new visitor
                result.errors.append(_error(NAMES[slug], exc))
                await v.close()
                v = await wire.WireVisitor.open(base, "", lang=lang, timeout_s=timeout_s)
            await asyncio.sleep(min(think_time(k, i, result.think_s), max(0.0, deadline[0] - time.monotonic())))
    except Exception as exc:
        result.errors.append(_error(f"session {k}", exc))
    finally:
        if v is not None:
            await v.close()


async def _wire_trainers(base: str, result: LoadResult, running: asyncio.Event, stop: asyncio.Event,
                         timeout_s: float) -> None:
    """Start ``result.trainers`` runs over the wire; their live panels tick until ``stop``; then stop them."""
    visits: list[wire.WireVisitor] = []
    try:
        text = actions.training_text()
        for k in range(result.trainers):
            lang = LANGS[k % len(LANGS)]
            v = await wire.WireVisitor.open(base, "train_char_lstm", lang=lang, timeout_s=timeout_s)
            visits.append(v)
            first = await wire.train_start(v, lang, text, max_steps=20_000, timeout_s=timeout_s)
            result.runs.append({"lang": lang, "first_step_s": first})
        running.set()

        async def tick(v: wire.WireVisitor, run: dict) -> None:
            while not stop.is_set():
                step = wire.train_step(await wire.train_tick(v, timeout_s), run["lang"])
                if step is not None:
                    run.setdefault("step_at_load_start", step)
                    run["step_at_load_end"] = step

        await asyncio.gather(*(tick(v, run) for v, run in zip(visits, result.runs)))
        for v, run in zip(visits, result.runs):
            await wire.train_stop(v, run["lang"], timeout_s)
    except Exception as exc:
        result.errors.append(_error("train", exc))
    finally:
        running.set()
        for v in visits:
            await v.close()


def _run_async(coro, failure: list[BaseException]) -> None:
    try:
        asyncio.run(coro)
    except BaseException as exc:  # handed to the calling thread
        failure.append(exc)


async def _warm_up(url: str, timeout_s: float) -> None:
    """Open each action page once and do its action, so the models are loaded before the clock starts (a public
    server that has been up a while has them; a cold start is measured apart, in docs/reliability.md)."""
    v = await wire.WireVisitor.open(url, "", timeout_s=timeout_s)
    try:
        for slug, action in wire.ACTIONS.items():
            wire.check_reply(await v.goto(slug, timeout_s), f"warm-up: {slug}")
            await action(v, "en", 0, timeout_s)
    finally:
        await v.close()


async def _wire_load(url: str, result: LoadResult, timeout_s: float) -> None:
    await _warm_up(url, timeout_s)
    running, stop, go = asyncio.Event(), asyncio.Event(), asyncio.Event()
    deadline = [0.0]
    trainer = asyncio.create_task(_wire_trainers(url, result, running, stop, timeout_s))
    await running.wait()
    await asyncio.sleep(3)  # the runs' first ticks: their steps at the load's start
    sessions = [asyncio.create_task(_wire_session(k, url, go, deadline, result, timeout_s))
                for k in range(result.sessions)]
    await asyncio.sleep(0.5)  # every visitor's first page open
    deadline[0] = time.monotonic() + result.seconds
    go.set()
    await asyncio.gather(*sessions)
    stop.set()
    await trainer


def run_wire(*, sessions: int = 8, seconds: float = 60, trainers: int = 2, url: str | None = None,
             pid: int | None = None, runs_dir: Path | None = None, timeout_s: float = 90,
             think_s: float = 0.0) -> LoadResult:
    """The load test with visitors over the wire (``--wire``; see the module docstring)."""
    with _app(url, pid, runs_dir) as (url, measure_end):
        result = LoadResult(url=url, sessions=sessions, seconds=seconds, trainers=trainers, hidden=None,
                            visitors="wire", think_s=think_s)
        # in a thread of its own: the caller may have an event loop running in this one (playwright's sync API)
        failure: list[BaseException] = []
        th = threading.Thread(target=_run_async, args=(_wire_load(url, result, timeout_s), failure))
        th.start()
        th.join()
        if failure:
            raise failure[0]
        measure_end(result)
    return result


def _gb(n: int | None) -> str:
    return "n/a" if not n else f"{n / 1e9:.2f} GB"


def print_table(r: LoadResult) -> None:
    size = f"hidden size {r.hidden}" if r.hidden else "the page's default model"
    think = f", pausing {r.think_s:g} s on average between actions" if r.think_s else ", no pause between actions"
    print(f"RNN Lab load test: {r.sessions} visitors{think} for {r.seconds:.0f} s while {r.trainers} training runs "
          f"({size}) train; {r.url}; {r.cpus} CPUs, load average at the end "
          f"{'n/a' if not r.load_avg else ' '.join(f'{x:.1f}' for x in r.load_avg)}; "
          + ("visitors over the wire (no browser: seconds to the server's first result sent)" if r.visitors == "wire"
             else f"visitors' browsers at niceness {r.browser_nice}"))
    print(f"\n{'action':<10} {'runs':>5} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'done p50 s':>11} {'errors':>7}")
    for row in r.stats():
        cells = [f"{row[k]:.2f}" if row[k] is not None else "–" for k in ("p50_s", "p95_s", "max_s", "done_p50_s")]
        print(f"{row['action']:<10} {row['n']:>5} {cells[0]:>7} {cells[1]:>7} {cells[2]:>7} {cells[3]:>11} "
              f"{row['errors']:>7}")
    for k, run in enumerate(r.runs):
        steps = run.get("step_at_load_end", 0) - run.get("step_at_load_start", 0)
        print(f"training run {k + 1} ({run['lang']}): first step {run['first_step_s']:.1f} s after Start; "
              f"{steps} steps during the load")
    print(f"server memory: peak {_gb(r.peak_bytes)} resident (process tree sampled every 0.2 s, and VmHWM; the "
          f"libraries the training processes share with the server counted once per process); peak "
          f"{_gb(r.peak_pss_bytes)} proportional (each shared page counted once); {_gb(r.end_bytes)} at the end")
    print("errors: " + ("none" if not r.errors else f"{len(r.errors)}"))
    for e in r.errors[:20]:
        print(f"  {e}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=4, help="visitors using the pages at once")
    ap.add_argument("--seconds", type=float, default=60, help="how long they keep at it")
    ap.add_argument("--trainers", type=int, default=2, help="training runs started first (server cap: 2)")
    ap.add_argument("--hidden", type=int, default=None, help="hidden size of the runs (default: the page's)")
    ap.add_argument("--timeout", type=float, default=90, help="seconds one action may take before it is an error")
    ap.add_argument("--url", help="a running app (loopback) instead of starting one")
    ap.add_argument("--pid", type=int, help="with --url: the server's process id, to measure its memory")
    ap.add_argument("--json", type=Path, help="also write the result as JSON to this file")
    ap.add_argument("--browser-nice", type=int, default=BROWSER_NICE,
                    help="run the visitors' browsers at this lower CPU priority (0: the server's)")
    ap.add_argument("--think", type=float, default=0.0,
                    help="mean seconds a visitor pauses between actions (uniform 0.5-1.5x; 0: none)")
    ap.add_argument("--wire", action="store_true",
                    help="visitors without a browser, over Streamlit's websocket protocol (the server's time alone)")
    args = ap.parse_args(argv)
    if args.wire:
        if args.hidden is not None:
            ap.error("--hidden needs browser visitors (the wire trainers start the page's default model)")
        result = run_wire(sessions=args.sessions, seconds=args.seconds, trainers=args.trainers, url=args.url,
                          pid=args.pid, timeout_s=args.timeout, think_s=args.think)
    else:
        if (reason := harness.browser_unavailable()) is not None:
            print(f"cannot run: {reason}", file=sys.stderr)
            return 2
        result = run(sessions=args.sessions, seconds=args.seconds, trainers=args.trainers, hidden=args.hidden,
                     url=args.url, pid=args.pid, timeout_s=args.timeout, browser_nice=args.browser_nice,
                     think_s=args.think)
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps({**asdict(result), "stats": result.stats()}, indent=1) + "\n")
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
