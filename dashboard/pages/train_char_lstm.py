"""Train a char-LSTM: pick a text and a model, train it in the background, watch it learn.

The page only wires widgets: the run itself is an :class:`engine.train.live.LiveRun` (a daemon thread
plus a run folder on disk), so reruns, page switches and closed tabs never stop or duplicate it.

* A run belongs to the session that created it (``dashboard/components/train_runs.py``): its id is in
  ``st.session_state`` and in the URL, ``?run=<id>&key=<owner key>`` for its owner. Opening such a URL (a
  reload, a closed tab, another browser) reattaches to the run: to the live thread if this server is
  still training it, else to its folder, with "Resume" when it was paused, interrupted or stopped
  (``LiveRun.start`` continues from ``last/``). Without the key, the link shows the run read-only.
* Limits are per visitor (one browser, ``dashboard/components/visitor.py``): one run training at once,
  whatever the tabs. Pausing frees the training slot; a run no page looks at for 30 minutes is paused.
* The live part is a fragment that reruns every 1.5 s while the run trains, so only the charts
  refresh; when the run ends the fragment triggers one full rerun and stops ticking.
* The form's settings (the named corpus, the model, the training knobs) live in the URL (:data:`URL`), so a
  teacher's link opens the form as they set it; each widget starts at the named preset ``page-default``.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import partial

import streamlit as st

from dashboard.components import charts, train_form
from dashboard.components.labels import PASTED, corpus_label, count, nats_unit, vocab_label
from dashboard.components.session_models import remember_model
from dashboard.components.train_runs import (
    attach_from_url,
    create_run,
    my_training_runs,
    open_run,
    owns,
    session_runs,
    set_current,
    take_slot,
)
from dashboard.components.url_state import Setting, UrlState
from dashboard.i18n import STRINGS, t
from engine.data import TEXT_CORPORA, CorpusNotFoundError, DataError, load_text
from engine.data.corpora import ENV_DATA_DIR, decode_text
from engine.data.text import CharVocab, corpus_stats, split_train_val
from engine.lm.model import CELLS, CharLMConfig
from engine.lm.presets import PRESETS
from engine.lm.recipe import BPTT, CharLMData
from engine.metrics import VocabSize, nats_to_bits, params_per_char, perplexity, unigram_entropy
from engine.train.checkpoint import archive_checkpoint
from engine.train.live import LIMITS, LiveRun, check_text_fits, estimate_params, estimate_run_memory, min_text_chars
from engine.train.trainer import TrainConfig

_P = "page.train_char_lstm."

# Session state keys (per browser session); the runs' own are in dashboard/components/train_runs.py.
_REFS_KEY = "train._refs"  # run id -> reference entropies of its training text
_WAS_ALIVE_KEY = "train._was_alive"
_SHOW_RUN_KEY = "train.show_run"

REFRESH_S = 1.5
RESUMABLE = ("paused", "interrupted", "stopped", "new")
VAL_FRACTION = PRESETS["page-default"].data.val_fraction
LAYERS, HIDDEN, EMBD = (1, 2, 3), (16, 32, 64, 128, 256, 384, 512, 768, 1024), (8, 16, 32, 64, 128)
SEQ_LENS, BATCHES = (8, 16, 32, 64, 128, 256), (1, 2, 4, 8, 16, 32, 64, 128)
LRS, CLIPS = (1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 3e-2, 1e-1), (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
_D = PRESETS["page-default"]  # every widget starts at this named preset (engine/lm/presets.py)
#: The form in the URL (?cell=gru&hidden=256&max_steps=500); widget keys "train.<name>"; a run's own ?run=&key= apart.
URL = UrlState("train.", {
    "corpus": Setting(TEXT_CORPORA[0], tuple(TEXT_CORPORA)), "cell": Setting(_D.model.cell, tuple(CELLS)),
    "impl": Setting("fused" if _D.model.fused else "scratch", ("fused", "scratch")),
    "peephole": Setting(_D.model.peephole), "layers": Setting(_D.model.n_layer, choices=LAYERS),
    "hidden": Setting(_D.model.n_hidden, choices=HIDDEN), "embd": Setting(_D.model.n_embd, choices=EMBD),
    "dropout": Setting(_D.model.dropout, (0.0, 0.5)), "seq_len": Setting(_D.data.seq_len, choices=SEQ_LENS),
    "bptt": Setting(_D.data.bptt, BPTT), "batch": Setting(_D.data.batch_size, choices=BATCHES),
    "lr": Setting(_D.train.lr, choices=LRS), "clip": Setting(float(_D.train.grad_clip or 0.0), choices=CLIPS),
    "max_steps": Setting(_D.train.max_steps, (1, LIMITS.max_steps)),
    "eval_every": Setting(_D.train.eval_every, (1, LIMITS.max_steps)),
    "sample_every": Setting(_D.train.sample_every, (0, LIMITS.max_steps)),
})


def _t(key: str, **fmt: object) -> str:
    return t(_P + key, **fmt)


def _compact(n: int) -> str:
    """1234567 -> "1.23M", 45678 -> "45.7k": fits a narrow metric (the exact number goes in its tooltip)."""
    if n >= 1_000_000:
        return f"{n / 1e6:.2f}M"
    if n >= 10_000:
        return f"{n / 1e3:.1f}k"
    return f"{n:,}"


def _fmt_bits(nats: float | None) -> str:
    return "–" if nats is None else f"{nats_to_bits(nats):.3f}"


# ------------------------------------------------------------------------------------------ runs
def _refs(run: LiveRun) -> dict:
    """Reference entropies of a run's training text (computed once per run and session)."""
    refs = st.session_state.setdefault(_REFS_KEY, {})
    if run.id not in refs:
        train_text, _ = split_train_val(run.text, run.info["data"].get("val_fraction", VAL_FRACTION))
        refs[run.id] = {"vocab": VocabSize.of_outputs(len(CharVocab.from_text(run.text))),
                        "unigram": unigram_entropy(train_text or run.text)}
    return refs[run.id]


def _cell_name(cell: str) -> str:
    return _t(f"cell.{cell}")


def _model_summary(model: dict) -> str:
    impl = _t("impl.fused") if model.get("fused", True) else _t("impl.scratch")
    peep = f" + {_t('peephole_short')}" if model.get("peephole") else ""
    return _t("model_summary", cell=_cell_name(model["cell"]), layers=model["n_layer"], hidden=model["n_hidden"],
              impl=impl + peep)


def _status(run: LiveRun) -> str:
    status = run.status
    return "starting" if status == "idle" else status


# ---------------------------------------------------------------------------------------- corpus
@st.cache_data(show_spinner=False, max_entries=4)
def _named_corpus(name: str, data_dir: str | None) -> str:
    # No download from the page: a server without internet would retry (and wait) on every rerun.
    return load_text(name, data_dir, download=False)


@st.cache_data(show_spinner=False, max_entries=8)
def _text_stats(text: str) -> dict:
    train_text, _ = split_train_val(text, VAL_FRACTION)
    stats = corpus_stats(text, top=20)
    stats["vocab"] = VocabSize.of_outputs(len(CharVocab.from_text(text)))  # the model's outputs: + the unknown symbol
    stats["model_vocab"] = stats["vocab"].outputs
    stats["train_chars"] = len(train_text)
    stats["unigram"] = unigram_entropy(train_text or text)
    return stats


def _corpus_label(name: str) -> str:
    key = f"{_P}corpus.{name}"
    return t(key) if key in STRINGS else name


def _corpus_picker(run: LiveRun | None, disabled: bool) -> tuple[str | None, str]:
    """The training text and its name, or ``(None, "")`` with a message saying why there is none."""
    sources = ("named", "upload", "paste") + ((train_form.RUN_SOURCE,) if run is not None else ())
    if st.session_state.get(train_form.SOURCE_KEY) not in sources:
        st.session_state.pop(train_form.SOURCE_KEY, None)
    source = st.radio(_t("source"), sources, horizontal=True, key=train_form.SOURCE_KEY, disabled=disabled,
                      format_func=lambda s: _t(f"source.{s}", name=corpus_label(run.info.get("corpus")) if run else ""))
    text, name = None, ""
    if source == train_form.RUN_SOURCE:
        return run.text, run.info.get("corpus", "")
    if source == "named":
        name = st.selectbox(_t("corpus"), TEXT_CORPORA, index=URL.index("corpus", TEXT_CORPORA),
                            format_func=_corpus_label, key=URL.key("corpus"), disabled=disabled)
        try:
            text = _named_corpus(name, os.environ.get(ENV_DATA_DIR))
        except CorpusNotFoundError:
            train_form.missing_corpus(name, _corpus_label(name), os.environ.get(ENV_DATA_DIR))
            return None, ""
        except DataError as exc:
            st.error(_t("corpus_unreadable", name=_corpus_label(name), detail=str(exc)))
            return None, ""
    elif source == "upload":
        max_mb = st.get_option("server.maxUploadSize")
        upload = st.file_uploader(_t("upload"), type=["txt"], key="train.upload", disabled=disabled,
                                  help=_t("upload_help", mb=max_mb, chars=f"{LIMITS.max_corpus_chars:,}"))
        if upload is None:
            st.caption(_t("upload_waiting"))
            return None, ""
        raw = upload.getvalue()
        name = upload.name
        try:
            text = decode_text(raw, upload.name)
        except DataError as exc:
            st.error(_t("upload_empty" if not raw else "upload_not_utf8", name=upload.name),
                     icon=":material/error:")
            st.caption(str(exc))
            return None, ""
    else:
        text = st.text_area(_t("paste"), key="train.paste", height=180, placeholder=_t("paste_placeholder"),
                            disabled=disabled)
        name = PASTED
        if not text:
            st.caption(_t("paste_waiting"))
            return None, ""
    if len(text) > LIMITS.max_corpus_chars:
        st.error(_t("too_long", n=f"{len(text):,}", cap=f"{LIMITS.max_corpus_chars:,}"))
        return None, ""
    return text, name


def _corpus_stats(text: str, preview: bool = True) -> dict:
    """The text's size, vocabulary and entropy; ``preview``: also its most common characters and its start."""
    stats = _text_stats(text)
    c1, c2 = st.columns(2)
    c1.metric(_t("stat.chars"), _compact(stats["characters"]), help=f"{stats['characters']:,}")
    vocab: VocabSize = stats["vocab"]
    c2.metric(_t("stat.vocab"), count(vocab.outputs), help=_t("stat.vocab_help", vocab=vocab_label(vocab)))
    st.caption(_t("stat.entropy", unigram=f"{nats_to_bits(stats['unigram']):.2f}", uniform=f"{vocab.uniform_bits:.2f}",
                  v=vocab.outputs, vocab=vocab_label(vocab)))
    if not preview:  # another visitor's uploaded or pasted text: its numbers, not its content
        return stats
    with st.expander(_t("stat.details")):
        st.plotly_chart(charts.char_frequency_figure(stats["most_common"], title=_t("stat.freq_title"),
                                                     x_title=_t("stat.freq_x"), y_title=_t("stat.freq_y")),
                        config={"displayModeBar": False})
        st.caption(_t("stat.preview"))
        st.code(text[:400], language=None, wrap_lines=True)
    return stats


# ---------------------------------------------------------------------------------------- knobs
def _knobs(off: bool) -> tuple[CharLMConfig, CharLMData, TrainConfig]:
    """The model and training settings (``off``: read-only, the settings of the run that trains)."""
    p, k = _D, URL.key
    st.markdown(f"**{_t('model_header')}**")
    c1, c2 = st.columns(2)
    # value=/index= from the session as well as key=: a widget the browser draws afresh (its own value lost, as
    # seen under load when a rerun was interrupted) starts from the session's setting, not at its minimum (a run
    # of 1 step, validated every step); see dashboard/components/url_state.py.
    v = URL.__getitem__  # the session's current value of a setting
    cell = c1.selectbox(_t("cell"), CELLS, index=URL.index("cell", CELLS), format_func=_cell_name, key=k("cell"),
                        disabled=off)
    impl = c2.radio(_t("impl"), ("fused", "scratch"), index=URL.index("impl", ("fused", "scratch")),
                    format_func=lambda x: _t(f"impl.{x}"), key=k("impl"), disabled=off, help=_t("impl_help"))
    can_peep = cell == "lstm" and impl == "scratch"
    peephole = st.checkbox(_t("peephole"), value=v("peephole"), key=k("peephole"), disabled=off or not can_peep,
                           help=_t("peephole_help")) and can_peep
    n_layer = c1.select_slider(_t("layers"), LAYERS, value=v("layers"), key=k("layers"), disabled=off)
    n_hidden = c2.select_slider(_t("hidden"), HIDDEN, value=v("hidden"), key=k("hidden"), disabled=off)
    n_embd = c1.select_slider(_t("embd"), EMBD, value=v("embd"), key=k("embd"), disabled=off)
    dropout = c2.slider(_t("dropout"), 0.0, 0.5, value=v("dropout"), step=0.05, key=k("dropout"),
                        help=_t("dropout_help"), disabled=off)

    st.markdown(f"**{_t('train_header')}**")
    c1, c2 = st.columns(2)
    seq_len = c1.select_slider(_t("seq_len"), SEQ_LENS, value=v("seq_len"), key=k("seq_len"),
                               help=_t("seq_len_help"), disabled=off)
    bptt = c2.radio(_t("bptt"), BPTT, index=URL.index("bptt", BPTT), format_func=lambda x: _t(f"bptt.{x}"),
                    key=k("bptt"), disabled=off, help=_t("bptt_help"))
    batch = c1.select_slider(_t("batch"), BATCHES, value=v("batch"), key=k("batch"), disabled=off)
    lr = c2.select_slider(_t("lr"), LRS, value=v("lr"), format_func=lambda x: f"{x:g}", key=k("lr"), disabled=off)
    clip = c1.select_slider(_t("clip"), CLIPS, value=v("clip"),
                            format_func=lambda x: _t("clip_off") if x == 0 else f"{x:g}",
                            key=k("clip"), help=_t("clip_help"), disabled=off)
    max_steps = c2.number_input(_t("max_steps"), 1, LIMITS.max_steps, value=v("max_steps"), step=100,
                                key=k("max_steps"), disabled=off)
    eval_every = c1.number_input(_t("eval_every"), 1, LIMITS.max_steps, value=v("eval_every"), step=50,
                                 key=k("eval_every"), help=_t("eval_every_help"), disabled=off)
    sample_every = c2.number_input(_t("sample_every"), 0, LIMITS.max_steps, value=v("sample_every"), step=50,
                                   key=k("sample_every"), disabled=off, help=_t("sample_every_help"))
    model = replace(p.model, cell=cell, fused=impl == "fused", peephole=peephole, n_layer=n_layer,
                    n_hidden=n_hidden, n_embd=n_embd, dropout=dropout)
    data = replace(p.data, batch_size=batch, seq_len=seq_len, bptt=bptt)
    max_steps = int(max_steps)
    train = replace(p.train, max_steps=max_steps, lr=lr, grad_clip=clip, eval_every=int(eval_every),
                    checkpoint_every=int(eval_every), sample_every=int(sample_every),
                    warmup_steps=min(p.train.warmup_steps, max_steps // 10))  # a short run: a short warmup
    return model, data, train


def _size_check(stats: dict, model: CharLMConfig, data: CharLMData) -> bool:
    """Show the parameter count, parameters-to-data ratio and memory estimate; False when the run cannot start."""
    n_params = estimate_params(stats["model_vocab"], model)
    ratio = params_per_char(n_params, stats["train_chars"])
    n_bytes = estimate_run_memory(stats["model_vocab"], model, data)  # weights x 4 + one BPTT step's activations
    c1, c2, c3 = st.columns(3)
    c1.metric(_t("params"), _compact(n_params), help=f"{n_params:,}")
    c2.metric(_t("ratio"), f"{ratio:.2f}" if ratio < 100 else f"{ratio:.0f}", help=_t("ratio_help"))
    c3.metric(_t("memory"), _t("mb", mb=f"{n_bytes / 1e6:,.0f}"),
              help=_t("memory_help", cap=f"{LIMITS.max_run_bytes / 1e6:,.0f}"))
    verdict = "ratio_high" if ratio >= 1 else ("ratio_low" if ratio < 0.05 else "ratio_mid")
    st.caption(_t(verdict, ratio=f"{ratio:.2f}"))
    ok = True
    if n_params > LIMITS.max_params:
        st.error(_t("too_big", n=f"{n_params:,}", cap=f"{LIMITS.max_params:,}"))
        ok = False
    if n_bytes > LIMITS.max_run_bytes:
        st.error(_t("too_much_memory", mb=f"{n_bytes / 1e6:,.0f}", cap=f"{LIMITS.max_run_bytes / 1e6:,.0f}"),
                 icon=":material/memory:")
        ok = False
    try:
        check_text_fits(stats["characters"], data)
    except DataError:
        st.warning(_t("too_short" if data.bptt == "truncated" else "too_short_full", n=count(stats["characters"]),
                      need=count(min_text_chars(data)), batch=data.batch_size, seq_len=data.seq_len,
                      train_pct=f"{1 - data.val_fraction:.0%}"), icon=":material/short_text:")
        ok = False
    return ok


def _start_run(text: str, corpus_name: str, model: CharLMConfig, data: CharLMData, train: TrainConfig) -> None:
    if create_run(text, corpus_name, model, data, train) is not None:  # else it says why
        st.rerun()


def _setup_column(run: LiveRun | None) -> None:
    off = train_form.locked(run)  # the settings of the run that trains, read-only
    st.subheader(f"1 · {_t('data_header')}")
    if off:
        st.info(_t("form_locked", run=run.id), icon=":material/lock:")
    text, corpus_name = _corpus_picker(run, off)
    theirs = st.session_state.get(train_form.SOURCE_KEY) == train_form.RUN_SOURCE and not owns(run)
    stats = _corpus_stats(text, preview=not theirs) if text else None
    if theirs:
        st.caption(_t("their_text"))
    st.subheader(f"2 · {_t('setup_header')}")
    model, data, train = _knobs(off)
    ok = stats is not None and _size_check(stats, model, data) and not theirs and not off
    st.caption(_t("caps", params=f"{LIMITS.max_params:,}", memory=f"{LIMITS.max_run_bytes / 1e6:,.0f}",
                  steps=f"{LIMITS.max_steps:,}", chars=f"{LIMITS.max_corpus_chars:,}", runs=LIMITS.max_concurrent_runs,
                  per_visitor=LIMITS.max_runs_per_visitor, idle=f"{(LIMITS.idle_s or 0) / 60:.0f}"))
    mine = my_training_runs()
    busy = len(mine) >= LIMITS.max_runs_per_visitor
    if busy:  # a run that is pausing still holds its slot until its checkpoint is saved: say that, not "training"
        pausing = all(r.status == "pausing" for r in mine)
        st.info(_t("one_run_pausing" if pausing else "one_run", run=", ".join(r.id for r in mine),
                   n=LIMITS.max_runs_per_visitor), icon=":material/hourglass_top:")
    if st.button(_t("start"), type="primary", icon=":material/play_arrow:", key="train.start",
                 disabled=not ok or busy, width="stretch"):
        _start_run(text, corpus_name, model, data, train)


# ------------------------------------------------------------------------------------- live panel
_TOAST_KEY = "train.toast"


def _request(run: LiveRun, action: str) -> None:
    """Button callback: pause or stop ``run`` before the page reruns, and say so in a toast."""
    run.pause() if action == "pause" else run.stop()
    st.session_state[_TOAST_KEY] = action


def _controls(run: LiveRun, status: str) -> None:
    """Pause / Stop / Resume, for the run's owner only; everyone else is told the run is read-only."""
    if not owns(run):
        st.info(_t("read_only" if run.has_owner else "read_only_legacy"), icon=":material/visibility:")
        return
    c1, c2, _ = st.columns([1, 1, 2])
    if run.is_alive:
        # on_click runs before the script does, so the form above already shows the run as pausing or stopping
        if status != "pausing":
            c1.button(_t("pause"), icon=":material/pause:", key="train.pause", width="stretch", help=_t("pause_help"),
                      on_click=_request, args=(run, "pause"))
        c2.button(_t("stop"), icon=":material/stop:", key="train.stop", width="stretch", on_click=_request,
                  args=(run, "stop"))
    toast = st.session_state.pop(_TOAST_KEY, None)
    if toast:
        st.toast(_t(f"{toast}_requested"), icon=f":material/{toast}:")
    elif status in RESUMABLE:
        if c1.button(_t("resume"), icon=":material/play_arrow:", key="train.resume", type="primary",
                     width="stretch", help=_t("resume_help")) and take_slot(run):
            st.rerun()  # full rerun: the panel starts ticking, the Start button is disabled


def _metrics(run: LiveRun, hist: dict) -> None:
    c1, c2, c3 = st.columns(3)  # the step is in the progress bar
    loss = charts.smooth(hist["loss"])[-1] if hist["loss"] else None
    c1.metric(_t("m.train"), _fmt_bits(loss), help=_t("m.bits_help"))
    best = min(hist["val_loss"]) if hist["val_loss"] else None
    c2.metric(_t("m.val"), _fmt_bits(best), help=_t("m.val_help", ppl="–" if best is None else
                                                     f"{perplexity(best):.2f}"))
    speed = charts.typical_speed(hist["tokens_per_s"])  # the dashed line of the speed chart
    c3.metric(_t("m.speed"), "–" if speed is None else f"{speed:,.0f}", help=_t("m.speed_help", n=charts.SPEED_WINDOW))


def _loss_labels(title: str, v: int | str = "V") -> charts.LossLabels:
    return charts.LossLabels(title=title, x=_t("c.step"), nats=_t("c.nats"), bits=_t("c.bits"),
                             train=_t("c.train"), train_smooth=_t("c.train_smooth"), val=_t("c.val"),
                             uniform=_t("c.uniform", v=v), unigram=_t("c.unigram"), nats_unit=nats_unit())


def _charts(run: LiveRun, hist: dict) -> None:
    refs = _refs(run)
    st.plotly_chart(charts.loss_figure(hist, vocab_size=refs["vocab"].outputs, unigram_nats=refs["unigram"],
                                       labels=_loss_labels(_t("c.loss_title"), refs["vocab"].outputs)))
    st.caption(_t("c.loss_caption"))
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(charts.grad_norm_figure(hist["step"], hist["grad_norm"],
                                                clip=run.info["train"].get("grad_clip") or None,
                                                title=_t("c.grad_title"), x_title=_t("c.step"),
                                                y_title=_t("c.grad_y"), clip_label=_t("c.clip")))
    with c2:
        st.plotly_chart(charts.throughput_figure(hist["step"], hist["tokens_per_s"], title=_t("c.speed_title"),
                                                 x_title=_t("c.step"), y_title=_t("c.speed_y"),
                                                 typical_label=_t("c.speed_typical", n="{n}")))


def _samples(hist: dict) -> None:
    samples = hist["samples"]
    st.markdown(f"**{_t('sample_header')}**")
    if not samples:
        st.caption(_t("sample_waiting"))
        return
    step, text = samples[-1]
    st.caption(_t("sample_caption", step=f"{step:,}"))
    st.code(text, language=None, wrap_lines=True)
    if len(samples) > 1:
        with st.expander(_t("sample_history", n=len(samples))):
            for old_step, old_text in reversed(samples[:-1]):
                st.caption(_t("sample_caption", step=f"{old_step:,}"))
                st.code(old_text, language=None, wrap_lines=True)


def _checkpoint_actions(run: LiveRun) -> None:
    best = run.checkpoint("best")
    if best is None:
        st.caption(_t("no_best_yet"))
        return
    c1, c2 = st.columns(2)
    c1.download_button(_t("download"), data=partial(archive_checkpoint, best, f"charlm-{run.id}"),
                       file_name=f"charlm-{run.id}.zip", mime="application/zip", on_click="ignore",
                       icon=":material/download:", key="train.download", width="stretch")
    if c2.button(_t("use_generate"), icon=":material/edit_note:", key="train.use_generate", width="stretch"):
        remember_model(run.id, best)
        st.success(_t("use_generate_done", run=run.id), icon=":material/check:")


def _session_overview(current: LiveRun) -> None:
    runs = session_runs()
    if not runs:  # a visitor watching someone else's run
        return
    st.markdown(f"**{_t('session_header')}**")
    rows = []
    for run in runs:
        hist = run.history() if run is current else _finished_history(run)
        best = min(hist["val_loss"]) if hist["val_loss"] else None
        rows.append({
            _t("col.run"): run.id,
            _t("col.corpus"): corpus_label(run.info.get("corpus")),
            _t("col.model"): _model_summary(run.info["model"]),
            _t("col.params"): f"{run.info.get('params', 0):,}",
            _t("col.steps"): f"{run.step:,} / {run.max_steps:,}",
            _t("col.status"): _t(f"status.{_status(run)}"),
            _t("col.best"): _fmt_bits(best),
        })
    st.dataframe(rows, hide_index=True, width="stretch")
    if len(runs) < 2:
        st.caption(_t("compare_hint"))
        return
    curves = []
    for run in runs:
        hist = run.history() if run is current else _finished_history(run)
        label = f"{run.id[-6:]} · {_cell_name(run.info['model']['cell'])} {run.info['model']['n_hidden']}"
        curves.append(charts.RunCurve(label, hist["step"], hist["loss"], hist["eval_step"], hist["val_loss"]))
    st.plotly_chart(charts.compare_runs_figure(curves, title=_t("c.compare_title"), x_title=_t("c.step"),
                                               nats_title=_t("c.nats"), bits_title=_t("c.bits"),
                                               train_suffix=_t("c.train_short"), val_suffix=_t("c.val_short"),
                                               nats_unit=nats_unit()))


def _finished_history(run: LiveRun) -> dict:
    """History of a run that is not the current one; cached while it is not training."""
    if run.is_alive:
        return run.history()
    cache = st.session_state.setdefault("train._histories", {})
    key = (run.id, run.step, run.status)
    if cache.get(run.id, (None,))[0] != key:
        cache[run.id] = (key, run.history())
    return cache[run.id][1]


def _live(run_id: str) -> None:
    """The part that refreshes while the run trains (a fragment; see _run_panel)."""
    run = open_run(run_id)
    if run is None:
        return
    run.touch()  # a page looks at it: not idle
    alive = run.is_alive
    was_alive = st.session_state.get(_WAS_ALIVE_KEY, False)
    st.session_state[_WAS_ALIVE_KEY] = alive
    if was_alive and not alive:
        st.rerun()  # the run just ended: one full rerun updates the controls and stops the ticking
    status = _status(run)
    hist = run.history()
    badge = {"running": "blue", "starting": "blue", "pausing": "orange", "paused": "orange", "done": "green",
             "early_stop": "green",
             "stopped": "gray", "interrupted": "orange", "new": "gray", "diverged": "red", "error": "red"}
    st.markdown(f"{_t('status')}: :{badge.get(status, 'gray')}-badge[{_t(f'status.{status}')}]")
    st.progress(min(1.0, run.step / max(1, run.max_steps)),
                text=_t("progress", step=f"{run.step:,}", total=f"{run.max_steps:,}"))
    if status in ("diverged", "error"):
        st.error(_t(f"failed.{status}", message=hist["message"] or run.error or ""))
    elif status in RESUMABLE and not alive and owns(run):
        why = "paused_idle" if run.pause_reason == "idle" else status
        st.info(_t(f"resumable.{why}", minutes=f"{(LIMITS.idle_s or 0) / 60:.0f}"), icon=":material/restart_alt:")
    _controls(run, status)
    _metrics(run, hist)
    _charts(run, hist)
    _samples(hist)
    if owns(run):
        _checkpoint_actions(run)
    st.divider()
    _session_overview(run)


def _on_show_run() -> None:
    chosen = open_run(st.session_state.get(_SHOW_RUN_KEY))
    if chosen is not None:
        set_current(chosen)


def _run_panel(run: LiveRun | None) -> None:
    st.subheader(f"3 · {_t('run_header')}")
    with st.expander(_t("explain_header"), expanded=run is None, icon=":material/school:"):
        st.markdown(_t("explain"))
    if run is None:
        st.info(_t("no_run"), icon=":material/arrow_back:")
        return
    st.caption(_t("run_summary", run=run.id, corpus=corpus_label(run.info.get("corpus")),
                  model=_model_summary(run.info["model"]), params=f"{run.info.get('params', 0):,}"))
    if owns(run):
        st.caption(_t("owner_link", run=run.id))
    ids = [r.id for r in session_runs()]
    if len(ids) > 1 and run.id in ids:
        # The selector follows the current run (re-seeded every run); picking another one switches to it.
        st.session_state[_SHOW_RUN_KEY] = run.id
        st.selectbox(_t("show_run"), ids, key=_SHOW_RUN_KEY, on_change=_on_show_run)
    live = st.fragment(run_every=REFRESH_S if run.is_alive else None)(_live)
    live(run.id)


def _render() -> None:
    st.title(f"🏋️ {_t('title')}")
    st.caption(_t("teaches"))
    current = attach_from_url()
    train_form.follow_run(current)  # the form shows the settings of the run beside it
    left, right = st.columns([2, 3], gap="large")
    with left:
        _setup_column(current)
    with right:
        _run_panel(current)


URL.page(_render)
