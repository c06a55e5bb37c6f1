"""Batches of (ids, lengths) -> labels for the many-to-one classifier, a function of the step number.

    >>> b = ClassBatches([[5, 6, 7], [8], [9, 10], [11]], [1, 0, 1, 0], batch_size=2, seed=0)
    >>> batch = b(0)
    >>> batch.inputs[0].shape[0], batch.targets.shape, b.batches_per_epoch
    (2, torch.Size([2]), 2)
    >>> pad_ids([[5, 6], [7]])
    (tensor([[5, 6],
            [7, 0]]), tensor([2, 1]))
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import torch

from engine.data.batch import Batch
from engine.data.parallel import PAD_ID

__all__ = ["ClassBatches", "pad_ids", "eval_batches"]


def pad_ids(seqs: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ids ``(B, T)`` and the lengths ``(B,)``."""
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    out = torch.full((len(seqs), int(lengths.max())), PAD_ID, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, :len(s)] = torch.as_tensor(list(s), dtype=torch.long)
    return out, lengths


class ClassBatches:
    """``batches(step) -> Batch``: each epoch a fresh shuffle (seeded by seed and epoch), texts of similar
    length batched together (sorted within pools of ``pool`` batches), so padding stays small and a resumed
    run sees the same batches. Targets are the labels ``(B,)``, or the rows of ``soft`` ``(B, classes)``.
    ``resegment(rows, step) -> ids`` (optional) gives the batch's texts new ids each step (subword
    regularisation); it must be deterministic in ``(rows, step)`` so a resumed run sees the same batches."""

    def __init__(self, ids: Sequence[Sequence[int]], labels: Sequence[int], batch_size: int, seed: int = 0,
                 pool: int = 50, soft: torch.Tensor | None = None,
                 resegment: Callable[[list[int], int], list[list[int]]] | None = None):
        if not ids or len(ids) != len(labels):
            raise ValueError("need as many labels as texts, and at least one text")
        if soft is not None and (soft.dim() != 2 or soft.shape[0] != len(ids)):
            raise ValueError(f"soft targets must be (texts, classes), got {tuple(soft.shape)} for {len(ids)} texts")
        self.ids, self.labels = list(ids), list(labels)
        # Optional soft targets (N, classes), rows summing to 1 (knowledge distillation: the teachers' averaged
        # probabilities mixed with the labels); the loss is then the cross-entropy against them.
        self.soft = soft.float() if soft is not None else None
        self.batch_size, self.seed, self.pool, self.resegment = batch_size, seed, pool, resegment
        self.batches_per_epoch = max(1, len(self.ids) // batch_size)
        self._epoch, self._order = -1, []

    def _epoch_order(self, epoch: int) -> list[list[int]]:
        rng = random.Random(self.seed * 100_003 + epoch)
        order = list(range(len(self.ids)))
        rng.shuffle(order)
        size = self.batch_size * self.pool
        batches = []
        for s in range(0, len(order), size):
            chunk = sorted(order[s:s + size], key=lambda i: len(self.ids[i]))
            batches += [chunk[j:j + self.batch_size] for j in range(0, len(chunk), self.batch_size)]
        batches = [b for b in batches if len(b) == self.batch_size] or batches
        rng.shuffle(batches)
        return batches[: self.batches_per_epoch]

    def __call__(self, step: int) -> Batch:
        epoch, k = divmod(step, self.batches_per_epoch)
        if epoch != self._epoch:
            self._epoch, self._order = epoch, self._epoch_order(epoch)
        rows = self._order[k % len(self._order)]
        # batches are pooled by the best segmentation's length; a sampled one is about as long
        ids, lengths = pad_ids(self.resegment(rows, step) if self.resegment else [self.ids[i] for i in rows])
        if self.soft is not None:
            return Batch((ids, lengths), self.soft[rows])  # (B, classes)
        return Batch((ids, lengths), torch.tensor([self.labels[i] for i in rows], dtype=torch.long))


def eval_batches(ids: Sequence[Sequence[int]], labels: Sequence[int], batch_size: int = 256) -> list[Batch]:
    """Every text once, in length order (fewest pads), as batches for validation."""
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out = []
    for s in range(0, len(order), batch_size):
        rows = order[s:s + batch_size]
        out.append(Batch(pad_ids([ids[i] for i in rows]), torch.tensor([labels[i] for i in rows], dtype=torch.long)))
    return out
