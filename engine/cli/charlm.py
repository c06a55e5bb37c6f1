"""The char-LM's commands: ``train charlm``, ``generate``, ``eval``::

    python -m engine train charlm --corpus tinyshakespeare --n-layer 2 --n-hidden 512
    python -m engine train charlm --preset shakespeare-card --run-dir ~/rnnlab-runs/charlm-shakespeare
    python -m engine generate --prime "ROMEO:" --length 300 --temperature 0.8
    python -m engine eval --model ~/rnnlab-runs/charlm-tinyshakespeare/best --json

The model, data and optimisation flags of ``train charlm`` are generated from
:class:`~engine.lm.model.CharLMConfig`, :class:`~engine.lm.recipe.CharLMData` and
:class:`~engine.train.trainer.TrainConfig`; their defaults are ``engine.lm.presets.PRESETS["default"]``.
The older spellings ``--layers``, ``--hidden``, ``--embd`` and ``--from-scratch`` still work.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from engine.cli import common
from engine.data.corpora import TEXT_CORPORA

__all__ = ["add_parsers", "cmd_eval", "cmd_generate", "cmd_train_charlm"]

MODEL_ALIASES = {"n_layer": "--layers", "n_hidden": "--hidden", "n_embd": "--embd"}  # older spellings, still accepted
MODEL_NEGATIONS = {"fused": "--from-scratch"}  # = --no-fused


def add_parsers(commands: argparse._SubParsersAction, train: argparse._SubParsersAction) -> None:
    """Register ``train charlm`` (under ``train``), ``generate`` and ``eval`` (under ``commands``)."""
    from engine.lm.presets import PRESETS

    fmt = argparse.ArgumentDefaultsHelpFormatter
    c = train.add_parser("charlm", help="character-level language model", formatter_class=fmt)
    c.add_argument("--corpus", default="tinyshakespeare",
                   help=f"named corpus ({', '.join(TEXT_CORPORA)}) or a path to a UTF-8 text file")
    c.add_argument("--run-dir", default=None,
                   help="folder for checkpoints and metrics (default ~/rnnlab-runs/charlm-<corpus>); "
                        "an existing run there is resumed")
    c.add_argument("--fresh", action="store_true", help="do not resume: fail if --run-dir already holds a run")
    c.add_argument("--init-from", default=None, metavar="CHECKPOINT",
                   help="start a new run from this checkpoint's weights and vocabulary (same architecture; "
                        "a second stage with its own schedule)")
    c.add_argument("--dry-run", action="store_true",
                   help="the tiny preset (a 1x32 LSTM, 6 steps) on a slice of the corpus (or built-in text): checks "
                        "the pipeline in seconds")
    common.add_train_args(c, PRESETS, exclude=("vocab_size",), aliases=MODEL_ALIASES, negations=MODEL_NEGATIONS)
    c.set_defaults(func=cmd_train_charlm)

    gen = commands.add_parser("generate", help="generate text with a char-LM", formatter_class=fmt)
    gen.add_argument("--model", default="charlm-shakespeare", help="pretrained name or checkpoint folder")
    gen.add_argument("--prime", default="", help="text to start from")
    gen.add_argument("--length", type=int, default=500, help="characters to generate")
    common.add_decode_args(gen, methods=("sample", "greedy", "beam"), method="sample", temperature=0.8, top_k=None,
                           top_p=None, beam_width=5, helps={"top_k": "keep only the k most likely characters"})
    gen.add_argument("--seed", type=int, default=0, help="random seed")
    common.add_common_args(gen, data=False)
    gen.set_defaults(func=cmd_generate)

    ev = commands.add_parser("eval", help="validation loss of a char-LM on a corpus split", formatter_class=fmt)
    ev.add_argument("--model", default="charlm-shakespeare", help="pretrained name or checkpoint folder")
    ev.add_argument("--corpus", default=None, help="corpus (default: the one the model was trained on)")
    ev.add_argument("--split", choices=["val", "train"], default="val", help="which split to score")
    ev.add_argument("--json", action="store_true", help="print the result as JSON")
    common.add_common_args(ev)
    ev.set_defaults(func=cmd_eval)


def cmd_train_charlm(args: argparse.Namespace) -> int:
    from engine.data.corpora import load_text
    from engine.lm.presets import PRESETS
    from engine.lm.recipe import charlm_trainer

    model_cfg, data_cfg, train_cfg = common.configs_from_args(args, PRESETS)
    provenance = common.corpus_provenance(args.corpus)
    text, stand_in = common.load_or_dry_run(lambda: load_text(args.corpus, args.data_dir), args.dry_run,
                                            lambda: common.DRY_RUN_TEXT, "the built-in sample text")
    if stand_in:
        provenance = {"corpus": "built-in dry-run text", "command": provenance["command"]}
    if args.dry_run:
        text = text[:20000]
    run_dir = common.run_dir_for(args.run_dir, f"charlm-{Path(str(args.corpus)).stem}", args.fresh)
    if run_dir is None:
        return 2

    status, _ = common.fit_run(
        args.device, run_dir, provenance, (train_cfg.max_steps, "char", "sample"),
        lambda run: charlm_trainer(text, model_cfg, data_cfg, train_cfg, run, init_from=args.init_from),
        lambda t: f"{t.model.num_params():,} parameters, {len(t.model.vocab)} symbols")
    return 0 if status in common.FINISHED else 1


def _load_charlm(name_or_path: str, device: str | None):
    from engine.train.checkpoint import CheckpointError, load_pretrained

    model = load_pretrained(name_or_path, device=device)
    if getattr(model, "kind", None) != "charlm":
        raise CheckpointError(f"{name_or_path} is a {model.kind} model; this command needs a char-LM "
                              "(use `translate` or `caption` for those models)")
    return model


def cmd_generate(args: argparse.Namespace) -> int:
    from engine.lm.generate import generate_text, stream_text

    model = _load_charlm(args.model, args.device)
    kw = dict(prime=args.prime, length=args.length, method=args.method, temperature=args.temperature,
              top_k=args.top_k, top_p=args.top_p, beam_width=args.beam_width, seed=args.seed)
    if args.method == "beam":
        result = generate_text(model, **kw)
        if result.unknown_chars:
            print(f"note: characters not in the model's vocabulary were replaced by U+FFFD: "
                  f"{''.join(result.unknown_chars)!r}", file=sys.stderr)
        print(args.prime + result.text)
        return 0
    sys.stdout.write(args.prime)
    for piece in stream_text(model, **kw):
        sys.stdout.write(piece)
        sys.stdout.flush()
    sys.stdout.write("\n")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from engine.data.corpora import load_text
    from engine.data.text import encode_split, eval_chunks
    from engine.train.trainer import evaluate

    model = _load_charlm(args.model, args.device)
    meta = model.meta
    corpus = args.corpus or meta.get("provenance", {}).get("corpus")
    if not corpus:
        print("error: the model does not record its corpus; pass --corpus", file=sys.stderr)
        return 2
    data = meta.get("data", {})
    text = load_text(corpus, args.data_dir)
    train_ids, val_ids = encode_split(text, model.vocab, data.get("val_fraction", 0.1))
    ids = val_ids if args.split == "val" else train_ids
    bs, sl = data.get("eval_batch_size", 16), data.get("eval_seq_len", 256)
    t0 = time.perf_counter()
    loss = evaluate(model, eval_chunks(ids, bs, sl))
    result = {"model": str(args.model), "corpus": corpus, "split": args.split, "characters": len(ids),
              "loss_nats_per_char": round(loss, 4), "bits_per_char": round(loss / 0.6931471805599453, 4),
              "eval_protocol": f"{bs} contiguous streams, {sl}-char chunks, hidden state carried",
              "seconds": round(time.perf_counter() - t0, 1)}
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>20}: {v}")
    return 0
