"""Hard constraints on the next token, shared by every decoding method: ``min_len`` and ``no_repeat_ngram``.

A forbidden token gets the score ``-inf``: greedy never picks it, sampling gives it probability 0
and beam search never ranks it. ``min_len`` forbids ``</s>`` until ``min_len`` tokens have been
generated; ``no_repeat_ngram = n`` forbids any token that would complete an ``n``-gram already
present in the sequence.

Example: after ``1 2 3 1 2`` the 3-gram ``1 2 3`` would repeat with ``3``::

    >>> banned_ngram_tokens([1, 2, 3, 1, 2], 3)
    {3}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch import Tensor

from engine.decoding.config import DecodeConfig

__all__ = ["banned_ngram_tokens", "constraint_mask"]


def banned_ngram_tokens(history: Sequence[int], n: int) -> set[int]:
    """Tokens that would complete an ``n``-gram already present in ``history``."""
    if n <= 0 or len(history) < n - 1:
        return set()
    if n == 1:
        return set(history)
    prefix = tuple(history[len(history) - n + 1 :])
    return {history[i + n - 1] for i in range(len(history) - n + 1) if tuple(history[i : i + n - 1]) == prefix}


def constraint_mask(
    histories: Sequence[Sequence[int]] | None,
    n_generated: int,
    shape: tuple[int, int],
    device: torch.device,
    cfg: DecodeConfig,
    eos_id: int | None,
    rows: Iterable[int] | None = None,
) -> Tensor | None:
    """Boolean ``(N, V)`` mask of hard-forbidden tokens, or ``None`` when nothing is forbidden.

    Args:
        histories: per row, the tokens so far (start token included); needed for ``no_repeat_ngram``.
        n_generated: tokens generated so far (``min_len`` forbids ``</s>`` while it is below).
        shape: ``(N, V)``.
        rows: only these rows get n-gram bans (beam search skips rows that are done); default all.
    """
    mask = None
    if eos_id is not None and n_generated < cfg.min_len:
        mask = torch.zeros(shape, dtype=torch.bool, device=device)
        mask[:, eos_id] = True
    if cfg.no_repeat_ngram > 0 and histories is not None:
        rows_idx: list[int] = []
        cols_idx: list[int] = []
        for r in rows if rows is not None else range(shape[0]):
            for tok in banned_ngram_tokens(histories[r], cfg.no_repeat_ngram):
                rows_idx.append(r)
                cols_idx.append(tok)
        if rows_idx:
            if mask is None:
                mask = torch.zeros(shape, dtype=torch.bool, device=device)
            mask[torch.tensor(rows_idx, device=device), torch.tensor(cols_idx, device=device)] = True
    return mask
