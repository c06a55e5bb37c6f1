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
"""

from __future__ import annotations

from typing import Any

import streamlit as st

__all__ = ["available_pretrained", "get_pretrained"]


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
    model = engine.load_pretrained(name)
    model.eval()
    model.requires_grad_(False)
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
