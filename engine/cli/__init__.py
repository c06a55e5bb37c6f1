"""Command line: ``python -m engine {train,generate,eval} ...`` (``--help`` on each)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

from engine.cli.common import (
    corpus_provenance,
    load_or_dry_run,
    portable_path,
    progress_listener,
    run_command,
    run_dir_for,
    stop_on_signals,
    train_config_from_args,
)
from engine.data.corpora import TEXT_CORPORA, CorpusNotFoundError, DataError

DRY_RUN_TEXT = (
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
    "First Citizen:\nYou are all resolved rather to die than to famish?\n\n"
) * 40  # a tiny built-in text so --dry-run works with no data directory


def _add_train_config(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("optimisation")
    g.add_argument("--max-steps", type=int, default=5000, help="number of optimizer steps (default 5000)")
    g.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (default 2e-3)")
    g.add_argument("--weight-decay", type=float, default=0.1, help="decoupled weight decay on matrices (default 0.1)")
    g.add_argument("--optimizer", choices=["adamw", "adam", "sgd"], default="adamw", help="optimizer (default adamw)")
    g.add_argument("--schedule", choices=["cosine", "linear", "constant"], default="cosine",
                   help="learning-rate schedule after warmup (default cosine)")
    g.add_argument("--warmup-steps", type=int, default=100, help="linear warmup steps (default 100)")
    g.add_argument("--min-lr-ratio", type=float, default=0.1, help="final lr as a fraction of --lr (default 0.1)")
    g.add_argument("--grad-clip", type=float, default=1.0, help="max gradient norm, 0 disables (default 1.0)")
    g.add_argument("--eval-every", type=int, default=250, help="validate every N steps (default 250)")
    g.add_argument("--checkpoint-every", type=int, default=250, help="write run_dir/last every N steps (default 250)")
    g.add_argument("--keep-every", type=int, default=0,
                   help="also keep the weights as run_dir/step-NNNNNN every N steps, to average them with "
                        "`export A B C OUT` (0: never)")
    g.add_argument("--sample-every", type=int, default=0, help="print a generated sample every N steps (0: never)")
    g.add_argument("--patience", type=int, default=0,
                   help="stop after N evaluations without validation improvement (0: never)")
    g.add_argument("--seed", type=int, default=1337, help="random seed (default 1337)")
    g.add_argument("--no-amp", action="store_true", help="disable bf16 autocast on CUDA")


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", default=None, help="data directory (default: $RNN_DATA_DIR)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:N or mps (default: auto, or $RNN_DEVICE)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description="RNN Lab: train, generate, evaluate.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a model")
    tsub = train.add_subparsers(dest="kind", required=True)
    c = tsub.add_parser("charlm", help="character-level language model",
                        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    c.add_argument("--corpus", default="tinyshakespeare",
                   help=f"named corpus ({', '.join(TEXT_CORPORA)}) or a path to a UTF-8 text file")
    c.add_argument("--run-dir", default=None,
                   help="folder for checkpoints and metrics (default ~/rnnlab-runs/charlm-<corpus>); "
                        "an existing run there is resumed")
    c.add_argument("--fresh", action="store_true", help="do not resume: fail if --run-dir already holds a run")
    c.add_argument("--cell", choices=["lstm", "gru", "rnn"], default="lstm", help="recurrent cell")
    c.add_argument("--from-scratch", action="store_true",
                   help="use engine.nn.cells (the lecture's equations) instead of fused torch.nn modules")
    c.add_argument("--peephole", action="store_true", help="LSTM peephole connections (needs --from-scratch)")
    c.add_argument("--layers", type=int, default=2, help="stacked recurrent layers")
    c.add_argument("--hidden", type=int, default=512, help="hidden size per layer")
    c.add_argument("--embd", type=int, default=64, help="character embedding size")
    c.add_argument("--dropout", type=float, default=0.2, help="dropout on embeddings, between layers, before head")
    c.add_argument("--weight-drop", type=float, default=0.0,
                   help="DropConnect on the recurrent weights W (AWD-LSTM): fraction zeroed per batch, training only")
    c.add_argument("--batch-size", type=int, default=64, help="sequences per batch")
    c.add_argument("--seq-len", type=int, default=128, help="characters per sequence (BPTT length)")
    c.add_argument("--bptt", choices=["truncated", "full"], default="truncated",
                   help="truncated: carry the hidden state across chunks; full: independent random windows")
    c.add_argument("--init-from", default=None, metavar="CHECKPOINT",
                   help="start a new run from this checkpoint's weights and vocabulary (same architecture; "
                        "a second stage with its own schedule)")
    c.add_argument("--dry-run", action="store_true",
                   help="tiny model, 6 steps, on a slice of the corpus (or built-in text): checks the pipeline")
    _add_train_config(c)
    _add_common(c)

    ng = tsub.add_parser("ngram", help="character n-gram models (the baseline of the n-gram vs RNN page)",
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
    _add_common(ng)

    ex = sub.add_parser("export", help="copy a trained checkpoint into a shippable folder (weights only, fp16)",
                        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ex.add_argument("checkpoint", nargs="+",
                    help="checkpoint folder, e.g. ~/rnnlab-runs/charlm-tinyshakespeare/best; several folders of one "
                         "run: their weights are averaged (checkpoint averaging; measure the result)")
    ex.add_argument("out", help="destination folder, e.g. pretrained/charlm-shakespeare")
    ex.add_argument("--fp32", action="store_true", help="keep float32 weights (default: float16, half the size)")
    ex.add_argument("--metrics", default=None, help="JSON file of measured metrics to record in config.json")

    gen = sub.add_parser("generate", help="generate text with a char-LM",
                         formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    gen.add_argument("--model", default="charlm-shakespeare", help="pretrained name or checkpoint folder")
    gen.add_argument("--prime", default="", help="text to start from")
    gen.add_argument("--length", type=int, default=500, help="characters to generate")
    gen.add_argument("--method", choices=["sample", "greedy", "beam"], default="sample", help="decoding strategy")
    gen.add_argument("--temperature", type=float, default=0.8, help="softmax temperature (sampling)")
    gen.add_argument("--top-k", type=int, default=None, help="keep only the k most likely characters")
    gen.add_argument("--top-p", type=float, default=None, help="nucleus sampling: keep the smallest set with mass p")
    gen.add_argument("--beam-width", type=int, default=5, help="beam width (beam search)")
    gen.add_argument("--seed", type=int, default=0, help="random seed")
    gen.add_argument("--device", default=None, help="cpu, cuda, cuda:N or mps (default: auto)")

    ev = sub.add_parser("eval", help="validation loss of a char-LM on a corpus split",
                        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ev.add_argument("--model", default="charlm-shakespeare", help="pretrained name or checkpoint folder")
    ev.add_argument("--corpus", default=None, help="corpus (default: the one the model was trained on)")
    ev.add_argument("--split", choices=["val", "train"], default="val", help="which split to score")
    ev.add_argument("--json", action="store_true", help="print the result as JSON")
    _add_common(ev)

    from engine.cli.translator import add_parsers as add_translator_parsers

    add_translator_parsers(sub, tsub, _add_train_config, _add_common)  # train translator, translate, eval-translator
    from engine.cli.captioner import add_parsers as add_captioner_parsers

    add_captioner_parsers(sub, tsub, _add_train_config, _add_common)  # train captioner, caption, eval-captioner
    return parser


def cmd_train_charlm(args: argparse.Namespace) -> int:
    from engine.data.corpora import load_text
    from engine.lm.recipe import CharLMData, charlm_trainer
    from engine.train.distributed import distributed_context

    train_cfg = train_config_from_args(args)
    model_cfg = dict(cell=args.cell, fused=not args.from_scratch, peephole=args.peephole, n_layer=args.layers,
                     n_hidden=args.hidden, n_embd=args.embd, dropout=args.dropout, weight_drop=args.weight_drop)
    data_cfg = CharLMData(batch_size=args.batch_size, seq_len=args.seq_len, bptt=args.bptt)
    provenance = corpus_provenance(args.corpus)
    text, stand_in = load_or_dry_run(lambda: load_text(args.corpus, args.data_dir), args.dry_run,
                                     lambda: DRY_RUN_TEXT, "the built-in sample text")
    if stand_in:
        provenance = {"corpus": "built-in dry-run text", "command": provenance["command"]}
    if args.dry_run:
        text = text[:20000]
        model_cfg.update(n_layer=1, n_hidden=32, n_embd=16)
        data_cfg = CharLMData(batch_size=4, seq_len=32, bptt=args.bptt, eval_batch_size=4, eval_seq_len=64)
        train_cfg.max_steps, train_cfg.eval_every, train_cfg.checkpoint_every = 6, 3, 3
        train_cfg.sample_every, train_cfg.warmup_steps = 3, 2
    run_dir = run_dir_for(args.run_dir, f"charlm-{Path(str(args.corpus)).stem}", args.fresh)
    if run_dir is None:
        return 2

    with distributed_context(args.device) as (rank, world_size, device):
        listeners = [progress_listener(train_cfg.max_steps, 0, "char", "sample")] if rank == 0 else []
        trainer = charlm_trainer(text, model_cfg, data_cfg, train_cfg, run_dir=run_dir, provenance=provenance,
                                 listeners=listeners, device=device, rank=rank, world_size=world_size,
                                 init_from=args.init_from)
        if rank == 0:
            n = trainer.model.num_params()
            where = f"resuming at step {trainer.step}" if trainer.step else "new run"
            print(f"{where} in {run_dir}: {n:,} parameters, {len(trainer.model.vocab)} symbols, "
                  f"device {trainer.device}, {world_size} process(es)", file=sys.stderr)
        stop_on_signals(trainer)
        status = trainer.fit()
    return 0 if status in ("done", "early_stop", "stopped") else 1


def cmd_train_ngram(args: argparse.Namespace) -> int:
    from engine.data.corpora import load_text
    from engine.data.text import split_train_val
    from engine.ngram.pretrained import build

    corpus = {"corpus": str(args.corpus)}
    text, stand_in = load_or_dry_run(lambda: load_text(args.corpus, args.data_dir), args.dry_run,
                                     lambda: DRY_RUN_TEXT, "the built-in sample text")
    if stand_in:
        corpus["corpus"] = "built-in dry-run text"
    if args.dry_run:
        text = text[:20000]
        args.order, args.sweep_orders = min(args.order, 3), min(args.sweep_orders, 3)
    corpus["chars"] = len(text)
    corpus["md5"] = hashlib.md5(text.encode("utf-8")).hexdigest()  # of the text used (the file's, if UTF-8 w/o BOM)
    train, val = split_train_val(text, args.val_fraction)
    out = Path(args.out or Path.home() / "rnnlab-runs" / f"ngram-{Path(str(args.corpus)).stem}").expanduser()
    build(train, val, out, order=args.order, sweep_orders=args.sweep_orders, corpus=corpus,
          command=run_command(), log=lambda msg: print(msg, file=sys.stderr))
    return 0


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


def cmd_export(args: argparse.Namespace) -> int:
    import torch

    from engine.train.checkpoint import average_checkpoints, load_model, save_checkpoint

    if len(args.checkpoint) == 1:
        model = load_model(args.checkpoint[0], device="cpu")
    else:
        model = average_checkpoints(args.checkpoint, device="cpu")
    meta = dict(model.meta)
    if args.metrics:
        meta["metrics"] = json.loads(Path(args.metrics).read_text())
    sources = [portable_path(str(c)) for c in args.checkpoint]
    meta["exported_from"] = sources[0] if len(sources) == 1 else sources
    # the folder is replaced atomically: keep the files that are not the checkpoint (card.md, ...)
    keep = {f.name: f.read_bytes() for f in Path(args.out).glob("*")
            if f.is_file() and f.name not in ("model.safetensors", "config.json")}
    out = save_checkpoint(args.out, model, meta=meta, dtype=None if args.fp32 else torch.float16)
    for name, data in keep.items():
        (Path(out) / name).write_bytes(data)
    size = sum(f.stat().st_size for f in Path(out).iterdir())
    print(f"wrote {out} ({size / 1e6:.1f} MB)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "train" and args.kind == "charlm":
            return cmd_train_charlm(args)
        if args.command == "train" and args.kind == "ngram":
            return cmd_train_ngram(args)
        if args.command == "generate":
            return cmd_generate(args)
        if args.command == "export":
            return cmd_export(args)
        if args.command == "eval":
            return cmd_eval(args)
        if args.command == "train" and args.kind == "translator":
            from engine.cli.translator import cmd_train_translator

            return cmd_train_translator(args)
        if args.command in ("translate", "eval-translator"):
            from engine.cli.translator import cmd_eval_translator, cmd_translate

            return cmd_translate(args) if args.command == "translate" else cmd_eval_translator(args)
        if args.command == "train" and args.kind == "captioner":
            from engine.cli.captioner import cmd_train_captioner

            return cmd_train_captioner(args)
        if args.command in ("caption", "eval-captioner"):
            from engine.cli.captioner import cmd_caption, cmd_eval_captioner

            return cmd_caption(args) if args.command == "caption" else cmd_eval_captioner(args)
    except (CorpusNotFoundError, DataError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
