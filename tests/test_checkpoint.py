import json
import math

import numpy as np
import pytest
import torch

from engine import CharLM, CharLMConfig, CharVocab
from engine.train.checkpoint import (
    CheckpointError,
    average_checkpoints,
    load_pretrained,
    pack_state,
    read_checkpoint,
    save_checkpoint,
    unpack_state,
)

pytestmark = pytest.mark.hardening  # issue 15: listed in docs/reliability.md


def small():
    v = CharVocab.from_text("abc")
    return CharLM(CharLMConfig(vocab_size=len(v), n_layer=1, n_hidden=4, n_embd=2), v)


def test_pack_unpack_roundtrip():
    obj = {"state": {0: {"step": torch.tensor(3.0), "m": torch.ones(2)}}, "groups": [{"lr": 0.1, "betas": (0.9, 0.99)}],
           "rng": (3, tuple(range(5)), None), "np": np.arange(4), "none": None}
    tensors, skel = pack_state(obj)
    json.dumps(skel)  # the skeleton is plain JSON
    back = unpack_state(tensors, skel)
    assert back["state"][0]["m"].tolist() == [1, 1] and back["groups"][0]["betas"] == (0.9, 0.99)
    assert back["rng"] == (3, (0, 1, 2, 3, 4), None) and back["np"].tolist() == [0, 1, 2, 3]
    with pytest.raises(TypeError):
        pack_state({"f": object()})


def test_files_and_no_pickle(tmp_path):
    save_checkpoint(tmp_path / "ck", small(), trainer_state={"step": 1})
    names = sorted(p.name for p in (tmp_path / "ck").iterdir())
    assert names == ["config.json", "model.safetensors", "trainer.json", "trainer.safetensors"]
    cfg = json.loads((tmp_path / "ck" / "config.json").read_text())
    assert cfg["kind"] == "charlm" and cfg["meta"]["vocab"][1:] == ["a", "b", "c"]


def test_overwrite_is_atomic_and_recovers(tmp_path):
    path = tmp_path / "ck"
    save_checkpoint(path, small())
    save_checkpoint(path, small())  # overwriting leaves no temp folders behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck"]
    # a crash between the two renames leaves only ".ck.old": reading finds it there, without moving it (a
    # reader must not rename folders under a writer that is between its renames), the next write replaces it
    path.rename(tmp_path / ".ck.old")
    state, cfg, _ = read_checkpoint(path)
    assert cfg["kind"] == "charlm" and not path.exists() and (tmp_path / ".ck.old").is_dir()
    from engine.train.checkpoint import archive_checkpoint, load_model

    assert load_model(path).config.n_hidden == 4
    assert __import__("zipfile").ZipFile(__import__("io").BytesIO(archive_checkpoint(path))).namelist()[0] == (
        "ck/model.safetensors")
    import engine.train.checkpoint as ck

    real_replace = ck.os.replace

    def fails_to_install(src, dst):
        if ".tmp-" in str(src):
            raise OSError("crash while installing the new folder")
        real_replace(src, dst)

    ck.os.replace = fails_to_install  # a second crash, while recovering, still leaves the old checkpoint
    try:
        with pytest.raises(OSError):
            save_checkpoint(path, small())
    finally:
        ck.os.replace = real_replace
    assert read_checkpoint(path)[1]["kind"] == "charlm"
    save_checkpoint(path, small())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck"]


def test_failed_write_keeps_previous(tmp_path, monkeypatch):
    path = tmp_path / "ck"
    save_checkpoint(path, small(), meta={"v": 1})
    import engine.train.checkpoint as ck

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(ck, "save_file", boom)
    with pytest.raises(OSError):
        save_checkpoint(path, small(), meta={"v": 2})
    assert read_checkpoint(path)[1]["meta"]["v"] == 1


def test_bad_folders_are_typed_errors(tmp_path):
    with pytest.raises(CheckpointError):
        read_checkpoint(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    (tmp_path / "model.safetensors").write_bytes(b"junk")
    with pytest.raises(CheckpointError):
        read_checkpoint(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"format": "rnnlab-checkpoint", "kind": "charlm"}))
    with pytest.raises(CheckpointError):
        read_checkpoint(tmp_path)
    with pytest.raises(CheckpointError, match="no pretrained model"):
        load_pretrained("does-not-exist")


def test_config_of_another_version_is_a_checkpoint_error(tmp_path):
    """A run saved by a version whose config had other fields (or none) is a typed error, not a TypeError."""
    from engine.train.checkpoint import load_model

    path = save_checkpoint(tmp_path / "old", small())
    cfg = json.loads((path / "config.json").read_text())
    cfg["config"]["a_field_that_was_removed"] = 3
    (path / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="does not match this version"):
        load_model(path)
    del cfg["config"]
    (path / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="does not match this version"):
        load_model(path)


def test_archive_checkpoint_holds_the_model_only(tmp_path):
    import io
    import zipfile

    from engine.train.checkpoint import archive_checkpoint

    model = small()
    save_checkpoint(tmp_path / "best", model, trainer_state={"step": 1})
    data = archive_checkpoint(tmp_path / "best", folder="run-1")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(zf.namelist()) == ["run-1/config.json", "run-1/model.safetensors"]  # no trainer state
        zf.extractall(tmp_path / "unzipped")
    again = load_pretrained(tmp_path / "unzipped" / "run-1", device="cpu")
    for (k, v), (k2, v2) in zip(model.state_dict().items(), again.state_dict().items()):
        assert k == k2 and torch.equal(v, v2)
    with pytest.raises(CheckpointError):
        archive_checkpoint(tmp_path / "missing")


def test_average_checkpoints_is_the_mean_of_the_weights(tmp_path):
    models = []
    for i in range(3):
        torch.manual_seed(i)
        models.append(small())
        save_checkpoint(tmp_path / f"c{i}", models[-1], meta={"step": 100 * i})
    avg = average_checkpoints([tmp_path / f"c{i}" for i in range(3)], device="cpu")
    for name, value in avg.state_dict().items():
        expected = sum(m.state_dict()[name] for m in models) / 3
        assert torch.allclose(value, expected, atol=1e-6), name
    assert not avg.training and [s["step"] for s in avg.meta["averaged_from"]] == [0, 100, 200]
    logits, _ = avg(torch.zeros(1, 3, dtype=torch.long))[:2]
    assert logits.shape == (1, 3, len(avg.vocab))
    # one checkpoint averaged is itself
    one = average_checkpoints([tmp_path / "c1"], device="cpu")
    assert all(torch.equal(one.state_dict()[k], v) for k, v in models[1].state_dict().items())


def test_average_checkpoints_refuses_different_models(tmp_path):
    save_checkpoint(tmp_path / "a", small())
    v = CharVocab.from_text("abc")
    save_checkpoint(tmp_path / "wider", CharLM(CharLMConfig(vocab_size=len(v), n_layer=1, n_hidden=8, n_embd=2), v))
    v2 = CharVocab.from_text("abd")
    save_checkpoint(tmp_path / "vocab", CharLM(CharLMConfig(vocab_size=len(v2), n_layer=1, n_hidden=4, n_embd=2), v2))
    with pytest.raises(CheckpointError, match="config differs"):
        average_checkpoints([tmp_path / "a", tmp_path / "wider"])
    with pytest.raises(CheckpointError, match="vocabulary differs"):
        average_checkpoints([tmp_path / "a", tmp_path / "vocab"])
    with pytest.raises(CheckpointError, match="at least one"):
        average_checkpoints([])


# ----------------------------------------------------------------------------- untrusted folders (issue 15)
def _ask_for(path, **config):
    """Rewrite the checkpoint's config.json to ask for another architecture (its weights stay as they are)."""
    cfg = json.loads((path / "config.json").read_text())
    cfg["config"].update(config)
    (path / "config.json").write_text(json.dumps(cfg))


@pytest.mark.parametrize("config", [{"n_hidden": 8000}, {"n_layer": 200, "n_hidden": 2000}, {"n_layer": 10**6},
                                    {"vocab_size": 10**9}],
                         ids=["wide", "deep-and-wide", "a-million-layers", "huge-vocab"])
def test_config_is_checked_against_the_weights_before_anything_is_allocated(tmp_path, monkeypatch, config):
    """A 1 KB folder whose config.json asks for a huge model is refused from the safetensors header; the model
    is only ever built on the meta device (the unchecked load built it for real: 2.9 GB, or a killed process)."""
    import engine.train.checkpoint as ck

    path = save_checkpoint(tmp_path / "ck", small())
    _ask_for(path, **config)
    built_on = []
    real_build = ck.build_model

    def spy(*args, **kwargs):
        built_on.append(torch.empty(0).device.type)  # the default device where the model's tensors go
        return real_build(*args, **kwargs)

    monkeypatch.setattr(ck, "build_model", spy)
    with pytest.raises(CheckpointError, match="do not match the config|more tensors than the weights file|vocab"):
        ck.load_model(path)
    assert built_on and set(built_on) == {"meta"}
    with pytest.raises(CheckpointError):
        average_checkpoints([path])


def test_parameter_cap_and_valid_folders(tmp_path):
    from engine.train.checkpoint import MAX_LOAD_PARAMS, check_weights, load_model, weights_header

    model = small()
    path = save_checkpoint(tmp_path / "ck", model, dtype=torch.float16)
    n = sum(p.numel() for p in model.parameters())
    header = weights_header(path / "model.safetensors")
    assert header["embed.weight"] == (torch.float16, (4, 2)) and sum(math.prod(s) for _, s in header.values()) == n
    check_weights(json.loads((path / "config.json").read_text()), header)  # a matching folder passes
    assert load_model(path, max_params=n).num_params() == n <= MAX_LOAD_PARAMS
    with pytest.raises(CheckpointError, match=f"hold {n:,} numbers; at most {n - 1:,}"):
        load_model(path, max_params=n - 1)


def test_wrong_shape_or_dtype_in_the_weights_file_is_a_checkpoint_error(tmp_path):
    """A safetensors file edited to hold a wrongly shaped tensor raised RuntimeError from load_state_dict (the
    Generate page showed a traceback); an integer tensor for a float weight was silently converted."""
    from safetensors.torch import save_file

    from engine.train.checkpoint import load_model

    path = save_checkpoint(tmp_path / "ck", small())
    state = {k: v.clone() for k, v in read_checkpoint(path)[0].items()}
    save_file({**state, "embed.weight": torch.zeros(5, 2)}, str(path / "model.safetensors"))
    with pytest.raises(CheckpointError, match="size mismatch for embed.weight"):
        load_model(path)
    save_file({**state, "embed.weight": torch.zeros(4, 2, dtype=torch.int64)}, str(path / "model.safetensors"))
    with pytest.raises(CheckpointError, match="'embed.weight' is stored as torch.int64"):
        load_model(path)
    save_file({k: v for k, v in state.items() if k != "head.bias"}, str(path / "model.safetensors"))
    with pytest.raises(CheckpointError, match="missing"):
        load_model(path)


def test_impossible_config_values_are_a_checkpoint_error(tmp_path):
    from engine.train.checkpoint import load_model

    path = save_checkpoint(tmp_path / "ck", small())
    _ask_for(path, n_hidden=-5)
    with pytest.raises(CheckpointError, match="cannot be built|invalid"):
        load_model(path)


@pytest.mark.parametrize("listed", ["../../../../etc/passwd", "/etc/passwd", "sub/spm.model", ".hidden", 7])
def test_archive_refuses_files_outside_the_checkpoint_folder(tmp_path, listed):
    from engine.train.checkpoint import archive_checkpoint

    path = save_checkpoint(tmp_path / "ck", small())
    (path / "sub").mkdir()
    (path / "sub" / "spm.model").write_text("x")
    (path / ".hidden").write_text("x")
    cfg = json.loads((path / "config.json").read_text())
    (path / "config.json").write_text(json.dumps({**cfg, "files": [listed]}))
    with pytest.raises(CheckpointError, match="not a plain file inside the checkpoint folder"):
        archive_checkpoint(path)


def test_archive_refuses_symbolic_links(tmp_path):
    import io
    import zipfile

    from engine.train.checkpoint import archive_checkpoint

    secret = tmp_path / "secret.txt"
    secret.write_text("not part of any model")
    path = save_checkpoint(tmp_path / "ck", small(), extra_files={"spm.model": b"tokenizer"})
    names = zipfile.ZipFile(io.BytesIO(archive_checkpoint(path))).namelist()
    assert sorted(names) == ["ck/config.json", "ck/model.safetensors", "ck/spm.model"]  # a listed plain file
    (path / "spm.model").unlink()
    (path / "spm.model").symlink_to(secret)
    with pytest.raises(CheckpointError, match="'spm.model' is not a plain file"):
        archive_checkpoint(path)
    (path / "spm.model").unlink()
    weights = path / "model.safetensors"
    weights.rename(tmp_path / "weights")
    weights.symlink_to(tmp_path / "weights")
    with pytest.raises(CheckpointError, match="'model.safetensors' is not a plain file"):
        archive_checkpoint(path)
