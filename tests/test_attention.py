"""One attention module (engine.nn.attention) serves the translator and the captioner.

The captioner's gated additive attention is checked, bit for bit, against the code it had before it
used the shared module (``Captioner.attend`` with its own ``att_feat``/``att_hidden``/``att_score``/``f_beta``
layers, still the parameter names of ``pretrained/captioner-flickr8k``); the translator's scores
without the gate against the formulas written out with ``einsum``.
"""

import pytest
import torch
import torch.nn as nn

from engine.captioning.model import Captioner, CaptionerConfig
from engine.captioning.vocab import WordVocab
from engine.nn.attention import SCORES, Attention


class OldCaptionerAttention(nn.Module):
    """``Captioner.attend`` as it was before the shared module (its layers and arithmetic, verbatim)."""

    def __init__(self, D: int, H: int, A: int, gate: bool):
        super().__init__()
        self.att_feat = nn.Linear(D, A)  # W_a a_i
        self.att_hidden = nn.Linear(H, A)  # W_h h_{t-1}
        self.att_score = nn.Linear(A, 1)  # w^T tanh(.)
        self.f_beta = nn.Linear(H, 1) if gate else None

    def forward(self, a, h):
        keys = self.att_feat(a)
        e = self.att_score(torch.tanh(keys + self.att_hidden(h)[:, None])).squeeze(-1)  # (B, L)
        alpha = torch.softmax(e, dim=-1)
        z = torch.bmm(alpha[:, None], a).squeeze(1)
        beta = None
        if self.f_beta is not None:
            beta = torch.sigmoid(self.f_beta(h))
            z = beta * z
        return z, alpha, beta


def captioner(gate: bool = True) -> Captioner:
    vocab = WordVocab(["<pad>", "<start>", "<end>", "<unk>", "a", "dog", "runs"])
    cfg = CaptionerConfig(vocab_size=len(vocab), encoder="tiny", gate=gate, n_embd=8, n_hidden=12, proj_dim=6,
                          attn_dim=5, dropout=0.0, max_len=6)
    return Captioner(cfg, vocab).eval()


@pytest.mark.parametrize("gate", [True, False])
def test_captioner_attention_reproduces_the_old_attend_and_loads_old_weights(gate):
    torch.manual_seed(0)
    old = OldCaptionerAttention(D=6, H=12, A=5, gate=gate)
    model = captioner(gate)
    # the old checkpoint layout: the attention layers at the top level, under their old names
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("attn.")}
    state.update(old.state_dict())
    model.load_state_dict(state, strict=True)  # the old names are mapped onto attn.U_a / W_a / v_a / f_beta
    assert torch.equal(model.attn.U_a.weight, old.att_feat.weight) and torch.equal(model.attn.v_a.bias,
                                                                                   old.att_score.bias)
    a, h = torch.randn(3, 64, 6), torch.randn(3, 12)  # (B, L, D) regions of an 8x8 grid, (B, H) h_{t-1}
    z, alpha, beta = model.attend(a, model.attn.keys(a), h)
    z_old, alpha_old, beta_old = old(a, h)
    assert torch.equal(z, z_old) and torch.equal(alpha, alpha_old)  # the same arithmetic: identical numbers
    assert (beta is None) == (beta_old is None) == (not gate)
    if gate:
        assert torch.equal(beta, beta_old) and beta.shape == (3, 1)
    # and the checkpoint a model writes now loads back
    fresh = captioner(gate)
    fresh.load_state_dict(model.state_dict(), strict=True)
    assert torch.equal(fresh.attend(a, fresh.attn.keys(a), h)[0], z)


@pytest.mark.parametrize("score", SCORES)
def test_scores_without_gate_are_the_lecture_formulas(score):
    torch.manual_seed(1)
    att = Attention(score, query_dim=4, memory_dim=4, attn_dim=3)
    query, memory = torch.randn(2, 3, 4), torch.randn(2, 5, 4)  # (B, K, H) K beams, (B, S, D)
    mask = torch.tensor([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    context, alpha, beta = att(query, att.keys(memory), memory, mask)
    if score == "dot":
        e = torch.einsum("bkh,bsh->bks", query, memory)  # h_tᵀ h̄_s
    elif score == "general":
        e = torch.einsum("bkh,hd,bsd->bks", query, att.W_a.weight, memory)  # h_tᵀ W_a h̄_s
    else:  # v_aᵀ tanh(W_a h_t + b + U_a h̄_s)
        hidden = torch.tanh(torch.einsum("ah,bkh->bka", att.W_a.weight, query)[:, :, None] + att.W_a.bias
                            + torch.einsum("ad,bsd->bsa", att.U_a.weight, memory)[:, None])
        e = torch.einsum("bksa,a->bks", hidden, att.v_a.weight[0])
    expected = torch.softmax(e.masked_fill(~mask[:, None], float("-inf")), dim=-1)
    assert beta is None
    assert torch.allclose(alpha, expected, atol=1e-6) and (alpha[0, :, 4] == 0).all()
    assert torch.allclose(context, torch.einsum("bks,bsd->bkd", expected, memory), atol=1e-6)


def test_gate_scales_the_context_and_bias_is_additive_only():
    torch.manual_seed(2)
    gated = Attention("additive", 4, 6, 3, bias=True, gate=True)
    plain = Attention("additive", 4, 6, 3, bias=True)
    plain.load_state_dict({k: v for k, v in gated.state_dict().items() if not k.startswith("f_beta")})
    query, memory = torch.randn(2, 1, 4), torch.randn(2, 7, 6)
    c_gated, a_gated, beta = gated(query, gated.keys(memory), memory)
    c_plain, a_plain, _ = plain(query, plain.keys(memory), memory)
    assert torch.equal(a_gated, a_plain)  # the gate leaves where to look alone ...
    assert torch.allclose(beta, torch.sigmoid(query @ gated.f_beta.weight.T + gated.f_beta.bias))
    assert torch.allclose(c_gated, beta * c_plain) and ((beta > 0) & (beta < 1)).all()  # ... and scales what is read
    with pytest.raises(ValueError, match="additive"):
        Attention("general", 4, 6, bias=True)
