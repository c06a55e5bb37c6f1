"""The n-gram model file: a ``.npz`` of the count arrays plus a JSON header, no pickle.

Entries: ``meta`` (UTF-8 JSON bytes: format, version, order, smoothing and its parameters,
``min_count``, ``uniform_base``, tokenization, boundary, and the vocabulary without its three
special symbols), then for each level ``k = 1 .. order`` ``keys_k`` and ``counts_k``, and
``cont_k`` (continuation counts) for ``k < order``. Everything else a model holds is recomputed
from these when it is loaded.

Version 2 stores each (sorted) ``keys_k`` as its differences from the previous key and every array in the
smallest unsigned integer type that holds it: the same counts, compressed to about half the file of
version 1 (the shipped order-7 Tiny Shakespeare model: 2.15 MB -> about 1 MB). Version 1 files still load.

    >>> small_uint(np.array([0, 300, 70000]))
    array([    0,   300, 70000], dtype=uint32)
"""

from __future__ import annotations

import json
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from engine.ngram.counting import NGramCounts
from engine.ngram.vocab import SPECIALS

__all__ = ["FORMAT", "FORMAT_VERSION", "save_counts", "load_counts"]

FORMAT = "rnnlab-ngram"
FORMAT_VERSION = 2
_READABLE = (1, 2)


def small_uint(a: np.ndarray) -> np.ndarray:
    """``a`` (non-negative integers) in the smallest unsigned type that holds its largest value."""
    top = int(a.max()) if a.size else 0
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return a.astype(dtype)
    return a.astype(np.uint64)


def _signed(a: np.ndarray) -> np.ndarray:
    """Counts as the counting code keeps them: int32 when they fit (they always do below 2**31 positions)."""
    if a.dtype.kind != "u":
        return a
    return a.astype(np.int32 if (not a.size or int(a.max()) < np.iinfo(np.int32).max) else np.int64)


def save_counts(path: str | Path, meta: dict[str, Any], counts: NGramCounts) -> Path:
    """Save ``meta`` (format and version are added) and the count arrays to ``path``. Returns the path.

    Raises:
        ValueError: if a vocabulary token is not a ``str`` or ``int`` (not JSON-representable).
    """
    for t in meta["vocab"]:
        if isinstance(t, bool) or not isinstance(t, (str, int)):
            raise ValueError(f"cannot save token {t!r} of type {type(t).__name__}: only str and int tokens")
    header = {"format": FORMAT, "version": FORMAT_VERSION, **meta}
    arrays: dict[str, np.ndarray] = {"meta": np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)}
    for k in range(1, counts.order + 1):
        keys = np.asarray(counts.keys[k], dtype=np.int64)
        if keys.size and (keys[0] < 0 or np.any(np.diff(keys) < 0)):
            raise ValueError(f"keys of level {k} are not sorted non-negative integers")
        arrays[f"keys_{k}"] = small_uint(np.diff(keys, prepend=0))  # sorted: small gaps compress well
        arrays[f"counts_{k}"] = small_uint(np.asarray(counts.counts[k]))
        if k < counts.order:
            arrays[f"cont_{k}"] = small_uint(np.asarray(counts.continuation[k]))
    path = Path(path)
    with open(path, "wb") as f:
        np.savez_compressed(f, **arrays)
    return path


def load_counts(path: str | Path) -> tuple[dict[str, Any], NGramCounts]:
    """The header and the counts of a file written by :func:`save_counts` (``np.load(..., allow_pickle=False)``).

    Raises:
        ValueError: if the file is not an RNN Lab n-gram model.
    """
    with np.load(Path(path), allow_pickle=False) as z:
        if "meta" not in z.files:
            raise ValueError(f"{path}: not an RNN Lab n-gram model (no 'meta' entry)")
        meta = json.loads(bytes(z["meta"]).decode("utf-8"))
        if meta.get("format") != FORMAT or meta.get("version") not in _READABLE:
            raise ValueError(f"{path}: unsupported format {meta.get('format')!r} v{meta.get('version')!r}")
        order = int(meta["order"])
        stored = [z[f"keys_{k}"].astype(np.int64) for k in range(1, order + 1)]
        keys = [np.zeros(0, np.int64)] + ([np.cumsum(d) for d in stored] if meta["version"] >= 2 else stored)
        counts = [np.zeros(0, np.int64)] + [_signed(z[f"counts_{k}"]) for k in range(1, order + 1)]
        cont = [np.zeros(0, np.int64)] + [_signed(z[f"cont_{k}"]) for k in range(1, order)]
        cont.append(np.zeros(0, np.int64))
        for arr in chain(counts, cont):
            if arr.dtype.kind not in "iu":
                raise ValueError(f"{path}: corrupt count arrays (dtype {arr.dtype})")
    return meta, NGramCounts(order, len(SPECIALS) + len(meta["vocab"]), keys, counts, cont)
