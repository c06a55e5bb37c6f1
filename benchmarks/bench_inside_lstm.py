"""The Inside-the-LSTM page's interactions, timed on the shipped char-LSTM: each must stay under 1 s for a
passage of up to 2,000 characters (the page's cap).

For passages of 100, 400, 1,000 and 2,000 characters (Tiny Shakespeare-like text built in, or the validation
split's passages when ``pretrained/lab-inside-lstm`` is there), the median wall time of:

* ``trace``: :func:`engine.lab.inside_lstm.lstm_trace` for layer 2 (the page shows one layer at a time: layer 1
  only runs torch's fused kernel, whose h(t) layer 2 reads), i, f, o, g, c, h;
* ``units``: the text features and the correlation of every c unit with every feature (one layer);
* ``span``: the span query over h, the firing passages from the precomputed peaks, and their traces;
* ``saturation`` and ``pca``: one layer's gate saturation fractions and the 2D projection of h(t);
* ``peephole``: the two small LSTMs of the peephole section on 30 characters;
* ``compare``: the three small RNN/GRU/LSTM models over 300 characters (when shipped).

The page caches the trace per passage and layer, so moving a widget costs one of the small columns; a new
passage costs them all: ``total`` is their sum, the worst case of one interaction.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_inside_lstm.py
    python benchmarks/bench_inside_lstm.py --repeats 5 --lengths 2000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from engine import load_pretrained  # noqa: E402
from engine.lab.inside_lstm import cell_trace, lstm_trace, peephole_pair  # noqa: E402
from engine.lab.inside_lstm_results import SHIPPED_DIR, ResultsError, load_results  # noqa: E402
from engine.lab.units import (  # noqa: E402
    correlations,
    feature_matrix,
    firing_passages,
    pca_2d,
    saturation,
    span_units,
    text_features,
)
from engine.train.checkpoint import load_model  # noqa: E402

BUILTIN = ("ROMEO:\nBut soft! What light through yonder window breaks?\nIt is the east, and Juliet is the sun.\n\n"
           "JULIET:\nO Romeo, Romeo! wherefore art thou Romeo?\nDeny thy father and refuse thy name.\n\n")


def _time(fn, repeats: int) -> float:
    """Median CPU seconds of one call (``time.process_time``: on a shared machine the wall time also counts the
    time other processes held the core; with one thread, CPU seconds are what an idle core would take)."""
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def _span_query(model, layer: dict, results) -> None:
    """The span query as the page runs it: top units of the first 20 characters, then the three validation
    passages where they fire, each traced (uncached) to colour it."""
    units = [u for u, _ in span_units(layer["h"], 0, 20)]
    if results is not None:
        for where, _ in firing_passages(results.peaks[:, 1], units, top=3):
            lstm_trace(model, results.passages[where], layers=[1])


def _row(model, text: str, results, small: dict, repeats: int) -> dict[str, float]:
    """Median seconds of each interaction on ``text`` (layer 2, as the slowest layer)."""
    layer = lstm_trace(model, text, layers=[1]).layers[1]
    return {
        "trace": _time(lambda: lstm_trace(model, text, layers=[1]), repeats),
        "units": _time(lambda: correlations(layer["c"], feature_matrix(text_features(text))), repeats),
        "span": _time(lambda: _span_query(model, layer, results), repeats),
        "saturation": _time(lambda: saturation(layer), repeats),
        "pca": _time(lambda: pca_2d(layer["h"]), repeats),
        "peephole": _time(lambda: peephole_pair(text[:30]), repeats),
        "compare": _time(lambda: [cell_trace(m, text, max_chars=300) for m in small.values()], repeats)
        if small else float("nan"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lengths", type=int, nargs="+", default=[100, 400, 1000, 2000])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    model = load_pretrained("charlm-shakespeare")
    try:
        results = load_results()
        source = "".join(results.passages)
    except ResultsError:
        results, source = None, BUILTIN * 40
    small = {c: load_model(SHIPPED_DIR / "cells" / c, "cpu") for c in ("rnn", "gru", "lstm")
             if (SHIPPED_DIR / "cells" / c / "config.json").is_file()}
    print(f"torch threads: {torch.get_num_threads()}; median of {args.repeats}; CPU seconds (wall: the whole row)")
    cols = ("trace", "units", "span", "saturation", "pca", "peephole", "compare")
    print(f"{'chars':>6} " + " ".join(f"{c:>10}" for c in cols) + f" {'total':>8} {'wall':>8}")
    for n in args.lengths:
        t0 = time.perf_counter()
        row = _row(model, source[:n], results, small, args.repeats)
        wall = (time.perf_counter() - t0) / args.repeats
        total = sum(v for v in row.values() if np.isfinite(v))
        print(f"{n:>6} " + " ".join(f"{row[c]:>10.3f}" for c in cols) + f" {total:>8.3f} {wall:>8.3f}")


if __name__ == "__main__":
    main()
