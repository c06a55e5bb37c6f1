"""The translator recipe: how an encoder-decoder is trained from user-level choices.

``python -m engine train translator`` calls :func:`translator_trainer`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

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
from engine.train.run_options import RunOptions
from engine.train.trainer import TrainConfig, Trainer

__all__ = ["TranslatorData", "orient_pairs", "translator_trainer"]


DIRECTIONS = ("en-fr", "fr-en")
SPM_TYPES = ("unigram", "bpe")


@dataclass
class TranslatorData:
    """How the sentence pairs become batches. Each field is a ``train translator`` flag (``max_pieces`` ->
    ``--max-pieces``)."""

    corpus: str = field(default="tatoeba-fra-eng", metadata={
        "help": "named corpus (tatoeba-fra-eng) or a path to an English<TAB>French file"})
    direction: str = field(default="en-fr", metadata={
        "help": "translation direction (en-fr: English, column 1 -> French, column 2)", "choices": DIRECTIONS})
    val_fraction: float = field(default=0.05, metadata={"help": "fraction of source sentences held out for "
                                                                "validation"})
    test_fraction: float = field(default=0.05, metadata={"help": "fraction of source sentences held out for the "
                                                                 "test (eval-translator)"})
    split_salt: str = field(default=SPLIT_SALT, metadata={"help": "salt of the hash that assigns a sentence to a "
                                                                  "split"})
    vocab_size: int = field(default=8000, metadata={
        "help": "joint English+French sentencepiece vocabulary size (a soft limit)"})
    spm_type: str = field(default="unigram", metadata={"help": "sentencepiece model type", "choices": SPM_TYPES})
    batch_size: int = field(default=64, metadata={"help": "sentence pairs per batch"})
    max_pieces: int = field(default=50, metadata={"help": "skip training pairs with a side longer than this "
                                                          "(subwords)"})
    pool: int = field(default=50, metadata={"help": "batches per length-sorting pool"})
    eval_batch_size: int = field(default=128, metadata={"help": "sentence pairs per validation batch"})
    max_eval_pairs: int = field(default=2000, metadata={
        "help": "validation loss on a fixed, evenly spaced subset of this many pairs of the val split"})

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be 'en-fr' or 'fr-en', got {self.direction!r}")
        if self.spm_type not in SPM_TYPES:
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
    model: TranslatorConfig,
    data: TranslatorData,
    train: TrainConfig,
    run: RunOptions | None = None,
    *,
    tokenizer: SubwordTokenizer | None = None,
    **options: Any,
) -> Trainer:
    """Build (or resume) a translator training run on ``pairs`` ((English, French), normalised).

    ``run`` says where and how the run runs (:class:`~engine.train.run_options.RunOptions`); its fields may
    also be given as keywords (``run_dir="runs/x"``, ``device="cpu"``, ...).

    Steps: orient the pairs (``data.direction``), split them grouped by source sentence
    (:func:`~engine.data.parallel.grouped_split`), get the tokenizer (the resumed run's, else
    ``run_dir/spm.model``, else ``tokenizer``, else train a joint sentencepiece model on the training
    split and save it as ``run_dir/spm.model``), build a :class:`~engine.seq2seq.model.Translator` from
    ``model`` (its ``vocab_size``, ``src_lang`` and ``tgt_lang`` filled in from the tokenizer and ``data``) and
    a :class:`~engine.train.trainer.Trainer` with length-bucketed batches that are a function of the step.
    Checkpoints hold the tokenizer (``spm.model``) next to the weights.
    """
    from engine.seq2seq.model import TOKENIZER_FILE, Translator

    run = RunOptions.of(run, **options)
    splits = grouped_split(orient_pairs(pairs, data.direction), data.val_fraction, data.test_fraction,
                           salt=data.split_salt)
    if not splits.train or not splits.val:
        raise DataError(f"the split left no training or no validation pairs ({splits.sizes()}); "
                        "use more pairs or a larger val_fraction")
    src_lang, tgt_lang = data.langs
    resumed = run.resumed(TranslatorConfig)
    if resumed is not None:
        model, _, last = resumed  # the run's own languages too
        tokenizer = SubwordTokenizer.load(last / TOKENIZER_FILE)
        src_lang, tgt_lang = model.src_lang, model.tgt_lang
    elif run.resume and run.folder is not None and (run.folder / TOKENIZER_FILE).is_file():
        tokenizer = SubwordTokenizer.load(run.folder / TOKENIZER_FILE)
    if tokenizer is None:
        texts = sorted({s for pair in splits.train for s in pair})  # both languages: a joint vocabulary
        tokenizer = SubwordTokenizer.train(texts, vocab_size=data.vocab_size, model_type=data.spm_type)
        if run.folder is not None and run.rank == 0:
            tokenizer.save(run.folder / TOKENIZER_FILE)
    torch.manual_seed(train.seed)  # same initial weights for the same seed
    net = Translator(replace(model, vocab_size=len(tokenizer), src_lang=src_lang, tgt_lang=tgt_lang), tokenizer)

    train_src, train_tgt = encode_pairs(splits.train, tokenizer, data.max_pieces)
    if not train_src:
        raise DataError(f"no training pair has both sides within max_pieces={data.max_pieces} subwords")
    val_pairs = splits.val[:: max(1, len(splits.val) // data.max_eval_pairs)][: data.max_eval_pairs]
    val_src, val_tgt = encode_pairs(val_pairs, tokenizer, data.max_pieces)
    batches = BucketedBatches(train_src, train_tgt, data.batch_size, seed=train.seed, pool=data.pool, rank=run.rank,
                              world_size=run.world_size)
    val = eval_batches(val_src, val_tgt, data.eval_batch_size)
    examples = [p[0] for p in val_pairs[:: max(1, len(val_pairs) // 3)][:3]]

    def sample(m: Translator) -> str:
        return "\n".join(f"{t.source} -> {t.text}" for t in m.translate(examples, method="greedy"))

    meta = {"data": asdict(data), "split_sizes": splits.sizes(),
            "train_pairs": len(train_src), "val_pairs_for_loss": len(val_src),
            "tokenizer_info": {"type": data.spm_type, "pieces": len(tokenizer), "joint": True}}
    return run.trainer(net, batches, train, eval_batches=lambda: val, sample=sample, meta=meta)
