"""Generate text on the "Generate text" page in headless Chromium and screenshot the result.

A manual check, not a pytest test (see screenshot.py for the setup). Needs a model: a pretrained
one, or a run with a ``best/`` checkpoint under the server's RNN_RUNS_DIR::

    python tests/browser/generate_page_demo.py http://localhost:8601/generate_text /tmp/generate.png \\
        --prime "ROMEO:" --method "Top-p (nucleus)"

Types the prime, picks the decoding method (its label), clicks "Generate" (``--button``), waits for the
text and the next-character chart, saves the screenshot. Exits with status 1 on an app exception.
"""

from __future__ import annotations

import argparse
import sys

from screenshot import _wait_until_idle, open_page, report_problems  # a script: its folder is on sys.path


def demo(url: str, out: str, *, prime: str, method: str, button: str, width: int, height: int, timeout_s: float,
         chromium: str) -> int:
    with open_page(url, width=width, height=height, timeout_s=timeout_s, chromium=chromium) as (page, errors):
        main = page.get_by_test_id("stMainBlockContainer")
        if prime:
            box = main.locator("textarea").first
            box.fill(prime)
            box.press("Control+Enter")
            _wait_until_idle(page, timeout_s)
        if method:
            main.get_by_text(method, exact=True).click()  # a segmented-control option
            _wait_until_idle(page, timeout_s)
        main.get_by_role("button", name=button, exact=True).click()
        page.get_by_test_id("stPlotlyChart").first.wait_for(timeout=timeout_s * 1000)
        _wait_until_idle(page, timeout_s)
        page.screenshot(path=out)
        print(f"saved {out} from {url}")
        return report_problems(page, errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="URL of the generate page, e.g. http://localhost:8601/generate_text")
    parser.add_argument("out", help="output PNG path")
    parser.add_argument("--prime", default="ROMEO:")
    parser.add_argument("--method", default="", help="decoding method label, e.g. 'Top-k' (default: the page's)")
    parser.add_argument("--button", default="Generate", help="label of the Generate button ('생성' in Korean)")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1900)
    parser.add_argument("--timeout", type=float, default=90.0)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    return demo(args.url, args.out, prime=args.prime, method=args.method, button=args.button, width=args.width,
                height=args.height, timeout_s=args.timeout, chromium=args.chromium)


if __name__ == "__main__":
    sys.exit(main())
