"""engine.lm.default_passage: the N-gram vs RNN page's default passage is chosen by measurement, and the speakers
a model never saw are named (issue 16, "Honest pages": the old default, Hamlet, contradicted the explanation)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.lm import compare
from engine.lm import default_passage as dp
from engine.ngram import pretrained as shipped
from tests.conftest import make_text

ROOT = Path(__file__).resolve().parents[1]
HAS_NGRAM = (shipped.SHIPPED_DIR / shipped.MODEL_FILE).is_file()
HAS_CHARLM = (ROOT / "pretrained" / "charlm-shakespeare" / "config.json").is_file()
DATA = Path(os.environ.get("RNN_DATA_DIR", ROOT.parent / "shared" / "data")) / "tinyshakespeare" / "input.txt"


def test_speakers_and_the_ones_never_seen() -> None:
    text = "ROMEO:\nBut soft!\n\nJULIET:\nAy me!\n\nROMEO:\nShe speaks.\n"
    assert dp.speakers(text) == ["ROMEO", "JULIET"]
    seen = dp.seen_in_text("ROMEO:\nHa.\n")
    assert dp.unseen_speakers(text, seen) == ["JULIET"]
    assert dp.speakers("To be: or not\nHAMLET:\n") == ["HAMLET"]  # a line that is only a name and a colon


def test_speech_passages_start_a_speech_and_end_a_line() -> None:
    text = make_text(20_000, seed=3)
    found = dp.speech_passages(text, length=300)
    assert found
    for start, passage in found:
        assert text[start - 2 : start] == "\n\n" and passage.endswith("\n") and len(passage) <= 300
        assert passage.split("\n", 1)[0].endswith(":")


def test_ranking_puts_passages_where_the_explanation_holds_first(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(ngram, charlm, start, text, seen):
        gains = {0: (0.5, 0.5, 0.5), 1: (0.1, 0.9, 0.9), 2: (-0.2, 2.0, 2.0), 3: (0.9, 0.9, 0.9)}[start]
        return dp.PassageScore(start, text, dict(zip(dp.EXPLAINED_ROLES, gains)), {}, ["HAMLET"] if start == 3 else [])

    monkeypatch.setattr(dp, "speech_passages", lambda val, length: [(i, f"P{i}") for i in range(4)])
    monkeypatch.setattr(dp, "score_passage", fake)
    ranked = dp.rank_passages(None, None, "val", "train")
    # 0 and 1 hold (0 has the larger smallest gain); 2 loses on speakers; 3 has a speaker never seen in training
    assert [p.start for p in ranked] == [0, 1, 3, 2]
    assert [p.explanation_holds for p in ranked] == [True, True, False, False]


@pytest.mark.skipif(not HAS_NGRAM, reason="shipped n-gram not built")
def test_the_shipped_ngram_knows_which_speakers_it_saw() -> None:
    seen = dp.seen_by_ngram(shipped.load_shipped())
    assert seen("ROMEO") and seen("GRUMIO") and seen("PETRUCHIO")
    assert not seen("HAMLET") and not seen("OPHELIA")  # Hamlet is not in Tiny Shakespeare's first 90 %
    assert dp.unseen_speakers(compare.BUILTIN_PASSAGE, seen) == []


@pytest.mark.skipif(not (HAS_NGRAM and HAS_CHARLM), reason="shipped models not available")
def test_on_the_default_passage_the_explanation_holds() -> None:
    """The LSTM beats the page's default n-gram model on speaker names, line starts and line breaks."""
    from engine.train.checkpoint import load_pretrained

    ngram = shipped.make_model(dp.DEFAULT_SMOOTHING, dp.DEFAULT_ORDER, base=shipped.load_shipped())
    charlm = load_pretrained("charlm-shakespeare")
    score = dp.score_passage(ngram, charlm, 0, compare.BUILTIN_PASSAGE, dp.seen_by_ngram(shipped.load_shipped()))
    assert score.explanation_holds, score.gains
    assert score.counts["speaker"] >= 30  # several speaker lines, not a lucky character or two


@pytest.mark.skipif(not DATA.is_file(), reason="needs the Tiny Shakespeare corpus (RNN_DATA_DIR)")
def test_the_default_passage_is_a_speech_of_the_validation_split() -> None:
    from engine.data import load_text, split_train_val

    train, val = split_train_val(load_text(str(DATA)))
    assert compare.BUILTIN_PASSAGE in [p for _, p in dp.speech_passages(val)]
    assert dp.unseen_speakers(compare.BUILTIN_PASSAGE, dp.seen_in_text(train)) == []
    assert "HAMLET" not in dp.speakers(train)  # the claim the page's explanation makes
