import pytest
import torch

from engine import CharLM, CharLMConfig, CharVocab, generate_text
from engine.lm.generate import stream_text
from engine.train.checkpoint import load_model, save_checkpoint


@pytest.fixture(params=[("lstm", True), ("gru", True), ("rnn", True), ("lstm", False), ("gru", False)])
def model(request, tiny_text):
    cell, fused = request.param
    torch.manual_seed(0)
    vocab = CharVocab.from_text(tiny_text)
    return CharLM(CharLMConfig(vocab_size=len(vocab), cell=cell, fused=fused, n_layer=2, n_hidden=16, n_embd=8,
                               dropout=0.0), vocab).eval()


def test_forward_shapes_and_loss(model, tiny_text):
    idx = model.vocab.tensor(tiny_text[:41]).view(1, -1)
    logits, loss, hidden = model(idx[:, :-1], idx[:, 1:])
    assert logits.shape == (1, 40, len(model.vocab))
    assert loss.ndim == 0 and loss.item() > 0
    h = hidden[0] if isinstance(hidden, tuple) else hidden
    assert h.shape == (2, 1, 16)
    assert model(idx)[1] is None


def test_stepping_with_carried_hidden_equals_full_forward(model, tiny_text):
    """Generation's O(1)-per-character path gives exactly the logits of running the whole prefix."""
    idx = model.vocab.tensor(tiny_text[:30])[None]
    full, _, _ = model(idx)
    hidden, outs = None, []
    for t in range(idx.size(1)):
        logits, hidden = model.step(idx[:, t], hidden)
        outs.append(logits)
    torch.testing.assert_close(torch.stack(outs, 1), full, atol=1e-5, rtol=1e-5)


def test_generation_never_reruns_the_prefix(model, monkeypatch):
    """Each new character is one step on one character: the prefix is read once, then 1 token per step."""
    seen = []
    original = model.embed.forward

    def spy(idx):
        seen.append(idx.shape[-1] if idx.dim() > 1 else 1)
        return original(idx)

    monkeypatch.setattr(model.embed, "forward", spy)
    generate_text(model, prime="the king is", length=25)
    assert seen[0] == len("the king is") - 1  # the prime once
    assert seen[1:] == [1] * 25


@pytest.mark.parametrize("method", ["greedy", "sample", "beam"])
def test_generate_modes_and_unknown_prime(model, method):
    g = generate_text(model, prime="the 🙂 kïng", length=20, method=method, top_k=5, record_top=4, beam_width=3)
    assert len(g.text) == 20 and "\ufffd" not in g.text
    assert g.unknown_chars == ["🙂", "ï"]
    assert len(g.candidates) == 20 and all(len(c) == 4 for c in g.candidates)
    assert all(0 < p <= 1 for p in g.probs)


def test_empty_prime_and_seed_reproducible(model):
    a = generate_text(model, prime="", length=30, temperature=1.0, seed=3).text
    b = generate_text(model, prime="", length=30, temperature=1.0, seed=3).text
    assert a == b and len(a) == 30


def test_greedy_is_argmax_of_candidates(model):
    g = generate_text(model, prime="ANNA:", length=10, method="greedy", record_top=3)
    assert all(c[0].char == ch for c, ch in zip(g.candidates, g.text))


def test_stream_equals_collected(model):
    assert "".join(stream_text(model, "the", 15, seed=1)) == generate_text(model, "the", 15, seed=1).text


def test_checkpoint_roundtrip(model, tmp_path):
    save_checkpoint(tmp_path / "ck", model, meta={"metrics": {"val_loss": 1.5}})
    loaded = load_model(tmp_path / "ck", device="cpu")  # beside the CPU fixture model, whatever RNN_DEVICE says
    assert loaded.vocab.chars == model.vocab.chars and loaded.meta["metrics"]["val_loss"] == 1.5
    idx = model.vocab.tensor("the king")[None]
    torch.testing.assert_close(loaded(idx)[0], model(idx)[0])


def test_fp16_checkpoint_loads_as_float32(model, tmp_path):
    save_checkpoint(tmp_path / "ck", model, dtype=torch.float16)
    loaded = load_model(tmp_path / "ck", device="cpu")
    assert all(p.dtype == torch.float32 for p in loaded.parameters())
    idx = model.vocab.tensor("the king")[None]
    torch.testing.assert_close(loaded(idx)[0], model(idx)[0], atol=2e-2, rtol=2e-2)


def test_bad_config():
    with pytest.raises(ValueError, match="cell"):
        CharLMConfig(vocab_size=10, cell="transformer")
    with pytest.raises(ValueError, match="peephole"):
        CharLMConfig(vocab_size=10, peephole=True)
    CharLMConfig(vocab_size=10, peephole=True, fused=False)


def _fp16_exact_lstm(tiny_text, hidden=16):
    torch.manual_seed(0)
    vocab = CharVocab.from_text(tiny_text)
    model = CharLM(CharLMConfig(vocab_size=len(vocab), n_layer=2, n_hidden=hidden, n_embd=8, dropout=0.0), vocab)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())  # what loading an fp16 checkpoint gives
    return model.eval()


@pytest.mark.skipif("fbgemm" not in torch.backends.quantized.supported_engines, reason="needs fbgemm (x86)")
def test_fp16_packed_step_equals_the_fp32_path(tiny_text):
    """Weights that are exactly fp16 use fbgemm's fp16 product; the numbers stay the fp32 path's."""
    from engine.lm.model import _PACKED

    model = _fp16_exact_lstm(tiny_text)
    idx = model.vocab.tensor(tiny_text[:30])[None]
    full, _, _ = model(idx)  # nn.LSTM over the sequence: the reference
    hidden, outs = None, []
    for t in range(idx.size(1)):
        logits, hidden = model.step(idx[:, t], hidden)
        outs.append(logits)
    assert _PACKED[model][1] is not None, "the packed path was not taken"
    torch.testing.assert_close(torch.stack(outs, 1), full, atol=1e-4, rtol=1e-4)


def test_packed_weights_follow_training_and_need_exact_fp16(tiny_text):
    """A weight update invalidates the packed copy; weights that are not fp16 values never use it."""
    from engine.lm.model import _PACKED

    model = _fp16_exact_lstm(tiny_text)
    tok = model.vocab.tensor("t")
    model.step(tok, None)
    with torch.no_grad():
        model.rnn.weight_hh_l0.add_(0.25)  # still exact in fp16; _version changes
    idx = model.vocab.tensor("the king")[None]
    ref = model(idx)[0][:, -1]
    hidden = None
    for t in range(idx.size(1)):
        logits, hidden = model.step(idx[:, t], hidden)
    torch.testing.assert_close(logits, ref, atol=1e-4, rtol=1e-4)
    with torch.no_grad():
        model.rnn.weight_hh_l0.add_(1e-7)  # no longer fp16 values
    model.step(tok, None)
    assert _PACKED[model][1] is None


@pytest.mark.skipif("fbgemm" not in torch.backends.quantized.supported_engines, reason="needs fbgemm (x86)")
def test_shipped_model_fast_step_equals_forward():
    """The shipped model (fp16 weights) generates through the packed step: same logits and state as forward."""
    from engine.lm.model import _PACKED
    from engine.train.checkpoint import list_pretrained, load_pretrained

    if "charlm-shakespeare" not in list_pretrained():
        pytest.skip("pretrained/charlm-shakespeare not shipped")
    model = load_pretrained("charlm-shakespeare", device="cpu")
    idx = model.vocab.tensor("ROMEO: But soft, what light")[None]  # (1, T)
    full, _, (h_full, c_full) = model(idx)  # nn.LSTM over the whole sequence: the reference
    hidden, outs = None, []
    for t in range(idx.size(1)):
        logits, hidden = model.step(idx[:, t], hidden)
        outs.append(logits)
    assert _PACKED[model][1] is not None, "the packed path was not taken"
    torch.testing.assert_close(torch.stack(outs, 1), full, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(hidden[0], h_full, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(hidden[1], c_full, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("cell,fused", [("lstm", True), ("gru", True), ("lstm", False), ("rnn", False)])
def test_weight_drop_is_dropconnect_on_W_in_training_only(tiny_text, cell, fused):
    """Training uses F.dropout(W) with one mask per batch; evaluation uses W itself; gradients reach W."""
    torch.manual_seed(0)
    vocab = CharVocab.from_text(tiny_text)
    cfg = dict(vocab_size=len(vocab), cell=cell, fused=fused, n_layer=2, n_hidden=12, n_embd=8, dropout=0.0)
    model = CharLM(CharLMConfig(**cfg, weight_drop=0.5), vocab)
    plain = CharLM(CharLMConfig(**cfg), vocab)
    plain.load_state_dict(model.state_dict())  # same parameter names: checkpoints are unchanged
    names = model.recurrent_weight_names()
    assert len(names) == 2
    idx = vocab.tensor(tiny_text[:25])[None]
    model.eval(), plain.eval()
    torch.testing.assert_close(model(idx)[0], plain(idx)[0])

    model.train(), plain.train()
    torch.manual_seed(7)
    logits, loss, _ = model(idx[:, :-1], idx[:, 1:])
    torch.manual_seed(7)  # the same masks, drawn in the same order, applied by hand
    with torch.no_grad():
        for name in names:
            w = dict(plain.rnn.named_parameters())[name]
            w.copy_(torch.nn.functional.dropout(w, 0.5, training=True))
    torch.testing.assert_close(logits, plain(idx[:, :-1])[0])
    loss.backward()
    grads = dict(model.rnn.named_parameters())
    assert all(grads[n].grad is not None and grads[n].grad.abs().sum() > 0 for n in names)
    with pytest.raises(ValueError, match="weight_drop"):
        CharLMConfig(vocab_size=10, weight_drop=1.0)
