"""The captioner's preprocessing without torchvision (issue 15: its import cost the server ~165 MB)."""

import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from engine.captioning.encoder import PIXEL_MEAN, PIXEL_STD, image_transform, imagenet_classes


def _pictures():
    from pathlib import Path

    from engine.captioning.images import load_image

    rng = np.random.default_rng(0)
    examples = sorted((Path(__file__).resolve().parents[1] / "dashboard" / "assets" / "examples").glob("*.jpg"))
    return [load_image(p.read_bytes()) for p in examples[:2]] + [
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)) for h, w in [(224, 224), (100, 300), (7, 5)]]


@pytest.mark.parametrize("size", [224, 260, 32])
def test_the_transform_is_torchvisions_to_the_bit(size):
    T = pytest.importorskip("torchvision.transforms")
    reference = T.Compose([T.Resize((size, size), interpolation=T.InterpolationMode.BICUBIC, antialias=True),
                           T.ToTensor(), T.Normalize(PIXEL_MEAN, PIXEL_STD)])
    ours = image_transform(size)
    for picture in _pictures():
        a, b = reference(picture), ours(picture)
        assert a.dtype == b.dtype == torch.float32 and torch.equal(a, b), picture.size


def test_imagenet_classes_are_torchvisions():
    models = pytest.importorskip("torchvision.models")
    assert imagenet_classes() == tuple(models.ResNet18_Weights.IMAGENET1K_V1.meta["categories"])
    assert len(imagenet_classes()) == 1000 and imagenet_classes()[:2] == ("tench", "goldfish")


@pytest.mark.hardening
def test_captioning_a_picture_does_not_import_torchvision():
    """issue 15: the server's memory with every model loaded was 1.21 GB, 165 MB of it torchvision's import (its
    C extension and CUDA libraries), used for a resize and a list of class names."""
    code = ("import sys; from engine.captioning.encoder import CNNEncoder, imagenet_classes; "
            "from PIL import Image; enc = CNNEncoder('tiny'); enc.preprocess([Image.new('RGB', (40, 30))]); "
            "imagenet_classes(); print('torchvision' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
