"""The translator's commands: ``train translator``, ``translate``, ``eval-translator``.

One command group of :mod:`engine.cli`::

    python -m engine train translator --dry-run
    python -m engine translate "Where is the station?" --beam-width 5 --n-best 3
    python -m engine eval-translator --model runs/translator/best --limit 500
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from engine.cli.common import (
    FINISHED,
    add_common_args,
    add_decode_args,
    add_train_args,
    configs_from_args,
    corpus_provenance,
    fit_run,
    load_or_dry_run,
    run_dir_for,
)

__all__ = ["DRY_RUN_PAIRS", "add_parsers", "cmd_eval_translator", "cmd_train_translator", "cmd_translate"]

DEFAULT_MODEL = "translator-en-fr"
DECODE_DEFAULTS = {"method": "beam", "beam_width": 5, "length_penalty": 0.6}  # of `translate` and `eval-translator`


def _dry_run_pairs() -> list[tuple[str, str]]:
    """A tiny built-in English–French corpus (so ``--dry-run`` works without a data directory)."""
    subjects = [("I", "Je", "vois", "mange", "veux"), ("We", "Nous", "voyons", "mangeons", "voulons"),
                ("They", "Ils", "voient", "mangent", "veulent"), ("You", "Vous", "voyez", "mangez", "voulez")]
    objects = [("the apple", "la pomme"), ("the bread", "le pain"), ("the cat", "le chat"),
               ("a house", "une maison"), ("the dog", "le chien"), ("a book", "un livre")]
    pairs = []
    for en_s, fr_s, see, eat, want in subjects:
        for en_o, fr_o in objects:
            pairs.append((f"{en_s} see {en_o}.", f"{fr_s} {see} {fr_o}."))
            pairs.append((f"{en_s} eat {en_o}.", f"{fr_s} {eat} {fr_o}."))
            pairs.append((f"{en_s} want {en_o}.", f"{fr_s} {want} {fr_o}."))
    return pairs


DRY_RUN_PAIRS = _dry_run_pairs()  # 72 pairs


def add_parsers(commands: argparse._SubParsersAction, train: argparse._SubParsersAction) -> None:
    """Register ``train translator`` (under ``train``), ``translate`` and ``eval-translator`` (under ``commands``).

    The model, data and optimisation flags of ``train translator`` are generated from
    :class:`~engine.seq2seq.model.TranslatorConfig`, :class:`~engine.seq2seq.recipe.TranslatorData` and
    :class:`~engine.train.trainer.TrainConfig`; their defaults are ``engine.seq2seq.presets.PRESETS["default"]``.
    """
    from engine.seq2seq.presets import PRESETS

    fmt = argparse.ArgumentDefaultsHelpFormatter
    t = train.add_parser("translator", help="encoder-decoder LSTM translator with attention (English -> French)",
                         formatter_class=fmt)
    t.add_argument("--run-dir", default=None,
                   help="folder for checkpoints and metrics (default ~/rnnlab-runs/translator-<direction>); "
                        "an existing run there is resumed")
    t.add_argument("--fresh", action="store_true", help="do not resume: fail if --run-dir already holds a run")
    t.add_argument("--dry-run", action="store_true",
                   help="the tiny preset (6 steps) on a slice of the corpus (or built-in pairs): checks the pipeline")
    t.add_argument("--threads", type=int, default=None,
                   help="CPU threads for torch (default: torch's choice, often 1; use the number of cores)")
    add_train_args(t, PRESETS, model_title="model (TranslatorConfig; the languages come from --direction)",
                   exclude=("vocab_size", "src_lang", "tgt_lang"), aliases={"n_embd": "--embd"},
                   negations={"bidirectional": "--unidirectional", "tie_embeddings": "--no-tie"})
    t.set_defaults(func=cmd_train_translator)

    tr = commands.add_parser("translate", help="translate sentences with a trained translator", formatter_class=fmt)
    tr.add_argument("text", nargs="*", help="sentences to translate (none: read one per line from stdin)")
    tr.add_argument("--model", default=DEFAULT_MODEL, help="pretrained name or checkpoint folder")
    add_decode_args(tr, methods=("beam", "greedy"), **DECODE_DEFAULTS, n_best=1)
    tr.add_argument("--attention", action="store_true", help="also print the attention weights")
    tr.add_argument("--json", action="store_true", help="print one JSON object per input")
    add_common_args(tr, data=False)
    tr.set_defaults(func=cmd_translate)

    ev = commands.add_parser("eval-translator", help="BLEU and chrF (sacrebleu) of a translator on its test split",
                        formatter_class=fmt)
    ev.add_argument("--model", default=DEFAULT_MODEL, help="pretrained name or checkpoint folder")
    ev.add_argument("--corpus", default=None, help="corpus (default: the one the model was trained on)")
    ev.add_argument("--split", choices=["test", "val"], default="test", help="which split to score")
    add_decode_args(ev, methods=("beam", "greedy"), **DECODE_DEFAULTS)
    ev.add_argument("--batch-size", type=int, default=64, help="sentences decoded together")
    ev.add_argument("--limit", type=int, default=None, help="score N evenly spaced source sentences (all lengths)")
    ev.add_argument("--output", default=None, help="also write 'source<TAB>hypothesis' lines to this file")
    ev.add_argument("--json", action="store_true", help="print the result as JSON")
    ev.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    add_common_args(ev)
    ev.set_defaults(func=cmd_eval_translator)


def _set_threads(n: int | None) -> None:
    if n is not None:
        if n < 1:
            raise ValueError("--threads must be >= 1")
        import torch

        torch.set_num_threads(n)


def cmd_train_translator(args: argparse.Namespace) -> int:
    from engine.data.parallel import load_pairs
    from engine.seq2seq.presets import PRESETS
    from engine.seq2seq.recipe import translator_trainer

    _set_threads(args.threads)
    model_cfg, data_cfg, train_cfg = configs_from_args(args, PRESETS)
    provenance = corpus_provenance(data_cfg.corpus)
    pairs, stand_in = load_or_dry_run(lambda: load_pairs(data_cfg.corpus, args.data_dir), args.dry_run,
                                      lambda: DRY_RUN_PAIRS, "the built-in sample pairs")
    if stand_in:
        provenance = {"corpus": "built-in dry-run pairs", "command": provenance["command"]}
    if args.dry_run:
        pairs = pairs[::max(1, len(pairs) // 3000)]  # ~3000 pairs spread over all lengths
        if len(pairs) < 500:  # e.g. the 72 built-in pairs: 5% would leave 3 for validation
            data_cfg = replace(data_cfg, val_fraction=0.2, test_fraction=0.2)
    run_dir = run_dir_for(args.run_dir, f"translator-{data_cfg.direction}", args.fresh)
    if run_dir is None:
        return 2

    status, _ = fit_run(args.device, run_dir, provenance, (train_cfg.max_steps, "subword", "translations"),
                        lambda run: translator_trainer(pairs, model_cfg, data_cfg, train_cfg, run),
                        lambda t: f"{t.model.num_params():,} parameters, {len(t.model.tokenizer)} subwords, "
                                  f"{t.train_batches.batches_per_epoch} batches/epoch")
    return 0 if status in FINISHED else 1


def cmd_translate(args: argparse.Namespace) -> int:
    from engine.train.checkpoint import load_pretrained

    texts = list(args.text) if args.text else [line.rstrip("\n") for line in sys.stdin]
    if not texts or not any(t.strip() for t in texts):
        print("error: nothing to translate (give sentences as arguments or on stdin)", file=sys.stderr)
        return 2
    if args.method == "beam" and not 1 <= args.n_best <= args.beam_width:
        print(f"error: --n-best must be between 1 and --beam-width ({args.beam_width})", file=sys.stderr)
        return 2
    model = load_pretrained(args.model, device=args.device)
    if getattr(model, "kind", None) != "translator":
        print(f"error: {args.model} is a {getattr(model, 'kind', '?')} model, not a translator", file=sys.stderr)
        return 2
    results = model.translate(texts, method=args.method, beam_width=args.beam_width,
                              n_best=args.n_best if args.method == "beam" else 1, length_penalty=args.length_penalty)
    for r in results:
        for note in r.notes:
            print(f"note: {note}", file=sys.stderr)
        if args.json:
            obj = {"source": r.source, "text": r.text, "pieces": r.pieces, "source_pieces": r.source_pieces,
                   "score": r.score, "notes": r.notes,
                   "n_best": [{"text": c.text, "score": c.score, "logprob": c.logprob, "finished": c.finished}
                              for c in r.n_best]}
            if args.attention and r.attention is not None:
                obj["attention"] = [[round(x, 4) for x in row] for row in r.attention.tolist()]
            print(json.dumps(obj, ensure_ascii=False))
            continue
        if args.n_best > 1:
            for i, c in enumerate(r.n_best, 1):
                print(f"{i}. {c.text}\t(score {c.score:.3f}, log-prob {c.logprob:.3f})")
        else:
            print(r.text)
        if args.attention and r.attention is not None:
            print(_attention_table(r.source_pieces, r.pieces, r.attention.tolist()))
    return 0


def _attention_table(src: list[str], tgt: list[str], alpha: list[list[float]]) -> str:
    width = max(6, *(len(s) for s in src))
    head = " " * 12 + "".join(f"{s:>{width + 1}}" for s in src)
    rows = [f"{t[:12]:<12}" + "".join(f"{a:>{width + 1}.2f}" for a in row) for t, row in zip(tgt, alpha)]
    return "\n".join([head, *rows])


def cmd_eval_translator(args: argparse.Namespace) -> int:
    from engine.data.parallel import SPLIT_SALT, group_references, grouped_split, load_pairs
    from engine.seq2seq.evaluate import evaluate_translator
    from engine.seq2seq.recipe import orient_pairs
    from engine.train.checkpoint import load_pretrained

    _set_threads(args.threads)
    model = load_pretrained(args.model, device=args.device)
    if getattr(model, "kind", None) != "translator":
        print(f"error: {args.model} is not a translator", file=sys.stderr)
        return 2
    data = model.meta.get("data", {})
    corpus = args.corpus or model.meta.get("provenance", {}).get("corpus") or data.get("corpus")
    if not corpus:
        print("error: the model does not record its corpus; pass --corpus", file=sys.stderr)
        return 2
    pairs = DRY_RUN_PAIRS if corpus == "built-in dry-run pairs" else load_pairs(corpus, args.data_dir)
    direction = data.get("direction", "en-fr")
    splits = grouped_split(orient_pairs(pairs, direction), data.get("val_fraction", 0.05),
                           data.get("test_fraction", 0.05), salt=data.get("split_salt", SPLIT_SALT))
    sources, refs = group_references(splits[args.split])
    if args.limit and args.limit < len(sources):  # evenly spaced: the corpus is sorted short to long
        keep = [round(i * len(sources) / args.limit) for i in range(args.limit)]
        sources, refs = [sources[i] for i in keep], [refs[i] for i in keep]
    if not sources:
        print(f"error: the {args.split} split is empty", file=sys.stderr)
        return 2
    print(f"scoring {len(sources)} {args.split} sentences of {corpus} ({direction}) ...", file=sys.stderr)
    scores = evaluate_translator(model, sources, refs, method=args.method, beam_width=args.beam_width,
                                 length_penalty=args.length_penalty, batch_size=args.batch_size)
    if args.output:
        Path(args.output).write_text("".join(f"{s}\t{h}\n" for s, h in zip(sources, scores.hypotheses)))
    if args.json:
        print(json.dumps({"model": str(args.model), "corpus": corpus, "split": args.split, "direction": direction,
                          **scores.to_dict()}, ensure_ascii=False))
    else:
        print(f"model {args.model}, {corpus} {args.split} split ({direction})")
        print(scores.format())
    return 0
