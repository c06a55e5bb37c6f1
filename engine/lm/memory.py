"""How much memory a char-LM training run takes, before it starts: what the Train page's cap is checked against.

Parameter caps bound the model, not the run: a 2.4M-parameter LSTM (1 x 768) fits a 4M cap, but
training it on batch 128 x 256 characters with backpropagation through time keeps every step's
activations, about 2.4 GB. :func:`estimate_run_memory` counts both, in bytes (fp32 on the CPU):

* parameters: 4 copies of every weight (the weights ``U, W, V, b, c``, their gradients and AdamW's
  two moment estimates);
* activations of one training step, per position of the batch (``batch_size * seq_len`` of them):
  what the recurrence keeps for backpropagation through time, ``k * H`` floats per layer of ``H``
  units plus ``t * H`` for the top layer's backward pass (the cell's per-step saved tensors: the
  LSTM's input/forget/output gates, candidate and cell state; the GRU's update/reset gates and
  candidate; the RNN's ``h_t``; and the gradients alive at the peak); the embedding ``x_t`` (E) and
  its gradient; the logits ``o_t = V h_t + c``, their log-softmax and gradients, ``v`` floats per
  vocabulary symbol; the batch's ids; and with dropout its masks and outputs, ``(L + 1) * H``;
* or the validation pass when that is bigger (no gradients: ``eval_batch_size * eval_seq_len``
  positions of ``5.5 H + 1.6 V + 2 E`` floats).

``k``, ``t`` and ``v`` (:data:`CELL_FLOATS`) were measured as the peak bytes torch's CPU allocator
holds while :class:`~engine.train.trainer.Trainer` builds the model and optimizer and runs two
training steps (:func:`measure_run_memory`, which replays every allocation the profiler records) at
H = 256, batch 32 x 128, 1-3 layers, and rounded up. ``python benchmarks/bench_run_memory.py``
compares estimate and measurement for ten runs across the page's settings (every cell, fused and
from scratch, 1-3 layers, H 128-768, batches 2 x 16 to 64 x 256, 65-500 symbols, dropout): the
estimate is 0-6 % above the measured peak, 10-17 % above for a one-layer from-scratch GRU and for
small models with dropout; ``tests/test_run_memory.py`` holds it to [-5 %, +25 %] on five more.
For the run of issue 15 (LSTM 1 x 768, E 64, 128 x 256) the estimate is 2,397 MB, the allocator's
peak 2,330 MB and the process's peak resident memory 1,736 MB (oneDNN's workspace is allocated
whole but not all of it is touched); small runs can be resident up to ~1.5x their allocator peak
(the C allocator's slack). Not counted: the text and its ids (a few bytes per character) and what
every process holds anyway (torch's code, the app, loaded models).

Example: the run that took the public app down (issue 15), and a small one::

    >>> from engine.lm.memory import estimate_run_memory
    >>> from engine.lm.recipe import CharLMData
    >>> big = dict(cell="lstm", n_layer=1, n_hidden=768, n_embd=64, dropout=0.0)
    >>> round(estimate_run_memory(65, big, CharLMData(batch_size=128, seq_len=256, bptt="full")) / 1e6)
    2397
    >>> small = dict(cell="lstm", n_layer=2, n_hidden=128, n_embd=32, dropout=0.0)
    >>> round(estimate_run_memory(65, small, CharLMData(batch_size=32, seq_len=64)) / 1e6)
    48
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Callable

import torch

from engine.device import on_meta
from engine.lm.model import CharLM, CharLMConfig
from engine.lm.recipe import CharLMData

__all__ = ["CELL_FLOATS", "estimate_run_memory", "measure_run_memory", "peak_allocated_bytes", "train_steps"]

#: (cell, fused) -> (k, t, v): floats kept per position, ``k * H`` per layer, ``t * H`` more for the top
#: layer's backward pass, ``v * V`` for the vocabulary. Measured by :func:`measure_run_memory` at H = 256,
#: batch 32 x 128, V = 65 and 1065, E = 32, 1-3 layers (torch 2.x, CPU), and rounded up.
CELL_FLOATS: dict[tuple[str, bool], tuple[float, float, float]] = {
    ("lstm", True): (17.5, 5.5, 2.6),  # oneDNN keeps the 4 gates, c_t, h_t and a workspace
    ("gru", True): (7.7, 2.3, 3.4),
    ("rnn", True): (1.9, 0.6, 3.8),
    ("lstm", False): (8.4, 0.0, 3.8),  # engine.nn.cells: autograd keeps each step's gate tensors
    ("gru", False): (9.4, 0.0, 3.8),
    ("rnn", False): (2.4, 0.3, 3.8),
}
EMBD_FLOATS = 2.0  # x_t and its gradient
IDS_FLOATS = 4.0  # the batch's int64 inputs and targets: 16 bytes
EVAL_FLOATS = (5.5, 1.6, 2.0)  # validation (no gradients): per H, per V, per E
PARAM_COPIES = 4  # weights, gradients, AdamW's first and second moments
FLOAT_BYTES = 4


def _config(vocab_size: int, model_config: dict | CharLMConfig) -> CharLMConfig:
    if isinstance(model_config, CharLMConfig):
        return dataclasses.replace(model_config, vocab_size=vocab_size)
    return CharLMConfig(vocab_size=vocab_size, **model_config)


def estimate_run_memory(vocab_size: int, model_config: dict | CharLMConfig, data: CharLMData) -> int:
    """Bytes a char-LM training run with these settings needs at its peak (see the module docstring).

    ``model_config`` is a :class:`~engine.lm.model.CharLMConfig` or its fields as a dict (its
    ``vocab_size`` is ``vocab_size``).
    """
    cfg = _config(vocab_size, model_config)
    with on_meta():  # the exact parameter count, no memory used
        n_params = CharLM(cfg).num_params()
    H, L, E, V = cfg.n_hidden, cfg.n_layer, cfg.n_embd, cfg.vocab_size
    k, t, v = CELL_FLOATS[(cfg.cell, cfg.fused)]
    per_position = (k * H * L + t * H  # the recurrence, kept for backpropagation through time   (B, T, H) tensors
                    + EMBD_FLOATS * E + v * V + IDS_FLOATS  # x_t (B, T, E), o_t (B, T, V), ids (B, T)
                    + ((L + 1) * H if cfg.dropout > 0 else 0.0))  # dropout masks and dropped outputs
    train = data.batch_size * data.seq_len * per_position
    eval_h, eval_v, eval_e = EVAL_FLOATS
    validation = data.eval_batch_size * data.eval_seq_len * (eval_h * H + eval_v * V + eval_e * E)
    return int(FLOAT_BYTES * (PARAM_COPIES * n_params + max(train, validation)))


def peak_allocated_bytes(fn: Callable[[], object]) -> int:
    """Peak bytes torch's CPU allocator held while ``fn()`` ran, above what it held before.

    Replays, in time order, every allocation and free the profiler recorded: a count of bytes, not a
    timing, so it is the same on every run and on every machine with the same torch build. Only this
    thread's allocations are recorded (a training run in another thread does not disturb it).
    """
    from torch.profiler import ProfilerActivity, profile

    # Free what earlier work left in reference cycles now: the profiler remembers blocks it saw
    # allocated in an earlier session and would count their frees here, below this function's baseline.
    gc.collect()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    records = sorted((e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"),
                     key=lambda e: e.start_ns())
    held = peak = 0
    for record in records:
        held += record.nbytes()  # negative for a free
        peak = max(peak, held)
    return peak


def train_steps(vocab_size: int, model_config: dict | CharLMConfig, data: CharLMData, steps: int = 2,
                validate: bool = False) -> None:
    """Build the model and optimizer and run ``steps`` real training steps on the CPU, on random characters.

    The steps are :class:`~engine.train.trainer.Trainer`'s own (forward, cross-entropy, backward,
    gradient clipping, AdamW); memory does not depend on which characters. ``validate`` also runs one
    validation pass over ``eval_batch_size * eval_seq_len`` characters.
    """
    from engine.data.batch import Batch
    from engine.train.trainer import TrainConfig, Trainer

    cfg = _config(vocab_size, model_config)
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(1, vocab_size, (data.batch_size, data.seq_len + 1), generator=gen)  # (B, T+1)
    batch = Batch(ids[:, :-1], ids[:, 1:], carry=data.bptt == "truncated")
    val = torch.randint(1, vocab_size, (data.eval_batch_size, data.eval_seq_len + 1), generator=gen)
    val_batches = [Batch(val[:, :-1], val[:, 1:])]
    trainer = Trainer(CharLM(cfg), lambda step: batch, TrainConfig(max_steps=steps, warmup_steps=0), device="cpu",
                      eval_batches=(lambda: val_batches) if validate else None)
    trainer.fit()


def measure_run_memory(vocab_size: int, model_config: dict | CharLMConfig, data: CharLMData, steps: int = 2,
                       validate: bool = False) -> int:
    """Peak bytes torch's CPU allocator holds during :func:`train_steps`: what :func:`estimate_run_memory`
    is calibrated against."""
    return peak_allocated_bytes(lambda: train_steps(vocab_size, model_config, data, steps, validate))
