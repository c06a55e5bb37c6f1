"""The one-call entry point: :func:`generate` decodes with any method into a padded :class:`GenerateResult`."""

from __future__ import annotations

import torch
from torch import Tensor

from engine.decoding.beam import beam_search
from engine.decoding.config import DecodeConfig
from engine.decoding.results import GenerateResult, Hypothesis
from engine.decoding.sampling import NEG_INF
from engine.decoding.state import BatchDims, State
from engine.decoding.step import StepFn
from engine.decoding.stream import collect_steps, iter_generate

__all__ = ["generate"]


def generate(step: StepFn, start_tokens: Tensor, state: State, cfg: DecodeConfig | None = None, *,
             eos_id: int | None = None, max_new_tokens: int | None = None, generator: torch.Generator | None = None,
             record_top: int = 0, pad_id: int | None = None, batch_dim: BatchDims = 0) -> GenerateResult:
    """Decode with any method and return a padded batch :class:`GenerateResult`.

    ``greedy`` / ``sample`` collect :func:`~engine.decoding.iter_generate`; ``beam`` runs
    :func:`~engine.decoding.beam_search` and returns each row's best hypothesis (all n-best in
    ``result.hypotheses``). ``batch_dim`` is only needed for beam search (state reordering);
    ``generator`` only for sampling.

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
        hyps = beam_search(step, start_tokens, state, cfg, eos_id, batch_dim=batch_dim, max_len=max_new_tokens,
                           record_top=record_top)
        pad = pad_id if pad_id is not None else (eos_id if eos_id is not None else 0)
        return _from_hypotheses(hyps, pad, start_tokens.device)
    steps = iter_generate(step, start_tokens, state, cfg, eos_id=eos_id, max_new_tokens=max_new_tokens,
                          generator=generator, record_top=record_top, pad_id=pad_id)
    return collect_steps(steps)


def _from_hypotheses(hyps: list[list[Hypothesis]], pad: int, device: torch.device) -> GenerateResult:
    """Each row's best hypothesis, padded to the longest (``T``) and stacked: ``(B, T, ...)`` tensors."""
    B = len(hyps)
    best = [h[0] if h else None for h in hyps]
    T = max([len(h.tokens) for h in best if h is not None], default=0)
    tokens = torch.full((B, T), pad, dtype=torch.long)
    logprobs = torch.zeros(B, T)
    lengths = torch.zeros(B, dtype=torch.long)
    finished = torch.zeros(B, dtype=torch.bool)
    scores = torch.full((B,), NEG_INF)
    for b, h in enumerate(best):
        if h is None:
            continue
        n = len(h.tokens)
        tokens[b, :n] = torch.tensor(h.tokens, dtype=torch.long)
        logprobs[b, :n] = torch.tensor(h.token_logprobs)
        lengths[b], finished[b], scores[b] = n, h.finished, h.score

    def pad_stack(name: str) -> Tensor | None:
        values = [getattr(h, name) if h is not None else None for h in best]  # (L_b, ...) each
        ref = next((v for v in values if v is not None), None)
        if ref is None or any(v is None for v, h in zip(values, best) if h is not None):
            return None
        out = torch.zeros(B, T, *ref.shape[1:], dtype=ref.dtype, device=ref.device)  # (B, T, ...)
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
