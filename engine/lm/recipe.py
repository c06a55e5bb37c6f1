"""The char-LM recipe: how a character language model is trained from user-level choices.

The CLI (``python -m engine train charlm``) and the Streamlit "Train" page both call
:func:`charlm_trainer`, so a run started from either is the same computation.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from engine.data.text import CharVocab, RandomWindows, TBPTTStreams, encode_split, eval_chunks
from engine.lm.model import CharLM, CharLMConfig
from engine.train.run_options import RunOptions
from engine.train.trainer import TrainConfig, Trainer

__all__ = ["CharLMData", "charlm_trainer", "load_charlm_run"]


BPTT = ("truncated", "full")


@dataclass
class CharLMData:
    """How the text becomes batches. Each field is a ``train charlm`` flag (``seq_len`` -> ``--seq-len``)."""

    batch_size: int = field(default=64, metadata={"help": "sequences per batch"})
    seq_len: int = field(default=128, metadata={"help": "characters per sequence (the BPTT length T)"})
    bptt: str = field(default="truncated", metadata={
        "help": "truncated: carry the hidden state across chunks (detached every T steps); full: independent "
                "random windows", "choices": BPTT})
    val_fraction: float = field(default=0.1, metadata={"help": "last fraction of the text held out for validation"})
    eval_batch_size: int = field(default=16, metadata={"help": "contiguous streams the validation text is cut into"})
    eval_seq_len: int = field(default=256, metadata={"help": "characters per validation chunk (hidden state carried)"})

    def __post_init__(self) -> None:
        if self.bptt not in BPTT:
            raise ValueError(f"bptt must be 'truncated' or 'full', got {self.bptt!r}")


def charlm_trainer(
    text: str,
    model: CharLMConfig,
    data: CharLMData,
    train: TrainConfig,
    run: RunOptions | None = None,
    *,
    sample_chars: int = 200,
    init_from: str | os.PathLike | None = None,
    **options: Any,
) -> Trainer:
    """Build (or resume) a char-LM training run on ``text``.

    ``model`` is the architecture; its ``vocab_size`` is filled in from the text (the settings leave it
    ``None``). ``run`` says where and how the run runs (:class:`~engine.train.run_options.RunOptions`); its
    fields may also be given as keywords (``run_dir="runs/x"``, ``device="cpu"``, ...). When
    ``run_dir/last`` exists and ``resume`` is true, the run continues from it with the vocabulary and
    architecture it was started with.

    ``init_from`` (a checkpoint folder or pretrained name) starts a *new* run from that model's weights
    and vocabulary instead of a random initialisation, like nanoGPT's ``init_from``: a second training
    stage with its own schedule, e.g. a warm restart with more dropout. The architecture (cell, layers,
    sizes) must be the model's; dropout may differ. A run that can be resumed ignores it.
    """
    run = RunOptions.of(run, **options)
    vocab = None
    init = None
    resumed = run.resumed(CharLMConfig)
    if resumed is not None:
        model, meta, _ = resumed
        vocab = CharVocab(meta["vocab"])
    elif init_from is not None:
        from engine.train.checkpoint import load_model

        init = load_model(init_from)
        if not isinstance(init, CharLM):
            raise ValueError(f"--init-from {init_from}: not a char-LM checkpoint")
        vocab = init.vocab
    vocab = vocab or CharVocab.from_text(text)
    torch.manual_seed(train.seed)  # same initial weights for the same seed
    net = CharLM(replace(model, vocab_size=len(vocab)), vocab)
    if init is not None:
        fixed = ("cell", "fused", "peephole", "n_layer", "n_hidden", "n_embd")
        differ = {k: (getattr(init.config, k), getattr(net.config, k)) for k in fixed
                  if getattr(init.config, k) != getattr(net.config, k)}
        if differ:
            raise ValueError(f"--init-from {init_from}: architecture differs (checkpoint, requested): {differ}")
        net.load_state_dict(init.state_dict())
    train_ids, val_ids = encode_split(text, vocab, data.val_fraction)
    if data.bptt == "truncated":
        batches = TBPTTStreams(train_ids, data.batch_size, data.seq_len, run.rank, run.world_size)
    else:
        batches = RandomWindows(train_ids, data.batch_size, data.seq_len, train.seed, run.rank, run.world_size)
    val = eval_chunks(val_ids, data.eval_batch_size, data.eval_seq_len)

    def sample(m: CharLM) -> str:
        from engine.lm.generate import generate_text

        return generate_text(m, prime="", length=sample_chars, temperature=0.8, seed=train.seed).text

    meta = {"data": asdict(data), "train_chars": len(train_ids), "val_chars": len(val_ids)}
    return run.trainer(net, batches, train, eval_batches=lambda: val, sample=sample, meta=meta)


def load_charlm_run(run_dir: str | os.PathLike, which: str = "best") -> CharLM:
    from engine.train.checkpoint import load_model

    return load_model(Path(run_dir) / which)
