"""Why the classifier said what it said: the prediction as the text is read, which tokens mattered,
and the hidden states' paths.

* :func:`running_probs`: P(class) after each token t: the model's answer on the prefix x(1..t),
  as if the text ended there (for a one-directional model with ``last`` pooling this is V h(t) + c read
  at every step; for any model it is what the many-to-one output would be after t tokens). The last
  entry is the model's final prediction.
* :func:`occlusion_scores`: drop token t, classify again: how much P(predicted class) falls (a positive
  number: the token supported the prediction). It asks "what if this token were not there?", one forward
  pass per token, and sees interactions (a "not" that only matters next to "good").
* :func:`gradient_x_input`: ∂ log P(ŷ) / ∂x(t) · x(t), summed over the input vector's numbers:
  a first-order (linear) estimate of the same question from one backward pass. It is cheap but local:
  a token whose effect saturates (a tanh already at ±1) can get a small score and still matter.
* :func:`trajectories`: the forward direction's h(t) of several texts, projected on the first two
  principal components of all their states: positive and negative texts move apart as they are read.

The running prediction and occlusion cost one text-long run per token, O(T^2) steps: past
:data:`MAX_POINTS` tokens the running prediction is read every ``s`` tokens and occlusion drops blocks of
``s`` tokens (``s = ceil(T / MAX_POINTS)``), so an explanation stays fast (``benchmarks/bench_sentiment.py``).

    >>> import torch
    >>> from engine.sentiment.model import SentimentClassifier, SentimentConfig
    >>> m = SentimentClassifier(SentimentConfig(vocab_size=30, n_embd=4, n_hidden=5))
    >>> ids = torch.tensor([7, 8, 9])
    >>> probs = running_probs(m, ids)
    >>> tuple(probs.shape), torch.allclose(probs[-1], m.eval()((ids[None], torch.tensor([3])))[0].softmax(-1)[0])
    ((3, 2), True)
    >>> segment_ends(10, max_points=4)    # s = 3: prefixes ending at tokens 3, 6, 9 and the last
    [2, 5, 8, 9]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from engine.sentiment.batches import pad_ids
from engine.sentiment.model import SentimentClassifier

__all__ = ["Explanation", "Trajectories", "MAX_POINTS", "segment_ends", "running_probs", "occlusion_scores",
           "saliency_scores", "explain", "trajectories"]

MAX_POINTS = 64  # prefixes (and occluded blocks) computed per text at most


@dataclass
class Explanation:
    """Everything the page shows about one text; per-token lists are aligned with ``pieces``."""

    pieces: list[str]
    probs: list[float]  # final P(class)
    predicted: int
    running: list[list[float]]  # P(class) after the tokens ``running_at``
    running_at: list[int]  # token indices (0-based) the running prediction was read at: all of them up to MAX_POINTS
    occlusion: list[float]  # drop in P(predicted) when the token (its block of ``block`` tokens) is left out
    block: int  # tokens left out together by occlusion (1 up to MAX_POINTS tokens)
    saliency: list[float]  # gradient x input of log P(predicted)
    truncated: bool


@dataclass
class Trajectories:
    """2-D paths of the forward hidden states: ``points[i]`` is (T_i, 2) for text i."""

    texts: list[str]
    pieces: list[list[str]]
    points: list[list[list[float]]]
    predicted: list[int]
    explained: list[float]  # fraction of the variance of all states along PC1, PC2


def segment_ends(T: int, max_points: int = MAX_POINTS) -> list[int]:
    """The last token index of each block of ``ceil(T / max_points)`` tokens (the last token always included)."""
    s = math.ceil(T / max_points)
    ends = list(range(s - 1, T, s))
    return ends if ends[-1] == T - 1 else ends + [T - 1]


@torch.no_grad()
def running_probs(model: SentimentClassifier, ids: torch.Tensor, ends: list[int] | None = None) -> torch.Tensor:
    """P(class) on the prefixes x(1..t+1) of one text ``ids`` (T,) for t in ``ends`` (default: every token):
    (len(ends), classes), all prefixes in one batch."""
    model.eval()
    ends = list(range(len(ids))) if ends is None else ends
    lengths = torch.tensor(ends) + 1
    prefixes = ids[None, :].expand(len(ends), len(ids)).clone()
    prefixes[torch.arange(len(ids))[None, :] >= lengths[:, None]] = 0
    return model((prefixes, lengths))[0].softmax(-1)


@torch.no_grad()
def occlusion_scores(model: SentimentClassifier, ids: torch.Tensor, target: int, block: int = 1) -> torch.Tensor:
    """P(target | text) - P(target | text without token t), for each t: (T,). With ``block`` > 1 the tokens
    are left out ``block`` at a time and each token gets its block's score. Leaving out every token leaves
    nothing to read: that score is P(target) minus the uniform 1 / classes."""
    model.eval()
    T = len(ids)
    full = model((ids[None], torch.tensor([T])))[0].softmax(-1)[0, target]
    rows = [torch.cat([ids[:a], ids[a + block:]]).tolist() for a in range(0, T, block)]
    scores = torch.full((len(rows),), float(full) - 1.0 / model.config.n_classes)
    kept = [i for i, r in enumerate(rows) if r]
    if kept:
        x, lengths = pad_ids([rows[i] for i in kept])
        scores[kept] = full - model((x, lengths))[0].softmax(-1)[:, target]
    return scores.repeat_interleave(block)[:T]


def saliency_scores(model: SentimentClassifier, ids: torch.Tensor, target: int) -> torch.Tensor:
    """Σ_d ∂ log P(target) / ∂x(t)_d · x(t)_d for each token t: (T,)."""
    model.eval()
    x = model.input_vectors(ids[None]).detach().requires_grad_(True)
    logp = model.logits_from_inputs(x, torch.tensor([len(ids)])).log_softmax(-1)[0, target]
    (grad,) = torch.autograd.grad(logp, x)
    return (grad * x).sum(-1)[0].detach()


def explain(model: SentimentClassifier, text: str) -> Explanation:
    """Prediction, running prediction, occlusion and saliency of one raw text (model put in eval mode).

    Raises :class:`~engine.sentiment.model.SentimentInputError` for an empty text."""
    ids_list, pieces, truncated = model.encode(text)
    ids = torch.tensor(ids_list)
    ends = segment_ends(len(ids))
    running = running_probs(model, ids, ends)
    predicted = int(running[-1].argmax())
    block = math.ceil(len(ids) / MAX_POINTS)
    return Explanation(pieces, running[-1].tolist(), predicted, running.tolist(), ends,
                       occlusion_scores(model, ids, predicted, block).tolist(), block,
                       saliency_scores(model, ids, predicted).tolist(), truncated)


@torch.no_grad()
def trajectories(model: SentimentClassifier, texts: list[str]) -> Trajectories:
    """The forward h(t) of each text, projected together on their first two principal components."""
    model.eval()
    encoded = [model.encode(t) for t in texts]
    x, lengths = pad_ids([e[0] for e in encoded])
    h = model.states(model.input_vectors(x), lengths)[..., : model.config.n_hidden]  # forward direction
    states = torch.cat([h[i, : int(n)] for i, n in enumerate(lengths)])
    centred = states - states.mean(0)
    _, s, vt = torch.linalg.svd(centred, full_matrices=False)
    k = min(2, vt.shape[0])
    proj = centred @ vt[:k].T
    if k < 2:
        proj = torch.cat([proj, torch.zeros(len(proj), 2 - k)], dim=1)
    var = s ** 2
    explained = (var[:2] / var.sum().clamp_min(1e-12)).tolist() + [0.0] * (2 - k)
    points, start = [], 0
    for n in lengths.tolist():
        points.append(proj[start:start + n].tolist())
        start += n
    predicted = model((x, lengths))[0].argmax(-1).tolist()
    return Trajectories(list(texts), [e[1] for e in encoded], points, predicted, explained)
