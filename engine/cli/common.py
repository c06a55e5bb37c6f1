"""The CLI's view of a training run: a tqdm progress bar fed by the trainer's events.

One listener serves every model kind; only the words differ (characters, subwords, words).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.train.provenance import corpus_provenance, portable_path, run_command

__all__ = ["corpus_provenance", "load_or_dry_run", "portable_path", "progress_listener", "run_command", "run_dir_for",
           "stop_on_signals", "train_config_from_args"]


def progress_listener(total: int, start: int = 0, token: str = "char",
                      sample_title: str = "sample") -> Callable:
    """A listener drawing a progress bar with loss, gradient norm, throughput and the last validation loss.

    ``token`` names what the loss is per (``char`` adds bits/char; others add perplexity).
    """
    from tqdm import tqdm

    bar = tqdm(total=total, initial=start, unit="step", dynamic_ncols=True, file=sys.stderr)
    last_val: dict[str, float | None] = {"v": None}

    def on_event(e) -> None:
        if e.kind == "start" and e.data.get("resumed_from"):
            bar.n = bar.last_print_n = e.data["resumed_from"]
            bar.refresh()
        elif e.kind == "step":
            bar.update(1)
            post = {"loss": f"{e.data['loss']:.3f}", "gnorm": f"{e.data['grad_norm']:.2f}",
                    f"{token}/s": f"{e.data['tokens_per_s']:.0f}"}
            if last_val["v"] is not None:
                post["val"] = f"{last_val['v']:.3f}"
            bar.set_postfix(post, refresh=False)
        elif e.kind == "eval":
            v = last_val["v"] = e.data["val_loss"]
            extra = f"{v / math.log(2):.4f} bits/char" if token == "char" else f"perplexity {math.exp(v):.2f}"
            bar.write(f"step {e.step}: val loss {v:.4f} nats/{token} ({extra})"
                      f"{' *best*' if e.data['improved'] else ''}")
        elif e.kind == "sample":
            bar.write(f"--- {sample_title} at step {e.step} ---\n{e.data['text']}\n---")
        elif e.kind in ("stopped", "early_stop", "diverged", "done"):
            bar.close()
            msg = e.data.get("message") or ", ".join(f"{k}={v}" for k, v in e.data.items())
            print(f"{e.kind} at step {e.step}: {msg}", file=sys.stderr)

    return on_event


def stop_on_signals(trainer) -> None:
    """Ctrl-C or `kill` (SIGTERM) ask the trainer to stop: it saves run_dir/last first, so nothing is lost."""
    import signal

    def handler(signum, frame):
        print(f"\n{signal.Signals(signum).name}: stopping after this step and saving the checkpoint "
              "(send it again to abort without saving)", file=sys.stderr)
        trainer.request_stop()
        signal.signal(signum, signal.SIG_DFL)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)


def run_dir_for(run_dir: str | None, default_name: str, fresh: bool) -> Path | None:
    """The run folder of a training command (``~/rnnlab-runs/<default_name>`` unless given).

    Returns ``None`` (after printing why) when ``--fresh`` was asked for but the folder already holds a run.
    """
    path = Path(run_dir or Path.home() / "rnnlab-runs" / default_name).expanduser()
    if fresh and (path / "last").exists():
        print(f"error: {path} already holds a run (drop --fresh to resume it)", file=sys.stderr)
        return None
    return path


def load_or_dry_run(load: Callable[[], Any], dry_run: bool, stand_in: Callable[[], Any], what: str) -> tuple[Any, bool]:
    """``(load(), False)``; in a dry run whose corpus is missing, says so and returns ``(stand_in(), True)``."""
    from engine.data.corpora import CorpusNotFoundError, DataError

    try:
        return load(), False
    except (CorpusNotFoundError, DataError) as exc:
        if not dry_run:
            raise
        print(f"dry run: {exc}; using {what} instead", file=sys.stderr)
        return stand_in(), True


def train_config_from_args(args: Any):
    """The :class:`~engine.train.trainer.TrainConfig` named by the optimisation flags every ``train`` command shares."""
    from engine.train.trainer import TrainConfig

    return TrainConfig(
        max_steps=args.max_steps, optimizer=args.optimizer, lr=args.lr, weight_decay=args.weight_decay,
        schedule=args.schedule, warmup_steps=args.warmup_steps, min_lr_ratio=args.min_lr_ratio,
        grad_clip=args.grad_clip, eval_every=args.eval_every, checkpoint_every=args.checkpoint_every,
        keep_every=args.keep_every, sample_every=args.sample_every, patience=args.patience, amp=not args.no_amp,
        seed=args.seed,
    )
