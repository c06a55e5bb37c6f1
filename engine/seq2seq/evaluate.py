"""Scoring translations with sacrebleu: BLEU and chrF, overall and by source length, multi-reference.

* **BLEU** (Papineni et al. 2002, :func:`engine.metrics.corpus_bleu`): geometric mean of modified 1- to
  4-gram precisions against all references, times a brevity penalty; sacrebleu's standard ``13a``
  tokenisation, so the number is comparable with published ones (the *signature* says exactly how it
  was computed).
* **chrF** (Popović 2015, :func:`engine.metrics.corpus_chrf`): F-score of character n-grams (n <= 6,
  recall weighted twice): kinder to French morphology (``allé`` vs ``allée``) and meaningful on single
  short sentences.

Tatoeba gives several French translations for many English sentences; all of them are references
(:func:`engine.data.parallel.group_references`), so a correct translation that happens to differ
from one reference is not penalised. Scores are also reported by source length in words
(``1-5``, ``6-10``, ``11-15``, ``16+``): the classic plot where an encoder–decoder without
attention falls off on long sentences and one with attention does not.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from engine.metrics import corpus_bleu, corpus_chrf

__all__ = ["LENGTH_BUCKETS", "BucketScore", "TranslationScores", "bucket_of", "evaluate_translator", "recorded_scores",
           "score_corpus"]

#: Source-length buckets in words: (low, high) inclusive, ``None`` = no upper bound.
LENGTH_BUCKETS: tuple[tuple[int, int | None], ...] = ((1, 5), (6, 10), (11, 15), (16, None))


def bucket_name(low: int, high: int | None) -> str:
    return f"{low}-{high}" if high is not None else f"{low}+"


def bucket_of(source: str, buckets: Sequence[tuple[int, int | None]] = LENGTH_BUCKETS) -> str:
    """Name of the length bucket of ``source`` (whitespace-separated words)."""
    n = max(1, len(source.split()))
    for low, high in buckets:
        if n >= low and (high is None or n <= high):
            return bucket_name(low, high)
    return bucket_name(*buckets[-1])


@dataclass
class BucketScore:
    bucket: str
    sentences: int
    bleu: float | None
    chrf: float | None


@dataclass
class TranslationScores:
    """Corpus-level scores of one decoding run (``to_dict`` for JSON, ``format`` for a table)."""

    bleu: float
    chrf: float
    bleu_signature: str
    chrf_signature: str
    sentences: int
    references: int  # total number of reference translations
    max_references: int
    buckets: list[BucketScore] = field(default_factory=list)
    method: str = ""
    beam_width: int = 0
    seconds: float = 0.0
    hypotheses: list[str] = field(default_factory=list, repr=False)

    def to_dict(self, with_hypotheses: bool = False) -> dict:
        d = asdict(self)
        if not with_hypotheses:
            d.pop("hypotheses")
        return d

    def format(self) -> str:
        lines = [f"BLEU {self.bleu:.2f}   chrF {self.chrf:.2f}   on {self.sentences} sentences "
                 f"({self.references} references, up to {self.max_references} per sentence)",
                 f"decoding: {self.method}" + (f", beam width {self.beam_width}" if self.method == "beam" else "")
                 + f", {self.seconds:.1f} s ({self.sentences / max(self.seconds, 1e-9):.1f} sentences/s)",
                 f"BLEU signature: {self.bleu_signature}", f"chrF signature: {self.chrf_signature}", "",
                 f"{'source words':>12}{'sentences':>11}{'BLEU':>8}{'chrF':>8}"]
        for b in self.buckets:
            bleu = f"{b.bleu:.2f}" if b.bleu is not None else "-"
            chrf = f"{b.chrf:.2f}" if b.chrf is not None else "-"
            lines.append(f"{b.bucket:>12}{b.sentences:>11}{bleu:>8}{chrf:>8}")
        return "\n".join(lines)


def score_corpus(hypotheses: Sequence[str], references: Sequence[Sequence[str]], sources: Sequence[str] | None = None,
                 buckets: Sequence[tuple[int, int | None]] = LENGTH_BUCKETS) -> TranslationScores:
    """Corpus BLEU and chrF of ``hypotheses`` against (possibly several) ``references`` each.

    With ``sources``, scores are also computed per source-length bucket.
    """
    b, c = corpus_bleu(hypotheses, references), corpus_chrf(hypotheses, references)
    result = TranslationScores(bleu=round(b.score, 2), chrf=round(c.score, 2), bleu_signature=b.signature,
                               chrf_signature=c.signature, sentences=len(hypotheses),
                               references=sum(len(r) for r in references),
                               max_references=max(len(r) for r in references), hypotheses=list(hypotheses))
    if sources is not None:
        for low, high in buckets:
            name = bucket_name(low, high)
            idx = [i for i, s in enumerate(sources) if bucket_of(s, buckets) == name]
            if not idx:
                result.buckets.append(BucketScore(name, 0, None, None))
                continue
            hy, rf = [hypotheses[i] for i in idx], [references[i] for i in idx]
            result.buckets.append(BucketScore(name, len(idx), round(corpus_bleu(hy, rf).score, 2),
                                              round(corpus_chrf(hy, rf).score, 2)))
    return result


def evaluate_translator(model, sources: Sequence[str], references: Sequence[Sequence[str]], method: str = "beam",
                        beam_width: int = 5, length_penalty: float = 0.6, batch_size: int = 64,
                        progress: Callable[[int, int], None] | None = None) -> TranslationScores:
    """Translate ``sources`` with ``model`` (a :class:`~engine.seq2seq.model.Translator`) and score them.

    ``progress(done, total)`` is called after each batch.
    """
    t0 = time.perf_counter()
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]))  # similar lengths share a batch
    hyps: list[str] = [""] * len(sources)
    step = max(1, batch_size * 4)
    for k in range(0, len(order), step):
        chunk = order[k:k + step]
        out = model.translate([sources[i] for i in chunk], method=method, beam_width=beam_width,
                              length_penalty=length_penalty, batch_size=batch_size)
        for i, t in zip(chunk, out):
            hyps[i] = t.text
        if progress is not None:
            progress(min(k + step, len(order)), len(sources))
    result = score_corpus(hyps, references, sources)
    result.method, result.beam_width = method, beam_width if method == "beam" else 1
    result.seconds = round(time.perf_counter() - t0, 2)
    return result


METRICS_FILE = "metrics.json"


# a model card's metrics.json may also hold results of *other* models (an ablation): never this model's scores
OTHER_MODELS_KEY = "ablation"


def _score_records(obj: object, depth: int = 0) -> list[dict]:
    """Every dict under ``obj`` (3 levels deep at most, not under ``"ablation"``) that looks like an
    ``eval-translator --json`` result."""
    if depth > 3:
        return []
    if isinstance(obj, dict):
        if isinstance(obj.get("buckets"), list) and isinstance(obj.get("bleu"), (int, float)):
            return [obj]
        return [r for k, v in obj.items() if k != OTHER_MODELS_KEY for r in _score_records(v, depth + 1)]
    if isinstance(obj, list):
        return [r for v in obj for r in _score_records(v, depth + 1)]
    return []


def _number(x: object) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def recorded_scores(meta: dict | None, folder: str | Path | None = None) -> dict | None:
    """The measured BLEU/chrF (overall and by source length) a translator carries, or ``None``.

    Looks where the evaluation results of ``python -m engine eval-translator --json`` end up: in
    ``meta["metrics"]`` (``python -m engine export CHECKPOINT OUT --metrics eval.json`` records the
    file there, in ``config.json``) and in a ``metrics.json`` beside the weights in ``folder``. Results
    on the test split and with beam search are preferred. Nothing is ever computed here: a model
    without recorded results gives ``None``.

    Returns ``{"bleu", "chrf", "sentences", "split", "method", "beam_width", "corpus", "bleu_signature",
    "buckets": [{"bucket", "sentences", "bleu", "chrf"}, ...], "where": "config.json" | "metrics.json"}``.
    """
    found = [(r, "config.json") for r in _score_records((meta or {}).get("metrics"))]
    if folder is not None:
        path = Path(folder) / METRICS_FILE
        try:
            found += [(r, METRICS_FILE) for r in _score_records(json.loads(path.read_text()))]
        except (OSError, ValueError):
            pass
    if not found:
        return None
    record, where = max(found, key=lambda rw: (rw[0].get("split") == "test", rw[0].get("method") == "beam"))
    buckets = [{"bucket": str(b["bucket"]), "sentences": int(_number(b.get("sentences")) or 0),
                "bleu": _number(b.get("bleu")), "chrf": _number(b.get("chrf"))}
               for b in record["buckets"] if isinstance(b, dict) and "bucket" in b]
    return {"bleu": float(record["bleu"]), "chrf": _number(record.get("chrf")),
            "sentences": int(_number(record.get("sentences")) or 0), "split": record.get("split"),
            "method": record.get("method"), "beam_width": record.get("beam_width"), "corpus": record.get("corpus"),
            "bleu_signature": record.get("bleu_signature"), "buckets": buckets, "where": where}
