"""Reordering a model's recurrent state along the batch: what beam search does at every step.

A decoding *state* is whatever the model carries between steps: an LSTM ``(h, c)`` tuple with
tensors of shape ``(L, B, H)``, a dict that also holds the encoder memory ``(B, S, H)``, ``None`` ...
Beam search keeps ``K`` hypotheses per batch row in ``B*K`` rows and, after every step, makes row
``i`` continue from row ``parent[i]``: one ``index_select`` along the batch dimension of every
tensor in the state (:func:`index_state`). :func:`expand_state` is the same call with
``index = [0, 0, ..., 1, 1, ...]``: ``K`` adjacent copies of each row.

Example: two beams of one row swap places (``h`` of shape ``(L=1, B=2, H=1)``)::

    >>> h = torch.tensor([[[10.0], [20.0]]])
    >>> index_state((h, "name"), torch.tensor([1, 0]), batch_dim=(1, None))[0].flatten().tolist()
    [20.0, 10.0]
    >>> expand_state(h, 2, batch_dim=1).flatten().tolist()
    [10.0, 10.0, 20.0, 20.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

__all__ = ["BatchDims", "State", "expand_state", "index_state"]

#: A model's recurrent state: a tensor, a (possibly nested) tuple / list / dict of tensors, or
#: anything else (non-tensor leaves are passed through untouched).
State = Any
#: Where the batch dimension is in a :data:`State`: one ``int`` for every tensor, or a nested
#: structure mirroring the state with an ``int`` (or ``None`` = "no batch dim, leave as is") per leaf.
BatchDims = int | None | Sequence["BatchDims"] | Mapping[Any, "BatchDims"]


def index_state(state: State, index: Tensor, batch_dim: BatchDims = 0) -> State:
    """Select batch rows ``index`` from every tensor in a nested ``state``.

    ``out_leaf = leaf.index_select(dim, index)`` where ``dim`` is the leaf's batch dimension. The
    same call reorders beams (``index`` = back-pointers), repeats rows (``index`` =
    ``arange(B).repeat_interleave(K)``) or drops finished rows.

    Args:
        state: a tensor, ``None``, or a tuple / list / namedtuple / dict nesting of those. Leaves
            that are not tensors (ints, strings, ``None``) are returned unchanged; containers keep
            their type.
        index: 1-D ``LongTensor`` of row indices (moved to each leaf's device as needed).
        batch_dim: where the batch dimension is. Either a single ``int`` used for every tensor
            (negative values count from the end), or a structure mirroring ``state`` whose leaves are
            ``int`` or ``None`` (``None``: the tensor has no batch dim, e.g. a shared embedding
            table, and is passed through). A sub-structure may be replaced by one ``int`` that then
            applies to everything below it.

    Example: a seq2seq decoder state ``{"hc": (h, c), "memory": m}`` with ``h, c`` of shape
    ``(L, B, H)`` and encoder memory ``m`` of shape ``(B, S, H)``::

        index_state(state, idx, batch_dim={"hc": 1, "memory": 0})

    Raises:
        ValueError: if ``batch_dim``'s structure does not match ``state``'s.
    """
    if index.dim() != 1:
        raise ValueError(f"index must be 1-D, got shape {tuple(index.shape)}")
    return _index_state(state, index.long(), batch_dim, "state")


def _index_state(state: State, index: Tensor, dims: BatchDims, path: str) -> State:
    if isinstance(state, Tensor):
        if dims is None:
            return state
        if not isinstance(dims, int) or isinstance(dims, bool):
            raise TypeError(f"batch_dim for tensor {path} must be an int or None, got {dims!r}")
        return state.index_select(dims, index.to(state.device))
    if isinstance(state, Mapping):
        if isinstance(dims, Mapping):
            missing = [k for k in state if k not in dims]
            if missing:
                raise ValueError(f"batch_dim for {path} has no entry for key(s) {missing}")
            return type(state)({k: _index_state(v, index, dims[k], f"{path}[{k!r}]") for k, v in state.items()})
        _check_broadcast_dims(dims, path)
        return type(state)({k: _index_state(v, index, dims, f"{path}[{k!r}]") for k, v in state.items()})
    if isinstance(state, (tuple, list)):
        if isinstance(dims, (tuple, list)):
            if len(dims) != len(state):
                raise ValueError(f"batch_dim for {path} has {len(dims)} entries but the state has {len(state)}")
            items = [_index_state(v, index, d, f"{path}[{i}]") for i, (v, d) in enumerate(zip(state, dims))]
        else:
            _check_broadcast_dims(dims, path)
            items = [_index_state(v, index, dims, f"{path}[{i}]") for i, v in enumerate(state)]
        if isinstance(state, tuple) and hasattr(state, "_fields"):  # namedtuple
            return type(state)(*items)
        return type(state)(items)
    return state  # None, ints, strings, ...: no batch dimension


def _check_broadcast_dims(dims: BatchDims, path: str) -> None:
    if dims is not None and (not isinstance(dims, int) or isinstance(dims, bool)):
        raise ValueError(f"batch_dim for {path} must be an int, None or match its structure, got {dims!r}")


def expand_state(state: State, repeats: int, batch_dim: BatchDims = 0) -> State:
    """Repeat every batch row ``repeats`` times, keeping copies adjacent (``B`` rows → ``B*repeats``).

    Row ``b * repeats + j`` of the result is a copy of row ``b``: the layout beam search uses.
    """
    sizes = _batch_sizes(state, batch_dim)
    if not sizes:
        return state
    n = sizes[0]
    return index_state(state, torch.arange(n).repeat_interleave(repeats), batch_dim)


def _batch_sizes(state: State, dims: BatchDims) -> list[int]:
    """Batch sizes of all tensors in ``state`` (used to find ``B`` for :func:`expand_state`)."""
    if isinstance(state, Tensor):
        return [] if dims is None else [state.shape[dims]]  # type: ignore[index]
    out: list[int] = []
    if isinstance(state, Mapping):
        for k, v in state.items():
            out += _batch_sizes(v, dims[k] if isinstance(dims, Mapping) else dims)
    elif isinstance(state, (tuple, list)):
        for i, v in enumerate(state):
            out += _batch_sizes(v, dims[i] if isinstance(dims, (tuple, list)) else dims)
    return out
