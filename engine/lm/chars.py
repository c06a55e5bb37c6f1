"""The characters of a text as the lab shows them: a visible symbol for each, and the role each plays.

One symbol per character everywhere in the lab (charts, strips, hovers, tables)::

    >>> "".join(display_char(c) for c in "to be\\n")
    'to␣be⏎'
    >>> char_roles("ROMEO:\\nO, she")[:8]
    ['speaker', 'speaker', 'speaker', 'speaker', 'speaker', 'speaker', 'newline', 'line_start']
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["VISIBLE", "display_char", "ROLES", "char_roles"]

#: The stand-ins of the invisible or ambiguous characters.
VISIBLE = {"\n": "⏎", " ": "␣", "\t": "⇥", "\r": "␍"}


def display_char(ch: str) -> str:
    """A visible stand-in for a character: ``⏎`` newline, ``␣`` space, ``⇥`` tab, ``␍`` carriage return,
    ``·`` any other space (no-break, thin...), ``�`` for control and invisible format characters
    and lone combining marks (zero-width joiner, variation selectors...). Ordinary characters, emoji
    included, are shown as themselves, and so is a longer string (``"<s>"``).

    >>> [display_char(c) for c in ("\\n", " ", "\\u00a0", "\\u200d", "🐈")]
    ['⏎', '␣', '·', '�', '🐈']
    """
    if ch in VISIBLE:
        return VISIBLE[ch]
    if len(ch) != 1:
        return ch
    cat = unicodedata.category(ch)
    if cat.startswith("Z"):
        return "·"
    if cat in ("Cc", "Cf", "Cs", "Co", "Cn") or cat.startswith("M"):
        return "\ufffd"
    return ch


#: Character roles of a play text, in display order (what each model needs to predict them).
ROLES = ("speaker", "line_start", "newline", "closing", "word_start", "word_inside", "space", "punctuation", "other")
_SPEAKER = re.compile(r"^[A-Z][A-Za-z' .-]{0,40}:$")
_CLOSERS = {")": "(", "]": "[", "}": "{", "”": "“", "’": "‘", "»": "«"}


def char_roles(text: str) -> list[str]:
    """A role for every character, for the "where does memory help" table.

    * ``speaker``: the characters of a speaker line (``ROMEO:``) -- the play's structure;
    * ``line_start``: the first character of any other line;
    * ``newline``: the line break itself (when does a verse line end?);
    * ``closing``: a closing bracket or quote whose opening one is earlier in the text
      (``)`` ``]`` ``}`` ``”`` ``’`` ``»``, and a ``"`` that closes an open ``"``);
    * ``word_start`` / ``word_inside``: letters and digits at the start of a word / after its first letter;
    * ``space``, ``punctuation``, ``other``.
    """
    roles = ["other"] * len(text)
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        speaker = bool(_SPEAKER.match(line))
        for i in range(pos, end):
            roles[i] = "speaker" if speaker else ""
        if end < len(text):
            roles[end] = "newline"
        pos = end + 1
    open_count: dict[str, int] = {}
    quote_open = False
    prev = "\n"
    for i, ch in enumerate(text):
        if ch in _CLOSERS.values():
            open_count[ch] = open_count.get(ch, 0) + 1
        closing = False
        if ch in _CLOSERS and open_count.get(_CLOSERS[ch], 0) > 0:
            open_count[_CLOSERS[ch]] -= 1
            closing = True
        if ch == '"':
            closing, quote_open = quote_open, not quote_open
        if roles[i] == "":
            if prev == "\n" and ch != "\n":
                role = "line_start"
            elif closing:
                role = "closing"
            elif ch.isalnum():
                role = "word_inside" if prev.isalnum() or prev in "'’" else "word_start"
            elif ch.isspace():
                role = "space"
            elif unicodedata.category(ch).startswith("P"):
                role = "punctuation"
            else:
                role = "other"
            roles[i] = role
        prev = ch
    return roles
