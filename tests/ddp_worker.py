"""Run by tests/test_ddp.py under torchrun: trains a tiny char-LM data-parallel, saves each rank's weights."""

import json
import sys
from pathlib import Path

from conftest import make_text  # a script run by torchrun: its folder (tests/) is on sys.path
from safetensors.torch import save_file

from engine.lm.model import CharLMConfig
from engine.lm.recipe import CharLMData, charlm_trainer
from engine.train.distributed import distributed_context
from engine.train.run_options import RunOptions
from engine.train.trainer import TrainConfig

out = Path(sys.argv[1])
with distributed_context("cpu") as (rank, world, device):
    seen = []
    trainer = charlm_trainer(
        make_text(8000), CharLMConfig(n_layer=1, n_hidden=16, n_embd=8, dropout=0.1),
        CharLMData(batch_size=2, seq_len=16, eval_batch_size=2, eval_seq_len=32),
        TrainConfig(max_steps=8, eval_every=4, checkpoint_every=4, warmup_steps=1, seed=0),
        RunOptions(run_dir=out / "run", device=device, rank=rank, world_size=world, resume=False))
    batches = trainer.train_batches
    trainer.train_batches = lambda s: (seen.append(batches(s).inputs.sum().item()), batches(s))[1]
    status = trainer.fit()
    save_file({k: v.contiguous() for k, v in trainer.model.state_dict().items()}, str(out / f"rank{rank}.safetensors"))
    (out / f"rank{rank}.json").write_text(json.dumps({"status": status, "world": world, "batch_sums": seen,
                                                      "distributed": trainer.distributed}))
