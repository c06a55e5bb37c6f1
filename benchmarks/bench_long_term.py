"""The long-term-dependency page's targets, measured: adding problem, vanilla RNN vs GRU vs LSTM.

1. At T = 100 (``--seq-len``) each cell trains the page's recipe (:mod:`engine.lab.sweep`: Adam 3e-3
   constant, clipping 1.0, 64 hidden units, batches of 64) for ``--steps`` steps. The table gives the
   final held-out MSE against the baseline 1/6, the first evaluated step (every 100) with MSE < 0.01 and
   the CPU seconds the run had used by then, the total CPU seconds, and the two targets of the issue:
   the vanilla RNN stays near the baseline (MSE > 0.1), the LSTM gets below 0.01.
2. For every T of the length sweep and every cell, the held-out MSE after the page's live budget
   (``LIVE_LIMITS.max_steps`` steps) and the largest T learned (MSE < 0.01) within it. ``--budget-from
   FILE`` reads these off a sweep results file instead of training (the same recipe and seed give the
   same numbers; the shipped file trained each run longer, so its curves contain the budget's point).

CPU seconds are ``time.process_time()`` of this process (all its threads); set ``OMP_NUM_THREADS=1`` for
the single-core numbers the README reports.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_long_term.py
    OMP_NUM_THREADS=1 python benchmarks/bench_long_term.py --budget-from pretrained/lab-long-term/length_sweep.json
    python benchmarks/bench_long_term.py --steps 300 --lengths 10 25 --budget 200     # a quick look
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from engine.lab.long_term import CELLS  # noqa: E402
from engine.lab.sweep import (  # noqa: E402
    LAB_MODEL,
    LAB_TASK,
    LAB_TRAIN,
    LENGTHS,
    LIVE_LIMITS,
    SOLVED_FRACTION,
    learned_within,
    length_sweep,
    load_results,
    loss_at,
)


def _fmt(value, spec: str = ".4f") -> str:
    return "never" if value is None else format(value, spec)


def targets_table(seq_len: int, steps: int) -> list[dict]:
    results = length_sweep([seq_len], CELLS, LAB_TASK, LAB_MODEL, replace(LAB_TRAIN, max_steps=steps))
    rows = results["rows"]
    baseline = rows[0]["baseline"]
    print(f"\nAdding problem, T = {seq_len}: {steps} steps per cell, baseline MSE 1/6 = {baseline:.4f}, "
          f"learned = MSE < {SOLVED_FRACTION * baseline:.3g}")
    print(f"{'cell':<6}{'final MSE':>11}{'MSE<0.01 at step':>18}{'CPU s to there':>16}{'steps':>7}"
          f"{'CPU s total':>13}  target")
    for r in rows:
        if r["cell"] == "rnn":
            target = f"stays near the baseline (MSE > 0.1): {'yes' if r['final_loss'] > 0.1 else 'NO'}"
        elif r["cell"] == "lstm":
            target = f"MSE < 0.01: {'yes' if r['final_loss'] < 0.01 else 'NO'}"
        else:
            target = ""
        print(f"{r['cell']:<6}{r['final_loss']:>11.4f}{_fmt(r['solved_step'], 'd'):>18}"
              f"{'-' if r['solved_cpu_s'] is None else format(r['solved_cpu_s'], '.1f'):>16}{r['steps']:>7}"
              f"{r['cpu_s']:>13.1f}  {target}")
    return rows


def budget_table(lengths: list[int], budget: int, source: str | None) -> None:
    if source:
        results = load_results(source)
        where = f"read off {source} (its runs at step {budget})"
    else:
        results = length_sweep(lengths, CELLS, LAB_TASK, LAB_MODEL, replace(LAB_TRAIN, max_steps=budget))
        where = "measured now"
    rows = {(r["seq_len"], r["cell"]): r for r in results["rows"]}
    lengths = sorted({T for T, _ in rows})
    print(f"\nHeld-out MSE after the page's budget of {budget} steps ({where}); learned = MSE < 0.01")
    print(f"{'cell':<6}" + "".join(f"{'T=' + str(T):>9}" for T in lengths) + f"{'largest T learned':>19}"
          + f"{'CPU s':>8}")
    for cell in CELLS:
        losses = [loss_at(rows[(T, cell)], budget) for T in lengths]
        cpu = sum(rows[(T, cell)]["cpu_s"] for T in lengths) if not source else float("nan")
        largest = learned_within(results, cell, budget)
        print(f"{cell:<6}" + "".join(f"{_fmt(v):>9}" for v in losses) + f"{largest or 'none':>19}{cpu:>8.1f}")


def interactions_table(repeat: int) -> None:
    """Each control of the page, rerun in-process with AppTest (engine calls, charts; not the browser's drawing),
    at T = 200, the page's longest sequences (every setting new, so nothing comes from Streamlit's cache)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    page = str(REPO / "dashboard" / "pages" / "long_term_dependencies.py")
    steps = [("open the page (T = 200)", None, None), ("rho -> 0.9", "lt.rho", 0.9), ("rho -> 1.5", "lt.rho", 1.5),
             ("tanh -> ReLU", "lt.act", "relu"), ("truncated BPTT k = 25", "lt.tbptt", 25),
             ("task -> first symbol (K = 8)", "lt.task", "first_symbol"), ("T -> 150", "lt.T", 150)]
    times: dict[str, list[float]] = {name: [] for name, _, _ in steps}
    for _ in range(repeat):
        st.cache_data.clear()  # every session computes its charts afresh
        at = AppTest.from_file(page, default_timeout=300)
        at.query_params["T"] = "200"
        for name, key, value in steps:
            start = time.perf_counter()
            if key is None:
                at.run()
            else:
                widget = {"lt.act": at.segmented_control, "lt.task": at.segmented_control}.get(key, at.select_slider)
                widget(key=key).set_value(value).run()
            times[name].append(time.perf_counter() - start)
            assert not at.exception, [e.value for e in at.exception]
    print(f"\nPage interactions at T = 200 (AppTest rerun, {repeat} sessions; target < 1 s; the first open imports "
          "torch, plotly and the page)")
    print(f"{'interaction':<32}{'median s':>10}{'worst s':>10}")
    for name, ts in times.items():
        print(f"{name:<32}{statistics.median(ts):>10.2f}{max(ts):>10.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seq-len", type=int, default=100, help="T of the targets table")
    parser.add_argument("--steps", type=int, default=LAB_TRAIN.max_steps, help="steps per run of the targets table")
    parser.add_argument("--budget", type=int, default=LIVE_LIMITS.max_steps, help="the page's live training budget")
    parser.add_argument("--lengths", type=int, nargs="+", default=list(LENGTHS), help="T values of the budget table")
    parser.add_argument("--budget-from", default=None, help="read the budget table off this sweep results file")
    parser.add_argument("--skip-targets", action="store_true", help="no targets table")
    parser.add_argument("--interactions", type=int, default=0, metavar="N",
                        help="also time each page interaction over N sessions (needs streamlit)")
    parser.add_argument("--only-interactions", action="store_true", help="only the interactions table")
    args = parser.parse_args(argv)
    if not args.only_interactions:
        if not args.skip_targets:
            targets_table(args.seq_len, args.steps)
        budget_table(args.lengths, args.budget, args.budget_from)
    if args.interactions or args.only_interactions:
        interactions_table(args.interactions or 3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
