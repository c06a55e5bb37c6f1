"""Recipes: how a named model kind is trained from user-level choices.

The CLI (``python -m engine train charlm``) and the Streamlit "Train" page both call
:func:`charlm_trainer` (:func:`translator_trainer` for ``train translator``), so a run started from
either is the same computation.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from engine.charlm import CharLM, CharLMConfig
from engine.data.corpora import DataError
from engine.data.parallel import (
    SPLIT_SALT,
    BucketedBatches,
    SubwordTokenizer,
    encode_pairs,
    eval_batches,
    grouped_split,
)
from engine.data.text import CharVocab, RandomWindows, TBPTTStreams, encode_split, eval_chunks
from engine.trainer import TrainConfig, Trainer, TrainEvent

__all__ = ["CharLMData", "TranslatorData", "charlm_trainer", "load_charlm_run", "translator_trainer"]


@dataclass
class CharLMData:
    batch_size: int = 64
    seq_len: int = 128
    bptt: str = "truncated"  # truncated: carry hidden across chunks | full: independent windows
    val_fraction: float = 0.1
    eval_batch_size: int = 16
    eval_seq_len: int = 256

    def __post_init__(self) -> None:
        if self.bptt not in ("truncated", "full"):
            raise ValueError(f"bptt must be 'truncated' or 'full', got {self.bptt!r}")


def charlm_trainer(
    text: str,
    model_config: dict,
    data: CharLMData,
    train: TrainConfig,
    *,
    run_dir: str | os.PathLike | None = None,
    provenance: dict | None = None,
    listeners: Iterable[Callable[[TrainEvent], None]] = (),
    device: str | None = None,
    resume: bool = True,
    sample_chars: int = 200,
    rank: int = 0,
    world_size: int = 1,
    init_from: str | os.PathLike | None = None,
) -> Trainer:
    """Build (or resume) a char-LM training run on ``text``.

    ``model_config`` holds :class:`CharLMConfig` fields except ``vocab_size`` (taken from the text).
    When ``run_dir/last`` exists and ``resume`` is true, the run continues from it with the vocabulary
    it was started with.

    ``init_from`` (a checkpoint folder or pretrained name) starts a *new* run from that model's weights
    and vocabulary instead of a random initialisation, like nanoGPT's ``init_from``: a second training
    stage with its own schedule, e.g. a warm restart with more dropout. The architecture (cell, layers,
    sizes) must be the model's; dropout may differ. A run that can be resumed ignores it.
    """
    vocab = None
    init = None
    if resume and run_dir is not None and (Path(run_dir) / "last" / "config.json").is_file():
        from engine.checkpoint import read_checkpoint

        _, cfg_json, _ = read_checkpoint(Path(run_dir) / "last")
        vocab = CharVocab(cfg_json["meta"]["vocab"])
        model_config = {k: v for k, v in cfg_json["config"].items() if k != "vocab_size"}
    elif init_from is not None:
        from engine.checkpoint import load_model

        init = load_model(init_from)
        if not isinstance(init, CharLM):
            raise ValueError(f"--init-from {init_from}: not a char-LM checkpoint")
        vocab = init.vocab
    vocab = vocab or CharVocab.from_text(text)
    torch.manual_seed(train.seed)  # same initial weights for the same seed
    model = CharLM(CharLMConfig(vocab_size=len(vocab), **model_config), vocab)
    if init is not None:
        fixed = ("cell", "fused", "peephole", "n_layer", "n_hidden", "n_embd")
        differ = {k: (getattr(init.config, k), getattr(model.config, k)) for k in fixed
                  if getattr(init.config, k) != getattr(model.config, k)}
        if differ:
            raise ValueError(f"--init-from {init_from}: architecture differs (checkpoint, requested): {differ}")
        model.load_state_dict(init.state_dict())
    train_ids, val_ids = encode_split(text, vocab, data.val_fraction)
    if data.bptt == "truncated":
        batches = TBPTTStreams(train_ids, data.batch_size, data.seq_len, rank, world_size)
    else:
        batches = RandomWindows(train_ids, data.batch_size, data.seq_len, train.seed, rank, world_size)
    val = eval_chunks(val_ids, data.eval_batch_size, data.eval_seq_len)

    def sample(m: CharLM) -> str:
        from engine.generate import generate_text

        return generate_text(m, prime="", length=sample_chars, temperature=0.8, seed=train.seed).text

    meta = {"data": asdict(data), "provenance": provenance or {},
            "train_chars": len(train_ids), "val_chars": len(val_ids)}
    trainer = Trainer(model, batches, train, eval_batches=lambda: val, sample=sample, run_dir=run_dir,
                      checkpoint_meta=meta, listeners=listeners, device=device)
    if resume:
        trainer.resume_if_possible()
    return trainer


def load_charlm_run(run_dir: str | os.PathLike, which: str = "best") -> CharLM:
    from engine.checkpoint import load_model

    return load_model(Path(run_dir) / which)


# ----------------------------------------------------------------------------- translator
@dataclass
class TranslatorData:
    corpus: str = "tatoeba-fra-eng"
    direction: str = "en-fr"  # en-fr: English (column 1) -> French (column 2); fr-en: the reverse
    val_fraction: float = 0.05
    test_fraction: float = 0.05
    split_salt: str = SPLIT_SALT
    vocab_size: int = 8000  # joint English+French sentencepiece vocabulary (a soft limit)
    spm_type: str = "unigram"  # unigram | bpe
    batch_size: int = 64  # sentence pairs per batch
    max_pieces: int = 50  # training pairs with a side longer than this (subwords) are skipped
    pool: int = 50  # batches per length-sorting pool
    eval_batch_size: int = 128
    max_eval_pairs: int = 2000  # validation loss on a fixed, evenly spaced subset of the val split

    def __post_init__(self) -> None:
        if self.direction not in ("en-fr", "fr-en"):
            raise ValueError(f"direction must be 'en-fr' or 'fr-en', got {self.direction!r}")
        if self.spm_type not in ("unigram", "bpe"):
            raise ValueError(f"spm_type must be 'unigram' or 'bpe', got {self.spm_type!r}")

    @property
    def langs(self) -> tuple[str, str]:
        src, tgt = self.direction.split("-")
        return src, tgt


def orient_pairs(pairs: list[tuple[str, str]], direction: str) -> list[tuple[str, str]]:
    """Corpus pairs are (English, French); return (source, target) for ``direction``."""
    return list(pairs) if direction == "en-fr" else [(b, a) for a, b in pairs]


def translator_trainer(
    pairs: list[tuple[str, str]],
    model_config: dict,
    data: TranslatorData,
    train: TrainConfig,
    *,
    run_dir: str | os.PathLike | None = None,
    provenance: dict | None = None,
    listeners: Iterable[Callable[[TrainEvent], None]] = (),
    device: str | None = None,
    resume: bool = True,
    rank: int = 0,
    world_size: int = 1,
    tokenizer: SubwordTokenizer | None = None,
) -> Trainer:
    """Build (or resume) a translator training run on ``pairs`` ((English, French), normalised).

    Steps: orient the pairs (``data.direction``), split them grouped by source sentence
    (:func:`~engine.data.parallel.grouped_split`), get the tokenizer (the resumed run's, else
    ``run_dir/spm.model``, else ``tokenizer``, else train a joint sentencepiece model on the training
    split and save it as ``run_dir/spm.model``), build a :class:`~engine.translator.Translator` from
    ``model_config`` (:class:`~engine.translator.TranslatorConfig` fields except ``vocab_size``) and
    a :class:`~engine.trainer.Trainer` with length-bucketed batches that are a function of the step.
    Checkpoints hold the tokenizer (``spm.model``) next to the weights.
    """
    from engine.translator import TOKENIZER_FILE, Translator, TranslatorConfig

    splits = grouped_split(orient_pairs(pairs, data.direction), data.val_fraction, data.test_fraction,
                           salt=data.split_salt)
    if not splits.train or not splits.val:
        raise DataError(f"the split left no training or no validation pairs ({splits.sizes()}); "
                        "use more pairs or a larger val_fraction")
    run = Path(run_dir).expanduser() if run_dir is not None else None
    if resume and run is not None and (run / "last" / "config.json").is_file():
        from engine.checkpoint import read_checkpoint

        _, cfg_json, _ = read_checkpoint(run / "last")
        tokenizer = SubwordTokenizer.load(run / "last" / TOKENIZER_FILE)
        model_config = {k: v for k, v in cfg_json["config"].items() if k != "vocab_size"}
    elif resume and run is not None and (run / TOKENIZER_FILE).is_file():
        tokenizer = SubwordTokenizer.load(run / TOKENIZER_FILE)
    if tokenizer is None:
        texts = sorted({s for pair in splits.train for s in pair})  # both languages: a joint vocabulary
        tokenizer = SubwordTokenizer.train(texts, vocab_size=data.vocab_size, model_type=data.spm_type)
        if run is not None and rank == 0:
            tokenizer.save(run / TOKENIZER_FILE)
    src_lang, tgt_lang = data.langs
    model_config = {"src_lang": src_lang, "tgt_lang": tgt_lang, **model_config}
    torch.manual_seed(train.seed)  # same initial weights for the same seed
    model = Translator(TranslatorConfig(vocab_size=len(tokenizer), **model_config), tokenizer)

    train_src, train_tgt = encode_pairs(splits.train, tokenizer, data.max_pieces)
    if not train_src:
        raise DataError(f"no training pair has both sides within max_pieces={data.max_pieces} subwords")
    val_pairs = splits.val[:: max(1, len(splits.val) // data.max_eval_pairs)][: data.max_eval_pairs]
    val_src, val_tgt = encode_pairs(val_pairs, tokenizer, data.max_pieces)
    batches = BucketedBatches(train_src, train_tgt, data.batch_size, seed=train.seed, pool=data.pool, rank=rank,
                              world_size=world_size)
    val = eval_batches(val_src, val_tgt, data.eval_batch_size)
    examples = [p[0] for p in val_pairs[:: max(1, len(val_pairs) // 3)][:3]]

    def sample(m: Translator) -> str:
        return "\n".join(f"{t.source} -> {t.text}" for t in m.translate(examples, method="greedy"))

    meta = {"data": asdict(data), "provenance": provenance or {}, "split_sizes": splits.sizes(),
            "train_pairs": len(train_src), "val_pairs_for_loss": len(val_src),
            "tokenizer_info": {"type": data.spm_type, "pieces": len(tokenizer), "joint": True}}
    trainer = Trainer(model, batches, train, eval_batches=lambda: val, sample=sample, run_dir=run,
                      checkpoint_meta=meta, listeners=listeners, device=device)
    if resume:
        trainer.resume_if_possible()
    return trainer
