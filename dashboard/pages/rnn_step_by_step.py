"""RNN step by step: the notes' vanilla RNN on a tiny example, forward and BPTT one time step per click.

Every number comes from :mod:`engine.lab` (``step``: the forward pass and the shapes, ``bptt``: BPTT,
its per-step contributions, truncation and autograd's gradients, ``architectures``: the notes' four
set-ups). The position of the step-through lives in ``st.session_state``; the page's settings (sizes,
seed, word, step, window, architecture) are mirrored into the URL, so a teacher can share a link that
opens the same view. Typed weights stay in the session (the link carries the seed's weights).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from dashboard.components import rnn_graph as rg
from dashboard.components.url_state import Setting, UrlState
from dashboard.i18n import t
from dashboard.pages import PAGES
from engine.lab.architectures import ARCHITECTURES, ONE_TO_MANY_INPUTS, run_architecture
from engine.lab.bptt import autograd_gradients, bptt_steps, contribution_grid, cut_after, kept
from engine.lab.step import (
    MAX_SIZE,
    MAX_STEPS,
    PARAM_NAMES,
    LabInputError,
    RNNParams,
    forward_steps,
    num_params,
    numbers_sequence,
    random_numbers_sequence,
    shapes,
    word_sequence,
)
from engine.lm.chars import display_char

_P = "page.rnn_step_by_step."
K = "rnn_step."  # session-state keys
MODES = ("word", "numbers")
MAX_SEED = 9999
#: The page's settings in the URL (?word=hi&step=2); the session key (widget key) of each is K + name.
URL = UrlState(K, {
    "mode": Setting("word", MODES), "word": Setting("hello", max_len=MAX_STEPS + 1),
    "d": Setting(3, (1, MAX_SIZE)), "p": Setting(3, (1, MAX_SIZE)), "q": Setting(2, (1, MAX_SIZE)),
    "T": Setting(4, (1, MAX_STEPS)), "seed": Setting(0, (0, MAX_SEED)), "step": Setting(0, (0, MAX_STEPS)),
    "bptt": Setting(0, (0, MAX_STEPS)), "k": Setting(2, (1, MAX_STEPS)), "arch": Setting("many_to_many", ARCHITECTURES),
    "inputs": Setting("zeros", ONE_TO_MANY_INPUTS),
})
#: Which registered pages use an architecture at full size (a slug containing one of these words).
ARCH_PAGES = {"many_to_one": ("sentiment",), "one_to_many": ("generate_text", "caption_image"),
              "many_to_many": ("train_char_lstm", "spacing"), "seq2seq": ("translate",)}
NOTES_EXAMPLE = {"batch": 100, "d": 32, "p": 64}  # the notes' slide: batch 100, input 32, hidden 64


def _t(key: str, **fmt: object) -> str:
    return t(_P + key, **fmt)


# ------------------------------------------------------------------------------------------- state
def _get(name: str):
    return st.session_state[K + name]


def _set(**values: object) -> None:
    for name, value in values.items():
        st.session_state[K + name] = value


# -------------------------------------------------------------------------------------- settings
def _settings() -> None:
    c = st.columns([2, 2, 1, 1, 1, 1])
    mode = c[0].segmented_control(_t("mode"), MODES, format_func=lambda m: _t(f"mode.{m}"), key=K + "mode",
                                  required=True, help=_t("mode_help"))
    if mode == "word":
        c[1].text_input(_t("word"), key=K + "word", max_chars=MAX_STEPS + 1, help=_t("word_help", max=MAX_STEPS + 1))
    else:
        c[1].number_input(_t("steps"), 1, MAX_STEPS, key=K + "T", help=_t("steps_help"))
        c[2].number_input("d", 1, MAX_SIZE, key=K + "d", help=_t("d_help"))
        c[4].number_input("q", 1, MAX_SIZE, key=K + "q", help=_t("q_help"))
    c[3].number_input("p", 1, MAX_SIZE, key=K + "p", help=_t("p_help"))
    c[5].number_input(_t("seed"), 0, MAX_SEED, key=K + "seed", help=_t("seed_help"))


def _editor(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    config = {col: st.column_config.NumberColumn(str(col), format="%.2f", min_value=-10.0, max_value=10.0,
                                                 step=0.01) for col in frame.columns}
    return st.data_editor(frame, key=key, column_config=config, width="content")


def _names(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(1, n + 1)]


def _axes(seq, p: int) -> dict[str, tuple[list[str], list[str]]]:
    """Row and column names of U, W, b, V, c: hidden units h1..hp, the word's letters or x1..xd, the classes."""
    hs = _names("h", p)
    if seq.word is not None:
        ins = outs = [display_char(ch) for ch in seq.classes]
    else:
        ins, outs = _names("x", seq.xs.shape[1]), [f"y={c}" for c in seq.classes]
    return {"U": (hs, ins), "W": (hs, hs), "b": (hs, ["b"]), "V": (outs, hs), "c": (outs, ["c"])}


def _frame(value: torch.Tensor, name: str, axes: dict, digits: int | None = None) -> pd.DataFrame:
    """A parameter (or its gradient) as a table with the names of its rows and columns."""
    rows, cols = axes[name]
    frame = pd.DataFrame(value.reshape(len(rows), len(cols)).tolist(), index=rows, columns=cols)
    return frame if digits is None else frame.round(digits)


def _weight_tables(base: RNNParams, axes: dict, version: str) -> RNNParams:
    """θ in editable tables (rows = output, as the notes write U, W, V), started from ``base``."""
    tables = {}
    rows = (st.columns([max(base.d, 2), max(base.p, 2), 1]), st.columns([max(base.p, 2), 1, 2]))
    for name, col in zip(("U", "W", "b", "V", "c"), [*rows[0], *rows[1]]):
        frame = _frame(getattr(base, name), name, axes)
        with col:
            st.markdown(f"**{name}** · {frame.shape[0]}×{frame.shape[1]}" if name in "UWV" else f"**{name}**")
            values = _editor(frame, f"{K}w.{name}.{version}").to_numpy().tolist()
        tables[name] = values if name in "UWV" else [row[0] for row in values]
    return RNNParams.from_tables(tables)


def _inputs_table(T: int, d: int, q: int, seed: int, version: str):
    base = random_numbers_sequence(T, d, q, seed)
    frame = pd.DataFrame(base.xs.tolist(), index=_names("t=", T), columns=_names("x", d))
    frame["y"] = base.targets.tolist()
    config = {col: st.column_config.NumberColumn(col, format="%.2f", step=0.01) for col in frame.columns[:-1]}
    config["y"] = st.column_config.NumberColumn("y", min_value=0, max_value=q - 1, step=1, format="%d")
    st.markdown(f"**{_t('inputs_table')}**")
    edited = st.data_editor(frame, key=f"{K}inputs.{version}", column_config=config, width="content")
    return numbers_sequence(edited.iloc[:, :-1].to_numpy().tolist(), edited["y"].tolist(), q)


def _problem():
    """(sequence, θ, table axes) from the settings and the tables, or None after saying what is wrong."""
    mode, p, seed = _get("mode"), int(_get("p")), int(_get("seed"))
    version = f"{mode}.{p}.{seed}.{_get('d')}.{_get('q')}.{_get('T')}.{st.session_state.get(K + 'edits', 0)}"
    error = None
    with st.expander(_t("tables_header"), icon=":material/edit:"):
        st.caption(_t("tables_help"))
        try:
            if mode == "word":
                seq = word_sequence(_get("word"))
            else:
                seq = _inputs_table(int(_get("T")), int(_get("d")), int(_get("q")), seed, version)
            axes = _axes(seq, p)
            theta = _weight_tables(RNNParams.random(seq.xs.shape[1], p, len(seq.classes), seed), axes,
                                   f"{version}.{len(seq.classes)}")
        except LabInputError as exc:
            error = exc
        st.button(_t("reset_edits"), key=K + "reset_edits", icon=":material/restart_alt:",
                  on_click=lambda: _set(edits=st.session_state.get(K + "edits", 0) + 1))
    if error is not None:  # outside the (closed) expander, where it is seen
        st.error(_t("bad_input", message=str(error)), icon=":material/error:")
        return None
    return seq, theta, axes


# ------------------------------------------------------------------------------------------ forward
def _buttons(specs: list[tuple[str, str, str, dict, bool]]) -> None:
    """A row of step buttons: (key, label, Material icon, settings to apply on click, disabled)."""
    for col, (key, label, icon, values, disabled) in zip(st.columns(len(specs)), specs):
        col.button(label, key=K + key, on_click=_set, kwargs=values, disabled=disabled, width="stretch",
                   icon=f":material/{icon}:")


def _forward_tab(fw, seq) -> None:
    T, step = fw.T, min(int(_get("step")), fw.T)
    st.caption(_t("forward_intro"))
    _buttons([("fw_reset", _t("reset"), "first_page", {"step": 0, "bptt": 0}, step == 0),
              ("fw_back", _t("back"), "chevron_left", {"step": max(step - 1, 0), "bptt": 0}, step == 0),
              ("fw_next", _t("next"), "chevron_right", {"step": min(step + 1, T)}, step == T),
              ("fw_end", _t("run_to_end"), "last_page", {"step": T}, step == T)])
    st.markdown(f"**{_t('forward_position', t=step, T=T)}**")
    steps = rg.steps_of(fw, seq.input_labels, seq.classes, upto=step, current=step)
    st.graphviz_chart(rg.unrolled_dot([rg.Group(steps)]))
    st.caption(_t("graph_caption", n=f"{fw.params.num_params:,}", T=T))
    if step == 0:
        st.info(_t("press_next"), icon=":material/play_arrow:")
        return
    _step_numbers(fw, seq, step)
    _history(fw, seq, step)


def _step_numbers(fw, seq, step: int) -> None:
    th, i, M = fw.params, step - 1, rg.latex_matrix
    st.markdown(f"#### {_t('numbers_header', t=step)}")
    tp, tt = f"^{{({step - 1})}}", f"^{{({step})}}"
    y, prob = int(fw.targets[i]), float(fw.y_hat[i, fw.targets[i]])
    wh, ux = th.W @ fw.h_prev(step), th.U @ fw.xs[i]
    st.latex(rf"W h{tp} = {M(th.W)}{M(fw.h_prev(step))} = {M(wh)}")
    st.latex(rf"U x{tt} = {M(th.U)}{M(fw.xs[i])} = {M(ux)}")
    st.latex(rf"a{tt} = W h{tp} + U x{tt} + b = {M(wh)} + {M(ux)} + {M(th.b)} = {M(fw.a[i])}, \qquad "
             rf"h{tt} = \tanh(a{tt}) = {M(fw.h[i], 3)}")
    vh = th.V @ fw.h[i]
    st.latex(rf"V h{tt} = {M(th.V)}{M(fw.h[i])} = {M(vh)}")
    st.latex(rf"o{tt} = V h{tt} + c = {M(vh)} + {M(th.c)} = {M(fw.o[i])}, \qquad "
             rf"\hat y{tt} = \mathrm{{softmax}}(o{tt}) = {M(fw.y_hat[i], 3)}")
    st.latex(rf"L{tt} = -\log \hat y{tt}_{{{y + 1}}} = -\log {prob:.3f} = {float(fw.losses[i]):.3f}")
    st.caption(_t("numbers_caption", t=step, target=display_char(seq.classes[y]), k=y + 1, prob=f"{prob:.3f}"))
    if seq.word is not None:
        st.caption(_t("one_hot_hint", char=display_char(seq.input_labels[i])))


def _history(fw, seq, step: int) -> None:
    rows = [{_t("col.t"): t, "x(t)": display_char(seq.input_labels[t - 1]),
             "y(t)": display_char(seq.classes[int(fw.targets[t - 1])]),
             "h(t)": " ".join(f"{v:+.2f}" for v in fw.h[t - 1].tolist()),
             _t("col.pred"): display_char(seq.classes[int(fw.y_hat[t - 1].argmax())]),
             _t("col.prob"): round(float(fw.y_hat[t - 1, fw.targets[t - 1]]), 4),
             "L(t)": round(float(fw.losses[t - 1]), 4)} for t in range(1, step + 1)]
    st.dataframe(rows, hide_index=True, width="stretch", height="content")
    st.caption(_t("history_caption", t=step, loss=f"{float(fw.losses[:step].sum()):.4f}"))


# ----------------------------------------------------------------------------------------- backward
def _backward_tab(fw, back, seq, axes: dict) -> None:
    T, n = fw.T, min(int(_get("bptt")), fw.T)
    st.caption(_t("backward_intro"))
    if int(_get("step")) < T:
        st.info(_t("backward_needs_forward"), icon=":material/fast_forward:")
        st.button(_t("run_to_end"), key=K + "bw_forward", on_click=_set, kwargs={"step": T},
                  icon=":material/last_page:")
        return
    _buttons([("bw_reset", _t("bptt_reset"), "restart_alt", {"bptt": 0}, n == 0),
              ("bw_back", _t("bptt_back"), "undo", {"bptt": max(n - 1, 0)}, n == 0),
              ("bw_next", _t("bptt_next"), "chevron_left", {"bptt": min(n + 1, T)}, n == T),
              ("bw_end", _t("bptt_end"), "first_page", {"bptt": T}, n == T)])
    current = T - n + 1 if n else None
    st.markdown(f"**{_t('backward_position', n=n, T=T, t=current or '–')}**")
    steps = rg.steps_of(fw, seq.input_labels, seq.classes, current=current, backward_done=n)
    st.graphviz_chart(rg.unrolled_dot([rg.Group(steps)]))
    st.caption(_t("backward_graph_caption"))
    if n == 0:
        st.info(_t("press_bptt"), icon=":material/undo:")
    else:
        _bptt_numbers(fw, back, current)
    _sums_vs_autograd(back, autograd_gradients(fw), n, axes)


def _bptt_numbers(fw, back, t: int) -> None:
    th, i, M = fw.params, t - 1, rg.latex_matrix
    tt, tn = f"^{{({t})}}", f"^{{({t + 1})}}"
    st.markdown(f"#### {_t('bptt_header', t=t)}")
    onehot = torch.zeros(th.q, dtype=fw.y_hat.dtype)
    onehot[fw.targets[i]] = 1.0
    st.latex(rf"\delta o{tt} = \hat y{tt} - \mathrm{{onehot}}(y{tt}) = {M(fw.y_hat[i], 3)} - {M(onehot, 0)}"
             rf" = {M(back.d_o[i], 3)}" if fw.mask[i] else rf"\delta o{tt} = 0")
    future = rf"W^\top \delta a{tn}" if t < fw.T else r"0"
    st.latex(rf"\delta h{tt} = \underbrace{{V^\top \delta o{tt}}}_{{\text{{{_t('from_output')}}}}} + "
             rf"\underbrace{{{future}}}_{{\text{{{_t('from_future')}}}}} = {M(back.dh_out[i], 3)} + "
             rf"{M(back.dh_next[i], 3)} = {M(back.dh[i], 3)}")
    st.latex(rf"\delta a{tt} = \delta h{tt} \odot (1 - h{tt}\odot h{tt}) = {M(back.dh[i], 3)} \odot "
             rf"{M(1 - fw.h[i] ** 2, 3)} = {M(back.d_a[i], 3)}")
    st.markdown(_t("contributions_header", t=t))
    formulas = {"V": rf"\delta o{tt} h{tt}{{}}^\top", "c": rf"\delta o{tt}", "W": rf"\delta a{tt} h^{{({t - 1})\top}}",
                "U": rf"\delta a{tt} x{tt}{{}}^\top", "b": rf"\delta a{tt}"}
    for line in (("V",), ("W",), ("U",), ("c", "b")):
        st.latex(r",\qquad ".join(rf"\Delta {name}{tt} = {formulas[name]} = {M(back.contributions[name][i], 3)}"
                                   for name in line))


def _grad_table(a: dict, b: dict, names, a_label: str, b_label: str) -> list[dict]:
    return [{_t("col.param"): n, a_label: round(float(a[n].norm()), 6), b_label: round(float(b[n].norm()), 6),
             _t("col.max_diff"): f"{float((a[n] - b[n]).abs().max()):.1e}"} for n in names]


def _sums_vs_autograd(back, ag: dict, n: int, axes: dict) -> None:
    st.markdown(f"#### {_t('sums_header')}")
    st.caption(_t("sums_intro"))
    running = back.running(n)
    name = st.segmented_control(_t("param"), PARAM_NAMES, key=K + "param", default="W", required=True) or "W"
    left, right = st.columns(2)
    left.markdown(_t("running_label", n=n, name=name))
    left.dataframe(_frame(running[name], name, axes, 4))
    right.markdown(_t("autograd_label", name=name))
    right.dataframe(_frame(ag[name], name, axes, 4))
    st.dataframe(_grad_table(running, ag, PARAM_NAMES, _t("col.running"), _t("col.autograd")), hide_index=True)
    diff = max(float((back.grads[k] - ag[k]).abs().max()) for k in PARAM_NAMES)
    if n == back.forward.T:
        st.success(_t("sums_equal", diff=f"{diff:.1e}"), icon=":material/check_circle:")
    else:
        st.caption(_t("sums_partial", left=back.forward.T - n))


# ---------------------------------------------------------------------------------------- truncated
def _truncated_tab(fw, back, seq, axes: dict) -> None:
    T = fw.T
    st.caption(_t("truncated_intro"))
    if T < 2:
        st.info(_t("truncated_too_short"), icon=":material/info:")
        return
    _set(k=min(int(_get("k")), T))
    k = st.slider(_t("window"), 1, T, key=K + "k", help=_t("window_help"))
    cuts = [t for t in range(1, T) if cut_after(t, k)]
    steps = rg.steps_of(fw, seq.input_labels, seq.classes, backward_done=T)
    st.graphviz_chart(rg.unrolled_dot([rg.Group(steps)], cut_after=cuts))
    st.caption(_t("truncated_graph_caption", k=k, cuts=", ".join(f"h({c}) → h({c + 1})" for c in cuts) or "–"))
    name = st.segmented_control(_t("param"), PARAM_NAMES, key=K + "trunc_param", default="U", required=True) or "U"
    grid, keep = contribution_grid(fw)[name], kept(T, k)
    norms = grid.reshape(T, T, -1).norm(dim=2)
    st.plotly_chart(rg.contribution_figure(
        norms.tolist(), keep.tolist(), title=_t("grid_title", name=name), x_title=_t("grid_x"),
        y_title=_t("grid_y"), kept_label=_t("grid_kept"), dropped_label=_t("grid_dropped")),
        config={"displayModeBar": False})
    lower = torch.ones(T, T, dtype=torch.bool).tril()
    st.caption(_t("grid_caption", name=name, k=k, dropped=int((lower & ~keep).sum()), total=int(lower.sum())))
    _links(("long_term",), "see_also")
    trunc = bptt_steps(fw, window=k)
    full, cut = back.grads, trunc.grads
    rows = [{_t("col.param"): n, _t("col.full"): round(float(full[n].norm()), 6),
             _t("col.truncated"): round(float(cut[n].norm()), 6),
             _t("col.difference"): round(float((full[n] - cut[n]).norm()), 6)} for n in PARAM_NAMES]
    st.dataframe(rows, hide_index=True)
    st.caption(_t("truncated_table_caption"))
    diff = full[name] - cut[name]
    st.markdown(_t("entries_label", name=name))
    st.dataframe(_frame(diff, name, axes, 5))
    ag = autograd_gradients(fw, window=k)
    check = max(float((cut[n] - ag[n]).abs().max()) for n in PARAM_NAMES)
    st.success(_t("truncated_equals_autograd", k=k, diff=f"{check:.1e}"), icon=":material/check_circle:")


# ------------------------------------------------------------------------------------- architectures
def _arch_groups(run) -> list:
    inputs = _get("inputs")
    steps = rg.steps_of(run.forward, run.input_labels, run.classes, fed_back=run.kind == "one_to_many"
                        and inputs == "feedback")
    if run.encoder is None:
        return [rg.Group(steps)]
    enc = rg.steps_of(run.encoder, run.source_labels, run.classes, outputs=False)
    return [rg.Group(enc, names={"U": "U₁", "W": "W₁", "V": "V₁"}, title=_t("encoder")),
            rg.Group(steps, names={"U": "U₂", "W": "W₂", "V": "V₂"}, title=_t("decoder"))]


def _links(words: tuple[str, ...], label_key: str) -> int:
    """Links to the registered pages whose slug contains one of ``words``; how many there were."""
    specs = [spec for word in words for spec in PAGES if word in spec.slug]
    for spec in specs:
        st.page_link(str(spec.path), label=_t(label_key, title=t(spec.title_key)), icon=spec.icon)
    return len(specs)


def _architectures_tab(seq, theta: RNNParams) -> None:
    st.caption(_t("arch_intro"))
    kind = st.segmented_control(_t("architecture"), ARCHITECTURES, format_func=lambda a: _t(f"arch.{a}"),
                                key=K + "arch", required=True) or "many_to_many"
    if kind == "one_to_many":
        st.radio(_t("one_to_many_inputs"), ONE_TO_MANY_INPUTS, format_func=lambda m: _t(f"inputs.{m}"),
                 key=K + "inputs", horizontal=True)
    decoder = RNNParams.random(len(seq.classes), theta.p, len(seq.classes), int(_get("seed")) + 1)
    try:
        run = run_architecture(kind, theta, seq, inputs=_get("inputs"), decoder=decoder)
    except LabInputError as exc:
        st.error(_t("bad_input", message=str(exc)), icon=":material/error:")
        return
    st.graphviz_chart(rg.unrolled_dot(_arch_groups(run)))
    st.caption(_t(f"arch.{kind}.caption"))
    c1, c2, c3 = st.columns(3)
    c1.metric(_t("arch_loss"), f"{run.loss:.4f}")
    c2.metric(_t("arch_grad_w"), f"{float(run.backward.grads['W'].norm()):.4f}")
    c3.metric(_t("arch_check"), f"{run.max_difference():.1e}")
    scored = run.forward.mask.tolist()  # many-to-one: the last step only
    st.caption(_t("arch_numbers", **{key: " ".join(display_char(c) for c, m in zip(labels, scored) if m)
                                     for key, labels in (("targets", run.target_labels),
                                                         ("preds", run.predicted_labels))}))
    if not _links(ARCH_PAGES[kind], "open_full_size"):
        st.caption(_t("arch_coming"))


# --------------------------------------------------------------------------------------------- shapes
def _shape_rows(rows) -> list[dict]:
    return [{_t("col.tensor"): r.name, _t("col.shape"): " × ".join(map(str, r.shape)),
             _t("col.entries"): "" if r.count is None else f"{r.count:,}",
             _t("col.shared"): _t("shared_yes") if r.role == "param" else _t("shared_no")} for r in rows]


def _shapes_tab(theta: RNNParams) -> None:
    st.caption(_t("shapes_intro"))
    c1, c2 = st.columns(2)
    batch = c1.number_input(_t("batch"), 1, 10_000, NOTES_EXAMPLE["batch"], key=K + "shape_batch")
    T = c2.number_input(_t("length_T"), 1, 10_000, 10, key=K + "shape_T", help=_t("length_T_help"))
    left, right = st.columns(2)
    ex = NOTES_EXAMPLE
    left.markdown(f"**{_t('notes_example', batch=ex['batch'], d=ex['d'], p=ex['p'])}**")
    left.dataframe(_shape_rows(shapes(ex["d"], ex["p"], 0, batch=int(batch), T=int(T))), hide_index=True,
                   height="content")
    left.latex(rf"|\theta| = pd + p^2 + p = {ex['p'] * ex['d']:,} + {ex['p'] ** 2:,} + {ex['p']} = "
               rf"{num_params(ex['d'], ex['p'], 0):,}".replace(",", "{,}"))
    d, p, q = theta.d, theta.p, theta.q
    right.markdown(f"**{_t('your_sizes', d=d, p=p, q=q)}**")
    right.dataframe(_shape_rows(shapes(d, p, q, batch=int(batch), T=int(T))), hide_index=True, height="content")
    right.latex(rf"|\theta| = pd + p^2 + p + qp + q = {p * d} + {p * p} + {p} + {q * p} + {q} = {theta.num_params:,}")
    st.caption(_t("shapes_caption"))


# ----------------------------------------------------------------------------------------------- page
def render() -> None:
    st.title(f"🔬 {_t('title')}")
    st.caption(_t("teaches"))
    URL.read()
    st.markdown(_t("intro"))
    st.latex(r"a^{(t)} = W h^{(t-1)} + U x^{(t)} + b,\quad h^{(t)} = \tanh(a^{(t)}),\quad "
             r"o^{(t)} = V h^{(t)} + c,\quad \hat y^{(t)} = \mathrm{softmax}(o^{(t)}),\quad "
             r"L = \sum_t -\log \hat y^{(t)}_{y^{(t)}}")
    _settings()
    problem = _problem()
    if problem is not None:
        seq, theta, axes = problem
        T = seq.T
        _set(step=min(int(_get("step")), T), bptt=min(int(_get("bptt")), T) if int(_get("step")) >= T else 0)
        fw = forward_steps(theta, seq.xs, seq.targets)
        back = bptt_steps(fw)
        tabs = st.tabs([_t("tab.forward"), _t("tab.backward"), _t("tab.truncated"), _t("tab.architectures"),
                        _t("tab.shapes")])
        with tabs[0]:
            _forward_tab(fw, seq)
        with tabs[1]:
            _backward_tab(fw, back, seq, axes)
        with tabs[2]:
            _truncated_tab(fw, back, seq, axes)
        with tabs[3]:
            _architectures_tab(seq, theta)
        with tabs[4]:
            _shapes_tab(theta)
    URL.write()


render()
