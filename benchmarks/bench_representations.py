"""Time the "Representing sequences" page: the engine calls behind it and each interaction of the page.

The page's target is under 1 s per interaction on the app's CPU for inputs up to 2,000 characters (longer
ones are cut). Two tables:

1. the engine calls one rerun makes, on two 2,000-character sentences (random words: the most distinct
   units, the worst case) in each dictionary: the words or characters of the sentences, the char-LSTM's
   characters and the translator's subwords: encoding both, the one-hot matrices (used columns), the bags
   of words and their comparison, X = onehot · E, nearest neighbours, and the PCA projection (computed once
   per model and process, then cached: its first time is shown separately);
2. each interaction of the page, run in-process with Streamlit's AppTest through the app (the whole script
   rerun the server does; the browser's drawing is not included): median and worst over ``--repeat`` sessions.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_representations.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import torch  # noqa: E402

import engine  # noqa: E402
from benchmarks.apptest_timing import print_interactions, time_interactions  # noqa: E402
from engine.lab.embedding_space import EmbeddingTable, model_table  # noqa: E402
from engine.lab.representations import MAX_CHARS, compare, encode, sentence_vocabulary  # noqa: E402


def long_sentence(seed: int, n_chars: int = MAX_CHARS) -> str:
    """``n_chars`` characters of random lower-case words (2 to 9 letters) and a few capitals and commas."""
    rng = random.Random(seed)
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < n_chars:
        word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
        words.append(word.capitalize() if rng.random() < 0.1 else word + ("," if rng.random() < 0.05 else ""))
    return " ".join(words)[:n_chars]


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def _rerun(vocab, a: str, b: str, table: EmbeddingTable | None) -> None:
    """What one rerun of the page computes for these sentences in this dictionary."""
    ea, eb = encode(a, vocab), encode(b, vocab)
    cols = sorted(set(ea.ids) | set(eb.ids))[:150]
    ea.one_hot(cols), eb.one_hot(cols), ea.counts(), eb.counts(), compare(ea, eb), compare(ea, eb)
    if table is not None:  # the embedding sections: the model's own dictionary
        ea, eb = table.encode(a), table.encode(b)
        for enc in (ea, eb):
            table.vectors(enc), table.vectors_by_product(enc)
        table.nearest(ea.ids[0] if ea.ids[0] in table.candidates else table.candidates[0], 8)
        table.projection()


def engine_table(repeat: int) -> None:
    a, b = long_sentence(0), long_sentence(1)
    tables = {name: model_table(engine.load_pretrained(name), name) for name in ("charlm-shakespeare",
                                                                                 "translator-en-fr")}
    print(f"{'dictionary':<28} {'T (A)':>6} {'m':>6} {'first ms':>9} {'median ms':>10} {'worst ms':>9}")
    cases = [("words of A and B", sentence_vocabulary([a, b], "word"), tables["charlm-shakespeare"]),
             ("characters of A and B", sentence_vocabulary([a, b], "character"), tables["charlm-shakespeare"])]
    cases += [(name, tab.vocab, tab) for name, tab in tables.items()]
    for name, vocab, tab in cases:
        start = time.perf_counter()
        _rerun(vocab, a, b, tab)  # the first time also fits the model's PCA (cached afterwards)
        first = time.perf_counter() - start
        med, worst = _time(lambda v=vocab, t=tab: _rerun(v, a, b, t), repeat)
        print(f"{name:<28} {encode(a, vocab).T:>6} {vocab.m:>6,} {first * 1e3:>9.1f} {med * 1e3:>10.1f} "
              f"{worst * 1e3:>9.1f}")


def page_table(repeat: int) -> None:
    from dashboard.pages import PAGES

    spec = next(s for s in PAGES if s.slug == "representing_sequences")
    K = "repr."
    long_a, long_b = long_sentence(0), long_sentence(1)
    steps = [
        ("open the page", lambda at: at.switch_page(str(spec.path))),
        ("spacing example", lambda at: at.button_group(key=K + "example").set_value("spacing")),
        ("character dictionary", lambda at: at.button_group(key=K + "dict").set_value("character")),
        ("model's dictionary", lambda at: at.button_group(key=K + "dict").set_value("model")),
        ("translator", lambda at: at.selectbox(key=K + "model").set_value("translator-en-fr")),
        ("A: 2,000 chars", lambda at: at.text_area(key=K + "a").input(long_a)),
        ("B: 2,000 chars", lambda at: at.text_area(key=K + "b").input(long_b)),
        ("words, 2,000 chars", lambda at: at.button_group(key=K + "dict").set_value("word")),
        ("char-LSTM, 2,000 chars", lambda at: at.selectbox(key=K + "model").set_value("charlm-shakespeare")),
    ]
    note = "(the first 'open the page' of a session also imports the page's modules and loads the char-LSTM)"
    print_interactions(time_interactions(steps, repeat), note)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)\n")
    engine_table(args.repeat)
    page_table(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
