"""What the "Train a char-LSTM" page needs to keep track of runs: the run a session shows, the runs it
owns, the run's link, and taking a training slot for this visitor.

* **A run belongs to the session that created it.** The session holds the run's owner key
  (:func:`~dashboard.components.session_models.hold_owner_key`), and the owner's URL carries it:
  ``?run=<id>&key=<owner key>`` is the link to bookmark, which claims the run back in another tab,
  another browser or a later visit. ``?run=<id>`` alone is the link to share: it shows the run's
  progress, charts and samples read-only, without Pause, Stop, Resume, Download or "use on the
  Generate page". A run folder made before runs had owners belongs to no one: read-only for everyone.
* The session's runs (its table, the run selector, the Generate page's list) are the runs it owns;
  the run it shows may be someone else's.
* A training slot is taken for this visitor (:func:`~dashboard.components.visitor.visitor_id`, one per
  browser): ``LIMITS.max_runs_per_visitor`` runs training at once whatever the tabs, and
  ``LIMITS.max_concurrent_runs`` on the server. A paused run holds no slot; resuming takes one again.
"""

from __future__ import annotations

import shutil

import streamlit as st

from dashboard.components.session_models import hold_owner_key, is_run_id, owner_key
from dashboard.components.visitor import visitor_id
from dashboard.i18n import t
from engine.data import DataError
from engine.lm.model import CharLMConfig
from engine.lm.recipe import CharLMData
from engine.train.live import (
    ACTIVE,
    LIMITS,
    LiveRun,
    RunAccessError,
    RunLimitError,
    ServerBusyError,
    VisitorLimitError,
    active_runs,
    new_owner_key,
    runs_root,
)
from engine.train.trainer import TrainConfig

__all__ = ["CURRENT_KEY", "KEY_QUERY", "QUERY_KEY", "RUNS_KEY", "attach_from_url", "create_run", "my_training_runs",
           "open_run", "owns", "session_runs", "set_current", "take_slot"]

_P = "page.train_char_lstm."

# Session state keys (per browser session).
CURRENT_KEY = "train.current_run"  # id of the run the page shows
RUNS_KEY = "train.session_runs"  # ids of the runs this session owns (started, or claimed with their key), in order
_OBJECTS_KEY = "train._run_objects"  # run id -> (size of its metrics.jsonl, LiveRun read from its folder)
_REFUSED_KEY = "train._key_refused"  # id of the run a link came with a wrong key for
QUERY_KEY = "run"  # ?run=<id>
KEY_QUERY = "key"  # &key=<owner key>, in the owner's URL only


def open_run(run_id: object) -> LiveRun | None:
    """The run ``run_id``: the live object if this server trains it, else read from its folder.

    The folder's reading is cached per session and read again when the run's event log has grown (the
    run was resumed and paused meanwhile, maybe by its owner in another session).
    """
    if not is_run_id(run_id):
        return None
    live = ACTIVE.get(run_id)
    if live is not None:
        return live
    run_dir = runs_root() / run_id
    try:
        size = (run_dir / "metrics.jsonl").stat().st_size
    except OSError:
        size = -1
    cache = st.session_state.setdefault(_OBJECTS_KEY, {})
    cached = cache.get(run_id)
    if cached is None or (cached[0] != size and not cached[1].is_alive):
        if not (run_dir / "run.json").is_file():
            return None
        try:
            cache[run_id] = (size, LiveRun.open(run_dir))
        except (OSError, ValueError):  # a half-written or foreign folder
            return None
    return cache[run_id][1]


def owns(run: LiveRun) -> bool:
    """Whether this session holds ``run``'s owner key (and so may control and download it)."""
    return run.is_owner(owner_key(run.id))


def _link(run: LiveRun) -> None:
    """The URL names the run shown; for its owner, with the owner key (the link to bookmark)."""
    if st.query_params.get(QUERY_KEY) != run.id:
        st.query_params[QUERY_KEY] = run.id
    key = owner_key(run.id) if owns(run) else None
    if key is None:
        if KEY_QUERY in st.query_params:
            del st.query_params[KEY_QUERY]
    elif st.query_params.get(KEY_QUERY) != key:
        st.query_params[KEY_QUERY] = key


def set_current(run: LiveRun) -> None:
    """Show ``run``; one the session owns also joins the session's runs."""
    st.session_state[CURRENT_KEY] = run.id
    if owns(run):
        runs = st.session_state.setdefault(RUNS_KEY, [])
        if run.id not in runs:
            runs.append(run.id)
    _link(run)


def session_runs() -> list[LiveRun]:
    """The runs this session owns, in the order it got them."""
    return [run for run in map(open_run, st.session_state.get(RUNS_KEY, [])) if run is not None]


def attach_from_url() -> LiveRun | None:
    """Follow ``?run=<id>`` (reload, closed tab, shared link) and ``&key=`` (the owner's link); keep the URL
    naming the current run. A key that does not open the run is a warning, and leaves the run read-only."""
    wanted = st.query_params.get(QUERY_KEY)
    key = st.query_params.get(KEY_QUERY)
    if wanted and (wanted != st.session_state.get(CURRENT_KEY) or key):
        run = open_run(wanted)
        if run is None:
            st.warning(t(_P + "url_run_missing", run=str(wanted)[:100]), icon=":material/link_off:")
            del st.query_params[QUERY_KEY]
        else:
            if key and owner_key(run.id) != key:
                if run.is_owner(key):
                    hold_owner_key(run.id, key)
                else:
                    st.session_state[_REFUSED_KEY] = run.id  # said while the page shows this run (reruns too)
            set_current(run)
    current = open_run(st.session_state.get(CURRENT_KEY))
    if current is None:
        st.session_state.pop(CURRENT_KEY, None)
        if KEY_QUERY in st.query_params:
            del st.query_params[KEY_QUERY]
    else:
        _link(current)
        if st.session_state.get(_REFUSED_KEY) == current.id and not owns(current):
            st.warning(t(_P + "key_wrong", run=current.id), icon=":material/key_off:")
    return current


def my_training_runs() -> list[LiveRun]:
    """This visitor's runs training now, in any tab."""
    return active_runs(visitor_id())


def take_slot(run: LiveRun) -> bool:
    """Start or resume ``run`` for this visitor; False, with the reason on the page, when it may not."""
    try:
        run.check_owner(owner_key(run.id))
        run.start(visitor=visitor_id())
    except RunAccessError:
        st.error(t(_P + "read_only_action"), icon=":material/lock:")
    except VisitorLimitError:
        st.error(t(_P + "visitor_busy", n=LIMITS.max_runs_per_visitor), icon=":material/block:")
    except ServerBusyError:
        st.error(t(_P + "server_busy", runs=LIMITS.max_concurrent_runs), icon=":material/block:")
    except RunLimitError as exc:
        st.error(t(_P + "limit_error", message=str(exc)), icon=":material/block:")
    except (DataError, ValueError) as exc:
        st.error(t(_P + "start_failed", message=str(exc)), icon=":material/block:")
    else:
        run.touch()  # the page watches it from now on (the idle limit)
        return True
    return False


def create_run(text: str, corpus_name: str, model: CharLMConfig, data: CharLMData,
               train: TrainConfig) -> LiveRun | None:
    """A new run owned by this session, training, and shown; None (with the reason shown) when it may not."""
    if len(my_training_runs()) >= LIMITS.max_runs_per_visitor:  # a double click, a stale button
        return None
    key = new_owner_key()
    try:
        run = LiveRun.create(text, corpus_name, model, data, train, owner_key=key)
    except RunLimitError as exc:
        st.error(t(_P + "limit_error", message=str(exc)), icon=":material/block:")
        return None
    except (DataError, ValueError) as exc:
        st.error(t(_P + "start_failed", message=str(exc)))
        return None
    hold_owner_key(run.id, key)
    if not take_slot(run):
        shutil.rmtree(run.run_dir, ignore_errors=True)
        return None
    set_current(run)
    return run
