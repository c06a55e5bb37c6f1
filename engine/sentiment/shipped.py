"""The shipped sentiment models: which one reads a text, their embeddings, cards and comparison table.

``pretrained/sentiment-en`` (SST-2) and ``pretrained/sentiment-ko`` (NSMC); the representation
comparison is in ``pretrained/sentiment-comparison/<lang>.json`` (``python -m engine compare-sentiment``).

    >>> detect_lang("정말 재밌다"), detect_lang("a fine film"), detect_lang("영화 movie")
    ('ko', 'en', 'ko')
"""

from __future__ import annotations

import json
import re

import torch

from engine.train.checkpoint import PRETRAINED_DIR, load_pretrained

__all__ = ["SHIPPED", "COMPARISON_DIR", "detect_lang", "embedding_table", "read_metrics", "read_comparison"]

SHIPPED = {"en": "sentiment-en", "ko": "sentiment-ko"}
COMPARISON_DIR = PRETRAINED_DIR / "sentiment-comparison"
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def detect_lang(text: str) -> str:
    """``"ko"`` when the text has any Hangul (a syllable or a jamo such as ㅋ), else ``"en"``."""
    return "ko" if _HANGUL.search(text) else "en"


def embedding_table(name: str = "sentiment-en") -> tuple[list[str], torch.Tensor]:
    """``(pieces, E)`` of a shipped (or any checkpoint folder's) sentiment model: the sentencepiece
    pieces in id order and the learned embedding matrix E (V, n_embd), row k the vector x of piece k.

    For a model with one-hot inputs E is U's columns (V, gates x hidden), not an embedding of its own."""
    model = load_pretrained(name, device="cpu")
    if getattr(model, "kind", None) != "sentiment":
        raise ValueError(f"{name} is not a sentiment model")
    pieces = [model.tokenizer.id_to_piece(i) for i in range(len(model.tokenizer))]
    return pieces, model.embed.weight.detach().clone()


def read_metrics(name: str) -> dict:
    """The measured metrics of a shipped model (its ``metrics.json``), ``{}`` when there are none."""
    path = PRETRAINED_DIR / name / "metrics.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def read_comparison(lang: str) -> dict | None:
    """The representation comparison of ``lang`` (``compare-sentiment``'s table), or ``None``."""
    path = COMPARISON_DIR / f"{lang}.json"
    return json.loads(path.read_text()) if path.is_file() else None
