"""The image captioner's commands: ``train captioner``, ``caption``, ``eval-captioner``.

One command group of :mod:`engine.cli`::

    python -m engine train captioner --cache-features     # once: CNN features of every image, resumable
    python -m engine train captioner                      # then: the LSTM decoder on the cached features
    python -m engine train captioner --dry-run            # generated shapes, tiny model, 6 steps
    python -m engine caption photo.jpg --beam-width 3 --n-best 3 --top5
    python -m engine eval-captioner --model ~/rnnlab-runs/captioner-flickr8k/best
    python -m engine eval-captioner-ood --model captioner-flickr8k --json ood.json   # photos outside Flickr8k
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from engine.cli.common import (
    FINISHED,
    add_common_args,
    add_decode_args,
    add_train_args,
    configs_from_args,
    fit_run,
    load_or_dry_run,
    run_command,
    run_dir_for,
)

__all__ = ["add_parsers", "cmd_caption", "cmd_eval_captioner", "cmd_eval_captioner_ood", "cmd_train_captioner"]

DEFAULT_MODEL = "captioner-flickr8k"


def add_parsers(commands: argparse._SubParsersAction, train: argparse._SubParsersAction) -> None:
    """Register ``train captioner`` (under ``train``), ``caption`` and ``eval-captioner`` (under ``commands``).

    The model, data and optimisation flags of ``train captioner`` are generated from
    :class:`~engine.captioning.model.CaptionerConfig`, :class:`~engine.captioning.recipe.CaptionerData` and
    :class:`~engine.train.trainer.TrainConfig`; their defaults are ``engine.captioning.presets.PRESETS["default"]``
    (the shipped model's recipe). The older spellings ``--embd``/``--embed-dim``, ``--hidden``/``--hidden-dim``,
    ``--att-dim`` and ``--proj`` still work.
    """
    from engine.captioning.presets import PRESETS

    fmt = argparse.ArgumentDefaultsHelpFormatter
    t = train.add_parser("captioner", help="image captioner: frozen CNN encoder + LSTM decoder with soft attention",
                         formatter_class=fmt)
    t.add_argument("--cache-features", action="store_true",
                   help="compute the CNN encoder's features of every Flickr8k image into --features-dir and exit "
                        "(resumable: run it again after an interruption); training reads this cache")
    t.add_argument("--features-dir", default=None,
                   help="feature cache folder (default ~/rnnlab-runs/flickr8k-features/<encoder>)")
    t.add_argument("--run-dir", default=None,
                   help="folder for checkpoints and metrics (default ~/rnnlab-runs/captioner-flickr8k); "
                        "an existing run there is resumed")
    t.add_argument("--fresh", action="store_true", help="do not resume: fail if --run-dir already holds a run")
    t.add_argument("--cache-batch-size", type=int, default=16, help="images per CNN forward pass when caching")
    t.add_argument("--no-bleu", action="store_true", help="skip the BLEU evaluation on the test split after training")
    t.add_argument("--bleu-beam", type=int, default=3, help="beam width of the final BLEU evaluation")
    t.add_argument("--dry-run", action="store_true",
                   help="the tiny preset (tiny CNN and decoder, 6 steps) on a few Flickr8k images (or generated "
                        "shapes): checks the pipeline")
    add_train_args(t, PRESETS, exclude=("vocab_size",),
                   aliases={"n_embd": ("--embd", "--embed-dim"), "n_hidden": ("--hidden", "--hidden-dim"),
                            "attn_dim": "--att-dim", "proj_dim": "--proj"})
    t.set_defaults(func=cmd_train_captioner)

    c = commands.add_parser("caption", help="caption images with a trained captioner", formatter_class=fmt)
    c.add_argument("images", nargs="+", help="image files (JPEG, PNG, WebP, GIF, BMP)")
    c.add_argument("--model", default=DEFAULT_MODEL, help="pretrained name or checkpoint folder")
    add_decode_args(c, methods=("beam", "greedy"), **_caption_defaults("method", "beam_width", "n_best",
                                                                     "length_penalty", "no_repeat_ngram", "max_len"),
                    helps={"n_best": "print the n best captions with their scores (beam)",
                           "max_len": "longest caption in words (default: the model's)"})
    _add_grounding(c)
    c.add_argument("--top5", action="store_true", help="also print the CNN encoder's own ImageNet top-5 classes")
    c.add_argument("--attention", action="store_true", help="with --json: include the attention maps (T, h, w)")
    c.add_argument("--json", action="store_true", help="print one JSON object per image")
    add_common_args(c, data=False)
    c.set_defaults(func=cmd_caption)

    ev = commands.add_parser("eval-captioner", formatter_class=fmt,
                             help="BLEU-1..4 (sacrebleu) of a captioner on Flickr8k, all 5 references")
    ev.add_argument("--model", default=DEFAULT_MODEL, help="pretrained name or checkpoint folder")
    ev.add_argument("--split", choices=["test", "dev"], default="test", help="which official split to score")
    ev.add_argument("--features-dir", default=None,
                    help="feature cache to read (default ~/rnnlab-runs/flickr8k-features/<encoder>; "
                         "images not in it go through the CNN)")
    add_decode_args(ev, **_caption_defaults("beam_width", "length_penalty", "no_repeat_ngram"),
                    helps={"beam_width": "beam width (a greedy run is always included)"})
    _add_grounding(ev)
    ev.add_argument("--limit", type=int, default=None, help="score only the first N images of the split")
    ev.add_argument("--json", action="store_true", help="print the result as JSON")
    add_common_args(ev)
    ev.set_defaults(func=cmd_eval_captioner)

    ood = commands.add_parser("eval-captioner-ood", formatter_class=fmt,
                              help="a captioner on photos that are not Flickr8k's: subject named, BLEU, "
                                   "robustness to resizing, JPEG, grayscale and cropping (issue 17)")
    ood.add_argument("--model", default=DEFAULT_MODEL, help="pretrained name or checkpoint folder")
    ood.add_argument("--beam", type=int, default=3, help="beam width")
    _add_grounding(ood)
    ood.add_argument("--photos-dir", default=None, help="folder with photos.json (default: the shipped photos)")
    ood.add_argument("--threads", type=int, default=1, help="torch CPU threads (the timing is per thread count)")
    ood.add_argument("--json", default=None, metavar="PATH", help="also write the full result as JSON to PATH")
    add_common_args(ood, data=False)
    ood.set_defaults(func=cmd_eval_captioner_ood)


def _add_grounding(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--grounding", type=float, default=_caption_defaults("grounding")["grounding"], metavar="BETA",
                        help="push the words the CNN's ImageNet classifier supports by BETA x their support (0: off)")


def _caption_defaults(*names: str) -> dict:
    """The decoding flags' defaults: :class:`~engine.captioning.model.CaptionSettings`'s, what ``caption()`` uses."""
    from engine.captioning.model import CaptionSettings

    return {name: getattr(CaptionSettings(), name) for name in names}


def _print_bleu(result: dict) -> None:
    print(f"BLEU on {result['images']} {result['split']} images ({result['references_per_image']} references each, "
          "sacrebleu corpus BLEU, lower-cased, punctuation removed):", file=sys.stderr)
    for name, scores in result["bleu"].items():
        print(f"  {name:>7}: " + "  ".join(f"BLEU-{k[-1]} {v:.4f}" for k, v in scores.items()), file=sys.stderr)


def cmd_train_captioner(args: argparse.Namespace) -> int:
    from engine.captioning.data import FeatureCache, default_features_dir, load_flickr8k, make_toy_dataset
    from engine.captioning.presets import PRESETS
    from engine.captioning.recipe import captioner_trainer, evaluate_captioner
    from engine.data.corpora import DataError

    model_cfg, data_cfg, train_cfg = configs_from_args(args, PRESETS)
    encoder = model_cfg.encoder
    run_dir = run_dir_for(args.run_dir, "captioner-flickr8k", fresh=False)
    provenance = {"corpus": "flickr8k", "command": run_command(),
                  "license": "Flickr8k (Hodosh, Young & Hockenmaier 2013, JAIR 47): research use"}
    dataset, stand_in = load_or_dry_run(lambda: load_flickr8k(args.data_dir), args.dry_run,
                                        lambda: make_toy_dataset(run_dir / "toy-images"), "generated shapes")
    if stand_in:
        provenance.update(corpus="generated shapes (dry run)", license="generated")
    if args.dry_run:
        keep = {"train": 16, "dev": 8, "test": 8}
        dataset.splits = {s: ids[: keep[s]] for s, ids in dataset.splits.items()}
        features_dir = run_dir / "features" / encoder
    else:
        features_dir = Path(args.features_dir or default_features_dir(dataset.name) / encoder).expanduser()

    if args.cache_features or args.dry_run:
        ids = dataset.ids()
        t0 = time.perf_counter()
        try:
            cache = FeatureCache.build(features_dir, {i: dataset.images[i] for i in ids}, encoder,
                                       batch_size=args.cache_batch_size, device=args.device)
        except KeyboardInterrupt:
            done = int(FeatureCache(features_dir).done.sum()) if (features_dir / "meta.json").is_file() else 0
            print(f"\ninterrupted: {done}/{len(ids)} images cached in {features_dir}; run the same command "
                  "again to continue", file=sys.stderr)
            return 130
        dt = time.perf_counter() - t0
        print(f"feature cache {features_dir}: {len(cache.usable(ids))}/{len(ids)} images ({len(cache.failed)} "
              f"unreadable), {dt:.0f} s", file=sys.stderr)
        if args.cache_features and not args.dry_run:
            return 0
    try:
        cache = FeatureCache(features_dir)
    except DataError:
        raise DataError(f"no feature cache in {features_dir}: run `python -m engine train captioner "
                        f"--cache-features --encoder {encoder}` first") from None
    if not cache.complete:
        raise DataError(f"the feature cache in {features_dir} is incomplete ({int(cache.done.sum())}/"
                        f"{len(cache.ids)} images): run `python -m engine train captioner --cache-features` again "
                        "to finish it")

    if run_dir_for(args.run_dir, "captioner-flickr8k", args.fresh) is None:
        return 2

    status, run = fit_run(args.device, run_dir, provenance, (train_cfg.max_steps, "word", "captions"),
                          lambda run: captioner_trainer(dataset, cache, model_cfg, data_cfg, train_cfg, run),
                          lambda t: f"{t.model.num_params():,} decoder parameters ({t.model.num_params() * 4 / 1e6:.1f}"
                                    f" MB fp32), {len(t.model.vocab)} words, encoder {cache.encoder}, "
                                    f"{t.train_batches.steps_per_epoch} steps/epoch")
    ok = status in FINISHED
    if ok and run.rank == 0 and not args.no_bleu and status != "stopped" and (run_dir / "best").exists():
        from engine.train.checkpoint import load_model, save_checkpoint

        model = load_model(run_dir / "best", device=args.device)
        result = evaluate_captioner(model, dataset, "test", cache=cache,
                                    methods=(("greedy", 1), ("beam", args.bleu_beam)))
        _print_bleu(result)
        (run_dir / "bleu.json").write_text(json.dumps(result, indent=2))
        save_checkpoint(run_dir / "best", model, meta={**model.meta, "bleu": result})
    return 0 if ok else 1


def cmd_caption(args: argparse.Namespace) -> int:
    from engine.captioning.images import ImageError
    from engine.train.checkpoint import load_pretrained

    model = load_pretrained(args.model, device=args.device)
    if getattr(model, "kind", None) != "captioner":
        print(f"error: {args.model} is a {getattr(model, 'kind', '?')} model, not a captioner", file=sys.stderr)
        return 2
    status = 0
    for path in args.images:
        try:
            t0 = time.perf_counter()
            result = model.caption([path], method=args.method, beam_width=args.beam_width,
                                   n_best=min(args.n_best, args.beam_width) if args.method == "beam" else 1,
                                   max_len=args.max_len, length_penalty=args.length_penalty,
                                   no_repeat_ngram=args.no_repeat_ngram, grounding=args.grounding)[0]
            seconds = time.perf_counter() - t0
        except ImageError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 2
            continue
        alts = result.n_best or [result]
        top5 = result.imagenet_top5 if args.top5 else None
        if args.top5 and top5 is None:
            print(f"note: the {model.config.encoder} encoder has no ImageNet classifier", file=sys.stderr)
        if args.json:
            obj = {"image": path, "caption": result.text, "score": round(result.score, 4), "seconds": round(seconds, 3),
                   "n_best": [{"caption": a.text, "score": round(a.score, 4)} for a in alts]}
            if top5 is not None:
                obj["imagenet_top5"] = [{"label": n, "prob": round(p, 4)} for n, p in top5]
            if args.attention and result.attention is not None:
                obj["attention"] = result.attention.astype(float).round(4).tolist()
            print(json.dumps(obj, ensure_ascii=False))
            continue
        print(f"{path}: {result.text}")
        if len(alts) > 1:
            for k, a in enumerate(alts, 1):
                print(f"  {k}. {a.text}  (score {a.score:.3f})")
        if top5 is not None:
            print("  ImageNet top-5 (encoder CNN): " + ", ".join(f"{n} {p:.1%}" for n, p in top5))
    return status


def cmd_eval_captioner(args: argparse.Namespace) -> int:
    from engine.captioning.data import FeatureCache, default_features_dir, load_flickr8k
    from engine.captioning.recipe import evaluate_captioner
    from engine.data.corpora import DataError
    from engine.train.checkpoint import load_pretrained

    model = load_pretrained(args.model, device=args.device)
    if getattr(model, "kind", None) != "captioner":
        print(f"error: {args.model} is not a captioner", file=sys.stderr)
        return 2
    dataset = load_flickr8k(args.data_dir)
    folder = Path(args.features_dir or default_features_dir(dataset.name) / model.config.encoder).expanduser()
    try:
        cache = FeatureCache(folder)
    except DataError:
        cache = None
        print(f"note: no feature cache in {folder}; running the CNN on every image (slower)", file=sys.stderr)
    result = evaluate_captioner(model, dataset, args.split, cache=cache,
                                methods=(("greedy", 1), ("beam", args.beam_width)),
                                length_penalty=args.length_penalty, no_repeat_ngram=args.no_repeat_ngram,
                                grounding=args.grounding, limit=args.limit)
    result["model"] = str(args.model)
    if args.json:
        print(json.dumps(result))
    else:
        _print_bleu(result)
        for s in result["samples"]:
            print(f"  {s['image']}: {s['caption']}   | {s['reference']}")
    return 0


def cmd_eval_captioner_ood(args: argparse.Namespace) -> int:
    import torch

    from engine.captioning.ood import PHOTOS_DIR, evaluate_ood, load_photos, print_ood
    from engine.train.checkpoint import load_pretrained

    torch.set_num_threads(max(1, args.threads))
    photos = load_photos(args.photos_dir or PHOTOS_DIR)
    model = load_pretrained(args.model, device=args.device)
    if getattr(model, "kind", None) != "captioner":
        print(f"error: {args.model} is not a captioner", file=sys.stderr)
        return 2
    result = evaluate_ood(model, photos, beam_width=args.beam, grounding=args.grounding)
    result.update(model=str(args.model), threads=torch.get_num_threads(), command=run_command())
    print_ood(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0
