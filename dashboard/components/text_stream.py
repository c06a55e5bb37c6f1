"""Streamed text in a few pieces: what ``st.write_stream`` gets from a generator of characters.

Each piece ``st.write_stream`` receives is one message to the browser, which redraws the element. The
Generate page once sent one message per character: the engine wrote 300 characters in under 0.2 s, the
browser took 1.8–2.8 s to show them. :func:`timed_chunks` joins the characters made within ``every_s``
seconds into one piece, so a fast generation arrives at once and a slow one (a long text, a big model, a
busy server) still shows progress a few times a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

__all__ = ["timed_chunks"]


def timed_chunks(head: str, chars: Iterable[str], every_s: float = 0.15,
                 clock: Callable[[], float] = time.monotonic) -> Iterator[str]:
    """``head`` at once, then the characters of ``chars`` in pieces: one each time ``every_s`` seconds have
    passed since the last piece, and the rest at the end.

    >>> ticks = iter([0.0, 0.05, 0.2, 0.25, 0.3, 0.5, 0.6])  # the clock at the start and after each character
    >>> list(timed_chunks("Hi ", "abcdef", every_s=0.15, clock=lambda: next(ticks)))
    ['Hi ', 'ab', 'cde', 'f']
    >>> list(timed_chunks("", iter("fast"), every_s=1.0))  # all made within a second: one piece
    ['', 'fast']
    """
    yield head
    buf: list[str] = []
    last = clock()
    for ch in chars:
        buf.append(ch)
        now = clock()
        if now - last >= every_s:
            yield "".join(buf)
            buf.clear()
            last = now
    if buf:
        yield "".join(buf)
