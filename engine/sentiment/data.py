"""Sentiment data: SST-2 and movie-review polarity (English), NSMC (Korean), read from the data directory.

The files live under ``<data dir>/sentiment/`` (the data directory: ``--data-dir`` or ``RNN_DATA_DIR``,
:func:`engine.data.corpora.resolve_data_dir`)::

    sst2/train.tsv dev.tsv test.tsv                       label<TAB>sentence, header line, labels 0/1
    rt-polarity/rt-polarity.pos rt-polarity.neg           one review snippet a line
    nsmc/nsmc_train_part1.tsv nsmc_train_part2.tsv        id<TAB>document<TAB>label, header line
    nsmc/nsmc_test.tsv

The splits every model of this package is trained and measured on (:func:`load_splits`):

* English: train = SST-2 train (67,349 phrases and sentences), val = SST-2 dev (872 sentences,
  model selection), test = SST-2 test (1,821 sentences); rt-polarity (10,662 snippets) is another
  domain, never trained on.
* Korean: NSMC train parts 1+2 (40,000 reviews) minus every 20th review, which is the validation slice
  (2,000); test = NSMC test (10,000), kept for the card.

Texts are prepared once, by :func:`prepare_text`, for training and for what a user types::

    >>> prepare_text("This movie isn't GOOD, is it?", "en")
    "this movie is n't good , is it ?"
    >>> prepare_text("  진짜   재밌다ㅋㅋ ", "ko")
    '진짜 재밌다ㅋㅋ'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from engine.data.corpora import CorpusNotFoundError, DataError, resolve_data_dir
from engine.data.parallel import normalize_text

__all__ = ["LANGS", "LABELS", "SentimentDataError", "SentimentSplits", "prepare_text", "load_sst2",
           "load_rt_polarity", "load_nsmc", "load_splits", "load_eval_set", "EVAL_SETS", "sentiment_dir"]

LANGS = ("en", "ko")
LABELS = ("negative", "positive")  # class 0, class 1
#: Named evaluation sets (``eval-sentiment --on NAME``) and their language.
EVAL_SETS = {"sst2-dev": "en", "sst2-test": "en", "rt-polarity": "en", "nsmc-val": "ko", "nsmc-test": "ko"}
VAL_EVERY = 20  # NSMC: every 20th training review is the validation slice


class SentimentDataError(DataError):
    """A sentiment file is malformed (bad label, missing column) or a language is unknown."""


@dataclass(frozen=True)
class SentimentSplits:
    """``(text, label)`` lists of one language; texts already prepared (:func:`prepare_text`)."""

    lang: str
    train: list[tuple[str, int]]
    val: list[tuple[str, int]]
    test: list[tuple[str, int]]

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}


# English as SST-2 and rt-polarity are written: lower case, clitics and punctuation split off
_CLITICS = re.compile(r"(?i)(n't|'s|'re|'ve|'ll|'d|'m)\b")
_PUNCT = re.compile(r"([.,!?;:()\"]|--)")


def prepare_text(text: str, lang: str) -> str:
    """The form a text is tokenised in: Unicode NFC, one space between words; English also lower-cased
    with ``n't 's 're ...`` and punctuation split off, as the SST-2 and rt-polarity files are written
    (so "isn't" typed by a user meets the ``is n't`` the model learned)."""
    if lang not in LANGS:
        raise SentimentDataError(f"unknown language {lang!r}; use one of {LANGS}")
    text = normalize_text(text)
    if lang == "en":
        text = _CLITICS.sub(r" \1", text.lower())
        text = _PUNCT.sub(r" \1 ", text)
        text = normalize_text(text)
    return text


def sentiment_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """``<data dir>/sentiment``; :class:`~engine.data.corpora.CorpusNotFoundError` when no data directory is set."""
    root = resolve_data_dir(data_dir)
    if root is None:
        raise CorpusNotFoundError("no data directory: set RNN_DATA_DIR or pass --data-dir; the sentiment files go "
                                  "in <data dir>/sentiment/ (sst2/, rt-polarity/, nsmc/)")
    return Path(root) / "sentiment"


def _file(data_dir: str | os.PathLike | None, *parts: str) -> Path:
    path = sentiment_dir(data_dir).joinpath(*parts)
    if not path.is_file():
        raise CorpusNotFoundError(f"{'/'.join(parts)} not found: put it at {path} (see engine.sentiment.data for "
                                  "the expected files)")
    return path


def _read_lines(path: Path) -> list[str]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # the original rt-polarity release is Latin-1
    return text.splitlines()


def _label(value: str, path: Path, line: int) -> int:
    if value.strip() not in ("0", "1"):
        raise SentimentDataError(f"{path}:{line}: label must be 0 or 1, got {value!r}")
    return int(value)


def load_sst2(split: str, data_dir: str | os.PathLike | None = None) -> list[tuple[str, int]]:
    """SST-2 ``train`` / ``dev`` / ``test`` as ``(prepared text, label)``."""
    if split not in ("train", "dev", "test"):
        raise SentimentDataError(f"SST-2 has splits train, dev, test; not {split!r}")
    path = _file(data_dir, "sst2", f"{split}.tsv")
    out = []
    for i, line in enumerate(_read_lines(path)[1:], 2):
        if not line.strip():
            continue
        label, _, text = line.partition("\t")
        if not text.strip():
            raise SentimentDataError(f"{path}:{i}: expected label<TAB>sentence")
        out.append((prepare_text(text, "en"), _label(label, path, i)))
    return out


def load_rt_polarity(data_dir: str | os.PathLike | None = None) -> list[tuple[str, int]]:
    """The movie-review polarity snippets (Pang & Lee 2005), negatives then positives."""
    out = []
    for name, label in (("rt-polarity.neg", 0), ("rt-polarity.pos", 1)):
        path = _file(data_dir, "rt-polarity", name)
        out += [(prepare_text(line, "en"), label) for line in _read_lines(path) if line.strip()]
    return out


def load_nsmc(split: str, data_dir: str | os.PathLike | None = None) -> list[tuple[str, int]]:
    """NSMC ``train`` (both parts) or ``test``; reviews with an empty text are skipped."""
    names = {"train": ("nsmc_train_part1.tsv", "nsmc_train_part2.tsv"), "test": ("nsmc_test.tsv",)}
    if split not in names:
        raise SentimentDataError(f"NSMC has splits train, test; not {split!r}")
    out = []
    for name in names[split]:
        path = _file(data_dir, "nsmc", name)
        for i, line in enumerate(_read_lines(path)[1:], 2):
            cols = line.split("\t")
            if len(cols) != 3:
                if line.strip():
                    raise SentimentDataError(f"{path}:{i}: expected id<TAB>document<TAB>label")
                continue
            text = prepare_text(cols[1], "ko")
            if text:
                out.append((text, _label(cols[2], path, i)))
    return out


def load_splits(lang: str, data_dir: str | os.PathLike | None = None) -> SentimentSplits:
    """The train / val / test split of ``lang`` described in the module docstring."""
    if lang == "en":
        return SentimentSplits("en", load_sst2("train", data_dir), load_sst2("dev", data_dir),
                               load_sst2("test", data_dir))
    if lang == "ko":
        train = load_nsmc("train", data_dir)
        return SentimentSplits("ko", [x for i, x in enumerate(train) if i % VAL_EVERY],
                               train[::VAL_EVERY], load_nsmc("test", data_dir))
    raise SentimentDataError(f"unknown language {lang!r}; use one of {LANGS}")


def load_eval_set(name: str, data_dir: str | os.PathLike | None = None) -> list[tuple[str, int]]:
    """One of :data:`EVAL_SETS` as ``(prepared text, label)``."""
    if name == "sst2-dev":
        return load_sst2("dev", data_dir)
    if name == "sst2-test":
        return load_sst2("test", data_dir)
    if name == "rt-polarity":
        return load_rt_polarity(data_dir)
    if name == "nsmc-test":
        return load_nsmc("test", data_dir)
    if name == "nsmc-val":
        return load_splits("ko", data_dir).val
    raise SentimentDataError(f"unknown evaluation set {name!r}; use one of {', '.join(EVAL_SETS)}")
