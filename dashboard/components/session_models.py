"""Char-LMs trained in the app: the browser session's list, saved runs on disk, and a cached loader.

The "Train a char-LSTM" page adds a run's best checkpoint here ("use on the Generate page"); the
"Generate text" page offers these next to the shipped pretrained models::

    remember_model(run.id, run.checkpoint("best"))       # train page
    for entry in session_models(): ...                   # generate page: {"id", "path"}
    model = load_checkpoint_model(entry["path"])         # cached, eval mode, frozen

The list lives in ``st.session_state`` (one per browser session); the runs themselves live on disk
under :func:`engine.train.live.runs_root`.

A run belongs to its creator: the session that starts it holds its *owner key* (:func:`hold_owner_key`;
the Train page also puts it in the owner's link, ``?run=<id>&key=<key>``, so another tab or a later
visit can claim it back). :func:`saved_run_models` lists only the runs whose key this session holds,
never other visitors' runs, nor run folders made before runs had owners::

    hold_owner_key(run.id, key)                          # train page, when it creates the run
    owner_key(run.id)                                    # the key, or None: read-only here
    saved_run_models()                                   # this session's runs with a best/ checkpoint
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import streamlit as st

__all__ = ["KEYS_KEY", "SESSION_KEY", "hold_owner_key", "is_run_id", "load_checkpoint_model", "owner_key",
           "owner_keys", "remember_model", "saved_run_models", "session_models"]

#: ``st.session_state`` key of this browser session's models: a list of ``{"id", "path"}`` dicts.
SESSION_KEY = "session_models"
#: ``st.session_state`` key of the owner keys this session holds: ``{run id: owner key}``.
KEYS_KEY = "run_owner_keys"

_RUN_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{0,99}$")


def is_run_id(value: object) -> bool:
    """Whether ``value`` looks like a run folder name (no path separators, no dot-files)."""
    return isinstance(value, str) and bool(_RUN_ID.match(value))


def session_models() -> list[dict[str, str]]:
    """This browser session's trained models, oldest first (a copy: change it with remember_model)."""
    return [dict(entry) for entry in st.session_state.get(SESSION_KEY, [])]


def remember_model(run_id: str, path: str | Path) -> None:
    """Add (or move to the end) the checkpoint ``path`` of run ``run_id`` in the session's list."""
    entries = [e for e in st.session_state.get(SESSION_KEY, []) if e["id"] != run_id]
    entries.append({"id": run_id, "path": str(path)})
    st.session_state[SESSION_KEY] = entries


def hold_owner_key(run_id: str, key: str) -> None:
    """Keep the owner key of run ``run_id`` in this session (check it first: ``LiveRun.is_owner``)."""
    st.session_state[KEYS_KEY] = {**st.session_state.get(KEYS_KEY, {}), run_id: key}


def owner_key(run_id: str) -> str | None:
    """The owner key this session holds for ``run_id``, or None."""
    return st.session_state.get(KEYS_KEY, {}).get(run_id)


def owner_keys() -> dict[str, str]:
    """Every owner key this session holds, ``{run id: key}`` (a copy)."""
    return dict(st.session_state.get(KEYS_KEY, {}))


def saved_run_models(root: Path | None = None) -> list[dict[str, str]]:
    """This session's runs (their owner key held here) that have a ``best/`` checkpoint, newest first
    (``{"id", "path"}``). Other visitors' runs and runs without an owner are never listed."""
    from engine.train.live import owned_runs

    return [{"id": run_dir.name, "path": str(run_dir / "best")} for run_dir in owned_runs(owner_keys(), root)
            if (run_dir / "best" / "model.safetensors").is_file()]


@st.cache_resource(show_spinner=False, max_entries=4)
def _load(path: str, mtime: float) -> Any:
    from engine.train.checkpoint import load_model

    model = load_model(path)
    model.eval()
    model.requires_grad_(False)
    return model


def load_checkpoint_model(path: str | Path) -> Any:
    """The model in checkpoint folder ``path``, eval mode and frozen, cached per server process.

    The cache key includes the weights' modification time, so a ``best/`` that a running training
    overwrites is loaded afresh. Raises :class:`engine.train.checkpoint.CheckpointError` for a bad folder.
    """
    from engine.train.checkpoint import CheckpointError

    weights = Path(path) / "model.safetensors"
    try:
        mtime = weights.stat().st_mtime
    except OSError:
        raise CheckpointError(f"{path} is not a checkpoint folder (no model.safetensors)") from None
    return _load(str(path), mtime)
