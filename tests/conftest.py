import os
import random
import string

import pytest
import torch

# Scripts, not test modules: --doctest-modules (pyproject) would import them, and importing ddp_worker.py trains.
collect_ignore = ["ddp_worker.py", "pinned/record.py"]
# browser/: the manual scripts (they import playwright at once); browser/test_*.py skip without it.
collect_ignore_glob = ["browser/*_demo.py", "browser/screenshot.py"]

# Tests run on the CPU with a fixed thread count so results do not depend on the machine.
os.environ.setdefault("RNN_DEVICE", "cpu")
# Live-training children run at normal priority in tests: at +10 they can starve on a busy test host.
os.environ.setdefault("RNN_TRAIN_NICE", "0")
torch.set_num_threads(min(2, torch.get_num_threads()))


def make_text(n_chars: int = 6000, seed: int = 0) -> str:
    """Tiny generated 'play': speaker lines and words with structure a small LSTM can learn."""
    rng = random.Random(seed)
    speakers = ["ANNA", "BORIS", "CLARA"]
    words = ["the", "king", "is", "dead", "long", "live", "queen", "and", "so", "we", "go"]
    out = []
    while sum(map(len, out)) < n_chars:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(3, 9)))
        out.append(f"{rng.choice(speakers)}:\n{line}.\n\n")
    return "".join(out)[:n_chars]


@pytest.fixture
def tiny_text() -> str:
    return make_text()


@pytest.fixture
def alphabet_text() -> str:
    return (string.ascii_lowercase + " ") * 200
