"""Record the shipped models' outputs on fixed inputs into ``outputs.json`` (see tests/test_pinned_outputs.py).

Re-record only when a change of behaviour is intended, and say so in the commit message::

    python tests/pinned/record.py          # this checkout's code and pretrained/, writes tests/pinned/outputs.json

``engine`` is the one Python finds first, else this checkout's; to record another checkout's code and models
(e.g. a frozen copy) into this one: ``cd /that/checkout && PYTHONPATH=. python /path/to/record.py --root .``
(``--out`` chooses another output file). The script prints which ``engine`` it used.

The ``compute_*`` functions are shared with the test: each returns plain JSON data (str, int, bool, float,
lists and dicts) so that the recorded and the recomputed values compare directly.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("RNN_DEVICE", "cpu")  # CPU only, like the tests (tests/conftest.py)
DEFAULT_ROOT = Path(__file__).resolve().parents[2]
if importlib.util.find_spec("engine") is None:  # `python tests/pinned/record.py`: this checkout's engine (last,
    sys.path.append(str(DEFAULT_ROOT))          # so that PYTHONPATH still chooses another one)

import torch  # noqa: E402

from engine import generate_text, load_pretrained  # noqa: E402  (public API)

DEFAULT_OUT = Path(__file__).resolve().parent / "outputs.json"


# ---------------------------------------------------------------------------------------------------------------
# The only imports of non-public module paths: update these when engine/ is restructured.
# ---------------------------------------------------------------------------------------------------------------
def _ngram_model(root: Path, preset: str, order: int):
    """The shipped character n-gram counts, derived to ``order`` with the smoothing ``preset`` (as the n-gram page)."""
    from engine.ngram.pretrained import load_shipped, make_model

    base = load_shipped(root / "pretrained" / "ngram-shakespeare")
    if base is None:
        raise FileNotFoundError(f"no shipped n-gram model under {root / 'pretrained'}")
    return make_model(preset, order, base=base)


# ---------------------------------------------------------------------------------------------------------------
# Fixed inputs
# ---------------------------------------------------------------------------------------------------------------
#: A Shakespeare-like passage (written for this test, not a quotation): speaker line, then verse.
PASSAGE = (
    "DUKE ORSINO:\n"
    "What light is this that breaks upon the hall?\n"
    "Go, call my lords, and bid the trumpets sound;\n"
    "For I have heard the king is come to town,\n"
    "And we must meet him with a merry heart.\n"
)

SENTENCES = [
    "The cat is sleeping on the warm kitchen floor.",
    "We will take the early train to Paris tomorrow morning.",
    "I do not know why she left the party so early.",
]

IMAGES = ["astronaut.jpg", "cat.jpg"]  # dashboard/assets/examples

#: (smoothing preset, order) of the n-gram models scored on PASSAGE.
NGRAM_MODELS = [("kneser_ney", 3), ("witten_bell", 5), ("modified_kneser_ney", 7)]


def _model_dir(root: Path, name: str) -> Path:
    return root / "pretrained" / name


# ---------------------------------------------------------------------------------------------------------------
# What is recorded
# ---------------------------------------------------------------------------------------------------------------
def compute_charlm(root: Path) -> dict[str, Any]:
    model = load_pretrained(_model_dir(root, "charlm-shakespeare"), device="cpu")
    model.eval()
    vocab = model.vocab
    assert not vocab.unknown(PASSAGE), f"passage has characters outside the vocabulary: {vocab.unknown(PASSAGE)}"
    idx = torch.tensor(vocab.encode(PASSAGE), dtype=torch.long)[None]  # (1, T)
    with torch.no_grad():
        logits, _, _ = model(idx)
        logp = torch.log_softmax(logits[0, :-1].float(), dim=-1)  # (T-1, V): position t predicts char t+1
        char_logprobs = logp.gather(1, idx[0, 1:, None])[:, 0]
    greedy = generate_text(model, prime="ROMEO:", length=120, method="greedy")
    beam = generate_text(model, prime="ROMEO:", length=60, method="beam", beam_width=4)
    sample = generate_text(model, prime="ROMEO:", length=120, method="sample", temperature=0.8, seed=0)
    return {
        "passage_char_logprobs": [float(x) for x in char_logprobs.tolist()],
        "greedy": {"text": greedy.text, "probs": [float(p) for p in greedy.probs]},
        "beam": {"text": beam.text, "n_best": [[t, float(s)] for t, s in beam.n_best]},
        "sample": {"text": sample.text, "probs": [float(p) for p in sample.probs]},
    }


def compute_translator(root: Path) -> dict[str, Any]:
    model = load_pretrained(_model_dir(root, "translator-en-fr"), device="cpu")
    model.eval()
    out: dict[str, Any] = {}
    for key, kwargs in (("beam5", {"method": "beam", "beam_width": 5}), ("greedy", {"method": "greedy"})):
        out[key] = [{"source": r.source, "text": r.text, "pieces": list(r.pieces), "score": float(r.score),
                     "logprob": float(r.logprob)} for r in model.translate(SENTENCES, **kwargs)]
    return out


def compute_captioner(root: Path) -> dict[str, Any]:
    model = load_pretrained(_model_dir(root, "captioner-flickr8k"), device="cpu")
    model.eval()
    examples = root / "dashboard" / "assets" / "examples"
    out: dict[str, Any] = {}
    for name in IMAGES:
        data = (examples / name).read_bytes()  # the page passes the file's bytes to model.caption
        per_method = {}
        # the page's settings: beam with width 3 and a 3-best list; greedy with width 1 and no n-best; both with
        # the default grounding, and beam with grounding off (the page's toggle)
        for key, kwargs in (("beam3", {"method": "beam", "beam_width": 3, "n_best": 3}),
                            ("greedy", {"method": "greedy", "beam_width": 1, "n_best": 1}),
                            ("beam3_no_grounding", {"method": "beam", "beam_width": 3, "n_best": 3, "grounding": 0.0})):
            r = model.caption(data, **kwargs)[0]
            per_method[key] = {
                "text": r.text,
                "score": float(r.score),
                "logprob": float(r.logprob),
                "token_logprobs": [float(x) for x in r.token_logprobs],
                "finished": bool(r.finished),
                "n_best": [[a.text, float(a.score)] for a in r.n_best],
                "imagenet_top5": [[c, float(p)] for c, p in (r.imagenet_top5 or [])],
                "grounded": {w: float(v) for w, v in r.grounded.items()},
            }
        out[name] = per_method
    return out


def compute_ngram(root: Path) -> dict[str, Any]:
    out = {}
    for preset, order in NGRAM_MODELS:
        lm = _ngram_model(root, preset, order)
        # score_sequence: log2 P(char | previous order-1 chars), one per character, the text starting after <s>
        out[f"{preset}@{order}"] = {"passage_char_log2probs": [float(x) for x in lm.score_sequence(PASSAGE)]}
    return out


COMPUTE = {
    "charlm-shakespeare": compute_charlm,
    "translator-en-fr": compute_translator,
    "captioner-flickr8k": compute_captioner,
    "ngram-shakespeare": compute_ngram,
}


def record(root: Path) -> dict[str, Any]:
    return {
        "inputs": {"passage": PASSAGE, "sentences": SENTENCES, "images": IMAGES,
                   "ngram_models": [[p, o] for p, o in NGRAM_MODELS]},
        "outputs": {name: fn(root) for name, fn in COMPUTE.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                        help="repository root holding pretrained/ and dashboard/assets/ (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON (default: %(default)s)")
    args = parser.parse_args(argv)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    import engine

    code_root = Path(engine.__file__).resolve().parents[1]
    print(f"engine: {code_root / 'engine'}   models: {args.root.resolve() / 'pretrained'}", file=sys.stderr)
    if code_root != args.root.resolve():
        print(f"warning: the code and the models come from different checkouts ({code_root} vs {args.root})",
              file=sys.stderr)
    data = record(args.root.resolve())
    args.out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
