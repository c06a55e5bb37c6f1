"""The one interface every generator exposes to decoding: a *step* that consumes one token per row.

::

    step(tokens: LongTensor (B,), state) -> (logits (B, V), new_state)
                                          | (logits (B, V), new_state, aux (B, ...))

``aux`` is an optional per-step output carried along with the tokens, e.g. the translator's
attention weights. The helpers here call a step and check what it returned, check the arguments
every decoding loop shares, and record the candidates the model considered at a step.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor

from engine.decoding.state import State

__all__ = ["StepFn", "call_step", "check_run", "top_candidates"]

#: ``step(tokens (B,), state) -> (logits (B, V), state)`` or ``(logits, state, aux (B, ...))``.
StepFn = Callable[[Tensor, State], tuple]


def call_step(step: StepFn, tokens: Tensor, state: State) -> tuple[Tensor, State, Tensor | None]:
    """``step(tokens, state)`` as ``(logits (B, V), state, aux or None)``, its output shape checked."""
    out = step(tokens, state)
    if not isinstance(out, (tuple, list)) or len(out) not in (2, 3):
        raise ValueError("step must return (logits, state) or (logits, state, aux)")
    logits, new_state = out[0], out[1]
    aux = out[2] if len(out) == 3 else None
    if logits.dim() != 2 or logits.shape[0] != tokens.shape[0]:
        raise ValueError(f"step returned logits of shape {tuple(logits.shape)}; expected ({tokens.shape[0]}, V)")
    return logits, new_state, aux


def check_run(start_tokens: Tensor, n_steps: object, record_top: int, n_steps_name: str) -> None:
    """Raise ``ValueError`` unless ``start_tokens`` is ``(B,)``, ``n_steps >= 1`` and ``record_top >= 0``."""
    if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 1:
        raise ValueError(f"{n_steps_name} must be an int >= 1, got {n_steps!r}")
    if record_top < 0:
        raise ValueError(f"record_top must be >= 0, got {record_top}")
    if start_tokens.dim() != 1:
        raise ValueError(f"start_tokens must have shape (B,), got {tuple(start_tokens.shape)}")


def top_candidates(logp: Tensor, allowed: Tensor, k: int) -> tuple[Tensor, Tensor, Tensor]:
    """The ``k`` most likely next tokens of each row: ``(ids, probs, kept)``, each ``(B, k)``.

    ``logp`` (B, V) are the model's log-probabilities; ``allowed`` (B, V) the scores after
    truncation and constraints, where ``-inf`` marks a token that could not have been chosen.
    """
    top_lp, ids = logp.topk(min(k, logp.shape[-1]), dim=-1)  # (B, k)
    return ids, top_lp.exp(), allowed.gather(-1, ids).isfinite()
