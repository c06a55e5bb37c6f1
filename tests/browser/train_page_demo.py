"""Start a run on the "Train a char-LSTM" page in headless Chromium and screenshot the live charts.

A manual check, not a pytest test (see screenshot.py for the setup)::

    RNN_DATA_DIR=/path/to/data RNN_RUNS_DIR=/tmp/rnnlab-runs-ui \\
        streamlit run streamlit_app.py --server.headless true --server.port 8601 &
    python tests/browser/train_page_demo.py http://localhost:8601/train_char_lstm /tmp/train.png --wait 25

Sets the validation/sample interval (so samples appear within seconds), clicks "Start training",
waits while the fragment refreshes the charts, then saves the screenshot. With ``--stop`` it
clicks "Stop" afterwards and saves a second screenshot (``<out>-stopped.png``) once the page
has settled. Exits with status 1 if the page shows a Python exception. English UI labels.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from screenshot import _wait_until_idle, open_page, report_problems  # a script: its folder is on sys.path


def _set_number(page, label: str, value: int, timeout_s: float) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Enter")
    time.sleep(0.5)
    _wait_until_idle(page, timeout_s)


def demo(url: str, out: str, *, wait_s: float, every: int, max_steps: int, stop: bool, width: int, height: int,
         timeout_s: float, chromium: str) -> int:
    with open_page(url, width=width, height=height, timeout_s=timeout_s, chromium=chromium) as (page, errors):
        _set_number(page, "Training steps", max_steps, timeout_s)
        _set_number(page, "Validate every … steps", every, timeout_s)
        _set_number(page, "Sample every … steps", every, timeout_s)
        page.get_by_role("button", name="Start training").click()
        time.sleep(wait_s)  # the fragment reruns every 1.5 s: the page is never idle while training
        page.screenshot(path=out)
        print(f"saved {out} after {wait_s:.0f} s of training; URL now {page.url}")
        status = report_problems(page, [])
        if stop:
            # exact, in the main area: Streamlit's own status widget has a "Stop" button too
            page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop", exact=True).click()
            # the trainer finishes its current step (maybe a validation pass) before it stops
            page.get_by_test_id("stMainBlockContainer").get_by_text("stopped", exact=True).first.wait_for(
                timeout=timeout_s * 1000)
            _wait_until_idle(page, timeout_s)
            stopped = str(Path(out).with_name(Path(out).stem + "-stopped.png"))
            page.screenshot(path=stopped)
            print(f"saved {stopped}")
        return status | report_problems(page, errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="URL of the train page, e.g. http://localhost:8601/train_char_lstm")
    parser.add_argument("out", help="output PNG path")
    parser.add_argument("--wait", type=float, default=20.0, help="seconds of training before the screenshot")
    parser.add_argument("--every", type=int, default=50, help="validation and sample interval (steps)")
    parser.add_argument("--max-steps", type=int, default=1000)
    parser.add_argument("--stop", action="store_true", help="click Stop afterwards and screenshot again")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=2200)
    parser.add_argument("--timeout", type=float, default=90.0)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    return demo(args.url, args.out, wait_s=args.wait, every=args.every, max_steps=args.max_steps, stop=args.stop,
                width=args.width, height=args.height, timeout_s=args.timeout, chromium=args.chromium)


if __name__ == "__main__":
    sys.exit(main())
