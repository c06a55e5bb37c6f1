"""The "N-gram vs RNN" page's default passage, chosen by measurement, and the speaker names a model never saw.

The page explains where the char-LSTM's memory helps: at a line break (how long the verse line has
run), at the first letter of a line, and on a speaker's name in a dialogue (whose turn it is) -- things
an n-gram model, which sees only the last ``n - 1`` characters, cannot know. A name that never occurs in
the training text (``HAMLET`` is not in Tiny Shakespeare's first 90 %) no model can know: the LSTM knows
that a name is due, not which one.

:func:`rank_passages` scores every passage of the validation split that starts a speech with both
models, from the same start as the page (a fresh line, zero hidden state), and ranks them by the
smallest LSTM gain over the roles the explanation names (:data:`EXPLAINED_ROLES`); passages whose
speakers never occur in the training text are left out. The first one is the page's default
(``engine.lm.compare.BUILTIN_PASSAGE``). Re-measure, and print the table::

    python -m engine.lm.default_passage --data-dir ../shared/data

Measured with the shipped ``charlm-shakespeare`` and the order-5 modified Kneser-Ney model on the 938
speeches of the validation split: the explanation holds on 33 of them; the LSTM is better on line breaks
in 94 % of the speeches, on first letters of lines in 69 % (speakers all seen in training) and 81 %
(some speaker never seen), on speaker names in only 15 % and 20 %. Names are mostly predictable from
their own first letters, which the n-gram model sees too, so the page says so.

Worked example of the speaker check (a name is "seen" when its speaker line occurs in training)::

    >>> seen = seen_in_text("ROMEO:\\nBut soft!\\n\\nJULIET:\\nAy me!\\n")
    >>> speakers("ROMEO:\\nHa.\\n\\nHAMLET:\\nTo be.\\n"), unseen_speakers("HAMLET:\\nTo be.\\n", seen)
    (['ROMEO', 'HAMLET'], ['HAMLET'])
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.lm.compare import advantage_by_role, compare_text

__all__ = [
    "DEFAULT_ORDER",
    "DEFAULT_SMOOTHING",
    "EXPLAINED_ROLES",
    "PASSAGE_CHARS",
    "PassageScore",
    "rank_passages",
    "seen_by_ngram",
    "seen_in_text",
    "speakers",
    "speech_passages",
    "unseen_speakers",
]

#: The page's default n-gram model (its order slider and smoothing box start here).
DEFAULT_ORDER = 5
DEFAULT_SMOOTHING = "modified_kneser_ney"
#: The character roles the page's explanation says the LSTM's memory helps with.
EXPLAINED_ROLES = ("speaker", "line_start", "newline")
#: About how long a passage is (it ends at the end of a line).
PASSAGE_CHARS = 450

_SPEAKER_LINE = re.compile(r"^([A-Z][A-Za-z' .-]{0,40}):$", re.MULTILINE)


def speakers(text: str) -> list[str]:
    """The names of the speaker lines (``ROMEO:``) of a play text, in order of first appearance."""
    return list(dict.fromkeys(m.group(1) for m in _SPEAKER_LINE.finditer(text)))


def unseen_speakers(text: str, seen: Callable[[str], bool]) -> list[str]:
    """The speakers of ``text`` that ``seen`` says never occur in the training text."""
    return [name for name in speakers(text) if not seen(name)]


def seen_in_text(train_text: str) -> Callable[[str], bool]:
    """``seen(name)``: the speaker line ``NAME:`` occurs in ``train_text`` (exact)."""
    names = set(speakers(train_text))
    return names.__contains__


def seen_by_ngram(lm: Any) -> Callable[[str], bool]:
    """``seen(name)`` from a character n-gram model's counts, when the training text itself is not at hand.

    The speaker line ``"\\nNAME:"`` is taken as seen when every one of its ``order``-character windows
    occurs in training (exact for lines up to ``order`` characters; a longer name made only of seen
    pieces would pass too, which is rare for names).
    """
    n = lm.order

    def seen(name: str) -> bool:
        line = f"\n{name}:"
        windows = [line[i : i + n] for i in range(max(1, len(line) - n + 1))]
        return all(lm.count(w) > 0 for w in windows)

    return seen


def speech_passages(val_text: str, length: int = PASSAGE_CHARS) -> list[tuple[int, str]]:
    """``(start, passage)`` for every speech of ``val_text`` (a speaker line right after a blank line),
    about ``length`` characters long and ending at the end of a line (the page's passage shape)."""
    out = []
    for m in re.finditer(r"\n\n(?=[A-Z][A-Za-z' .-]{0,40}:\n)", val_text):
        s = m.end()
        e = val_text.rfind("\n", s, s + length)
        if e > s and e + 1 - s >= length // 2:
            out.append((s, val_text[s : e + 1]))
    return out


@dataclass
class PassageScore:
    """Both models on one passage: the LSTM's mean gain (n-gram bits - LSTM bits) per character role."""

    start: int
    text: str
    gains: dict[str, float]
    counts: dict[str, int]
    unseen: list[str] = field(default_factory=list)

    @property
    def min_gain(self) -> float:
        """The smallest gain over :data:`EXPLAINED_ROLES` (``-inf`` if a role is missing)."""
        return min((self.gains.get(r, float("-inf")) for r in EXPLAINED_ROLES), default=float("-inf"))

    @property
    def explanation_holds(self) -> bool:
        """The LSTM beats the n-gram model on every explained role, and it saw every speaker in training."""
        return self.min_gain > 0 and not self.unseen


def score_passage(ngram: Any, charlm: Any, start: int, text: str, seen: Callable[[str], bool]) -> PassageScore:
    """One passage scored as the page scores it (:func:`engine.lm.compare.compare_text`)."""
    rows = advantage_by_role(compare_text(ngram, charlm, text, top_k=0))
    return PassageScore(start, text, {r["role"]: r["lstm_gain"] for r in rows}, {r["role"]: r["count"] for r in rows},
                        unseen_speakers(text, seen))


def rank_passages(ngram: Any, charlm: Any, val_text: str, train_text: str,
                  length: int = PASSAGE_CHARS, limit: int | None = None) -> list[PassageScore]:
    """Every speech passage of ``val_text`` scored, best first: the ones where the explanation holds,
    ranked by :attr:`PassageScore.min_gain`, then the others (``limit``: score only the first that many)."""
    seen = seen_in_text(train_text)
    found = speech_passages(val_text, length)[:limit]
    scores = [score_passage(ngram, charlm, s, text, seen) for s, text in found]
    return sorted(scores, key=lambda p: (not p.explanation_holds, -p.min_gain, p.start))


def _table(scores: Sequence[PassageScore], k: int) -> str:
    head = f"{'start':>7}  " + "  ".join(f"{r:>10}" for r in EXPLAINED_ROLES) + "  holds  unseen speakers"
    lines = [head]
    for p in scores[:k]:
        gains = "  ".join(f"{p.gains.get(r, float('nan')):>10.2f}" for r in EXPLAINED_ROLES)
        lines.append(f"{p.start:>7}  {gains}  {'yes' if p.explanation_holds else 'no':>5}  {', '.join(p.unseen)}")
    return "\n".join(lines)


def _summary(scores: Sequence[PassageScore]) -> str:
    """How often the LSTM wins each role, over passages whose speakers were all seen in training and the others."""
    lines = [f"{'passages':<34}" + "".join(f"{r:>12}" for r in EXPLAINED_ROLES) + "   (share where the LSTM wins)"]
    for name, group in (("all speakers seen in training", [p for p in scores if not p.unseen]),
                        ("a speaker never seen in training", [p for p in scores if p.unseen])):
        shares = []
        for r in EXPLAINED_ROLES:
            has = [p for p in group if r in p.gains]
            shares.append(f"{sum(p.gains[r] > 0 for p in has) / len(has):>12.0%}" if has else f"{'-':>12}")
        lines.append(f"{name + f' ({len(group)})':<34}" + "".join(shares))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Rank the validation passages with the shipped models and print the table and the best passage."""
    from engine.data import load_text, split_train_val
    from engine.ngram.pretrained import load_shipped, make_model
    from engine.train.checkpoint import load_pretrained

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=None, help="folder holding tinyshakespeare/input.txt")
    ap.add_argument("--charlm", default="charlm-shakespeare", help="shipped name or checkpoint folder")
    ap.add_argument("--top", type=int, default=10, help="rows of the table")
    args = ap.parse_args(argv)
    train, val = split_train_val(load_text("tinyshakespeare", args.data_dir))
    ngram = make_model(DEFAULT_SMOOTHING, DEFAULT_ORDER, base=load_shipped(), text=train)
    charlm = load_pretrained(args.charlm).float().eval()
    scores = rank_passages(ngram, charlm, val, train)
    held = sum(p.explanation_holds for p in scores)
    print(f"{len(scores)} speech passages of the validation split; the explanation holds on {held}. "
          f"LSTM gain (n-gram bits - LSTM bits) per role, order-{DEFAULT_ORDER} {DEFAULT_SMOOTHING}:")
    print(_table(scores, args.top))
    print("\n" + _summary(scores))
    print("\nbest passage:\n" + scores[0].text if scores else "no passage found")


if __name__ == "__main__":
    main()
