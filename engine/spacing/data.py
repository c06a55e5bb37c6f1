"""Word spacing as sequence labelling: text -> (characters without spaces, one label per character).

The label of character ``t`` is 1 when a space follows it in the original text ("a space follows"), else 0:
a many-to-many *synced* task (one output per input step), the lecture's tagging architecture::

    >>> chars, labels = strip_spaces("아버지가 방에 들어가신다")
    >>> chars
    '아버지가방에들어가신다'
    >>> labels
    [0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]
    >>> join_spaces(chars, labels)
    '아버지가 방에 들어가신다'

Runs of whitespace count as one space; leading and trailing whitespace are dropped.

Corpora (found in the data directory, :func:`engine.data.corpora.resolve_data_dir`):

* Korean (``ko``): NSMC movie reviews, ``sentiment/nsmc/``. Train: ``nsmc_train_part1.tsv`` +
  ``nsmc_train_part2.tsv`` except their last :data:`KO_VAL_REVIEWS` reviews (validation); test:
  ``nsmc_test.tsv``. Reviews are informal and often badly spaced; :func:`well_spaced` filters the obviously
  unspaced ones (applied to train and validation; the test split is reported both filtered and whole).
* English (``en``): Tiny Shakespeare, ``tinyshakespeare/input.txt``, one example per non-empty line; the
  lines in order, first 90 % train, next 5 % validation, last 5 % test (contiguous: no play is split at random).
* Korean, other domain: the Korean side of ``tatoeba/kor-eng.txt`` (short, carefully written sentences), test only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from engine.data.corpora import CorpusNotFoundError, DataError, resolve_data_dir

__all__ = ["LANGS", "KO_VAL_REVIEWS", "SpacingSplits", "strip_spaces", "join_spaces", "well_spaced",
           "load_spacing_splits", "tatoeba_korean", "data_file"]

LANGS = ("ko", "en")
KO_VAL_REVIEWS = 2000
#: A review is "obviously unspaced" when its words average more than this many characters.
MAX_MEAN_WORD = 7.0
_WS = re.compile(r"\s+")

_FILES = {
    "ko": ("sentiment/nsmc/nsmc_train_part1.tsv", "sentiment/nsmc/nsmc_train_part2.tsv",
           "sentiment/nsmc/nsmc_test.tsv"),
    "en": ("tinyshakespeare/input.txt",),
    "tatoeba": ("tatoeba/kor-eng.txt",),
}


def strip_spaces(text: str) -> tuple[str, list[int]]:
    """``(characters without whitespace, labels)``; ``labels[t] = 1`` when a space follows character ``t``."""
    words = _WS.split(text.strip())
    chars, labels = [], []
    for w in words:
        if not w:
            continue
        chars.append(w)
        labels += [0] * (len(w) - 1) + [1]
    if labels:
        labels[-1] = 0  # nothing follows the last character
    return "".join(chars), labels


def join_spaces(chars: str, labels) -> str:
    """Inverse of :func:`strip_spaces`: a space after every character whose label is 1 (not after the last)."""
    if len(labels) != len(chars):
        raise ValueError(f"{len(chars)} characters but {len(labels)} labels")
    out = []
    for i, (ch, lab) in enumerate(zip(chars, labels)):
        out.append(ch)
        if lab and i < len(chars) - 1:
            out.append(" ")
    return "".join(out)


def well_spaced(text: str, max_mean_word: float = MAX_MEAN_WORD) -> bool:
    """False for an obviously unspaced text: its words average more than ``max_mean_word`` characters.

    >>> well_spaced("아버지가 방에 들어가신다"), well_spaced("아버지가방에들어가신다정말로")
    (True, False)
    """
    chars, labels = strip_spaces(text)
    return len(chars) <= max_mean_word * (sum(labels) + 1)


@dataclass
class SpacingSplits:
    """Texts (with their spaces) of one language, split; ``source`` says where they came from and how."""

    train: list[str]
    val: list[str]
    test: list[str]
    source: str
    test_unfiltered: list[str] | None = None


def data_file(relpath: str, data_dir: str | os.PathLike | None = None) -> Path:
    """``data_dir / relpath``, or :class:`CorpusNotFoundError` naming the file and where to put it."""
    root = resolve_data_dir(data_dir)
    if root is None:
        raise CorpusNotFoundError(f"spacing data {relpath!r} needs a data directory: set RNN_DATA_DIR or pass "
                                  f"--data-dir, with the file at <data dir>/{relpath}")
    path = root / relpath
    if not path.is_file():
        raise CorpusNotFoundError(f"spacing data file not found: {path} (put {relpath} under the data directory "
                                  f"{root})")
    return path


def _tsv_documents(path: Path) -> list[str]:
    """The ``document`` column of an NSMC file (``id<TAB>document<TAB>label``), non-empty ones."""
    docs = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) >= 3 and parts[1].strip():
            docs.append(_WS.sub(" ", parts[1]).strip())
    return docs


def load_spacing_splits(lang: str, data_dir: str | os.PathLike | None = None, *, filter_unspaced: bool = True,
                        min_chars: int = 2) -> SpacingSplits:
    """Train / validation / test texts of ``lang`` (``"ko"`` or ``"en"``), as the module docstring states."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    paths = [data_file(p, data_dir) for p in _FILES[lang]]

    def keep(t: str, filt: bool) -> bool:
        return len(t.replace(" ", "")) >= min_chars and (not filt or well_spaced(t))

    if lang == "ko":
        train_all = _tsv_documents(paths[0]) + _tsv_documents(paths[1])
        test_all = _tsv_documents(paths[2])
        train, val = train_all[:-KO_VAL_REVIEWS], train_all[-KO_VAL_REVIEWS:]
        source = ("NSMC reviews (sentiment/nsmc): train = train parts 1+2 minus their last "
                  f"{KO_VAL_REVIEWS} reviews (validation), test = nsmc_test.tsv")
    else:
        lines = [_WS.sub(" ", x).strip() for x in paths[0].read_text(encoding="utf-8").splitlines()]
        lines = [x for x in lines if x]
        a, b = int(0.9 * len(lines)), int(0.95 * len(lines))
        train, val, test_all = lines[:a], lines[a:b], lines[b:]
        source = "Tiny Shakespeare lines: first 90% train, next 5% validation, last 5% test"
    if not train:
        raise DataError(f"no {lang} training text in {paths[0]}")
    filt = filter_unspaced and lang == "ko"
    if filt:
        source += f"; reviews whose words average > {MAX_MEAN_WORD:g} characters dropped (obviously unspaced)"
    return SpacingSplits(train=[t for t in train if keep(t, filt)], val=[t for t in val if keep(t, filt)],
                         test=[t for t in test_all if keep(t, filt)], source=source,
                         test_unfiltered=[t for t in test_all if keep(t, False)])


def tatoeba_korean(data_dir: str | os.PathLike | None = None) -> list[str]:
    """The Korean side of ``tatoeba/kor-eng.txt`` (``English<TAB>Korean<TAB>attribution``), one per line."""
    path = data_file(_FILES["tatoeba"][0], data_dir)
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[1].strip():
            out.append(_WS.sub(" ", parts[1]).strip())
    return out
