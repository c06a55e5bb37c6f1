"""engine.captioning.images.load_image: every kind of upload becomes an upright RGB image or a clear ImageError."""

import io
import random
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from engine.captioning.images import MAX_IMAGE_PIXELS, ImageError, load_image

pytestmark = pytest.mark.hardening  # issue 15: listed in docs/reliability.md


def _bytes(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _photo(w: int = 64, h: int = 48) -> Image.Image:
    """A test picture with structure: red left half, blue right half, a green top-left corner."""
    arr = np.zeros((h, w, 3), np.uint8)
    arr[:, : w // 2] = (220, 30, 30)
    arr[:, w // 2 :] = (30, 30, 220)
    arr[: h // 4, : w // 4] = (30, 200, 30)
    return Image.fromarray(arr)


def _rgb_at(img: Image.Image, x: int, y: int) -> tuple[int, ...]:
    return tuple(int(v) for v in img.getpixel((x, y)))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP", "TIFF"])
def test_common_formats_from_bytes_path_and_file(fmt, tmp_path):
    data = _bytes(_photo(), fmt)
    path = tmp_path / f"x.{fmt.lower()}"
    path.write_bytes(data)
    for source in (data, str(path), path, open(path, "rb"), bytearray(data), memoryview(data)):
        img = load_image(source)
        assert img.mode == "RGB" and img.size == (64, 48)
        assert img.info["source_format"] == fmt
        r, g, b = _rgb_at(img, 5, 40)
        assert r > 150 and b < 100  # red stays red (lossy formats: approximately)
        if hasattr(source, "close"):
            source.close()


def test_an_uploaded_buffer_can_be_read_twice():
    buf = io.BytesIO(_bytes(_photo(), "PNG"))  # Streamlit's UploadedFile is a BytesIO
    assert load_image(buf).size == load_image(buf).size == (64, 48)


def test_gif_first_frame_of_an_animation():
    frames = [Image.new("RGB", (16, 16), c) for c in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    img = load_image(buf.getvalue())
    assert img.mode == "RGB" and img.info["source_format"] == "GIF"
    r, g, b = _rgb_at(img, 8, 8)
    assert r > 200 and g < 50 and b < 50


def test_grayscale_and_bilevel():
    gray = Image.fromarray(np.full((10, 12), 77, np.uint8))
    img = load_image(_bytes(gray, "PNG"))
    assert img.mode == "RGB" and _rgb_at(img, 3, 3) == (77, 77, 77)
    bw = Image.new("1", (8, 8), 1)
    assert _rgb_at(load_image(_bytes(bw, "PNG")), 0, 0) == (255, 255, 255)


def test_16_bit_grayscale_png_is_scaled_not_clipped():
    arr = np.zeros((4, 8), np.uint16)
    arr[:, :4] = 65535
    arr[:, 4:] = 32896  # 128 * 257
    src = Image.fromarray(arr)
    assert src.mode == "I;16"
    data = _bytes(src, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")  # really stored as 16-bit
    img = load_image(data)
    assert img.mode == "RGB"
    assert _rgb_at(img, 0, 0) == (255, 255, 255)
    assert _rgb_at(img, 6, 0) == (128, 128, 128)  # PIL's own convert() would clip this to 255


def test_cmyk_jpeg():
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # pure red in CMYK
    data = _bytes(cmyk, "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    img = load_image(data)
    assert img.mode == "RGB" and img.info["source_mode"] == "CMYK"
    r, g, b = _rgb_at(img, 8, 8)
    assert r > 200 and g < 60 and b < 60


def test_palette_png_with_and_without_transparency():
    pal = _photo().convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    img = load_image(_bytes(pal, "PNG"))
    assert img.mode == "RGB" and img.info["source_mode"] == "P"
    pal.info["transparency"] = pal.getpixel((5, 40))  # make the red index transparent
    img = load_image(_bytes(pal, "PNG", transparency=pal.getpixel((5, 40))))
    assert _rgb_at(img, 5, 40) == (255, 255, 255)  # transparent -> white background


def test_rgba_is_composited_on_white_not_black():
    rgba = Image.new("RGBA", (10, 10), (255, 0, 0, 0))  # fully transparent red
    rgba.putpixel((0, 0), (0, 0, 255, 255))  # one opaque blue pixel
    rgba.putpixel((1, 0), (0, 0, 0, 128))  # half-transparent black
    img = load_image(_bytes(rgba, "PNG"))
    assert img.mode == "RGB"
    assert _rgb_at(img, 5, 5) == (255, 255, 255)
    assert _rgb_at(img, 0, 0) == (0, 0, 255)
    assert all(120 <= v <= 135 for v in _rgb_at(img, 1, 0))
    assert _rgb_at(load_image(_bytes(rgba, "PNG"), background=(0, 0, 0)), 5, 5) == (0, 0, 0)
    la = Image.new("LA", (4, 4), (0, 0))
    assert _rgb_at(load_image(_bytes(la, "PNG")), 1, 1) == (255, 255, 255)


def test_exif_orientation_6_is_rotated_upright():
    """Orientation 6: the camera was turned 90 degrees clockwise; the viewer must rotate it back."""
    stored = _photo(64, 48)  # landscape as stored in the file
    exif = Image.Exif()
    exif[0x0112] = 6
    data = _bytes(stored, "JPEG", exif=exif.tobytes(), quality=95)
    img = load_image(data)
    assert img.size == (48, 64)  # displayed portrait
    assert img.info["exif_transposed"] and img.info["source_size"] == (64, 48)
    # the green corner (stored top-left) is displayed top-right after a 90-degree clockwise turn
    r, g, b = _rgb_at(img, 44, 3)
    assert g > 150 and r < 100
    plain = load_image(_bytes(stored, "JPEG", quality=95))
    assert plain.size == (64, 48) and not plain.info["exif_transposed"]


def test_truncated_jpeg_is_a_clear_error():
    data = _bytes(_photo(256, 256), "JPEG", quality=95)
    with pytest.raises(ImageError, match="truncated or corrupt"):
        load_image(data[: len(data) // 2])


def test_truncated_png_is_a_clear_error():
    data = _bytes(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)), "PNG")
    with pytest.raises(ImageError, match="truncated or corrupt"):
        load_image(data[: len(data) // 2])


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width x height`` with a tiny (wrong) IDAT: a decompression bomb's header."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [20_000, 100_000])  # 400 MP (PIL would only warn) and 10 GP (PIL raises)
def test_huge_dimensions_are_refused_before_decoding(side):
    with pytest.raises(ImageError, match="megapixels|too large"):
        load_image(_png_header_only(side, side))


def test_pixel_limit_is_configurable():
    data = _bytes(_photo(64, 48), "PNG")
    with pytest.raises(ImageError, match="megapixels"):
        load_image(data, max_pixels=1000)
    assert load_image(data, max_pixels=64 * 48).size == (64, 48)
    assert MAX_IMAGE_PIXELS >= 24_000_000  # a 24 MP phone photo is fine


# Fixed bytes and readable ids: under pytest-xdist every worker must collect the same test ids.
_NOT_IMAGES = {
    "random-bytes": random.Random(0).randbytes(2048),
    "text": b"hello, I am a text file\n" * 10,
    "pdf": b"%PDF-1.4\n%...",
    "png-magic-only": b"\x89PNG",
}


@pytest.mark.parametrize("data", list(_NOT_IMAGES.values()), ids=list(_NOT_IMAGES))
def test_not_an_image(data):
    with pytest.raises(ImageError, match="not an image|not a readable image|truncated"):
        load_image(data)


def test_empty_missing_wrong_type_and_too_many_bytes(tmp_path):
    with pytest.raises(ImageError, match="empty"):
        load_image(b"")
    with pytest.raises(ImageError, match="no such file"):
        load_image(tmp_path / "missing.jpg")
    with pytest.raises(ImageError, match="cannot read an image from"):
        load_image(12345)
    with pytest.raises(ImageError, match="MB"):
        load_image(_bytes(_photo(), "PNG"), max_bytes=100)
    assert issubclass(ImageError, ValueError)


def test_unsupported_format_is_refused():
    data = _bytes(_photo(), "PPM")
    with pytest.raises(ImageError, match="PPM"):
        load_image(data)


def test_pil_image_input_is_normalised_and_copied():
    rgba = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    out = load_image(rgba)
    assert out.mode == "RGB" and _rgb_at(out, 0, 0) == (255, 255, 255)
    rgb = _photo()
    out = load_image(rgb)
    assert out is not rgb and out.tobytes() == rgb.tobytes()


# ----------------------------------------------------------------------------- memory (issue 15)
def test_a_tiny_file_declaring_7000_by_7000_pixels_is_refused_before_decoding():
    """A few KB of PNG (1 bit per pixel, all white) that decode to 49 megapixels: 280-380 MB while loaded
    (``python benchmarks/bench_image_memory.py``). The pixel limit is now what a phone camera makes."""
    data = _bytes(Image.new("1", (7000, 7000), 1), "PNG", optimize=True)
    assert len(data) < 20_000
    with pytest.raises(ImageError, match="megapixels") as err:
        load_image(data)
    assert err.value.reason == "too_large"
    assert 24_000_000 <= MAX_IMAGE_PIXELS < 7000 * 7000


def _big_photo(w: int, h: int) -> Image.Image:
    """_photo's pattern at any size, without building it pixel by pixel."""
    return _photo(64, 48).resize((w, h), Image.Resampling.NEAREST)


def test_a_large_jpeg_is_decoded_at_reduced_scale():
    """A 12-megapixel phone photo is decoded at 1/4 scale straight from the file (Image.draft), not at full
    size: the captioner needs 224 x 224 pixels and the page shows 640."""
    from engine.captioning.images import DECODE_MIN_SIDE

    data = _bytes(_big_photo(4032, 3024), "JPEG", quality=90)
    img = load_image(data)
    assert img.size == (1008, 756) and min(img.size) >= DECODE_MIN_SIDE
    assert img.info["source_size"] == img.info["full_size"] == (4032, 3024)
    r, g, b = _rgb_at(img, 50, 700)  # red left half, blue right half, green corner: the picture, smaller
    assert r > 150 and b < 100
    r, g, b = _rgb_at(img, 900, 700)
    assert b > 150 and r < 100
    assert load_image(data, min_side=None).size == (4032, 3024)  # full size when asked for
    exif = Image.Exif()
    exif[0x0112] = 6  # taken sideways: upright, and the full size reported the way it is shown
    turned = load_image(_bytes(_big_photo(4032, 3024), "JPEG", exif=exif.tobytes()))
    assert turned.size == (756, 1008) and turned.info["full_size"] == (3024, 4032) and turned.info["exif_transposed"]


def test_large_pngs_are_reduced_and_keep_transparency_and_palettes_right():
    rgba = Image.new("RGBA", (2600, 1300), (255, 0, 0, 0))  # transparent red...
    rgba.paste((0, 0, 255, 255), (1301, 0, 2600, 1300))  # ...and opaque blue from column 1301
    img = load_image(_bytes(rgba, "PNG"))
    assert img.size == (1300, 650) and img.info["full_size"] == (2600, 1300)  # reduced by 2 (Image.reduce)
    assert _rgb_at(img, 10, 10) == (255, 255, 255) and _rgb_at(img, 1290, 10) == (0, 0, 255)
    # columns 1300-1301 average a transparent red and an opaque blue pixel: half-transparent blue on white,
    # with no red (averaging colours without weighting them by alpha would give a purple (191, 64, 191))
    r, g, b = _rgb_at(img, 650, 10)
    assert abs(r - 128) <= 2 and abs(g - 128) <= 2 and b == 255
    pal = _big_photo(1920, 1440).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    img = load_image(_bytes(pal, "PNG"))  # Image.reduce cannot average palette indices: reduced as RGB
    assert img.size == (960, 720) and img.info["source_mode"] == "P"
    r, g, b = _rgb_at(img, 20, 700)
    assert r > 150 and b < 100
    assert load_image(_photo(64, 48)).size == (64, 48)  # small pictures are untouched
