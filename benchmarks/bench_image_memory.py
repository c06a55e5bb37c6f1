"""Image-loading memory: the peak memory ``load_image`` adds per picture, for large and hostile uploads.

    python benchmarks/bench_image_memory.py                      # this checkout
    python benchmarks/bench_image_memory.py --repo /path/to/old   # another checkout of RNN Lab, to compare

Each picture is loaded by ``engine.captioning.images.load_image(data)`` (the defaults the Caption page and
the captioner use) in a fresh Python process; the table shows the growth of that process's peak resident
memory during the call (``VmHWM`` in ``/proc/self/status``, Linux only), measured after the imports and a
warm-up call on a small picture, and what came back. Decoded pixels
cost 3-4 bytes each and are copied while modes are converted, so a picture's peak is several times its
decoded size unless it is decoded smaller (``Image.draft`` for JPEG, ``Image.reduce`` for the rest) or
refused from its header.

The pictures are generated (smooth gradients with a little noise, so PNGs stay under the byte limit):
phone-camera JPEGs of 12 and 24 megapixels, a 24-megapixel PNG, a 20-megapixel PNG with transparency,
and 7000 x 7000 pictures whose files are small (a 1-bit PNG of a few KB, a JPEG of one colour).
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent

# The module is loaded from its file (it needs only numpy and Pillow): importing the ``engine`` package would
# import torch, whose import peak would hide the picture's.
# Memory is read from /proc/self/status (Linux): VmHWM is the peak resident memory of this process image
# (ru_maxrss would start from the parent's peak, which a child inherits across fork and exec), reset to the
# current resident memory by writing 5 to /proc/self/clear_refs.
CHILD = """
import importlib.util, json, sys
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])  # kB
spec = importlib.util.spec_from_file_location("images", sys.argv[1] + "/engine/captioning/images.py")
images = importlib.util.module_from_spec(spec)
spec.loader.exec_module(images)
ImageError, load_image = images.ImageError, images.load_image
data = open(sys.argv[2], "rb").read()
load_image(open(sys.argv[3], "rb").read())  # warm-up: Pillow's plug-ins and decoders are loaded
before = status("VmRSS")
open("/proc/self/clear_refs", "w").write("5")
try:
    img = load_image(data)
    result = f"{img.size[0]} x {img.size[1]}"
except ImageError as exc:
    result = f"ImageError ({exc.reason})"
peak = status("VmHWM") - before
print(json.dumps({"peak_mb": peak / 1024, "result": result}))
"""


def _picture(w: int, h: int, mode: str, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 255, w, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, h, dtype=np.float32)[:, None]
    planes = [x + 0 * y, y + 0 * x, (x + y) / 2]
    rgb = np.stack(planes, -1) + rng.normal(0, 4, (h, w, 1)).astype(np.float32)
    img = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
    if mode == "RGBA":
        alpha = Image.fromarray(((x + 0 * y) > 128).astype(np.uint8) * 255)
        img.putalpha(alpha)
    return img


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def cases() -> list[tuple[str, bytes]]:
    return [
        ("JPEG 4032 x 3024 (12 MP phone photo)", _encode(_picture(4032, 3024, "RGB"), "JPEG", quality=90)),
        ("JPEG 6000 x 4000 (24 MP)", _encode(_picture(6000, 4000, "RGB"), "JPEG", quality=90)),
        ("PNG 6000 x 4000 RGB (24 MP)", _encode(_picture(6000, 4000, "RGB"), "PNG")),
        ("PNG 5000 x 4000 RGBA (20 MP)", _encode(_picture(5000, 4000, "RGBA"), "PNG")),
        ("PNG 7000 x 7000, 1-bit (49 MP)", _encode(Image.new("1", (7000, 7000), 1), "PNG", optimize=True)),
        ("JPEG 7000 x 7000, one colour (49 MP)", _encode(Image.new("RGB", (7000, 7000), (90, 120, 200)), "JPEG")),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=str(ROOT), help="the RNN Lab checkout whose load_image is measured")
    args = parser.parse_args()
    print(f"load_image peak memory, {args.repo} (fresh process per picture; peak RSS growth during the call)\n")
    print(f"{'picture':<38} {'file':>9} {'peak +MB':>9}  result")
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small"
        for name, data in cases():
            path = Path(tmp) / "picture"
            path.write_bytes(data)
            fmt = "JPEG" if data[:2] == b"\xff\xd8" else "PNG"
            small.write_bytes(_encode(_picture(64, 48, "RGB"), fmt))
            out = subprocess.run([sys.executable, "-c", CHILD, args.repo, str(path), str(small)],
                                 capture_output=True, text=True, check=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            size = f"{len(data) / 1e6:.2f} MB" if len(data) >= 100_000 else f"{len(data) / 1e3:.1f} KB"
            print(f"{name:<38} {size:>9} {row['peak_mb']:>9.0f}  {row['result']}")


if __name__ == "__main__":
    main()
