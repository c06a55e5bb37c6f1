"""Screenshot every tab of the "RNN step by step" page in headless Chromium (a manual check, not a pytest test).

    streamlit run streamlit_app.py --server.headless true --server.port 8611 &
    python tests/browser/rnn_step_page_demo.py "http://localhost:8611/rnn_step_by_step?step=3" /tmp/rnn_step
    python tests/browser/rnn_step_page_demo.py "http://localhost:8611/rnn_step_by_step?lang=ko&step=4&bptt=2" \\
        /tmp/rnn_step_ko --clicks "다음 단계 ▶"

The URL carries the page's settings (the page reads them on load). ``--clicks`` presses buttons by their
label first (e.g. "Next step ▶"); then each tab is opened in turn and saved as ``<out>-<n>.png``. Exits
with status 1 on an app exception (see screenshot.py for the setup).
"""

from __future__ import annotations

import argparse
import sys

from screenshot import _wait_until_idle, open_page, report_problems  # a script: its folder is on sys.path


def demo(url: str, out: str, *, clicks: list[str], width: int, height: int, timeout_s: float, chromium: str) -> int:
    with open_page(url, width=width, height=height, timeout_s=timeout_s, chromium=chromium) as (page, errors):
        main = page.get_by_test_id("stMainBlockContainer")
        for label in clicks:
            main.get_by_role("button", name=label, exact=True).first.click()
            _wait_until_idle(page, timeout_s)
        tabs = main.get_by_role("tab")
        for n in range(tabs.count()):
            tabs.nth(n).click()
            _wait_until_idle(page, timeout_s)
            path = f"{out}-{n + 1}.png"
            page.screenshot(path=path, full_page=True)
            print(f"saved {path}")
        return report_problems(page, errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="URL of the page, e.g. http://localhost:8611/rnn_step_by_step?step=3")
    parser.add_argument("out", help="output path prefix: <out>-1.png ... one per tab")
    parser.add_argument("--clicks", nargs="*", default=[], help="button labels to press first, in order")
    parser.add_argument("--height", type=int, default=3400, help="viewport height (Streamlit scrolls inside)")
    args = parser.parse_args(argv)
    return demo(args.url, args.out, clicks=args.clicks, width=1400, height=args.height, timeout_s=90.0,
                chromium="/usr/bin/chromium")


if __name__ == "__main__":
    sys.exit(main())
