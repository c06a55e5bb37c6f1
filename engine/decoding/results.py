"""What decoding returns: one :class:`StepResult` per streamed step, a beam :class:`Hypothesis`, and the
padded batch :class:`GenerateResult` that every method ends in.

A :class:`GenerateResult` is its steps stacked along a new position dimension ``T``: the tokens and
log-probs of every step, and the same optional records (:class:`Recorded`) with shape ``(B, T, ...)``
where a step has ``(B, ...)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import Tensor

from engine.decoding.state import State

__all__ = ["GenerateResult", "Hypothesis", "Recorded", "StepResult"]


@dataclass(kw_only=True)
class Recorded:
    """What decoding may record beside the tokens, shared by :class:`StepResult` and :class:`GenerateResult`.

    Shapes are those of one step, ``(B, ...)``; a :class:`GenerateResult` stacks them over the
    ``T`` positions, ``(B, T, ...)`` (zeros on padding).

    Attributes:
        top_ids, top_probs: ``(B, k)`` the ``k = record_top`` most likely candidates and their
            probabilities under the same distribution as the chosen tokens' log-probs (``None`` if
            not recorded).
        top_kept: ``(B, k)`` whether each candidate survived top-k / top-p / constraints, i.e. could
            have been chosen.
        aux: ``(B, ...)`` the step's auxiliary output, if ``step`` returned one (e.g. attention weights).
        state: the state after the last step (it has consumed the *previous* token; continue decoding
            with ``step(tokens, state)``); ``None`` for beam search, whose beams each have their own.
    """

    top_ids: Tensor | None = None
    top_probs: Tensor | None = None
    top_kept: Tensor | None = None
    aux: Tensor | None = None
    state: State = None


@dataclass
class StepResult(Recorded):
    """One decoding step of :func:`~engine.decoding.iter_generate` (all tensors have batch size ``B``).

    Attributes:
        index: 0-based output position.
        tokens: ``(B,)`` chosen tokens; rows that had already finished get ``pad_id``.
        logprobs: ``(B,)`` ``log p(token)`` under the model's distribution after temperature
            (``softmax(z / T)``, ``T = 1`` for greedy), before top-k / top-p / constraints; 0 for
            rows that had already finished.
        active: ``(B,)`` True for rows that were still generating (their token is real).
        finished: ``(B,)`` True for rows finished after this step (emitted ``</s>`` now or earlier).

    and, by keyword, the optional records of :class:`Recorded`.
    """

    index: int
    tokens: Tensor
    logprobs: Tensor
    active: Tensor
    finished: Tensor


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
class GenerateResult(Recorded):
    """Output of :func:`~engine.decoding.generate` / :func:`~engine.decoding.collect_steps` for ``B`` rows.

    Attributes:
        tokens: ``(B, T)`` generated ids (start token excluded). A finished row's ``</s>`` is at
            position ``lengths[b] - 1``; positions after it hold ``pad_id``.
        logprobs: ``(B, T)`` log-probs of the chosen tokens (0 on padding). For sampling they are under
            the tempered model distribution ``softmax(z/T)`` before truncation.
        lengths: ``(B,)`` number of real tokens per row (``</s>`` included).
        finished: ``(B,)`` whether the row ended with ``</s>``.
        scores: ``(B,)`` sum of log-probs (greedy/sample) or the normalised beam score (beam).
        hypotheses: beam only: the n-best :class:`Hypothesis` list per row.

    and, by keyword, the records of :class:`Recorded` stacked over the positions: ``top_ids``,
    ``top_probs``, ``top_kept`` ``(B, T, k)``, ``aux`` ``(B, T, ...)``, the final ``state``.
    """

    tokens: Tensor
    logprobs: Tensor
    lengths: Tensor
    finished: Tensor
    scores: Tensor
    hypotheses: list[list[Hypothesis]] | None = field(default=None)

    def sequences(self) -> list[list[int]]:
        """Per-row token lists without padding (``</s>`` kept if present)."""
        return [row[:n].tolist() for row, n in zip(self.tokens, self.lengths.tolist())]
