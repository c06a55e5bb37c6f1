"""The bag-of-words baseline: logistic regression on token counts, in torch.

The lecture's simplest sequence representation: forget the order, count the tokens. A text becomes
the count vector n (n_k = how often piece k occurs) and the class scores are

    o = W n + b,     P(class) = softmax(o)

(with two classes, logistic regression). ``W n`` is computed as the sum of the columns of W for the
text's tokens (``nn.EmbeddingBag`` in ``sum`` mode), the same numbers without the V-long count vector.
It takes the classifier's inputs and returns what every trainable model returns, so the same trainer,
batches and budget train it (:mod:`engine.sentiment.compare`).

    >>> import torch
    >>> bow = BagOfWords(vocab_size=10)
    >>> with torch.no_grad():
    ...     _ = bow.W.weight[4].copy_(torch.tensor([0.0, 2.0]))
    >>> bow((torch.tensor([[4, 4, 3]]), torch.tensor([3])))[0]       # two 4s: 2 + 2 for class 1
    tensor([[0., 4.]], grad_fn=<AddBackward0>)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engine.data.parallel import PAD_ID

__all__ = ["BagOfWords"]


class BagOfWords(nn.Module):
    """o = W n + b over token counts n (order ignored); ``forward`` as the classifier's."""

    def __init__(self, vocab_size: int, n_classes: int = 2):
        super().__init__()
        self.W = nn.EmbeddingBag(vocab_size, n_classes, mode="sum", padding_idx=PAD_ID)  # row k: column k of W
        self.b = nn.Parameter(torch.zeros(n_classes))
        nn.init.zeros_(self.W.weight)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, inputs: tuple[torch.Tensor, torch.Tensor], targets: torch.Tensor | None = None, state=None):
        ids, _ = inputs  # padding (id 0) adds nothing
        logits = self.W(ids) + self.b
        return logits, (F.cross_entropy(logits, targets) if targets is not None else None), None
