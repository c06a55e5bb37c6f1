"""Time the "RNN step by step" page: the engine.lab calls behind it and each interaction of the page.

The page's target is under 1 s per interaction on the app's CPU. Two tables:

1. the engine calls one rerun makes (forward pass, BPTT, autograd's gradients, the contribution grid, the
   truncated gradient, the four architectures) at the page's largest sizes (T = 12, d = p = q = 8) and at
   its default ("hello", p = 3): median and worst of ``--repeat`` runs;
2. each interaction of the page, run in-process with Streamlit's AppTest through the app (the whole script
   rerun the server does for a click: engine calls, tables, LaTeX, graphs; the browser's drawing is not
   included): median and worst over ``--repeat`` sessions.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_lab_step.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from engine.lab.architectures import ARCHITECTURES, run_architecture  # noqa: E402
from engine.lab.bptt import autograd_gradients, bptt_steps, contribution_grid  # noqa: E402
from engine.lab.step import (  # noqa: E402
    MAX_SIZE,
    MAX_STEPS,
    RNNParams,
    forward_steps,
    random_numbers_sequence,
    word_sequence,
)


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def _engine_calls(seq, theta: RNNParams) -> dict[str, Callable[[], object]]:
    """What one rerun of the page computes, call by call."""
    fw = forward_steps(theta, seq.xs, seq.targets)
    decoder = RNNParams.random(len(seq.classes), theta.p, len(seq.classes), seed=1)
    return {
        "forward_steps": lambda: forward_steps(theta, seq.xs, seq.targets),
        "bptt_steps": lambda: bptt_steps(fw),
        "autograd_gradients": lambda: autograd_gradients(fw),
        "contribution_grid": lambda: contribution_grid(fw),
        "truncated (k=2) + autograd": lambda: (bptt_steps(fw, window=2), autograd_gradients(fw, window=2)),
        "4 architectures": lambda: [run_architecture(k, theta, seq, decoder=decoder) for k in ARCHITECTURES],
    }


def engine_table(repeat: int) -> None:
    cases = {
        "hello, p=3": (word_sequence("hello"), RNNParams.random(4, 3, 4, seed=0)),
        f"T={MAX_STEPS}, d=p=q={MAX_SIZE}": (random_numbers_sequence(MAX_STEPS, MAX_SIZE, MAX_SIZE, seed=0),
                                            RNNParams.random(MAX_SIZE, MAX_SIZE, MAX_SIZE, seed=0)),
    }
    print(f"{'case':<20} {'call':<28} {'median ms':>10} {'worst ms':>10}")
    for name, (seq, theta) in cases.items():
        for call, fn in _engine_calls(seq, theta).items():
            med, worst = _time(fn, repeat)
            print(f"{name:<20} {call:<28} {med * 1e3:>10.2f} {worst * 1e3:>10.2f}")


def _numbers_d_q_8(at) -> None:
    """Switch to numbers (untimed rerun), then set d = q = 8 and the longest T: the rerun timed is the largest."""
    at.button_group(key=K + "mode").set_value("numbers")
    at.run()
    at.number_input(key=K + "d").set_value(8)
    at.number_input(key=K + "q").set_value(8)
    at.number_input(key=K + "T").set_value(MAX_STEPS)


K = "rnn_step."


def page_table(repeat: int) -> None:
    from benchmarks.apptest_timing import print_interactions, time_interactions
    from dashboard.pages import PAGES

    spec = next(s for s in PAGES if s.slug == "rnn_step_by_step")
    steps: list[tuple[str, Callable]] = [
        ("open the page", lambda at: at.switch_page(str(spec.path))),
        ("next step", lambda at: at.button(key=K + "fw_next").click()),
        ("run to the end", lambda at: at.button(key=K + "fw_end").click()),
        ("BPTT step", lambda at: at.button(key=K + "bw_next").click()),
        ("run BPTT to t = 1", lambda at: at.button(key=K + "bw_end").click()),
        ("window k = 1", lambda at: at.slider(key=K + "k").set_value(1)),
        ("seq2seq", lambda at: at.button_group(key=K + "arch").set_value("seq2seq")),
        ("word 'mississippi'", lambda at: at.text_input(key=K + "word").input("mississippi")),
        ("p = 8", lambda at: at.number_input(key=K + "p").set_value(8)),
        ("numbers, d = q = 8", _numbers_d_q_8),
    ]
    print_interactions(time_interactions(steps, repeat),
                       "(the first 'open the page' of a session also imports the page's modules)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)\n")
    engine_table(args.repeat)
    page_table(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
