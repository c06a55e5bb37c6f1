"""Cached loaders shared by every page and every browser session.

All pretrained-model access from the dashboard goes through here, so each model is loaded once per
server process rather than once per page or per rerun::

    from dashboard.i18n import t
    from dashboard.components.resources import available_pretrained, get_pretrained

    names = available_pretrained()
    name = st.selectbox("Model", names)
    with st.spinner(t("resources.loading_model", name=name)):
        model = get_pretrained(name)

Pretrained models are read-only and never trained: the cached object is shared by all sessions,
so :func:`get_pretrained` returns it in eval mode with ``requires_grad`` switched off. Input
gradients (saliency, gradient-flow plots) still work; a page that wants to fine-tune must train a
``copy.deepcopy`` of it (or build its own model through ``engine``), never the shared one.

``engine`` is imported lazily inside the functions: importing this module stays cheap, and pages
that do not touch models do not pay for importing torch.

**One torch thread per inference** (:func:`limit_server_threads`, applied when this module is first
imported, and again before a model is loaded). Each visitor's script runs in a thread of its own, so on the
2-CPU host two visitors already use both cores; giving each of their operations more threads (torch's
default: one per core) oversubscribes the CPUs, and OpenMP threads spinning while they wait for a core make
everyone slower, far beyond the gain of splitting one small matrix product (a single sentence, a 512-wide
LSTM). ``python benchmarks/bench_inference_threads.py`` measured it on this host while two runs trained
(see docs/reliability.md). ``OMP_NUM_THREADS``, when set, is respected. The training runs have their own
budget (``engine.train.live.Limits.train_threads``, in processes of their own).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import streamlit as st

__all__ = ["available_pretrained", "get_pretrained", "limit_server_threads"]


def limit_server_threads() -> int:
    """Give torch's inference in this process ``$OMP_NUM_THREADS`` threads (1 when unset); returns that number.

    Before torch is imported it sets ``OMP_NUM_THREADS``, after it calls ``torch.set_num_threads``. On Linux it
    also caps glibc's malloc at 2 arenas: each script thread would otherwise get an arena of its own (up to 8
    per core), each keeping the memory its inference freed.
    """
    n = max(1, int(os.environ.get("OMP_NUM_THREADS") or 1))
    os.environ.setdefault("OMP_NUM_THREADS", str(n))
    if "torch" in sys.modules:
        # Not sys.modules["torch"] itself: while another visitor's first run is still importing torch, that is a
        # partly initialised module without get_num_threads (two first visitors at once crashed on it); the import
        # statement waits for the other thread's import to finish.
        import torch

        if torch.get_num_threads() != n:
            torch.set_num_threads(n)
    _malloc(-8, 2)  # mallopt(M_ARENA_MAX, 2)
    return n


def _malloc(option: int | None = None, value: int = 0) -> None:
    """glibc's ``mallopt(option, value)``, or ``malloc_trim(0)`` (give freed heap back to the system) when
    ``option`` is None; nothing where there is no glibc."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        if option is None:
            libc.malloc_trim(0)
        else:
            libc.mallopt(option, value)
    except (OSError, AttributeError):
        pass


limit_server_threads()


@st.cache_resource(show_spinner=False, max_entries=8)
def get_pretrained(name: str) -> Any:
    """The pretrained model ``pretrained/<name>/`` as an eval-mode, frozen torch model (cached).

    Wraps ``engine.load_pretrained(name)``, the engine's one way in. Show a localised spinner at the
    call site (``t("resources.loading_model", name=name)``); the cache's own spinner text could not
    follow the UI language.
    """
    import engine

    # engine.load_pretrained also accepts any checkpoint folder path; the dashboard only ever opens
    # the shipped models, so a name that came from a widget or URL cannot point elsewhere.
    if name not in engine.list_pretrained():
        raise ValueError(f"unknown pretrained model {name!r}; available: {engine.list_pretrained()}")
    limit_server_threads()
    model = engine.load_pretrained(name)
    model.eval()
    model.requires_grad_(False)
    _malloc()  # the file's fp16 copy and the loading's fp32 copy are freed: give that memory back
    return model


# st.cache_data rather than st.cache_resource: each caller gets its own copy of the list (a page
# that sorts or filters it cannot change what other pages see), and the short TTL lets a folder
# added under pretrained/ show up without restarting the server.
@st.cache_data(show_spinner=False, ttl=60)
def available_pretrained(kind: str | None = None) -> list[str]:
    """Names of the pretrained models (folders under ``pretrained/`` holding a ``config.json``).

    ``kind`` keeps only the models of that kind (``"charlm"``, ``"translator"``, ``"captioner"``, as
    recorded in their ``config.json``): a page must never offer a model it cannot run.
    """
    import engine
    from engine.lm.compare import checkpoint_kind
    from engine.train.checkpoint import PRETRAINED_DIR

    names = list(engine.list_pretrained())
    return names if kind is None else [n for n in names if checkpoint_kind(PRETRAINED_DIR / n) == kind]
