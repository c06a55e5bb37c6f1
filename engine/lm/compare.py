"""N-gram vs char-LSTM, character by character: surprisal, alternatives, totals, validation bits/char.

What the "N-gram vs RNN" page shows, computed here so the page only draws::

    >>> from engine.lm.compare import compare_text                     # doctest: +SKIP
    >>> cmp = compare_text(ngram_lm, charlm, "ROMEO:\\nBut soft!")    # doctest: +SKIP
    >>> cmp.ngram.bits, cmp.lstm.bits, cmp.diff                       # doctest: +SKIP

**Surprisal** of a character is ``-log2 P(char | what came before)`` in bits: 0 for a certain
character, ``log2 V`` (about 6 bits for 65 characters) for a blind guess. Its mean over a text is
the cross-entropy in **bits per character**, and ``2 ** bits`` is the **perplexity**.

**Where the text starts.** Both models read the text as if it began right after a line break, the
convention of ``CharLM.prime("")``: the char-LSTM's first input is ``"\\n"`` from a zero hidden
state, and the n-gram model's first context is ``"\\n"``. A ``context`` string (for example the text
before a passage) replaces that start for both models; it is read but not scored.

**Unknown characters** (an emoji, Korean text, anything not in a model's training text) are mapped
to that model's unknown symbol -- ``<unk>`` for the n-gram model (which gives it a small probability
through its uniform base), id 0 = U+FFFD for the char-LSTM (which never saw it as a target, so its
probability is tiny) -- and flagged in :attr:`CharScores.unknown`. Totals leave them out, as
SRILM/KenLM report out-of-vocabulary words apart: they would otherwise measure nothing but how each
model treats a symbol it never saw.

**Long inputs** are cut to :data:`MAX_CHARS` characters (:func:`cap_text`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.lm.chars import ROLES, char_roles, display_char
from engine.ngram import NGramLM
from engine.ngram.model import BOS_ID, EOS_ID, UNK_ID

__all__ = [
    "MAX_CHARS",
    "CharScores",
    "Comparison",
    "Totals",
    "cap_text",
    "display_char",
    "charlm_scores",
    "charlm_surprisal",
    "ngram_scores",
    "compare_text",
    "totals",
    "char_roles",
    "ROLES",
    "advantage_by_role",
    "highlights",
    "strip_layout",
    "charlm_val_bits",
    "recorded_val_bits",
    "ngram_val_bits",
    "BUILTIN_PASSAGE",
    "passages",
    "checkpoint_kind",
]

#: Longest text the page scores (characters); longer input is cut with a message.
MAX_CHARS = 3000
LN2 = math.log(2.0)


# ---------------------------------------------------------------------------------------------- text
def cap_text(text: str, max_chars: int = MAX_CHARS) -> tuple[str, bool]:
    """``(text[:max_chars], was_cut)``. Never cuts between a surrogate pair (Python str: never)."""
    if len(text) <= max_chars:
        return text, False
    return text[:max_chars], True


# ---------------------------------------------------------------------------------------------- scores
@dataclass
class CharScores:
    """One model's view of every character of a text (arrays of length ``T = len(text)``).

    Attributes:
        bits: surprisal ``-log2 P(char_t | before)``.
        prob: ``P(char_t | before)`` (the probability of the model's unknown symbol for unknown chars).
        unknown: the character is not in the model's vocabulary.
        top_chars: the ``k`` most likely next characters at each position (best first).
        top_probs: their probabilities, shape ``(T, k)``.
        is_distribution: the model's numbers are probabilities (False for stupid backoff scores).
    """

    bits: np.ndarray
    prob: np.ndarray
    unknown: np.ndarray
    top_chars: list[list[str]]
    top_probs: np.ndarray
    is_distribution: bool = True


def _top(p: np.ndarray, symbols: list[str], k: int) -> tuple[list[list[str]], np.ndarray]:
    """Top-k of each row of ``p`` (T, V) -> (symbols, probabilities)."""
    if p.shape[0] == 0 or k == 0:
        return [[] for _ in range(p.shape[0])], np.zeros((p.shape[0], 0))
    k = min(k, p.shape[1])
    idx = np.argsort(-p, axis=1, kind="stable")[:, :k]
    probs = np.take_along_axis(p, idx, axis=1)
    return [[symbols[i] for i in row] for row in idx.tolist()], probs


def charlm_scores(model: Any, text: str, context: str = "", top_k: int = 5) -> CharScores:
    """Per-character surprisal of ``text`` under a char-LM, in **one** forward pass.

    The input is ``context + text[:-1]`` (``context`` defaults to ``"\\n"``, the ``CharLM.prime("")``
    start) from a zero hidden state, the targets are ``text``; logits ``t`` give ``P(text[t] | ...)``.
    Dropout is off (``eval()``); the model's train/eval mode is restored afterwards.

    Args:
        model: a :class:`~engine.lm.model.CharLM` with its ``vocab``.
        text: the characters to score (may be empty).
        context: read before the text, not scored.
        top_k: how many alternatives to return per position.
    """
    import torch

    vocab = model.vocab
    if vocab is None:
        raise ValueError("this char-LM has no vocabulary attached")
    ids = vocab.encode(text)
    unknown = np.array([i == 0 for i in ids], dtype=bool)
    T = len(ids)
    if T == 0:
        return CharScores(np.zeros(0), np.zeros(0), unknown, [], np.zeros((0, top_k)))
    start = vocab.encode(context) if context else [vocab.encode("\n")[0] if "\n" in vocab else 1]
    inp = start + ids[:-1]
    device = model.head.weight.device
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            logits, _, _ = model(torch.tensor([inp], dtype=torch.long, device=device))
    finally:
        model.train(was_training)
    logp = torch.log_softmax(logits[0, len(start) - 1 :].double(), dim=-1)  # (T, V), natural log
    tgt = torch.tensor(ids, dtype=torch.long, device=logp.device)
    lp = logp.gather(1, tgt[:, None])[:, 0].cpu().numpy()
    probs = logp.exp().cpu().numpy()
    top_chars, top_probs = _top(probs, list(vocab.chars), top_k)
    return CharScores(-lp / LN2, np.exp(lp), unknown, top_chars, top_probs)


def charlm_surprisal(model: Any, text: str, context: str = "") -> np.ndarray:
    """``-log2 P(char_t | before)`` of every character of ``text`` under a char-LM (see :func:`charlm_scores`)."""
    return charlm_scores(model, text, context, top_k=0).bits


def _ngram_symbol(tok: Any) -> str:
    return {UNK_ID: "\ufffd", BOS_ID: "<s>", EOS_ID: "</s>"}.get(tok, tok) if isinstance(tok, int) else str(tok)


def ngram_scores(lm: NGramLM, text: str, context: str = "\n", top_k: int = 5) -> CharScores:
    """Per-character surprisal of ``text`` under a character n-gram model.

    The text is scored after ``context`` (default ``"\\n"``, the same start as the char-LSTM), with
    no ``<s>`` padding: position ``t`` is conditioned on the last ``order - 1`` characters of
    ``context + text[:t]``. Vectorised, top-k alternatives included (``NGramLM.next_distributions``).
    """
    if lm.tokenization != "char":
        raise ValueError("ngram_scores needs a character n-gram model (fit_text(..., tokens='char'))")
    T = len(text)
    ids = lm.encode(text) if T else np.zeros(0, np.int64)
    unknown = ids == UNK_ID
    if T == 0:
        return CharScores(np.zeros(0), np.zeros(0), unknown, [], np.zeros((0, top_k)), lm.is_distribution)
    seq = context + text  # one id per character: the text starts at position len(context)
    c = len(context)
    lp = lm.score_sequence(seq, bos=False)[c:]
    top_chars: list[list[str]] = []
    top_probs = np.zeros((T, 0))
    if top_k > 0:
        dists = lm.next_distributions(seq, np.arange(c, c + T))  # (T, V)
        symbols = [_ngram_symbol(i) if i in (UNK_ID, BOS_ID, EOS_ID) else str(s) for i, s in enumerate(lm.vocab)]
        top_chars, top_probs = _top(dists, symbols, top_k)
    with np.errstate(divide="ignore"):
        bits = -lp
    return CharScores(bits, np.exp2(lp), unknown, top_chars, top_probs, lm.is_distribution)


# ---------------------------------------------------------------------------------------------- totals
@dataclass
class Totals:
    """Bits per character and perplexity over the characters that both models know."""

    bits_per_char: float
    perplexity: float
    n_scored: int
    n_unknown: int


def totals(bits: np.ndarray, skip: np.ndarray | None = None) -> Totals:
    """Mean surprisal (bits/char) and perplexity ``2 ** bits`` over the positions not in ``skip``."""
    bits = np.asarray(bits, dtype=float)
    keep = np.ones(bits.size, bool) if skip is None else ~np.asarray(skip, bool)
    n = int(keep.sum())
    if n == 0:
        return Totals(math.nan, math.nan, 0, int(bits.size))
    h = float(bits[keep].mean())
    return Totals(h, float(2.0**h) if h < 1024 else math.inf, n, int(bits.size - n))


@dataclass
class Comparison:
    """Both models on one text, aligned character by character.

    ``diff = ngram.bits - lstm.bits``: positive where the char-LSTM was less surprised (its longer
    memory helped), negative where the n-gram model was. ``lstm`` is None when no char-LM is given.
    """

    text: str
    ngram: CharScores
    lstm: CharScores | None
    unknown: np.ndarray  # unknown to either model: left out of the totals
    ngram_totals: Totals
    lstm_totals: Totals | None
    diff: np.ndarray | None = None
    roles: list[str] = field(default_factory=list)

    @property
    def chars(self) -> list[str]:
        return list(self.text)


def compare_text(lm: NGramLM, charlm: Any | None, text: str, context: str = "", top_k: int = 3) -> Comparison:
    """Score ``text`` with both models (the char-LM may be None) and align the results.

    ``context`` is read by both models before the text (default: the start of a line, see the
    module docstring). Both surprisal arrays have ``len(text)`` entries.
    """
    ng = ngram_scores(lm, text, context or "\n", top_k)
    ls = charlm_scores(charlm, text, context, top_k) if charlm is not None else None
    unknown = ng.unknown | (ls.unknown if ls is not None else False)
    return Comparison(
        text=text,
        ngram=ng,
        lstm=ls,
        unknown=np.asarray(unknown, bool),
        ngram_totals=totals(ng.bits, unknown),
        lstm_totals=totals(ls.bits, unknown) if ls is not None else None,
        diff=(ng.bits - ls.bits) if ls is not None else None,
        roles=char_roles(text),
    )


# ---------------------------------------------------------------------------------------------- roles
# (what role each character plays: engine.lm.chars.char_roles)
def advantage_by_role(cmp: Comparison) -> list[dict[str, Any]]:
    """Mean bits/char of each model per character role (unknown characters left out), in :data:`ROLES` order."""
    if cmp.lstm is None:
        return []
    roles = np.array(cmp.roles, dtype=object)
    out = []
    for role in ROLES:
        sel = (roles == role) & ~cmp.unknown
        n = int(sel.sum())
        if n == 0:
            continue
        ng, ls = float(cmp.ngram.bits[sel].mean()), float(cmp.lstm.bits[sel].mean())
        out.append({"role": role, "count": n, "ngram_bits": ng, "lstm_bits": ls, "lstm_gain": ng - ls})
    return out


def highlights(cmp: Comparison, k: int = 5, window: int = 24) -> dict[str, list[dict[str, Any]]]:
    """The ``k`` characters where the char-LSTM gained most over the n-gram (``"lstm"``) and the
    ``k`` where the n-gram model did (``"ngram"``), with the text before each one."""
    if cmp.diff is None or len(cmp.text) == 0:
        return {"lstm": [], "ngram": []}
    d = np.where(cmp.unknown, 0.0, cmp.diff)
    out: dict[str, list[dict[str, Any]]] = {}
    for name, order in (("lstm", np.argsort(-d, kind="stable")), ("ngram", np.argsort(d, kind="stable"))):
        rows = []
        for t in order[:k].tolist():
            if (d[t] <= 0 and name == "lstm") or (d[t] >= 0 and name == "ngram"):
                break
            rows.append({
                "pos": t,
                "char": cmp.text[t],
                "before": cmp.text[max(0, t - window) : t],
                "ngram_bits": float(cmp.ngram.bits[t]),
                "lstm_bits": float(cmp.lstm.bits[t]),  # type: ignore[union-attr]
                "gain": float(abs(d[t])),
                "role": cmp.roles[t],
            })
        out[name] = rows
    return out


# ---------------------------------------------------------------------------------------------- layout
def strip_layout(text: str, width: int = 64) -> tuple[np.ndarray, np.ndarray, int]:
    """Where each character goes in a wrapped strip: ``(row, col, n_rows)``.

    A new row starts after every newline (which is drawn as ``⏎`` at the end of its line, so the
    strip keeps the play's line structure) and after ``width`` characters.
    """
    T = len(text)
    row = np.zeros(T, dtype=np.int64)
    col = np.zeros(T, dtype=np.int64)
    r = c = 0
    for i, ch in enumerate(text):
        if c >= width:
            r, c = r + 1, 0
        row[i], col[i] = r, c
        c += 1
        if ch == "\n":
            r, c = r + 1, 0
    n_rows = (int(row[-1]) + 1) if T else 0
    return row, col, n_rows


# ---------------------------------------------------------------------------------------------- validation
def ngram_val_bits(lm: NGramLM, val_text: str) -> float:
    """Bits/char of the n-gram model on the validation text (``cross_entropy``: all characters, from ``<s>``)."""
    return lm.cross_entropy(val_text)


def charlm_val_bits(model: Any, text: str, val_fraction: float | None = None) -> float:
    """Validation bits/char of a char-LM with the model card's protocol.

    ``text`` is the *whole* corpus; its last ``val_fraction`` (default: the model's own, else 0.1) is
    cut into ``eval_batch_size`` contiguous streams read ``eval_seq_len`` characters at a time with
    the hidden state carried (``engine.data.text.eval_chunks``), scored by ``engine.train.trainer.evaluate``
    in float32 (no autocast).
    """
    from engine.data.text import encode_split, eval_chunks
    from engine.train.trainer import evaluate

    data = (getattr(model, "meta", None) or {}).get("data", {})
    frac = val_fraction if val_fraction is not None else data.get("val_fraction", 0.1)
    _, val_ids = encode_split(text, model.vocab, frac)
    batches = eval_chunks(val_ids, data.get("eval_batch_size", 16), data.get("eval_seq_len", 256))
    return evaluate(model, batches, amp=False) / LN2


def recorded_val_bits(model: Any) -> float | None:
    """The validation bits/char recorded in a checkpoint (``best_val_loss``, nats/char), if any.

    It was measured at training time with the same protocol as :func:`charlm_val_bits` (possibly in
    bf16 on a GPU, so it can differ from a CPU measurement in the third decimal).
    """
    meta = getattr(model, "meta", None) or {}
    metrics = meta.get("metrics") or {}
    for key in ("val_bits_per_char", "bits_per_char"):
        if isinstance(metrics.get(key), (int, float)):
            return float(metrics[key])
    loss = meta.get("best_val_loss")
    return float(loss) / LN2 if isinstance(loss, (int, float)) and math.isfinite(loss) else None


# ---------------------------------------------------------------------------------------------- inputs
#: The page's default passage: from the validation split (The Taming of the Shrew, Act 4 Scene 3), the one where
#: the page's explanation holds most clearly -- the char-LSTM beats the default n-gram model (order 5, modified
#: Kneser-Ney) on speaker names, line starts and line breaks, and it met every speaker in training. Chosen by
#: measurement over all 938 speech passages of the split: ``python -m engine.lm.default_passage``. Used as is
#: when the corpus is not on the server.
BUILTIN_PASSAGE = (
    "GRUMIO:\n"
    "You are i' the right, sir: 'tis for my mistress.\n"
    "\n"
    "PETRUCHIO:\n"
    "Go, take it up unto thy master's use.\n"
    "\n"
    "GRUMIO:\n"
    "Villain, not for thy life: take up my mistress'\n"
    "gown for thy master's use!\n"
    "\n"
    "PETRUCHIO:\n"
    "Why, sir, what's your conceit in that?\n"
    "\n"
    "GRUMIO:\n"
    "O, sir, the conceit is deeper than you think for:\n"
    "Take up my mistress' gown to his master's use!\n"
    "O, fie, fie, fie!\n"
    "\n"
    "PETRUCHIO:\n"
    "\n"
    "HORTENSIO:\n"
    "Tailor, I'll pay thee for thy gown tomorrow:\n"
)


def passages(text: str, n: int = 12, length: int = 600) -> list[str]:
    """``n`` passages of about ``length`` characters spread evenly over ``text`` (the validation split).

    Each starts at the beginning of a speech (after a blank line, so the first character really
    follows a line break, as the models assume) and ends at the end of a line.
    """
    out: list[str] = []
    if not text:
        return out
    step = max(len(text) // max(n, 1), 1)
    for i in range(n):
        lo = i * step
        s = text.find("\n\n", lo)
        s = lo if s < 0 else s + 2
        e = text.rfind("\n", s, s + length)
        e = min(s + length, len(text)) if e <= s else e + 1
        chunk = text[s:e]
        if chunk.strip() and chunk not in out:
            out.append(chunk)
    return out


def checkpoint_kind(path: str | Any) -> str | None:
    """The model kind recorded in a checkpoint folder's config.json (``"charlm"``...), or None."""
    import json
    from pathlib import Path

    try:
        return json.loads((Path(path) / "config.json").read_text()).get("kind")
    except (OSError, ValueError, AttributeError):
        return None
