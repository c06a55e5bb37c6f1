"""The ECG commands (MIT-BIH record 100 from the data directory)::

    python -m engine train ecg-predictor --out pretrained/ecg-predictor     # next-samples LSTM, anomaly score
    python -m engine train ecg-classifier --out pretrained/ecg-classifier   # many-to-one beat classifier
    python -m engine ecg-eval --model pretrained/ecg-predictor              # re-measure a model's card

Model flags come from :class:`~engine.timeseries.ecg_model.ECGPredictorConfig` /
:class:`~engine.timeseries.ecg_model.ECGClassifierConfig`, optimisation flags from ``TrainConfig`` (defaults:
the shipped recipes in :mod:`engine.timeseries.ecg_recipe`). ``--out`` writes fp16 weights, metrics.json and
card.md measured on the written files.
"""

from __future__ import annotations

import argparse
import json

from engine.cli.common import add_common_args, add_config_args, config_from_args, progress_listener, run_command

__all__ = ["add_parsers", "cmd_ecg_eval", "cmd_train_ecg"]

_SKIP_TRAIN = ("eval_every", "sample_every", "patience", "amp", "keep_every")
_WHAT = {
    "ecg-predictor": "An LSTM that predicts the next 0.1 s of an ECG (lead MLII), trained only on normal rhythm; its "
                     "prediction error is an anomaly score for each beat.",
    "ecg-classifier": "A many-to-one LSTM that reads 1.4 s of ECG around a beat (from 1.0 s before its R peak to "
                      "0.4 s after) and answers normal (N) or abnormal (A, V).",
}


def add_parsers(commands: argparse._SubParsersAction, train: argparse._SubParsersAction) -> None:
    """Register ``train ecg-predictor``, ``train ecg-classifier`` and ``ecg-eval``."""
    from engine.timeseries.ecg_model import ECGClassifierConfig, ECGPredictorConfig
    from engine.timeseries.ecg_recipe import CLASSIFIER_TRAIN, PREDICTOR_TRAIN

    for kind, config, recipe in (("ecg-predictor", ECGPredictorConfig, PREDICTOR_TRAIN),
                                 ("ecg-classifier", ECGClassifierConfig, CLASSIFIER_TRAIN)):
        p = train.add_parser(kind, help=_WHAT[kind], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        scaling = ("mean", "std") + (("fs",) if kind == "ecg-classifier" else ())  # set from the data
        add_config_args(p, config, exclude=scaling, title=f"model ({config.__name__})")
        add_config_args(p, recipe, exclude=_SKIP_TRAIN, title="optimisation (TrainConfig)")
        p.add_argument("--run-dir", default=None, help="trainer checkpoints (default: none)")
        p.add_argument("--out", default=None, help="write the model with metrics.json and card.md here")
        add_common_args(p)
        p.set_defaults(func=cmd_train_ecg, ecg_kind=kind, ecg_config=config, ecg_recipe=recipe)
    ev = commands.add_parser("ecg-eval", help="measure an ECG model on record 100 (ROC AUC / confusion matrix)")
    ev.add_argument("--model", required=True, help="a pretrained name or checkpoint folder")
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    add_common_args(ev)
    ev.set_defaults(func=cmd_ecg_eval)


def cmd_train_ecg(args: argparse.Namespace) -> int:
    from engine.timeseries import ecg_recipe
    from engine.timeseries.ecg import load_ecg
    from engine.timeseries.ecg_card import evaluate, ship

    data = load_ecg(args.data_dir)  # a missing record fails before any training
    config, train = config_from_args(args, args.ecg_config), config_from_args(args, args.ecg_recipe)
    fit = ecg_recipe.train_predictor if args.ecg_kind == "ecg-predictor" else ecg_recipe.train_classifier
    model, seconds = fit(data, config, train, run_dir=args.run_dir, listeners=[progress_listener(train.max_steps,
                                                                                                 token="sample")])
    if args.out:
        from pathlib import Path

        training = {"name": Path(args.out).name, "what": _WHAT[args.ecg_kind], "command": run_command(),
                    "steps": train.max_steps, "seconds": round(seconds, 1), "hardware": "2-core CPU", "threads": 1}
        report = ship(model, args.out, data, training)["evaluation"]
        print(f"wrote {args.out}")
    else:
        report = evaluate(model, data)
    print(json.dumps(report, indent=2))
    return 0


def cmd_ecg_eval(args: argparse.Namespace) -> int:
    from engine.timeseries.ecg import load_ecg
    from engine.timeseries.ecg_card import evaluate
    from engine.train.checkpoint import load_pretrained

    model = load_pretrained(args.model, "cpu")
    if model.kind not in ("ecg-predictor", "ecg-classifier"):
        raise ValueError(f"{args.model} is a {model.kind!r} model, not an ECG model")
    report = evaluate(model, load_ecg(args.data_dir))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for part in ("held_out", "all", "train"):
        if part in report:
            r = report[part]
            extra = (f"RR-rule AUC {r['rr_rule_auc']:.3f}" if "rr_rule_auc" in r
                     else f"balanced accuracy {r['balanced_accuracy']:.3f}, confusion {r['confusion']}")
            print(f"{part:>9}: {r['n_abnormal']} abnormal / {r['n_normal']} normal beats, "
                  f"ROC AUC {r['auc']:.3f}, {extra}")
    return 0
