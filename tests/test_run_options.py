"""RunOptions: the run every recipe shares (folder, provenance, listeners, device, resume, rank)."""

import json
from dataclasses import replace

import pytest
import torch

from engine.captioning.recipe import captioner_trainer
from engine.lm.model import CharLMConfig
from engine.lm.recipe import CharLMData, charlm_trainer
from engine.seq2seq.recipe import translator_trainer
from engine.train.run_options import RunOptions
from engine.train.trainer import TrainConfig

SMALL = CharLMConfig(cell="lstm", n_layer=1, n_hidden=16, n_embd=8, dropout=0.0)
DATA = CharLMData(batch_size=4, seq_len=16, eval_batch_size=2, eval_seq_len=32)
TRAIN = TrainConfig(max_steps=4, lr=1e-2, warmup_steps=1, eval_every=2, checkpoint_every=2, seed=0)


def test_run_options_and_keywords_are_the_same_run(tiny_text, tmp_path):
    """``charlm_trainer(..., RunOptions(...))`` and ``charlm_trainer(..., run_dir=..., ...)`` train identically."""
    runs = {}
    for name, how in (("object", "options"), ("keywords", "keywords")):
        events: list = []
        fields = dict(run_dir=tmp_path / name, provenance={"corpus": "tiny"}, listeners=[events.append], device="cpu")
        if how == "options":
            trainer = charlm_trainer(tiny_text, SMALL, DATA, TRAIN, RunOptions(**fields))
        else:
            trainer = charlm_trainer(tiny_text, SMALL, DATA, TRAIN, **fields)
        assert trainer.run_dir == tmp_path / name and trainer.device == torch.device("cpu")
        assert trainer.fit() == "done"
        meta = json.loads((tmp_path / name / "last" / "config.json").read_text())["meta"]
        assert meta["provenance"] == {"corpus": "tiny"} and meta["data"]["seq_len"] == DATA.seq_len
        runs[name] = (trainer, [e.data["loss"] for e in events if e.kind == "step"])
    (a, losses_a), (b, losses_b) = runs["object"], runs["keywords"]
    assert len(losses_a) == TRAIN.max_steps and losses_a == losses_b
    for (name, x), y in zip(a.model.state_dict().items(), b.model.state_dict().values()):
        assert torch.equal(x, y), name
    # a keyword changes one field of a given RunOptions
    assert charlm_trainer(tiny_text, SMALL, DATA, TRAIN, RunOptions(device="cpu"), run_dir=None).run_dir is None


def test_resumed_gives_the_runs_own_config_and_vocabulary(tiny_text, tmp_path):
    run = RunOptions(run_dir=tmp_path / "run", device="cpu")
    assert run.resumed(CharLMConfig) is None  # nothing written yet: a new run
    charlm_trainer(tiny_text, SMALL, DATA, TRAIN, run).fit()
    config, meta, last = run.resumed(CharLMConfig)
    assert last == tmp_path / "run" / "last"
    assert replace(config, vocab_size=None) == SMALL and config.vocab_size == len(meta["vocab"])
    assert replace(run, resume=False).resumed(CharLMConfig) is None
    # resuming keeps the run's architecture and vocabulary, whatever is asked for now
    with pytest.warns(UserWarning, match="max_steps 4 -> 6"):
        again = charlm_trainer(tiny_text + "@#", replace(SMALL, n_hidden=32), DATA, replace(TRAIN, max_steps=6), run)
    assert again.step == TRAIN.max_steps and again.model.config.n_hidden == SMALL.n_hidden
    assert again.model.vocab.chars == meta["vocab"]
    fresh = charlm_trainer(tiny_text, replace(SMALL, n_hidden=32), DATA, TRAIN, replace(run, resume=False))
    assert fresh.step == 0 and fresh.model.config.n_hidden == 32


def test_run_dir_with_a_tilde_is_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert RunOptions(run_dir="~/runs/x").folder == tmp_path / "runs" / "x"
    assert RunOptions().folder is None


def test_bad_run_options_are_typed_errors():
    with pytest.raises(ValueError, match="rank must be in"):
        RunOptions(rank=1, world_size=1)
    with pytest.raises(ValueError, match="world_size must be >= 1"):
        RunOptions(world_size=0)
    # a misspelt keyword is caught by every recipe before it touches the data
    for make in (lambda: charlm_trainer("", SMALL, DATA, TRAIN, run_dirr="x"),
                 lambda: translator_trainer([], None, None, TRAIN, run_dirr="x"),
                 lambda: captioner_trainer(None, None, None, None, TRAIN, run_dirr="x")):
        with pytest.raises(TypeError, match=r"unknown run option\(s\) \['run_dirr'\]"):
            make()
