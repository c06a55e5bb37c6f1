import pytest
import torch

from engine.device import autocast, pick_device, seed_everything


def test_explicit_and_env_choice(monkeypatch):
    monkeypatch.delenv("RNN_DEVICE", raising=False)
    assert pick_device("cpu") == torch.device("cpu")
    monkeypatch.setenv("RNN_DEVICE", "cpu")
    assert pick_device() == torch.device("cpu")
    assert pick_device("auto") == torch.device("cpu")


def test_auto_prefers_cuda_when_available(monkeypatch):
    monkeypatch.delenv("RNN_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_device().type in ("cpu", "mps")


def test_unavailable_device_is_an_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA is not available"):
        pick_device("cuda")


def test_autocast_is_bf16_on_cuda_only():
    assert not isinstance(autocast("cpu"), torch.autocast)
    ctx = autocast("cuda")
    assert isinstance(ctx, torch.autocast) and ctx.fast_dtype == torch.bfloat16
    assert not isinstance(autocast("cuda", enabled=False), torch.autocast)


def test_seed_everything_reproducible():
    seed_everything(7)
    a = (torch.rand(3), torch.randn(2))
    seed_everything(7)
    b = (torch.rand(3), torch.randn(2))
    assert all(torch.equal(x, y) for x, y in zip(a, b))
