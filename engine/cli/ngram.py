"""The n-gram command: ``train ngram`` (the baseline of the n-gram vs RNN page)::

    python -m engine train ngram --corpus tinyshakespeare --data-dir ../shared/data --out pretrained/ngram-shakespeare
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from engine.cli.common import DRY_RUN_TEXT, add_common_args, load_or_dry_run, run_command
from engine.data.corpora import TEXT_CORPORA

__all__ = ["add_parsers", "cmd_train_ngram"]


def add_parsers(commands: argparse._SubParsersAction, train: argparse._SubParsersAction) -> None:
    """Register ``train ngram`` (under ``train``)."""
    ng = train.add_parser("ngram", help="character n-gram models (the baseline of the n-gram vs RNN page)",
                          formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ng.add_argument("--corpus", default="tinyshakespeare",
                    help=f"named corpus ({', '.join(TEXT_CORPORA)}) or a path to a UTF-8 text file")
    ng.add_argument("--out", "--run-dir", dest="out", default=None,
                    help="output folder (default ~/rnnlab-runs/ngram-<corpus>); the shipped models are built "
                         "with --out pretrained/ngram-shakespeare")
    ng.add_argument("--order", type=int, default=7, help="order of the saved model (its counts give every lower order)")
    ng.add_argument("--sweep-orders", type=int, default=10,
                    help="measure validation bits/char of every smoothing at orders 1..N")
    ng.add_argument("--val-fraction", type=float, default=0.1,
                    help="last fraction of the text held out (the char-LM's split)")
    ng.add_argument("--dry-run", action="store_true",
                    help="order 3, sweep to 3, on a slice of the corpus (or built-in text): checks the pipeline")
    add_common_args(ng)
    ng.set_defaults(func=cmd_train_ngram)


def cmd_train_ngram(args: argparse.Namespace) -> int:
    from engine.data.corpora import load_text
    from engine.data.text import split_train_val
    from engine.ngram.pretrained import build

    corpus = {"corpus": str(args.corpus)}
    text, stand_in = load_or_dry_run(lambda: load_text(args.corpus, args.data_dir), args.dry_run,
                                     lambda: DRY_RUN_TEXT, "the built-in sample text")
    if stand_in:
        corpus["corpus"] = "built-in dry-run text"
    order, sweep_orders = args.order, args.sweep_orders
    if args.dry_run:
        text = text[:20000]
        order, sweep_orders = min(order, 3), min(sweep_orders, 3)
    corpus["chars"] = len(text)
    corpus["md5"] = hashlib.md5(text.encode("utf-8")).hexdigest()  # of the text used (the file's, if UTF-8 w/o BOM)
    train, val = split_train_val(text, args.val_fraction)
    out = Path(args.out or Path.home() / "rnnlab-runs" / f"ngram-{Path(str(args.corpus)).stem}").expanduser()
    build(train, val, out, order=order, sweep_orders=sweep_orders, corpus=corpus,
          command=run_command(), log=lambda msg: print(msg, file=sys.stderr))
    return 0
