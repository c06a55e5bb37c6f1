"""Caption an image: a frozen CNN encoder, an LSTM decoder with soft attention, and where it looked per word.

Models: the shipped ``captioner-flickr8k`` (when ``pretrained/`` has it) and the captioner checkpoints
among this browser session's models and the saved runs (the lists the Generate page uses, kept to
``kind == "captioner"``), loaded through the shared cached loaders. Pictures: an example shipped with
the app (``dashboard/assets/examples``, public domain / CC0), one of the out-of-domain test photos
(:mod:`engine.captioning.ood`: the page says whether the caption names the photo's main subject and shows the
references written for it), an upload, or a camera photo (the camera
starts only when its toggle is on, so the browser does not ask for it on page load). Every picture goes
through :func:`engine.captioning.images.load_image`; what it refuses becomes a translated error. Captions are
cached per (model, picture, decoding settings), so choosing words never captions again. Overlays
come from :mod:`dashboard.components.captioning`; this script only wires widgets. The example picture and the
decoding settings live in the URL (:data:`URL`), so a teacher's link opens the page on the same picture.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import streamlit as st

from dashboard.components import captioning
from dashboard.components.candidates import n_best_table
from dashboard.components.labels import count
from dashboard.components.model_picker import (
    ModelOption,
    load_option,
    model_options,
    option_version,
    pick_model,
    source_labels,
)
from dashboard.components.url_state import Setting, UrlState
from dashboard.i18n import t
from engine.captioning.images import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, ImageError, load_image
from engine.captioning.model import SHOWN_SUPPORT, CaptionSettings
from engine.captioning.ood import OODPhoto, load_photos, names_subject
from engine.data.corpora import DataError
from engine.train.checkpoint import CheckpointError

_P = "page.caption_image."
K = "caption."  # widget key prefix
KIND = "captioner"
DEFAULT_MODEL = "captioner-flickr8k"
try:  # the out-of-domain test photos (engine/captioning/ood_photos), with their references and credits
    PHOTOS: dict[str, OODPhoto] = {p.id: p for p in load_photos(check=False)}
except DataError:
    PHOTOS = {}
SOURCES = ("example", "photos", "upload", "camera") if PHOTOS else ("example", "upload", "camera")
UPLOAD_TYPES = ["jpg", "jpeg", "png", "webp", "gif", "bmp"]
METHODS = ("beam", "greedy")
MAX_BEAM = 10
GROUNDING = CaptionSettings().grounding  # β of the grounding toggle: the engine's default
#: The page's settings in the URL (?example=cat&method=greedy, ?source=photos&photo=two_dogs); widget keys K + name.
URL = UrlState(K, {
    "source": Setting("example", SOURCES),
    "example": Setting(next(iter(captioning.EXAMPLES)), tuple(captioning.EXAMPLES)), "method": Setting("beam", METHODS),
    "beam_width": Setting(3, (1, MAX_BEAM)), "n_best": Setting(3, (1, MAX_BEAM)), "ground": Setting(True),
    **({"photo": Setting(next(iter(PHOTOS)), tuple(PHOTOS))} if PHOTOS else {}),
})
# One upload limit: the server refuses a larger upload (server.maxUploadSize, .streamlit/config.toml), so the
# uploader checks it in the browser (with a message, before sending), its help and the errors state it.
UPLOAD_MB = min(int(st.get_option("server.maxUploadSize")), MAX_IMAGE_BYTES // 2**20)
LIMITS = {"mb": UPLOAD_MB, "mp": MAX_IMAGE_PIXELS // 1_000_000}
HOW_TO = (
    "python -m engine train captioner --cache-features --data-dir DATA_DIR\n"
    "python -m engine train captioner --data-dir DATA_DIR\n"
    "python -m engine export ~/rnnlab-runs/captioner-flickr8k/best pretrained/captioner-flickr8k"
)


def _t(key: str, **fmt: object) -> str:
    return t(_P + key, **fmt)


def _plain(name: str) -> str:
    """A file name safe inside Markdown bold (no markup characters)."""
    return "".join(ch for ch in name if ch not in "*_`[]<>#|\\")[:120] or "?"


# ---------------------------------------------------------------------------------------- models
_label = source_labels(_P)  # "model_pretrained", "model_session", "model_saved"


def _load(opt: ModelOption) -> tuple[Any, str]:
    """(model, cache key); the key changes when a run's checkpoint is rewritten."""
    key = option_version(opt)
    model = load_option(opt)
    if not hasattr(model, "caption"):
        raise CheckpointError(f"{opt.name if opt.source == 'pretrained' else opt.path} is not an image captioner")
    with st.spinner(_t("loading_encoder", encoder=model.config.encoder)):
        _ = model.encoder  # builds the shared frozen CNN once, under a spinner (an assignment: no st magic)
    return model, key


def _model_info(model: Any) -> str:
    cfg, meta = model.config, getattr(model, "meta", None) or {}
    variant = _t("variant.attention" if cfg.attention else "variant.plain")
    parts = [_t("model_info", variant=variant, encoder=cfg.encoder, grid=cfg.spec.grid, vocab=f"{cfg.vocab_size:,}",
                params=f"{model.num_params():,}")]
    loss = meta.get("best_val_loss")
    if loss is not None:
        dataset = meta.get("dataset") or (meta.get("provenance") or {}).get("corpus") or "?"
        parts.append(_t("model_trained", dataset=dataset, step=count(meta.get("step", "–")), loss=f"{loss:.3f}"))
    # `engine export --metrics` puts scores under meta["metrics"]["bleu"]; `train captioner` stores its test
    # evaluation as meta["bleu"] = {"split": ..., "bleu": {"greedy": {...}, "beam3": {...}}} (the shipped model)
    bleu = (meta.get("metrics") or {}).get("bleu")
    if not isinstance(bleu, dict) and isinstance(meta.get("bleu"), dict):
        bleu = meta["bleu"].get("bleu")
    if isinstance(bleu, dict):
        for name, scores in sorted(bleu.items(), key=lambda kv: not str(kv[0]).startswith("beam")):
            if isinstance(scores, dict) and isinstance(scores.get("bleu4"), (int, float)):
                parts.append(_t("model_bleu", bleu=f"{100 * scores['bleu4']:.1f}", name=name))
                break
    return " · ".join(parts)


# --------------------------------------------------------------------------------------- picture
def _picture() -> tuple[bytes, str, str | None, OODPhoto | None] | None:
    """(file bytes, name to show, credit line or None, test photo or None) of the chosen picture, or None while
    there is none."""
    source = st.segmented_control(_t("source"), SOURCES, required=True, key=URL.key("source"),
                                  format_func=lambda s: _t(f"source.{s}")) or "example"
    if source == "example":
        names = list(captioning.EXAMPLES)
        name = st.segmented_control(_t("example"), names, required=True, key=URL.key("example"),
                                    format_func=lambda n: _t(f"example.{n}")) or names[0]
        credit = _t(f"credit.{name}") + " " + _t("credit_more")
        return captioning.example_bytes(name), _t(f"example.{name}"), credit, None
    if source == "photos":
        ids = list(PHOTOS)
        photo = PHOTOS[st.selectbox(_t("photo"), ids, key=URL.key("photo"), format_func=lambda i: _t(f"photo.{i}"),
                                    help=_t("photo_help", n=len(ids))) or ids[0]]
        src = photo.source
        credit = _t("photo_credit", author=src.get("author", "?"), licence=src.get("licence", "?"),
                    package=src.get("package", "?"))
        return photo.path.read_bytes(), _t(f"photo.{photo.id}"), credit, photo
    if source == "upload":
        upload = st.file_uploader(_t("upload"), type=UPLOAD_TYPES, key=K + "upload", max_upload_size=LIMITS["mb"],
                                  help=_t("upload_help", **LIMITS))
        if upload is None:
            st.caption(_t("upload_waiting"))
            return None
        return upload.getvalue(), upload.name, None, None
    if not st.toggle(_t("camera_toggle"), key=K + "camera_on", help=_t("camera_toggle_help")):
        st.caption(_t("camera_waiting"))
        return None
    photo = st.camera_input(_t("camera"), key=K + "camera")
    if photo is None:
        st.caption(_t("camera_waiting"))
        return None
    return photo.getvalue(), _t("camera_photo"), None, None


@st.cache_data(show_spinner=False, max_entries=8, ttl=3600)
def _decoded(digest: str, _data: bytes) -> tuple[Any, dict]:
    """A display-size copy of the picture and its ``load_image`` info (raises ``ImageError``; not cached then)."""
    image = load_image(_data, max_bytes=UPLOAD_MB * 2**20)  # decoded no larger than needed (info: its full size)
    return captioning.display_copy(image), dict(image.info, size=image.info.get("full_size", image.size))


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def _caption(model_key: str, digest: str, method: str, beam_width: int, n_best: int, grounding: float,
             _model: Any, _data: bytes):
    """The model's caption of the picture (CaptionResult, with n-best list, attention and ImageNet top-5)."""
    return _model.caption(_data, method=method, beam_width=beam_width, n_best=n_best, grounding=grounding)[0]


def _settings() -> tuple[str, int, int, float]:
    method = st.segmented_control(_t("method"), METHODS, required=True, key=URL.key("method"),
                                  format_func=lambda m: _t(f"method.{m}")) or "beam"
    c2, c3 = st.columns(2)
    width = n_best = 1
    if method == "beam":
        width = c2.slider(_t("beam_width"), 1, MAX_BEAM, key=URL.key("beam_width"), help=_t("beam_width_help"))
        if width > 1:
            URL.clamp("n_best", 1, width)
            n_best = c3.slider(_t("n_best"), 1, width, key=URL.key("n_best"))
    st.caption(_t(f"method_help.{method}"))
    ground = st.toggle(_t("grounding"), key=URL.key("ground"), help=_t("grounding_help", beta=GROUNDING))
    return method, width, n_best, (GROUNDING if ground else 0.0)


# ---------------------------------------------------------------------------------------- output
def _show_caption(result: Any, method: str) -> None:
    st.subheader(_t("caption_header"))
    st.markdown(f"#### “{result.text}”")
    st.caption(_t("caption_stats", n=len(result.words), logprob=f"{result.logprob:.2f}",
                  method=_t(f"method.{method}")))
    if not result.finished:
        st.caption(_t("caption_cut"))
    if method == "beam" and result.n_best:
        st.markdown(f"**{_t('n_best_header')}**")
        n_best_table([alt.text for alt in result.n_best], rank=_t("col.rank"), text=_t("col.caption"),
                     numbers={_t("col.score"): [float(alt.score) for alt in result.n_best],
                              _t("col.logprob"): [float(alt.logprob) for alt in result.n_best]})
        st.caption(_t("n_best_caption"))


def _show_photo_check(result: Any, photo: OODPhoto) -> None:
    """For a test photo: does the caption name the photo's main subject, and the references written for it."""
    named = names_subject(result.text, photo.subject)
    st.markdown(_t("photo_named" if named else "photo_missed", subject=_t(f"subject.{photo.subject}")))
    with st.expander(_t("photo_references")):
        st.markdown("\n".join(f"- {ref}" for ref in photo.references))


def _show_top5(result: Any, encoder: str, grounding: bool) -> None:
    st.markdown(f"**{_t('top5_header')}**")
    if not result.imagenet_top5:
        st.caption(_t("top5_none", encoder=encoder))
        return
    cls, prob = _t("col.class"), _t("col.prob")
    rows = [{cls: name, prob: 100.0 * p} for name, p in result.imagenet_top5]
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={prob: st.column_config.ProgressColumn(prob, format="%.1f%%", min_value=0.0,
                                                                      max_value=100.0)})
    st.caption(_t("top5_caption"))
    if grounding:
        words = ", ".join(f"*{w}* {p:.0%}" for w, p in result.grounded.items())
        st.caption(_t("grounded_words", words=words) if words else _t("grounded_none", share=f"{SHOWN_SUPPORT:.0%}"))


def _show_attention(result: Any, picture: Any) -> None:
    st.subheader(_t("attention_header"))
    if result.attention is None:
        st.info(_t("no_attention"), icon=":material/visibility_off:")
        return
    st.caption(_t("attention_intro"))
    words, n = result.words, len(result.words)
    word_key = K + "word"
    if st.session_state.get(word_key) not in range(n):
        st.session_state[word_key] = 0
    labels = captioning.word_labels(words)
    i = st.segmented_control(_t("word"), list(range(n)), required=True, key=word_key,
                             format_func=labels.__getitem__)
    i = 0 if i is None else i
    left, right = st.columns([3, 2])
    left.image(captioning.overlay(picture, result.attention[i]),
               caption=_t("overlay_caption", word=words[i], i=i + 1, n=n))
    top = captioning.peak(result.attention[i])
    with right:
        prob = math.exp(result.token_logprobs[i]) if i < len(result.token_logprobs) else None
        st.metric(_t("word_prob"), "–" if prob is None else f"{prob:.1%}", help=_t("word_prob_help"), border=True)
        st.metric(_t("peak"), f"{top['max']:.1%}", _t("peak_delta", uniform=f"{top['uniform']:.1%}"),
                  delta_color="off", delta_arrow="off", border=True,
                  help=_t("peak_help", row=top["row"] + 1, col=top["col"] + 1, rows=top["rows"], cols=top["cols"],
                          uniform=f"{top['uniform']:.1%}"))
        gate = f"{result.gate[i]:.2f}" if result.gate else _t("no_gate")
        st.metric(_t("gate"), gate, help=_t("gate_help"), border=True)
    if st.toggle(_t("strip_toggle"), key=K + "strip"):
        st.image(captioning.attention_strip(picture, result.attention), caption=[f"{j + 1}. {w}" for j, w in
                                                                                 enumerate(words)], width=150)


# ------------------------------------------------------------------------------------------- page
def _render() -> None:
    st.title(f"🖼️ {_t('title')}")
    st.caption(_t("teaches"))
    options = model_options(KIND, first=(DEFAULT_MODEL,))
    if not options:
        st.warning(_t("no_model"), icon=":material/image_not_supported:")
        st.code(HOW_TO, language="bash")
        return
    opt = pick_model(options, _t("model"), key=K + "model", format_label=_label)
    try:
        model, cache_key = _load(opt)
    except (CheckpointError, ValueError, OSError, ImportError, RuntimeError) as exc:
        st.error(_t("model_failed", message=str(exc)), icon=":material/error:")
        return
    st.caption(_model_info(model))

    left, right = st.columns(2, gap="large")
    with left:
        chosen = _picture()
    if chosen is None:
        return
    data, name, credit, photo = chosen
    digest = hashlib.sha256(data).hexdigest()
    try:
        picture, info = _decoded(digest, data)
    except ImageError as exc:
        st.error(_t(f"error.{exc.reason}", name=_plain(name), **LIMITS), icon=":material/broken_image:")
        st.caption(_t("error_details", message=str(exc)))
        return
    with left:
        details = _t("picture_info", name=name, width=info["size"][0], height=info["size"][1],
                     format=info.get("source_format", "?"))
        if info.get("exif_transposed"):
            details += " · " + _t("picture_rotated")
        if credit:
            details += "  \n" + credit
        st.image(picture, caption=None)
        st.caption(details)
    with right:
        method, width, n_best, grounding = _settings()
        try:
            with st.spinner(_t("captioning")):
                result = _caption(cache_key, digest, method, width, n_best, grounding, _model=model, _data=data)
        except (ImageError, ValueError, RuntimeError, OSError, ImportError) as exc:
            st.error(_t("caption_failed", message=str(exc)), icon=":material/error:")
            return
        _show_caption(result, method)
        if photo is not None:
            _show_photo_check(result, photo)
        _show_top5(result, model.config.encoder, grounding > 0)
    _show_attention(result, picture)


URL.page(_render)
