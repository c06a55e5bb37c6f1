"""Attention over a memory of vectors: the score functions of the lecture, for translation and captioning.

At decoder step ``t`` the decoder state ``h_t`` (the *query*) is compared with every memory vector
``h̄_s`` (one per source position ``s`` in translation; one per image region ``a_i`` in captioning)
by a **score function**; a softmax over the memory turns the scores into **attention weights**
``α_t`` (non-negative, summing to 1), and the **context vector** is the weighted average of the
memory::

    e_ts = score(h_t, h̄_s)                 # (B, S)
    α_t  = softmax_s(e_t)                  # (B, S), padding positions get exactly 0
    c_t  = Σ_s α_ts h̄_s                    # (B, D)

Score functions (Luong, Pham & Manning 2015, "Effective approaches to attention-based NMT"):

* ``dot`` (multiplicative):   ``score = h_tᵀ h̄_s`` (no parameters; needs equal sizes);
* ``general`` (multiplicative): ``score = h_tᵀ W_a h̄_s``;
* ``additive`` (Bahdanau, Cho & Bengio 2015, "concat" in Luong): ``score = v_aᵀ tanh(W_a h_t + U_a h̄_s)``.

The part of the score that depends only on the memory (``W_a h̄_s`` or ``U_a h̄_s``, the *keys*) is
computed once per source sentence (or image) by :meth:`Attention.keys` and reused at every decoder step.

**Gate** (``gate=True``; Xu et al. 2015, "Show, Attend and Tell", section 4.2.1): a gating scalar
``β_t = σ(f_β(h_t))`` scales the context, ``c_t = β_t Σ_s α_ts h̄_s``, so a captioner can look away
from the image for words like "a" or "of" (``β_t`` near 0). The captioner of
:mod:`engine.captioning.model` uses ``additive`` with ``bias=True`` (the paper's attention MLP
``f_att`` has a bias in every layer) and the gate; the translator of :mod:`engine.seq2seq.model` uses
any score without the gate.

Beam search asks for ``K`` queries per source sentence: :meth:`Attention.forward` takes queries of
shape ``(B, K, H)`` against one memory ``(B, S, D)``, so the memory is never copied per beam.

Example (one image of ``S = 4`` regions, one query)::

    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> att = Attention("additive", query_dim=3, memory_dim=2, attn_dim=5, bias=True, gate=True)
    >>> memory = torch.randn(1, 4, 2)                                     # (B, S, D)
    >>> context, alpha, beta = att(torch.randn(1, 1, 3), att.keys(memory), memory)
    >>> tuple(context.shape), tuple(alpha.shape), tuple(beta.shape)      # (B, K, D), (B, K, S), (B, K, 1)
    ((1, 1, 2), (1, 1, 4), (1, 1, 1))
    >>> round(alpha.sum().item(), 6), 0 < beta.item() < 1
    (1.0, True)
"""

from __future__ import annotations

import torch
import torch.nn as nn

__all__ = ["SCORES", "Attention"]

SCORES = ("dot", "general", "additive")


class Attention(nn.Module):
    """Global attention with a selectable score function (``dot``, ``general``, ``additive``) and optional gate.

    Args:
        score: score function name.
        query_dim: size of the decoder state ``h_t``.
        memory_dim: size of a memory vector ``h̄_s`` (``2 * hidden`` for a bidirectional encoder, the
            projected region size for a captioner).
        attn_dim: hidden size of the additive score's ``tanh`` layer (``additive`` only).
        bias: ``additive`` only: give ``U_a`` and ``v_a`` a bias too, as in Show, Attend and Tell's
            ``f_att`` (``W_a`` always has one). Neither changes ``α``: the bias of ``U_a`` adds to that of
            ``W_a`` and the bias of ``v_a`` shifts every score by the same amount, which the softmax
            ignores; the captioner has them because its shipped weights do.
        gate: scale the context by ``β_t = σ(f_β(h_t))`` (Show, Attend and Tell's gating scalar).
    """

    def __init__(self, score: str, query_dim: int, memory_dim: int, attn_dim: int = 256, bias: bool = False,
                 gate: bool = False):
        super().__init__()
        if score not in SCORES:
            raise ValueError(f"attention score must be one of {SCORES}, got {score!r}")
        if score == "dot" and query_dim != memory_dim:
            raise ValueError(f"dot attention needs decoder size == encoder output size, got {query_dim} and "
                             f"{memory_dim} (use 'general', or make dec_hidden = enc_hidden x directions)")
        if bias and score != "additive":
            raise ValueError(f"bias=True is for the additive score only, got {score!r}")
        self.score = score
        if score == "general":
            self.W_a = nn.Linear(memory_dim, query_dim, bias=False)  # h_tᵀ (W_a h̄_s)
        elif score == "additive":
            self.U_a = nn.Linear(memory_dim, attn_dim, bias=bias)  # U_a h̄_s: precomputed keys
            self.W_a = nn.Linear(query_dim, attn_dim, bias=True)  # W_a h_t (+ bias)
            self.v_a = nn.Linear(attn_dim, 1, bias=bias)  # v_aᵀ tanh(.)
        self.f_beta = nn.Linear(query_dim, 1) if gate else None  # β_t = σ(f_β(h_t))

    def keys(self, memory: torch.Tensor) -> torch.Tensor:
        """The memory-only part of the score: ``(B, S, D) -> (B, S, K)`` (computed once per sentence)."""
        if self.score == "dot":
            return memory
        if self.score == "general":
            return self.W_a(memory)  # (B, S, H)
        return self.U_a(memory)  # (B, S, A)

    def scores(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """``e = score(h_t, h̄_s)`` for queries ``(B, K, H)`` and keys ``(B, S, ·)`` -> ``(B, K, S)``."""
        if self.score == "additive":
            hidden = torch.tanh(self.W_a(query)[:, :, None, :] + keys[:, None, :, :])  # (B, K, S, A)
            return self.v_a(hidden).squeeze(-1)  # (B, K, S)
        return torch.bmm(query, keys.transpose(1, 2))  # (B, K, S)

    def forward(self, query: torch.Tensor, keys: torch.Tensor, memory: torch.Tensor,
                mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Context vectors, attention weights and gate.

        Args:
            query: ``(B, K, H)`` decoder states (``K = 1`` in training, the beam width in beam search).
            keys: ``(B, S, ·)`` from :meth:`keys`.
            memory: ``(B, S, D)`` memory vectors ``h̄_s``.
            mask: ``(B, S)`` True at real source positions, False at padding (``None``: no padding,
                e.g. the regions of an image).

        Returns:
            ``context (B, K, D)``, ``alpha (B, K, S)`` and ``beta (B, K, 1)`` (``None`` without the gate);
            ``alpha`` sums to 1 over ``S`` and is exactly 0 at padding positions.
        """
        e = self.scores(query, keys).float()  # (B, K, S), softmax in float32 even for a half-precision model
        if mask is not None:
            e = e.masked_fill(~mask[:, None, :], float("-inf"))
        alpha = torch.softmax(e, dim=-1).to(memory.dtype)  # (B, K, S)
        context = torch.bmm(alpha, memory)  # (B, K, D)
        beta = None
        if self.f_beta is not None:
            beta = torch.sigmoid(self.f_beta(query))  # (B, K, 1)
            context = beta * context  # c_t = β_t Σ_s α_ts h̄_s
        return context, alpha, beta
