"""Instant pages: the seconds from a click to its result on screen, in headless Chromium, one visitor at a time.

    python benchmarks/page_timings.py                      # starts the app on a free loopback port
    python benchmarks/page_timings.py --repeats 5 --cold-starts 3 --json timings.json
    python benchmarks/page_timings.py --only generate --cold-starts 0      # the Generate rows alone

1. Cold start: a fresh ``streamlit run streamlit_app.py``, from starting the process to the Home page's title
   on screen in Chromium (``--cold-starts`` fresh servers; the files are then in the OS cache).
2. Each page's main action (``tests/browser/actions.py``), after the page's model is loaded (the first action on
   a page loads it and is not counted), ``--repeats`` times: Generate with each decoding method (greedy,
   sampling, top-k, top-p: the page opened with ``?method=...``, the way a teacher's link opens it, and 300
   characters, the page's default), N-gram (the next passage picked until
   its surprisal chart is drawn for it), Translate
   (Translate pressed), Caption (another example picture picked).

Printed: a Markdown table per part. Columns: first result (click to the first sign of the result), full (to
the whole result on screen: Generate's 300 characters; the others show theirs at once) and done (to the end of
the script run, charts and all). The targets (issue 16): first result within 1 s, Generate's 300 characters
within 0.5 s, Home within 3 s of ``streamlit run``, on a quiet machine.

:func:`measure` returns the numbers and :func:`render` the tables, for ``benchmarks/reliability_report.py``.
Needs playwright and Chromium (``/usr/bin/chromium`` or ``$RNN_CHROMIUM``); loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT, ROOT / "tests" / "browser"):  # the browser helpers are shared with the browser tests
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import actions  # noqa: E402
import harness  # noqa: E402

GENERATE_METHODS = ("greedy", "sample", "top_k", "top_p")
TARGETS = {"first_s": 1.0, "generate_full_s": 0.5, "cold_start_s": 3.0}


def cold_start(browser, runs_dir: Path) -> float:
    """Seconds from starting a fresh server to the Home page's title on screen."""
    with harness.AppServer(runs_dir) as server:
        server.wait_ready()
        t_goto = time.monotonic()
        v = harness.visit(browser, server.url())
        v.close()
        return t_goto - server.started + v.open_s


def _cases(server: harness.AppServer) -> list[tuple[str, str, object]]:
    """(row name, address, action) of every main action measured."""
    rows = [(f"generate ({m})", f"{server.base}/generate_text?method={m}", actions.generate) for m in GENERATE_METHODS]
    return rows + [(actions.ACTIONS[slug].__name__, server.url(slug), actions.ACTIONS[slug])
                   for slug in ("ngram_vs_rnn", "translate", "caption_image")]


def actions_timed(browser, server: harness.AppServer, repeats: int, only: str = "") -> list[dict]:
    """One row per action (those whose name starts with ``only``): the seconds of its ``repeats`` runs after a
    first (loading) one."""
    rows = []
    for name, url, action in [c for c in _cases(server) if c[0].startswith(only)]:
        v = harness.visit(browser, url)
        try:
            action(v.page, "en", 0)  # loads the page's model (not counted)
            runs = [action(v.page, "en", i) for i in range(1, repeats + 1)]
            problems = harness.problems(v)
        finally:
            v.close()
        rows.append({"action": name, "first_s": [r.first_s for r in runs], "done_s": [r.done_s for r in runs],
                     "full_s": [r.full_s if r.full_s is not None else r.first_s for r in runs],
                     "problems": problems})
    return rows


def measure(repeats: int = 3, cold_starts: int = 2, only: str = "") -> dict:
    """Cold starts and per-action seconds, with the machine's load average before and after."""
    before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="page-timings-") as tmp, harness.chromium() as browser:
        starts = [cold_start(browser, Path(tmp) / f"cold{i}") for i in range(cold_starts)]
        with harness.AppServer(Path(tmp) / "runs") as server:
            server.wait_ready()
            rows = actions_timed(browser, server, repeats, only)
    return {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "repeats": repeats, "only": only,
            "cold_start_s": starts, "actions": rows, "load_avg": [before, os.getloadavg()]}


def _p50(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f}" if xs else "–"


def _max(xs: list[float]) -> str:
    return f"{max(xs):.2f}" if xs else "–"


def render(m: dict) -> str:
    """The Markdown tables of :func:`measure`'s result."""
    (b1, _, _), (a1, _, _) = m["load_avg"]
    lines = [
        f"`python benchmarks/page_timings.py --repeats {m['repeats']}"
        f"{' --only ' + m['only'] if m.get('only') else ''}` ({m['when']}; load average before "
        f"{b1:.1f}, after {a1:.1f}): seconds from the click to the result in Chromium, after the model is loaded.",
        "",
        "| action | runs | first result p50 | first max | full p50 | full max | done p50 | problems |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in m["actions"]:
        lines.append(f"| {r['action']} | {len(r['first_s'])} | {_p50(r['first_s'])} | {_max(r['first_s'])} | "
                     f"{_p50(r['full_s'])} | {_max(r['full_s'])} | {_p50(r['done_s'])} | "
                     f"{'; '.join(r['problems'])[:200] or 'none'} |")
    starts = m["cold_start_s"]
    if starts:
        lines += ["", f"Cold start (`streamlit run` to the Home page's title on screen), {len(starts)} fresh "
                      f"servers: median **{_p50(starts)} s** ({', '.join(f'{x:.2f}' for x in starts)} s)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per action, after the loading one")
    ap.add_argument("--cold-starts", type=int, default=2, help="fresh servers started for the cold start")
    ap.add_argument("--only", default="", help="only the actions whose name starts with this (generate, ngram, ...)")
    ap.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = ap.parse_args(argv)
    if (reason := harness.browser_unavailable()) is not None:
        print(f"cannot measure: {reason}", file=sys.stderr)
        return 2
    m = measure(args.repeats, args.cold_starts, args.only)
    print(render(m))
    if args.json:
        args.json.write_text(json.dumps(m, indent=1) + "\n")
    return 1 if any(r["problems"] for r in m["actions"]) else 0


if __name__ == "__main__":
    raise SystemExit(main())
