"""engine.lab.representations and engine.lab.embedding_space: the notes' bag of words, one-hot code and
embeddings, checked on the notes' own examples, by hand on small cases, and against the shipped models."""

from __future__ import annotations

import pytest
import torch

import engine
from engine.lab.embedding_space import (
    EmbeddingTable,
    charlm_table,
    model_table,
    table_from_tokens,
    translator_table,
)
from engine.lab.representations import (
    MAX_CHARS,
    NOTES_EXAMPLES,
    RepresentationError,
    compare,
    encode,
    prepare_text,
    sentence_vocabulary,
    split_units,
)

torch.set_num_threads(1)

ORDER_A, ORDER_B = NOTES_EXAMPLES["order"]
SPACING_A, SPACING_B = NOTES_EXAMPLES["spacing"]


@pytest.fixture(scope="module")
def charlm_tab() -> EmbeddingTable:
    return charlm_table(engine.load_pretrained("charlm-shakespeare"), "charlm-shakespeare")


@pytest.fixture(scope="module")
def translator():
    return engine.load_pretrained("translator-en-fr")


# ------------------------------------------------------------------------------------ the notes' examples
def test_april_same_bag_of_words_different_one_hot_matrices() -> None:
    vocab = sentence_vocabulary([ORDER_A, ORDER_B], "word")
    assert vocab.symbols == ("april", "cruelest", "is", "month", "the") and vocab.m == 5 and vocab.level == "word"
    a, b = encode(ORDER_A, vocab), encode(ORDER_B, vocab)
    assert (a.T, b.T) == (5, 5)
    # one-hot by hand: april=0, is=2, the=4, cruelest=1, month=3; then the, cruelest, month, is, april
    assert a.one_hot().tolist() == [[1, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 1], [0, 1, 0, 0, 0], [0, 0, 0, 1, 0]]
    assert b.one_hot().tolist() == [[0, 0, 0, 0, 1], [0, 1, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 1, 0, 0], [1, 0, 0, 0, 0]]
    assert not torch.equal(a.one_hot(), b.one_hot())
    assert a.bag_of_words().tolist() == b.bag_of_words().tolist() == [1.0] * 5
    cmp = compare(a, b)
    assert cmp.same_bag and not cmp.same_sequence
    assert cmp.differing_rows == [1, 2, 3, 4, 5] and cmp.only_a == cmp.only_b == []


def test_keeping_case_makes_the_and_The_two_words() -> None:
    vocab = sentence_vocabulary([ORDER_A, ORDER_B], "word", lowercase=False)
    assert vocab.m == 6
    cmp = compare(encode(ORDER_A, vocab), encode(ORDER_B, vocab))
    assert not cmp.same_bag and cmp.only_a == ["the"] and cmp.only_b == ["The"]


def test_spacing_changes_the_words_not_the_characters() -> None:
    words = sentence_vocabulary([SPACING_A, SPACING_B], "word")
    assert words.symbols == ("가방에", "들어가신다", "방에", "아버지", "아버지가")
    a, b = encode(SPACING_A, words), encode(SPACING_B, words)
    assert a.units == ["아버지가", "방에", "들어가신다"] and b.units == ["아버지", "가방에", "들어가신다"]
    assert a.bag_of_words().tolist() == [0, 1, 1, 0, 1] and b.bag_of_words().tolist() == [1, 1, 0, 1, 0]
    cmp = compare(a, b)
    assert not cmp.same_bag and cmp.only_a == ["방에", "아버지가"] and cmp.only_b == ["가방에", "아버지"]
    assert cmp.differing_rows == [1, 2]  # the third word, 들어가신다, is the same
    chars = sentence_vocabulary([SPACING_A, SPACING_B], "character")
    ca, cb = encode(SPACING_A, chars), encode(SPACING_B, chars)
    assert chars.m == 11 and chars.symbols[0] == " " and ca.T == cb.T == 13
    assert ca.units[3:5] == ["가", " "] and cb.units[3:5] == [" ", "가"]
    cmp = compare(ca, cb)
    assert cmp.same_bag and not cmp.same_sequence and cmp.differing_rows == [4, 5]


# ---------------------------------------------------------------------------------- encodings by hand
def test_one_hot_rows_sum_to_one_and_the_bag_is_their_column_sum() -> None:
    text = "the cat saw the other cat, the end"
    enc = encode(text, sentence_vocabulary([text], "word"))
    X = enc.one_hot()
    assert X.shape == (enc.T, enc.m) == (9, 6)
    assert torch.equal(X.sum(1), torch.ones(enc.T))
    assert torch.equal(X.sum(0), enc.bag_of_words())
    the = enc.vocab.symbols.index("the")
    assert enc.counts()[the] == 3 and sum(enc.counts().values()) == enc.T
    cols = enc.used_columns()
    assert cols == list(range(6)) and torch.equal(enc.one_hot(cols), X)
    assert enc.one_hot([the]).flatten().tolist() == [1, 0, 0, 1, 0, 0, 0, 1, 0]


def test_units_words_and_characters_of_any_script() -> None:
    assert split_units("Don't stop!", "word") == ["don", "'", "t", "stop", "!"]
    assert split_units("東京 is 大きい 🙂", "word") == ["東京", "is", "大きい", "🙂"]
    assert split_units("e\u0301!", "character") == ["é", "!"]  # NFC first: one character
    with pytest.raises(RepresentationError, match="words or characters"):
        split_units("x", "subword")


def test_bad_input_is_a_typed_error() -> None:
    vocab = sentence_vocabulary(["a b"], "word")
    with pytest.raises(RepresentationError, match="empty"):
        encode("   ", vocab)
    with pytest.raises(RepresentationError, match="not a string|expected a string"):
        encode(None, vocab)
    with pytest.raises(RepresentationError, match="lone surrogate U\\+DC00"):
        encode("a\udc00", vocab)
    with pytest.raises(RepresentationError, match="not in this dictionary"):
        encode("a c", vocab)
    with pytest.raises(RepresentationError, match="different dictionaries"):
        compare(encode("a", vocab), encode("a", sentence_vocabulary(["a"], "word")))


def test_long_text_is_cut_and_said_so() -> None:
    text = "ab " * 1000
    assert prepare_text(text) == (text[:MAX_CHARS], True)
    enc = encode(text, sentence_vocabulary([text], "character"))
    assert enc.cut and enc.T == MAX_CHARS


def test_a_dense_one_hot_matrix_too_large_is_refused(translator) -> None:
    tab = translator_table(translator, "translator-en-fr")
    enc = tab.encode("the cat " * 250)  # 500 pieces x 8000 columns = 4 million entries
    assert enc.T == 500
    with pytest.raises(RepresentationError, match="too large"):
        enc.one_hot()
    assert enc.one_hot(enc.used_columns()).shape == (enc.T, len(enc.used_columns()))
    assert torch.equal(tab.vectors_by_product(enc), tab.vectors(enc))


# ---------------------------------------------------------------------------------- the shipped models
def test_charlm_table_is_the_models_embedding_and_handles_unseen_characters(charlm_tab) -> None:
    model = engine.load_pretrained("charlm-shakespeare")
    assert (charlm_tab.m, charlm_tab.n, charlm_tab.num_params) == (66, 64, 66 * 64)
    assert charlm_tab.vocab.level == "character" and charlm_tab.vocab.unknown_id == 0
    enc = charlm_tab.encode("Hi 방!")
    assert enc.units == ["H", "i", " ", "방", "!"] and enc.unknown == ["방"]
    assert enc.ids == model.vocab.encode("Hi 방!") and enc.ids[3] == 0  # the unknown symbol �
    X = charlm_tab.vectors(enc)
    assert torch.equal(X, model.embed(torch.tensor(enc.ids)).detach())  # what the model reads
    assert torch.allclose(charlm_tab.vectors_by_product(enc), X)  # onehot · E
    assert 0 not in charlm_tab.candidates and len(charlm_tab.candidates) == 65


def test_nearest_neighbours_are_the_largest_cosines(charlm_tab) -> None:
    a = charlm_tab.vocab.symbols.index("a")
    near = charlm_tab.nearest(a, k=5)
    W = charlm_tab.weight
    brute = sorted(((float(torch.cosine_similarity(W[a], W[i], dim=0)), i) for i in charlm_tab.candidates if i != a),
                   reverse=True)[:5]
    assert [nb.id for nb in near] == [i for _, i in brute]
    assert [nb.cosine for nb in near] == pytest.approx([c for c, _ in brute], abs=1e-5)
    assert all(nb.symbol == charlm_tab.vocab.symbols[nb.id] for nb in near)
    assert near[0].symbol == "A"  # measured: the shipped model puts a and A closest (cosine 0.48)
    with pytest.raises(RepresentationError, match="no symbol"):
        charlm_tab.nearest(66)


def test_projection_is_pca_on_two_components(charlm_tab) -> None:
    proj = charlm_tab.projection()
    assert proj.ids == charlm_tab.candidates and proj.coords.shape == (65, 2)
    rows = charlm_tab.weight[proj.ids]
    centred = rows - rows.mean(0)
    eig = torch.linalg.eigvalsh(centred.T @ centred).flip(0)  # the covariance's eigenvalues, largest first
    assert proj.coords.pow(2).sum(0).tolist() == pytest.approx(eig[:2].tolist(), rel=1e-3)
    assert proj.explained == pytest.approx((eig[:2] / eig.sum()).tolist(), rel=1e-3)
    assert abs(float(proj.coords[:, 0] @ proj.coords[:, 1])) < 1e-2 * float(eig[0])  # uncorrelated components
    assert charlm_tab.projection() is proj  # computed once


def test_translator_table_subwords_and_byte_fallback(translator) -> None:
    tab = model_table(translator, "translator-en-fr")
    assert (tab.m, tab.n) == (8000, 256) and tab.vocab.level == "subword" and tab.vocab.unknown_id is None
    enc = tab.encode(ORDER_A)
    assert enc.units == ["▁April", "▁is", "▁the", "▁cruel", "est", "▁month"] and enc.unknown == []
    assert enc.ids == translator.tokenizer.encode(ORDER_A)
    assert torch.equal(tab.vectors(enc), translator.embed(torch.tensor(enc.ids)).detach())
    korean = tab.encode(SPACING_A)
    assert korean.unknown == list(dict.fromkeys(SPACING_A.replace(" ", "")))
    assert all(u.startswith("<0x") for u in korean.units if u != "▁")  # spelled as UTF-8 bytes
    byte_ids = {i for i in korean.ids if tab.vocab.symbols[i].startswith("<0x")}
    assert byte_ids and not byte_ids & set(tab.candidates)  # bytes are not offered as neighbours
    month = tab.vocab.symbols.index("▁month")
    assert tab.nearest(month, k=1)[0].symbol == "▁months"  # measured on the shipped model (cosine 0.67)
    words = compare(tab.encode(ORDER_A), tab.encode(ORDER_B))  # subwords keep case: ▁the vs ▁The
    assert not words.same_bag and words.only_a == ["▁the"] and words.only_b == ["▁The"]


def test_table_from_tokens_and_a_sentiment_models_table() -> None:
    table = table_from_tokens("toy", ["<unk>", "good", "bad"], torch.eye(3))
    enc = table.encode("Good, bad")
    assert enc.units == ["good", ",", "bad"] and enc.ids == [1, 0, 2] and enc.unknown == [","]
    assert table.candidates == [1, 2]
    with pytest.raises(RepresentationError, match="does not match"):
        EmbeddingTable("bad", table.vocab, torch.zeros(2, 3), [0])
    sentiment = pytest.importorskip("engine.sentiment.model")
    from engine.data.parallel import SubwordTokenizer

    tok = SubwordTokenizer.train(["a good film", "a bad film", "not good at all", "it is fine"] * 20, vocab_size=300)
    config = sentiment.SentimentConfig(vocab_size=len(tok), lang="en", n_embd=6, n_hidden=4, dropout=0.0)
    model = sentiment.SentimentClassifier(config, tok)
    tab = model_table(model, "tiny-sentiment")
    enc = tab.encode("A GOOD film, isn't it?")
    assert enc.ids == model.encode("A GOOD film, isn't it?")[0]  # the pieces the classifier reads
    assert torch.equal(tab.vectors(enc), model.input_vectors(torch.tensor(enc.ids)).detach())
