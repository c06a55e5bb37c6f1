"""The Train page's settings form and the run beside it: the form shows the settings of the run it shows.

Reopening a run (a ``?run=`` link, a reload, "Show run") used to leave the form at the page's defaults
(another corpus, 1,000 steps, a warning that the default corpus is missing) beside a run trained with
other settings. Now, whenever the page shows another run, :func:`follow_run` copies that run's settings
into the form's widgets, and the training text becomes "this run's text" (the run keeps its own copy,
so a run from an uploaded or pasted text has it too). While the run trains, the form is read-only
(:func:`locked`); once it stops, the same settings are the start of the next experiment.

Which widget holds which setting is written once, in :data:`FORM_FIELDS`::

    follow_run(run)                  # in render(), before the form is drawn
    disabled = locked(run)           # every widget of the form: disabled=disabled

It also says what to do when a named corpus is not on the server (:func:`missing_corpus`): download it
from its public address when it has one (Tiny Shakespeare), else how to provide it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from dashboard.components.labels import count
from dashboard.i18n import t
from engine.data.corpora import (
    CACHE_DIR,
    CORPORA,
    ENV_DATA_DIR,
    TEXT_CORPORA,
    CorpusNotFoundError,
    DataError,
    load_text,
)

__all__ = ["CORPUS_KEY", "FORM_FIELDS", "RUN_SOURCE", "SOURCE_KEY", "follow_run", "form_values", "locked",
           "missing_corpus"]

_P = "page.train_char_lstm."
#: The widget key of the text's source, and the source that means "the shown run's own text".
SOURCE_KEY = "train.source"
CORPUS_KEY = "train.corpus"
RUN_SOURCE = "run"
_SHOWN_KEY = "train._form_follows"  # id of the run whose settings the form was last set to

#: widget key -> (section of run.json, field, how the widget shows the field's value)
FORM_FIELDS: dict[str, tuple[str, str, Callable[[Any], Any]]] = {
    "train.cell": ("model", "cell", str),
    "train.impl": ("model", "fused", lambda fused: "fused" if fused else "scratch"),
    "train.peephole": ("model", "peephole", bool),
    "train.layers": ("model", "n_layer", int),
    "train.hidden": ("model", "n_hidden", int),
    "train.embd": ("model", "n_embd", int),
    "train.dropout": ("model", "dropout", float),
    "train.seq_len": ("data", "seq_len", int),
    "train.bptt": ("data", "bptt", str),
    "train.batch": ("data", "batch_size", int),
    "train.lr": ("train", "lr", float),
    "train.clip": ("train", "grad_clip", lambda clip: float(clip or 0.0)),
    "train.max_steps": ("train", "max_steps", int),
    "train.eval_every": ("train", "eval_every", int),
    "train.sample_every": ("train", "sample_every", int),
}


def form_values(info: dict) -> dict[str, Any]:
    """The form's widget values for a run's ``run.json`` (fields the run does not record are left out).

    >>> form_values({"model": {"cell": "gru", "fused": False}, "train": {"max_steps": 300, "grad_clip": None}})
    {'train.cell': 'gru', 'train.impl': 'scratch', 'train.clip': 0.0, 'train.max_steps': 300}
    """
    out = {}
    for key, (section, name, shown) in FORM_FIELDS.items():
        if name in (info.get(section) or {}):
            out[key] = shown(info[section][name])
    return out


def follow_run(run: Any | None) -> None:
    """Set the form to ``run``'s settings and text when the page shows a run it was not set to before.

    The text: a named corpus is picked by name, any other text is "this run's text" (the run's own copy;
    the page previews it to the run's owner only). The values go into ``st.session_state`` and the script
    reruns once, so every widget is drawn from them (a widget drawn in the same run as the assignment
    would warn about a second default).
    """
    if run is None or st.session_state.get(_SHOWN_KEY) == run.id:
        return
    st.session_state[_SHOWN_KEY] = run.id
    st.session_state.update(form_values(run.info))
    corpus = run.info.get("corpus")
    if corpus in TEXT_CORPORA:
        st.session_state.update({SOURCE_KEY: "named", CORPUS_KEY: corpus})
    else:
        st.session_state[SOURCE_KEY] = RUN_SOURCE
    st.rerun()


def locked(run: Any | None) -> bool:
    """The form is read-only while the run it shows is training (its settings cannot change mid-run)."""
    return run is not None and bool(run.is_alive)


def missing_corpus(name: str, label: str, data_dir: str | None) -> None:
    """Say that corpus ``name`` is not on this server, and what can be done: download it from here (a
    corpus with a public address; the file is checked against its MD5 and kept for every later visit),
    or provide it in a data directory."""
    corpus = CORPORA[name]
    where = dict(name=label, path=corpus.relpath, env=ENV_DATA_DIR)
    if corpus.url is None:
        st.warning(t(_P + "corpus_missing", **where), icon=":material/folder_off:")
        return
    st.warning(t(_P + "corpus_missing_download", url=corpus.url, cache=str(CACHE_DIR), **where),
               icon=":material/cloud_download:")
    if st.button(t(_P + "download_corpus", name=label), icon=":material/download:", key="train.download_corpus"):
        try:
            with st.spinner(t(_P + "downloading", name=label)):
                text = load_text(name, data_dir, download=True)
        except (CorpusNotFoundError, DataError, OSError) as exc:
            st.error(t(_P + "download_failed", name=label, error=str(exc)[:300]), icon=":material/cloud_off:")
            return
        st.toast(t(_P + "downloaded", name=label, chars=count(len(text))), icon=":material/check:")
        st.rerun()  # the page now finds the file in the download cache
