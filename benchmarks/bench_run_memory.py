"""How close the Train page's memory estimate is: ``estimate_run_memory`` against measured peaks.

For each configuration it prints the estimate (:func:`engine.lm.memory.estimate_run_memory`), the peak
bytes torch's CPU allocator held while the real trainer built the model and optimizer and ran two
training steps and a validation pass (:func:`engine.lm.memory.measure_run_memory`, a replay of every
allocation the profiler records: bytes, not times, so the same on every run), and their ratio.
With ``--rss`` every configuration also runs in a fresh process and the table adds that process's
peak resident memory above what it held before building the model, after a tiny warm-up run of the
same cell (what the host sees: it also counts the C allocator's slack and oneDNN's own buffers).
``--large`` adds the run from issue 15 (LSTM 1 x 768, batch 128 x 256: about 2.4 GB, a minute or more
per step on one core).

Usage::

    python benchmarks/bench_run_memory.py [--rss] [--large]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from engine.lm.memory import estimate_run_memory, measure_run_memory, train_steps  # noqa: E402
from engine.lm.recipe import CharLMData  # noqa: E402

# (vocabulary size, model settings, data settings): the page's range of cells, sizes and batches
CONFIGS = [
    (65, dict(cell="lstm", n_layer=2, n_hidden=128, n_embd=32), dict(batch_size=32, seq_len=64)),  # page default
    (65, dict(cell="lstm", n_layer=1, n_hidden=512, n_embd=64), dict(batch_size=64, seq_len=128)),
    (65, dict(cell="lstm", n_layer=3, n_hidden=256, n_embd=32), dict(batch_size=16, seq_len=256)),
    (80, dict(cell="lstm", n_layer=2, n_hidden=384, n_embd=64, dropout=0.2), dict(batch_size=32, seq_len=128)),
    (65, dict(cell="gru", n_layer=2, n_hidden=512, n_embd=64), dict(batch_size=32, seq_len=128)),
    (65, dict(cell="rnn", n_layer=3, n_hidden=768, n_embd=128), dict(batch_size=64, seq_len=64)),
    (65, dict(cell="lstm", n_layer=2, n_hidden=256, n_embd=32, fused=False), dict(batch_size=32, seq_len=64)),
    (65, dict(cell="gru", n_layer=1, n_hidden=256, n_embd=32, fused=False), dict(batch_size=32, seq_len=64)),
    (500, dict(cell="lstm", n_layer=2, n_hidden=256, n_embd=64), dict(batch_size=32, seq_len=128)),  # Korean text
    (65, dict(cell="lstm", n_layer=2, n_hidden=256, n_embd=32), dict(batch_size=2, seq_len=16)),  # validation peak
]
LARGE = (65, dict(cell="lstm", n_layer=1, n_hidden=768, n_embd=64), dict(batch_size=128, seq_len=256, bptt="full"))


def _status_bytes(field: str) -> int:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, from /proc (Linux): unlike getrusage's
    ru_maxrss, the peak is this program's, not inherited from the process that started it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def _rss_child(spec: str) -> None:
    """In a fresh process: peak RSS of building the model and two steps (no profiler), above the RSS before.

    A tiny run of the same cell goes first, so torch's code for it is already paged in (every process
    that trains pays that once, whatever the run's size).
    """
    vocab_size, model, data = json.loads(spec)
    train_steps(vocab_size, {**model, "n_layer": 1, "n_hidden": 8, "n_embd": 4},
                CharLMData(batch_size=2, seq_len=4, eval_batch_size=1, eval_seq_len=4), validate=True)
    before = _status_bytes("VmRSS")
    train_steps(vocab_size, model, CharLMData(**data), validate=True)
    print(_status_bytes("VmHWM") - before)


def _describe(vocab_size: int, model: dict, data: dict) -> str:
    impl = "" if model.get("fused", True) else " scratch"
    drop = f" drop {model['dropout']}" if model.get("dropout") else ""
    return (f"{model['cell'].upper()}{impl} {model['n_layer']}x{model['n_hidden']} E{model['n_embd']} V{vocab_size}"
            f"{drop}, {data['batch_size']}x{data['seq_len']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rss", action="store_true", help="also measure each run's peak RSS in a fresh process")
    ap.add_argument("--large", action="store_true", help="add the 2.4 GB run from issue 15 (slow)")
    ap.add_argument("--rss-child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.rss_child:
        _rss_child(args.rss_child)
        return
    configs = CONFIGS + ([LARGE] if args.large else [])
    print(f"{'configuration':<46} {'estimate MB':>11} {'measured MB':>11} {'ratio':>6}" + (f" {'RSS MB':>7}"
                                                                                         if args.rss else ""))
    for vocab_size, model, data in configs:
        model = {"dropout": 0.0, **model}
        estimate = estimate_run_memory(vocab_size, model, CharLMData(**data))
        measured = measure_run_memory(vocab_size, model, CharLMData(**data), validate=True)
        row = f"{_describe(vocab_size, model, data):<46} {estimate / 1e6:>11.1f} {measured / 1e6:>11.1f} " \
              f"{estimate / measured:>6.2f}"
        if args.rss:
            out = subprocess.run([sys.executable, __file__, "--rss-child", json.dumps([vocab_size, model, data])],
                                 capture_output=True, text=True, check=True,
                                 env={**os.environ, "OMP_NUM_THREADS": "1"}).stdout
            row += f" {int(out.strip().splitlines()[-1]) / 1e6:>7.1f}"
        print(row, flush=True)


if __name__ == "__main__":
    main()
