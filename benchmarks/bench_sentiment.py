"""Sentiment page speed: one interaction (prediction + running prediction + occlusion + gradient x input)
and the hidden-state trajectories, by input length, on the shipped models.

    python benchmarks/bench_sentiment.py                     # both shipped models, 1 torch thread
    python benchmarks/bench_sentiment.py --threads 2 --repeats 7

Prints a table: pieces read, median seconds of ``explain`` (what the page computes for a typed review:
the prefix batch of the running prediction is the largest part, O(T^2) steps), of ``trajectories`` on the
8 example reviews of the language plus the typed one, and of ``predict`` alone. The page's target: under
1 s per interaction; the input is cut at MAX_PIECES (256) pieces.
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

from engine.sentiment.examples import examples_for  # noqa: E402
from engine.sentiment.explain import explain, trajectories  # noqa: E402
from engine.sentiment.shipped import SHIPPED  # noqa: E402
from engine.train.checkpoint import load_pretrained  # noqa: E402

WORDS = {"en": "the film is not bad , but the ending is a little dull and too long",
         "ko": "배우는 좋았지만 내용이 너무 지루했다 그래도 음악은 최고"}


def _median(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch threads: {args.threads}, median of {args.repeats}")
    print(f"{'model':14s} {'pieces':>6s} {'explain s':>10s} {'trajectories s':>15s} {'predict s':>10s}")
    for lang, name in SHIPPED.items():
        model = load_pretrained(name, device="cpu").eval()
        examples = [e.text for e in examples_for(lang)]
        for target in (10, 50, 100, 256):
            ids = model.encode(" ".join([WORDS[lang]] * target))[0][:target]
            text = model.tokenizer.decode(ids)
            n = len(model.encode(text)[0])
            e = _median(lambda m=model, x=text: explain(m, x), args.repeats)
            tr = _median(lambda m=model, x=text, ex=examples: trajectories(m, ex + [x]), args.repeats)
            p = _median(lambda m=model, x=text: m.predict([x]), args.repeats)
            print(f"{name:14s} {n:6d} {e:10.3f} {tr:15.3f} {p:10.3f}")


if __name__ == "__main__":
    main()
