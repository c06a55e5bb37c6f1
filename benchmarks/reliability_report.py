"""Write docs/reliability.md from measurements taken now: never edit that file by hand, run this.

    RNN_DATA_DIR=../shared/data python benchmarks/reliability_report.py            # about 10 minutes
    python benchmarks/reliability_report.py --sessions 6 --seconds 120 --screenshots

What it runs, in order (each part is its own command too):

1. the browser tests, ``pytest tests/browser/test_e2e.py``: every page in English and Korean, its main action,
   the seconds from click to first result (``--screenshots``: also docs/screenshots/ and the README's picture);
2. ``--cold-starts`` fresh servers (``tests/browser/harness.py``): seconds from starting ``streamlit run`` to the
   first page's title on screen; in the first one, every page opened and its main action done (every model
   loaded) and the server's resident memory read after each page;
3. the load test, ``benchmarks/load_test.py``: ``--sessions`` visitors for ``--seconds`` while two runs train, in
   headless Chromium; then over the wire (``--wire``: no browser, the server's part) with ``--wire-sessions``
   visitors, once with no pause between actions and once pausing ``--think`` seconds on average;
4. issue 15's regression tests, ``pytest -m hardening``: each case, what it checks, how it ended;
5. ``benchmarks/bench_inference_threads.py``: the pages' inference alone, while two runs train in processes of
   their own (as the app trains them), and while they train in threads of the server (as it did before), with
   1 and with 2 torch threads in the server (``--skip-threads-bench`` leaves it out);
6. ``benchmarks/page_timings.py``: one visitor, each page's main action from click to result and the cold start
   to Home, against issue 16's targets (``--skip-page-timings`` leaves it out).

Needs playwright and Chromium; the machine's CPU, memory and load average are written into the report, since
every time in it depends on them.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT, ROOT / "tests" / "browser", ROOT / "benchmarks"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import actions  # noqa: E402
import harness  # noqa: E402
import load_test  # noqa: E402
import page_timings  # noqa: E402

from dashboard.pages import PAGES  # noqa: E402

OUT = ROOT / "docs" / "reliability.md"
MEMORY_TARGET = 1.2e9  # bytes with every model loaded (issue 15)
MEMORY_BUDGET = 2.5e9  # bytes at the peak of the load test (the host has about 2.7 GB)
COMMAND = "RNN_DATA_DIR=../shared/data python benchmarks/reliability_report.py"


# ------------------------------------------------------------------------------------------ pytest
def run_pytest(args: list[str], junit: Path, env: dict[str, str] | None = None) -> tuple[int, str, float]:
    """``pytest args`` in a fresh interpreter; (exit status, its summary line, seconds)."""
    t0 = time.monotonic()
    cmd = [sys.executable, "-m", "pytest", *args, "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"]
    proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    return proc.returncode, (lines[-1].strip("= ") if lines else proc.stderr[-300:]), time.monotonic() - t0


def junit_cases(path: Path) -> list[dict]:
    """The test cases of a JUnit XML report: id, outcome, seconds, and the failure message."""
    cases = []
    for case in ET.parse(path).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                outcome = {"failure": "FAILED", "error": "ERROR", "skipped": "skipped"}[tag]
                message = (node.get("message") or "").splitlines()[0][:160] if node.get("message") else ""
        cases.append({"classname": case.get("classname", ""), "name": case.get("name", ""), "outcome": outcome,
                      "seconds": float(case.get("time") or 0), "message": message})
    return cases


def _test_file(classname: str) -> tuple[Path | None, str | None]:
    """``tests.test_live`` -> (tests/test_live.py, None); ``tests.test_x.TestY`` -> (tests/test_x.py, "TestY")."""
    parts = classname.split(".")
    for n in range(len(parts), 0, -1):
        path = ROOT.joinpath(*parts[:n]).with_suffix(".py")
        if path.exists():
            return path, (parts[n] if n < len(parts) else None)
    return None, None


def describe(path: Path | None, name: str) -> str:
    """What a test checks: its docstring's first paragraph, else its leading comment, else its name in words."""
    func = name.split("[")[0]
    if path is not None:
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and node.name == func:
                doc = ast.get_docstring(node)
                if doc:
                    return " ".join(doc.split("\n\n")[0].split())
                head = source.splitlines()[node.lineno: node.body[0].lineno - 1]  # before the first statement
                comment = " ".join(ln.strip()[1:].strip() for ln in head if ln.strip().startswith("#"))
                if comment:
                    return comment
    return func.removeprefix("test_").replace("_", " ")


# ----------------------------------------------------------------------------------- server parts
def cold_starts_and_memory(n: int, runs_root: Path) -> dict:
    """``n`` fresh servers: seconds to the first page; in the first, the memory after opening each page."""
    starts, pages, peak = [], [], None
    with harness.chromium() as browser:
        for k in range(n):
            with harness.AppServer(runs_root / f"cold-{k}") as server:
                server.wait_ready()
                t_goto = time.monotonic()
                v = harness.visit(browser, server.url())
                starts.append(t_goto - server.started + v.open_s)
                v.close()
                if k:
                    continue
                for spec in PAGES:
                    v = harness.visit(browser, server.url("" if spec.default else spec.slug))
                    action = actions.ACTIONS.get(spec.slug)
                    if action is not None:
                        action(v.page, "en")
                    pages.append({"page": spec.slug, "rss_bytes": server.rss_bytes(), "problems": harness.problems(v)})
                    v.close()
                peak = server.peak_bytes()
    return {"cold_start_s": starts, "pages": pages, "peak_bytes": peak}


# ------------------------------------------------------------------------------------------ report
def _gb(n: float | None) -> str:
    return "n/a" if not n else f"{n / 1e9:.2f} GB"


def _s(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else "?"
    mem = next((int(ln.split()[1]) * 1024 for ln in Path("/proc/meminfo").read_text().splitlines()
                if ln.startswith("MemTotal")), 0) if Path("/proc/meminfo").exists() else 0
    import streamlit
    import torch

    nice = os.nice(0) if hasattr(os, "nice") else 0
    return (f"{os.cpu_count()} CPUs ({cpu}), {_gb(mem)} of memory, {platform.system()}; Python "
            f"{platform.python_version()}, torch {torch.__version__}, Streamlit {streamlit.__version__}; "
            f"OMP_NUM_THREADS {os.environ.get('OMP_NUM_THREADS', 'not set')}"
            + (f"; run at niceness {nice} (lower CPU priority than the machine's other work)" if nice else ""))


def render(m: dict) -> str:
    e2e, server, load, hard = m["e2e"], m["server"], m["load"], m["hardening"]
    rows = load["stats"]
    total_actions = sum(r["n"] for r in rows)
    out = [
        "# Reliability report",
        "",
        f"Generated by `{COMMAND}` on {m['when']} — do not edit by hand; run the command again.",
        f"Machine: {m['machine']}. Load average (1, 5, 15 min) before: {m['load_before']}, after: "
        f"{m['load_after']}. Every time below depends on the machine and on what else ran on it then.",
        "",
        "## Load held",
        "",
        f"`python benchmarks/load_test.py --sessions {load['sessions']} --seconds {load['seconds']:.0f}`: "
        f"{load['sessions']} visitors, each in its own headless Chromium, going round the Generate, N-gram, "
        f"Translate and Caption pages for {load['seconds']:.0f} s while {load['trainers']} other visitors' training "
        f"runs trained (the page's default model, started and stopped on the Train page). The browsers run on this "
        f"machine at niceness {load.get('browser_nice', 0)} (the server at 0, its training processes at +10): on a "
        f"public host they would run on the visitors' own machines. "
        f"{total_actions} actions, **{len(load['errors'])} errors**; server peak memory **{_gb(load['peak_bytes'])}** "
        f"resident, summed over the server and its training processes (which share the torch libraries: those pages "
        f"count once per process), **{_gb(load.get('peak_pss_bytes'))}** proportional (each page counted once; "
        f"budget {_gb(MEMORY_BUDGET)}).",
        *([f"({m['load_note']}.)"] if m.get("load_note") else []),
        "",
        "| action | runs | p50 s | p95 s | max s | done p50 s | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[f"| {r['action']} | {r['n']} | {_s(r['p50_s'])} | {_s(r['p95_s'])} | {_s(r['max_s'])} | "
          f"{_s(r['done_p50_s'])} | {r['errors']} |" for r in rows],
        "",
        "Seconds from the click to the first result on screen (the caption of a picture is cached per picture "
        "and settings, as the app does for everyone; N-gram is the next passage picked until its surprisal chart "
        "is drawn).",
        "", _target_line(rows), "",
        "The runs train in processes of their own (`engine/train/live_worker.py`): niceness +10 over the server, "
        "one torch thread each; the server gives each inference one torch thread "
        "(`dashboard/components/resources.py`).",
        *[f"Training run {k + 1}: first step {run['first_step_s']:.1f} s after Start, "
          f"{run.get('step_at_load_end', 0) - run.get('step_at_load_start', 0)} steps during the load." for k, run in
          enumerate(load["runs"])],
        *(["", "Errors:", *[f"- {e}" for e in load["errors"][:20]]] if load["errors"] else []),
        "",
        *_wire_section(m.get("wire") or []),
        "## Latency of each page's main action (one visitor at a time)",
        "",
        f"`pytest tests/browser/test_e2e.py` ({e2e['summary']}): a new visitor per page and language; the model "
        "a page uses is loaded on its first visit (English first).",
        "",
        "| page | language | page open s | action | first result s | done s | test |",
        "|---|---|---:|---|---:|---:|---|",
        *[f"| {p['page']} | {p['lang']} | {_s(p['open_s'])} | {p.get('action', '–')} | {_s(p.get('first_s'))} | "
          f"{_s(p.get('done_s'))} | {p.get('test', '?')} |" for p in e2e["pages"]],
        "",
        "Page open: navigation to the page's title on screen. First result: from the click to the first sign of "
        "the result (Generate: the first streamed characters; Train: step 1 in the progress bar; N-gram: from "
        "moving the passage slider to the surprisal chart of the new passage). Done: until the script run that "
        "made it ended (Generate streams its 300 characters, so done is the last one shown).",
        "",
        "## Memory with every model loaded",
        "",
        f"A fresh server; every page opened in turn and its main action done (training excluded). Resident memory "
        f"of the server after the last page: **{_gb(server['pages'][-1]['rss_bytes'] if server['pages'] else None)}**"
        f" (target ≤ {_gb(MEMORY_TARGET)}; issue 15 measured 1.34 GB); its peak meanwhile {_gb(server['peak_bytes'])}.",
        "",
        "| after opening | server RSS |",
        "|---|---:|",
        *[f"| {p['page']} | {_gb(p['rss_bytes'])} |" for p in server["pages"]],
        "",
        "## Cold start",
        "",
        f"From starting `streamlit run streamlit_app.py` to the first page's title on screen in Chromium, "
        f"fresh servers: {len(server['cold_start_s'])} (files already in the OS cache); median "
        f"**{statistics.median(server['cold_start_s']):.1f} s** "
        f"({', '.join(f'{x:.1f}' for x in server['cold_start_s'])} s; issue 15 measured 6.2 s). "
        f"The browser tests' server: {_s(e2e['server'].get('cold_start_s'))} s.",
        "",
        "## Hardening cases (issue 15)",
        "",
        f"`pytest -m hardening` ({hard['summary']}): the regression tests marked `hardening`, each a way the "
        "public app was broken or could be, and how it ends now.",
        "",
        "| test | what it checks | ended | s |",
        "|---|---|---|---:|",
        *[f"| `{c['id']}` | {c['what'].replace('|', '/')} | {c['outcome']}{': ' + c['message'] if c['message'] else ''}"
          f" | {c['seconds']:.2f} |" for c in hard["cases"]],
        "",
        *_threads_section(m.get("threads")),
        *_timings_section(m.get("page_timings")),
    ]
    return "\n".join(out)


P95_TARGET_S = 3.0  # issue 15: first result of generate, translate and caption while two runs train


def _target_line(rows: list[dict], browser: bool = True) -> str:
    """Whether the load test met issue 15's target, action by action."""
    parts = []
    for r in rows:
        if r["action"] in ("generate", "translate", "caption"):
            p95 = r["p95_s"]
            verdict = "no runs" if p95 is None else ("met" if p95 < P95_TARGET_S else "**not met**")
            parts.append(f"{r['action']} {_s(p95)} s ({verdict})")
    head = (f"Target (issue 15): p95 of the first result under {P95_TARGET_S:.0f} s with two runs training: "
            + "; ".join(parts) + ".")
    if not browser:
        return head
    return (head + " These seconds include each visitor's Chromium drawing the page on the same 2 "
            "CPUs as the server and the two training processes (several browsers at once on this machine); the "
            "server's own part of each action with the same load is measured without browsers in the next section.")


def _wire_section(loads: list[dict]) -> list[str]:
    """The load tests over the wire: the server's part of each action with many visitors at once."""
    if not loads:
        return []
    out = ["## Load held: visitors over the wire (the server's part)", "",
           "`python benchmarks/load_test.py --wire`: the same pages and actions, each visitor a session of its "
           "own, but speaking Streamlit's websocket protocol (`benchmarks/wire_visitor.py`) instead of drawing in a "
           "Chromium on this machine: the seconds are from the request to the server sending the first result, "
           "what a visitor on their own computer waits for (plus their own drawing). The two trainers' live panels "
           "tick every 1.5 s "
           "as in a browser. Each action page was opened and used once first (the models loaded).", ""]
    for load in loads:
        rows = load["stats"]
        think = (f"pausing {load['think_s']:g} s on average between actions (uniform 0.5-1.5x: a person reads the "
                 f"result)" if load.get("think_s") else "with no pause between actions (a stress test: every visitor "
                 "clicks again as soon as the answer is there)")
        out += [f"`python benchmarks/load_test.py --wire --sessions {load['sessions']} --seconds "
                f"{load['seconds']:.0f}" + (f" --think {load['think_s']:g}`" if load.get("think_s") else "`") +
                f": {load['sessions']} visitors {think}, while {load['trainers']} other visitors' runs trained "
                f"({load['sessions'] + load['trainers']} sessions). {sum(r['n'] for r in rows)} actions, "
                f"**{len(load['errors'])} errors**; server peak memory {_gb(load['peak_bytes'])} resident, "
                f"**{_gb(load.get('peak_pss_bytes'))}** proportional; "
                + "; ".join(f"training run {k + 1}: {run.get('step_at_load_end', 0) - run.get('step_at_load_start', 0)}"
                            f" steps" for k, run in enumerate(load["runs"])) + ".", "",
                "| action | runs | p50 s | p95 s | max s | done p50 s | errors |",
                "|---|---:|---:|---:|---:|---:|---:|",
                *[f"| {r['action']} | {r['n']} | {_s(r['p50_s'])} | {_s(r['p95_s'])} | {_s(r['max_s'])} | "
                  f"{_s(r['done_p50_s'])} | {r['errors']} |" for r in rows],
                "", _target_line(rows, browser=False),
                *(["", "Errors:", *[f"- {e}" for e in load["errors"][:20]]] if load["errors"] else []), ""]
    return out


def _threads_section(table: str | None) -> list[str]:
    if not table:
        return []
    return ["## Inference while runs train: where training runs, how many threads the server uses", "",
            "`python benchmarks/bench_inference_threads.py`: the three page actions timed in one process (no browser)"
            " with torch's threads in it set to 1 and to 2, alone, while two runs train in processes of their own at "
            "lower priority (the app now: `engine.train.live`), and while the same runs train in threads of that "
            "process (the app before). Seconds, median/max; train steps/s: both runs together.", "",
            "```", table.strip(), "```", ""]


def _timings_section(timings: dict | None) -> list[str]:
    if not timings:
        return []
    return ["## Instant pages: click to result, one visitor (issue 16)", "",
            "Targets on a quiet machine: first result within 1 s of the click (Generate, N-gram, Translate, "
            "Caption, after the model is loaded), Generate's 300 characters fully shown within 0.5 s, Home within "
            "3 s of `streamlit run`.", "", page_timings.render(timings), ""]


def measure(args: argparse.Namespace, tmp: Path) -> dict:
    m: dict = {"when": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": machine(),
               "load_before": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    print("1/6 browser tests ...", flush=True)
    env = {"RNN_E2E_TIMINGS": str(tmp / "e2e.json"), "RNN_E2E_SHOTS": str(tmp / "shots")}
    if args.screenshots:
        env["RNN_E2E_DOCS"] = "1"
    rc, summary, _ = run_pytest(["tests/browser/test_e2e.py"], tmp / "e2e.xml", env)
    e2e = json.loads((tmp / "e2e.json").read_text()) if (tmp / "e2e.json").exists() else {"server": {}, "pages": []}
    outcomes = {c["name"].split("[", 1)[-1].rstrip("]"): c["outcome"] for c in junit_cases(tmp / "e2e.xml")}
    for p in e2e["pages"]:
        p["test"] = outcomes.get(f"{p['page']}-{p['lang']}", "?")
    m["e2e"] = {**e2e, "summary": summary, "rc": rc}
    print(f"    {summary}\n2/6 cold starts and memory ...", flush=True)
    m["server"] = cold_starts_and_memory(args.cold_starts, tmp / "runs")
    print("3/6 load test ...", flush=True)
    result = load_test.run(sessions=args.sessions, seconds=args.seconds, trainers=2, runs_dir=tmp / "load-runs",
                           browser_nice=load_test.BROWSER_NICE)
    load_test.print_table(result)
    m["load"] = {**vars(result), "stats": result.stats()}
    m["wire"] = []
    for think in (0.0, args.think):
        print(f"3/6 load test over the wire, pausing {think:g} s ...", flush=True)
        result = load_test.run_wire(sessions=args.wire_sessions, seconds=args.seconds, trainers=2,
                                    runs_dir=tmp / f"wire-runs-{think:g}", think_s=think)
        load_test.print_table(result)
        m["wire"].append({**vars(result), "stats": result.stats()})
    print("4/6 hardening tests ...", flush=True)
    rc, summary, _ = run_pytest(["-m", "hardening", "tests"], tmp / "hardening.xml")
    cases = []
    for c in junit_cases(tmp / "hardening.xml"):
        path, cls = _test_file(c["classname"])
        rel = path.relative_to(ROOT).as_posix() if path else c["classname"]
        cases.append({**c, "id": f"{rel}::{cls + '::' if cls else ''}{c['name']}", "what": describe(path, c["name"])})
    m["hardening"] = {"summary": summary, "rc": rc, "cases": cases}
    if not args.skip_threads_bench:
        print("5/6 inference threads benchmark ...", flush=True)
        bench = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_inference_threads.py")], cwd=ROOT,
                               capture_output=True, text=True)
        m["threads"] = bench.stdout if bench.returncode == 0 else f"failed:\n{bench.stderr[-2000:]}"
    if not args.skip_page_timings:
        print("6/6 page timings ...", flush=True)
        m["page_timings"] = page_timings.measure(repeats=3, cold_starts=args.cold_starts)
    m["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return m


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=4, help="visitors in the load test")
    ap.add_argument("--seconds", type=float, default=60, help="length of the load test")
    ap.add_argument("--wire-sessions", type=int, default=6,
                    help="visitors of the load test over the wire (6 + 2 training: issue 15's 8 sessions)")
    ap.add_argument("--think", type=float, default=5.0, help="mean pause between actions in the paced wire load test")
    ap.add_argument("--cold-starts", type=int, default=3, help="fresh servers timed to their first page")
    ap.add_argument("--screenshots", action="store_true", help="also write docs/screenshots/ and the README's picture")
    ap.add_argument("--out", type=Path, default=OUT, help="the report (default: docs/reliability.md)")
    ap.add_argument("--json", type=Path, help="also keep every measurement as JSON here")
    ap.add_argument("--skip-threads-bench", action="store_true", help="leave out bench_inference_threads.py")
    ap.add_argument("--skip-page-timings", action="store_true", help="leave out benchmarks/page_timings.py")
    ap.add_argument("--from-json", type=Path, help="measure nothing: write the report from a --json file kept before")
    args = ap.parse_args(argv)
    if args.from_json:
        m = json.loads(args.from_json.read_text())
    elif (reason := harness.browser_unavailable()) is not None:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    else:
        with tempfile.TemporaryDirectory(prefix="rnnlab-reliability-") as tmp:
            m = measure(args, Path(tmp))
    if args.json and not args.from_json:
        args.json.write_text(json.dumps(m, indent=1, default=str) + "\n")
    args.out.write_text(render(m))
    print(f"wrote {args.out}")
    return 0 if m["e2e"]["rc"] == 0 and m["hardening"]["rc"] == 0 and not m["load"]["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
