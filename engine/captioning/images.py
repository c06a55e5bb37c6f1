"""Robust image loading: whatever a user uploads becomes one RGB ``PIL.Image`` or a clear :class:`ImageError`.

The image captioner's CNN encoder wants an 8-bit RGB picture the right way up. Real files are
messier: PNGs with transparency or 16-bit depth, CMYK JPEGs from print workflows, palette GIFs,
phone photos stored sideways with an EXIF "rotate me" tag, truncated downloads, files that are
not images at all, and "decompression bombs" (a tiny file whose header claims 100,000 x 100,000
pixels). :func:`load_image` handles each case:

=====================  ==========================================================================
input                  what happens
=====================  ==========================================================================
JPEG, PNG, WebP, BMP,  decoded (other formats PIL recognises are refused, so an odd plug-in
GIF, TIFF              cannot be reached from an upload)
animated GIF / WebP    the first frame
EXIF orientation 2-8   rotated / mirrored upright (as ``ImageOps.exif_transpose`` would)
RGBA, LA, palette      composited on a white background (``background=``): transparent pixels
with transparency      become white, not black
16-bit / 32-bit gray   scaled to 0-255 (``I;16``: divided by 257) instead of PIL's clipping
CMYK, YCbCr, L, 1, P   converted to RGB
truncated file         ``ImageError`` (nothing half-decoded: a grey bottom half would be
                       captioned as if it were the picture)
not an image           ``ImageError``
too many pixels        ``ImageError`` *before* decoding: the size is read from the header
a large picture        decoded no larger than needed (``min_side``): a JPEG at 1/2, 1/4 or 1/8 scale
                       straight from the file (``Image.draft``), other formats reduced by a whole
                       factor right after decoding (``Image.reduce``, a box filter)
=====================  ==========================================================================

Memory: the captioner's encoder looks at 224 x 224 pixels and the page shows at most 640, yet a
decoded picture costs 3-4 bytes per pixel, several times over while it is converted. So the pixel
limit is what a phone camera makes (24 megapixels), and pictures are decoded to a shorter side of
:data:`DECODE_MIN_SIDE` (640) pixels at least, not at full size: a 24-megapixel JPEG (6000 x 4000) is
decoded at 1500 x 1000. ``python benchmarks/bench_image_memory.py`` measures the peak memory per picture.

Why a clear error for truncated files rather than ``ImageFile.LOAD_TRUNCATED_IMAGES``: that flag
is global to the process (it would change every other PIL user in the app) and silently fills the
missing part with grey, so the caption would describe a picture the user did not upload.

Example::

    >>> from engine.captioning.images import load_image
    >>> img = load_image("photo.jpg")          # doctest: +SKIP
    >>> img.mode, img.info["source_format"]    # doctest: +SKIP
    ('RGB', 'JPEG')
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

__all__ = ["ImageError", "load_image", "MAX_IMAGE_PIXELS", "MAX_IMAGE_BYTES", "SUPPORTED_FORMATS", "DECODE_MIN_SIDE"]

#: Largest accepted image, in pixels (width x height): 24 megapixels (6000 x 4000), what a phone camera
#: saves. A PNG is decoded at full size before it is reduced: 24 MP of RGBA are 96 MB; a bomb claiming
#: more (a few hundred bytes can declare 7000 x 7000) is refused from its header, before decoding.
MAX_IMAGE_PIXELS = 24_000_000
#: Pictures are decoded to a shorter side of at least this many pixels, not larger (``min_side``): the
#: encoder needs 224, the page shows 640; a JPEG is decoded at reduced scale, other formats are reduced.
DECODE_MIN_SIDE = 640
#: Largest accepted file, in bytes.
MAX_IMAGE_BYTES = 64 * 1024 * 1024
#: Formats (``PIL.Image.format``) accepted; MPO is what many cameras call a JPEG with a preview.
SUPPORTED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF")

class ImageError(ValueError):
    """The input is not a usable image (not an image, truncated, too large, unsupported mode...).

    ``reason`` names the kind of problem, so a user interface can say it in its own language:
    ``"not_image"``, ``"truncated"`` (truncated or corrupt data), ``"too_large"`` (too many pixels or
    bytes), ``"format"`` (an image format that is not accepted), ``"mode"`` (a colour mode that cannot
    become RGB), ``"empty"`` (no bytes or no pixels), ``"missing"`` (no such file) or ``"unreadable"``.
    """

    REASONS = ("not_image", "truncated", "too_large", "format", "mode", "empty", "missing", "unreadable")

    def __init__(self, message: str, reason: str = "unreadable"):
        super().__init__(message)
        self.reason = reason if reason in self.REASONS else "unreadable"


def _read_bytes(source: Any, max_bytes: int) -> tuple[bytes, str]:
    """The raw bytes of ``source`` and a short name for error messages."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, name = bytes(source), "the uploaded data"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        name = str(path)
        if not path.is_file():
            raise ImageError(f"{name}: no such file", "missing")
        size = path.stat().st_size
        if size > max_bytes:
            raise ImageError(f"{name} is {size / 2**20:.0f} MB; the limit is {max_bytes / 2**20:.0f} MB",
                             "too_large")
        data = path.read_bytes()
    elif hasattr(source, "read"):
        name = str(getattr(source, "name", "the uploaded file"))
        # BytesIO (and Streamlit's UploadedFile): the whole buffer, so reading twice works
        data = source.getvalue() if hasattr(source, "getvalue") else source.read(max_bytes + 1)
        if not isinstance(data, (bytes, bytearray)):
            raise ImageError(f"{name} was opened in text mode; open it with 'rb'")
        data = bytes(data)
    else:
        raise ImageError(f"cannot read an image from a {type(source).__name__} "
                         "(give bytes, a path, a binary file object or a PIL image)")
    if not data:
        raise ImageError(f"{name} is empty (0 bytes)", "empty")
    if len(data) > max_bytes:
        raise ImageError(f"{name} is larger than {max_bytes / 2**20:.0f} MB", "too_large")
    return data, name


def _check_pixels(img: Image.Image, name: str, max_pixels: int) -> None:
    w, h = img.size
    if w < 1 or h < 1:
        raise ImageError(f"{name} has no pixels ({w} x {h})", "empty")
    if w * h > max_pixels:
        raise ImageError(f"{name} is {w} x {h} = {w * h / 1e6:.0f} megapixels; the limit is "
                         f"{max_pixels / 1e6:.0f} megapixels (resize it first)", "too_large")


def _high_bit_depth_to_l(img: Image.Image) -> Image.Image:
    """16/32-bit integer or float grayscale to 8-bit ``L`` by scaling, not clipping."""
    arr = np.asarray(img)
    if img.mode == "F":
        arr = arr.astype(np.float64)
        lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
        if 0.0 <= lo and hi <= 1.0:  # a [0, 1] float image
            out = arr * 255.0
        else:
            out = (arr - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(arr)
    else:
        arr = arr.astype(np.int64)
        lo, hi = (int(arr.min()), int(arr.max())) if arr.size else (0, 0)
        if img.mode.startswith("I;16") or (lo >= 0 and 255 < hi <= 65535):
            out = arr / 257.0  # 16-bit (a 16-bit PNG may open as "I"): 65535 -> 255
        elif lo >= 0 and hi <= 255:
            out = arr.astype(np.float64)
        else:  # other 32-bit integer ranges: stretch to 0-255
            out = (arr - lo) / max(hi - lo, 1) * 255.0
    return Image.fromarray(np.clip(np.rint(np.nan_to_num(out)), 0, 255).astype(np.uint8))


def _to_rgb(img: Image.Image, name: str, background: tuple[int, int, int]) -> Image.Image:
    mode = img.mode
    if mode == "RGB":
        return img
    if mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        return _high_bit_depth_to_l(img).convert("RGB")
    if mode == "P":
        img = img.convert("RGBA") if "transparency" in img.info else img.convert("RGB")
        mode = img.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode in ("L", "RGB") and "transparency" in img.info):
        rgba = img.convert("RGBA")
        base = Image.new("RGBA", rgba.size, (*background, 255))
        return Image.alpha_composite(base, rgba).convert("RGB")
    try:
        return img.convert("RGB")  # L, 1, CMYK, YCbCr, LAB (where PIL supports it) ...
    except (ValueError, OSError) as exc:
        raise ImageError(f"{name} uses colour mode {mode!r}, which cannot be converted to RGB: {exc}",
                         "mode") from None


def load_image(
    source: Any,
    *,
    max_pixels: int = MAX_IMAGE_PIXELS,
    max_bytes: int = MAX_IMAGE_BYTES,
    background: tuple[int, int, int] = (255, 255, 255),
    min_side: int | None = DECODE_MIN_SIDE,
) -> Image.Image:
    """Decode ``source`` into an upright 8-bit RGB ``PIL.Image``; raise :class:`ImageError` otherwise.

    Args:
        source: bytes (an upload), a path, a binary file object, or a ``PIL.Image`` (normalised
            the same way: mode conversion, transparency on ``background``, EXIF orientation).
        max_pixels: refuse images with more pixels than this, checked from the header before the
            pixels are decoded (decompression-bomb guard).
        max_bytes: refuse files larger than this.
        background: colour that transparent pixels are composited on (white by default).
        min_side: decode no larger than needed for a shorter side of this many pixels: a JPEG at the
            smallest of 1/1, 1/2, 1/4, 1/8 scale that keeps it (``Image.draft``), any other picture
            reduced by the largest whole factor that keeps it (``Image.reduce``). ``None``: full size.

    Returns:
        A new RGB image, fully loaded (no open file behind it). ``img.info`` holds
        ``source_format`` (e.g. ``"PNG"``), ``source_mode`` (e.g. ``"CMYK"``), ``source_size``
        ``(w, h)`` before EXIF rotation, ``full_size`` (the upright picture's size before it was
        reduced: what to tell a user) and ``exif_transposed`` (whether it was rotated).

    Raises:
        ImageError: not an image, unsupported format, truncated or corrupt data, too many pixels,
            too many bytes, or a colour mode that cannot become RGB.
    """
    if isinstance(source, Image.Image):
        img, name, fmt = source, "the image", source.format or "PIL"
        _check_pixels(img, name, max_pixels)
        source_size = img.size
    else:
        data, name = _read_bytes(source, max_bytes)
        with warnings.catch_warnings():
            # PIL warns between MAX_IMAGE_PIXELS and twice that, and raises beyond; our own limit decides.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            try:
                img = Image.open(io.BytesIO(data))  # reads the header only
            except Image.DecompressionBombError as exc:
                raise ImageError(f"{name} is too large to decode safely: {exc}", "too_large") from None
            except UnidentifiedImageError:
                raise ImageError(f"{name} is not an image (expected JPEG, PNG, WebP, GIF or BMP)",
                                 "not_image") from None
            except (OSError, ValueError, SyntaxError) as exc:
                raise ImageError(f"{name} is not a readable image: {exc}", "truncated") from None
            fmt = img.format or "?"
            if fmt not in SUPPORTED_FORMATS:
                raise ImageError(f"{name} is a {fmt} file; supported formats: {', '.join(SUPPORTED_FORMATS)}",
                                 "format")
            _check_pixels(img, name, max_pixels)
            source_size = img.size
            try:
                if getattr(img, "n_frames", 1) > 1:
                    img.seek(0)  # animated GIF / WebP: the first frame
                if min_side:
                    img.draft(None, (min_side, min_side))  # JPEG: decode at 1/2, 1/4, 1/8 scale; others: no-op
                img.load()
            except Image.DecompressionBombError as exc:
                raise ImageError(f"{name} is too large to decode safely: {exc}", "too_large") from None
            except (OSError, ValueError, SyntaxError, EOFError) as exc:
                raise ImageError(f"{name} is truncated or corrupt ({fmt}): {exc}", "truncated") from None
    source_mode, method = img.mode, _TRANSPOSE.get(_orientation(img))
    small = _reduce(img, min_side)  # before the conversions below, so that they copy a small picture
    upright = small.transpose(method) if method is not None else small
    rgb = _reduce(_to_rgb(upright, name, background), min_side)  # modes reduce() cannot take: after conversion
    if rgb is img:  # never hand back the caller's object (or one tied to our BytesIO)
        rgb = rgb.copy()
    w, h = source_size
    rgb.info = {"source_format": fmt, "source_mode": source_mode, "source_size": source_size,
                "full_size": (h, w) if method in _SWAPS_SIDES else (w, h), "exif_transposed": method is not None}
    return rgb


# EXIF orientation -> the transposition that shows the picture upright (as ImageOps.exif_transpose)
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}
_SWAPS_SIDES = (Image.Transpose.TRANSPOSE, Image.Transpose.ROTATE_270, Image.Transpose.TRANSVERSE,
                Image.Transpose.ROTATE_90)
# modes Image.reduce averages correctly (RGBA and LA: with premultiplied alpha); P, 1, I;16 are reduced as RGB
_REDUCIBLE = ("RGB", "RGBA", "L", "LA", "CMYK", "YCbCr", "I", "F")


def _reduce(img: Image.Image, min_side: int | None) -> Image.Image:
    """``img`` reduced by the largest whole factor that keeps its shorter side >= ``min_side`` (a box filter:
    each output pixel is the mean of a factor x factor block); ``img`` itself when there is nothing to do.

    >>> _reduce(Image.new("RGB", (4032, 3024)), 640).size, _reduce(Image.new("RGB", (640, 480)), 640).size
    ((1008, 756), (640, 480))
    """
    factor = min(img.size) // min_side if min_side else 1
    if factor < 2 or img.mode not in _REDUCIBLE or "transparency" in img.info:
        return img
    return img.reduce(factor)


def _orientation(img: Image.Image) -> int | None:
    try:
        return img.getexif().get(0x0112)
    except Exception:
        return None
