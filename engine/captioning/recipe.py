"""Recipe for the image captioner: cached CNN features + captions -> a :class:`~engine.train.trainer.Trainer`.

``python -m engine train captioner`` and the Streamlit captioning page both call
:func:`captioner_trainer`, so a run started from either is the same computation (the pattern of
:func:`engine.lm.recipe.charlm_trainer`). Training never runs the CNN: the frozen encoder's region
grids come from a :class:`~engine.captioning.data.FeatureCache` built once beforehand.

Batches are a function of the step number (each epoch is a seeded permutation of all
``(image, caption)`` training pairs), so resuming is exact. :func:`evaluate_captioner` scores a
split with corpus BLEU-1..4 against all reference captions of every image.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import torch

from engine.captioning.data import CaptionDataset, FeatureCache
from engine.captioning.model import Captioner, CaptionerConfig, CaptionSettings
from engine.captioning.vocab import WordVocab, tokenize_caption
from engine.data.corpora import DataError
from engine.metrics import corpus_bleu
from engine.train.provenance import portable_path
from engine.train.run_options import RunOptions
from engine.train.trainer import Batch, TrainConfig, Trainer

__all__ = ["CaptionerData", "captioner_trainer", "evaluate_captioner", "encode_captions"]


@dataclass
class CaptionerData:
    """How the captions become batches. Each field is a ``train captioner`` flag (``min_word_freq`` ->
    ``--min-word-freq``)."""

    batch_size: int = field(default=64, metadata={"help": "(image, caption) pairs per step"})
    min_word_freq: int = field(default=5, metadata={"help": "rarer training words become <unk>"})
    max_caption_len: int = field(default=30, metadata={"help": "skip training captions longer than this (words)"})
    val_pairs: int = field(default=1000, metadata={
        "help": "validation loss on the first N (image, caption) pairs of the dev split"})
    eval_batch_size: int = field(default=250, metadata={"help": "(image, caption) pairs per validation batch"})
    scheduled_sampling: float = field(default=0.0, metadata={
        "help": "final probability (linear ramp from 0) of feeding the model's own previous word"})
    sample_images: int = field(default=2, metadata={"help": "dev images captioned (greedy) at every sample event"})

    def __post_init__(self) -> None:
        if min(self.batch_size, self.min_word_freq, self.max_caption_len, self.val_pairs, self.eval_batch_size) < 1:
            raise ValueError("batch_size, min_word_freq, max_caption_len, val_pairs, eval_batch_size must be >= 1")
        if not 0.0 <= self.scheduled_sampling <= 1.0:
            raise ValueError("scheduled_sampling must be in [0, 1]")


def encode_captions(pairs: list[tuple[str, str]], vocab: WordVocab, cache: FeatureCache,
                    max_words: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(feature rows (N,), token ids (N, T) padded with 0, lengths (N,))`` of ``<start> words <end>``."""
    rows, seqs = [], []
    for image_id, caption in pairs:
        ids = vocab.encode(caption)
        if max_words is not None and len(ids) - 2 > max_words:
            continue
        if len(ids) <= 2:  # an empty caption teaches nothing
            continue
        rows.append(cache.index[image_id])
        seqs.append(ids)
    if not seqs:
        raise DataError("no usable captions (all empty or longer than max_caption_len)")
    T = max(map(len, seqs))
    tokens = np.zeros((len(seqs), T), dtype=np.int64)
    for n, s in enumerate(seqs):
        tokens[n, : len(s)] = s
    return np.array(rows, dtype=np.int64), tokens, np.array([len(s) for s in seqs], dtype=np.int64)


class _PairBatches:
    """``step -> Batch``: epoch ``e`` is a permutation of the pairs seeded by ``seed + e``; ranks take turns."""

    def __init__(self, cache: FeatureCache, rows: np.ndarray, tokens: np.ndarray, lengths: np.ndarray,
                 batch_size: int, seed: int, rank: int = 0, world_size: int = 1,
                 on_step: Callable[[int], None] | None = None):
        self.cache, self.rows, self.tokens, self.lengths = cache, rows, tokens, lengths
        self.batch_size, self.seed, self.rank, self.world_size = batch_size, seed, rank, world_size
        self.on_step = on_step
        self.steps_per_epoch = max(1, len(rows) // (batch_size * world_size))
        self._perm: tuple[int, np.ndarray] | None = None

    def __call__(self, step: int) -> Batch:
        if self.on_step is not None:
            self.on_step(step)
        epoch, i = divmod(step, self.steps_per_epoch)
        if self._perm is None or self._perm[0] != epoch:
            self._perm = (epoch, np.random.default_rng(self.seed + epoch).permutation(len(self.rows)))
        start = (i * self.world_size + self.rank) * self.batch_size
        sel = self._perm[1][start: start + self.batch_size]
        if len(sel) == 0:  # fewer pairs than one batch per rank
            sel = self._perm[1][: self.batch_size]
        return _make_batch(self.cache, self.rows[sel], self.tokens[sel], self.lengths[sel])


def _make_batch(cache: FeatureCache, rows: np.ndarray, tokens: np.ndarray, lengths: np.ndarray) -> Batch:
    T = int(lengths.max())
    caps = torch.from_numpy(tokens[:, :T].copy())  # (B, T): <start> w_1 .. w_n <end> <pad>...
    feats = cache.get(rows)  # (B, L, C) float32
    return Batch((feats, caps[:, :-1]), caps[:, 1:])  # teacher forcing: input words, next words


def captioner_trainer(
    dataset: CaptionDataset,
    cache: FeatureCache,
    model: CaptionerConfig,
    data: CaptionerData,
    train: TrainConfig,
    run: RunOptions | None = None,
    **options: Any,
) -> Trainer:
    """Build (or resume) a captioner training run on ``dataset``'s train split, from ``cache``'s features.

    ``model`` is the architecture; its ``vocab_size`` and ``encoder`` are taken from the data (the
    vocabulary of the training captions with ``data.min_word_freq``, the cache's encoder). ``run`` says
    where and how the run runs (:class:`~engine.train.run_options.RunOptions`; its fields may also be
    given as keywords, ``run_dir="runs/x"``). When ``run_dir/last`` exists and ``resume`` is true, the
    run continues with the vocabulary and configuration it was started with.
    """
    run = RunOptions.of(run, **options)
    train_ids = cache.usable(dataset.ids("train"))
    dev_ids = cache.usable(dataset.ids("dev"))
    if not train_ids or not dev_ids:
        raise DataError(f"the feature cache in {cache.folder} has {len(train_ids)} training and {len(dev_ids)} "
                        "dev images: build it with --cache-features first")
    vocab = None
    resumed = run.resumed(CaptionerConfig)
    if resumed is not None:
        model, meta, _ = resumed
        vocab = WordVocab(meta["vocab"])
    train_pairs = [(i, c) for i in train_ids for c in dataset.captions[i]]
    vocab = vocab or WordVocab.from_captions([c for _, c in train_pairs], data.min_word_freq)
    torch.manual_seed(train.seed)  # same initial weights for the same seed
    net = Captioner(replace(model, vocab_size=len(vocab), encoder=cache.encoder), vocab)

    rows, tokens, lengths = encode_captions(train_pairs, vocab, cache, data.max_caption_len)

    def ramp(step: int) -> None:  # scheduled sampling: 0 at the start, data.scheduled_sampling at the end
        net.sampling_prob = data.scheduled_sampling * min(1.0, step / max(1, train.max_steps))

    batches = _PairBatches(cache, rows, tokens, lengths, data.batch_size, train.seed, run.rank, run.world_size,
                           on_step=ramp if data.scheduled_sampling > 0 else None)
    val_pairs = [(i, c) for i in dev_ids for c in dataset.captions[i]][: data.val_pairs]
    v_rows, v_tokens, v_lengths = encode_captions(val_pairs, vocab, cache)

    def eval_batches() -> Iterator[Batch]:
        for s in range(0, len(v_rows), data.eval_batch_size):
            sl = slice(s, s + data.eval_batch_size)
            yield _make_batch(cache, v_rows[sl], v_tokens[sl], v_lengths[sl])

    sample_ids = dev_ids[: data.sample_images]

    def sample(m: Captioner) -> str:
        results = m.caption_features(cache.get(cache.rows(sample_ids)), method="greedy")
        return "\n".join(f"{i}: {r.text}   (reference: {dataset.captions[i][0]})" for i, r in zip(sample_ids, results))

    meta = {"data": asdict(data), "dataset": dataset.name,
            "train_images": len(train_ids), "train_pairs": int(len(rows)), "val_pairs": int(len(v_rows)),
            "features": {"encoder": cache.encoder, "folder": portable_path(str(cache.folder))}}
    return run.trainer(net, batches, train, eval_batches=eval_batches, sample=sample, meta=meta)


def evaluate_captioner(
    model: Captioner,
    dataset: CaptionDataset,
    split: str = "test",
    *,
    cache: FeatureCache | None = None,
    methods: Iterable[tuple[str, int]] = (("greedy", 1), ("beam", 3)),
    length_penalty: float = 0.5,
    no_repeat_ngram: int = 3,
    grounding: float | None = None,
    batch_size: int = 50,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Corpus BLEU-1..4 of ``model`` on the images of ``split`` (all their reference captions).

    Features come from ``cache`` when it holds the images (fast), else the encoder runs on the image
    files. ``methods`` is a list of ``(method, beam_width)``. Returns ``{"split", "images",
    "references_per_image", "bleu": {"greedy": {...}, "beam3": {...}}, "samples": [...], "seconds"}``
    with BLEU on a 0-1 scale, as captioning papers report it: hypotheses and references lower-cased and
    stripped of punctuation by :func:`~engine.captioning.vocab.tokenize_caption`, then sacrebleu's corpus
    BLEU-n for n = 1..4 (:func:`engine.metrics.corpus_bleu`, no further tokenisation).
    """
    ids = dataset.ids(split)
    if cache is not None and cache.encoder == model.config.encoder:
        cached = set(cache.usable(ids))
    else:
        cached = set()
    if limit is not None:
        ids = ids[:limit]
    if not ids:
        raise DataError(f"no {split} images to evaluate on")
    refs = [dataset.captions[i] for i in ids]
    norm_refs = [[" ".join(tokenize_caption(r)) for r in rs] for rs in refs]  # what BLEU compares
    t0 = time.perf_counter()
    out: dict = {"split": split, "images": len(ids), "references_per_image": max(len(r) for r in refs),
                 "decoding": {"length_penalty": length_penalty, "no_repeat_ngram": no_repeat_ngram,
                              "grounding": CaptionSettings().grounding if grounding is None else grounding},
                 "bleu": {}, "samples": []}
    feats_all: list[torch.Tensor] = []
    for s in range(0, len(ids), batch_size):
        chunk = ids[s: s + batch_size]
        if all(i in cached for i in chunk):
            feats_all.append(cache.get(cache.rows(chunk)).to(torch.float16))  # type: ignore[union-attr]
        else:
            feats_all.append(model.encode_images([dataset.images[i] for i in chunk])[0].cpu().to(torch.float16))
        if progress is not None:
            progress(min(s + batch_size, len(ids)), len(ids))
    for method, width in methods:
        hyps: list[str] = []
        for feats in feats_all:
            results = model.caption_features(feats.float(), method=method, beam_width=width,
                                             length_penalty=length_penalty, no_repeat_ngram=no_repeat_ngram,
                                             **({} if grounding is None else {"grounding": grounding}))
            hyps += [r.text for r in results]
        name = "greedy" if method == "greedy" else f"beam{width}"
        norm_hyps = [" ".join(tokenize_caption(h)) for h in hyps]
        out["bleu"][name] = {f"bleu{n}": round(corpus_bleu(norm_hyps, norm_refs, n, tokenize="none").score / 100.0, 4)
                             for n in range(1, 5)}
        if not out["samples"]:
            out["samples"] = [{"image": i, "caption": h, "reference": r[0]} for i, h, r in zip(ids[:5], hyps, refs)]
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out
