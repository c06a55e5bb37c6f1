"""Generating text next to other Python threads: the GIL convoy, with and without the compiled decoding step.

    python benchmarks/gil_convoy.py                      # 300 characters, 0 and 1 busy threads (~2 min)
    python benchmarks/gil_convoy.py --chars 100 --busy 0 1 2 --repeats 5

Every eager torch call releases the GIL and then waits to get it back; next to a thread that runs
pure Python, each wait can last the interpreter's switch interval (5 ms). A Streamlit server is such a
neighbour: while one visitor's page generates, other threads build other visitors' pages. This prints
seconds to generate ``--chars`` characters with the Generate page's settings (sampling, T 0.8,
top-p 0.9, the 10 candidates per position it shows) from the shipped ``charlm-shakespeare``, with
``--busy`` threads spinning in Python, two ways in one run:

* ``eager``: the decoding step and the LSTM step as plain Python functions (``fn.eager``), ~40 torch
  calls per character;
* ``compiled``: as shipped (:mod:`engine.nogil`): each is one TorchScript call per character.

The ratio column is eager / compiled in the same run (the machine's noise cancels out of it).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import threading
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine.decoding.stream as stream  # noqa: E402
import engine.lm.model as lm_model  # noqa: E402
from engine import load_pretrained  # noqa: E402
from engine.lm.generate import generate_text  # noqa: E402


@contextlib.contextmanager
def eager():
    """The module globals the decoding loop calls, swapped for their plain Python functions."""
    saved = stream.pick, lm_model.packed_lstm_step
    stream.pick, lm_model.packed_lstm_step = stream.pick.eager, lm_model.packed_lstm_step.eager
    try:
        yield
    finally:
        stream.pick, lm_model.packed_lstm_step = saved


@contextlib.contextmanager
def busy_threads(n: int):
    stop = threading.Event()

    def spin():
        x = 0
        while not stop.is_set():
            for i in range(1000):  # pure Python: holds the GIL until the interpreter asks for it
                x += i

    threads = [threading.Thread(target=spin, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    try:
        yield
    finally:
        stop.set()
        for t in threads:
            t.join()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chars", type=int, default=300)
    ap.add_argument("--busy", type=int, nargs="+", default=[0, 1], help="numbers of busy Python threads to try")
    ap.add_argument("--repeats", type=int, default=1,
                    help="median of this many (eager next to a busy thread: ~1 min each)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    model = load_pretrained("charlm-shakespeare")

    def once() -> float:
        t = time.perf_counter()
        generate_text(model, "ROMEO:", args.chars, "sample", 0.8, top_p=0.9, record_top=10)
        return time.perf_counter() - t

    once()
    with eager():
        once()
    print(f"{args.chars} characters, charlm-shakespeare, sampling T 0.8 top-p 0.9, 10 candidates recorded; "
          f"1 torch thread; switch interval {sys.getswitchinterval() * 1000:.0f} ms; median of {args.repeats}\n")
    print(f"{'busy threads':>12}  {'eager s':>8}  {'compiled s':>10}  {'ratio':>6}")
    for n in args.busy:
        with busy_threads(n):
            with eager():
                e = statistics.median(once() for _ in range(args.repeats))
            c = statistics.median(once() for _ in range(args.repeats))
        print(f"{n:>12}  {e:>8.3f}  {c:>10.3f}  {e / c:>6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
