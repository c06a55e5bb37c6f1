"""Grounding the caption in the CNN's ImageNet classes (engine.captioning.grounding, issue 17)."""

from __future__ import annotations

import pytest
import torch

from engine.captioning.encoder import imagenet_classes
from engine.captioning.grounding import LEXICON, grounding_push, word_groups, word_support
from engine.captioning.model import SHOWN_SUPPORT, Captioner, CaptionerConfig, CaptionSettings
from engine.captioning.vocab import SPECIALS, WordVocab

VOCAB = [*SPECIALS, "a", "dog", "puppy", "man", "boat", "canoe", "building", "mountain", "runs", "dogs",
         "puppies", "benches", "bus"]


def probs_on(**mass: float) -> torch.Tensor:
    """(1, 1000) class probabilities with the given mass on class ids (``c207=0.6``) and the rest spread."""
    p = torch.zeros(1, 1000)
    for key, m in mass.items():
        p[0, int(key[1:])] = m
    rest = 1.0 - float(p.sum())
    free = p[0] == 0
    p[0, free] = rest / int(free.sum())
    return p


def test_lexicon_names_real_classes_and_words():
    names = imagenet_classes()
    assert all(0 <= c < 1000 for _, classes in LEXICON for c in classes)
    assert names[151] == "Chihuahua" and names[268] == "Mexican hairless"  # the dog breeds the lexicon maps to "dog"
    dog = next(classes for words, classes in LEXICON if "dog" in words)
    assert len(dog) == 118 and 269 not in dog  # timber wolf is not a dog
    assert all(w == w.lower() and " " not in w for words, _ in LEXICON for w in words)


def test_support_sums_a_words_classes_and_skips_words_outside_the_vocabulary():
    p = probs_on(c207=0.3, c208=0.2, c472=0.25, c970=0.1)  # two retrievers, canoe, alp
    s = word_support(p, VOCAB)[0]
    idx = {w: i for i, w in enumerate(VOCAB)}
    assert float(s[idx["dog"]]) == pytest.approx(0.5 + 116 * float(p[0, 0]), abs=1e-5)  # every breed's mass
    assert s[idx["dog"]] == s[idx["puppy"]] == s[idx["dogs"]] == s[idx["puppies"]]  # plurals too: "two dogs"
    assert s[idx["runs"]] == 0  # not a noun of the lexicon ("run" is no class)
    assert float(s[idx["benches"]]) == pytest.approx(float(p[0, 703]))  # park bench (703) only
    assert float(s[idx["bus"]]) == pytest.approx(float(p[0, [654, 779, 874]].sum()))  # not taken for a plural "bu"
    assert s[idx["canoe"]] == pytest.approx(0.25, abs=1e-3)
    assert s[idx["boat"]] >= s[idx["canoe"]]  # a canoe is a boat, and so are 12 other classes
    assert s[idx["man"]] == 0 and s[idx["a"]] == 0  # not in the lexicon
    castle, church = probs_on(c483=0.4), probs_on(c497=0.3)  # "building" is named by both entries: the union
    assert word_support(castle + church, VOCAB)[0, idx["building"]] == pytest.approx(0.7, abs=0.01)


def test_the_push_is_beta_times_the_support():
    idx = {w: i for i, w in enumerate(VOCAB)}
    probs = torch.cat([probs_on(c207=0.7), probs_on(c970=0.4)])
    push = grounding_push(torch.log(probs), VOCAB, beta=2.0)
    torch.testing.assert_close(push, 2.0 * word_support(probs, VOCAB), rtol=1e-5, atol=1e-6)
    assert float(push[0, idx["dog"]]) > 1.4 and float(push[1, idx["mountain"]]) == pytest.approx(0.8, abs=0.01)
    assert float(push[:, idx["man"]].abs().sum()) == 0


def _captioner() -> Captioner:
    torch.manual_seed(0)
    vocab = WordVocab(VOCAB)
    cfg = CaptionerConfig(vocab_size=len(vocab), encoder="tiny", n_embd=16, n_hidden=32, proj_dim=16, attn_dim=16,
                          dropout=0.0, max_len=6)
    return Captioner(cfg, vocab).eval()


CLASS_OF = {"mountain": 970, "canoe": 472, "building": 483, "dog": 207}  # alp, canoe, castle, golden retriever


def test_the_push_moves_the_caption_toward_the_supported_word():
    model = _captioner()
    feats = torch.randn(1, 64, model.config.spec.channels)  # (B, L, C) of the tiny encoder's grid (8 x 8)
    plain = model.caption_features(feats, grounding=0.0)[0]
    assert plain.grounded == {}
    word = next(w for w in CLASS_OF if w not in plain.words)  # a lexicon word the decoder alone does not write
    logits = torch.log(probs_on(**{f"c{CLASS_OF[word]}": 0.95}))  # the classifier is sure of it
    for method in ("beam", "greedy"):
        pushed = model.caption_features(feats, method=method, grounding=20.0, class_logits=logits)[0]
        assert word in pushed.words, (method, plain.words, pushed.words)
        assert pushed.grounded[word] > 0.9 and all(v >= SHOWN_SUPPORT for v in pushed.grounded.values())


@torch.no_grad()
def test_a_written_word_is_no_longer_pushed():
    model = _captioner()
    vocab = model.vocab
    state = model.init_state(torch.randn(1, 64, model.config.spec.channels))
    base, _ = model.step(torch.tensor([vocab.start_id]), state)[:2]
    push = torch.zeros(1, len(vocab))
    push[0, vocab.index["dog"]] = 3.0
    push[0, vocab.index["dogs"]] = 3.0
    groups = word_groups(vocab.words)[None]  # (1, V)
    assert groups[0, vocab.index["dog"]] == groups[0, vocab.index["puppies"]] != groups[0, vocab.index["man"]]
    pushed, after = model.step(torch.tensor([vocab.start_id]), {**state, "push": push, "groups": groups})[:2]
    assert float(pushed[0, vocab.index["dog"]] - base[0, vocab.index["dog"]]) == pytest.approx(3.0, abs=1e-5)
    assert float(after["push"][0, vocab.index["dog"]]) == 3.0  # not written yet
    _, spent = model.step(torch.tensor([vocab.index["dog"]]), after)[:2]  # "dog" was just written
    assert float(spent["push"].abs().sum()) == 0.0  # so "dogs" is no longer pushed either


def test_without_imagenet_logits_the_tiny_encoder_ignores_grounding():
    model = _captioner()
    feats = torch.randn(2, 64, model.config.spec.channels)
    a = model.caption_features(feats, grounding=20.0)
    b = model.caption_features(feats, grounding=0.0)
    assert [r.words for r in a] == [r.words for r in b]


@pytest.mark.parametrize("bad", [-1.0, 21.0, "2"])
def test_grounding_must_be_a_small_non_negative_number(bad):
    with pytest.raises(ValueError, match="grounding"):
        CaptionSettings(grounding=bad)
