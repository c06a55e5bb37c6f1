"""The two ECG models: an LSTM that predicts the next samples of the signal (its error is the anomaly score),
and a many-to-one LSTM that reads a window around a beat and answers "normal" or "abnormal".

Both are the lecture's LSTM (:func:`engine.nn.make_rnn`): the gates i, f, o and the candidate g read the input
x(t) through U and the previous hidden state h(t-1) through W, the cell state c(t) = f * c(t-1) + i * g carries
the rhythm from beat to beat, and an output layer V, c (the lecture's letters) reads h(t):

* :class:`ECGPredictor` is **many-to-many**: at every step t it outputs the next ``horizon`` samples
  x(t+1) ... x(t+H) (o(t) = V h(t) + c). Trained only on normal rhythm, it predicts normal beats well and is
  surprised by a beat that comes early or looks different: the squared error is the anomaly score.
* :class:`ECGBeatClassifier` is **many-to-one** (the notes' "ECG analysis"): it reads a window of the signal
  from ``before`` seconds ahead of the beat's R peak to ``after`` seconds past it, ``frame`` samples per step
  (x(t) is a vector of 4 consecutive samples: 42 steps instead of 168, so the previous beat is 20-30 steps back,
  not 60-100), and outputs two logits (normal, abnormal) from the last hidden state. The window starts before
  the previous beat, so the LSTM can see how early this one came (an atrial premature beat looks like a normal
  one, but comes too soon).

Inputs are in mV; each model standardises them with the mean and standard deviation of the training part
(``mean``, ``std`` in its config, set by the recipe).

>>> import torch
>>> m = ECGPredictor(ECGPredictorConfig(n_hidden=8, horizon=3))
>>> pred, loss, state = m(torch.zeros(2, 5), torch.zeros(2, 5, 3))
>>> tuple(pred.shape), loss.ndim
((2, 5, 3), 0)
>>> c = ECGBeatClassifier(ECGClassifierConfig(n_hidden=8))
>>> logits, loss, _ = c(torch.zeros(4, c.config.window), torch.tensor([0, 1, 0, 1]))
>>> tuple(logits.shape), c.config.window
((4, 2), 168)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from engine.nn.recurrent import make_rnn

__all__ = ["ECGBeatClassifier", "ECGClassifierConfig", "ECGPredictor", "ECGPredictorConfig"]


@dataclass
class ECGPredictorConfig:
    """The next-samples LSTM (defaults: the shipped ``ecg-predictor``)."""

    n_hidden: int = field(default=48, metadata={"help": "LSTM hidden units"})
    n_layer: int = field(default=1, metadata={"help": "stacked LSTM layers"})
    horizon: int = field(default=12, metadata={"help": "samples predicted at each step (12 = 0.1 s at 120 Hz)"})
    mean: float = field(default=0.0, metadata={"help": "input mean in mV (set from the training part)"})
    std: float = field(default=1.0, metadata={"help": "input standard deviation in mV (training part)"})

    def __post_init__(self) -> None:
        if self.n_hidden < 1 or self.n_layer < 1 or self.horizon < 1:
            raise ValueError("n_hidden, n_layer and horizon must be >= 1")
        if not self.std > 0:
            raise ValueError("std must be > 0")


class ECGPredictor(nn.Module):
    """x(1..T) -> at each t, predictions of x(t+1..t+H) in mV; loss: mean squared error in standard units."""

    kind = "ecg-predictor"
    config_class = ECGPredictorConfig

    def __init__(self, config: ECGPredictorConfig):
        super().__init__()
        self.config = config
        self.rnn = make_rnn("lstm", 1, config.n_hidden, config.n_layer)
        self.head = nn.Linear(config.n_hidden, config.horizon)  # V, c

    def forward(self, inputs: torch.Tensor, targets: torch.Tensor | None = None, state=None):
        """``inputs`` (B, T) in mV; ``targets`` (B, T, H): ``targets[:, t, h] = x(t + 1 + h)``."""
        cfg = self.config
        out, state = self.rnn(((inputs - cfg.mean) / cfg.std).unsqueeze(-1), state)
        z = self.head(out)
        loss = None if targets is None else F.mse_loss(z, (targets - cfg.mean) / cfg.std)
        return z * cfg.std + cfg.mean, loss, state


@dataclass
class ECGClassifierConfig:
    """The many-to-one beat classifier (defaults: the shipped ``ecg-classifier``)."""

    n_hidden: int = field(default=32, metadata={"help": "LSTM hidden units"})
    n_layer: int = field(default=1, metadata={"help": "stacked LSTM layers"})
    fs: float = field(default=120.0, metadata={"help": "sampling rate of the windows in Hz"})
    before: float = field(default=1.0, metadata={"help": "seconds of signal before the beat's R peak"})
    after: float = field(default=0.4, metadata={"help": "seconds of signal after the R peak"})
    frame: int = field(default=4, metadata={"help": "samples per LSTM step: x(t) is a vector of this many "
                                                    "consecutive samples (4 = 33 ms at 120 Hz)"})
    mean: float = field(default=0.0, metadata={"help": "input mean in mV (set from the training part)"})
    std: float = field(default=1.0, metadata={"help": "input standard deviation in mV (training part)"})

    def __post_init__(self) -> None:
        if self.n_hidden < 1 or self.n_layer < 1:
            raise ValueError("n_hidden and n_layer must be >= 1")
        if self.before < 0 or self.after <= 0 or self.fs <= 0 or not self.std > 0:
            raise ValueError("before must be >= 0; after, fs and std > 0")
        if self.frame < 1 or self.window % self.frame:
            raise ValueError(f"the window of {self.window} samples must split into frames of {self.frame}")

    @property
    def before_samples(self) -> int:
        return int(round(self.before * self.fs))

    @property
    def window(self) -> int:
        """Samples in one window (before + after)."""
        return self.before_samples + int(round(self.after * self.fs))


class ECGBeatClassifier(nn.Module):
    """A window around a beat (B, T) in mV -> logits (B, 2) for (normal, abnormal); loss: cross-entropy."""

    kind = "ecg-classifier"
    config_class = ECGClassifierConfig

    def __init__(self, config: ECGClassifierConfig):
        super().__init__()
        self.config = config
        self.rnn = make_rnn("lstm", config.frame, config.n_hidden, config.n_layer)
        self.head = nn.Linear(config.n_hidden, 2)  # V, c on the last hidden state h(T)

    def forward(self, inputs: torch.Tensor, targets: torch.Tensor | None = None, state=None):
        cfg = self.config
        if inputs.ndim != 2 or inputs.shape[1] != cfg.window:
            raise ValueError(f"expected windows of shape (batch, {cfg.window}), got {tuple(inputs.shape)}")
        frames = ((inputs - cfg.mean) / cfg.std).reshape(len(inputs), -1, cfg.frame)  # (B, T / frame, frame)
        out, state = self.rnn(frames, state)
        logits = self.head(out[:, -1])
        loss = None if targets is None else F.cross_entropy(logits, targets)
        return logits, loss, state

    @torch.no_grad()
    def p_abnormal(self, windows: torch.Tensor) -> torch.Tensor:
        """P(abnormal) of each window (B,)."""
        return torch.softmax(self(windows)[0].float(), dim=-1)[:, 1]
