"""Time the spacing page: the engine calls behind one rerun and the whole rerun, for inputs up to 2,000 characters.

The page's target is under 1 s per interaction on the app's CPU. Two tables:

1. the engine calls one rerun makes (both models' restorations, the bidirectional model's forward/backward
   states, the shared-beginning experiment) with the shipped models, for Korean and English texts of 100,
   500 and 2,000 characters (the page's cap): median and worst of ``--repeat`` runs;
2. the page itself, run in-process with Streamlit's AppTest through the app (the whole script rerun the
   server does when a text is typed: engine calls, charts, tables; the browser's drawing is not included).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_spacing.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from engine import load_pretrained  # noqa: E402
from engine.spacing.compare import compare_directions, shared_prefix  # noqa: E402
from engine.spacing.restore import MAX_CHARS, direction_states  # noqa: E402

SEEDS = {"ko": "아버지가 방에 들어가신다 오늘 본 영화는 정말 재미있었고 배우들의 연기도 좋았다 ",
         "en": "Now is the winter of our discontent made glorious summer by this sun of York "}


def _text(lang: str, n: int) -> str:
    """About ``n`` characters (without spaces) of ``lang`` text, the seed repeated."""
    seed = SEEDS[lang]
    per = len(seed.replace(" ", ""))
    return (seed * (n // per + 1))[: int(n * len(seed) / per)]


def _times(fn, repeat: int) -> tuple[float, float]:
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), max(ts)


def engine_table(repeat: int) -> None:
    print(f"| language | characters | median s | worst s | (engine calls of one rerun; torch threads "
          f"{torch.get_num_threads()}) |")
    print("|---|---|---|---|---|")
    for lang in ("ko", "en"):
        uni, bi = load_pretrained(f"spacing-{lang}-uni"), load_pretrained(f"spacing-{lang}-bi")
        for n in (100, 500, MAX_CHARS):
            text = _text(lang, n)

            def rerun(text=text, uni=uni, bi=bi) -> None:
                compare_directions(uni, bi, text)
                direction_states(bi, text)
                shared_prefix(uni, text[:40], text[:20] + "x")
                shared_prefix(bi, text[:40], text[:20] + "x")

            med, worst = _times(rerun, repeat)
            print(f"| {lang} | {len(text.replace(' ', '')):,} | {med:.3f} | {worst:.3f} | |")


def page_table(repeat: int) -> None:
    from streamlit.testing.v1 import AppTest

    import dashboard.pages as registry

    spec = next(s for s in registry.PAGES if s.slug == "bidirectional_spacing")
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=120)
    at.run()
    at.switch_page(str(spec.path)).run()
    print("\n| page rerun after typing | characters (with spaces) | median s | worst s |")
    print("|---|---|---|---|")
    for n in (100, MAX_CHARS):
        ts = []
        for i in range(repeat):
            text = _text("ko", n)[: MAX_CHARS - 1] + "다가나"[i % 3]  # the text area's cap; a new text each time
            t0 = time.perf_counter()
            at.text_area(key="spacing.text").set_value(text).run()
            ts.append(time.perf_counter() - t0)
            assert not at.exception, [e.value for e in at.exception]
        assert at.text_area(key="spacing.text").value == text
        print(f"| Korean text | {len(text):,} | {statistics.median(ts):.3f} | {max(ts):.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    engine_table(args.repeat)
    page_table(args.repeat)


if __name__ == "__main__":
    main()
