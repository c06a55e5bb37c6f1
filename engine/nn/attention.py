"""Attention over encoder states: the score functions of the lecture.

At decoder step ``t`` the decoder state ``h_t`` (the *query*) is compared with every encoder state
``h̄_s`` (the *memory*, one vector per source position ``s``) by a **score function**; a softmax
over source positions turns the scores into **attention weights** ``α_t`` (non-negative, summing to
1), and the **context vector** is the weighted average of the encoder states::

    e_ts = score(h_t, h̄_s)                 # (B, S)
    α_t  = softmax_s(e_t)                  # (B, S), padding positions get exactly 0
    c_t  = Σ_s α_ts h̄_s                    # (B, D)

Score functions (Luong, Pham & Manning 2015, "Effective approaches to attention-based NMT"):

* ``dot`` (multiplicative):   ``score = h_tᵀ h̄_s`` (no parameters; needs equal sizes);
* ``general`` (multiplicative): ``score = h_tᵀ W_a h̄_s``;
* ``additive`` (Bahdanau, Cho & Bengio 2015, "concat" in Luong): ``score = v_aᵀ tanh(W_a h_t + U_a h̄_s)``.

The part of the score that depends only on the memory (``W_a h̄_s`` or ``U_a h̄_s``, the *keys*) is
computed once per source sentence by :meth:`Attention.keys` and reused at every decoder step.

Beam search asks for ``K`` queries per source sentence: :meth:`Attention.forward` takes queries of
shape ``(B, K, H)`` against one memory ``(B, S, D)``, so the memory is never copied per beam.
"""

from __future__ import annotations

import torch
import torch.nn as nn

__all__ = ["SCORES", "Attention"]

SCORES = ("dot", "general", "additive")


class Attention(nn.Module):
    """Global attention with a selectable score function (``dot``, ``general``, ``additive``).

    Args:
        score: score function name.
        query_dim: size of the decoder state ``h_t``.
        memory_dim: size of an encoder state ``h̄_s`` (``2 * hidden`` for a bidirectional encoder).
        attn_dim: hidden size of the additive score's ``tanh`` layer (``additive`` only).
    """

    def __init__(self, score: str, query_dim: int, memory_dim: int, attn_dim: int = 256):
        super().__init__()
        if score not in SCORES:
            raise ValueError(f"attention score must be one of {SCORES}, got {score!r}")
        if score == "dot" and query_dim != memory_dim:
            raise ValueError(f"dot attention needs decoder size == encoder output size, got {query_dim} and "
                             f"{memory_dim} (use 'general', or make dec_hidden = enc_hidden x directions)")
        self.score = score
        if score == "general":
            self.W_a = nn.Linear(memory_dim, query_dim, bias=False)  # h_tᵀ (W_a h̄_s)
        elif score == "additive":
            self.U_a = nn.Linear(memory_dim, attn_dim, bias=False)  # U_a h̄_s: precomputed keys
            self.W_a = nn.Linear(query_dim, attn_dim, bias=True)  # W_a h_t (+ bias)
            self.v_a = nn.Linear(attn_dim, 1, bias=False)  # v_aᵀ tanh(.)

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
                mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Context vectors and attention weights.

        Args:
            query: ``(B, K, H)`` decoder states (``K = 1`` in training, the beam width in beam search).
            keys: ``(B, S, ·)`` from :meth:`keys`.
            memory: ``(B, S, D)`` encoder states ``h̄_s``.
            mask: ``(B, S)`` True at real source positions, False at padding.

        Returns:
            ``context (B, K, D)`` and ``alpha (B, K, S)``; ``alpha`` sums to 1 over ``S`` and is exactly
            0 at padding positions.
        """
        e = self.scores(query, keys).float()  # (B, K, S)
        e = e.masked_fill(~mask[:, None, :], float("-inf"))
        alpha = torch.softmax(e, dim=-1).to(memory.dtype)  # (B, K, S)
        context = torch.bmm(alpha, memory)  # (B, K, D)
        return context, alpha
