"""Data-parallel training under torchrun: 2 CPU processes (gloo) end with identical weights."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import engine


@pytest.mark.slow
def test_two_cpu_ranks_end_identical(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "RNN_DEVICE": "cpu",
           "PYTHONPATH": str(Path(engine.__file__).parent.parent)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(Path(__file__).parent / "ddp_worker.py"), str(tmp_path)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    info = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert all(i["status"] == "done" and i["world"] == 2 and i["distributed"] for i in info)
    assert info[0]["batch_sums"] != info[1]["batch_sums"]  # each rank trained on its own share of the data
    w0, w1 = (load_file(str(tmp_path / f"rank{r}.safetensors")) for r in (0, 1))
    assert w0.keys() == w1.keys()
    for k in w0:
        assert torch.equal(w0[k], w1[k]), k
    # only rank 0 writes checkpoints
    assert (tmp_path / "run" / "last" / "model.safetensors").is_file()
