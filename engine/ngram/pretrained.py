"""The shipped Shakespeare character n-gram models: build them, describe them, load them.

``pretrained/ngram-shakespeare/`` holds

* ``model.npz`` -- one character n-gram model of order :data:`SHIPPED_ORDER` (modified Kneser-Ney)
  fitted on the char-LSTM's training split (the first 90 % of Tiny Shakespeare). Its counts contain
  every lower order, so :meth:`NGramLM.derive` gives *any* order up to 7 with *any* smoothing
  (exactly the model a fresh fit would give) without the corpus;
* ``metrics.json`` -- the measured validation bits/char of every smoothing preset at every order
  1..10, the n-gram coverage table (distinct n-grams seen vs ``V**n``), sizes and fit times;
* ``card.md`` -- the model card, written from ``metrics.json`` by the same command.

Built with ``python -m engine train ngram`` (see ``engine/cli/ngram.py``)::

    python -m engine train ngram --corpus tinyshakespeare --data-dir $RNN_DATA_DIR \\
        --out pretrained/ngram-shakespeare

Pure numpy, like the rest of :mod:`engine.ngram` (no torch import).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from engine.ngram.model import BOS_ID, EOS_ID, MAX_ORDER, UNK_ID, NGramLM

__all__ = [
    "PRESETS",
    "SHIPPED_DIR",
    "SHIPPED_ORDER",
    "MODEL_FILE",
    "METRICS_FILE",
    "CARD_FILE",
    "make_model",
    "coverage",
    "build",
    "load_shipped",
    "load_metrics",
]

#: ``pretrained/ngram-shakespeare`` in the repository.
SHIPPED_DIR = Path(__file__).resolve().parents[2] / "pretrained" / "ngram-shakespeare"
MODEL_FILE, METRICS_FILE, CARD_FILE = "model.npz", "metrics.json", "card.md"
#: Order of the shipped counts: the best modified-KN order on the validation split, and 2 MB.
SHIPPED_ORDER = 7
SHIPPED_SMOOTHING = "modified_kneser_ney"

#: The smoothing choices of the app and of the validation sweep: preset name -> (smoothing, parameters).
PRESETS: dict[str, tuple[str, dict[str, float]]] = {
    "laplace": ("add_k", {"k": 1.0}),
    "lidstone": ("add_k", {"k": 0.1}),
    "witten_bell": ("witten_bell", {}),
    "absolute_discounting": ("absolute_discounting", {}),
    "kneser_ney": ("kneser_ney", {}),
    "modified_kneser_ney": ("modified_kneser_ney", {}),
    "stupid_backoff": ("stupid_backoff", {}),
}


#: Display names (English) of the presets and smoothings, for the model card.
LABELS = {
    "laplace": "Laplace (add-1)",
    "lidstone": "Lidstone (add-0.1)",
    "witten_bell": "Witten-Bell",
    "absolute_discounting": "absolute discounting",
    "kneser_ney": "Kneser-Ney",
    "modified_kneser_ney": "modified Kneser-Ney",
    "stupid_backoff": "stupid backoff",
}


def _preset(name: str) -> tuple[str, dict[str, float]]:
    if name not in PRESETS:
        raise ValueError(f"unknown smoothing preset {name!r}; choose one of {', '.join(PRESETS)}")
    smoothing, params = PRESETS[name]
    return smoothing, dict(params)


def make_model(preset: str, order: int, *, base: NGramLM | None = None, text: str | None = None) -> NGramLM:
    """The n-gram model of a smoothing ``preset`` and ``order``: derived from ``base`` when its order is
    high enough (milliseconds), otherwise fitted on ``text`` (about a second for a million characters).

    Raises:
        ValueError: unknown preset, or neither a base of order >= ``order`` nor a text.
    """
    smoothing, params = _preset(preset)
    if base is not None and order <= base.order:
        return base.derive(order, smoothing, **params)
    if text is None:
        have = f"the shipped counts go up to order {base.order}" if base is not None else "no counts"
        raise ValueError(f"order {order} needs the training text ({have})")
    return NGramLM.fit_text(text, order, smoothing, **params)


def coverage(lm: NGramLM, max_n: int | None = None) -> list[dict[str, Any]]:
    """Distinct character n-grams seen in training vs the ``V**n`` possible ones, for n = 1..max_n.

    ``V`` is the number of distinct training characters (the special symbols are left out) and only
    n-grams made of real characters are counted (not the ``<s>``/``</s>`` padding): the lecture's
    curse of dimensionality, ``seen / V**n`` shrinking exponentially with n.
    """
    C = lm._require()
    max_n = max_n or lm.order
    V = sum(1 for i in range(lm.vocab_size) if i not in (UNK_ID, BOS_ID, EOS_ID))
    out = []
    for n in range(1, max_n + 1):
        grams = C.decode(n, np.arange(C.num_ngrams(n)))
        real = int((grams > EOS_ID).all(axis=1).sum())
        possible = float(V) ** n
        out.append({"n": n, "seen": real, "possible": possible, "log10_possible": round(n * math.log10(V), 4),
                    "fraction": real / possible})
    return out


def _hardware() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{n}-core CPU ({cpu}), {platform.system()} {platform.release()}, numpy {np.__version__}"


def build(
    train_text: str,
    val_text: str,
    out_dir: str | os.PathLike,
    *,
    order: int = SHIPPED_ORDER,
    sweep_orders: int = MAX_ORDER,
    presets: list[str] | None = None,
    command: str = "",
    corpus: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Fit, measure and save the shipped models; returns the metrics written to ``metrics.json``.

    1. fits a modified Kneser-Ney model of ``order`` on ``train_text`` and saves it as ``model.npz``;
    2. for every preset and every order 1..``sweep_orders``, fits a fresh model on ``train_text``
       (``NGramLM.fit_text``, boundary ``"text"``: newlines are ordinary characters, as for the
       char-LSTM) and measures the bits/char on ``val_text`` (``cross_entropy``) and the fit time;
    3. counts distinct n-grams (coverage) up to ``sweep_orders``;
    4. writes ``metrics.json`` and ``card.md``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    presets = list(presets or PRESETS)
    t0 = time.perf_counter()
    shipped = NGramLM.fit_text(train_text, order, SHIPPED_SMOOTHING)
    fit_s = time.perf_counter() - t0
    shipped.save(out / MODEL_FILE)
    size = (out / MODEL_FILE).stat().st_size
    log(f"{MODEL_FILE}: order {order} {SHIPPED_SMOOTHING}, fitted in {fit_s:.2f} s, {size / 1e6:.2f} MB")

    sweep: dict[str, list[dict[str, Any]]] = {}
    top = None
    for name in presets:
        rows = []
        for n in range(1, sweep_orders + 1):
            smoothing, params = _preset(name)
            t1 = time.perf_counter()
            lm = NGramLM.fit_text(train_text, n, smoothing, **params)
            fit = time.perf_counter() - t1
            t2 = time.perf_counter()
            bpc = lm.cross_entropy(val_text)
            ev = time.perf_counter() - t2
            rows.append({"order": n, "val_bits_per_char": round(bpc, 4), "val_perplexity": round(2.0**bpc, 3),
                         "fit_seconds": round(fit, 3), "eval_seconds": round(ev, 3),
                         "distinct_ngrams": lm.num_ngrams(n), "memory_mb": round(lm.nbytes / 1e6, 2)})
            if n == sweep_orders:
                top = lm
            log(f"{name:>22} order {n:2d}: {bpc:.4f} bits/char (fit {fit:.2f} s, eval {ev:.2f} s)")
        sweep[name] = rows
    assert top is not None
    cov = coverage(top, sweep_orders)
    best = min(((name, r) for name, rows in sweep.items() for r in rows
                if PRESETS[name][0] != "stupid_backoff"), key=lambda x: x[1]["val_bits_per_char"])
    metrics = {
        "format": "rnnlab-ngram-card",
        "version": 1,
        "name": out.name,
        "model_file": MODEL_FILE,
        "model": {"order": order, "smoothing": SHIPPED_SMOOTHING, "tokens": "char", "boundary": "text",
                  "vocab_size": shipped.vocab_size, "file_bytes": size, "memory_bytes": shipped.nbytes,
                  "fit_seconds": round(fit_s, 3),
                  "distinct_ngrams": {str(n): shipped.num_ngrams(n) for n in range(1, order + 1)},
                  "discounts": {str(k): [round(d, 4) for d in v] for k, v in shipped.discounts.items()},
                  "val_bits_per_char": round(shipped.cross_entropy(val_text), 4)},
        "presets": {name: {"smoothing": PRESETS[name][0], "params": PRESETS[name][1]} for name in presets},
        "sweep": sweep,
        "best": {"preset": best[0], **best[1]},
        "coverage": cov,
        "data": {**(corpus or {}), "train_chars": len(train_text), "val_chars": len(val_text),
                 "train_md5": hashlib.md5(train_text.encode("utf-8")).hexdigest()},
        "command": command,
        "hardware": _hardware(),
        "total_seconds": round(time.perf_counter() - t0, 1),
        "built": time.strftime("%Y-%m-%d", time.gmtime()),
    }
    (out / METRICS_FILE).write_text(json.dumps(metrics, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / CARD_FILE).write_text(render_card(metrics), encoding="utf-8")
    log(f"wrote {out / METRICS_FILE} and {out / CARD_FILE} ({metrics['total_seconds']} s in all)")
    return metrics


def render_card(m: dict[str, Any]) -> str:
    """The model card (Markdown) for the metrics written by :func:`build`."""
    model, data = m["model"], m["data"]
    presets = list(m["sweep"])
    orders = [r["order"] for r in m["sweep"][presets[0]]]
    header = "| order | " + " | ".join(LABELS.get(p, p) for p in presets) + " |"
    lines = [header, "|" + "---:|" * (len(presets) + 1)]
    for i, n in enumerate(orders):
        vals = []
        for p in presets:
            r = m["sweep"][p][i]
            v = f"{r['val_bits_per_char']:.3f}"
            best = min(x["val_bits_per_char"] for x in m["sweep"][p])
            vals.append(f"**{v}**" if r["val_bits_per_char"] == best else v)
        lines.append(f"| {n} | " + " | ".join(vals) + " |")
    table = "\n".join(lines)
    fit_rows = "\n".join(
        f"| {r['order']} | {r['fit_seconds']:.2f} | {r['eval_seconds']:.2f} | {r['distinct_ngrams']:,} "
        f"| {r['memory_mb']:.1f} |"
        for r in m["sweep"].get("modified_kneser_ney", m["sweep"][presets[0]])
    )
    cov_rows = "\n".join(f"| {c['n']} | {c['seen']:,} | 10^{c['log10_possible']:.1f} | {c['fraction']:.2e} |"
                         for c in m["coverage"])
    ks = {p: v["params"]["k"] for p, v in m["presets"].items() if "k" in v["params"]}
    params = ", ".join(f"{p} is add-k with k = {k:g}" for p, k in ks.items()) or "as named"
    best = m["best"]
    shipped_what = (f"order-{model['order']} {LABELS.get(model['smoothing'], model['smoothing'])} character model "
                    f"(counts of orders 1..{model['order']})")
    shakespeare = data.get("corpus") == "tinyshakespeare"
    if shakespeare:
        title = "Tiny Shakespeare"
        corpus_line = (
            f"* Corpus: Tiny Shakespeare (`tinyshakespeare`, {data.get('chars', 0):,} characters, MD5 "
            f"`{data.get('md5', '?')}`), the char-rnn corpus collected by Andrej Karpathy (MIT licence,\n"
            "  https://github.com/karpathy/char-rnn); the plays themselves are in the public domain."
        )
        lstm = " (`pretrained/charlm-shakespeare`)"
    else:
        title = f"`{data.get('corpus', '?')}`"
        corpus_line = f"* Corpus: `{data.get('corpus', '?')}` ({data.get('chars', 0):,} characters)."
        lstm = ""
    return f"""# {m.get('name', 'ngram')}: character n-gram language models of {title}

The n-gram baseline of the "N-gram vs RNN" page: character n-gram models fitted on **exactly the
char-LSTM's training split**, so their validation bits/char are directly comparable with the
char-LSTM's{lstm}.

## What is shipped

| file | what | size |
|---|---|---:|
| `{m['model_file']}` | {shipped_what}, `NGramLM.load` | {model['file_bytes'] / 1e6:.2f} MB |
| `metrics.json` | every number on this card | |
| `card.md` | this card | |

The counts of an order-{model['order']} model contain the counts of every lower order, so
`NGramLM.load(...).derive(order, smoothing)` gives **any order 1..{model['order']} with any smoothing**, exactly
the model a fresh fit would give (tested bit for bit in `tests/test_compare.py`), without the corpus.
Orders above {model['order']} need the corpus (the app fits them in about a second). In memory the
order-{model['order']} model takes {model['memory_bytes'] / 1e6:.1f} MB; vocabulary: {model['vocab_size']} symbols
(the training characters plus `<unk>`, `<s>`, `</s>`). Loading: `NGramLM.load` uses
`np.load(allow_pickle=False)` (no pickle).

## Data and split

{corpus_line}
* Split: `engine.data.split_train_val(text)` -- the first 90 % of the characters for training
  ({data['train_chars']:,} characters, MD5 of the UTF-8 training text `{data['train_md5']}`), the last
  10 % for validation ({data['val_chars']:,} characters). This is the char-LSTM's split.
* Tokens: single characters, newline included; the whole training text is one sequence
  (`boundary="text"`), padded with `<s>`/`</s>` once at each end. No data is stored in the repository.

## Validation bits per character

`NGramLM.cross_entropy(val_text)` (mean −log2 P per character over the whole validation split, the
first characters conditioned on `<s>` padding) for each smoothing at each order 1..{orders[-1]}, each
model fitted afresh on the training split. Bold: the best order of each smoothing. Presets: {params};
the discounts are estimated from the count-of-counts. Stupid backoff gives scores, not probabilities
(they sum to more than 1), so its "bits/char" is not a true cross-entropy and is shown for
comparison only.

{table}

Best: **{best['val_bits_per_char']:.3f} bits/char** (perplexity {best['val_perplexity']:.2f}),
{LABELS.get(best['preset'], best['preset'])} of order {best['order']}. The shipped order-{model['order']} model:
{model['val_bits_per_char']:.3f} bits/char. Low orders lack context; high orders see too few of
their n-grams (below) and lean on the backoff.

The char-LSTM's number, with its protocol (`engine.train.trainer.evaluate` on `eval_chunks` of the same
validation split: 16 streams, 256-character chunks, hidden state carried), is on its own card and
is drawn next to these curves in the app.

## Counts: the curse of dimensionality

Distinct character n-grams seen in the {data['train_chars']:,} training characters (padding left
out) against the V^n possible ones (V = {model['vocab_size'] - 3} characters):

| n | seen | possible | fraction |
|---:|---:|---:|---:|
{cov_rows}

## Fit time and memory (modified Kneser-Ney)

| order | fit (s) | val scoring (s) | distinct n-grams (top order) | memory (MB) |
|---:|---:|---:|---:|---:|
{fit_rows}

Fitting is pure numpy (sorted integer keys and binary search, `engine/ngram/counting.py`).

## How these numbers were made

```
{m['command']}
```

Hardware: {m['hardware']}. The whole build (one shipped fit, {len(presets)} × {len(orders)} sweep fits and
evaluations, coverage) took {m['total_seconds']} s on {m['built']}; times are wall-clock and vary with load.
"""


def load_shipped(directory: str | os.PathLike | None = None) -> NGramLM | None:
    """The shipped counts (``model.npz``) as an :class:`NGramLM`, or None if the file is not there."""
    path = Path(directory or SHIPPED_DIR) / MODEL_FILE
    return NGramLM.load(path) if path.is_file() else None


def load_metrics(directory: str | os.PathLike | None = None) -> dict[str, Any] | None:
    """The shipped ``metrics.json`` (validation sweep, coverage, sizes), or None if absent or unreadable."""
    path = Path(directory or SHIPPED_DIR) / METRICS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
