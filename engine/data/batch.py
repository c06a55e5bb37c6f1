"""The batch every model's training loop consumes: inputs, targets, and whether the sequences carry on.

Batchers (:mod:`engine.data.text`, :mod:`engine.data.parallel`, :mod:`engine.captioning.data`) make
them; :class:`~engine.train.trainer.Trainer` consumes them without knowing the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

__all__ = ["Batch", "move_to"]


@dataclass
class Batch:
    """One training example batch. ``inputs`` may be a tensor or a tuple of tensors."""

    inputs: Any
    targets: torch.Tensor
    carry: bool = False  # continue the previous batch's sequences (truncated BPTT)

    def to(self, device: torch.device) -> Batch:
        return Batch(move_to(self.inputs, device), move_to(self.targets, device), self.carry)

    @property
    def n_targets(self) -> int:
        return int(self.targets.numel())


def move_to(x: Any, device: torch.device) -> Any:
    """``x`` (a tensor, or a tuple/list of them) on ``device``."""
    if isinstance(x, torch.Tensor):
        return x.to(device, non_blocking=True)
    if isinstance(x, (tuple, list)):
        return type(x)(move_to(v, device) for v in x)
    return x
