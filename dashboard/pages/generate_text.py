"""Generate text with a char-LM: decoding strategies, and what the model considered at each character.

Models: the shipped pretrained char-LM (when there is one), the models trained in this browser
session (the Train page's "use on the Generate page"), and any saved run with a ``best/``
checkpoint under the runs root. Greedy and sampling stream their text in a few pieces, one every
:data:`CHUNK_S` seconds (:mod:`dashboard.components.text_stream`); beam search shows its n-best list. The
last generation stays in session state, so exploring the next-character view never generates again.
The settings (prime, length, seed, method, temperature, top-k, top-p, beam) live in the URL
(:data:`URL`), so a teacher's link opens the page as they set it.
"""

from __future__ import annotations

import html

import streamlit as st

from dashboard.components import charts
from dashboard.components.candidates import n_best_table
from dashboard.components.labels import corpus_label, count, vocab_label
from dashboard.components.model_picker import load_option, model_options, pick_model, source_labels
from dashboard.components.text_stream import timed_chunks
from dashboard.components.url_state import Setting, UrlState
from dashboard.i18n import t
from engine.lm.generate import MAX_PRIME_CHARS, CharGeneration, generate_text, generation_from_steps, stream_text
from engine.metrics import VocabSize, nats_to_bits
from engine.train.checkpoint import CheckpointError

_P = "page.generate_text."

MODEL_KEY = "generate.model"
RESULT_KEY = "generate.result"  # {"gen": CharGeneration, "model": label, "method": str}
POS_KEY = "generate.position"
MAX_LENGTH = 2000
RECORD_TOP = 10
METHODS = ("greedy", "sample", "top_k", "top_p", "beam")
_FENCE = "``````"  # streamed text is shown in a code block; a char model will not write six backticks
CHUNK_S = 0.15  # seconds between two pieces of streamed text (each piece is one message to the browser)
MAX_TOP_K = 50
#: The page's settings in the URL (?prime=ROMEO:&method=top_p&temperature=0.6&seed=7); widget keys "generate.<name>".
URL = UrlState("generate.", {
    "prime": Setting("", max_len=MAX_PRIME_CHARS), "length": Setting(300, (1, MAX_LENGTH)),
    "seed": Setting(0, (0, 2**31 - 1)), "method": Setting("sample", METHODS), "temperature": Setting(0.8, (0.1, 2.0)),
    "top_k": Setting(5, (1, MAX_TOP_K)), "top_p": Setting(0.9, (0.05, 1.0)), "beam_width": Setting(5, (1, 16)),
    "n_best": Setting(3, (1, 16)),
})


def _t(key: str, **fmt: object) -> str:
    return t(_P + key, **fmt)


# ---------------------------------------------------------------------------------------- models
_label = source_labels(_P)  # "model_pretrained", "model_session", "model_saved"


def _model_caption(model) -> str:
    cfg = model.config
    meta = getattr(model, "meta", {}) or {}
    best = meta.get("best_val_loss")
    corpus = corpus_label((meta.get("provenance") or {}).get("corpus"))
    return _t("model_info", cell=cfg.cell.upper() if cfg.cell != "rnn" else "RNN", layers=cfg.n_layer,
              hidden=cfg.n_hidden, vocab=vocab_label(VocabSize.of_outputs(cfg.vocab_size)),
              params=f"{model.num_params():,}", corpus=corpus,
              bits="–" if best is None else f"{nats_to_bits(best):.3f}", step=count(meta.get("step", "–")))


# -------------------------------------------------------------------------------------- settings
def _settings(vocab_size: int) -> dict:
    c1, c2, c3 = st.columns([3, 1, 1])
    prime = c1.text_area(_t("prime"), key=URL.key("prime"), height=80, placeholder=_t("prime_placeholder"),
                         help=_t("prime_help"), max_chars=MAX_PRIME_CHARS)  # longer is cut (the engine refuses it)
    if len(prime) >= MAX_PRIME_CHARS:
        c1.warning(_t("prime_at_cap", max=f"{MAX_PRIME_CHARS:,}"), icon=":material/content_cut:")
    length = c2.number_input(_t("length"), 1, MAX_LENGTH, step=50, key=URL.key("length"),
                             help=_t("length_help", max=count(MAX_LENGTH)))
    seed = c3.number_input(_t("seed"), 0, 2**31 - 1, step=1, key=URL.key("seed"), help=_t("seed_help"))
    method = st.segmented_control(_t("method"), METHODS, format_func=lambda m: _t(f"method.{m}"),
                                  key=URL.key("method"), required=True)
    method = method or "sample"
    st.caption(_t(f"method_help.{method}"))
    settings = {"prime": prime, "length": int(length), "seed": int(seed), "method": method}
    c1, c2, c3 = st.columns(3)
    if method in ("sample", "top_k", "top_p"):
        settings["temperature"] = c1.slider(_t("temperature"), 0.1, 2.0, step=0.05, key=URL.key("temperature"),
                                            help=_t("temperature_help"))
    if method == "top_k":
        high = max(2, min(vocab_size - 1, MAX_TOP_K))
        URL.clamp("top_k", 1, high)
        settings["top_k"] = c2.slider(_t("top_k"), 1, high, key=URL.key("top_k"), help=_t("top_k_help"))
    if method == "top_p":
        settings["top_p"] = c2.slider(_t("top_p"), 0.05, 1.0, step=0.05, key=URL.key("top_p"), help=_t("top_p_help"))
    if method == "beam":
        width = c1.slider(_t("beam_width"), 1, 16, key=URL.key("beam_width"), help=_t("beam_width_help"))
        settings["beam_width"] = width
        if width > 1:
            URL.clamp("n_best", 1, width)
            settings["n_best"] = c2.slider(_t("n_best"), 1, width, key=URL.key("n_best"))
        else:
            settings["n_best"] = 1
    return settings


def _engine_args(s: dict) -> dict:
    """Page settings -> keyword arguments of engine.lm.generate (top-k / top-p are sampling with a filter)."""
    method = {"greedy": "greedy", "beam": "beam"}.get(s["method"], "sample")
    return dict(prime=s["prime"], length=s["length"], method=method, temperature=s.get("temperature", 1.0),
                top_k=s.get("top_k"), top_p=s.get("top_p"), beam_width=s.get("beam_width", 5), seed=s["seed"])


def _generate(model, settings: dict, label: str, out) -> CharGeneration | None:
    args = _engine_args(settings)
    try:
        if args["method"] == "beam":
            with out, st.spinner(_t("beam_running", width=args["beam_width"])):
                gen = generate_text(model, **args, record_top=RECORD_TOP, n_best=settings["n_best"])
        else:
            steps: list = []
            with out:
                st.write_stream(timed_chunks(f"{_FENCE}text\n{args['prime']}", stream_text(
                    model, **args, record_top=RECORD_TOP, record=steps), every_s=CHUNK_S))
            gen = generation_from_steps(model, args["prime"], steps)
    except ValueError as exc:  # invalid decoding settings: say so, never crash
        st.error(_t("failed", message=str(exc)))
        return None
    st.session_state[RESULT_KEY] = {"gen": gen, "model": label, "method": settings["method"], "settings": settings}
    st.session_state.pop(POS_KEY, None)
    return gen


# ---------------------------------------------------------------------------------------- output
def _show_output(result: dict, out) -> None:
    gen: CharGeneration = result["gen"]
    out.code(gen.prime + gen.text, language=None, wrap_lines=True)
    st.caption(_t("output_caption", model=result["model"], method=_t(f"method.{result['method']}"),
                  n=count(len(gen.text)), bits="–" if not gen.probs else f"{gen.bits_per_char:.2f}"))
    if gen.n_best and len(gen.n_best) > 1:
        st.markdown(f"**{_t('n_best_header')}**")
        texts = [text for text, _ in gen.n_best]
        n_best_table(texts, rank=_t("col.rank"), text=_t("col.text"),
                     numbers={_t("col.score"): [float(score) for _, score in gen.n_best]}, shorten=True)
        st.caption(_t("n_best_caption"))


def _unknown_warning(gen: CharGeneration) -> None:
    if gen.unknown_chars:
        shown = " ".join(f"“{charts.display_char(c)}”" for c in gen.unknown_chars[:20])
        st.warning(_t("unknown_chars", chars=shown, n=len(gen.unknown_chars)), icon=":material/help:")


def _next_char_view(gen: CharGeneration, settings: dict) -> None:
    st.subheader(_t("next_header"))
    st.caption(_t("next_intro"))
    n = len(gen.text)
    if not gen.candidates or n == 0:
        st.caption(_t("next_none"))
        return
    if n > 1:
        pos = st.slider(_t("position"), 1, n, 1, key=POS_KEY,
                        help=_t("position_help"))
    else:
        pos = 1
    i = pos - 1
    chosen = gen.text[i]
    context = (gen.prime + gen.text)[max(0, len(gen.prime) + i - 60): len(gen.prime) + i]
    st.html(
        '<div style="font-family: monospace; white-space: pre-wrap; font-size: 1rem; line-height: 1.5;">'
        f'<span style="opacity: 0.75">{html.escape(context)}</span>'
        f'<mark style="background: #4263EB; color: white; padding: 0 2px; border-radius: 3px;">'
        f"{html.escape(charts.display_char(chosen))}</mark></div>"
    )
    labels = charts.CandidateLabels(title=_t("next_title", pos=pos), x=_t("next_x"), y=_t("next_y"),
                                    chosen=_t("next_chosen"), kept=_t("next_kept"), filtered=_t("next_filtered"))
    cands = gen.candidates[i]
    st.plotly_chart(charts.candidates_figure(cands, chosen, labels=labels), config={"displayModeBar": False})
    prob = gen.probs[i] if i < len(gen.probs) else None
    rank = next((r for r, c in enumerate(cands, start=1) if c.char == chosen), None)
    # Greedy decoding and beam search read the model's own probabilities; only sampling applies a temperature.
    temperature = settings.get("temperature")
    key = "next_caption" if temperature is None else "next_caption_temperature"
    st.caption(_t(key, char=charts.display_char(chosen), prob="–" if prob is None else f"{prob:.1%}",
                  rank="> 10" if rank is None else rank, temperature=f"{temperature or 1.0:g}"))


# ------------------------------------------------------------------------------------------- page
def _render() -> None:
    st.title(f"✍️ {_t('title')}")
    st.caption(_t("teaches"))
    options = model_options("charlm")  # not the shipped translators, captioner, n-grams
    if not options:
        st.info(_t("no_models"), icon=":material/model_training:")
        return
    opt = pick_model(options, _t("model"), key=MODEL_KEY, format_label=_label)
    try:
        model = load_option(opt)
    except (CheckpointError, ValueError, OSError) as exc:
        st.error(_t("model_failed", message=str(exc)))
        return
    st.caption(_model_caption(model))

    settings = _settings(model.config.vocab_size)
    clicked = st.button(_t("generate"), type="primary", icon=":material/auto_awesome:", key="generate.go")
    out = st.empty()
    if clicked:
        _generate(model, settings, _label(opt), out)
    result = st.session_state.get(RESULT_KEY)
    if result is None:
        st.caption(_t("no_output"))
        return
    _show_output(result, out)
    _unknown_warning(result["gen"])
    _next_char_view(result["gen"], result.get("settings", {}))


URL.page(_render)
