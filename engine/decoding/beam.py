"""Beam search: keep the ``K`` best partial outputs of every row instead of committing to one token.

Greedy decoding takes the most likely token at every step and can never undo it; a prefix that
looks worse now may lead to a better sentence. Beam search keeps ``K = beam_width`` *beams*
(partial outputs) per batch row, extends each by every token of the vocabulary, and keeps the ``K``
best extensions by cumulative log-probability ``s(y_1..t) = s(y_1..t-1) + log p(y_t | y_<t)``.
A beam that emits ``</s>`` becomes a finished *hypothesis*; outputs are ranked by the length-
normalised score ``s / lp(L)`` (:func:`~engine.decoding.length_penalty_factor`).

All ``B*K`` beams run through the model together: the state has ``N = B*K`` rows, row ``b*K + k``
being beam ``k`` of batch row ``b``, and after every step each row's state is replaced by its
parent's (:func:`~engine.decoding.index_state` with the back-pointers).

Example: where greedy fails. From token 0 greedy takes 1 (p .6) and then at best 0 (p .4): .24
in all. Beam search (``K = 2``) also keeps 2 (p .3), which is followed by 2 with p .9: .27::

    >>> table = torch.log(torch.tensor([[0.1, 0.6, 0.3], [0.4, 0.3, 0.3], [0.05, 0.05, 0.9]]))
    >>> step = lambda tok, state: (table[tok], state)
    >>> hyp = beam_search(step, torch.tensor([0]), None, DecodeConfig("beam", beam_width=2, max_len=2))[0][0]
    >>> hyp.tokens, round(hyp.logprob, 3)      # log .27; greedy's [1, 0] has log .24 = -1.427
    ([2, 2], -1.309)
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from engine.decoding.config import DecodeConfig
from engine.decoding.constraints import constraint_mask
from engine.decoding.results import Hypothesis
from engine.decoding.sampling import NEG_INF
from engine.decoding.state import BatchDims, State, index_state
from engine.decoding.step import StepFn, call_step, check_run, top_candidates

__all__ = ["beam_search"]


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

    Algorithm (``K = cfg.beam_width``, rows flattened to ``N = B*K`` for one ``step`` call per position):

    0. The state is expanded to ``B*K`` rows; only beam 0 starts alive (score 0), the others at
       ``-inf`` so the first expansion is not duplicated.
    1. Expand: one ``step`` call gives ``log p(y_t | beam)`` for every beam and token (model
       log-softmax, no temperature).
    2. Score: every continuation scores ``s(y_1..t) = s(y_1..t-1) + log p(y_t | ...)``;
       ``min_len``/``no_repeat_ngram`` continuations get ``-inf``.
    3. Pick: the ``K*V`` candidates of each row are ranked by raw cumulative log-prob (stable sort:
       ties go to the lower beam, then the lower token id). Walking the ranking, a ``</s>`` candidate
       ranked within the top ``K`` becomes a finished hypothesis (it stops growing and is kept in the
       row's pool with its normalised score ``s / lp(L)``); the first ``K`` non-``</s>`` candidates
       become the next live beams.
    4. Finish: a row is done once its pool holds ``n_best`` hypotheses and no live beam can still
       beat the ``n_best``-th: log-probs only decrease, so a live beam's final normalised score is at
       most ``s / max(lp(t+1), lp(max_len))`` (an exact bound, not a heuristic). At ``max_len`` the
       live beams join the pool unfinished (the max-length guard). The search stops when all rows are done.
    5. Reorder: back-pointers reorder the state (:func:`~engine.decoding.index_state`), the token
       history, the per-token log-probs and any ``aux`` outputs.

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
        batch_dim: where the batch dim is in ``state`` (see :func:`~engine.decoding.index_state`).
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
    check_run(start_tokens, n_steps, record_top, "max_len")
    K, n_best = cfg.beam_width, cfg.n_best
    B = start_tokens.shape[0]
    N = B * K
    device = start_tokens.device
    rows = torch.arange(B, device=device)

    # 0. K beams per row, copies of the row's start; only beam 0 is alive so step 1 is not counted K times
    expand = rows.repeat_interleave(K)  # (N,) = [0, 0, ..., 1, 1, ...]
    state = index_state(state, expand, batch_dim)
    tokens = start_tokens.long()[expand]  # (N,) each beam's last token
    scores = torch.full((B, K), NEG_INF, device=device)  # (B, K) cumulative log-prob of each live beam
    scores[:, 0] = 0.0
    beams = _BeamHistory(start_tokens, K, cfg)

    for t in range(1, n_steps + 1):
        # 1. expand: the next-token distribution of all B*K beams in one step call
        logits, state, aux = call_step(step, tokens, state)  # (N, V), aux (N, ...)
        V = logits.shape[-1]
        logp = torch.log_softmax(logits.float(), dim=-1)  # (N, V)

        # 2. score every continuation; hard constraints (min_len, no_repeat_ngram) make it -inf
        live_rows = [b * K + k for b in range(B) if not beams.done[b] for k in range(K)]
        histories = beams.sequences() if cfg.no_repeat_ngram > 0 else None
        banned = constraint_mask(histories, t - 1, (N, V), device, cfg, eos_id, live_rows)
        allowed = logp if banned is None else logp.masked_fill(banned, NEG_INF)  # (N, V)
        out = _StepOutputs(logp, aux, top_candidates(logp, allowed, record_top) if record_top else None)
        cand = (scores.view(N, 1) + allowed).view(B, K * V)  # (B, K*V): (beam k, token v) at k*V + v

        # 3. pick: walk each row's 2K best candidates, enough to find K that do not end with </s>
        ranked_scores, ranked_idx = _stable_top(cand, min(2 * K, K * V))  # (B, 2K) each, best first
        ranked_scores, ranked_idx = ranked_scores.tolist(), ranked_idx.tolist()
        parents = torch.zeros(B, K, dtype=torch.long)  # (B, K) next beam k extends beam parents[b, k] ...
        next_tokens = torch.zeros(B, K, dtype=torch.long)  # (B, K) ... by this token ...
        next_scores = torch.full((B, K), NEG_INF)  # (B, K) ... to this cumulative log-prob (-inf: no beam)
        for b in range(B):
            if beams.done[b]:
                continue
            live: list[tuple[int, int, float]] = []  # (parent, token, score) of the next beams, best first
            for rank, (score, idx) in enumerate(zip(ranked_scores[b], ranked_idx[b])):
                if score == NEG_INF:
                    break  # only forbidden or dead continuations are left
                parent, tok = divmod(idx, V)
                if tok == eos_id:
                    if rank < K:  # a </s> among the K best ends a hypothesis
                        beams.add_hypothesis(b, parent, tok, score, out, finished=True)
                    continue
                live.append((parent, tok, score))
                if len(live) == K:
                    break
            for k, (parent, tok, score) in enumerate(live):
                parents[b, k], next_tokens[b, k], next_scores[b, k] = parent, tok, score

            # 4. finish: at max_len the live beams join the pool unfinished; stop a row nothing can improve
            if t == n_steps or not live:
                for parent, tok, score in live:
                    beams.add_hypothesis(b, parent, tok, score, out, finished=False)
                beams.done[b] = True
            elif len(beams.pools[b]) >= n_best:
                nth_best = sorted((h.score for h in beams.pools[b]), reverse=True)[n_best - 1]
                # log-probs only fall, so the best live beam ends at most here, whatever length it reaches
                bound = live[0][2] / max(cfg.length_penalty_of(t + 1), cfg.length_penalty_of(n_steps))
                beams.done[b] = bound <= nth_best
        if all(beams.done):
            break

        # 5. reorder: each next beam continues from its parent (state, history), fed its new token
        parents, next_tokens = parents.to(device), next_tokens.to(device)
        flat_parents = (rows[:, None] * K + parents).view(N)  # (N,) parent's row in the step outputs
        beams.advance(parents, flat_parents, next_tokens, out)
        state = index_state(state, flat_parents, batch_dim)
        tokens = next_tokens.view(N)
        scores = next_scores.to(device)

    return [sorted(pool, key=lambda h: h.score, reverse=True)[:n_best] for pool in beams.pools]


class _StepOutputs(NamedTuple):
    """What one step computed for the ``N = B*K`` beams, row ``b*K + k`` = beam ``k`` of row ``b``."""

    logp: Tensor  # (N, V) model log-probabilities of the next token
    aux: Tensor | None  # (N, ...) the step's aux output, if any
    top: tuple[Tensor, Tensor, Tensor] | None  # (ids, probs, kept), each (N, k), if record_top


class _BeamHistory:
    """Beam search's bookkeeping: what each live beam has generated, and each row's finished hypotheses.

    Attributes:
        tokens: ``(B, K, t)`` the ``t`` tokens beam ``k`` of row ``b`` has generated so far.
        logprobs: ``(B, K, t)`` ``log p`` of each of those tokens.
        aux: ``(B, K, t, ...)`` the step's aux output at each of those tokens (``None`` until a step returns one).
        top: ``[ids, probs, kept]``, each ``(B, K, t, k)``: the candidates recorded at each step (``None`` each
            until a step records them).
        pools: per row, its hypotheses so far (ended with ``</s>``, or cut at ``max_len``).
        done: per row, whether its n-best list is final.
    """

    def __init__(self, start_tokens: Tensor, K: int, cfg: DecodeConfig) -> None:
        B, device = start_tokens.shape[0], start_tokens.device
        self.K, self.cfg = K, cfg
        self.starts = start_tokens.tolist()
        self.tokens = torch.zeros(B, K, 0, dtype=torch.long, device=device)
        self.logprobs = torch.zeros(B, K, 0, device=device)
        self.aux: Tensor | None = None
        self.top: list[Tensor | None] = [None, None, None]
        self.pools: list[list[Hypothesis]] = [[] for _ in range(B)]
        self.done = [False] * B

    def sequences(self) -> list[list[int]]:
        """Per beam row ``b*K + k`` (``N`` lists): the start token, then the tokens generated so far."""
        return [[self.starts[r // self.K], *toks] for r, toks in enumerate(self.tokens.flatten(0, 1).tolist())]

    def add_hypothesis(self, b: int, parent: int, token: int, logprob: float, out: _StepOutputs,
                       finished: bool) -> None:
        """Beam ``parent`` of row ``b`` followed by ``token`` joins the row's pool as a :class:`Hypothesis`.

        ``logprob``: its cumulative log-prob; ``finished``: ``token`` is ``</s>`` (else it was cut at ``max_len``).
        """
        r = b * self.K + parent  # its row in the step outputs
        tokens = [*self.tokens[b, parent].tolist(), token]
        aux = None if out.aux is None else _append(self.aux, b, parent, out.aux[r])  # (L, ...)
        top = None if out.top is None else [_append(h, b, parent, x[r]) for h, x in zip(self.top, out.top)]
        hyp = Hypothesis(
            tokens=tokens,
            score=self.cfg.normalise(logprob, len(tokens)),
            logprob=logprob,
            token_logprobs=[*self.logprobs[b, parent].tolist(), float(out.logp[r, token])],
            finished=finished,
            aux=aux,
            top_ids=top[0] if top else None,  # (L, k) each
            top_probs=top[1] if top else None,
            top_kept=top[2] if top else None,
        )
        self.pools[b].append(hyp)

    def advance(self, parents: Tensor, flat_parents: Tensor, tokens: Tensor, out: _StepOutputs) -> None:
        """Beam ``k`` of row ``b`` now continues beam ``parents[b, k]`` (B, K) with ``tokens[b, k]`` (B, K).

        ``flat_parents`` (N,) is ``b*K + parents[b, k]``: the parent's row in the step outputs.
        """
        B, K = parents.shape
        logprobs = out.logp[flat_parents, tokens.view(-1)].view(B, K)  # (B, K)
        self.tokens = _follow(self.tokens, parents, tokens)
        self.logprobs = _follow(self.logprobs, parents, logprobs)
        if out.aux is not None:
            self.aux = _follow(self.aux, parents, out.aux[flat_parents].view(B, K, *out.aux.shape[1:]))
        if out.top is not None:
            self.top = [_follow(h, parents, x[flat_parents].view(B, K, -1)) for h, x in zip(self.top, out.top)]


def _follow(history: Tensor | None, parents: Tensor, new: Tensor) -> Tensor:
    """``history`` (B, K, t, ...) reordered along the beams by ``parents`` (B, K), ``new`` (B, K, ...) appended."""
    new = new.unsqueeze(2)  # (B, K, 1, ...)
    if history is None:
        return new
    idx = parents.view(*parents.shape, *([1] * (history.dim() - 2))).expand(*parents.shape, *history.shape[2:])
    return torch.cat([history.gather(1, idx), new], dim=2)  # (B, K, t + 1, ...)


def _append(history: Tensor | None, b: int, k: int, new: Tensor) -> Tensor:
    """``history[b, k]`` (t, ...) with ``new`` (...) appended: ``(t + 1, ...)``."""
    return new[None] if history is None else torch.cat([history[b, k], new[None]], dim=0)


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
    idx = keep.nonzero()[:, 1].view(scores.shape[0], n)  # (B, n) ascending column order within each row
    vals = scores.gather(1, idx)
    order = torch.sort(vals, dim=-1, descending=True, stable=True).indices
    return vals.gather(1, order), idx.gather(1, order)
