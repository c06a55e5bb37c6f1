"""Parallel text for the translator: normalisation, a leakage-free split, subword tokens, batches.

The pipeline, from the raw Tatoeba file (``English<TAB>French`` per line) to training batches::

    normalize_text        NFC, typographic spaces -> " ", apostrophes -> "'"
    read_pairs            (english, french) pairs, normalised, malformed lines skipped
    grouped_split         train / val / test, grouped by source sentence (no leakage)
    SubwordTokenizer      sentencepiece unigram model, one joint English+French vocabulary
    BucketedBatches       ``batches(step) -> Batch``: length-bucketed, deterministic per step

Why the split is grouped. Tatoeba lists the same English sentence several times, once per French
translation ("Run!" -> "Cours !", "Courez !"). A random split of *lines* puts "Run!" -> "Cours !"
in training and "Run!" -> "Courez !" in the test set: the test sentence was seen in training and
BLEU is inflated. Here the split is a function of the (case-folded, normalised) source sentence
alone: ``md5(salt + sentence) -> bucket in [0, 1000)``, so every translation of one sentence lands
on the same side, the split never changes when lines are added or reordered, and the test set
keeps *all* translations of its sentences as references (:func:`group_references`).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from engine.data.batch import Batch
from engine.data.corpora import CORPORA, CorpusNotFoundError, DataError, corpus_path

__all__ = [
    "PAD_ID",
    "UNK_ID",
    "BOS_ID",
    "EOS_ID",
    "SPLIT_SALT",
    "BucketedBatches",
    "ParallelSplits",
    "SubwordTokenizer",
    "encode_pairs",
    "eval_batches",
    "group_references",
    "grouped_split",
    "load_pairs",
    "make_batch",
    "normalize_text",
    "read_pairs",
    "split_of",
    "split_sentences",
]

# Special token ids, fixed so a model and its tokenizer always agree.
PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3
SPLIT_SALT = "rnnlab-tatoeba-v1"  # changing it reshuffles the split (and invalidates reported scores)

# Spaces that French typography puts before ! ? : ; and inside « » (U+00A0 no-break space,
# U+202F narrow no-break space, U+2009 thin space ...): all become a plain space.
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# Invisible characters: zero-width space/joiners, soft hyphen, BOM.
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])\s+(?=[\"'\u00ab(\[\d\w])")


def normalize_text(text: str) -> str:
    """Normalise one sentence: the form that is split, tokenised, translated and scored.

    * Unicode NFC (composed accents: ``e`` + U+0301 becomes ``é``);
    * every kind of space (U+00A0 and U+202F before ``! ? :`` in French, U+2009 ...) becomes one
      plain space, runs of spaces collapse, ends are stripped;
    * zero-width characters and soft hyphens are dropped;
    * typographic apostrophes ``’ ‘`` become ``'`` (Tatoeba's French mixes both: one form keeps
      ``l'``, ``j'``, ``n'`` a single subword each).

    >>> normalize_text("Cours\\u202f!  Va\\u00a0!")
    'Cours ! Va !'
    >>> normalize_text("J\\u2019ai faim.")
    "J'ai faim."
    """
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text).translate(_APOSTROPHES)
    return _SPACES.sub(" ", text).strip()


def split_sentences(text: str) -> list[str]:
    """Split (normalised) text after ``. ! ? …`` followed by a space and a word/quote/digit.

    >>> split_sentences("I am here. Where are you? Come!")
    ['I am here.', 'Where are you?', 'Come!']
    """
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


# ----------------------------------------------------------------------------- reading and splitting
def read_pairs(path: str | os.PathLike, limit: int | None = None) -> list[tuple[str, str]]:
    """``(source_side_1, side_2)`` pairs from a ``A<TAB>B[<TAB>...]`` file, both sides normalised.

    Extra columns (attribution in newer Tatoeba dumps) are ignored; lines without a tab or with an
    empty side are skipped.
    """
    pairs = []
    try:
        with open(path, encoding="utf-8-sig") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 2:
                    continue
                a, b = normalize_text(cols[0]), normalize_text(cols[1])
                if a and b:
                    pairs.append((a, b))
                if limit is not None and len(pairs) >= limit:
                    break
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text ({exc})") from None
    if not pairs:
        raise DataError(f"{path} holds no tab-separated sentence pairs")
    return pairs


def load_pairs(name_or_path: str | os.PathLike = "tatoeba-fra-eng", data_dir: str | os.PathLike | None = None,
               limit: int | None = None) -> list[tuple[str, str]]:
    """Pairs of a named corpus (``tatoeba-fra-eng``: (English, French)) or of a TSV file at a path."""
    key = str(name_or_path)
    if key in CORPORA:
        return read_pairs(corpus_path(key, data_dir), limit)
    path = Path(key).expanduser()
    if not path.is_file():
        raise CorpusNotFoundError(f"{key!r} is neither a named corpus ({', '.join(sorted(CORPORA))}) "
                                  "nor an existing tab-separated file")
    return read_pairs(path, limit)


def split_of(sentence: str, val_fraction: float = 0.05, test_fraction: float = 0.05,
             salt: str = SPLIT_SALT) -> str:
    """``"train"``, ``"val"`` or ``"test"`` for a (source) sentence: a pure function of its text.

    The key is the normalised, case-folded sentence ("Go." and "go." are one sentence), hashed with
    MD5 (stable across Python versions and machines, unlike ``hash()``) into 1000 buckets:
    buckets ``[0, 1000*test)`` are test, the next ``1000*val`` validation, the rest training.
    """
    key = (salt + "\x00" + normalize_text(sentence).casefold()).encode("utf-8")
    bucket = int.from_bytes(hashlib.md5(key).digest()[:8], "big") % 1000
    if bucket < round(1000 * test_fraction):
        return "test"
    if bucket < round(1000 * (test_fraction + val_fraction)):
        return "val"
    return "train"


@dataclass
class ParallelSplits:
    train: list[tuple[str, str]] = field(default_factory=list)
    val: list[tuple[str, str]] = field(default_factory=list)
    test: list[tuple[str, str]] = field(default_factory=list)

    def __getitem__(self, name: str) -> list[tuple[str, str]]:
        if name not in ("train", "val", "test"):
            raise KeyError(f"unknown split {name!r} (train, val, test)")
        return getattr(self, name)

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}


def grouped_split(pairs: Iterable[tuple[str, str]], val_fraction: float = 0.05, test_fraction: float = 0.05,
                  key_side: int = 0, salt: str = SPLIT_SALT) -> ParallelSplits:
    """Split pairs by the sentence on side ``key_side`` (0: English in Tatoeba), see :func:`split_of`.

    Deterministic and order-independent; all pairs sharing that sentence go to the same split.
    """
    if not (0 <= val_fraction < 1 and 0 <= test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError("val_fraction and test_fraction must be in [0, 1) and sum to less than 1")
    out = ParallelSplits()
    cache: dict[str, str] = {}
    for pair in pairs:
        key = pair[key_side]
        if key not in cache:
            cache[key] = split_of(key, val_fraction, test_fraction, salt)
        out[cache[key]].append(pair)
    return out


def group_references(pairs: Iterable[tuple[str, str]]) -> tuple[list[str], list[list[str]]]:
    """``(sources, references)``: each distinct source once (first-seen order) with all its targets.

    >>> group_references([("Run!", "Cours !"), ("Hi.", "Salut."), ("Run!", "Courez !")])
    (['Run!', 'Hi.'], [['Cours !', 'Courez !'], ['Salut.']])
    """
    refs: dict[str, list[str]] = {}
    for src, tgt in pairs:
        bucket = refs.setdefault(src, [])
        if tgt not in bucket:
            bucket.append(tgt)
    return list(refs), list(refs.values())


# ----------------------------------------------------------------------------- subword tokenizer
class SubwordTokenizer:
    """A sentencepiece model (kept as its serialized bytes, so it travels inside checkpoints).

    Design choices (see :meth:`train`):

    * **one joint English+French vocabulary** (~8k pieces). Both languages use the Latin script and
      share names, numbers, cognates (``table``, ``important``) and punctuation; one vocabulary lets
      those pieces be copied across, lets the source embedding, target embedding and output layer
      share one matrix (three-way weight tying, Press & Wolf 2017: fewer parameters, better
      generalisation on a small corpus), and ships as one ``spm.model`` file.
    * **unigram language model** segmentation (Kudo 2018), sentencepiece's default: it picks the
      most probable segmentation under a unigram model of pieces, which tends to give more
      morphologically sensible French pieces than greedy BPE merges, at the same vocabulary size.
    * **byte fallback**: a character outside the vocabulary becomes its UTF-8 bytes (``<0xF0>`` ...)
      instead of ``<unk>``, so every input round-trips exactly; **split digits**: numbers are
      spelled digit by digit, so any number is copied piece by piece.
    * **identity normalisation** inside sentencepiece: text is normalised once, by
      :func:`normalize_text`, so what is scored is what was tokenised.

    Ids 0-3 are ``<pad> <unk> <s> </s>``.
    """

    def __init__(self, model_proto: bytes):
        import sentencepiece as spm

        self.model_proto = bytes(model_proto)
        try:
            self.sp = spm.SentencePieceProcessor(model_proto=self.model_proto)
        except RuntimeError as exc:  # sentencepiece's own parse failure ("ParseFromArray")
            raise DataError(f"not a sentencepiece model (truncated or corrupt file?): {exc}") from exc
        specials = (self.sp.pad_id(), self.sp.unk_id(), self.sp.bos_id(), self.sp.eos_id())
        if specials != (PAD_ID, UNK_ID, BOS_ID, EOS_ID):
            raise DataError(f"sentencepiece model has special ids {specials}; expected pad/unk/bos/eos = 0/1/2/3")

    # ------------------------------------------------------------------ construction
    @classmethod
    def train(cls, sentences: Iterable[str], vocab_size: int = 8000, model_type: str = "unigram",
              character_coverage: float = 0.9999, num_threads: int = 2,
              max_sentences: int = 300_000) -> SubwordTokenizer:
        """Train a model on ``sentences`` (already normalised; both languages for a joint vocabulary).

        ``vocab_size`` is a soft limit: on a tiny text the model gets as many pieces as it can.
        ``character_coverage < 1`` leaves the rarest characters to byte fallback (so the byte
        pieces are seen in training too).
        """
        import sentencepiece as spm

        if model_type not in ("unigram", "bpe"):
            raise ValueError(f"model_type must be 'unigram' or 'bpe', got {model_type!r}")
        sentences = [s for s in sentences if s.strip()][:max_sentences]
        if not sentences:
            raise DataError("cannot train a tokenizer on no text")
        writer = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(sentences), model_writer=writer, vocab_size=vocab_size,
            model_type=model_type, character_coverage=character_coverage, byte_fallback=True,
            split_digits=True, normalization_rule_name="identity", hard_vocab_limit=False,
            pad_id=PAD_ID, unk_id=UNK_ID, bos_id=BOS_ID, eos_id=EOS_ID,
            pad_piece="<pad>", unk_piece="<unk>", bos_piece="<s>", eos_piece="</s>",
            num_threads=num_threads, minloglevel=2, shuffle_input_sentence=False,
            max_sentence_length=8192, train_extremely_large_corpus=False,
        )
        return cls(writer.getvalue())

    @classmethod
    def load(cls, path: str | os.PathLike) -> SubwordTokenizer:
        return cls(Path(path).read_bytes())

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.model_proto)
        return path

    # ------------------------------------------------------------------ use
    def __len__(self) -> int:
        return self.sp.get_piece_size()

    @property
    def vocab_size(self) -> int:
        return len(self)

    def encode(self, text: str) -> list[int]:
        return self.sp.encode(text)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return self.sp.encode(list(texts))

    def encode_sampled(self, texts: Sequence[str], alpha: float, seed: int) -> list[list[int]]:
        """Subword regularisation (Kudo 2018): each text cut into pieces *sampled* from the unigram model's
        segmentations (``P(segmentation) ** alpha``; smaller ``alpha``: more varied) instead of the single
        best one, so a model trained on them sees ``재밌다`` as ``재밌+다`` one time and ``재+밌다`` another and
        learns pieces that hold up. Deterministic for a ``seed`` (sentencepiece's sampler is seeded
        globally, here for this call; one thread, so the texts draw from it in order)."""
        import sentencepiece as spm

        spm.set_random_generator_seed(int(seed) % (2 ** 31 - 1))
        return self.sp.encode(list(texts), enable_sampling=True, alpha=float(alpha), nbest_size=-1, num_threads=1)

    def pieces(self, text: str) -> list[str]:
        return self.sp.encode(text, out_type=str)

    def id_to_piece(self, i: int) -> str:
        return self.sp.id_to_piece(int(i))

    def decode(self, ids: Iterable[int]) -> str:
        """Text of ``ids``; special tokens (pad, <s>, </s>) are left out."""
        return self.sp.decode([int(i) for i in ids if int(i) > EOS_ID])

    def covers(self, char: str) -> bool:
        """Whether ``char`` has its own piece (else the tokenizer spells it as bytes)."""
        return self.sp.piece_to_id(char) != UNK_ID

    def unseen_chars(self, text: str) -> list[str]:
        """Distinct characters of ``text`` (spaces aside) that fall back to bytes, in order of appearance."""
        out: list[str] = []
        for ch in text:
            if ch != " " and ch not in out and not self.covers(ch):
                out.append(ch)
        return out


# ----------------------------------------------------------------------------- tensors and batches
def encode_pairs(pairs: Sequence[tuple[str, str]], tokenizer: SubwordTokenizer,
                 max_pieces: int | None = None) -> tuple[list[list[int]], list[list[int]]]:
    """Token ids of both sides; pairs with a side longer than ``max_pieces`` (or empty) are dropped."""
    src = tokenizer.encode_batch([p[0] for p in pairs])
    tgt = tokenizer.encode_batch([p[1] for p in pairs])
    keep = [i for i in range(len(pairs)) if src[i] and tgt[i] and
            (max_pieces is None or (len(src[i]) <= max_pieces and len(tgt[i]) <= max_pieces))]
    return [src[i] for i in keep], [tgt[i] for i in keep]


def pad_sources(src: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Source ids + ``</s>`` right-padded with ``<pad>``: ``(ids (B, S), lengths (B,))``."""
    lengths = [len(s) + 1 for s in src]
    out = torch.full((len(src), max(lengths)), PAD_ID, dtype=torch.long)
    for i, s in enumerate(src):
        out[i, : len(s) + 1] = torch.tensor([*s, EOS_ID], dtype=torch.long)
    return out, torch.tensor(lengths, dtype=torch.long)


def make_batch(src: Sequence[Sequence[int]], tgt: Sequence[Sequence[int]]) -> Batch:
    """A teacher-forcing batch: ``inputs = (src (B, S), src_len (B,), tgt_in (B, T))``, ``targets`` (B, T).

    ``src`` ends with ``</s>``; ``tgt_in = <s> y_1 .. y_n`` and ``targets = y_1 .. y_n </s>`` (the
    decoder predicts the next target token); padding is ``<pad>`` (id 0), ignored by the loss.
    """
    src_ids, src_len = pad_sources(src)
    T = max(len(t) for t in tgt) + 1
    tgt_in = torch.full((len(tgt), T), PAD_ID, dtype=torch.long)
    tgt_out = torch.full((len(tgt), T), PAD_ID, dtype=torch.long)
    for i, t in enumerate(tgt):
        tgt_in[i, : len(t) + 1] = torch.tensor([BOS_ID, *t], dtype=torch.long)
        tgt_out[i, : len(t) + 1] = torch.tensor([*t, EOS_ID], dtype=torch.long)
    return Batch((src_ids, src_len, tgt_in), tgt_out)


class BucketedBatches:
    """``batches(step) -> Batch``: length-bucketed training batches, a pure function of the step.

    Epoch ``e`` (``e = global_batch // batches_per_epoch``) is a permutation of the pairs drawn from
    ``numpy.random.default_rng([seed, e])``, cut into pools of ``pool`` batches; each pool is sorted
    by length (source, then target) and cut into batches, and the batch order is shuffled. Sentences
    of similar length share a batch (little padding, so little wasted compute), while every epoch
    sees different batches. Resuming at step ``s`` reproduces exactly the batches a run that never
    stopped would have seen; rank ``r`` of ``world_size`` takes global batch ``s * world_size + r``.
    """

    def __init__(self, src: Sequence[Sequence[int]], tgt: Sequence[Sequence[int]], batch_size: int,
                 seed: int = 0, pool: int = 50, rank: int = 0, world_size: int = 1):
        if len(src) != len(tgt) or not src:
            raise DataError("need a non-empty, equal number of source and target sentences")
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.src, self.tgt = list(src), list(tgt)
        self.batch_size = min(batch_size, len(self.src))
        self.seed, self.pool, self.rank, self.world_size = seed, max(1, pool), rank, world_size
        self.lengths = np.array([len(s) * 1000 + len(t) for s, t in zip(self.src, self.tgt)])
        self.batches_per_epoch = -(-len(self.src) // self.batch_size)
        self._epoch: tuple[int, list[np.ndarray]] | None = None

    def _epoch_batches(self, epoch: int) -> list[np.ndarray]:
        if self._epoch is not None and self._epoch[0] == epoch:
            return self._epoch[1]
        rng = np.random.default_rng([self.seed, epoch])
        perm = rng.permutation(len(self.src))
        chunk = self.pool * self.batch_size
        batches: list[np.ndarray] = []
        for start in range(0, len(perm), chunk):
            part = perm[start:start + chunk]
            part = part[np.argsort(self.lengths[part], kind="stable")]
            batches += [part[i:i + self.batch_size] for i in range(0, len(part), self.batch_size)]
        order = rng.permutation(len(batches))
        self._epoch = (epoch, [batches[i] for i in order])
        return self._epoch[1]

    def indices(self, step: int) -> np.ndarray:
        g = step * self.world_size + self.rank
        batches = self._epoch_batches(g // self.batches_per_epoch)
        return batches[g % len(batches)]

    def __call__(self, step: int) -> Batch:
        idx = self.indices(step)
        return make_batch([self.src[i] for i in idx], [self.tgt[i] for i in idx])


def eval_batches(src: Sequence[Sequence[int]], tgt: Sequence[Sequence[int]], batch_size: int) -> list[Batch]:
    """Fixed validation batches, sorted by length (little padding)."""
    order = sorted(range(len(src)), key=lambda i: (len(src[i]), len(tgt[i])))
    return [make_batch([src[i] for i in order[k:k + batch_size]], [tgt[i] for i in order[k:k + batch_size]])
            for k in range(0, len(order), batch_size)]
