"""The pages' inference while runs train: torch threads of the server, and where the training runs.

    python benchmarks/bench_inference_threads.py                    # about 3 minutes on 2 CPUs
    python benchmarks/bench_inference_threads.py --repeats 9 --runs 2 --hidden 256

Times the three page actions the load test times (Generate: 300 characters sampled; Translate: one sentence,
beam 5; Caption: one example picture, beam 3; the shipped models), median and max of ``--repeats`` runs, in
these settings:

* ``alone``: nothing else running in the process (the normal time);
* ``processes``: while ``--runs`` live runs train the way the app trains them now (``LiveRun.start``: each in a
  process of its own, niceness +``Limits.train_nice``, ``Limits.train_threads`` torch thread);
* ``threads``: while the same runs train in threads of this process (how the app trained them before issue 15).

each with torch's intra-op threads in this process set to 1 and to the CPU count (``--threads``). The table
says which setting of ``torch.set_num_threads`` the server should use and why training left the server.
Times depend on the machine and on what else runs on it: the load average is printed with the table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from engine import generate_text, load_pretrained  # noqa: E402
from engine.lm.model import CharLMConfig  # noqa: E402
from engine.lm.recipe import CharLMData  # noqa: E402
from engine.train.live import LIMITS, LiveRun  # noqa: E402
from engine.train.live_worker import build_trainer  # noqa: E402
from engine.train.trainer import TrainConfig  # noqa: E402

SENTENCE = "We will take the early train to Paris tomorrow morning."
PICTURE = ROOT / "dashboard" / "assets" / "examples" / "cat.jpg"


def actions() -> dict:
    """The three page actions, as callables (models loaded once, as the app's cache does)."""
    charlm, translator, captioner = (load_pretrained(n) for n in ("charlm-shakespeare", "translator-en-fr",
                                                                    "captioner-flickr8k"))
    picture = PICTURE.read_bytes()
    with torch.inference_mode():  # first calls (lazy initialisation) are not timed
        generate_text(charlm, prime="ROMEO:", length=10)
    return {
        "generate": lambda: generate_text(charlm, prime="ROMEO:", length=300, method="sample", temperature=0.8),
        "translate": lambda: translator.translate([SENTENCE], method="beam", beam_width=5),
        "caption": lambda: captioner.caption(picture, method="beam", beam_width=3, n_best=3),
    }


def time_actions(acts: dict, repeats: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {name: [] for name in acts}
    for _ in range(repeats):
        for name, act in acts.items():
            t0 = time.perf_counter()
            with torch.inference_mode():
                act()
            out[name].append(time.perf_counter() - t0)
    return out


def _corpus() -> str:
    return (ROOT / "tests" / "data" / "tiny.txt").read_text() if (ROOT / "tests" / "data" / "tiny.txt").is_file() \
        else ("To be, or not to be, that is the question: whether 'tis nobler in the mind to suffer. " * 400)


def make_runs(n: int, hidden: int, root: Path) -> list[LiveRun]:
    model = CharLMConfig(cell="lstm", n_layer=2, n_hidden=hidden, n_embd=64, dropout=0.0)
    data = CharLMData(batch_size=32, seq_len=64)
    train = TrainConfig(max_steps=20_000, eval_every=10**4, checkpoint_every=10**4)
    return [LiveRun.create(_corpus(), "bench", model, data, train, root=root) for _ in range(n)]


class InThreads:
    """The runs' trainers in daemon threads of this process (the app before issue 15)."""

    def __init__(self, runs: list[LiveRun]) -> None:
        self.trainers = [build_trainer(r.run_dir, [], "cpu") for r in runs]
        self.threads = [threading.Thread(target=t.fit, daemon=True) for t in self.trainers]
        for th in self.threads:
            th.start()
        while min(t.step for t in self.trainers) < 2:
            time.sleep(0.05)

    def stop(self) -> list[int]:
        for t in self.trainers:
            t.request_stop()
        for th in self.threads:
            th.join(120)
        return [t.step for t in self.trainers]


def in_processes(runs: list[LiveRun]) -> None:
    for r in runs:
        r.start(device="cpu", limits=LIMITS)
    while min(r.step for r in runs) < 2:
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--runs", type=int, default=2, help="runs training at once (the app's cap is 2)")
    ap.add_argument("--hidden", type=int, default=256, help="hidden size of the runs (2 LSTM layers, batch 32 x 64)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, os.cpu_count() or 1],
                    help="torch.set_num_threads values of this process to compare")
    args = ap.parse_args(argv)
    acts = actions()
    rows = []
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-threads-") as tmp:
        for n_threads in args.threads:
            torch.set_num_threads(n_threads)
            for where in ("alone", "processes", "threads"):
                runs = make_runs(args.runs, args.hidden, Path(tmp)) if where != "alone" else []
                before = [r.step for r in runs]
                t0 = time.perf_counter()
                busy = InThreads(runs) if where == "threads" else in_processes(runs) if runs else None
                t_start = time.perf_counter()
                times = time_actions(acts, args.repeats)
                elapsed = time.perf_counter() - t_start
                if where == "threads":
                    steps = busy.stop()
                else:
                    steps = [r.step for r in runs]
                    for r in runs:
                        r.stop(wait=120)
                rows.append((n_threads, where, times, sum(steps) - sum(before), elapsed, t_start - t0))
                print(f"  threads={n_threads} {where}: done", file=sys.stderr, flush=True)
    print(f"Inference latency (s) of the page actions; {os.cpu_count()} CPUs; load average now "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; {args.runs} runs of 2 x {args.hidden} LSTM, "
          "batch 32 x 64; "
          f"training processes at niceness +{LIMITS.train_nice}, {LIMITS.train_threads} thread each")
    print(f"\n{'server threads':>14} {'training':<10} {'generate p50/max':>17} {'translate p50/max':>18} "
          f"{'caption p50/max':>16} {'train steps/s':>14}")
    for n_threads, where, times, steps, elapsed, _ in rows:
        cells = [f"{statistics.median(times[a]):.2f}/{max(times[a]):.2f}" for a in ("generate", "translate", "caption")]
        rate = f"{steps / elapsed:.1f}" if where != "alone" else "–"
        print(f"{n_threads:>14} {where:<10} {cells[0]:>17} {cells[1]:>18} {cells[2]:>16} {rate:>14}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
