"""Screenshot a running RNN Lab page with headless Chromium (a manual check, not a pytest test).

    streamlit run streamlit_app.py --server.headless true --server.port 8599 &
    python tests/browser/screenshot.py http://localhost:8599/ /tmp/home.png
    python tests/browser/screenshot.py "http://localhost:8599/?lang=ko" /tmp/home_ko.png

Waits until Streamlit has finished running the script, saves a PNG, and exits with status 1 if the
page shows a Python exception (the traceback text is printed). Needs the ``playwright`` package and
a Chromium binary (Debian: ``apt-get install chromium``; no browser download is needed).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
]

# Streamlit shows this widget (top right) while the script is running (after a moment), and its app root
# says the state of the script run from the first instant (what Streamlit's own browser tests wait on).
_RUNNING = '[data-testid="stStatusWidget"]'
_NOT_RUNNING = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def _wait_until_idle(page, timeout_s: float, quiet_s: float = 1.5) -> None:
    """Wait until the app has rendered and no script run has been in progress for ``quiet_s`` seconds."""
    page.wait_for_selector('[data-testid="stMain"]', timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        running = page.locator(_RUNNING).count() > 0 or page.locator(_NOT_RUNNING).count() == 0
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > quiet_s:
            return
        time.sleep(0.1)
    raise TimeoutError(f"the app was still running after {timeout_s:.0f} s")


@contextlib.contextmanager
def open_page(url: str, *, width: int, height: int, timeout_s: float, chromium: str):
    """Headless Chromium on ``url``, waited until Streamlit is idle; yields ``(page, errors)``."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url, wait_until="domcontentloaded", timeout=timeout_s * 1000)
            _wait_until_idle(page, timeout_s)
            yield page, errors
        finally:
            browser.close()


def report_problems(page, errors: list[str]) -> int:
    """Print the app's exceptions and the browser's page errors; 1 if the app showed an exception."""
    exceptions = page.locator('[data-testid="stException"]')
    for i in range(exceptions.count()):
        print(f"app exception:\n{exceptions.nth(i).inner_text()}", file=sys.stderr)
    for err in errors:
        print(f"browser page error: {err}", file=sys.stderr)
    return 1 if exceptions.count() else 0


def screenshot(url: str, out: str, *, width: int, height: int, full_page: bool, timeout_s: float,
               chromium: str) -> int:
    with open_page(url, width=width, height=height, timeout_s=timeout_s, chromium=chromium) as (page, errors):
        page.screenshot(path=out, full_page=full_page)
        print(f"saved {out} ({width}x{height}) from {url}")
        return report_problems(page, errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="page URL, e.g. http://localhost:8599/?lang=ko")
    parser.add_argument("out", help="output PNG path")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1800, help="viewport height (Streamlit scrolls inside "
                        "its own container, so a tall viewport shows more than --full-page)")
    parser.add_argument("--full-page", action="store_true", help="capture the whole document")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the app")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="Chromium executable")
    args = parser.parse_args(argv)
    return screenshot(args.url, args.out, width=args.width, height=args.height, full_page=args.full_page,
                      timeout_s=args.timeout, chromium=args.chromium)


if __name__ == "__main__":
    sys.exit(main())
