"""The sentiment commands: ``train sentiment``, ``eval-sentiment``, ``classify``, ``compare-sentiment``.

One command group of :mod:`engine.cli`::

    python -m engine train sentiment --lang en --run-dir ~/rnnlab-runs/sentiment-en
    python -m engine eval-sentiment --model sentiment-en --on sst2-dev sst2-test rt-polarity
    python -m engine classify "a gorgeous, witty, seductive movie ." --model sentiment-en
    python -m engine compare-sentiment --lang ko --steps 1500 --output pretrained/sentiment-comparison/ko.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.cli.common import (
    FINISHED,
    add_common_args,
    add_train_args,
    configs_from_args,
    corpus_provenance,
    fit_run,
    run_command,
    run_dir_for,
)

__all__ = ["add_parsers", "cmd_train_sentiment", "cmd_eval_sentiment", "cmd_classify", "cmd_compare_sentiment",
           "dry_run_splits"]

DEFAULT_MODEL = {"en": "sentiment-en", "ko": "sentiment-ko"}


def dry_run_splits(lang: str):
    """A tiny built-in labelled set (so ``--dry-run`` works without a data directory)."""
    from engine.sentiment.data import SentimentSplits, prepare_text

    good = {"en": ["a great film", "i loved it", "wonderful acting", "truly moving"],
            "ko": ["정말 재밌다", "최고의 영화", "감동적이에요", "연기가 좋다"]}[lang]
    bad = {"en": ["a dull film", "i hated it", "awful acting", "truly boring"],
           "ko": ["정말 지루하다", "최악의 영화", "시간 아깝다", "연기가 별로"]}[lang]
    pairs = [(prepare_text(f"{a} {b}", lang), 1) for a in good for b in good]
    pairs += [(prepare_text(f"{a} {b}", lang), 0) for a in bad for b in bad]
    return SentimentSplits(lang, pairs * 4, pairs[::3], pairs[1::3])


def add_parsers(commands: argparse._SubParsersAction, train: argparse._SubParsersAction) -> None:
    """Register ``train sentiment`` (under ``train``), ``eval-sentiment``, ``classify``, ``compare-sentiment``."""
    from engine.sentiment.data import EVAL_SETS
    from engine.sentiment.presets import PRESETS

    fmt = argparse.ArgumentDefaultsHelpFormatter
    t = train.add_parser("sentiment", help="many-to-one (bi)LSTM/GRU sentiment classifier (SST-2 or NSMC)",
                         formatter_class=fmt)
    t.add_argument("--run-dir", default=None, help="run folder (default ~/rnnlab-runs/sentiment-<lang>)")
    t.add_argument("--fresh", action="store_true", help="do not resume: fail if --run-dir already holds a run")
    t.add_argument("--dry-run", action="store_true", help="the tiny preset on built-in sentences if no data")
    t.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    add_train_args(t, PRESETS, exclude=("vocab_size", "n_classes"))
    t.set_defaults(func=cmd_train_sentiment)

    ev = commands.add_parser("eval-sentiment", help="accuracy of a sentiment classifier", formatter_class=fmt)
    ev.add_argument("--model", default=None, help="pretrained name or checkpoint folder (default: sentiment-<lang>)")
    ev.add_argument("--lang", choices=("en", "ko"), default="en", help="language (picks the default model)")
    ev.add_argument("--on", nargs="+", choices=tuple(EVAL_SETS), default=None,
                    help="evaluation sets (default: all of the model's language)")
    ev.add_argument("--json", action="store_true", help="print the result as JSON")
    ev.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    add_common_args(ev)
    ev.set_defaults(func=cmd_eval_sentiment)

    c = commands.add_parser("classify", help="classify texts with a sentiment model", formatter_class=fmt)
    c.add_argument("text", nargs="*", help="texts (none: one per line from stdin)")
    c.add_argument("--model", default="sentiment-en", help="pretrained name or checkpoint folder")
    add_common_args(c, data=False)
    c.set_defaults(func=cmd_classify)

    cp = commands.add_parser("compare-sentiment", help="the representation comparison (bag of words, one-hot, "
                             "embeddings, bidirectional) on one language's splits", formatter_class=fmt)
    cp.add_argument("--lang", choices=("en", "ko"), default="en", help="language: SST-2 (en) or NSMC (ko) splits")
    cp.add_argument("--steps", type=int, default=1500, help="optimizer steps of every model (same budget)")
    cp.add_argument("--batch-size", type=int, default=64, help="texts per batch (the same for every model)")
    cp.add_argument("--only", nargs="+", default=None, help="run only these rows (names as in the table)")
    cp.add_argument("--output", default=None, help="write the table as JSON here (merged into an existing file)")
    cp.add_argument("--dry-run", action="store_true", help="built-in sentences, 6 steps")
    cp.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    add_common_args(cp)
    cp.set_defaults(func=cmd_compare_sentiment)


def _set_threads(n: int | None) -> None:
    if n is not None:
        if n < 1:
            raise ValueError("--threads must be >= 1")
        import torch

        torch.set_num_threads(n)


def _splits(lang: str, data_dir: str | None, dry_run: bool):
    from engine.cli.common import load_or_dry_run
    from engine.sentiment.data import load_splits

    return load_or_dry_run(lambda: load_splits(lang, data_dir), dry_run, lambda: dry_run_splits(lang),
                           "built-in sentences")


def cmd_train_sentiment(args: argparse.Namespace) -> int:
    from engine.sentiment.presets import PRESETS
    from engine.sentiment.recipe import sentiment_trainer

    _set_threads(args.threads)
    model_cfg, data_cfg, train_cfg = configs_from_args(args, PRESETS)
    splits, stand_in = _splits(model_cfg.lang, args.data_dir, args.dry_run)
    provenance = corpus_provenance({"en": "sst2", "ko": "nsmc"}[model_cfg.lang])
    if stand_in:
        provenance["corpus"] = "built-in dry-run sentences"
    run_dir = run_dir_for(args.run_dir, f"sentiment-{model_cfg.lang}", args.fresh)
    if run_dir is None:
        return 2
    status, _ = fit_run(args.device, run_dir, provenance, (train_cfg.max_steps, "text", "sample"),
                        lambda run: sentiment_trainer(splits, model_cfg, data_cfg, train_cfg, run),
                        lambda t: f"{t.model.num_params():,} parameters, {len(t.model.tokenizer)} pieces, "
                                  f"{t.train_batches.batches_per_epoch} batches/epoch")
    select_by_accuracy(run_dir, splits.val)
    return 0 if status in FINISHED else 1


def select_by_accuracy(run_dir: Path, val_pairs) -> str | None:
    """Model selection by validation *accuracy*: of the run's checkpoints (``best/``, ``last/`` and every
    ``step-NNNNNN/`` kept by ``--keep-every``), copy the one with the highest validation accuracy to
    ``run_dir/best-accuracy/`` (ties: the earliest step) and write every accuracy to
    ``run_dir/selection.json``. The trainer's ``best/`` is chosen by validation loss, which on a few
    hundred texts is not the same ranking. Returns the chosen folder's name (None: no checkpoint)."""
    import shutil

    from engine.sentiment.recipe import accuracy
    from engine.train.checkpoint import load_model

    names = [n for n in ("best", "last") if (run_dir / n).is_dir()]
    names += sorted(p.name for p in run_dir.glob("step-*") if p.is_dir())
    rows = []
    for name in names:
        config = json.loads((run_dir / name / "config.json").read_text())
        step = config.get("step", config.get("meta", {}).get("step", -1))
        acc = accuracy(load_model(run_dir / name, device="cpu"), val_pairs)
        rows.append({"checkpoint": name, "step": step, "val_accuracy": round(acc, 4)})
        print(f"{name}: step {step}, val accuracy {acc:.4f}", file=sys.stderr)
    if not rows:
        return None
    chosen = min(rows, key=lambda r: (-r["val_accuracy"], r["step"] if isinstance(r["step"], int) else 0))
    target = run_dir / "best-accuracy"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(run_dir / chosen["checkpoint"], target)
    (run_dir / "selection.json").write_text(json.dumps({"selected": chosen, "checkpoints": rows}, indent=1) + "\n")
    print(f"best-accuracy: {chosen['checkpoint']} (step {chosen['step']}, val accuracy "
          f"{chosen['val_accuracy']:.4f})", file=sys.stderr)
    return chosen["checkpoint"]


def cmd_eval_sentiment(args: argparse.Namespace) -> int:
    import time

    from engine.sentiment.data import EVAL_SETS, load_eval_set
    from engine.sentiment.recipe import accuracy
    from engine.train.checkpoint import load_pretrained

    _set_threads(args.threads)
    model = load_pretrained(args.model or DEFAULT_MODEL[args.lang], device=args.device or "cpu")
    if getattr(model, "kind", None) != "sentiment":
        print(f"error: {args.model} is not a sentiment model", file=sys.stderr)
        return 2
    names = args.on or [n for n, lang in EVAL_SETS.items() if lang == model.config.lang]
    result = {}
    for name in names:
        pairs = load_eval_set(name, args.data_dir)
        start = time.perf_counter()
        result[name] = {"accuracy": round(accuracy(model, pairs), 4), "n": len(pairs),
                        "seconds": round(time.perf_counter() - start, 2)}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, r in result.items():
            print(f"{name:12s} accuracy {r['accuracy']:.4f}  ({r['n']} texts, {r['seconds']} s)")
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from engine.sentiment.model import SentimentInputError
    from engine.train.checkpoint import load_pretrained

    texts = list(args.text) if args.text else [line.rstrip("\n") for line in sys.stdin]
    model = load_pretrained(args.model, device=args.device or "cpu")
    try:
        for p in model.predict(texts):
            print(f"{p.label}\t{max(p.probs):.3f}\t{p.text}")
    except SentimentInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_compare_sentiment(args: argparse.Namespace) -> int:
    from engine.sentiment.compare import compare_representations

    _set_threads(args.threads)
    splits, _ = _splits(args.lang, args.data_dir, args.dry_run)
    steps = 6 if args.dry_run else args.steps
    table = compare_representations(splits, steps=steps, batch_size=args.batch_size, only=args.only,
                                     vocab_size=300 if args.dry_run else 8000, device=args.device,
                                     progress=lambda row: print(json.dumps(row), file=sys.stderr))
    table["command"] = run_command()
    if args.output:
        path = Path(args.output)
        old = json.loads(path.read_text()) if path.is_file() else {}
        rows = {r["name"]: r for r in old.get("rows", [])}
        rows.update({r["name"]: r for r in table["rows"]})
        table = replace_rows(table, list(rows.values()))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(table, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(table, indent=2, ensure_ascii=False))
    return 0


def replace_rows(table: dict, rows: list[dict]) -> dict:
    """``table`` with its ``rows`` replaced (kept in the comparison's order)."""
    from engine.sentiment.compare import ROWS

    order = {name: i for i, name in enumerate(ROWS)}
    return {**table, "rows": sorted(rows, key=lambda r: order.get(r["name"], len(order)))}

