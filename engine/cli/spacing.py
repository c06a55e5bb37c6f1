"""The spacing commands: ``train spacing`` and ``eval-spacing``::

    python -m engine train spacing --lang ko --bidirectional --run-dir ~/rnnlab-runs/spacing-ko-bi
    python -m engine train spacing --lang en --no-bidirectional --max-steps 3000
    python -m engine eval-spacing --model spacing-ko-bi --split test --json
    python -m engine eval-spacing --model spacing-ko-bi --split tatoeba     # the Korean side of Tatoeba

The model, data and optimisation flags are generated from :class:`~engine.spacing.model.SpacingConfig`,
:class:`~engine.spacing.recipe.SpacingData` and :class:`~engine.train.trainer.TrainConfig`; their defaults
are ``engine.spacing.presets.PRESETS["default"]``.
"""

from __future__ import annotations

import argparse
import json
import time

from engine.cli import common

__all__ = ["add_parsers", "cmd_train_spacing", "cmd_eval_spacing"]

SPLITS = ("test", "test-unfiltered", "val", "tatoeba")
_DRY_TEXTS = [line.strip() for line in common.DRY_RUN_TEXT.splitlines() if line.strip()]


def add_parsers(commands: argparse._SubParsersAction, train: argparse._SubParsersAction) -> None:
    """Register ``train spacing`` (under ``train``) and ``eval-spacing`` (under ``commands``)."""
    from engine.spacing.data import LANGS
    from engine.spacing.presets import PRESETS

    fmt = argparse.ArgumentDefaultsHelpFormatter
    c = train.add_parser("spacing", help="word-spacing restoration: a (bi)directional character tagger",
                         formatter_class=fmt)
    c.add_argument("--lang", choices=LANGS, default="ko",
                   help="ko: NSMC reviews (sentiment/nsmc); en: Tiny Shakespeare lines")
    c.add_argument("--keep-unspaced", action="store_true",
                   help="ko: keep the obviously unspaced reviews in training (default: dropped)")
    c.add_argument("--run-dir", default=None,
                   help="folder for checkpoints and metrics (default ~/rnnlab-runs/spacing-<lang>-<bi|uni>); an "
                        "existing run there is resumed")
    c.add_argument("--fresh", action="store_true", help="do not resume: fail if --run-dir already holds a run")
    c.add_argument("--dry-run", action="store_true",
                   help="the tiny preset for 6 steps on a slice of the data (or built-in text): checks the pipeline")
    common.add_train_args(c, PRESETS, exclude=("vocab_size",))
    c.set_defaults(func=cmd_train_spacing)

    ev = commands.add_parser("eval-spacing", help="character accuracy and space F1 of a spacing model",
                             formatter_class=fmt)
    ev.add_argument("--model", default="spacing-ko-bi", help="pretrained name or checkpoint folder")
    ev.add_argument("--split", choices=SPLITS, default="test",
                    help="test (filtered as in training), test-unfiltered, val, or tatoeba (Korean side)")
    ev.add_argument("--limit", type=int, default=0, help="score only the first N texts (0: all)")
    ev.add_argument("--json", action="store_true", help="print the result as JSON")
    common.add_common_args(ev)
    ev.set_defaults(func=cmd_eval_spacing)


def cmd_train_spacing(args: argparse.Namespace) -> int:
    from engine.spacing.data import SpacingSplits, load_spacing_splits
    from engine.spacing.presets import PRESETS
    from engine.spacing.recipe import spacing_trainer

    model_cfg, data_cfg, train_cfg = common.configs_from_args(args, PRESETS)
    splits, stand_in = common.load_or_dry_run(
        lambda: load_spacing_splits(args.lang, args.data_dir, filter_unspaced=not args.keep_unspaced),
        args.dry_run, lambda: SpacingSplits(_DRY_TEXTS, _DRY_TEXTS[:8], _DRY_TEXTS[:8], "built-in dry-run text"),
        "the built-in sample text")
    if args.dry_run:
        splits.train, splits.val = splits.train[:2000], splits.val[:100]
    direction = "bi" if model_cfg.bidirectional else "uni"
    run_dir = common.run_dir_for(args.run_dir, f"spacing-{args.lang}-{direction}", args.fresh)
    if run_dir is None:
        return 2
    provenance = {"corpus": "built-in dry-run text" if stand_in else splits.source, "lang": args.lang,
                  "command": common.run_command()}
    status, _ = common.fit_run(
        args.device, run_dir, provenance, (train_cfg.max_steps, "char", "sample"),
        lambda run: spacing_trainer(splits, model_cfg, data_cfg, train_cfg, run),
        lambda t: f"{t.model.num_params():,} parameters, {len(t.model.vocab)} characters, {direction}directional")
    return 0 if status in common.FINISHED else 1


def _texts(lang: str, split: str, data_dir: str | None, filter_unspaced: bool) -> list[str]:
    from engine.spacing.data import load_spacing_splits, tatoeba_korean

    if split == "tatoeba":
        if lang != "ko":
            raise ValueError("--split tatoeba is Korean text: it needs a Korean (lang ko) model")
        return tatoeba_korean(data_dir)
    splits = load_spacing_splits(lang, data_dir, filter_unspaced=filter_unspaced)
    return {"test": splits.test, "val": splits.val, "test-unfiltered": splits.test_unfiltered}[split]


def cmd_eval_spacing(args: argparse.Namespace) -> int:
    from engine.spacing.restore import evaluate_spacing
    from engine.train.checkpoint import CheckpointError, load_pretrained

    model = load_pretrained(args.model, device=args.device)
    if getattr(model, "kind", None) != "spacing":
        raise CheckpointError(f"{args.model} is a {model.kind} model; eval-spacing needs a spacing model")
    lang = model.meta.get("provenance", {}).get("lang", "ko")
    filtered = "dropped" in model.meta.get("source", "")
    texts = _texts(lang, args.split, args.data_dir, filtered)
    if args.limit > 0:
        texts = texts[: args.limit]
    t0 = time.perf_counter()
    scores = evaluate_spacing(model, texts)
    result = {"model": str(args.model), "lang": lang, "split": args.split, "texts": len(texts),
              **scores.as_dict(), "seconds": round(time.perf_counter() - t0, 1)}
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>15}: {v}")
    return 0
