r"""The notes' RNN architectures, run on the tiny RNN of :mod:`engine.lab.step` with BPTT checked by autograd.

* **many-to-many, synced** (다대다): an output and a loss at every step; the char-LM (inputs ``hell``,
  targets ``ello``).
* **many-to-one** (다대일): the whole sequence is read, only the last output has a loss (a classifier:
  sentiment; here: read ``hell``, predict ``o``).
* **one-to-many** (일대다): one input x(1), then the notes' all-zero dummy inputs (``inputs="zeros"``) or
  the previous output fed back as the next input (``inputs="feedback"``: the one-hot code of its most likely
  class, as when generating text or a caption); a loss at every step.
* **sequence-to-sequence** (문장 대 문장: many-to-one + one-to-many): an encoder reads the source and
  passes its last state h(T) as the decoder's h(0); the decoder, with its own U, W, b, V, c, writes the
  target. A word is encoded whole and decoded reversed (``hello`` → ``olleh``); the decoder reads a zero
  vector first and then the previous target character (teacher forcing, as in training).

Each run returns the forward numbers, BPTT (the decoder's ∂L/∂h(0) is the error the encoder receives at
its last state) and autograd's gradients of the same loss, computed independently with the engine's cells.

    >>> from engine.lab.step import RNNParams, word_sequence
    >>> seq = word_sequence("hello")
    >>> run = run_architecture("many_to_one", RNNParams.random(4, 3, 4, seed=0), seq)
    >>> run.forward.mask.tolist()                       # only the last step has a loss
    [False, False, False, True]
    >>> run.max_difference() < 1e-12                    # BPTT's sums = autograd's gradients
    True
    >>> dec = RNNParams.random(4, 3, 4, seed=1)
    >>> s2s = run_architecture("seq2seq", RNNParams.random(4, 3, 4, seed=0), seq, decoder=dec)
    >>> s2s.source_labels, s2s.target_labels
    (('h', 'e', 'l', 'l', 'o'), ('o', 'l', 'l', 'e', 'h'))
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from engine.lab.bptt import Backward, autograd_gradients, bptt_steps, output_loss, rollout
from engine.lab.step import DTYPE, Forward, LabInputError, RNNParams, StepSequence, forward_steps, one_hot

__all__ = ["ARCHITECTURES", "ONE_TO_MANY_INPUTS", "ArchitectureRun", "run_architecture"]

#: The architectures of the notes, in the order the page shows them.
ARCHITECTURES = ("many_to_one", "one_to_many", "many_to_many", "seq2seq")
#: What a one-to-many RNN reads after x(1): the notes' all-zero dummy vector, or its own previous output.
ONE_TO_MANY_INPUTS = ("zeros", "feedback")


@dataclass(frozen=True)
class ArchitectureRun:
    """One architecture on the tiny RNN: forward, BPTT and autograd (the decoder's, plus the encoder's)."""

    kind: str
    forward: Forward  # the RNN with the outputs (seq2seq: the decoder)
    backward: Backward
    autograd: dict[str, Tensor]  # ∂L/∂θ by autograd; seq2seq: also "encoder U", "encoder W", "encoder b"
    classes: tuple[str, ...]
    input_labels: tuple[str, ...]  # what x(t) is at each step of `forward` ("0" for an all-zero input)
    encoder: Forward | None = None
    encoder_backward: Backward | None = None
    source_labels: tuple[str, ...] = ()  # seq2seq: what the encoder reads

    @property
    def loss(self) -> float:
        return self.forward.loss

    @property
    def predicted_labels(self) -> tuple[str, ...]:
        """The most likely class at every step."""
        return tuple(self.classes[i] for i in self.forward.y_hat.argmax(dim=1).tolist())

    @property
    def target_labels(self) -> tuple[str, ...]:
        return tuple(self.classes[i] for i in self.forward.targets.tolist())

    def bptt_gradients(self) -> dict[str, Tensor]:
        """∂L/∂θ from BPTT's sums, named as :attr:`autograd` names them."""
        grads = dict(self.backward.grads)
        if self.encoder_backward is not None:
            enc = self.encoder_backward.grads
            grads.update({f"encoder {n}": enc[n] for n in ("U", "W", "b")})
        return grads

    def max_difference(self) -> float:
        """The largest |BPTT − autograd| over every entry of every gradient."""
        bptt = self.bptt_gradients()
        return max(float((bptt[n] - self.autograd[n]).abs().max()) for n in bptt)


def _zero_inputs(first: Tensor, T: int) -> Tensor:
    xs = torch.zeros(T, first.shape[0], dtype=DTYPE)
    xs[0] = first
    return xs


def run_architecture(kind: str, params: RNNParams, seq: StepSequence, *, inputs: str = "zeros",
                     decoder: RNNParams | None = None) -> ArchitectureRun:
    """Run ``kind`` (one of :data:`ARCHITECTURES`) on ``seq`` with θ = ``params``.

    ``inputs``: for one-to-many, what follows x(1) (:data:`ONE_TO_MANY_INPUTS`). ``decoder``: the
    seq2seq decoder's θ (d = q of the encoder's classes, the same p).
    """
    if kind not in ARCHITECTURES:
        raise LabInputError(f"unknown architecture {kind!r}; use one of {', '.join(ARCHITECTURES)}")
    if kind == "seq2seq":
        return _seq2seq(params, seq, decoder)
    T, labels = seq.T, seq.input_labels
    xs, mask, feed_back = seq.xs, None, False
    if kind == "many_to_one":
        mask = torch.arange(T) == T - 1
    elif kind == "one_to_many":
        if inputs not in ONE_TO_MANY_INPUTS:
            raise LabInputError(f"one-to-many inputs must be one of {', '.join(ONE_TO_MANY_INPUTS)}, got {inputs!r}")
        feed_back = inputs == "feedback"
        xs = _zero_inputs(seq.xs[0], T)
    fw = forward_steps(params, xs, seq.targets, mask=mask, feed_back=feed_back)
    if kind == "one_to_many":
        rest = (seq.classes[int(i)] for i in fw.xs[1:].argmax(dim=1)) if feed_back else ("0",) * (T - 1)
        labels = (labels[0], *rest)
    return ArchitectureRun(kind=kind, forward=fw, backward=bptt_steps(fw), autograd=autograd_gradients(fw),
                           classes=seq.classes, input_labels=tuple(labels))


def _seq2seq(encoder: RNNParams, seq: StepSequence, decoder: RNNParams | None) -> ArchitectureRun:
    if decoder is None:
        raise LabInputError("sequence-to-sequence needs the decoder's own weights (decoder=RNNParams)")
    q = len(seq.classes)
    if decoder.d != q or decoder.q != q or decoder.p != encoder.p:
        raise LabInputError(f"the decoder must read and write the {q} classes with the encoder's p = {encoder.p}: "
                            f"d = q = {q}, got d = {decoder.d}, p = {decoder.p}, q = {decoder.q}")
    if seq.word is not None:  # encode the word, decode it reversed
        index = [seq.classes.index(ch) for ch in seq.word]
        src, src_labels = one_hot(index, q), tuple(seq.word)
        if encoder.d != q:
            raise LabInputError(f"the encoder reads one-hot characters: d must be {q}, got {encoder.d}")
        target = torch.tensor(index[::-1])
    else:  # encode the numbers, decode their target classes reversed
        src, src_labels, target = seq.xs, seq.input_labels, seq.targets.flip(0)
    enc_fw = forward_steps(encoder, src)  # no loss at the encoder
    dec_in = torch.cat([torch.zeros(1, q, dtype=DTYPE), one_hot(target[:-1], q)])  # zero, then teacher forcing
    dec_fw = forward_steps(decoder, dec_in, target, h0=enc_fw.h[-1])
    dec_back = bptt_steps(dec_fw)
    enc_back = bptt_steps(enc_fw, dh_final=dec_back.dh0)
    labels = ("0", *(seq.classes[i] for i in target[:-1].tolist()))
    return ArchitectureRun(kind="seq2seq", forward=dec_fw, backward=dec_back,
                           autograd=_seq2seq_autograd(enc_fw, dec_fw), classes=seq.classes, input_labels=labels,
                           encoder=enc_fw, encoder_backward=enc_back, source_labels=src_labels)


def _seq2seq_autograd(enc_fw: Forward, dec_fw: Forward) -> dict[str, Tensor]:
    """One autograd graph through both RNNs (the engine's cells): the encoder's gradients come through h(0)."""
    enc_cell, dec_cell = enc_fw.params.to_cell(), dec_fw.params.to_cell()
    V = dec_fw.params.V.clone().requires_grad_(True)
    c = dec_fw.params.c.clone().requires_grad_(True)
    enc_h = rollout(enc_cell, enc_fw.xs, enc_fw.h0)
    dec_h = rollout(dec_cell, dec_fw.xs, enc_h[-1])
    loss = output_loss(V, c, dec_h, dec_fw)
    leaves = {"U": dec_cell.U, "W": dec_cell.W, "b": dec_cell.b, "V": V, "c": c,
              "encoder U": enc_cell.U, "encoder W": enc_cell.W, "encoder b": enc_cell.b}
    grads = torch.autograd.grad(loss, list(leaves.values()))
    return {name: g.detach() for name, g in zip(leaves, grads)}
