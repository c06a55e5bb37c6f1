"""Choosing the next token from logits: temperature, top-k and top-p (nucleus) sampling, greedy argmax.

With logits ``z`` over a vocabulary of ``V`` tokens, sampling at temperature ``T`` draws from
``p_i ∝ exp(z_i / T)`` restricted to the top-k / top-p set (:func:`filter_logits`); ``T = 0`` is the
limit ``argmax z``. The settings are checked here once and reused by :class:`~engine.decoding.DecodeConfig`.

Example (``T = 0`` is argmax whatever top-k / top-p say)::

    >>> sample_next(torch.tensor([[1.0, 3.0, 2.0]]), temperature=0).tolist()
    [1]
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["check_temperature", "check_top_k", "check_top_p", "choose", "filter_logits", "sample_next", "truncate"]

NEG_INF = float("-inf")


def check_top_k(top_k: int | None) -> None:
    """Raise unless ``top_k`` is ``None`` (off) or an int ``>= 1``."""
    if top_k is None:
        return
    if isinstance(top_k, bool) or not isinstance(top_k, int):
        raise TypeError(f"top_k must be a positive int or None (off), got {top_k!r}")
    if top_k < 1:
        raise ValueError(f"top_k must be >= 1 (use None to disable top-k), got {top_k}")


def check_top_p(top_p: float | None) -> None:
    """Raise unless ``top_p`` is ``None`` (off) or in ``(0, 1]``."""
    if top_p is None:
        return
    if not (isinstance(top_p, (int, float)) and 0.0 < float(top_p) <= 1.0):
        raise ValueError(f"top_p must be in the interval (0, 1] (use None or 1.0 to disable), got {top_p!r}")


def check_temperature(temperature: float) -> None:
    """Raise unless ``temperature`` is a number ``>= 0`` (``0`` = greedy argmax)."""
    if not isinstance(temperature, (int, float)) or math.isnan(temperature) or temperature < 0:
        raise ValueError(f"temperature must be > 0, or exactly 0 for greedy argmax; got {temperature!r}")


def filter_logits(logits: Tensor, top_k: int | None = None, top_p: float | None = None) -> Tensor:
    """Set every logit outside the top-k / top-p (nucleus) set to ``-inf``; the rest are unchanged.

    Applied over the last dimension, top-k first, then top-p on the renormalised survivors.

    * top-k keeps exactly the ``k`` largest logits of each row (all of them if ``k >= V``).
    * top-p sorts the tokens by probability ``p_(1) >= p_(2) >= ...`` (``p = softmax(logits)``) and
      keeps the smallest prefix whose mass reaches ``p``: token ``(i)`` is kept iff
      ``sum_{j<i} p_(j) < top_p``. The most likely token is therefore always kept, the kept mass is
      ``>= top_p``, and dropping the least likely kept token brings it below ``top_p``.

    Ties are broken deterministically by a stable sort: among equal logits the lower token id ranks
    first (so top-k with ``k=1`` keeps the same token as ``argmax``).

    Example::

        >>> filter_logits(torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05])), top_p=0.75).exp()
        tensor([0.5000, 0.3000, 0.0000, 0.0000])
        >>> filter_logits(torch.tensor([1.0, 3.0, 2.0]), top_k=2)
        tensor([-inf, 3., 2.])

    Raises:
        ValueError: ``top_k < 1`` or ``top_p`` outside ``(0, 1]``.
    """
    check_top_k(top_k)
    check_top_p(top_p)
    return truncate(logits, top_k, top_p)


def truncate(logits: Tensor, top_k: int | None, top_p: float | None) -> Tensor:
    """:func:`filter_logits` without the argument checks (TorchScript-compatible: decoding loops compile it)."""
    if top_k is None and (top_p is None or top_p >= 1.0):
        return logits
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True, stable=True)  # (..., V) each
    remove_sorted = torch.zeros_like(sorted_logits, dtype=torch.bool)
    if top_k is not None and top_k < logits.shape[-1]:
        remove_sorted[..., top_k:] = True
        sorted_logits = sorted_logits.masked_fill(remove_sorted, -math.inf)
    if top_p is not None and top_p < 1.0:
        probs = torch.softmax(sorted_logits.double(), dim=-1)
        mass_before = torch.cumsum(probs, dim=-1) - probs  # exclusive cumulative sum
        remove_sorted |= mass_before >= top_p
        remove_sorted[..., 0] = False  # always keep at least the most likely token
    remove = torch.zeros_like(remove_sorted).scatter(-1, order, remove_sorted)  # back to token order
    return logits.masked_fill(remove, -math.inf)


def choose(
    logits: Tensor,
    greedy: bool,
    top_k: int | None,
    top_p: float | None,
    generator: torch.Generator | None,
) -> tuple[Tensor, Tensor]:
    """Pick one token per row from already temperature-scaled ``logits`` (B, V).

    Returns (tokens (B,), the filtered logits (B, V)): a token could have been chosen iff its
    filtered logit is finite. The settings are not checked here (:class:`~engine.decoding.DecodeConfig`
    did); TorchScript-compatible (the streaming loop compiles it, see :mod:`engine.nogil`).
    """
    if greedy:
        return logits.argmax(dim=-1), logits
    filtered = truncate(logits, top_k, top_p)
    probs = torch.softmax(filtered, dim=-1)  # (B, V)
    tokens = torch.multinomial(probs, 1, generator=generator).squeeze(-1)
    return tokens, filtered


def sample_next(
    logits: Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Draw one token per row from ``softmax(filter_logits(logits / temperature, top_k, top_p))``.

    ``temperature`` scales the logits: ``p_i ∝ exp(z_i / T)``; ``T < 1`` sharpens, ``T > 1`` flattens.
    ``temperature == 0`` is the limit ``T → 0``, i.e. greedy ``argmax`` (ties → lowest id); top-k and
    top-p cannot change the argmax and are then ignored.

    Args:
        logits: ``(B, V)`` (or ``(V,)``) unnormalised scores.
        generator: a seeded ``torch.Generator`` (on the logits' device) makes draws reproducible.

    Returns:
        ``LongTensor`` of shape ``logits.shape[:-1]``.

    Raises:
        ValueError: negative temperature, ``top_k < 1``, ``top_p`` outside ``(0, 1]``.
    """
    check_temperature(temperature)
    check_top_k(top_k)
    check_top_p(top_p)
    squeeze = logits.dim() == 1
    z = logits.float().reshape(-1, logits.shape[-1])  # (B, V)
    if temperature == 0:
        tokens, _ = choose(z, True, None, None, None)
    else:
        tokens, _ = choose(z / temperature, False, top_k, top_p, generator)
    return tokens[0] if squeeze else tokens.reshape(logits.shape[:-1])
