"""One meaning of "vocabulary size", the share of a text a model cannot read, and how long a text must be
(issue 16: "Vocabulary 65" vs "66 symbols"; Korean scored or translated from its few Latin letters; "too short"
without saying how many characters are needed)."""

from __future__ import annotations

import math

import pytest

from engine.data.text import CharVocab
from engine.lm.recipe import CharLMData
from engine.metrics import MOSTLY_UNKNOWN, VocabSize, out_of_vocabulary
from engine.train.live import check_text_fits, min_text_chars


def test_vocab_size_is_the_characters_plus_the_unknown_symbol(tiny_text: str) -> None:
    vocab = CharVocab.from_text(tiny_text)
    size = VocabSize.of_text(tiny_text)
    assert size.outputs == len(vocab) == len(set(tiny_text)) + 1
    assert VocabSize.of_outputs(len(vocab)) == size
    assert size.uniform_nats == pytest.approx(math.log(len(vocab)))
    assert VocabSize(65).outputs == 66 and f"{VocabSize(65).uniform_bits:.2f}" == "6.04"
    assert VocabSize.of_text("ab\ufffd").characters == 2  # the unknown symbol is not a character of the text
    with pytest.raises(ValueError):
        VocabSize.of_outputs(0)


def test_out_of_vocabulary_counts_non_space_characters() -> None:
    vocab = CharVocab.from_text("the king is dead.\n")
    korean = out_of_vocabulary("안녕하세요, 저는 학생입니다.", vocab)
    assert korean.mostly_unknown() and korean.unknown[:2] == ["안", "녕"] and korean.n_checked == 14
    english = out_of_vocabulary("the king is dead 🐈.", vocab)
    assert not english.mostly_unknown() and english.unknown == ["🐈"] and english.n_unknown == 1
    assert out_of_vocabulary("   \n", vocab).fraction == 0.0
    assert out_of_vocabulary("ab", lambda ch: ch == "a").fraction == 0.5  # a predicate works too
    assert out_of_vocabulary("abcd", set("abc")).mostly_unknown() is (0.25 > MOSTLY_UNKNOWN)


@pytest.mark.parametrize("bptt", ["truncated", "full"])
@pytest.mark.parametrize(("batch", "seq_len", "val"), [(1, 8, 0.1), (4, 16, 0.1), (32, 64, 0.1), (64, 128, 0.05)])
def test_min_text_chars_is_the_shortest_text_that_fits(bptt: str, batch: int, seq_len: int, val: float) -> None:
    from engine.data import DataError

    data = CharLMData(batch_size=batch, seq_len=seq_len, bptt=bptt, val_fraction=val)
    need = min_text_chars(data)
    check_text_fits(need, data)  # enough
    with pytest.raises(DataError, match=f"needs at least {need:,}"):
        check_text_fits(need - 1, data)  # one fewer is not, and the message says how many


def test_the_translator_refuses_a_text_in_another_script() -> None:
    from engine.cli.translator import DRY_RUN_PAIRS
    from engine.data.parallel import SubwordTokenizer
    from engine.seq2seq.text import prepare_input

    tok = SubwordTokenizer.train([s for pair in DRY_RUN_PAIRS for s in pair], vocab_size=400)
    segments, notes = prepare_input(0, "안녕하세요, 저는 학생입니다.", tok)
    assert segments == [] and [n.code for n in notes] == ["unknown_script"]
    assert notes[0].values["percent"].endswith("%") and "안" in notes[0].values["chars"]
    segments, notes = prepare_input(0, "I see the cat 🐈.", tok)  # one stray emoji: translated without it
    assert segments and [n.code for n in notes] == ["unseen"]
