"""Long-term dependencies: why gradients vanish or explode over many steps, and what gates change.

A task whose answer lies T steps back (the adding problem, or remembering the first symbol), three cells
(vanilla RNN, GRU, LSTM) built by the engine, and the lecture's mechanisms as controls: the spectral
radius ρ of W at initialisation, tanh vs ReLU, truncated BPTT, gradient clipping. The gradient norms
‖∂L/∂h(t)‖ and the connectivity ‖∂o(t)/∂x(k)‖ come from :mod:`engine.lab.gradients` (autograd on the
models), the live race and the length sweep from :mod:`engine.lab.sweep`. Settings live in the URL.
"""

from __future__ import annotations

import time
from dataclasses import asdict

import numpy as np
import streamlit as st

from dashboard.components import charts_long_term as charts
from dashboard.components.url_state import Setting, UrlState
from dashboard.i18n import t
from engine.lab.gradients import decay_bound, gradient_report
from engine.lab.long_term import CELLS, LongTermConfig, build_model
from engine.lab.sweep import (
    LAB_MODEL,
    LIVE_LIMITS,
    LIVE_SLOTS,
    SHIPPED_SWEEP,
    SOLVED_FRACTION,
    ResultsError,
    SideBySide,
    lab_train,
    learned_within,
    load_results,
    loss_at,
    same_recipe,
)
from engine.lab.tasks import TASKS, TaskConfig, TaskError, make_task

_P = "page.long_term_dependencies."
LENGTH_OPTIONS = (5, 10, 25, 50, 75, 100, 150, 200)
RHO_OPTIONS = (0.0, 0.5, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.25, 1.5, 2.0, 3.0)  # 0.0: PyTorch's default init
TBPTT_OPTIONS = (0, 5, 10, 25, 50, 100)  # 0: full BPTT
STEP_OPTIONS = (100, 200, 300, 500, 800, 1000, 1500)
SEED = 0
RACE_KEY = "lt.race"  # {"race": SideBySide, "key": settings key, "report": dict | None, "stopped": str}
RUNNING_KEY = "lt.running"
#: The page's settings in the URL (?T=100&rho=1.5&act=relu); widget keys "lt.<name>". A number between the
#: offered ones becomes the nearest of them.
URL = UrlState("lt.", {
    "task": Setting("adding", TASKS), "T": Setting(50, choices=LENGTH_OPTIONS),
    "rho": Setting(0.0, choices=RHO_OPTIONS), "act": Setting("tanh", ("tanh", "relu")),
    "tbptt": Setting(0, choices=TBPTT_OPTIONS), "opt": Setting("adam", ("adam", "sgd")), "clip": Setting(True),
    "steps": Setting(500, choices=STEP_OPTIONS),
})


def _t(key: str, **fmt: object) -> str:
    return t(_P + key, **fmt)


def _cell(cell: str) -> str:
    return _t(f"cell.{cell}")


# -------------------------------------------------------------------------------------------- settings
def _rho_label(rho: float) -> str:
    return _t("rho_default") if rho == 0 else f"{rho:g}"


def _task_controls() -> TaskConfig:
    c1, c2 = st.columns(2)
    task = c1.segmented_control(_t("task"), TASKS, key="lt.task", required=True, format_func=lambda k: _t(f"task.{k}"))
    seq_len = c2.select_slider(_t("seq_len"), LENGTH_OPTIONS, key="lt.T", help=_t("seq_len_help"))
    config = TaskConfig(task=task or "adding", seq_len=int(seq_len))
    st.markdown(_t(f"task_about.{config.task}"))
    _example(config)
    return config


def _example(config: TaskConfig) -> None:
    task = make_task(config)
    x, y = task.sample(1, seed=SEED, step=-3)
    if config.task == "adding":
        marked = x[0, :, 1].nonzero().flatten().tolist()
        a, b = (float(x[0, i, 0]) for i in marked)
        st.caption(_t("example.adding", t1=marked[0] + 1, t2=marked[1] + 1, a=f"{a:.2f}", b=f"{b:.2f}",
                      y=f"{float(y[0]):.2f}", T=config.seq_len))
    else:
        symbols = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        seq = "".join(symbols[i] for i in x[0].argmax(dim=-1).tolist())
        shown = seq if len(seq) <= 40 else f"{seq[:20]}…{seq[-10:]}"
        st.caption(_t("example.first_symbol", seq=shown, answer=symbols[int(y[0])], K=config.n_symbols))


def _mechanism_controls() -> LongTermConfig:
    with st.container(border=True):
        st.markdown(f"**{_t('mechanisms')}**")
        c1, c2, c3 = st.columns(3)
        rho = c1.select_slider(_t("rho"), RHO_OPTIONS, key="lt.rho", format_func=_rho_label, help=_t("rho_help"))
        act = c2.segmented_control(_t("act"), ("tanh", "relu"), key="lt.act", required=True, help=_t("act_help"),
                                   format_func=lambda a: {"tanh": "tanh", "relu": "ReLU"}[a])
        k = c3.select_slider(_t("tbptt"), TBPTT_OPTIONS, key="lt.tbptt", help=_t("tbptt_help"),
                             format_func=lambda v: _t("tbptt_full") if v == 0 else str(v))
        if rho == 0:
            st.caption(_t("rho_is_default"))
        elif rho < 1:
            st.success(_t("rho_vanish", rho=f"{rho:g}", n=100, bound=f"{rho ** 100:.1e}"),
                       icon=":material/trending_down:")
        else:
            st.warning(_t("rho_explode", rho=f"{rho:g}"), icon=":material/trending_up:")
    return LongTermConfig(cell="rnn", n_hidden=LAB_MODEL.n_hidden, nonlinearity=act or "tanh",
                          spectral_radius=float(rho), tbptt=int(k))


# ------------------------------------------------------------------------------------ gradients at init
@st.cache_data(max_entries=64, show_spinner=False)
def _init_report(task: dict, model: dict) -> dict:
    task_config = TaskConfig(**task)
    models = {cell: build_model(LongTermConfig(**{**model, "cell": cell}), make_task(task_config), seed=SEED)
              for cell in CELLS}
    return gradient_report(models, make_task(task_config), seed=SEED)


def _gradient_chart(report: dict, model: LongTermConfig, T: int) -> None:
    series, cells = [], report["cells"]
    for cell in CELLS:
        series.append(charts.Series(cell, _t("grad_h", cell=_cell(cell)), cells[cell]["h"]))
        if cells[cell].get("c") is not None:
            series.append(charts.Series(cell, _t("grad_c", cell=_cell(cell)), cells[cell]["c"], dash="dash"))
    rnn = cells["rnn"]
    sigma, end = rnn["sigma"], rnn["h"][-1]
    bound = decay_bound(rnn["h"], sigma) if end > 0 else None
    cut = rnn["cut"]
    fig = charts.gradient_figure(series, title=_t("grad_title", T=T), x_title=_t("grad_x"), y_title=_t("grad_y"),
                                 bound=bound, bound_name=_t("grad_bound", sigma=f"{sigma:.2f}"), cut=cut,
                                 cut_label=_t("grad_cut", k=model.tbptt))
    st.plotly_chart(fig, config={"displayModeBar": False}, key="lt.grad_chart")
    first = rnn["h"][0]
    st.caption(_t("grad_caption", rho=f"{rnn['rho']:.2f}", sigma=f"{sigma:.2f}", T=T,
                  ratio="0" if first == 0 or end == 0 else f"{first / end:.1e}",
                  lstm_ratio=_ratio(cells["lstm"]["h"])))
    if cut:
        st.caption(_t("grad_cut_caption", k=model.tbptt, cut=cut))


def _ratio(values: list[float]) -> str:
    return "0" if values[0] == 0 or values[-1] == 0 else f"{values[0] / values[-1]:.1e}"


def _connectivity_charts(report: dict, T: int) -> None:
    st.markdown(_t("conn_intro"))
    maps = {cell: report["cells"][cell]["connectivity"] for cell in ("rnn", "lstm")}
    values = np.array([v for m in maps.values() for row in m for v in row if v > 0])
    zrange = (float(np.log10(values).min()), float(np.log10(values).max())) if values.size else None
    for column, (cell, C) in zip(st.columns(2), maps.items()):
        fig = charts.connectivity_figure(C, report["steps"], title=_t("conn_title", cell=_cell(cell)),
                                         x_title=_t("conn_x"), y_title=_t("conn_y"), color_title=_t("conn_color"),
                                         zrange=zrange)
        column.plotly_chart(fig, config={"displayModeBar": False}, key=f"lt.conn.{cell}")
    far = {cell: C[-1][0] for cell, C in maps.items()}
    st.caption(_t("conn_caption", T=T, rnn=f"{far['rnn']:.1e}", lstm=f"{far['lstm']:.1e}"))


# ------------------------------------------------------------------------------------------- live race
def _settings_key(task: TaskConfig, model: LongTermConfig, train) -> str:
    return repr((asdict(task), asdict(model), train.optimizer, train.grad_clip))


def _race_charts(race: SideBySide, loss_slot, grad_slot) -> None:
    histories = {r.cell: r.history for r in race.runs}
    names = {cell: _cell(cell) for cell in histories}
    baseline = race.baseline
    loss_slot.plotly_chart(charts.race_loss_figure(
        histories, names, baseline=baseline, baseline_label=_t("baseline"), title=_t("race_loss_title"),
        x_title=_t("step"), y_title=_t(f"loss_y.{race.task_config.task}"), held_out=_t("held_out"),
        solved=SOLVED_FRACTION * baseline, solved_label=_t("solved_line")), config={"displayModeBar": False})
    clip = race.train_config.grad_clip
    grad_slot.plotly_chart(charts.race_grad_figure(
        histories, names, clip=clip or None, clip_label=_t("clip_line"), title=_t("race_grad_title"),
        x_title=_t("step"), y_title=_t("race_grad_y")), config={"displayModeBar": False})


def _train_live(task: TaskConfig, model: LongTermConfig, train, loss_slot, grad_slot) -> None:
    try:
        LIVE_LIMITS.check(task, model, train)
    except ValueError as exc:
        st.error(_t("over_limit", message=str(exc)))
        return
    if not LIVE_SLOTS.acquire(blocking=False):
        st.warning(_t("busy", n=LIVE_LIMITS.max_concurrent), icon=":material/hourglass_top:")
        return
    st.session_state[RUNNING_KEY] = True
    try:
        race = SideBySide(task, model, train)
        entry = {"race": race, "key": _settings_key(task, model, train), "task": asdict(task), "model": asdict(model),
                 "report": None, "stopped": _t("interrupted")}  # until the loop ends on its own
        st.session_state[RACE_KEY] = entry  # a rerun mid-way keeps what was trained so far
        chunk = max(5, min(50, 2000 // task.seq_len))
        bar = st.progress(0.0)
        start = time.monotonic()
        while not race.done:
            race.advance(chunk)
            _race_charts(race, loss_slot, grad_slot)
            bar.progress(race.step / race.max_steps, text=_t("progress", step=race.step, steps=race.max_steps,
                                                              s=f"{time.monotonic() - start:.0f}"))
            if time.monotonic() - start > LIVE_LIMITS.max_seconds and not race.done:
                break
        entry["stopped"] = "" if race.done else _t("time_cap", s=f"{LIVE_LIMITS.max_seconds:.0f}", step=race.step)
        if not any(r.status == "diverged" for r in race.runs):  # a diverged model's weights may be inf / nan
            entry["report"] = gradient_report({r.cell: r.model for r in race.runs}, make_task(task), seed=SEED)
            st.session_state["lt.view"] = "trained"  # show what training changed
    finally:
        LIVE_SLOTS.release()
        st.session_state[RUNNING_KEY] = False
    st.rerun()  # redraw the page with the trained models' gradients


def _race_section(task: TaskConfig, model: LongTermConfig):
    st.header(_t("race_header"))
    st.markdown(_t("race_intro"))
    c1, c2, c3 = st.columns(3)
    opt = c1.segmented_control(_t("optimizer"), ("adam", "sgd"), key="lt.opt", required=True,
                               format_func=lambda o: _t(f"optimizer.{o}"), help=_t("optimizer_help"))
    clip = c2.toggle(_t("clip"), key="lt.clip", help=_t("clip_help"))
    steps = c3.select_slider(_t("steps"), STEP_OPTIONS, key="lt.steps",
                             help=_t("steps_help", max=LIVE_LIMITS.max_steps))
    train = lab_train(opt or "adam", bool(clip), int(steps))
    st.caption(_t("limits", steps=LIVE_LIMITS.max_steps, hidden=LIVE_LIMITS.max_hidden, T=LIVE_LIMITS.max_seq_len,
                  s=f"{LIVE_LIMITS.max_seconds:.0f}", n=LIVE_LIMITS.max_concurrent))
    clicked = st.button(_t("train"), type="primary", icon=":material/play_arrow:", key="lt.train",
                        disabled=bool(st.session_state.get(RUNNING_KEY)))
    loss_col, grad_col = st.columns(2)
    loss_slot, grad_slot = loss_col.empty(), grad_col.empty()
    if clicked:
        _train_live(task, model, train, loss_slot, grad_slot)
    entry = st.session_state.get(RACE_KEY)
    if entry is None:
        st.caption(_t("race_none"))
        return None
    race: SideBySide = entry["race"]
    _race_charts(race, loss_slot, grad_slot)
    if entry["stopped"]:
        st.info(entry["stopped"], icon=":material/timer:")
    _race_summary(race)
    if entry["key"] != _settings_key(task, model, train):
        st.caption(_t("race_other_settings"))
    return entry


def _race_summary(race: SideBySide) -> None:
    for column, run in zip(st.columns(len(race.runs)), race.runs):
        final = run.final_loss
        column.metric(_cell(run.cell), "–" if final is None else f"{final:.4f}",
                      help=_t("metric_help", steps=run.step, cpu=f"{run.cpu_s:.1f}"))
        if run.status == "diverged":
            column.error(_t("diverged", message=run.message), icon=":material/warning:")
    st.caption(_t("race_caption", baseline=f"{race.baseline:.3f}", solved=f"{SOLVED_FRACTION * race.baseline:.3g}"))


# ------------------------------------------------------------------------------------------------ sweep
@st.cache_data(show_spinner=False, max_entries=4)
def _sweep_results(path: str, mtime: float) -> dict:
    return load_results(path)


def _sweep_section(live: dict | None) -> None:
    st.header(_t("sweep_header"))
    try:
        results = _sweep_results(str(SHIPPED_SWEEP), SHIPPED_SWEEP.stat().st_mtime if SHIPPED_SWEEP.exists() else 0.0)
    except ResultsError as exc:
        st.warning(_t("sweep_missing", message=str(exc)), icon=":material/database_off:")
        return
    rows, steps = results["rows"], results["train"]["max_steps"]
    budget = results["live_max_steps"]
    names = {cell: _cell(cell) for cell in CELLS}
    points = {}
    if live is not None and live["race"].task_config.task == results["task"]["task"]:
        race = live["race"]
        if same_recipe(results, race.task_config, race.model_config, race.train_config):
            points = {r.cell: (race.task_config.seq_len, r.final_loss) for r in race.runs if r.final_loss is not None}
    budget_rows = [{**r, "final_loss": loss_at(r, budget)} for r in rows]
    baseline = rows[0]["baseline"]
    fig = charts.sweep_figure(rows, names, baseline=baseline, baseline_label=_t("baseline"),
                              solved=results["solved_fraction"] * baseline, solved_label=_t("solved_line"),
                              title=_t("sweep_title", steps=steps), x_title=_t("sweep_x"), y_title=_t("sweep_y"),
                              live=points, live_label=_t("sweep_live"), budget_rows=budget_rows,
                              budget_label=_t("sweep_budget", steps=budget))
    st.plotly_chart(fig, config={"displayModeBar": False}, key="lt.sweep_chart")
    largest = {cell: learned_within(results, cell, steps) for cell in CELLS}
    in_budget = {cell: learned_within(results, cell, budget) for cell in CELLS}
    st.markdown(_t("sweep_caption", steps=steps, budget=budget,
                   **{f"{c}_all": v or "–" for c, v in largest.items()},
                   **{f"{c}_page": v or "–" for c, v in in_budget.items()}))
    st.caption(_t("sweep_command", command=results["command"]))
    if live is not None and not points:
        st.caption(_t("sweep_live_not_drawn"))


# ------------------------------------------------------------------------------------------------- page
def _render() -> None:
    st.title(f"⏳ {_t('title')}")
    st.caption(_t("teaches"))
    st.markdown(_t("intro"))
    st.header(_t("task_header"))
    try:
        task = _task_controls()
    except TaskError as exc:
        st.error(_t("bad_settings", message=str(exc)))
        return
    st.header(_t("grad_header"))
    st.markdown(_t("grad_intro"))
    model = _mechanism_controls()
    entry = st.session_state.get(RACE_KEY)
    trained = (entry is not None and entry["report"] is not None and entry["task"] == asdict(task)
               and entry["model"] == asdict(model))
    view = "init"
    if trained:
        st.session_state.setdefault("lt.view", "trained")
        view = st.segmented_control(_t("view"), ("init", "trained"), key="lt.view", required=True,
                                    format_func=lambda v: _t(f"view.{v}", steps=entry["race"].step)) or "init"
    report = entry["report"] if view == "trained" else _init_report(asdict(task), asdict(model))
    _gradient_chart(report, model, task.seq_len)
    _connectivity_charts(report, task.seq_len)
    live = _race_section(task, model)
    _sweep_section(live)


URL.page(_render)
