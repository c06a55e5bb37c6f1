"""The n-gram model file: a ``.npz`` of the count arrays plus a JSON header, no pickle.

Entries: ``meta`` (UTF-8 JSON bytes: format, version, order, smoothing and its parameters,
``min_count``, ``uniform_base``, tokenization, boundary, and the vocabulary without its three
special symbols), then for each level ``k = 1 .. order`` ``keys_k`` and ``counts_k``, and
``cont_k`` (continuation counts) for ``k < order``. Everything else a model holds is recomputed
from these when it is loaded.
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
FORMAT_VERSION = 1


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
        arrays[f"keys_{k}"] = counts.keys[k]
        arrays[f"counts_{k}"] = counts.counts[k]
        if k < counts.order:
            arrays[f"cont_{k}"] = counts.continuation[k]
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
        if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path}: unsupported format {meta.get('format')!r} v{meta.get('version')!r}")
        order = int(meta["order"])
        keys = [np.zeros(0, np.int64)] + [z[f"keys_{k}"].astype(np.int64) for k in range(1, order + 1)]
        counts = [np.zeros(0, np.int64)] + [z[f"counts_{k}"] for k in range(1, order + 1)]
        cont = [np.zeros(0, np.int64)] + [z[f"cont_{k}"] for k in range(1, order)]
        cont.append(np.zeros(0, np.int64))
        for arr in chain(counts, cont):
            if arr.dtype.kind not in "iu":
                raise ValueError(f"{path}: corrupt count arrays (dtype {arr.dtype})")
    return meta, NGramCounts(order, len(SPECIALS) + len(meta["vocab"]), keys, counts, cont)
