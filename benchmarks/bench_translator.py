"""Translator speed: one-sentence latency (beam 5) and batched test-set throughput (greedy and beam).

    python benchmarks/bench_translator.py --data-dir ../shared/data                 # untrained model, intended size
    python benchmarks/bench_translator.py --model pretrained/translator-en-fr --data-dir ../shared/data

Latency: a 10-word English sentence translated alone with beam width 5, median of ``--repeats`` runs
after a warm-up (target: < 150 ms on a 2-core CPU). Throughput: the first ``--n-test`` source
sentences of the test split (grouped by English sentence), decoded in length-sorted batches of
``--batch-size``, in sentences per second, for greedy and beam search.

An untrained model rarely writes ``</s>``, so it decodes up to the max-length guard
(``1.5 x source + 10`` subwords): its numbers are an upper bound on a trained model's time.
Without ``--model`` the untrained model needs a tokenizer: ``--tokenizer spm.model``, else one is
trained on the corpus's training split (about 15 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.data.parallel import SubwordTokenizer, group_references, grouped_split, load_pairs  # noqa: E402
from engine.seq2seq.model import Translator, TranslatorConfig  # noqa: E402
from engine.train.checkpoint import list_pretrained, load_pretrained  # noqa: E402

SENTENCE = "I think we should leave before it starts to rain."  # 10 words
INTENDED = dict(n_embd=256, enc_hidden=256, enc_layers=2, dec_hidden=512, dec_layers=1, attention="general")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="pretrained name or checkpoint folder (default: translator-en-fr "
                                                 "if shipped, else an untrained model of the intended size)")
    p.add_argument("--tokenizer", default=None, help="spm.model for the untrained model")
    p.add_argument("--data-dir", default=None, help="data directory (default: $RNN_DATA_DIR)")
    p.add_argument("--n-test", type=int, default=300, help="test sentences for the throughput table")
    p.add_argument("--batch-size", type=int, default=64, help="sentences per batch (throughput)")
    p.add_argument("--beam-width", type=int, default=5)
    p.add_argument("--repeats", type=int, default=7, help="latency runs (median reported)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    pairs = load_pairs("tatoeba-fra-eng", args.data_dir)
    splits = grouped_split(pairs)
    name = args.model or ("translator-en-fr" if "translator-en-fr" in list_pretrained() else None)
    if name:
        model = load_pretrained(name, device="cpu")
    else:
        if args.tokenizer:
            tok = SubwordTokenizer.load(args.tokenizer)
        else:
            print("training an 8k sentencepiece model on the training split ...", file=sys.stderr)
            tok = SubwordTokenizer.train(sorted({s for pair in splits.train for s in pair}), vocab_size=8000)
        torch.manual_seed(0)
        model = Translator(TranslatorConfig(vocab_size=len(tok), **INTENDED), tok).eval()
        name = "untrained " + ", ".join(f"{k}={v}" for k, v in INTENDED.items())
    n = model.num_params()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; model: {name}")
    print(f"{n:,} parameters ({2 * n / 1e6:.1f} MB as fp16), {len(model.tokenizer)} subwords\n")

    model.translate(SENTENCE, beam_width=args.beam_width)  # warm-up
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        out = model.translate(SENTENCE, beam_width=args.beam_width)[0]
        times.append(time.perf_counter() - t)
    print(f"latency, one {len(SENTENCE.split())}-word sentence, beam {args.beam_width}: "
          f"median {1000 * statistics.median(times):.0f} ms (min {1000 * min(times):.0f}, max {1000 * max(times):.0f}; "
          f"{len(out.pieces)} output subwords)")
    print(f"  {SENTENCE} -> {out.text}\n")

    sources, _ = group_references(splits.test)
    sources = sources[: args.n_test]
    print(f"throughput, {len(sources)} test sentences, batches of {args.batch_size}")
    print(f"{'method':<10}{'seconds':>10}{'sentences/s':>13}")
    for method in ("greedy", "beam"):
        t = time.perf_counter()
        model.translate(sources, method=method, beam_width=args.beam_width, batch_size=args.batch_size)
        dt = time.perf_counter() - t
        label = method if method == "greedy" else f"beam {args.beam_width}"
        print(f"{label:<10}{dt:>10.2f}{len(sources) / dt:>13.1f}")


if __name__ == "__main__":
    main()
