"""The Train page's memory estimate against the memory real training steps take (issue 15: parameter caps
bound the model, not the run).

Measured as the peak bytes torch's CPU allocator holds while the real trainer builds the model and runs two
steps and a validation pass (a replay of the profiler's allocation records: bytes, not times). The
constants were fitted at H = 256; these smaller runs check that the estimate carries over to other sizes,
cells and implementations, and errs on the high side. ``benchmarks/bench_run_memory.py`` prints the same
comparison for runs the size of the page's largest settings.
"""

import pytest

from engine.lm.memory import estimate_run_memory, measure_run_memory, peak_allocated_bytes
from engine.lm.model import CharLMConfig
from engine.lm.recipe import CharLMData

pytestmark = pytest.mark.hardening  # issue 15: listed in docs/reliability.md


@pytest.mark.parametrize("model, data", [
    (CharLMConfig(cell="lstm", n_layer=2, n_hidden=64, n_embd=16, dropout=0.0),
     CharLMData(batch_size=16, seq_len=64, eval_batch_size=2, eval_seq_len=32)),
    (CharLMConfig(cell="gru", n_layer=1, n_hidden=128, n_embd=16, dropout=0.2),
     CharLMData(batch_size=16, seq_len=32, eval_batch_size=2, eval_seq_len=32)),
    (CharLMConfig(cell="rnn", n_layer=2, n_hidden=64, n_embd=16, dropout=0.0, fused=False),
     CharLMData(batch_size=8, seq_len=32, eval_batch_size=2, eval_seq_len=32)),
    (CharLMConfig(cell="lstm", n_layer=1, n_hidden=64, n_embd=16, dropout=0.0, fused=False, peephole=True),
     CharLMData(batch_size=8, seq_len=32, eval_batch_size=2, eval_seq_len=32)),
    (CharLMConfig(cell="lstm", n_layer=1, n_hidden=128, n_embd=16, dropout=0.0),  # validation is the peak
     CharLMData(batch_size=1, seq_len=8, eval_batch_size=16, eval_seq_len=64)),
], ids=["lstm-2x64", "gru-dropout", "rnn-scratch", "lstm-peephole", "validation"])
def test_estimate_is_within_25_percent_above_the_measured_peak(model: CharLMConfig, data: CharLMData) -> None:
    estimate = estimate_run_memory(30, model, data)
    measured = measure_run_memory(30, model, data, validate=True)
    assert 0.95 * measured <= estimate <= 1.25 * measured, (estimate, measured)


def test_estimate_grows_with_what_bptt_keeps() -> None:
    def data(batch: int, seq: int) -> CharLMData:
        return CharLMData(batch_size=batch, seq_len=seq, eval_batch_size=2, eval_seq_len=32)  # training is the peak

    model = CharLMConfig(cell="lstm", n_layer=1, n_hidden=256, n_embd=32, dropout=0.0)
    base = estimate_run_memory(65, model, data(32, 64))
    assert estimate_run_memory(65, model, data(64, 64)) > 1.8 * base  # twice the batch
    assert estimate_run_memory(65, model, data(32, 128)) > 1.8 * base  # twice the length
    rnn = CharLMConfig(cell="rnn", n_layer=1, n_hidden=256, n_embd=32, dropout=0.0)
    assert estimate_run_memory(65, rnn, data(32, 64)) < base / 3  # h_t only, no gates
    as_dict = {"cell": "lstm", "n_layer": 1, "n_hidden": 256, "n_embd": 32, "dropout": 0.0}
    assert estimate_run_memory(65, as_dict, data(32, 64)) == base


def test_peak_allocated_bytes_counts_what_is_alive_at_once() -> None:
    import torch

    def work():
        a = torch.empty(1_000_000)  # 4 MB
        b = torch.empty(500_000)  # 2 MB: 6 MB alive
        del a, b
        torch.empty(1_000_000)  # 4 MB, after the others were freed

    assert peak_allocated_bytes(work) == pytest.approx(6_000_000, abs=10_000)
