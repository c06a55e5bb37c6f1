"""Words and numbers that several pages show, worded once (strings in ``locales/app.toml``).

* :func:`corpus_label`: a corpus as a reader knows it (``"Tiny Shakespeare"``, ``"붙여넣은 텍스트"``), never
  the raw id (``tinyshakespeare``) a run or a checkpoint records;
* :func:`vocab_label`: the one meaning of "vocabulary" in the lab, :class:`engine.metrics.VocabSize`:
  ``65 characters + the unknown symbol � = 66 outputs``;
* :func:`count`: an integer with a thousands separator in both languages (``11,500``).

>>> from dashboard.i18n import set_lang
>>> set_lang("en"); corpus_label("tinyshakespeare"), corpus_label("pasted text"), corpus_label("notes.txt")
('Tiny Shakespeare', 'pasted text', 'notes.txt')
>>> vocab_label(VocabSize(65)), count(11500), count("–")
('65 characters + the unknown symbol � = 66 outputs', '11,500', '–')
"""

from __future__ import annotations

from dashboard.i18n import STRINGS, t
from engine.metrics import VocabSize

__all__ = ["PASTED", "corpus_label", "count", "nats_unit", "vocab_label"]

#: The corpus name a run trained on pasted text records (earlier runs recorded "pasted text").
PASTED = "pasted"
_LEGACY = {"pasted text": PASTED}


def corpus_label(name: object) -> str:
    """A recorded corpus name in the UI language: named corpora and pasted text get their label, an
    uploaded file keeps its file name, a missing name says so."""
    if not name:
        return t("corpus.unknown")
    key = f"corpus.{_LEGACY.get(str(name), name)}"
    return t(key) if key in STRINGS else str(name)


def vocab_label(vocab: VocabSize) -> str:
    """``"65 characters + the unknown symbol � = 66 outputs"`` (see :class:`engine.metrics.VocabSize`)."""
    return t("vocab.size", chars=count(vocab.characters), outputs=count(vocab.outputs))


def count(n: object) -> str:
    """An integer with thousands separators; anything else (``"–"``, None) as it is."""
    return f"{n:,}" if isinstance(n, int) and not isinstance(n, bool) else str(n)


def nats_unit() -> str:
    """The unit after a loss in nats, in the UI language (``4.19 nats``, ``4.19 내트``)."""
    return t("unit.nats")
