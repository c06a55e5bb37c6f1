"""Greedy and sampled decoding as a stream of steps: what a page shows while the text is being written.

At each position ``t``: ``z = step(previous tokens, state)`` (B, V); forbidden tokens get ``-inf``
(:mod:`~engine.decoding.constraints`); greedy takes ``argmax z``, sampling draws from
``softmax(filter_logits(z / T, top_k, top_p))``. Each position is one :class:`StepResult`, yielded as
soon as it is known, so a UI can print it at once (:func:`iter_text`) and keep the steps to build
the full :class:`GenerateResult` afterwards (:func:`collect_steps`).

Example (a toy bigram "model" whose state is unused; token 0 is ``</s>``)::

    >>> table = torch.log(torch.tensor([[0.1, 0.6, 0.3], [0.1, 0.2, 0.7], [0.8, 0.1, 0.1]]))
    >>> step = lambda tok, state: (table[tok], state)
    >>> steps = []
    >>> "".join(iter_text(iter_generate(step, torch.tensor([1]), None, eos_id=0), "_ab".__getitem__,
    ...                   eos_id=0, record=steps))
    'b'
    >>> collect_steps(steps).tokens.tolist()       # the </s> is kept in the result, not in the text
    [[2, 0]]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator

import torch
from torch import Tensor

from engine.decoding.config import DecodeConfig
from engine.decoding.constraints import constraint_mask
from engine.decoding.results import GenerateResult, StepResult
from engine.decoding.sampling import choose
from engine.decoding.state import State
from engine.decoding.step import StepFn, call_step, check_run, top_candidates
from engine.nogil import nogil

__all__ = ["collect_steps", "iter_generate", "iter_text"]


def iter_generate(step: StepFn, start_tokens: Tensor, state: State, cfg: DecodeConfig | None = None, *,
                  eos_id: int | None = None, max_new_tokens: int | None = None,
                  generator: torch.Generator | None = None, record_top: int = 0,
                  pad_id: int | None = None) -> Iterator[StepResult]:
    """Greedy or sampled decoding, one :class:`StepResult` per generated position (lazy).

    At each step: ``z = step(prev_tokens, state)``; hard constraints (``min_len``,
    ``no_repeat_ngram``) set forbidden logits to ``-inf``; then greedy takes ``argmax z`` and
    sampling draws from ``softmax(filter_logits(z / T, top_k, top_p))``. Stops after ``max_len``
    (or ``max_new_tokens``) steps or once every row has emitted ``eos_id``.

    Use it to stream output (see :func:`iter_text`); :func:`~engine.decoding.generate` /
    :func:`collect_steps` gather the steps into one :class:`GenerateResult`.

    Args:
        step: the model's step callable (see :mod:`engine.decoding.step`).
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
        raise ValueError("iter_generate streams greedy/sample decoding; use beam_search() or generate() for beam")
    n_steps = cfg.max_len if max_new_tokens is None else max_new_tokens
    check_run(start_tokens, n_steps, record_top, "max_new_tokens")
    # the checks above run now; the loop below only when the caller starts iterating
    return _iter_generate(step, start_tokens.long(), state, cfg, eos_id, n_steps, generator, record_top, pad_id)


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
    active = torch.ones(tokens.shape[0], dtype=torch.bool, device=device)  # (B,) rows still generating
    greedy = cfg.is_greedy
    temperature = 1.0 if greedy else float(cfg.temperature)
    histories = [[t] for t in tokens.tolist()] if cfg.no_repeat_ngram > 0 else None
    for t in range(n_steps):
        logits, state, aux = call_step(step, tokens, state)  # (B, V)
        banned = constraint_mask(histories, t, tuple(logits.shape), device, cfg, eos_id)  # type: ignore[arg-type]
        was_active = active
        choice, chosen_lp, active, finished, top_ids, top_probs, top_kept = pick(
            logits, banned, active, temperature, greedy, cfg.top_k, cfg.top_p, generator, eos_id, pad, record_top)
        if histories is not None:
            for r, tok in enumerate(choice.tolist()):
                histories[r].append(tok)
        yield StepResult(t, choice, chosen_lp, was_active, finished, top_ids=top_ids, top_probs=top_probs,
                         top_kept=top_kept, aux=aux, state=state)
        if eos_id is not None and not bool(active.any()):
            return
        tokens = choice


@nogil
def pick(logits: Tensor, banned: Tensor | None, active: Tensor, temperature: float, greedy: bool,
         top_k: int | None, top_p: float | None, generator: torch.Generator | None, eos_id: int | None, pad: int,
         record_top: int) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor | None, Tensor | None, Tensor | None]:
    """One position of :func:`iter_generate` after the model's step: choose each row's token.

    ``logits`` (B, V) → ``(tokens, their log-probabilities, rows still active, rows finished, top ids,
    top probs, top kept)``, each (B,) or (B, record_top). The log-probabilities are the model's at the
    temperature, before truncation and constraints; ``banned`` (B, V) marks forbidden tokens (a row
    whose every token is banned keeps them all). Rows already finished (``active`` False) write ``pad``.
    One compiled call per position (:mod:`engine.nogil`): a page generating next to other visitors waits
    for the GIL once per character, not once per tensor operation.
    """
    z = logits.float()  # (B, V)
    if temperature != 1.0:
        z = z / temperature
    logp = torch.log_softmax(z, dim=-1)  # (B, V)
    if banned is not None:
        all_banned = banned.all(dim=-1, keepdim=True)  # never leave a row with nothing to choose
        z = z.masked_fill(banned & ~all_banned, -math.inf)
    choice, filtered = choose(z, greedy, top_k, top_p, generator)  # (B,), (B, V)
    if eos_id is None:  # no row ever finishes
        chosen_lp = logp.gather(-1, choice.unsqueeze(-1)).squeeze(-1)  # (B,)
        finished = torch.zeros_like(active)
    else:
        choice = torch.where(active, choice, torch.full_like(choice, pad))
        chosen_lp = torch.where(active, logp.gather(-1, choice.unsqueeze(-1)).squeeze(-1), torch.zeros_like(z[:, 0]))
        active = active & (choice != eos_id)
        finished = ~active
    top_ids: Tensor | None = None
    top_probs: Tensor | None = None
    top_kept: Tensor | None = None
    if record_top > 0:
        top_ids, top_probs, top_kept = top_candidates(logp, filtered, record_top)  # (B, k) each
    return choice, chosen_lp, active, finished, top_ids, top_probs, top_kept


def iter_text(
    steps: Iterable[StepResult],
    id_to_text: Callable[[int], str],
    row: int = 0,
    eos_id: int | None = None,
    record: list[StepResult] | None = None,
) -> Iterator[str]:
    """The text of batch row ``row``, one token's piece at a time: what ``st.write_stream`` consumes.

    Yields ``id_to_text(token)`` for each token of row ``row`` while that row is active (``</s>``
    itself is not yielded). Every :class:`StepResult` is appended to ``record`` (if given) so the
    caller can build the full result afterwards with :func:`collect_steps`::

        steps: list[StepResult] = []
        st.write_stream(iter_text(iter_generate(step, start, h, cfg, eos_id=eos), itos.__getitem__,
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


def collect_steps(steps: Iterable[StepResult]) -> GenerateResult:
    """Stack the steps of :func:`iter_generate` into a :class:`GenerateResult` (``T`` = number of steps)."""
    steps = list(steps)
    if not steps:
        raise ValueError("collect_steps needs at least one step")
    tokens = torch.stack([s.tokens for s in steps], dim=1)  # (B, T)
    logprobs = torch.stack([s.logprobs for s in steps], dim=1)  # (B, T)
    active = torch.stack([s.active for s in steps], dim=1)  # (B, T)

    def stack(name: str) -> Tensor | None:
        values = [getattr(s, name) for s in steps]
        return None if any(v is None for v in values) else torch.stack(values, dim=1)  # (B, T, ...)

    return GenerateResult(
        tokens=tokens,
        logprobs=logprobs,
        lengths=active.sum(dim=1),
        finished=steps[-1].finished,
        scores=logprobs.sum(dim=1),
        top_ids=stack("top_ids"),
        top_probs=stack("top_probs"),
        top_kept=stack("top_kept"),
        aux=stack("aux"),
        state=steps[-1].state,
    )
