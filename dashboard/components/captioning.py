"""Helpers of the "Caption an image" page: the shipped example pictures and the attention overlays.

Plain PIL + numpy (no Streamlit), so they are tested directly and the page only wires widgets::

    from dashboard.components.captioning import display_copy, example_bytes, overlay
    from engine.captioning.images import load_image

    image = load_image(example_bytes("cat"))
    result = model.caption(image)[0]                       # result.attention: (T, h, w), one map per word
    st.image(overlay(display_copy(image), result.attention[1]))

An attention map ``alpha_t`` is a ``h x w`` grid of weights over the CNN's regions (they sum to 1).
The encoder stretched the picture to a square before the CNN saw it, so region ``(r, c)`` covers
the same fraction of the original picture in both directions: upsampling the grid straight to the
picture's own size puts every weight over the pixels it was computed from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["EXAMPLES", "EXAMPLES_DIR", "attention_strip", "display_copy", "example_bytes", "heat_colors",
           "overlay", "peak", "upsample", "word_labels"]

#: The example pictures (public domain / CC0; sources in ``assets/examples/LICENSES.md``).
EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "assets" / "examples"
#: Example name -> file in :data:`EXAMPLES_DIR`; i18n keys ``page.caption_image.example.<name>`` and ``.credit.<name>``.
EXAMPLES: dict[str, str] = {
    "astronaut": "astronaut.jpg",
    "cat": "cat.jpg",
    "coffee": "coffee.jpg",
    "rocket": "rocket.jpg",
}

# Anchor colours of a perceptually ordered dark-to-bright map (matplotlib's "inferno", sampled at 0, .25, .5, .75, 1):
# low attention darkens the picture, high attention lights it up.
_ANCHORS = np.array([[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]], dtype=np.float64)


def example_bytes(name: str) -> bytes:
    """The file content of example ``name`` (a key of :data:`EXAMPLES`)."""
    if name not in EXAMPLES:
        raise KeyError(f"unknown example {name!r}; examples: {', '.join(EXAMPLES)}")
    return (EXAMPLES_DIR / EXAMPLES[name]).read_bytes()


def display_copy(image: Image.Image, max_side: int = 640) -> Image.Image:
    """An RGB copy of ``image`` no larger than ``max_side`` pixels per side (aspect ratio kept).

    What the page shows and draws on: a 24-megapixel upload is captioned from the original but never
    sent to the browser at full size.
    """
    out = image.convert("RGB")  # always a copy
    out.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return out


def upsample(attention_map: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A ``(h, w)`` grid of weights -> ``(height, width)`` float array for a picture of ``size = (width, height)``.

    Bicubic interpolation (smooth, like the figures of Xu et al.), clipped at 0 where it overshoots.
    """
    grid = np.ascontiguousarray(attention_map, dtype=np.float32)
    if grid.ndim != 2:
        raise ValueError(f"an attention map is a 2-D grid, got shape {grid.shape}")
    big = Image.fromarray(grid).resize(size, Image.Resampling.BICUBIC)
    return np.clip(np.asarray(big, dtype=np.float32), 0.0, None)


def heat_colors(weights: np.ndarray) -> np.ndarray:
    """Weights in ``[0, 1]`` (any shape) -> uint8 RGB colours (shape + ``(3,)``), dark (0) to bright yellow (1)."""
    w = np.clip(np.nan_to_num(np.asarray(weights, dtype=np.float64)), 0.0, 1.0)
    pos = w * (len(_ANCHORS) - 1)
    lo = np.minimum(pos.astype(np.int64), len(_ANCHORS) - 2)
    frac = (pos - lo)[..., None]
    rgb = _ANCHORS[lo] * (1.0 - frac) + _ANCHORS[lo + 1] * frac
    return np.rint(rgb).astype(np.uint8)


def overlay(image: Image.Image, attention_map: np.ndarray, opacity: float = 0.6) -> Image.Image:
    """``image`` with one word's attention map laid over it as a semi-transparent heatmap.

    The map is upsampled to the picture, scaled so its strongest region is fully bright (colours are
    relative to this word's largest weight), coloured, and blended: ``(1 - opacity) * picture +
    opacity * heat``.
    """
    if not 0.0 <= opacity <= 1.0:
        raise ValueError("opacity must be in [0, 1]")
    rgb = np.asarray(image.convert("RGB"), dtype=np.float32)
    weights = upsample(attention_map, image.size)
    top = float(weights.max())
    heat = heat_colors(weights / top if top > 0 else weights).astype(np.float32)
    blended = (1.0 - opacity) * rgb + opacity * heat
    return Image.fromarray(np.clip(np.rint(blended), 0, 255).astype(np.uint8))


def attention_strip(image: Image.Image, attention: np.ndarray, size: int = 160,
                    opacity: float = 0.6) -> list[Image.Image]:
    """One small overlay per word: ``attention`` is ``(T, h, w)``; the pictures are at most ``size`` px a side."""
    small = display_copy(image, size)
    return [overlay(small, a, opacity) for a in np.asarray(attention)]


def peak(attention_map: np.ndarray) -> dict:
    """Where a word looked hardest: ``{"max", "uniform", "row", "col", "rows", "cols"}`` of a ``(h, w)`` map.

    ``uniform`` is the weight every region would get from attention spread evenly, ``1 / (h * w)``.
    """
    grid = np.asarray(attention_map, dtype=np.float64)
    r, c = np.unravel_index(int(np.argmax(grid)), grid.shape)
    return {"max": float(grid[r, c]), "uniform": 1.0 / grid.size, "row": int(r), "col": int(c),
            "rows": grid.shape[0], "cols": grid.shape[1]}


def word_labels(words: list[str]) -> list[str]:
    """Distinct labels of a caption's words for a word chooser: a repeated word gets its occurrence number.

    ``["a", "man", "in", "a", "hat"]`` -> ``["a (1)", "man", "in", "a (2)", "hat"]`` (widgets tell options
    apart by their label, so two plain "a" buttons would be the same choice).
    """
    totals: dict[str, int] = {}
    for w in words:
        totals[w] = totals.get(w, 0) + 1
    seen: dict[str, int] = {}
    labels = []
    for w in words:
        seen[w] = seen.get(w, 0) + 1
        labels.append(f"{w} ({seen[w]})" if totals[w] > 1 else w)
    return labels
