"""Run a per-token function without taking the GIL once per tensor operation: the one place that compiles.

Why: every eager torch call releases Python's GIL and must win it back afterwards. In a server whose
other threads run Python (Streamlit serving other visitors, building their figures), each of those
hand-overs can wait up to the interpreter's switch interval (5 ms), so a decoding loop that makes
~40 small torch calls per character writes 300 characters in 0.1 s alone but in over a minute next
to one busy Python thread (measured: ``benchmarks/gil_convoy.py``). A TorchScript function runs its
whole body in C++ and releases the GIL once per call, so the same loop barely notices the other
thread.

:func:`nogil` wraps a plain, TorchScript-compatible function. It is compiled on its first call
(TorchScript is deprecated in recent torch releases but still ships; its warning is silenced here),
and where compiling fails, or ``RNN_EAGER=1`` is set, the eager function runs instead: the results are
the same, only the GIL behaviour differs. ``fn.eager`` is always the plain function; ``fn.compile()``
compiles now (milliseconds; the first calls also profile) and returns what calls will run.

Example::

    >>> import torch
    >>> @nogil
    ... def double(x: torch.Tensor) -> torch.Tensor:
    ...     return x * 2
    >>> double(torch.ones(2)).tolist(), double.eager(torch.ones(2)).tolist()
    ([2.0, 2.0], [2.0, 2.0])
"""

from __future__ import annotations

import functools
import os
import threading
import warnings
from collections.abc import Callable
from typing import TypeVar

import torch

__all__ = ["ENV_EAGER", "nogil"]

#: Set to ``1`` to run every :func:`nogil` function eagerly (debugging; a Python traceback per line).
ENV_EAGER = "RNN_EAGER"

F = TypeVar("F", bound=Callable)
_LOCK = threading.Lock()


def _compile(fn: Callable) -> Callable:
    if os.environ.get(ENV_EAGER, "") not in ("", "0"):
        return fn
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # "torch.jit.script is deprecated"
            warnings.simplefilter("ignore", DeprecationWarning)
            return torch.jit.script(fn)
    except Exception as exc:  # noqa: BLE001 - any compiler failure: the eager function is still correct
        warnings.warn(f"{fn.__qualname__} runs eagerly (TorchScript failed: {type(exc).__name__}: {exc})",
                      RuntimeWarning, stacklevel=3)
        return fn


def nogil(fn: F) -> F:
    """``fn``, compiled by TorchScript on its first call so that it holds the GIL once per call."""
    compiled: list[Callable] = []

    def compile_now() -> Callable:
        if not compiled:
            with _LOCK:  # two threads calling at once compile once
                if not compiled:
                    compiled.append(_compile(fn))
        return compiled[0]

    @functools.wraps(fn)
    def run(*args, **kwargs):
        return (compiled[0] if compiled else compile_now())(*args, **kwargs)

    run.eager = fn  # type: ignore[attr-defined]
    run.compile = compile_now  # type: ignore[attr-defined]
    return run  # type: ignore[return-value]
