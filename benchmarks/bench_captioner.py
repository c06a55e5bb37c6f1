"""Image-captioner speed: caption latency, CNN feature-extraction throughput, decoder training steps/s.

    python benchmarks/bench_captioner.py                                  # lite0, ~30 s per measurement
    python benchmarks/bench_captioner.py --encoder efficientnet-lite2 --seconds 20
    python benchmarks/bench_captioner.py --model pretrained/captioner-flickr8k --data-dir ../shared/data

Measures, on this machine's CPU (or --device):

1. **one caption, beam 3, including preprocessing**: file bytes -> ``load_image`` -> resize/normalise ->
   CNN encoder -> beam search through the LSTM decoder. Cold (first call: torchvision import and
   encoder load) and warm (median of repeated calls). Without ``--model`` the decoder is untrained,
   never emits ``<end>`` and runs to ``max_len`` (30) tokens: an upper bound on a trained model's latency.
2. **feature extraction**: images/second of what ``train captioner --cache-features`` does per image
   (load, preprocess, CNN forward in batches), for ``--seconds``.
3. **decoder training**: optimizer steps/second of Show, Attend and Tell on random cached-style
   features, batch 64, caption length 14 (Flickr8k's mean is ~12 words + ``<start>``/``<end>``).

Images come from Flickr8k when the data directory has it, else generated shapes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.captioning.data import load_flickr8k, make_toy_dataset  # noqa: E402
from engine.captioning.encoder import ENCODERS, CNNEncoder  # noqa: E402
from engine.captioning.images import load_image  # noqa: E402
from engine.captioning.model import Captioner, CaptionerConfig  # noqa: E402
from engine.captioning.vocab import WordVocab  # noqa: E402


def image_files(data_dir: str | None, n: int) -> tuple[list[Path], str]:
    try:
        ds = load_flickr8k(data_dir)
        return [ds.images[i] for i in ds.ids("test")[:n]], "Flickr8k test images"
    except FileNotFoundError:
        folder = Path(tempfile.mkdtemp(prefix="bench-captioner-"))
        ds = make_toy_dataset(folder, n_train=n, n_dev=0, n_test=0, size=224)
        return [ds.images[i] for i in ds.ids("train")], "generated 224x224 shapes"


def bench_caption(model: Captioner, files: list[Path], repeats: int) -> tuple[float, list[float], str]:
    data = [f.read_bytes() for f in files]
    t = time.perf_counter()
    first = model.caption([data[0]], method="beam", beam_width=3)[0]
    cold = time.perf_counter() - t
    warm = []
    for k in range(repeats):
        t = time.perf_counter()
        model.caption([data[(k + 1) % len(data)]], method="beam", beam_width=3)
        warm.append(time.perf_counter() - t)
    return cold, warm, first.text


def bench_features(encoder: CNNEncoder, files: list[Path], batch_size: int, seconds: float) -> tuple[float, int]:
    with torch.inference_mode():
        encoder(encoder.preprocess([load_image(files[0])]))  # warm-up
    done, t0, k = 0, time.perf_counter(), 0
    while time.perf_counter() - t0 < seconds:
        chunk = [files[(k + j) % len(files)] for j in range(batch_size)]
        k += batch_size
        pixels = torch.stack([encoder.transform(load_image(f)) for f in chunk])
        with torch.inference_mode():
            encoder(pixels)
        done += len(chunk)
    return done / (time.perf_counter() - t0), done


def bench_train(cfg: CaptionerConfig, batch: int, seq: int, seconds: float) -> tuple[float, int]:
    torch.manual_seed(0)
    words = ["<pad>", "<start>", "<end>", "<unk>", *[f"w{i}" for i in range(cfg.vocab_size - 4)]]
    model = Captioner(cfg, WordVocab(words))
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    spec = cfg.spec
    feats = torch.randn(batch, spec.regions, spec.channels).relu()
    words = torch.randint(4, cfg.vocab_size, (batch, seq + 1))
    lengths = torch.randint(seq // 2, seq + 1, (batch,))  # ragged, like real captions
    pos = torch.arange(seq + 1)[None]
    words = torch.where(pos < lengths[:, None], words, 0)

    def step() -> None:
        _, loss, _ = model((feats, words[:, :-1]), words[:, 1:])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        opt.zero_grad()

    step()  # warm-up
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step()
        n += 1
    return n / (time.perf_counter() - t0), n


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="trained captioner (pretrained name or checkpoint folder)")
    p.add_argument("--encoder", choices=[e for e in ENCODERS if e != "tiny"], default="efficientnet-lite0")
    p.add_argument("--data-dir", default=None, help="data directory with flickr8k/ (default $RNN_DATA_DIR)")
    p.add_argument("--seconds", type=float, default=30.0, help="duration of the throughput measurements")
    p.add_argument("--repeats", type=int, default=10, help="warm caption calls timed")
    p.add_argument("--batch-size", type=int, default=16, help="images per CNN forward when extracting features")
    p.add_argument("--train-batch", type=int, default=64, help="(image, caption) pairs per decoder training step")
    p.add_argument("--vocab-size", type=int, default=2600, help="decoder vocabulary (Flickr8k, min freq 5: ~2,600)")
    p.add_argument("--skip", nargs="*", default=[], choices=["caption", "features", "train"], help="parts to skip")
    args = p.parse_args()
    torch.set_grad_enabled(True)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    files, source = image_files(args.data_dir, 64)
    print(f"images: {len(files)} {source}")

    if "caption" not in args.skip:
        if args.model:
            from engine.train.checkpoint import load_pretrained

            model = load_pretrained(args.model, device="cpu")
            what = f"trained model {args.model}"
        else:
            vocab = WordVocab(["<pad>", "<start>", "<end>", "<unk>", *[f"w{i}" for i in range(args.vocab_size - 4)]])
            torch.manual_seed(0)
            model = Captioner(CaptionerConfig(vocab_size=len(vocab), encoder=args.encoder), vocab).eval()
            what = "untrained decoder (runs to max_len=30 tokens: upper bound)"
        cold, warm, text = bench_caption(model, files, args.repeats)
        print(f"\none caption, beam 3, incl. load_image + preprocessing ({what}, encoder {model.config.encoder}):")
        print(f"  cold (first call, loads the encoder): {cold:.2f} s")
        print(f"  warm: median {statistics.median(warm):.3f} s, min {min(warm):.3f} s, max {max(warm):.3f} s "
              f"over {len(warm)} calls   e.g. '{text}'")
        print(f"  decoder parameters: {model.num_params():,} ({model.num_params() * 4 / 1e6:.1f} MB fp32)")

    if "features" not in args.skip:
        encoder = CNNEncoder(args.encoder)
        ips, n = bench_features(encoder, files, args.batch_size, args.seconds)
        print(f"\nfeature extraction ({args.encoder}, batch {args.batch_size}, load + preprocess + CNN): "
              f"{ips:.2f} images/s ({n} images); the 8,000 images of the official splits: ~{8000 / ips / 60:.0f} min")

    if "train" not in args.skip:
        cfg = CaptionerConfig(vocab_size=args.vocab_size, encoder=args.encoder)
        sps, n = bench_train(cfg, args.train_batch, 14, args.seconds)
        epoch_min = 30000 / args.train_batch / sps / 60
        print(f"\ndecoder training (Show, Attend and Tell, defaults, batch {args.train_batch}, <= 14 tokens): "
              f"{sps:.2f} steps/s ({n} steps); one epoch of 30,000 pairs = {epoch_min:.0f} min")


if __name__ == "__main__":
    main()
