"""The export command: a trained checkpoint (or the average of several) into a shippable folder::

    python -m engine export ~/rnnlab-runs/charlm-tinyshakespeare/best pretrained/charlm-shakespeare
    python -m engine export RUN/step-004200 RUN/step-004300 RUN/step-004400 /tmp/avg --fp32
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from engine.cli.common import portable_path

__all__ = ["add_parsers", "cmd_export"]


def add_parsers(commands: argparse._SubParsersAction, train: argparse._SubParsersAction) -> None:
    """Register ``export`` (under ``commands``): it serves every model kind."""
    ex = commands.add_parser("export", help="copy a trained checkpoint into a shippable folder (weights only, fp16)",
                             formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ex.add_argument("checkpoint", nargs="+",
                    help="checkpoint folder, e.g. ~/rnnlab-runs/charlm-tinyshakespeare/best; several folders of one "
                         "run: their weights are averaged (checkpoint averaging; measure the result)")
    ex.add_argument("out", help="destination folder, e.g. pretrained/charlm-shakespeare")
    ex.add_argument("--fp32", action="store_true", help="keep float32 weights (default: float16, half the size)")
    ex.add_argument("--metrics", default=None, help="JSON file of measured metrics to record in config.json")
    ex.set_defaults(func=cmd_export)


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
