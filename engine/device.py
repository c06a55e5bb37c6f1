"""Device choice, autocast policy and seeding: the one place for each.

Every model, trainer and page asks this module which device to run on, whether to use
mixed precision, and how to seed the random generators, so that behaviour is the same
from the CLI, from a script and from the Streamlit app.

Example::

    >>> from engine.device import pick_device, seed_everything
    >>> seed_everything(0)
    >>> pick_device("cpu")
    device(type='cpu')
"""

from __future__ import annotations

import contextlib
import os
import random

import numpy as np
import torch
from torch.overrides import TorchFunctionMode

__all__ = ["pick_device", "autocast", "seed_everything", "on_meta", "ENV_DEVICE"]

#: Environment variable that overrides the automatic device choice (``cpu``, ``cuda``, ``cuda:1``, ``mps``).
ENV_DEVICE = "RNN_DEVICE"


def pick_device(prefer: str | torch.device | None = None) -> torch.device:
    """Return the device to run on.

    Order of precedence: the explicit ``prefer`` argument (a CLI ``--device`` flag), then the
    ``RNN_DEVICE`` environment variable, then CUDA if available, then Apple MPS, then CPU.
    Asking for a device that is not available raises ``ValueError`` rather than silently
    falling back, so a user who asked for a GPU knows they did not get one.
    """
    choice = prefer if prefer not in (None, "", "auto") else os.environ.get(ENV_DEVICE, "auto")
    if isinstance(choice, torch.device):
        choice = str(choice)
    choice = str(choice).lower()
    if choice == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    dev = torch.device(choice)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {choice!r} requested but CUDA is not available on this machine")
    if dev.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError(f"device {choice!r} requested but Apple MPS is not available on this machine")
    return dev


def autocast(device: torch.device | str, enabled: bool = True):
    """Mixed-precision context for the forward pass.

    bf16 autocast on CUDA (same exponent range as fp32, so no loss scaling is needed);
    a no-op elsewhere: CPU bf16 matmuls are slower than fp32 on most CPUs and MPS bf16
    support varies, so full precision is the safe default there.
    """
    device = torch.device(device)
    if enabled and device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices) so that CPU runs are bit-for-bit reproducible."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class _SkipNormalInit(TorchFunctionMode):
    """Meta tensors hold no values: ``normal_`` on one is skipped (on the meta device it runs torch's Python
    reference, whose first use imports ``torch._dynamo``, sympy and ~900 other modules: a second and ~150 MB of
    the process's memory for nothing, measured on the Train page of a server, issue 15)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
        kwargs = kwargs or {}
        tensor = args[0] if args else kwargs.get("tensor")  # init.normal_(tensor=...) / Tensor.normal_(self)
        if getattr(func, "__name__", "") == "normal_" and getattr(tensor, "is_meta", False):
            return tensor
        return func(*args, **kwargs)


@contextlib.contextmanager
def on_meta():
    """Build models on the meta device: shapes and parameter counts, no storage, no initialisation.

    The one way the engine builds a model only to look at it (a parameter count, a checkpoint's expected shapes).

        >>> with on_meta():
        ...     lstm = torch.nn.LSTM(10, 20)
        >>> sum(p.numel() for p in lstm.parameters()), lstm.weight_hh_l0.is_meta
        (2560, True)
    """
    with torch.device("meta"), _SkipNormalInit():
        yield
