"""Command line: ``python -m engine <command> ...`` (or ``rnnlab``); ``--help`` on each command.

One module per command group, each with ``add_parsers(commands, train)`` registering its commands
(``train <kind>`` under ``train``, the others at the top) and ``set_defaults(func=cmd_...)`` naming
the function that runs each one:

=============================  ===================================================
:mod:`engine.cli.charlm`       ``train charlm``, ``generate``, ``eval``
:mod:`engine.cli.ngram`        ``train ngram``
:mod:`engine.cli.translator`   ``train translator``, ``translate``, ``eval-translator``
:mod:`engine.cli.captioner`    ``train captioner``, ``caption``, ``eval-captioner``, ``eval-captioner-ood``
:mod:`engine.cli.export`       ``export``
:mod:`engine.cli.lab`          ``lab sweep``, ``lab inside-lstm`` (the lab pages' precomputed experiments)
:mod:`engine.cli.timeseries`   ``train forecaster``, ``eval-forecaster``
:mod:`engine.cli.sentiment`    ``train sentiment``, ``eval-sentiment``, ``classify``, ``compare-sentiment``
:mod:`engine.cli.spacing`      ``train spacing``, ``eval-spacing``
:mod:`engine.cli.ecg`          ``train ecg-predictor``, ``train ecg-classifier``, ``ecg-eval``
:mod:`engine.cli.common`       flags generated from the config dataclasses, presets, progress bar
=============================  ===================================================
"""

from __future__ import annotations

import argparse
import sys

from engine.cli import captioner, charlm, ecg, export, lab, ngram, sentiment, spacing, timeseries, translator
from engine.data.corpora import CorpusNotFoundError, DataError

__all__ = ["GROUPS", "build_parser", "main"]

GROUPS = (charlm, ngram, translator, captioner, export, lab, spacing, sentiment, ecg, timeseries)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description="RNN Lab: train, generate, evaluate.")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a model").add_subparsers(dest="kind", required=True)
    for group in GROUPS:
        group.add_parsers(commands, train)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CorpusNotFoundError, DataError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
