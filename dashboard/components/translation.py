"""What the "Translate" page needs besides widgets: which translators there are, loading them, the
input split into lines, the sentences to show attention for, the engine's notes in the UI language,
and the evaluation results the models carry.

Translators are found the way the other pages find models (:mod:`dashboard.components.model_picker`):
the shipped ones in ``pretrained/``, then this browser session's models and the saved app runs, keeping
the checkpoints whose ``config.json`` says ``"kind": "translator"``. Whether a translator has attention
is read from the same file (``config.attention``), without loading the weights.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dashboard.components.model_picker import ModelOption, model_options
from dashboard.i18n import t

__all__ = [
    "ATTENTION_MODEL",
    "FIXED_MODEL",
    "MAX_LINES",
    "MAX_TEXT_CHARS",
    "PageNote",
    "SentenceView",
    "TranslatorOption",
    "eval_commands",
    "model_scores",
    "note_text",
    "sentence_views",
    "split_input",
    "train_commands",
    "translator_options",
]

#: The shipped models the page looks for first: the attention translator and the fixed-vector one.
ATTENTION_MODEL = "translator-en-fr"
FIXED_MODEL = "translator-en-fr-noattn"
#: The page translates at most this many lines, and this many characters in all (the engine then
#: splits long lines into sentences and caps each line on its own).
MAX_LINES = 20
MAX_TEXT_CHARS = 5000


@dataclass(frozen=True)
class TranslatorOption(ModelOption):
    """One translator the page can use (nothing loaded yet): a model option and its attention."""

    attention: str  # "none" | "dot" | "general" | "additive"

    @property
    def has_attention(self) -> bool:
        return self.attention != "none"


def _translator_config(folder: Path) -> dict | None:
    """``config.json``'s model config if ``folder`` holds a translator checkpoint, else None."""
    try:
        cfg = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(cfg, dict) or cfg.get("kind") != "translator" or not isinstance(cfg.get("config"), dict):
        return None
    return cfg["config"]


def translator_options() -> list[TranslatorOption]:
    """Every translator the page can offer: shipped ones first (``translator-en-fr`` and
    ``translator-en-fr-noattn`` ahead of the others), then this session's and saved app runs."""
    options: list[TranslatorOption] = []
    for opt in model_options("translator", first=(ATTENTION_MODEL, FIXED_MODEL)):
        cfg = _translator_config(Path(opt.path))
        if cfg is not None:
            options.append(TranslatorOption(**asdict(opt), attention=str(cfg.get("attention", "general"))))
    return options


# ---------------------------------------------------------------------------------------------- input
@dataclass(frozen=True)
class PageNote:
    """A note of the page itself (not the engine's), shown with :func:`note_text`."""

    code: str
    values: dict = field(default_factory=dict)


def split_input(text: str) -> tuple[list[str], list[PageNote]]:
    """The non-empty lines of ``text`` (each translated on its own), capped, with notes on the caps."""
    notes: list[PageNote] = []
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        notes.append(PageNote("text_cut", {"max": MAX_TEXT_CHARS}))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        notes.append(PageNote("too_many_lines", {"max": MAX_LINES, "n": len(lines)}))
        lines = lines[:MAX_LINES]
    return lines, notes


def note_text(note: Any) -> str:
    """A note in the UI language: the engine's :class:`engine.seq2seq.text.Note` or a :class:`PageNote`.

    A note the page does not know (a plain string) is shown as the engine wrote it.
    """
    from dashboard.i18n import STRINGS

    code, values = getattr(note, "code", None), getattr(note, "values", None) or {}
    key = f"page.translate.note.{code}"
    if code is None or key not in STRINGS:
        return str(note)
    return t(key, **values)


# ---------------------------------------------------------------------------------------------- output
@dataclass
class SentenceView:
    """One translated sentence with its attention: a whole input line, or one sentence of a long line."""

    line: int  # index of the input line
    source: str
    text: str
    source_pieces: list[str]
    pieces: list[str]
    attention: list[list[float]] | None  # (len(pieces), len(source_pieces))
    n_best: list  # engine.seq2seq.text.Candidate


def sentence_views(results: Sequence[Any]) -> list[SentenceView]:
    """The sentences of ``results`` (:class:`engine.seq2seq.text.Translation`, one per input line) that
    were translated, in order: a line split into sentences gives one view per sentence."""
    views = []
    for line, r in enumerate(results):
        for part in (r.segments or [r]):
            if not part.pieces:  # nothing was translated (empty, or only unknown characters)
                continue
            att = part.attention.tolist() if part.attention is not None else None
            views.append(SentenceView(line, part.source, part.text, list(part.source_pieces), list(part.pieces),
                                      att, list(part.n_best)))
    return views


def model_scores(model: Any) -> dict | None:
    """The measured BLEU by source length the model carries (see :func:`engine.seq2seq.evaluate.recorded_scores`)."""
    from engine.seq2seq.evaluate import recorded_scores

    return recorded_scores(getattr(model, "meta", None), getattr(model, "checkpoint_path", None))


# ---------------------------------------------------------------------------------------------- commands
def train_commands(name: str, attention: bool = True) -> str:
    """Shell commands that train, evaluate and export the shipped translator ``name``."""
    run = f"~/rnnlab-runs/{name}"
    train = "python -m engine train translator --data-dir DATA"
    if not attention:
        train += f" --attention none --run-dir {run}"
    return f"{train}\n{eval_commands(name)}"


def eval_commands(name: str) -> str:
    """Shell commands that measure BLEU by source length of a trained run and ship it with the results."""
    run = f"~/rnnlab-runs/{name}/best"
    return (f"python -m engine eval-translator --model {run} --data-dir DATA --json > {name}-eval.json\n"
            f"python -m engine export {run} pretrained/{name} --metrics {name}-eval.json")
