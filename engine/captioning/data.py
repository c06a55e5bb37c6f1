"""Image-caption data: Flickr8k from the data directory, a generated toy set, and the feature cache.

* :func:`load_flickr8k` reads ``flickr8k/`` in the data directory (``--data-dir`` or
  ``$RNN_DATA_DIR``): ``Flickr8k.token.txt`` (``image.jpg#k<TAB>caption``, 5 per image), the official
  ``Flickr_8k.{train,dev,test}Images.txt`` splits and ``images/``. Ids whose image file is absent
  are skipped (the token file names one, ``2258277193_586949ec62.jpg.1``, with no image).
* :func:`make_toy_dataset` draws coloured squares, circles and triangles with PIL and captions
  them (``"a red square"``): what ``--dry-run`` and the tests train on when there is no data.
* :class:`FeatureCache`: the frozen CNN encoder's region grids of every image, computed once
  (``build``, resumable, with a progress bar) and memory-mapped from disk afterwards, so training
  the LSTM decoder never runs the CNN. Layout of the cache folder::

      meta.json      encoder, preprocessing, grid shape, the image ids in row order
      features.npy   float16 array (N, L, C), memory-mapped (``numpy.load(mmap_mode="r")``)
      done.npy       bool (N,): rows already computed (rewritten atomically after each chunk)
      failed.json    ids whose image could not be read, with the reason (their rows stay zero)
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from engine.data.corpora import CorpusNotFoundError, DataError, resolve_data_dir

__all__ = ["CaptionDataset", "FeatureCache", "load_flickr8k", "make_toy_dataset", "default_features_dir"]

SPLITS = ("train", "dev", "test")
FEATURES_FORMAT = "rnnlab-features"


@dataclass
class CaptionDataset:
    """Images with reference captions and train/dev/test splits (only images that exist)."""

    name: str
    images: dict[str, Path]  # image id -> file
    captions: dict[str, list[str]]  # image id -> its raw reference captions
    splits: dict[str, list[str]] = field(default_factory=dict)  # split -> image ids

    def ids(self, split: str | None = None) -> list[str]:
        """Image ids of ``split`` (all splits, in order, when ``None``)."""
        if split is None:
            seen: dict[str, None] = {}
            for s in SPLITS:
                seen.update(dict.fromkeys(self.splits.get(s, [])))
            return list(seen)
        if split not in self.splits:
            raise DataError(f"{self.name} has no {split!r} split (splits: {', '.join(self.splits)})")
        return list(self.splits[split])

    def pairs(self, split: str) -> list[tuple[str, str]]:
        """``(image id, caption)`` for every reference caption of every image in ``split``."""
        return [(i, c) for i in self.ids(split) for c in self.captions[i]]


def load_flickr8k(data_dir: str | os.PathLike | None = None) -> CaptionDataset:
    """Flickr8k from ``<data dir>/flickr8k`` (raises :class:`CorpusNotFoundError` saying where it looked)."""
    base = resolve_data_dir(data_dir)
    root = base / "flickr8k" if base is not None else None
    token_file = root / "Flickr8k.token.txt" if root is not None else None
    if token_file is None or not token_file.is_file():
        where = f"looked for {token_file}" if token_file else "no data directory given (--data-dir or RNN_DATA_DIR)"
        raise CorpusNotFoundError(
            f"Flickr8k not found: {where}. Put Flickr8k.token.txt, Flickr_8k.{{train,dev,test}}Images.txt and "
            "images/ in <data dir>/flickr8k and pass --data-dir or set RNN_DATA_DIR.")
    image_dir = root / "images"
    present = {p.name for p in image_dir.iterdir()} if image_dir.is_dir() else set()
    if not present:
        raise CorpusNotFoundError(f"Flickr8k captions found but no images in {image_dir}")
    captions: dict[str, list[str]] = {}
    for n, line in enumerate(token_file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            key, text = line.split("\t", 1)
        except ValueError:
            raise DataError(f"{token_file}:{n}: expected 'image.jpg#k<TAB>caption'") from None
        image_id = key.rsplit("#", 1)[0]
        if image_id in present:
            captions.setdefault(image_id, []).append(text.strip())
    splits = {}
    for split in SPLITS:
        f = root / f"Flickr_8k.{split}Images.txt"
        if not f.is_file():
            raise CorpusNotFoundError(f"Flickr8k split file {f} is missing")
        splits[split] = [i for i in (s.strip() for s in f.read_text().splitlines()) if i in captions]
    images = {i: image_dir / i for i in captions}
    return CaptionDataset("flickr8k", images, captions, splits)


# --------------------------------------------------------------------------------------------------
# Generated toy data
# --------------------------------------------------------------------------------------------------

TOY_COLOURS = {"red": (220, 30, 30), "green": (30, 170, 40), "blue": (30, 60, 220), "yellow": (235, 200, 20)}
TOY_SHAPES = ("square", "circle", "triangle")


def _toy_captions(colour: str, shape: str, n: int) -> list[str]:
    forms = [f"a {colour} {shape}", f"a {colour} {shape} on a white background", f"one {colour} {shape}",
             f"a {shape} that is {colour}", f"a picture of a {colour} {shape}"]
    return forms[:n]


def draw_toy_image(colour: str, shape: str, size: int = 64, seed: int = 0):
    """A PIL image: one ``colour`` ``shape`` on white, at a random position and size (seeded)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    img = Image.new("RGB", (size, size), (255, 255, 255))
    d = ImageDraw.Draw(img)
    s = rng.randint(size // 3, size // 2)
    x, y = rng.randint(2, size - s - 2), rng.randint(2, size - s - 2)
    fill = TOY_COLOURS[colour]
    if shape == "square":
        d.rectangle([x, y, x + s, y + s], fill=fill)
    elif shape == "circle":
        d.ellipse([x, y, x + s, y + s], fill=fill)
    else:
        d.polygon([(x + s / 2, y), (x, y + s), (x + s, y + s)], fill=fill)
    return img


def make_toy_dataset(folder: str | os.PathLike, n_train: int = 12, n_dev: int = 4, n_test: int = 4,
                     captions_per_image: int = 5, size: int = 64, seed: int = 0) -> CaptionDataset:
    """Write generated PNGs to ``folder`` and return them as a :class:`CaptionDataset`.

    Image ``k`` is colour ``k % 4`` and shape ``(k // 4) % 3``, so the first 12 images cover all 12
    combinations; captions come from fixed templates (``captions_per_image`` of 5).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    colours = list(TOY_COLOURS)
    images, captions, splits = {}, {}, {}
    k = 0
    for split, n in (("train", n_train), ("dev", n_dev), ("test", n_test)):
        splits[split] = []
        for _ in range(n):
            colour, shape = colours[k % 4], TOY_SHAPES[(k // 4) % 3]
            image_id = f"toy{k:03d}_{colour}_{shape}.png"
            path = folder / image_id
            if not path.is_file():
                draw_toy_image(colour, shape, size, seed * 1000 + k).save(path)
            images[image_id], captions[image_id] = path, _toy_captions(colour, shape, captions_per_image)
            splits[split].append(image_id)
            k += 1
    return CaptionDataset("toy-shapes", images, captions, splits)


# --------------------------------------------------------------------------------------------------
# Feature cache
# --------------------------------------------------------------------------------------------------


def default_features_dir(dataset: str = "flickr8k") -> Path:
    """``~/rnnlab-runs/<dataset>-features``: one sub-folder per encoder."""
    return Path.home() / "rnnlab-runs" / f"{dataset}-features"


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    write(tmp)
    os.replace(tmp, path)


def _save_npy(path: Path, array: np.ndarray) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.save(f, array)

    _atomic_write(path, write)


class FeatureCache:
    """Memory-mapped encoder features: row ``index[image_id]`` of ``features`` is that image's ``(L, C)`` grid."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        meta_file = self.folder / "meta.json"
        if not meta_file.is_file():
            raise DataError(f"{self.folder} is not a feature cache (no meta.json); build it with --cache-features")
        self.meta = json.loads(meta_file.read_text())
        if self.meta.get("format") != FEATURES_FORMAT:
            raise DataError(f"{meta_file} is not an RNN Lab feature cache")
        self.ids: list[str] = self.meta["ids"]
        self.index = {i: n for n, i in enumerate(self.ids)}
        self.features = np.load(self.folder / "features.npy", mmap_mode="r")  # (N, L, C) float16
        self.done = np.load(self.folder / "done.npy")
        failed_file = self.folder / "failed.json"
        self.failed: dict[str, str] = json.loads(failed_file.read_text()) if failed_file.is_file() else {}

    @property
    def encoder(self) -> str:
        return self.meta["encoder"]

    @property
    def complete(self) -> bool:
        return bool(self.done.all())

    def usable(self, ids: Sequence[str]) -> list[str]:
        """The ``ids`` that are cached and were readable."""
        return [i for i in ids if i in self.index and self.done[self.index[i]] and i not in self.failed]

    def rows(self, ids: Sequence[str]) -> np.ndarray:
        return np.array([self.index[i] for i in ids], dtype=np.int64)

    def get(self, rows: np.ndarray | Sequence[int]) -> torch.Tensor:
        """Features of cache rows as a float32 tensor ``(B, L, C)``."""
        rows = np.asarray(rows, dtype=np.int64)
        order = np.argsort(rows, kind="stable")  # sorted reads are kinder to a memory map
        out = np.empty((len(rows), *self.features.shape[1:]), dtype=np.float32)
        out[order] = self.features[rows[order]]
        return torch.from_numpy(out)

    # ------------------------------------------------------------------ building
    @classmethod
    def build(
        cls,
        folder: str | os.PathLike,
        images: Mapping[str, str | os.PathLike],
        encoder_name: str = "efficientnet-lite0",
        *,
        batch_size: int = 16,
        device: str | torch.device | None = None,
        progress: bool = True,
        limit_seconds: float | None = None,
    ) -> FeatureCache:
        """Compute (or finish computing) the encoder features of ``images`` (id -> path) into ``folder``.

        Resumable: rows already marked done are skipped, so an interrupted run (Ctrl-C, a crash)
        continues where it stopped. A folder holding a cache of other images or another encoder
        is refused rather than overwritten. ``limit_seconds`` stops early (for benchmarks); the
        cache is then valid but incomplete.
        """
        from tqdm import tqdm

        from engine.captioning.encoder import ENCODERS, CNNEncoder, preprocess_description
        from engine.captioning.images import ImageError, load_image
        from engine.device import pick_device

        folder = Path(folder).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        ids = list(images)
        if not ids:
            raise DataError("no images to cache")
        spec = ENCODERS[encoder_name]
        meta = {"format": FEATURES_FORMAT, "version": 1, "encoder": encoder_name,
                "grid": [spec.grid, spec.grid], "channels": spec.channels, "dtype": "float16",
                "preprocess": preprocess_description(spec), "ids": ids}
        meta_file = folder / "meta.json"
        if meta_file.is_file():
            old = json.loads(meta_file.read_text())
            if old.get("encoder") != encoder_name or old.get("ids") != ids:
                raise DataError(f"{folder} already holds features of other images or another encoder "
                                f"({old.get('encoder')}, {len(old.get('ids', []))} images); "
                                "choose another --features-dir or delete it")
        else:
            np.lib.format.open_memmap(folder / "features.npy", mode="w+", dtype=np.float16,
                                      shape=(len(ids), spec.regions, spec.channels)).flush()
            _save_npy(folder / "done.npy", np.zeros(len(ids), bool))
            _atomic_write(meta_file, lambda p: p.write_text(json.dumps(meta)))
        feats = np.load(folder / "features.npy", mmap_mode="r+")
        done = np.load(folder / "done.npy")
        failed_file = folder / "failed.json"
        failed: dict[str, str] = json.loads(failed_file.read_text()) if failed_file.is_file() else {}
        todo = np.flatnonzero(~done)
        if len(todo):
            device = pick_device(device)
            encoder = CNNEncoder(encoder_name).to(device)
            bar = tqdm(total=len(ids), initial=len(ids) - len(todo), unit="img", disable=not progress,
                       desc=f"caching {encoder_name} features", dynamic_ncols=True)
            t0 = time.perf_counter()
            try:
                for start in range(0, len(todo), batch_size):
                    chunk = todo[start: start + batch_size]
                    pixels, ok = [], []
                    for r in chunk:
                        try:
                            pixels.append(encoder.transform(load_image(images[ids[r]])))
                            ok.append(r)
                        except ImageError as exc:
                            failed[ids[r]] = str(exc)
                    if ok:
                        with torch.inference_mode():
                            grid = encoder(torch.stack(pixels).to(device))  # (b, L, C)
                        feats[np.array(ok)] = grid.to(torch.float16).cpu().numpy()
                        feats.flush()
                    done[chunk] = True
                    _save_npy(folder / "done.npy", done)
                    if failed:
                        _atomic_write(failed_file, lambda p: p.write_text(json.dumps(failed, indent=1)))
                    bar.update(len(chunk))
                    if limit_seconds is not None and time.perf_counter() - t0 > limit_seconds:
                        break
            finally:
                bar.close()
        del feats
        return cls(folder)
