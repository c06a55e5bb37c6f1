"""Decoding strategies shared by every generator in RNN Lab: greedy, sampling and beam search.

Every generator (the char-level LM, the seq2seq translator, the image captioner) exposes the same
tiny interface, a *step* callable that consumes one token per batch row and returns the logits of
the next one::

    step(tokens: LongTensor (B,), state) -> (logits (B, V), new_state)
                                          | (logits (B, V), new_state, aux (B, ...))

``state`` is whatever the model carries between steps (an LSTM ``(h, c)`` tuple, a dict holding
the hidden state plus the encoder memory, ``None`` ...). The strategies here never look inside it
except to reorder its batch rows during beam search (:func:`index_state`). The optional third
element ``aux`` is a per-step auxiliary output, e.g. the translator's attention weights; it is
carried along with the tokens (along beam back-pointers in beam search) and returned with them.

Because each call consumes exactly one token, generating ``T`` tokens costs ``T`` step calls: a
recurrent model's cost per token is O(1) in the length of what has been generated so far.

Convention: the distribution over the token at output position ``t`` is produced by
``step(token at position t-1, state)``. Generation starts with ``start_tokens`` (``<s>``, or the
last character of a prompt whose earlier characters are already folded into ``state``).

Overview
--------
* :func:`filter_logits`: top-k / top-p (nucleus) truncation of a logits tensor.
* :func:`sample_next`: one sampling decision (temperature, top-k, top-p; temperature 0 = argmax).
* :class:`DecodeConfig`: all knobs of a decoding strategy, validated on construction.
* :func:`iter_generate`: greedy / sampling decoding as a Python iterator of :class:`StepResult`
  (stream it into a UI); :func:`stream_text` turns it into the generator of strings that
  ``st.write_stream`` wants; :func:`collect_steps` stacks the steps into a :class:`GenerateResult`.
* :func:`beam_search`: batched beam search returning the n-best :class:`Hypothesis` per row.
* :func:`generate`: the one-call entry point for all three methods.
* :func:`index_state` / :func:`expand_state`: reorder / repeat the batch rows of a nested state.

Example (a toy bigram "model" whose state is unused)::

    >>> import torch
    >>> table = torch.log(torch.tensor([[0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.5, 0.4, 0.1]]))
    >>> step = lambda tok, state: (table[tok], state)
    >>> res = generate(step, torch.tensor([0]), None, DecodeConfig("greedy", max_len=4))
    >>> res.tokens.tolist()
    [[1, 2, 0, 1]]
    >>> [h.tokens for h in beam_search(step, torch.tensor([0]), None, DecodeConfig("beam", beam_width=2,
    ...                                max_len=2))[0]]
    [[1, 2]]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import Tensor

__all__ = [
    "BatchDims",
    "DecodeConfig",
    "GenerateResult",
    "Hypothesis",
    "State",
    "StepFn",
    "StepResult",
    "beam_search",
    "collect_steps",
    "expand_state",
    "filter_logits",
    "generate",
    "index_state",
    "iter_generate",
    "length_penalty_factor",
    "sample_next",
    "stream_text",
]

#: A model's recurrent state: a tensor, a (possibly nested) tuple / list / dict of tensors, or
#: anything else (non-tensor leaves are passed through untouched).
State = Any
#: Where the batch dimension is in a :data:`State`: one ``int`` for every tensor, or a nested
#: structure mirroring the state with an ``int`` (or ``None`` = "no batch dim, leave as is") per leaf.
BatchDims = int | None | Sequence["BatchDims"] | Mapping[Any, "BatchDims"]
#: ``step(tokens (B,), state) -> (logits (B, V), state)`` or ``(logits, state, aux (B, ...))``.
StepFn = Callable[[Tensor, State], tuple]

Method = Literal["greedy", "sample", "beam"]
_NEG_INF = float("-inf")


# --------------------------------------------------------------------------------------------------
# State reordering
# --------------------------------------------------------------------------------------------------


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
            return type(state)(
                {k: _index_state(v, index, dims[k], f"{path}[{k!r}]") for k, v in state.items()}
            )
        _check_broadcast_dims(dims, path)
        return type(state)({k: _index_state(v, index, dims, f"{path}[{k!r}]") for k, v in state.items()})
    if isinstance(state, (tuple, list)):
        if isinstance(dims, (tuple, list)):
            if len(dims) != len(state):
                raise ValueError(
                    f"batch_dim for {path} has {len(dims)} entries but the state has {len(state)}"
                )
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


# --------------------------------------------------------------------------------------------------
# Logit processing and sampling
# --------------------------------------------------------------------------------------------------


def _check_top_k(top_k: int | None) -> None:
    if top_k is None:
        return
    if isinstance(top_k, bool) or not isinstance(top_k, int):
        raise TypeError(f"top_k must be a positive int or None (off), got {top_k!r}")
    if top_k < 1:
        raise ValueError(f"top_k must be >= 1 (use None to disable top-k), got {top_k}")


def _check_top_p(top_p: float | None) -> None:
    if top_p is None:
        return
    if not (isinstance(top_p, (int, float)) and 0.0 < float(top_p) <= 1.0):
        raise ValueError(f"top_p must be in the interval (0, 1] (use None or 1.0 to disable), got {top_p!r}")


def _check_temperature(temperature: float) -> None:
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
    _check_top_k(top_k)
    _check_top_p(top_p)
    if top_k is None and (top_p is None or top_p >= 1.0):
        return logits
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True, stable=True)
    remove_sorted = torch.zeros_like(sorted_logits, dtype=torch.bool)
    if top_k is not None and top_k < logits.shape[-1]:
        remove_sorted[..., top_k:] = True
        sorted_logits = sorted_logits.masked_fill(remove_sorted, _NEG_INF)
    if top_p is not None and top_p < 1.0:
        probs = torch.softmax(sorted_logits.double(), dim=-1)
        mass_before = torch.cumsum(probs, dim=-1) - probs  # exclusive cumulative sum
        remove_sorted |= mass_before >= top_p
        remove_sorted[..., 0] = False  # always keep at least the most likely token
    remove = torch.zeros_like(remove_sorted).scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, _NEG_INF)


def _choose(
    logits: Tensor,
    greedy: bool,
    top_k: int | None,
    top_p: float | None,
    generator: torch.Generator | None,
) -> tuple[Tensor, Tensor]:
    """Pick one token per row from already temperature-scaled ``logits``.

    Returns (tokens, the filtered logits): a token could have been chosen iff its filtered logit is finite.
    """
    if greedy:
        return logits.argmax(dim=-1), logits
    filtered = filter_logits(logits, top_k, top_p)
    probs = torch.softmax(filtered, dim=-1)
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
    _check_temperature(temperature)
    _check_top_k(top_k)
    _check_top_p(top_p)
    squeeze = logits.dim() == 1
    z = logits.float().reshape(-1, logits.shape[-1])
    if temperature == 0:
        tokens, _ = _choose(z, True, None, None, None)
    else:
        tokens, _ = _choose(z / temperature, False, top_k, top_p, generator)
    return tokens[0] if squeeze else tokens.reshape(logits.shape[:-1])


# --------------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------------


def length_penalty_factor(length: int, alpha: float, kind: str = "gnmt") -> float:
    """Denominator ``lp(L)`` of the length-normalised beam score ``score = log P(y) / lp(|y|)``.

    * ``kind="gnmt"`` (Wu et al. 2016, Google NMT): ``lp(L) = ((5 + L) / 6) ** alpha``.
    * ``kind="power"``: ``lp(L) = L ** alpha`` (``alpha=1`` = average log-prob per token).

    ``alpha = 0`` gives ``lp = 1`` (raw log-probability, which favours short outputs since every
    extra token multiplies in a probability < 1); larger ``alpha`` favours longer outputs.
    ``L`` counts generated tokens including the final ``</s>``. Example: ``L=3, alpha=1``:
    gnmt ``8/6 = 1.333``, power ``3``.
    """
    if alpha == 0:
        return 1.0
    if kind == "gnmt":
        return ((5.0 + length) / 6.0) ** alpha
    if kind == "power":
        return float(max(length, 1)) ** alpha
    raise ValueError(f"length normalisation kind must be 'gnmt' or 'power', got {kind!r}")


@dataclass(frozen=True)
class DecodeConfig:
    """All knobs of one decoding strategy. Validated on construction (``ValueError`` with a clear message).

    Attributes:
        method: ``"greedy"`` (argmax each step), ``"sample"`` (draw from the tempered, truncated
            distribution) or ``"beam"`` (beam search over model log-probabilities).
        temperature: sampling temperature ``T >= 0`` (``p ∝ exp(z / T)``; ``0`` = greedy). Sampling only.
        top_k: keep only the ``k`` most likely tokens when sampling (``None`` = off, must be ``>= 1``).
        top_p: nucleus sampling mass in ``(0, 1]`` (``None`` or ``1.0`` = off). Sampling only.
        beam_width: number of hypotheses kept alive per batch row (beam only, ``>= 1``).
        length_penalty: ``alpha >= 0`` of the length normalisation ``score = log P / lp(L)``, see
            :func:`length_penalty_factor`. ``0`` = raw log-probability. Beam only.
        length_norm: ``"gnmt"`` (``((5+L)/6)^alpha``, default) or ``"power"`` (``L^alpha``).
        max_len: maximum number of generated tokens, ``</s>`` included (the max-length guard).
        min_len: ``</s>`` is forbidden until at least ``min_len`` other tokens have been generated.
        no_repeat_ngram: ``n > 0`` forbids any token that would complete an n-gram already present in
            the sequence (start token included); ``0`` = off. Applies to every method.
        n_best: number of hypotheses :func:`beam_search` returns per row (``1 <= n_best <= beam_width``).

    ``</s>`` handling: when an ``eos_id`` is given, a row (or beam hypothesis) that emits it is
    finished: the ``</s>`` is kept as its last token and it stops growing; decoding stops when all
    rows are finished or after ``max_len`` tokens. Beam search ignores temperature / top-k / top-p;
    greedy ignores them too.
    """

    method: Method = "greedy"
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    beam_width: int = 4
    length_penalty: float = 0.0
    length_norm: Literal["gnmt", "power"] = "gnmt"
    max_len: int = 100
    min_len: int = 0
    no_repeat_ngram: int = 0
    n_best: int = 1

    def __post_init__(self) -> None:
        if self.method not in ("greedy", "sample", "beam"):
            raise ValueError(f"method must be 'greedy', 'sample' or 'beam', got {self.method!r}")
        _check_temperature(self.temperature)
        _check_top_k(self.top_k)
        _check_top_p(self.top_p)
        for name, lo in (
            ("beam_width", 1),
            ("max_len", 1),
            ("min_len", 0),
            ("no_repeat_ngram", 0),
            ("n_best", 1),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < lo:
                raise ValueError(f"{name} must be an int >= {lo}, got {value!r}")
        if self.n_best > self.beam_width:
            raise ValueError(f"n_best ({self.n_best}) must be <= beam_width ({self.beam_width})")
        if not isinstance(self.length_penalty, (int, float)) or not (self.length_penalty >= 0):
            raise ValueError(f"length_penalty (alpha) must be >= 0, got {self.length_penalty!r}")
        if self.length_norm not in ("gnmt", "power"):
            raise ValueError(f"length_norm must be 'gnmt' or 'power', got {self.length_norm!r}")

    @property
    def is_greedy(self) -> bool:
        """True when tokens are chosen by argmax (``method="greedy"`` or sampling at temperature 0)."""
        return self.method == "greedy" or (self.method == "sample" and self.temperature == 0)

    def normalise(self, logprob: float, length: int) -> float:
        """Length-normalised score ``logprob / lp(length)`` under this config."""
        return logprob / length_penalty_factor(length, self.length_penalty, self.length_norm)


# --------------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------------


def _call_step(step: StepFn, tokens: Tensor, state: State) -> tuple[Tensor, State, Tensor | None]:
    out = step(tokens, state)
    if not isinstance(out, (tuple, list)) or len(out) not in (2, 3):
        raise ValueError("step must return (logits, state) or (logits, state, aux)")
    logits, new_state = out[0], out[1]
    aux = out[2] if len(out) == 3 else None
    if logits.dim() != 2 or logits.shape[0] != tokens.shape[0]:
        raise ValueError(
            f"step returned logits of shape {tuple(logits.shape)}; expected ({tokens.shape[0]}, V)"
        )
    return logits, new_state, aux


def _banned_ngram_tokens(history: Sequence[int], n: int) -> set[int]:
    """Tokens that would complete an ``n``-gram already present in ``history``."""
    if n <= 0 or len(history) < n - 1:
        return set()
    if n == 1:
        return set(history)
    prefix = tuple(history[len(history) - n + 1 :])
    return {
        history[i + n - 1] for i in range(len(history) - n + 1) if tuple(history[i : i + n - 1]) == prefix
    }


def _constraint_mask(
    histories: Sequence[Sequence[int]] | None,
    n_generated: int,
    shape: tuple[int, int],
    device: torch.device,
    cfg: DecodeConfig,
    eos_id: int | None,
    rows: Iterable[int] | None = None,
) -> Tensor | None:
    """Boolean (N, V) mask of hard-forbidden tokens (min_len, no_repeat_ngram), or None."""
    mask = None
    if eos_id is not None and n_generated < cfg.min_len:
        mask = torch.zeros(shape, dtype=torch.bool, device=device)
        mask[:, eos_id] = True
    if cfg.no_repeat_ngram > 0 and histories is not None:
        rows_idx: list[int] = []
        cols_idx: list[int] = []
        for r in rows if rows is not None else range(shape[0]):
            for tok in _banned_ngram_tokens(histories[r], cfg.no_repeat_ngram):
                rows_idx.append(r)
                cols_idx.append(tok)
        if rows_idx:
            if mask is None:
                mask = torch.zeros(shape, dtype=torch.bool, device=device)
            mask[torch.tensor(rows_idx, device=device), torch.tensor(cols_idx, device=device)] = True
    return mask


# --------------------------------------------------------------------------------------------------
# Greedy / sampling: an iterator of steps
# --------------------------------------------------------------------------------------------------


@dataclass
class StepResult:
    """One decoding step of :func:`iter_generate` (all tensors have batch size ``B``).

    Attributes:
        index: 0-based output position.
        tokens: ``(B,)`` chosen tokens; rows that had already finished get ``pad_id``.
        logprobs: ``(B,)`` ``log p(token)`` under the model's distribution after temperature
            (``softmax(z / T)``, ``T = 1`` for greedy), before top-k / top-p / constraints; 0 for
            rows that had already finished.
        active: ``(B,)`` True for rows that were still generating (their token is real).
        finished: ``(B,)`` True for rows finished after this step (emitted ``</s>`` now or earlier).
        top_ids, top_probs: ``(B, k)`` the ``k = record_top`` most likely candidates and their
            probabilities under the same distribution as ``logprobs`` (``None`` if not recorded).
        top_kept: ``(B, k)`` whether each candidate survived top-k / top-p / constraints, i.e. could
            have been chosen.
        aux: ``(B, ...)`` the step's auxiliary output, if ``step`` returned one.
        state: the state after this step (it has consumed the *previous* token; continue decoding
            with ``step(tokens, state)``).
    """

    index: int
    tokens: Tensor
    logprobs: Tensor
    active: Tensor
    finished: Tensor
    top_ids: Tensor | None = None
    top_probs: Tensor | None = None
    top_kept: Tensor | None = None
    aux: Tensor | None = None
    state: State = None


def iter_generate(
    step: StepFn,
    start_tokens: Tensor,
    state: State,
    cfg: DecodeConfig | None = None,
    *,
    eos_id: int | None = None,
    max_new_tokens: int | None = None,
    generator: torch.Generator | None = None,
    record_top: int = 0,
    pad_id: int | None = None,
) -> Iterator[StepResult]:
    """Greedy or sampled decoding, one :class:`StepResult` per generated position (lazy).

    At each step: ``z = step(prev_tokens, state)``; hard constraints (``min_len``,
    ``no_repeat_ngram``) set forbidden logits to ``-inf``; then greedy takes ``argmax z`` and
    sampling draws from ``softmax(filter_logits(z / T, top_k, top_p))``. Stops after ``max_len``
    (or ``max_new_tokens``) steps or once every row has emitted ``eos_id``.

    Use it to stream output (see :func:`stream_text`); :func:`generate` / :func:`collect_steps`
    gather the steps into one :class:`GenerateResult`.

    Args:
        step: the model's step callable (see module docstring).
        start_tokens: ``(B,)`` first input tokens.
        state: initial state (consumed by the first ``step`` call).
        cfg: the strategy; ``method`` must be ``"greedy"`` or ``"sample"``.
        eos_id: end-of-sequence id; ``None`` = generate exactly ``max_len`` tokens.
        max_new_tokens: overrides ``cfg.max_len``.
        generator: seeded ``torch.Generator`` for reproducible sampling.
        record_top: record the ``k`` most likely candidates per step (0 = off).
        pad_id: token written for rows that already finished (default ``eos_id``, else 0).
    """
    cfg = cfg or DecodeConfig()
    if cfg.method == "beam":
        raise ValueError(
            "iter_generate streams greedy/sample decoding; use beam_search() or generate() for beam"
        )
    n_steps = cfg.max_len if max_new_tokens is None else max_new_tokens
    if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 1:
        raise ValueError(f"max_new_tokens must be an int >= 1, got {n_steps!r}")
    if record_top < 0:
        raise ValueError(f"record_top must be >= 0, got {record_top}")
    if start_tokens.dim() != 1:
        raise ValueError(f"start_tokens must have shape (B,), got {tuple(start_tokens.shape)}")
    return _iter_generate(
        step, start_tokens.long(), state, cfg, eos_id, n_steps, generator, record_top, pad_id
    )


def _iter_generate(
    step: StepFn,
    tokens: Tensor,
    state: State,
    cfg: DecodeConfig,
    eos_id: int | None,
    n_steps: int,
    generator: torch.Generator | None,
    record_top: int,
    pad_id: int | None,
) -> Iterator[StepResult]:
    device = tokens.device
    pad = pad_id if pad_id is not None else (eos_id if eos_id is not None else 0)
    active = torch.ones(tokens.shape[0], dtype=torch.bool, device=device)
    greedy = cfg.is_greedy
    temperature = 1.0 if greedy else float(cfg.temperature)
    histories = [[t] for t in tokens.tolist()] if cfg.no_repeat_ngram > 0 else None
    never_done = ~active  # without eos_id no row ever finishes: skip the finished-row bookkeeping
    for t in range(n_steps):
        logits, state, aux = _call_step(step, tokens, state)
        z = logits.float()
        if temperature != 1.0:
            z = z / temperature
        logp = torch.log_softmax(z, dim=-1)
        banned = _constraint_mask(histories, t, tuple(z.shape), device, cfg, eos_id)  # type: ignore[arg-type]
        if banned is not None:
            all_banned = banned.all(dim=-1, keepdim=True)  # never leave a row with nothing to choose
            z = z.masked_fill(banned & ~all_banned, _NEG_INF)
        choice, filtered = _choose(z, greedy, cfg.top_k, cfg.top_p, generator)
        was_active = active
        if eos_id is None:
            chosen_lp = logp.gather(-1, choice[:, None]).squeeze(-1)
            finished = never_done
        else:
            choice = torch.where(active, choice, torch.full_like(choice, pad))
            chosen_lp = torch.where(
                active, logp.gather(-1, choice[:, None]).squeeze(-1), torch.zeros_like(z[:, 0])
            )
            active = active & (choice != eos_id)
            finished = ~active
        top_ids = top_probs = top_kept = None
        if record_top:
            k = min(record_top, z.shape[-1])
            top_lp, top_ids = logp.topk(k, dim=-1)
            top_probs = top_lp.exp()
            top_kept = torch.isfinite(filtered.gather(-1, top_ids))
        if histories is not None:
            for r, tok in enumerate(choice.tolist()):
                histories[r].append(tok)
        yield StepResult(t, choice, chosen_lp, was_active, finished, top_ids, top_probs, top_kept, aux, state)
        if eos_id is not None and not bool(active.any()):
            return
        tokens = choice


def stream_text(
    steps: Iterable[StepResult],
    id_to_text: Callable[[int], str],
    row: int = 0,
    eos_id: int | None = None,
    record: list[StepResult] | None = None,
) -> Iterator[str]:
    """Turn a step iterator into the generator of strings that ``st.write_stream`` consumes.

    Yields ``id_to_text(token)`` for each token of batch row ``row`` while that row is active
    (``</s>`` itself is not yielded). Every :class:`StepResult` is appended to ``record`` (if given)
    so the caller can build the full result afterwards with :func:`collect_steps`::

        steps: list[StepResult] = []
        st.write_stream(stream_text(iter_generate(step, start, h, cfg, eos_id=eos), itos.__getitem__,
                                    eos_id=eos, record=steps))
        result = collect_steps(steps)
    """
    for s in steps:
        if record is not None:
            record.append(s)
        if bool(s.active[row]):
            tok = int(s.tokens[row])
            if eos_id is None or tok != eos_id:
                yield id_to_text(tok)


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hypothesis:
    """One beam-search output sequence.

    Attributes:
        tokens: generated ids (start token excluded), ending with ``</s>`` when ``finished``.
        score: length-normalised score ``logprob / lp(len(tokens))`` (the ranking key).
        logprob: ``sum(token_logprobs)`` = ``log P(tokens | start, state)``.
        token_logprobs: per-token model log-probabilities.
        finished: True if it ended with ``</s>``; False if it was cut by ``max_len``.
        aux: ``(len(tokens), ...)`` stacked per-step aux outputs along this hypothesis's back-pointers
            (e.g. attention weights for each output token), or ``None``.
        top_ids, top_probs, top_kept: ``(len(tokens), k)`` top candidates per step (``record_top``).
    """

    tokens: list[int]
    score: float
    logprob: float
    token_logprobs: list[float]
    finished: bool
    aux: Tensor | None = None
    top_ids: Tensor | None = None
    top_probs: Tensor | None = None
    top_kept: Tensor | None = None


@dataclass
class GenerateResult:
    """Output of :func:`generate` / :func:`collect_steps` for a batch of ``B`` rows.

    Attributes:
        tokens: ``(B, T)`` generated ids (start token excluded). A finished row's ``</s>`` is at
            position ``lengths[b] - 1``; positions after it hold ``pad_id``.
        logprobs: ``(B, T)`` log-probs of the chosen tokens (0 on padding). For sampling they are under
            the tempered model distribution ``softmax(z/T)`` before truncation.
        lengths: ``(B,)`` number of real tokens per row (``</s>`` included).
        finished: ``(B,)`` whether the row ended with ``</s>``.
        scores: ``(B,)`` sum of log-probs (greedy/sample) or the normalised beam score (beam).
        top_ids, top_probs, top_kept: ``(B, T, k)`` per-position top candidates (``record_top > 0``).
        aux: ``(B, T, ...)`` per-step aux outputs (zeros on padding), if ``step`` returns aux.
        state: final state (greedy/sample; ``None`` for beam).
        hypotheses: beam only: the n-best :class:`Hypothesis` list per row.
    """

    tokens: Tensor
    logprobs: Tensor
    lengths: Tensor
    finished: Tensor
    scores: Tensor
    top_ids: Tensor | None = None
    top_probs: Tensor | None = None
    top_kept: Tensor | None = None
    aux: Tensor | None = None
    state: State = None
    hypotheses: list[list[Hypothesis]] | None = field(default=None)

    def sequences(self) -> list[list[int]]:
        """Per-row token lists without padding (``</s>`` kept if present)."""
        return [row[:n].tolist() for row, n in zip(self.tokens, self.lengths.tolist())]


def collect_steps(steps: Iterable[StepResult]) -> GenerateResult:
    """Stack the steps of :func:`iter_generate` into a :class:`GenerateResult`."""
    steps = list(steps)
    if not steps:
        raise ValueError("collect_steps needs at least one step")
    tokens = torch.stack([s.tokens for s in steps], dim=1)
    logprobs = torch.stack([s.logprobs for s in steps], dim=1)
    active = torch.stack([s.active for s in steps], dim=1)
    lengths = active.sum(dim=1)
    finished = steps[-1].finished

    def stack(name: str) -> Tensor | None:
        values = [getattr(s, name) for s in steps]
        return None if any(v is None for v in values) else torch.stack(values, dim=1)

    return GenerateResult(
        tokens=tokens,
        logprobs=logprobs,
        lengths=lengths,
        finished=finished,
        scores=logprobs.sum(dim=1),
        top_ids=stack("top_ids"),
        top_probs=stack("top_probs"),
        top_kept=stack("top_kept"),
        aux=stack("aux"),
        state=steps[-1].state,
    )


# --------------------------------------------------------------------------------------------------
# Beam search
# --------------------------------------------------------------------------------------------------


def _stable_top(scores: Tensor, n: int) -> tuple[Tensor, Tensor]:
    """The first ``n`` columns of a stable descending sort of ``scores`` (B, M), without sorting all ``M``.

    Same result as ``torch.sort(scores, descending=True, stable=True)[:, :n]`` (ties keep index
    order), in O(M) per row instead of O(M log M): ``topk`` finds each row's ``n``-th largest value
    ``v``; every entry above ``v`` is kept, plus the lowest-index entries equal to ``v`` until ``n``
    are chosen; only those ``n`` are then sorted. Beam search calls this on ``K * V`` candidates per
    row at every step, where a full sort dominated the search's own cost.
    """
    if n >= scores.shape[-1]:
        return torch.sort(scores, dim=-1, descending=True, stable=True)
    kth = scores.topk(n, dim=-1).values[:, -1:]  # (B, 1)
    above = scores > kth
    tie = scores == kth
    room = n - above.sum(dim=-1, keepdim=True)  # how many tied entries still fit
    keep = above | (tie & (torch.cumsum(tie.int(), dim=-1) <= room))  # exactly n per row
    idx = keep.nonzero()[:, 1].view(scores.shape[0], n)  # ascending column order within each row
    vals = scores.gather(1, idx)
    order = torch.sort(vals, dim=-1, descending=True, stable=True).indices
    return vals.gather(1, order), idx.gather(1, order)


def _gather_slots(hist: Tensor, parents: Tensor) -> Tensor:
    """``hist`` (B, K, t, ...) reordered along dim 1 by ``parents`` (B, K)."""
    idx = parents.view(*parents.shape, *([1] * (hist.dim() - 2))).expand(*parents.shape, *hist.shape[2:])
    return hist.gather(1, idx)


def beam_search(
    step: StepFn,
    start_tokens: Tensor,
    state: State,
    cfg: DecodeConfig | None = None,
    eos_id: int | None = None,
    *,
    batch_dim: BatchDims = 0,
    max_len: int | None = None,
    record_top: int = 0,
) -> list[list[Hypothesis]]:
    """Batched beam search; returns, for each batch row, up to ``cfg.n_best`` hypotheses, best first.

    Algorithm (``K = cfg.beam_width``, rows flattened to ``B*K`` for one ``step`` call per position):

    1. The state is expanded to ``B*K`` rows (:func:`expand_state`); only beam 0 starts alive
       (score 0), the others at ``-inf`` so the first expansion is not duplicated.
    2. Each step scores every continuation ``s(y_1..t) = s(y_1..t-1) + log p(y_t | ...)`` (model
       log-softmax, no temperature; ``min_len``/``no_repeat_ngram`` continuations get ``-inf``) and
       ranks the ``K*V`` candidates of each row by raw cumulative log-prob (stable sort: ties go to
       the lower beam, then the lower token id).
    3. Walking the ranking: a ``</s>`` candidate ranked within the top ``K`` becomes a finished
       hypothesis (it stops growing and is kept in the row's pool with its normalised score
       ``s / lp(L)``, see :func:`length_penalty_factor`); the first ``K`` non-``</s>`` candidates
       become the next live beams. Back-pointers reorder the state (:func:`index_state`), the token
       history, the per-token log-probs and any ``aux`` outputs.
    4. A row is done once its pool holds ``n_best`` hypotheses and no live beam can still beat the
       ``n_best``-th: log-probs only decrease, so a live beam's final normalised score is at most
       ``s / max(lp(t+1), lp(max_len))`` (an exact bound, not a heuristic). At ``max_len`` the live
       beams join the pool unfinished (the max-length guard). The search stops when all rows are done.

    With ``K = 1`` and ``length_penalty = 0`` this is exactly greedy decoding (same tokens, same
    ``</s>`` handling, same constraints). With ``alpha > 0`` a width-1 search may keep extending the
    runner-up after greedy's ``</s>`` if it can still win after normalisation, which is the point of it.

    Args:
        step: ``step(tokens (N,), state) -> (logits (N, V), state[, aux (N, ...)])``.
        start_tokens: ``(B,)`` first input tokens.
        state: initial state with batch size ``B``.
        cfg: strategy (``beam_width``, ``n_best``, ``length_penalty``, ``length_norm``, ``max_len``,
            ``min_len``, ``no_repeat_ngram``); defaults to ``DecodeConfig(method="beam")``.
        eos_id: end-of-sequence id (``None``: every hypothesis runs to ``max_len``).
        batch_dim: where the batch dim is in ``state`` (see :func:`index_state`).
        max_len: overrides ``cfg.max_len``.
        record_top: also record the top-``k`` candidates (model probabilities) at each step.

    Returns:
        ``list`` over the batch of ``list[Hypothesis]`` sorted by ``score`` (descending), distinct.

    Worked example: bigram table with ``p(.|0) = [.1 .6 .3]``, ``p(.|1) = [.2 .2 .6]``,
    ``p(.|2) = [.5 .4 .1]`` (no ``</s>``), start 0, ``max_len=2``, ``K=2``: step 1 keeps ``[1]``
    (log .6) and ``[2]`` (log .3); step 2 candidates ``[1,2]`` = .36, ``[2,0]`` = .15, ``[2,1]`` =
    .12, ... so the best is ``[1, 2]`` with ``logprob = log .36``.
    """
    cfg = cfg or DecodeConfig(method="beam")
    n_steps = cfg.max_len if max_len is None else max_len
    if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 1:
        raise ValueError(f"max_len must be an int >= 1, got {n_steps!r}")
    if record_top < 0:
        raise ValueError(f"record_top must be >= 0, got {record_top}")
    if start_tokens.dim() != 1:
        raise ValueError(f"start_tokens must have shape (B,), got {tuple(start_tokens.shape)}")
    K, n_best = cfg.beam_width, cfg.n_best
    B = start_tokens.shape[0]
    N = B * K
    device = start_tokens.device

    def lp(length: int) -> float:
        return length_penalty_factor(length, cfg.length_penalty, cfg.length_norm)

    expand = torch.arange(B, device=device).repeat_interleave(K)
    state = index_state(state, expand, batch_dim)
    tokens = start_tokens.long()[expand]
    starts = start_tokens.tolist()
    beam_scores = torch.full((B, K), _NEG_INF, device=device)
    beam_scores[:, 0] = 0.0
    hist_tok = torch.zeros(B, K, 0, dtype=torch.long, device=device)
    hist_lp = torch.zeros(B, K, 0, device=device)
    hist_aux: Tensor | None = None
    hist_top: list[Tensor] | None = None  # [ids, probs, kept], each (B, K, t, k)
    pools: list[list[Hypothesis]] = [[] for _ in range(B)]
    done = [False] * B

    def make_hyp(
        b: int,
        slot: int,
        extra: tuple[int, float, Tensor | None, list[Tensor] | None] | None,
        logprob: float,
        finished: bool,
    ) -> Hypothesis:
        toks = hist_tok[b, slot].tolist()
        lps = hist_lp[b, slot].tolist()
        aux_b = hist_aux[b, slot] if hist_aux is not None else None
        top_b = [h[b, slot] for h in hist_top] if hist_top is not None else None
        if extra is not None:
            tok, tok_lp, aux_t, top_t = extra
            toks.append(tok)
            lps.append(tok_lp)
            if aux_t is not None:
                aux_b = aux_t[None] if aux_b is None else torch.cat([aux_b, aux_t[None]], dim=0)
            if top_t is not None:
                top_b = (
                    [x[None] for x in top_t]
                    if top_b is None
                    else [torch.cat([h, x[None]], dim=0) for h, x in zip(top_b, top_t)]
                )
        return Hypothesis(
            tokens=toks,
            score=logprob / lp(len(toks)),
            logprob=logprob,
            token_logprobs=lps,
            finished=finished,
            aux=aux_b,
            top_ids=top_b[0] if top_b else None,
            top_probs=top_b[1] if top_b else None,
            top_kept=top_b[2] if top_b else None,
        )

    for t in range(1, n_steps + 1):
        logits, state, aux = _call_step(step, tokens, state)
        V = logits.shape[-1]
        logp = torch.log_softmax(logits.float(), dim=-1)  # (N, V)
        live_rows = [b * K + k for b in range(B) if not done[b] for k in range(K)]
        histories = None
        if cfg.no_repeat_ngram > 0:
            flat_hist = hist_tok.view(N, -1).tolist()
            histories = [[starts[r // K], *flat_hist[r]] for r in range(N)]
        banned = _constraint_mask(histories, t - 1, (N, V), device, cfg, eos_id, live_rows)
        cand_lp = logp if banned is None else logp.masked_fill(banned, _NEG_INF)
        top_t: list[Tensor] | None = None
        if record_top:
            kk = min(record_top, V)
            top_lp, top_ids = logp.topk(kk, dim=-1)
            top_t = [top_ids, top_lp.exp(), torch.isfinite(cand_lp.gather(-1, top_ids))]

        cand = (beam_scores.view(N, 1) + cand_lp).view(B, K * V)
        n_cand = min(2 * K, K * V)
        ranked_scores, ranked_idx = _stable_top(cand, n_cand)
        ranked_scores, ranked_idx = ranked_scores.tolist(), ranked_idx.tolist()

        new_parent = torch.zeros(B, K, dtype=torch.long)
        new_tok = torch.zeros(B, K, dtype=torch.long)
        new_score = torch.full((B, K), _NEG_INF)
        for b in range(B):
            if done[b]:
                continue
            n_live = 0
            for rank, (score, idx) in enumerate(zip(ranked_scores[b], ranked_idx[b])):
                if score == _NEG_INF:
                    break
                parent, tok = divmod(idx, V)
                if eos_id is not None and tok == eos_id:
                    if rank < K:
                        r = b * K + parent
                        extra = (
                            tok,
                            float(logp[r, tok]),
                            aux[r] if aux is not None else None,
                            [x[r] for x in top_t] if top_t is not None else None,
                        )
                        pools[b].append(make_hyp(b, parent, extra, score, finished=True))
                    continue
                new_parent[b, n_live], new_tok[b, n_live], new_score[b, n_live] = parent, tok, score
                n_live += 1
                if n_live == K:
                    break

        new_parent, new_tok, new_score = new_parent.to(device), new_tok.to(device), new_score.to(device)
        flat_parent = (torch.arange(B, device=device)[:, None] * K + new_parent).view(N)
        chosen_lp = logp[flat_parent, new_tok.view(N)].view(B, K, 1)
        hist_tok = torch.cat([_gather_slots(hist_tok, new_parent), new_tok[..., None]], dim=2)
        hist_lp = torch.cat([_gather_slots(hist_lp, new_parent), chosen_lp], dim=2)
        if aux is not None:
            aux_t = aux[flat_parent].view(B, K, 1, *aux.shape[1:])
            hist_aux = (
                aux_t if hist_aux is None else torch.cat([_gather_slots(hist_aux, new_parent), aux_t], 2)
            )
        if top_t is not None:
            step_top = [x[flat_parent].view(B, K, 1, -1) for x in top_t]
            hist_top = (
                step_top
                if hist_top is None
                else [torch.cat([_gather_slots(h, new_parent), s], dim=2) for h, s in zip(hist_top, step_top)]
            )
        state = index_state(state, flat_parent, batch_dim)
        tokens = new_tok.view(N)
        beam_scores = new_score

        scores_list = new_score.tolist()
        for b in range(B):
            if done[b]:
                continue
            best_live = scores_list[b][0]
            if t == n_steps or best_live == _NEG_INF:
                for k in range(K):
                    if scores_list[b][k] != _NEG_INF:
                        pools[b].append(make_hyp(b, k, None, scores_list[b][k], finished=False))
                done[b] = True
            elif len(pools[b]) >= n_best:
                nth = sorted((h.score for h in pools[b]), reverse=True)[n_best - 1]
                bound = best_live / max(lp(t + 1), lp(n_steps))
                done[b] = bound <= nth
        if all(done):
            break

    return [sorted(pool, key=lambda h: h.score, reverse=True)[:n_best] for pool in pools]


# --------------------------------------------------------------------------------------------------
# One-call entry point
# --------------------------------------------------------------------------------------------------


def _from_hypotheses(hyps: list[list[Hypothesis]], pad: int, device: torch.device) -> GenerateResult:
    B = len(hyps)
    best = [h[0] if h else None for h in hyps]
    T = max([len(h.tokens) for h in best if h is not None], default=0)
    tokens = torch.full((B, T), pad, dtype=torch.long)
    logprobs = torch.zeros(B, T)
    lengths = torch.zeros(B, dtype=torch.long)
    finished = torch.zeros(B, dtype=torch.bool)
    scores = torch.full((B,), _NEG_INF)
    for b, h in enumerate(best):
        if h is None:
            continue
        n = len(h.tokens)
        tokens[b, :n] = torch.tensor(h.tokens, dtype=torch.long)
        logprobs[b, :n] = torch.tensor(h.token_logprobs)
        lengths[b], finished[b], scores[b] = n, h.finished, h.score

    def pad_stack(name: str) -> Tensor | None:
        values = [getattr(h, name) if h is not None else None for h in best]
        ref = next((v for v in values if v is not None), None)
        if ref is None or any(v is None for v, h in zip(values, best) if h is not None):
            return None
        out = torch.zeros(B, T, *ref.shape[1:], dtype=ref.dtype, device=ref.device)
        for b, v in enumerate(values):
            if v is not None:
                out[b, : v.shape[0]] = v
        return out

    return GenerateResult(
        tokens=tokens.to(device),
        logprobs=logprobs.to(device),
        lengths=lengths.to(device),
        finished=finished.to(device),
        scores=scores.to(device),
        top_ids=pad_stack("top_ids"),
        top_probs=pad_stack("top_probs"),
        top_kept=pad_stack("top_kept"),
        aux=pad_stack("aux"),
        state=None,
        hypotheses=hyps,
    )


def generate(
    step: StepFn,
    start_tokens: Tensor,
    state: State,
    cfg: DecodeConfig | None = None,
    *,
    eos_id: int | None = None,
    max_new_tokens: int | None = None,
    generator: torch.Generator | None = None,
    record_top: int = 0,
    pad_id: int | None = None,
    batch_dim: BatchDims = 0,
) -> GenerateResult:
    """Decode with any method and return a padded batch :class:`GenerateResult`.

    ``greedy`` / ``sample`` collect :func:`iter_generate`; ``beam`` runs :func:`beam_search` and
    returns each row's best hypothesis (all n-best in ``result.hypotheses``). ``batch_dim`` is only
    needed for beam search (state reordering); ``generator`` only for sampling.

    Example::

        >>> table = torch.log(torch.tensor([[0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.5, 0.4, 0.1]]))
        >>> step = lambda tok, state: (table[tok], state)
        >>> g = torch.Generator().manual_seed(0)
        >>> r = generate(step, torch.tensor([0, 0]), None, DecodeConfig("sample", top_k=2, max_len=5),
        ...              generator=g, record_top=3)
        >>> r.tokens.shape, r.top_probs.shape
        (torch.Size([2, 5]), torch.Size([2, 5, 3]))
    """
    cfg = cfg or DecodeConfig()
    if cfg.method == "beam":
        hyps = beam_search(
            step,
            start_tokens,
            state,
            cfg,
            eos_id,
            batch_dim=batch_dim,
            max_len=max_new_tokens,
            record_top=record_top,
        )
        pad = pad_id if pad_id is not None else (eos_id if eos_id is not None else 0)
        return _from_hypotheses(hyps, pad, start_tokens.device)
    steps = iter_generate(
        step,
        start_tokens,
        state,
        cfg,
        eos_id=eos_id,
        max_new_tokens=max_new_tokens,
        generator=generator,
        record_top=record_top,
        pad_id=pad_id,
    )
    return collect_steps(steps)
