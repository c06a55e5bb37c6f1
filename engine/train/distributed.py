"""Data parallelism under ``torchrun``: one process per device, gradients all-reduced by DDP.

``torchrun --nproc_per_node 2 -m engine train charlm ...`` sets ``RANK``/``WORLD_SIZE``/``LOCAL_RANK``;
:func:`distributed_context` then joins the process group (NCCL on CUDA, gloo on CPU) and says
which rank this process is and which device it drives. Outside torchrun it is a no-op.
The :class:`~engine.train.trainer.Trainer` wraps the model in DDP when a group is initialised; each rank
builds its own batches from ``(rank, world_size)``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch
import torch.distributed as dist

from engine.device import pick_device

__all__ = ["distributed_context"]


@contextlib.contextmanager
def distributed_context(device: str | None = None) -> Iterator[tuple[int, int, torch.device]]:
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        yield 0, 1, pick_device(device)
        return
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    dev = pick_device(device)
    if dev.type == "cuda":
        dev = torch.device("cuda", local_rank)
        torch.cuda.set_device(dev)
    backend = "nccl" if dev.type == "cuda" else "gloo"
    dist.init_process_group(backend=backend, rank=rank, world_size=world_size)
    try:
        yield rank, world_size, dev
    finally:
        dist.barrier()
        dist.destroy_process_group()
