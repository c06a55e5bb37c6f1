"""The lab commands: ``lab sweep`` re-runs the long-term-dependency page's length sweep::

    python -m engine lab sweep --out pretrained/lab-long-term/length_sweep.json
    python -m engine lab sweep --lengths 100 --cells rnn lstm --steps 1500 --out /tmp/t100.json
    python -m engine lab inside-lstm --data-dir ../shared/data --out pretrained/lab-inside-lstm

Every setting not given keeps the recipe of :mod:`engine.lab.sweep` (Adam 3e-3 constant, clipping 1.0,
64 hidden units, batches of 64); the flags are generated from its config dataclasses.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from engine.cli.common import add_config_args, config_from_args, run_command

__all__ = ["add_parsers", "cmd_lab_inside_lstm", "cmd_lab_sweep"]


def add_parsers(commands: argparse._SubParsersAction, train: argparse._SubParsersAction) -> None:
    """Register ``lab sweep`` (under ``commands``)."""
    from engine.lab.long_term import CELLS
    from engine.lab.sweep import LAB_MODEL, LAB_TASK, LAB_TRAIN, LENGTHS

    group = commands.add_parser("lab", help="the lab pages' precomputed experiments")
    group.set_defaults(func=lambda args: _usage(group))  # `lab` alone: list its commands
    lab = group.add_subparsers(dest="lab_command", metavar="{sweep,inside-lstm}")
    sw = lab.add_parser("sweep", help="final loss against sequence length T for the RNN, GRU and LSTM "
                                      "(the long-term-dependency page's chart)",
                        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    sw.add_argument("--lengths", type=int, nargs="+", default=list(LENGTHS), help="sequence lengths T")
    sw.add_argument("--cells", nargs="+", choices=CELLS, default=list(CELLS), help="cells to train at each T")
    sw.add_argument("--steps", type=int, default=LAB_TRAIN.max_steps, help="training steps of each run")
    sw.add_argument("--out", default=None, help="results file (JSON); default: print the table only")
    add_config_args(sw, LAB_TASK, exclude=("seq_len",), title="task (TaskConfig)")
    add_config_args(sw, LAB_MODEL, exclude=("cell",), title="model (LongTermConfig)")
    add_config_args(sw, LAB_TRAIN, exclude=("max_steps", "eval_every", "checkpoint_every", "keep_every",
                                            "sample_every", "patience", "amp", "divergence_factor"),
                    title="optimisation (TrainConfig)")
    sw.set_defaults(func=cmd_lab_sweep)
    ins = lab.add_parser("inside-lstm", help="the Inside-the-LSTM page's unit ranking over the validation split")
    ins.add_argument("--model", default="charlm-shakespeare", help="shipped char-LSTM name or checkpoint folder")
    ins.add_argument("--data-dir", default=None, help="data directory (default: $RNN_DATA_DIR)")
    ins.add_argument("--out", default="pretrained/lab-inside-lstm", help="results folder")
    ins.set_defaults(func=cmd_lab_inside_lstm)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def cmd_lab_sweep(args: argparse.Namespace) -> int:
    from engine.lab.sweep import LAB_MODEL, LAB_TASK, LAB_TRAIN, length_sweep, save_results
    from engine.lab.tasks import TaskConfig

    task = config_from_args(args, LAB_TASK)
    model = config_from_args(args, LAB_MODEL)
    train = replace(config_from_args(args, LAB_TRAIN), max_steps=args.steps)
    for seq_len in args.lengths:
        TaskConfig(task=task.task, seq_len=seq_len)  # a bad T fails before any training
    print(f"{'T':>5} {'cell':>5} {'final loss':>11} {'baseline':>9} {'learned at':>11} {'steps':>6} {'CPU s':>7}",
          file=sys.stderr)

    def progress(row: dict) -> None:
        solved = "-" if row["solved_step"] is None else f"step {row['solved_step']}"
        final = "nan" if row["final_loss"] is None else f"{row['final_loss']:.4f}"
        print(f"{row['seq_len']:>5} {row['cell']:>5} {final:>11} {row['baseline']:>9.4f} {solved:>11} "
              f"{row['steps']:>6} {row['cpu_s']:>7.1f}", file=sys.stderr, flush=True)

    results = length_sweep(args.lengths, args.cells, task, model, train, command=run_command(), progress=progress)
    if args.out:
        path = save_results(results, Path(args.out).expanduser())
        print(f"wrote {path} ({path.stat().st_size / 1e3:.1f} kB)")
    return 0


def cmd_lab_inside_lstm(args: argparse.Namespace) -> int:
    """Precompute the Inside-the-LSTM page's results (:mod:`engine.lab.inside_lstm_results`)."""
    from engine.data import split_train_val
    from engine.data.corpora import load_text
    from engine.lab.inside_lstm_results import precompute, save_results
    from engine.train.checkpoint import load_pretrained

    model = load_pretrained(args.model, "cpu")
    val_fraction = model.meta.get("data", {}).get("val_fraction", 0.1)
    _, val_text = split_train_val(load_text("tinyshakespeare", args.data_dir, download=False), val_fraction)
    results = precompute(model, val_text, command=run_command(), progress=lambda k, n: print(
        f"\rpassage {k}/{n}", end="", file=sys.stderr, flush=True))
    path = save_results(results, args.out)
    print(f"\nwrote {path} ({results.meta['characters']:,} characters, {len(results.passages)} passages, "
          f"{results.meta['cpu_seconds']} CPU s)")
    return 0
