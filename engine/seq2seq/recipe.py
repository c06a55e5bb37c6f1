"""The translator recipe: how an encoder-decoder is trained from user-level choices.

``python -m engine train translator`` calls :func:`translator_trainer`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from engine.data.corpora import DataError
from engine.data.parallel import (
    SPLIT_SALT,
    BucketedBatches,
    SubwordTokenizer,
    encode_pairs,
    eval_batches,
    grouped_split,
)
from engine.seq2seq.model import Translator, TranslatorConfig
from engine.train.trainer import TrainConfig, Trainer, TrainEvent

__all__ = ["TranslatorData", "orient_pairs", "translator_trainer"]


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
    split and save it as ``run_dir/spm.model``), build a :class:`~engine.seq2seq.model.Translator` from
    ``model_config`` (:class:`~engine.seq2seq.model.TranslatorConfig` fields except ``vocab_size``) and
    a :class:`~engine.train.trainer.Trainer` with length-bucketed batches that are a function of the step.
    Checkpoints hold the tokenizer (``spm.model``) next to the weights.
    """
    from engine.seq2seq.model import TOKENIZER_FILE, Translator

    splits = grouped_split(orient_pairs(pairs, data.direction), data.val_fraction, data.test_fraction,
                           salt=data.split_salt)
    if not splits.train or not splits.val:
        raise DataError(f"the split left no training or no validation pairs ({splits.sizes()}); "
                        "use more pairs or a larger val_fraction")
    run = Path(run_dir).expanduser() if run_dir is not None else None
    if resume and run is not None and (run / "last" / "config.json").is_file():
        from engine.train.checkpoint import read_checkpoint

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
