"""engine.nn.fused: torch's fused RNN/GRU/LSTM with dropout between layers drawn from torch's generator.

On CUDA, cuDNN's own dropout state is not saved with a checkpoint, so a resumed run would draw other
masks; the layer-by-layer path fixes that. Here it is forced on the CPU (``layerwise = "always"``) and
checked against torch's own path.
"""

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from engine.nn import fused, make_rnn

CASES = [(cls, bi, packed) for cls in (fused.LSTM, fused.GRU, fused.RNN) for bi in (False, True)
         for packed in (False, True)]


def _flat(x):
    if isinstance(x, tuple):
        return torch.cat([_flat(v).reshape(-1) for v in x])
    return x.data.reshape(-1) if hasattr(x, "batch_sizes") else x.reshape(-1)


IDS = [f"{c.__name__}-{'bi' if b else 'uni'}-{'packed' if p else 'padded'}" for c, b, p in CASES]


@pytest.mark.parametrize(("cls", "bidirectional", "packed"), CASES, ids=IDS)
def test_layer_by_layer_equals_torch_without_dropout(cls, bidirectional, packed):
    torch.manual_seed(0)
    m = cls(3, 4, num_layers=3, dropout=0.3, batch_first=True, bidirectional=bidirectional)
    m.layerwise = "always"
    x = torch.randn(2, 5, 3)
    if packed:
        x = pack_padded_sequence(x, torch.tensor([5, 3]), batch_first=True, enforce_sorted=False)
    m.dropout = 0.0
    expected = m(x)  # torch's own fused path (no dropout, so not layer by layer)
    m.dropout = 1e-12  # takes the layer-by-layer path; masks keep (almost surely) every unit
    got = m(x)
    torch.testing.assert_close(_flat(got[0]), _flat(expected[0]), atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(_flat(got[1]), _flat(expected[1]), atol=1e-6, rtol=1e-6)


def test_masks_come_from_torchs_generator_so_a_restored_state_repeats_them():
    m = make_rnn("lstm", 3, 8, num_layers=2, dropout=0.5)
    m.layerwise = "always"
    m.train()
    x = torch.randn(4, 6, 3)
    torch.manual_seed(1)
    state = torch.get_rng_state()  # what the trainer saves in a checkpoint
    first = m(x)[0]
    second = m(x)[0]
    torch.set_rng_state(state)  # what a resumed run restores
    assert torch.equal(m(x)[0], first) and not torch.equal(first, second)


def test_same_module_as_torch_by_name_parameters_and_checkpoint():
    torch.manual_seed(0)
    ours = make_rnn("lstm", 3, 4, num_layers=2, dropout=0.2)
    theirs = torch.nn.LSTM(3, 4, num_layers=2, dropout=0.2, batch_first=True)
    assert repr(ours) == repr(theirs) and isinstance(ours, torch.nn.LSTM)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict(ours.state_dict())
    ours.eval(), theirs.eval()
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(ours(x)[0], theirs(x)[0])


def test_cpu_training_keeps_torchs_path():
    m = make_rnn("gru", 3, 4, num_layers=2, dropout=0.5)
    m.train()
    assert m.layerwise == "cuda" and not m._use_layerwise(torch.zeros(1, 2, 3))
