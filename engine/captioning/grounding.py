"""Grounding the caption in what the CNN recognised: a push toward the words the ImageNet classifier supports.

The decoder of a Show-Attend-Tell captioner only knows Flickr8k's captions: on a photo unlike its
training pictures its language prior wins ("a man in a blue shirt is standing..."), even when the
encoder CNN's own ImageNet classifier, run on the same feature map, says *Welsh springer spaniel* or
*alp*. Grounding hands that knowledge to the beam search, in the spirit of guided decoding with image
tags (Anderson et al., *Guided Open Vocabulary Image Captioning with Constrained Beam Search*, 2017),
as a soft push rather than a hard constraint:

* :data:`LEXICON` maps ImageNet classes to the caption words that name them (the 118 dog breeds →
  *dog*, *puppy*; *alp* → *mountain*; *seashore*, *sandbar* → *beach*; *canoe* → *canoe*, *boat*...),
  and so to their plurals (*dogs*, *puppies*);
* :func:`word_support` turns the classifier's probabilities ``p(class | image)`` into each word's
  support ``s_w = Σ p(class)`` over the classes that map to ``w`` (a word of the lexicon that the
  captioner's vocabulary lacks is skipped);
* the decoder's next-word scores become ``logit_w + β · s_w`` until ``w`` has been written once
  (:meth:`engine.captioning.Captioner.step`), so a grounded word is preferred where the decoder already
  found it plausible, and is not repeated.

``β`` is ``CaptionSettings.grounding`` (0 turns it off; the default 2 was chosen on Flickr8k's dev split).
With ``β = 2`` a dog-breed mass of 0.67 adds 1.3 nats to *dog* and *dogs*: enough to beat "two girls" when
the decoder hesitated, not enough to write *dog* where the sentence has no place for it.

Worked example (a toy vocabulary)::

    >>> import torch
    >>> probs = torch.zeros(1, 1000); probs[0, 207] = 0.6; probs[0, 970] = 0.3   # golden retriever, alp
    >>> vocab = ["<pad>", "<start>", "<end>", "<unk>", "a", "dog", "mountain", "man"]
    >>> s = word_support(probs, vocab)
    >>> [(vocab[i], round(float(s[0, i]), 2)) for i in s[0].nonzero().flatten().tolist()]
    [('dog', 0.6), ('mountain', 0.3)]
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import torch
from torch import Tensor

from engine.captioning.vocab import singular_forms

__all__ = ["LEXICON", "grounding_push", "word_groups", "word_support"]


def _r(a: int, b: int) -> tuple[int, ...]:
    """ImageNet class ids ``a..b`` inclusive."""
    return tuple(range(a, b + 1))


#: (caption words, ImageNet class ids) pairs: which classes each word names. Class ids are the
#: standard ILSVRC-2012 order of ``engine/captioning/imagenet_classes.txt`` (e.g. 151-268 are dog breeds).
LEXICON: tuple[tuple[tuple[str, ...], tuple[int, ...]], ...] = (
    # animals Flickr8k photographs
    (("dog", "puppy"), _r(151, 268)),
    (("cat",), _r(281, 285)),
    (("bird",), _r(7, 24) + _r(80, 100) + _r(127, 146)),
    (("duck",), (97, 98)),
    (("swan",), (100,)),
    (("chicken",), (7, 8)),
    (("fish",), _r(0, 6) + _r(389, 397)),
    (("horse",), (339, 603)),
    (("cow",), (345, 346, 347)),
    (("sheep",), (348, 349)),
    (("goat",), (350,)),
    (("camel",), (354,)),
    (("bear",), _r(294, 297)),
    (("tiger",), (292,)),
    (("elephant",), (101, 385, 386)),
    (("monkey",), _r(365, 382)),
    (("rabbit",), _r(330, 332)),
    (("squirrel",), (335,)),
    (("insect", "bug"), _r(300, 326)),
    # vehicles and sport
    (("boat",), (472, 484, 510, 554, 576, 625, 628, 724, 780, 814, 871, 913, 914)),
    (("canoe",), (472,)),
    (("bike", "bicycle"), (444, 671, 870)),
    (("motorcycle",), (665, 670)),
    (("car",), (407, 436, 468, 511, 573, 609, 627, 656, 661, 751, 817)),
    (("truck",), (555, 569, 675, 717, 864, 866, 867)),
    (("bus",), (654, 779, 874)),
    (("train",), (466, 547, 565, 705, 820, 829)),
    (("airplane", "plane"), (404, 895)),
    (("ball",), (429, 430, 522, 574, 722, 768, 805, 852, 890)),
    (("soccer",), (805,)),
    (("football",), (768, 560)),
    (("basketball",), (430,)),
    (("baseball",), (429, 981)),
    (("volleyball",), (890,)),
    (("tennis",), (852,)),
    (("golf",), (574, 575)),
    (("helmet",), (518, 560)),
    (("ski", "skier"), (795,)),
    (("snowmobile",), (802,)),
    (("snow",), (537, 802)),
    (("balloon",), (417,)),
    (("umbrella",), (879,)),
    (("guitar",), (402, 546)),
    (("drum",), (541, 822)),
    (("camera",), (732, 759)),
    # places
    (("mountain",), (970, 980)),
    (("cliff",), (972, 976)),
    (("lake",), (975,)),
    (("beach",), (977, 978)),
    (("ocean",), (973, 978)),
    (("water",), (460, 525, 973, 974, 975, 977, 978, 983)),
    (("valley",), (979,)),
    (("pier", "dock"), (536, 718)),
    (("bridge",), (821, 839, 888)),
    (("church", "building"), (442, 497)),
    (("building",), (483, 698)),
    (("fountain",), (562,)),
    (("tent",), (672,)),
    (("bench",), (703,)),
    (("fence",), (716,)),
    # things
    (("cup",), (968,)),
    (("coffee",), (967,)),
    (("pizza", "food"), (963,)),
    (("food",), _r(959, 965)),
    (("flower",), (985, 986)),
    (("bubble", "bubbles"), (971,)),
)


def word_support(class_probs: Tensor, vocab: Sequence[str]) -> Tensor:
    """``p(class | image)`` (B, 1000) -> each vocabulary word's support ``s_w`` (B, V), in ``[0, 1]``.

    ``s_w`` is the probability mass of the ImageNet classes that :data:`LEXICON` maps to ``w`` or to its
    singular (*dogs* and *puppies* as much as *dog*: the decoder decides between one and two; a class may
    support several words: a canoe supports *canoe* and *boat*; a word listed twice gets the union of its
    classes); words outside the lexicon get 0.
    """
    words, classes = _pairs(tuple(vocab))  # (P,) each: word i is named by class c, once per pair
    support = class_probs.new_zeros(class_probs.shape[0], len(vocab))  # (B, V)
    # one scatter-add for all words, not a torch call per word: a page captions next to other visitors' threads
    support.index_add_(1, words.to(support.device), class_probs[:, classes.to(class_probs.device)])
    return support.clamp_(0.0, 1.0)


@functools.lru_cache(maxsize=8)
def _pairs(vocab: tuple[str, ...]) -> tuple[Tensor, Tensor]:
    """(word index, class id) pairs of :func:`_word_classes`, as two (P,) long tensors."""
    pairs = [(i, c) for i, classes in _word_classes(vocab).items() for c in classes]
    if not pairs:
        return torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long)
    words, classes = zip(*pairs)
    return torch.tensor(words, dtype=torch.long), torch.tensor(classes, dtype=torch.long)


@functools.lru_cache(maxsize=8)
def _word_classes(vocab: tuple[str, ...]) -> dict[int, list[int]]:
    """Vocabulary index -> the ImageNet classes that name that word or its singular (``dogs``: the dog breeds)."""
    named: dict[str, set[int]] = {}
    for words, classes in LEXICON:
        for w in words:
            named.setdefault(w, set()).update(classes)
    return {i: sorted(set().union(*(named[f] for f in forms))) for i, forms in _lexicon_forms(vocab).items()}


@functools.lru_cache(maxsize=8)
def _lexicon_forms(vocab: tuple[str, ...]) -> dict[int, list[str]]:
    """Vocabulary index -> the lexicon words it is or is the plural of (``dogs``: ["dog"]), for words that have any."""
    lexicon = {w for words, _ in LEXICON for w in words}
    forms = {i: [f for f in singular_forms(word) if f in lexicon] for i, word in enumerate(vocab)}
    return {i: fs for i, fs in forms.items() if fs}


def grounding_push(class_logits: Tensor, vocab: Sequence[str], beta: float) -> Tensor:
    """What grounding adds to the decoder's next-word logits: ``β · s_w`` (B, V) from ImageNet logits (B, 1000)."""
    return beta * word_support(torch.softmax(class_logits.float(), dim=-1), vocab)


@functools.lru_cache(maxsize=8)
def _groups(vocab: tuple[str, ...]) -> Tensor:
    first_entry: dict[str, int] = {}
    for k, (words, _) in enumerate(LEXICON):
        for w in words:
            first_entry.setdefault(w, k)
    groups = list(range(len(vocab)))  # every word a group of its own ...
    for i, forms in _lexicon_forms(vocab).items():  # ... but the lexicon's: entries numbered after the word ids
        groups[i] = len(vocab) + first_entry[forms[0]]
    return torch.tensor(groups, dtype=torch.long)


def word_groups(vocab: Sequence[str]) -> Tensor:
    """(V,) group id of each word: the words of one lexicon entry and their plurals share one (*dog*, *dogs*,
    *puppy*, *puppies*), every other word is a group of its own. Writing any word of a group spends its push."""
    return _groups(tuple(vocab))
