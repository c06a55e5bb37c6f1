"""Char-LM speed: training throughput (fused vs from-scratch LSTM) against this CPU's matmul peak, and
generation time per character at several output lengths.

    python benchmarks/bench_charlm.py                       # defaults: hidden 512, 2 layers
    python benchmarks/bench_charlm.py --hidden 256 --steps 3 --model pretrained/charlm-shakespeare

Prints two tables. FLOPs are counted for the matrix multiplies (2 per multiply-add) of the forward
pass and twice that for the backward pass (3x forward in all); everything else (gates' elementwise
ops, softmax) is not counted, so achieved GFLOP/s is a lower bound. The formula is checked against
``torch.utils.flop_counter.FlopCounterMode`` on one training step (forward + backward) of the same
model built from the engine's own cells (the fused ``nn.LSTM`` is one opaque op to the counter);
both counts are printed. The matmul peak is measured before and after each variant and the best is
kept, so a busy host lowers the ratio instead of raising it: a "% of peak" above 100 would mean the
peak or the FLOP count is wrong.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import CharLM, CharLMConfig, CharVocab  # noqa: E402
from engine.lm.generate import generate_text  # noqa: E402


def matmul_peak(n: int = 2048, repeat: int = 5) -> float:
    """GFLOP/s of a square fp32 matmul (the best of ``repeat``), this process's thread count."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def train_flops_per_char(cfg: CharLMConfig) -> float:
    """Matmul FLOPs of one training step per character: each layer's gates (U x_t + W h_(t-1): ``gates``
    blocks of ``H x (D + H)``) and the head (o_t = V h_t + c), 2 FLOPs per multiply-add, x3 for backward."""
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[cfg.cell]
    macs = 0
    for layer in range(cfg.n_layer):
        d = cfg.n_embd if layer == 0 else cfg.n_hidden
        macs += gates * cfg.n_hidden * (d + cfg.n_hidden)
    macs += cfg.n_hidden * cfg.vocab_size  # head: o_t = V h_t + c
    return 3 * 2 * macs  # forward 2 FLOPs per MAC, backward twice the forward


def counted_flops_per_char(cfg: CharLMConfig, batch: int, seq: int) -> float:
    """FLOPs of one forward + backward step per character, counted by ``FlopCounterMode`` (an independent check of
    :func:`train_flops_per_char`). Counted on the from-scratch cells: the fused ``nn.LSTM`` is a single op whose
    matmuls the counter cannot see. Slightly below the formula: no gradient is computed for the initial state
    (a ``1/seq`` boundary term)."""
    from dataclasses import replace

    from torch.utils.flop_counter import FlopCounterMode

    model = CharLM(replace(cfg, fused=False))
    x = torch.randint(0, cfg.vocab_size, (batch, seq))  # (B, T)
    with FlopCounterMode(display=False) as counter:
        _, loss, _ = model(x, x)
        loss.backward()
    return counter.get_total_flops() / (batch * seq)


def train_config(fused: bool, hidden: int, layers: int) -> CharLMConfig:
    return CharLMConfig(vocab_size=65, cell="lstm", fused=fused, n_layer=layers, n_hidden=hidden, n_embd=64,
                        dropout=0.0)


def bench_train(fused: bool, hidden: int, layers: int, batch: int, seq: int, steps: int) -> tuple[float, float]:
    torch.manual_seed(0)
    cfg = train_config(fused, hidden, layers)
    model = CharLM(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randint(0, 65, (batch, seq))
    times = []
    for i in range(steps + 1):  # first step is warm-up
        t = time.perf_counter()
        _, loss, _ = model(x, x)
        loss.backward()
        opt.step()
        opt.zero_grad()
        if i:
            times.append(time.perf_counter() - t)
    chars_per_s = batch * seq / (sum(times) / len(times))
    return chars_per_s, chars_per_s * train_flops_per_char(cfg) / 1e9


def bench_generate(model: CharLM, lengths: list[int]) -> list[tuple[int, float]]:
    generate_text(model, prime="ROMEO:", length=50)  # warm-up
    rows = []
    for n in lengths:
        t = time.perf_counter()
        generate_text(model, prime="ROMEO:", length=n, method="sample", temperature=0.8, seed=0)
        rows.append((n, time.perf_counter() - t))
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--steps", type=int, default=5, help="timed training steps per variant")
    p.add_argument("--model", default=None, help="model for the generation table (default: pretrained "
                                                  "charlm-shakespeare if shipped, else an untrained 2x512 LSTM)")
    p.add_argument("--lengths", default="1000,4000,16000")
    args = p.parse_args()

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    cfg = train_config(True, args.hidden, args.layers)
    formula, counted = train_flops_per_char(cfg), counted_flops_per_char(cfg, args.batch, args.seq)
    print(f"Training, LSTM {args.layers}x{args.hidden}, batch {args.batch} x {args.seq} chars")
    print(f"FLOPs per character (forward + backward): formula {formula / 1e6:.3f} M, "
          f"FlopCounterMode {counted / 1e6:.3f} M ({100 * counted / formula:.1f}% of the formula)")
    if abs(counted / formula - 1) > 0.05:  # more than the initial-state boundary term: the formula is wrong
        print("warning: the FLOP formula and FlopCounterMode disagree by more than 5%", file=sys.stderr)
    print(f"{'variant':<14}{'chars/s':>12}{'GFLOP/s':>10}{'peak':>8}{'% of peak':>11}")
    results, peaks = {}, [matmul_peak()]  # the peak before and after each variant; the best is the machine's
    for fused in (True, False):
        cps, gflops = bench_train(fused, args.hidden, args.layers, args.batch, args.seq,
                                  args.steps if fused else max(1, args.steps // 2))
        peaks.append(matmul_peak())
        results[fused] = gflops
        print(f"{'fused' if fused else 'from-scratch':<14}{cps:>12,.0f}{gflops:>10.1f}{max(peaks[-2:]):>8.1f}"
              f"{100 * gflops / max(peaks[-2:]):>10.0f}%")
        if gflops > max(peaks[-2:]):
            print("warning: above the matmul peak; the peak or the FLOP count is wrong", file=sys.stderr)
    peak = max(peaks)
    print(f"matmul peak (2048x2048 fp32, best of 5 at each of {len(peaks)} points, GFLOP/s): {peak:.1f} "
          f"(measured {', '.join(f'{p:.1f}' for p in peaks)}); fused at {100 * results[True] / peak:.0f}% of it")
    print(f"fused / from-scratch speed-up: {results[True] / results[False]:.1f}x\n")

    from engine.train.checkpoint import list_pretrained, load_pretrained

    if args.model or "charlm-shakespeare" in list_pretrained():
        model = load_pretrained(args.model or "charlm-shakespeare", device="cpu")
        name = args.model or "charlm-shakespeare"
    else:
        vocab = CharVocab.from_text("".join(chr(c) for c in range(32, 97)))
        model = CharLM(CharLMConfig(vocab_size=len(vocab), n_layer=2, n_hidden=512), vocab).eval()
        name = "untrained 2x512 LSTM"
    print(f"Generation (sampling, {name})")
    print(f"{'characters':>11}{'seconds':>10}{'ms/char':>10}")
    for n, s in bench_generate(model, [int(x) for x in args.lengths.split(",")]):
        print(f"{n:>11,}{s:>10.2f}{1000 * s / n:>10.3f}")


if __name__ == "__main__":
    main()
