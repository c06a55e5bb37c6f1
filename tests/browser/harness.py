"""RNN Lab in a real browser: the Streamlit server, headless Chromium, and what a person sees on a page.

Used by the browser tests (``tests/browser/test_*.py``), the load test (``benchmarks/load_test.py``) and the
reliability report (``benchmarks/reliability_report.py``)::

    with harness.chromium() as browser, harness.AppServer(runs_dir) as app:
        app.wait_ready()
        visit = harness.visit(browser, app.url("generate_text", "ko"))
        assert not harness.problems(visit)

* :class:`AppServer` runs ``streamlit run streamlit_app.py`` on a free loopback port, as a person would, and
  measures its memory: the resident set of the server and any processes it starts, sampled while it runs, and
  the kernel's high-water mark (``VmHWM``) of the server process (Linux ``/proc``; None elsewhere).
* :func:`chromium` starts Debian's Chromium through playwright (no browser download): ``$RNN_CHROMIUM`` or
  ``/usr/bin/chromium``. :func:`browser_unavailable` says why the browser tests cannot run on this machine.
* Elements are found by what does not change with the wording: Streamlit's ``data-testid`` attributes and
  the CSS class ``st-key-<widget key>`` Streamlit gives every keyed widget and container (:func:`key_css`).

Playwright is imported only by the functions that start a browser, so this module imports without it.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RNN_CHROMIUM", "/usr/bin/chromium")
#: Seconds any one wait may take (page load, a model's first load, a generation) on a slow shared CPU.
TIMEOUT_S = float(os.environ.get("RNN_E2E_TIMEOUT", "120"))
MAIN = '[data-testid="stMainBlockContainer"]'
EXCEPTION = '[data-testid="stException"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; or set RNN_CHROMIUM)"
    return None


def key_css(key: str) -> str:
    """The CSS selector of the element holding the widget or container with Streamlit key ``key``.

    Streamlit's frontend turns every character other than letters, digits, ``_`` and ``-`` into ``-``:

    >>> key_css("generate.go")
    '.st-key-generate-go'
    >>> key_css("page-card-translate")
    '.st-key-page-card-translate'
    """
    return ".st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], object], what: str, timeout_s: float = TIMEOUT_S, poll_s: float = 0.05) -> float:
    """Poll ``condition`` until it is truthy; the seconds it took. TimeoutError naming ``what`` otherwise."""
    t0 = time.monotonic()
    while not condition():
        if time.monotonic() - t0 > timeout_s:
            raise TimeoutError(f"{what}: not seen after {timeout_s:.0f} s")
        time.sleep(poll_s)
    return time.monotonic() - t0


# --------------------------------------------------------------------------------------- memory
def _status_kb(pid: int, field_name: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a training process the server may start counts too)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for children in Path(f"/proc/{p}/task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                todo.extend(int(c) for c in children.read_text().split())
    return out


def tree_rss_bytes(pid: int) -> int | None:
    """Resident memory of ``pid`` and its descendants now, in bytes (None without ``/proc``)."""
    sizes = [_status_kb(p, "VmRSS") for p in _process_tree(pid)]
    known = [s for s in sizes if s is not None]
    return 1024 * sum(known) if known else None


class MemorySampler:
    """The peak of :func:`tree_rss_bytes` over time, sampled by a daemon thread every ``every_s`` seconds."""

    def __init__(self, pid: int, every_s: float = 0.2) -> None:
        self.pid, self.every_s, self.peak = pid, every_s, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rss-{pid}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            rss = tree_rss_bytes(self.pid)
            if rss is None:
                return
            self.peak = max(self.peak, rss)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


# --------------------------------------------------------------------------------------- server
class AppServer:
    """``streamlit run streamlit_app.py`` on a free loopback port, with runs written under ``runs_dir``.

    The data directory is the environment's (``RNN_DATA_DIR``). ``started`` is the monotonic time just before
    the process was started (cold start is measured from it); the server's output goes to ``log``.
    """

    def __init__(self, runs_dir: Path, *, log: Path | None = None, env: dict[str, str] | None = None) -> None:
        runs_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log or runs_dir / "streamlit.log"
        cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
               "--server.port", str(self.port), "--server.address", "127.0.0.1"]
        full_env = {**os.environ, **(env or {}), "RNN_RUNS_DIR": str(runs_dir)}
        self.started = time.monotonic()
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
        self.memory = MemorySampler(self.proc.pid)

    def __enter__(self) -> AppServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, slug: str = "", lang: str = "en") -> str:
        """The address of page ``slug`` (``""``: the default page) in language ``lang``."""
        return f"{self.base}/{slug}" + ("" if lang == "en" else f"?lang={lang}")

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])

    def wait_ready(self, timeout_s: float = TIMEOUT_S) -> float:
        """Wait until the server answers its health check; the seconds since it was started."""
        def healthy() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with status {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False
        wait_for(healthy, f"the server's health check ({self.base})", timeout_s, poll_s=0.1)
        return time.monotonic() - self.started

    def rss_bytes(self) -> int | None:
        """Resident memory of the server (and anything it started) now."""
        return tree_rss_bytes(self.proc.pid)

    def peak_bytes(self) -> int | None:
        """The most resident memory seen: the sampled peak of the tree or the server's ``VmHWM``."""
        hwm = _status_kb(self.proc.pid, "VmHWM")
        seen = [v for v in (self.memory.peak, None if hwm is None else 1024 * hwm) if v]
        return max(seen) if seen else None

    def stop(self) -> None:
        self.memory.stop()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# -------------------------------------------------------------------------------------- browser
@contextlib.contextmanager
def chromium(nice: int = 0) -> Iterator[object]:
    """Headless Chromium (playwright's sync API); one per thread, as playwright requires.

    ``nice`` > 0 starts it at that lower CPU priority (through a small ``nice`` wrapper script): the load test's
    visitors' browsers share this machine's CPUs with the server, while a public app's visitors bring their own.
    """
    from playwright.sync_api import sync_playwright
    from screenshot import CHROMIUM_ARGS

    with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="rnnlab-chromium-") as tmp:
        executable = CHROMIUM
        if nice > 0:
            executable = str(Path(tmp) / "chromium")
            Path(executable).write_text(f'#!/bin/sh\nexec nice -n {int(nice)} "{CHROMIUM}" "$@"\n')
            os.chmod(executable, 0o755)
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    """One visitor on one page: a fresh browser context (its own cookies: a new visitor to the app)."""

    context: object
    page: object
    errors: list[str] = field(default_factory=list)
    open_s: float = 0.0  # from navigation to the page's title on screen

    def close(self) -> None:
        self.context.close()


def visit(browser, url: str, *, width: int = 1400, height: int = 1800, timeout_s: float = TIMEOUT_S) -> Visit:
    """Open ``url`` in a new browser context, wait for the page's title and for the script run to end."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(timeout_s * 1000)
    v = Visit(context, page)
    page.on("pageerror", lambda exc: v.errors.append(str(exc)))
    t0 = time.monotonic()
    page.goto(url, wait_until="domcontentloaded")
    page.locator(f"{MAIN} h1").first.wait_for()
    v.open_s = time.monotonic() - t0
    settle(page, timeout_s)
    return v


def settle(page, timeout_s: float = TIMEOUT_S, quiet_s: float = 0.5) -> None:
    """Wait until no script run has been in progress for ``quiet_s`` seconds (screenshot.py's wait)."""
    from screenshot import _wait_until_idle

    _wait_until_idle(page, timeout_s, quiet_s=quiet_s)


def is_idle(page) -> bool:
    """True when Streamlit says no script run is in progress."""
    return page.locator(IDLE).count() == 1


def texts(locator) -> list[str]:
    """The visible texts of the elements ``locator`` matches now (no waiting; [] when there are none)."""
    return [s.strip() for s in locator.all_inner_texts()]


def problems(v: Visit) -> list[str]:
    """What went wrong on the page: the app's exception boxes (with their traceback) and the browser's page errors."""
    found = [f"app exception: {text}" for text in texts(v.page.locator(EXCEPTION))]
    return found + [f"browser page error: {err}" for err in v.errors]


def plot_signature(page, css: str) -> str:
    """The data of the Plotly charts under ``css`` as text: it changes when a chart is drawn with other data."""
    return page.eval_on_selector_all(
        f"{css} .js-plotly-plot",
        "els => els.map(el => JSON.stringify((el.data || []).map(tr => [tr.x, tr.y, tr.z, tr.text]))).join('|')")


def plot_points(page, css: str, trace: str | None = None) -> int:
    """The number of data points drawn in the Plotly charts under ``css`` (in their traces named ``trace``)."""
    return page.eval_on_selector_all(
        f"{css} .js-plotly-plot",
        """(els, name) => els.flatMap(el => el.data || []).filter(tr => name === null || tr.name === name)
                         .reduce((n, tr) => n + ((tr.x || tr.y || []).length || 0), 0)""", trace)
