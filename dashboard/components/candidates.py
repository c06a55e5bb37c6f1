"""The n-best tables of the Generate, Translate and Caption pages: every candidate readable, every column visible.

Beam search keeps hypotheses that share most of their text: five generated passages of 300 characters
often differ only after the first hundred. A dataframe cuts each cell at its column's width, so the
candidates looked identical, and in a half-width column the text pushed the score columns off-screen.
Here the table is a static ``st.table``, which wraps long text and fits its width, and a long candidate
is shown from a little before the place where the candidates part (:func:`aligned_excerpts`)::

    n_best_table(texts, rank="#", text="text", numbers={"score": scores}, shorten=True)
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import streamlit as st

__all__ = ["CONTEXT_CHARS", "EXCERPT_CHARS", "aligned_excerpts", "n_best_rows", "n_best_table", "parting_point"]

#: A long candidate is shown from this many characters before the place where the candidates part...
CONTEXT_CHARS = 40
#: ...and at most this many characters of it.
EXCERPT_CHARS = 240


def parting_point(texts: Sequence[str]) -> int:
    """Where the candidates stop agreeing: the length of their common prefix.

    >>> parting_point(["the king is dead", "the king is here", "the king was"])
    9
    """
    return len(os.path.commonprefix(list(texts))) if len(texts) > 1 else 0


def aligned_excerpts(texts: Sequence[str], context: int = CONTEXT_CHARS, max_chars: int = EXCERPT_CHARS) -> list[str]:
    """Each text from ``context`` characters before :func:`parting_point`, at most ``max_chars`` long,
    with ``…`` where something was left out and ``⏎`` for a line break (a table cell is one paragraph).

    >>> aligned_excerpts(["a" * 100 + "XYZ", "a" * 100 + "QRS"], context=3, max_chars=10)
    ['…aaaXYZ', '…aaaQRS']
    """
    start = max(0, parting_point(texts) - context)
    out = []
    for text in texts:
        part = text[start : start + max_chars]
        shown = ("…" if start else "") + part + ("…" if start + max_chars < len(text) else "")
        out.append(shown.replace("\n", " ⏎ "))
    return out


def n_best_rows(texts: Sequence[str], *, rank: str, text: str, numbers: Mapping[str, Sequence[float | str]],
                shorten: bool = False) -> list[dict[str, object]]:
    """The table's rows: rank, the candidate's text, then each of ``numbers`` (floats shown with 3 decimals)."""
    shown = aligned_excerpts(texts) if shorten else [t.replace("\n", " ⏎ ") for t in texts]
    return [{rank: i + 1, text: s, **{name: f"{v[i]:.3f}" if isinstance(v[i], float) else v[i]
                                      for name, v in numbers.items()}}
            for i, s in enumerate(shown)]


def n_best_table(texts: Sequence[str], *, rank: str, text: str, numbers: Mapping[str, Sequence[float | str]],
                 shorten: bool = False) -> None:
    """Draw the n-best list as a static table that wraps its text (see the module docstring)."""
    st.table(n_best_rows(texts, rank=rank, text=text, numbers=numbers, shorten=shorten), hide_index=True)
