"""The translator's text side: what happens to an input string before and after the model.

Before: :func:`prepare_input` normalises the string, refuses an input written mostly in characters the
tokenizer has never seen (another script, such as Korean: more than ``engine.metrics.MOSTLY_UNKNOWN`` of
its characters; note ``unknown_script``), removes the few unseen characters of any other input,
translates an all-capitals input in sentence case, splits a long input into sentences and caps its length.
Each step it takes is recorded as a :class:`Note` (English text plus a ``code`` and ``values``, so a user
interface can show it in its own language). After: :func:`to_translation`
turns one segment's decoded hypotheses into a :class:`Translation` and :func:`combine` joins the
segments of one input again.

>>> note = Note("split", "long input: translated sentence by sentence (3 sentences)", n=3)
>>> str(note), note.code, note.values
('long input: translated sentence by sentence (3 sentences)', 'split', {'n': 3})
>>> _sentence_case("I THINK SO. WHERE IS PARIS?")
'I think so. Where is paris?'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import torch

from engine.data.parallel import SubwordTokenizer, normalize_text, split_sentences
from engine.decoding import Hypothesis
from engine.metrics import out_of_vocabulary

__all__ = [
    "MAX_INPUT_CHARS",
    "MAX_SENTENCES",
    "MAX_SOURCE_PIECES",
    "SPLIT_ABOVE_PIECES",
    "Candidate",
    "Note",
    "Segment",
    "Translation",
    "TranslationInputError",
    "combine",
    "prepare_input",
    "to_translation",
]

MAX_INPUT_CHARS = 5000  # longer inputs are cut (with a note)
SPLIT_ABOVE_PIECES = 40  # inputs longer than this (in subwords) are translated sentence by sentence
MAX_SENTENCES = 20  # at most this many sentences per input (with a note)
MAX_SOURCE_PIECES = 100  # one sentence longer than this is cut (with a note)


class TranslationInputError(ValueError):
    """The input cannot be translated (not a string, not valid Unicode, ...): a clear, typed error instead
    of a crash."""


class Note(str):
    """A note about what was done to an input: the English text (a plain ``str``) plus a ``code`` and
    the ``values`` in it, so a user interface can show it in its own language."""

    code: str
    values: dict

    def __new__(cls, code: str, text: str, **values: Any) -> Note:
        note = super().__new__(cls, text)
        note.code, note.values = code, values
        return note

    def __reduce__(self) -> tuple:
        return _make_note, (self.code, str(self), self.values)


def _make_note(code: str, text: str, values: dict) -> Note:
    return Note(code, text, **values)


@dataclass
class Candidate:
    """One entry of the n-best list."""

    text: str
    pieces: list[str]
    score: float  # beam: length-normalised log-probability; greedy: log-probability
    logprob: float  # log P(pieces | source)
    finished: bool  # ended with </s> (False: cut by the max-length guard)


@dataclass
class Translation:
    """The translation of one input string.

    Attributes:
        source: the input as given.
        text: the translation (the best hypothesis).
        pieces: its target subwords, ending with ``"</s>"`` when the decoder finished.
        source_pieces: the source subwords the model read, ending with ``"</s>"``.
        attention: ``(len(pieces), len(source_pieces))`` attention weights ``α``: row ``t`` is where
            the decoder looked when writing ``pieces[t]`` (rows sum to 1); ``None`` without attention
            or when the input was translated in several segments.
        score, logprob: of the best hypothesis (see :class:`Candidate`).
        n_best: the n-best list, best first (``n_best[0].text == text``).
        notes: what was done to the input (cut, split, characters removed, ...), for the user: English
            strings, each a :class:`Note` whose ``code`` and ``values`` let a UI show it in another language.
        segments: when a long input was split into sentences, one :class:`Translation` per sentence
            (``text`` is then their concatenation); empty otherwise.
    """

    source: str
    text: str
    pieces: list[str] = field(default_factory=list)
    source_pieces: list[str] = field(default_factory=list)
    attention: torch.Tensor | None = None
    score: float = 0.0
    logprob: float = 0.0
    n_best: list[Candidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    segments: list[Translation] = field(default_factory=list)


@dataclass
class Segment:
    """One piece of an input that the model translates in one go (the whole input, or one sentence of it)."""

    owner: int  # index of the input it belongs to
    text: str  # what the model reads (normalised, cleaned)
    ids: list[int]
    upper: bool  # the input was all capitals: upper-case the output


def prepare_input(owner: int, text: Any, tok: SubwordTokenizer) -> tuple[list[Segment], list[str]]:
    """Normalise, clean, case-fold, split and cap input number ``owner``; returns its segments and notes."""
    if not isinstance(text, str):
        raise TranslationInputError(f"input {owner} is a {type(text).__name__}, not a string")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate ("\ud800"): no character, the tokenizer cannot take it
        raise TranslationInputError(f"input {owner} is not valid Unicode text: a lone surrogate "
                                    f"U+{ord(text[exc.start]):04X} at character {exc.start}") from None
    notes: list[str] = []
    norm = normalize_text(text)
    if not norm:
        return [], [Note("empty", "empty input: nothing to translate")]
    if len(norm) > MAX_INPUT_CHARS:
        norm = norm[:MAX_INPUT_CHARS]
        notes.append(Note("input_cut", f"input longer than {MAX_INPUT_CHARS} characters: only the start was "
                          "translated", max=MAX_INPUT_CHARS))
    letters = [ch for ch in norm if ch.lower() != ch.upper()]
    upper = len(letters) >= 4 and all(ch.isupper() for ch in letters)
    if upper:  # the corpus is in sentence case: an all-caps input is translated in sentence case
        norm = _sentence_case(norm)
        notes.append(Note("all_caps", "input is all capitals: translated in sentence case, output upper-cased"))
    unseen = tok.unseen_chars(norm)
    foreign = out_of_vocabulary(norm, lambda ch: ch not in unseen)
    if foreign.mostly_unknown():  # e.g. Korean: the few Latin letters left would give a meaningless translation
        return [], notes + [Note("unknown_script", f"{foreign.fraction:.0%} of the characters are ones the model "
                                 f"has never seen in training ({' '.join(unseen[:10])}): it knows only the alphabet of "
                                 "its training language, so it did not translate this input",
                                 percent=f"{foreign.fraction:.0%}", chars=" ".join(unseen[:10]))]
    if unseen:
        norm = normalize_text("".join(ch for ch in norm if ch not in unseen))
        notes.append(Note("unseen", f"removed characters the model has never seen: {' '.join(unseen)}",
                          chars=" ".join(unseen)))
        if not norm:
            return [], notes + [Note("nothing_left", "nothing left to translate")]
    sentences = [norm]
    if len(tok.encode(norm)) > SPLIT_ABOVE_PIECES:
        sentences = split_sentences(norm)
        if len(sentences) > 1:
            notes.append(Note("split", f"long input: translated sentence by sentence ({len(sentences)} sentences)",
                              n=len(sentences)))
        if len(sentences) > MAX_SENTENCES:
            notes.append(Note("max_sentences", f"only the first {MAX_SENTENCES} of {len(sentences)} sentences "
                              "were translated", max=MAX_SENTENCES, n=len(sentences)))
            sentences = sentences[:MAX_SENTENCES]
    segments = []
    for s in sentences:
        ids = tok.encode(s)
        if len(ids) > MAX_SOURCE_PIECES:
            ids = ids[:MAX_SOURCE_PIECES]
            notes.append(Note("sentence_cut", f"a sentence longer than {MAX_SOURCE_PIECES} subwords was cut: "
                              f"...{tok.decode(ids[-5:])}", max=MAX_SOURCE_PIECES, end=tok.decode(ids[-5:])))
        if ids:
            segments.append(Segment(owner, s, ids, upper))
    return segments, notes


def to_translation(seg: Segment, hyps: list[Hypothesis], tok: SubwordTokenizer) -> Translation:
    """The :class:`Translation` of one segment from its decoded n-best list (best first)."""

    def text_of(h: Hypothesis) -> str:
        out = tok.decode(h.tokens)
        return out.upper() if seg.upper else out

    cands = [Candidate(text_of(h), [tok.id_to_piece(t) for t in h.tokens], float(h.score), float(h.logprob),
                       h.finished) for h in hyps]
    best = hyps[0]
    return Translation(source=seg.text, text=cands[0].text, pieces=cands[0].pieces,
                       source_pieces=[tok.id_to_piece(t) for t in seg.ids] + ["</s>"], attention=best.aux,
                       score=cands[0].score, logprob=cands[0].logprob, n_best=cands)


def combine(source: str, parts: list[Translation], notes: list[str]) -> Translation:
    """One input's :class:`Translation` from those of its segments (texts joined, scores averaged)."""
    if not parts:
        return Translation(source=source, text="", notes=notes)
    if len(parts) == 1:
        p = parts[0]
        p.source, p.notes = source, notes
        return p
    text = " ".join(p.text for p in parts)
    score = sum(p.score for p in parts) / len(parts)
    logprob = sum(p.logprob for p in parts)
    pieces = [x for p in parts for x in p.pieces]
    finished = all(p.n_best[0].finished for p in parts)
    return Translation(source=source, text=text, pieces=pieces,
                       source_pieces=[x for p in parts for x in p.source_pieces], attention=None, score=score,
                       logprob=logprob, n_best=[Candidate(text, pieces, score, logprob, finished)], notes=notes,
                       segments=parts)


def _sentence_case(text: str) -> str:
    low = re.sub(r"\bi\b", "I", text.lower())
    return re.sub(r"(^|[.!?]\s+)(\w)", lambda m: m.group(1) + m.group(2).upper(), low)
