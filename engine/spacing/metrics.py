"""How well spaces are restored: character accuracy and space precision / recall / F1.

Every character carries a label, 1 = a space follows it. Counting over all characters of all texts:

* TP: a space where the original has one; FP: a space the original does not have; FN: a missed space;
* precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2 P R / (P + R);
* character accuracy = characters whose label is right / all characters.

Worked by hand: original "a bc d" (labels of "abcd": 1 0 1 0), restored "ab c d" (0 1 1 0)::

    >>> s = spacing_scores([[1, 0, 1, 0]], [[0, 1, 1, 0]])
    >>> s.tp, s.fp, s.fn, s.chars, s.correct     # TP at c; FP at b; FN at a; a and b wrong
    (1, 1, 1, 4, 2)
    >>> s.precision, s.recall, s.f1, s.char_accuracy
    (0.5, 0.5, 0.5, 0.5)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

__all__ = ["SpacingScores", "spacing_scores"]


@dataclass(frozen=True)
class SpacingScores:
    tp: int
    fp: int
    fn: int
    chars: int
    correct: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def char_accuracy(self) -> float:
        return self.correct / self.chars if self.chars else 0.0

    def as_dict(self) -> dict:
        """Counts and the four rates, rounded to 4 places (what metrics.json and the page show)."""
        rates = {k: round(getattr(self, k), 4) for k in ("char_accuracy", "precision", "recall", "f1")}
        return {**rates, **asdict(self)}


def spacing_scores(true: Sequence[Sequence[int]], pred: Sequence[Sequence[int]]) -> SpacingScores:
    """Scores of predicted label sequences ``pred`` against ``true`` (one sequence per text, same lengths)."""
    if len(true) != len(pred):
        raise ValueError(f"{len(true)} true label sequences but {len(pred)} predicted")
    tp = fp = fn = chars = correct = 0
    for i, (t, p) in enumerate(zip(true, pred)):
        if len(t) != len(p):
            raise ValueError(f"text {i}: {len(t)} true labels but {len(p)} predicted")
        for a, b in zip(t, p):
            a, b = int(a), int(b)
            tp += a and b
            fp += b and not a
            fn += a and not b
            correct += a == b
        chars += len(t)
    return SpacingScores(tp=tp, fp=fp, fn=fn, chars=chars, correct=correct)
