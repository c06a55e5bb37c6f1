"""The four shipped spacing taggers: what their cards and metrics.json promise is what the files do.

Skipped until ``pretrained/spacing-{ko,en}-{uni,bi}`` exist; re-measuring the held-out scores also needs the
data directory (``RNN_DATA_DIR``).
"""

from __future__ import annotations

import json

import pytest
import torch

from engine.train.checkpoint import PRETRAINED_DIR

torch.set_num_threads(1)
NAMES = [f"spacing-{lang}-{d}" for lang in ("ko", "en") for d in ("uni", "bi")]
pytestmark = pytest.mark.skipif(not all((PRETRAINED_DIR / n / "metrics.json").is_file() for n in NAMES),
                                reason="pretrained/spacing-* not shipped")
#: Held-out sentences (Tiny Shakespeare's test lines; Tatoeba's Korean side, never trained on) that the
#: bidirectional models restore exactly.
EASY = {"en": "What impossible matter will he make easy next?", "ko": "사람들은 변화를 두려워한다."}


def _metrics(name: str) -> dict:
    return json.loads((PRETRAINED_DIR / name / "metrics.json").read_text())


@pytest.mark.parametrize("name", NAMES)
def test_card_matches_the_files(name: str) -> None:
    from engine import load_pretrained

    model = load_pretrained(name)
    m = _metrics(name)
    weights = PRETRAINED_DIR / name / "model.safetensors"
    assert weights.stat().st_size == m["model"]["file_bytes"] <= 1_100_000, "a small model: about 1 MB at most"
    assert m["model"]["parameters"] == sum(p.numel() for p in model.parameters())
    assert model.config.bidirectional == name.endswith("-bi")
    assert model.meta["provenance"]["lang"] == m["data"]["lang"] == name.split("-")[1]
    card = (PRETRAINED_DIR / name / "card.md").read_text()
    command = m["training"]["command"]
    assert command.startswith("python -m engine train spacing --lang") and command in card
    assert ("--no-bidirectional" in command) == name.endswith("-uni")
    for split, s in m["evaluation"].items():
        assert f"{s['f1']:.4f}" in card and f"{s['char_accuracy']:.4f}" in card, split


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_bidirectional_beats_left_to_right_by_five_points(lang: str) -> None:
    uni, bi = _metrics(f"spacing-{lang}-uni")["evaluation"], _metrics(f"spacing-{lang}-bi")["evaluation"]
    for split in bi:
        assert bi[split]["f1"] >= uni[split]["f1"] + 0.05, split


@pytest.mark.parametrize(("lang", "target"), [("ko", 0.85), ("en", 0.93)])
def test_bidirectional_reaches_the_target(lang: str, target: float) -> None:
    # the targets on held-out text (Korean: NSMC test reviews that are spaced at all; see its card)
    assert _metrics(f"spacing-{lang}-bi")["evaluation"]["test"]["f1"] >= target


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_restores_an_easy_held_out_sentence(lang: str) -> None:
    from engine import load_pretrained
    from engine.spacing.restore import restore

    sentence = EASY[lang]
    assert restore(load_pretrained(f"spacing-{lang}-bi"), sentence.replace(" ", "")).text == sentence


@pytest.mark.data
@pytest.mark.parametrize("name", ["spacing-en-bi", "spacing-ko-bi"])
def test_eval_reproduces_the_card(name: str) -> None:
    from engine.data.corpora import resolve_data_dir
    from engine.spacing.data import load_spacing_splits
    from engine.spacing.restore import evaluate_spacing

    if resolve_data_dir() is None:
        pytest.skip("no data directory ($RNN_DATA_DIR)")
    from engine import load_pretrained

    lang = name.split("-")[1]
    splits = load_spacing_splits(lang)
    card = _metrics(name)["evaluation"]["test"]
    measured = evaluate_spacing(load_pretrained(name), splits.test)
    assert (measured.chars, len(splits.test)) == (card["chars"], card["texts"])
    assert measured.f1 == pytest.approx(card["f1"], abs=2e-4)
