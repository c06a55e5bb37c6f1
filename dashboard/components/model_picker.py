"""The one model picker of the pages: shipped pretrained models, this session's models and saved runs, of one kind.

Every page that runs a trained model offers the same three sources, in the same order, keeping only
the checkpoints whose ``config.json`` records the page's kind (``"charlm"``, ``"translator"``,
``"captioner"``), so a page never offers a model it cannot run::

    options = model_options("charlm")          # shipped first, then this session's models, then its saved runs
    if not options:
        st.info(...)                           # each page says in its own words how to get a model
        return
    opt = pick_model(options, t("page.generate_text.model"), key="generate.model",
                     format_label=source_labels("page.generate_text."))
    model = load_option(opt)                   # cached per server process, eval mode, frozen

The widget's value is the option's :attr:`ModelOption.key` (``"pretrained:<name>"`` or
``"path:<checkpoint folder>"``), so a choice survives reruns and a model trained meanwhile does not
change it. The labels come from the page's own strings (:func:`source_labels` reads the usual three).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from dashboard.components.resources import available_pretrained, get_pretrained
from dashboard.components.session_models import load_checkpoint_model, saved_run_models, session_models
from dashboard.i18n import t

__all__ = ["SOURCES", "ModelOption", "load_option", "model_options", "option_version", "pick_model", "source_labels"]

#: Where a model comes from, in the order the picker lists them.
SOURCES = ("pretrained", "session", "saved")


@dataclass(frozen=True)
class ModelOption:
    """One model a page can offer (nothing loaded yet)."""

    key: str  # widget value: "pretrained:<name>" or "path:<checkpoint folder>"
    source: str  # "pretrained" | "session" | "saved" (see SOURCES)
    name: str  # pretrained name, or the run id
    path: str  # checkpoint folder


def model_options(kind: str, *, first: Sequence[str] = ()) -> list[ModelOption]:
    """Every model of ``kind`` this session may use: shipped ones, then this session's (newest first), then
    its saved runs (the runs whose owner key it holds; never other visitors' runs).

    Shipped models named in ``first`` come ahead of the others, in that order (the page's preferred
    model is then the default); the rest keep ``pretrained/``'s alphabetical order. A run of this
    session is also a saved run on disk: it is listed once, as this session's.
    """
    from engine.lm.compare import checkpoint_kind
    from engine.train.checkpoint import PRETRAINED_DIR

    rank = {name: i for i, name in enumerate(first)}
    shipped = sorted(available_pretrained(kind), key=lambda n: rank.get(n, len(rank)))  # stable: ties keep order
    options = [ModelOption(f"pretrained:{name}", "pretrained", name, str(PRETRAINED_DIR / name)) for name in shipped]
    seen = {o.key for o in options}
    runs = [("session", e) for e in reversed(session_models())] + [("saved", e) for e in saved_run_models()]
    for source, entry in runs:
        key = f"path:{entry['path']}"
        if key in seen or checkpoint_kind(entry["path"]) != kind:
            continue
        seen.add(key)
        options.append(ModelOption(key, source, entry["id"], entry["path"]))
    return options


def pick_model(
    options: Sequence[ModelOption],
    label: str,
    *,
    key: str,
    format_label: Callable[[ModelOption], str],
    container: Any = None,
    none_text: str | None = None,
    none_key: str | None = None,
) -> ModelOption | None:
    """A selectbox over ``options`` (widget ``key``) and the option chosen; the first one until the user picks.

    With no options it returns None; given ``none_text`` it first shows a disabled selectbox with
    that text (widget ``none_key``, default ``key + "_none"``), so the layout does not jump.
    ``container`` is where the widget goes (a column; default: the page).
    """
    where = st if container is None else container
    if not options:
        if none_text is not None:
            where.selectbox(label, [none_text], disabled=True, key=none_key or key + "_none")
        return None
    by_key = {o.key: o for o in options}
    # A stale choice (a run deleted, a model of another kind) falls back to the first option.
    if st.session_state.get(key) not in by_key:
        st.session_state[key] = options[0].key
    choice = where.selectbox(label, list(by_key), format_func=lambda k: format_label(by_key[k]), key=key)
    return by_key[choice]


def source_labels(prefix: str) -> Callable[[ModelOption], str]:
    """Labels from a page's strings ``<prefix>model_pretrained`` (``{name}``), ``<prefix>model_session``
    and ``<prefix>model_saved`` (``{run}``), e.g. "charlm-shakespeare (pretrained)", "run <id> (saved run)".
    """

    def label(option: ModelOption) -> str:
        if option.source == "pretrained":
            return t(prefix + "model_pretrained", name=option.name)
        return t(f"{prefix}model_{option.source}", run=option.name)

    return label


def load_option(option: ModelOption) -> Any:
    """The model of ``option``, eval mode and frozen, from the shared per-process caches.

    Raises :class:`engine.train.checkpoint.CheckpointError` (a ``ValueError``) for a folder that is not a
    checkpoint, ``ValueError`` for a shipped name that disappeared.
    """
    with st.spinner(t("resources.loading_model", name=option.name)):
        if option.source == "pretrained":
            return get_pretrained(option.name)
        return load_checkpoint_model(option.path)


def option_version(option: ModelOption) -> str:
    """A cache key for what a page computes with the model: it changes when the checkpoint is rewritten.

    (A running training overwrites its ``best/``.) Raises ``OSError`` when the weights are gone.
    """
    return f"{option.key}@{(Path(option.path) / 'model.safetensors').stat().st_mtime}"
