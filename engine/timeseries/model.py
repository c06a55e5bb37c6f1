"""LSTM/GRU forecasters in the notes' two shapes, with quantile outputs for prediction intervals.

The network reads a window of T input vectors x(1..T) (``n_input`` numbers each; one for a plain series)
with an LSTM or GRU (:func:`engine.nn.recurrent.make_rnn`), and from the last hidden state h(T) emits

* ``shape="many_to_one"``: the next value only, o = V h(T) + c; forecasting H steps **rolls it forward**,
  each prediction appended to the window as if it had been observed;
* ``shape="many_to_many"``: the next H values at once (a sequence-to-sequence forecaster whose decoder
  is one linear map from h(T) to H outputs).

Each output is not one number but ``len(quantiles)`` quantiles of the value, trained with the pinball
(quantile) loss ``ρ_τ(e) = max(τ e, (τ - 1) e)``, e = y - ŷ_τ, whose minimiser is the τ-quantile; the
0.1 and 0.9 quantiles bound an 80 % prediction interval, the 0.5 quantile is the point forecast.
Rolled forward, the intervals come from sample paths: each step draws a value from the predicted
quantiles (inverse-CDF sampling) and feeds it back, so uncertainty compounds with the horizon.

>>> torch.manual_seed(0) and None
>>> m = Forecaster(ForecasterConfig(shape="many_to_many", horizon=3, n_hidden=8, window=5))
>>> out, loss, _ = m(torch.zeros(2, 5), torch.zeros(2, 3))
>>> tuple(out.shape), loss.ndim        # (batch, H, quantiles)
((2, 3, 7), 0)
>>> # y = 1; ŷ_0.1 = 0 (e = 1: 0.1·1), ŷ_0.5 = 1 (e = 0), ŷ_0.9 = 2 (e = -1: (0.9 - 1)·(-1) = 0.1); mean 0.2 / 3
>>> round(pinball_loss(torch.tensor([[[0.0, 1.0, 2.0]]]), torch.tensor([[1.0]]), (0.1, 0.5, 0.9)).item(), 4)
0.0667
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from engine.nn.recurrent import make_rnn
from engine.timeseries.metrics import Forecast
from engine.timeseries.window import Scaler, windows_at

__all__ = ["CELLS", "SHAPES", "Forecaster", "ForecasterConfig", "forecast", "pinball_loss"]

CELLS = ("lstm", "gru")
SHAPES = ("many_to_one", "many_to_many")


@dataclass
class ForecasterConfig:
    """The forecaster's settings (CLI flags are generated from these fields)."""

    cell: str = field(default="lstm", metadata={"help": "recurrent cell", "choices": CELLS})
    shape: str = field(default="many_to_many", metadata={
        "help": "many_to_one: the next value, rolled forward; many_to_many: the next H values at once",
        "choices": SHAPES})
    window: int = field(default=24, metadata={"help": "input window T (steps of the past the model reads)"})
    horizon: int = field(default=12, metadata={"help": "values emitted at once H (many_to_many; 1 for many_to_one)"})
    n_input: int = field(default=1, metadata={"help": "numbers per input step (1 for a plain series)"})
    n_hidden: int = field(default=32, metadata={"help": "hidden units"})
    n_layer: int = field(default=1, metadata={"help": "stacked recurrent layers"})
    dropout: float = field(default=0.0, metadata={"help": "dropout between stacked layers and before the output"})
    quantiles: tuple[float, ...] = field(default=(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95), metadata={
        "help": "quantile levels τ of each output (sorted, inside (0, 1), including 0.5)"})

    def __post_init__(self) -> None:
        self.quantiles = tuple(float(q) for q in self.quantiles)
        if self.cell not in CELLS:
            raise ValueError(f"unknown cell {self.cell!r}; choose one of {CELLS}")
        if self.shape not in SHAPES:
            raise ValueError(f"unknown shape {self.shape!r}; choose one of {SHAPES}")
        if self.shape == "many_to_one":
            self.horizon = 1
        if min(self.window, self.horizon, self.n_input, self.n_hidden, self.n_layer) < 1:
            raise ValueError("window, horizon, n_input, n_hidden and n_layer must be >= 1")
        q = self.quantiles
        if list(q) != sorted(set(q)) or q[0] <= 0 or q[-1] >= 1 or 0.5 not in q:
            raise ValueError(f"quantiles must be sorted, distinct, inside (0, 1) and include 0.5; got {q}")
        if not 0 <= self.dropout < 1:
            raise ValueError("dropout must be in [0, 1)")

    @property
    def outputs(self) -> int:
        """Values emitted per window: H (many_to_many) or 1 (many_to_one)."""
        return self.horizon


def pinball_loss(pred: torch.Tensor, target: torch.Tensor, quantiles: tuple[float, ...]) -> torch.Tensor:
    """Mean pinball loss of quantile predictions ``pred`` (B, H, Q) against ``target`` (B, H)."""
    tau = torch.tensor(quantiles, dtype=pred.dtype, device=pred.device)
    e = target.unsqueeze(-1) - pred
    return torch.maximum(tau * e, (tau - 1) * e).mean()


class Forecaster(nn.Module):
    """A window of vectors in, quantiles of the next value(s) out: ``forward(inputs, targets, state)``.

    ``inputs``: (B, T) or (B, T, n_input), already scaled; ``targets``: (B, H) scaled, or None.
    Returns ``(out (B, H, Q), loss or None, state)``. ``scaler`` (set by the recipe, saved in the checkpoint)
    maps raw values to the network's scale; :func:`forecast` uses it.
    """

    kind = "forecaster"
    config_class = ForecasterConfig

    def __init__(self, config: ForecasterConfig):
        super().__init__()
        self.config = config
        self.rnn = make_rnn(config.cell, config.n_input, config.n_hidden, num_layers=config.n_layer,
                            dropout=config.dropout if config.n_layer > 1 else 0.0)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.n_hidden, config.outputs * len(config.quantiles))  # V, c
        self.scaler: Scaler | None = None
        self.series: str | None = None

    @classmethod
    def from_checkpoint(cls, config: ForecasterConfig, meta: dict) -> Forecaster:
        model = cls(config)
        if meta.get("scaler"):
            model.scaler = Scaler(**meta["scaler"])
        model.series = meta.get("series")
        return model

    def checkpoint_meta(self) -> dict:
        return {"scaler": None if self.scaler is None else self.scaler.to_dict(), "series": self.series}

    def forward(self, inputs: torch.Tensor, targets: torch.Tensor | None = None, state=None):
        x = inputs.unsqueeze(-1) if inputs.dim() == 2 else inputs
        out, state = self.rnn(x, state)
        q = self.head(self.drop(out[:, -1])).view(x.shape[0], self.config.outputs, len(self.config.quantiles))
        loss = None if targets is None else pinball_loss(q, targets, self.config.quantiles)
        return q, loss, state


def _quantiles(model: Forecaster, windows: np.ndarray) -> np.ndarray:
    """Raw-scale quantiles (N, outputs, Q) predicted from raw windows (N, T)."""
    z_in, _ = model.scaler.encode(windows)
    device = next(model.parameters()).device
    with torch.no_grad():
        q, _, _ = model(torch.as_tensor(z_in, dtype=torch.float32, device=device))
    q = np.sort(q.double().cpu().numpy(), axis=-1)  # quantiles never cross
    return model.scaler.decode(q, windows)


def _sample(levels: np.ndarray, q: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per row from the distribution whose quantiles at ``levels`` are ``q`` (rows, Q).

    Inverse-CDF sampling: u ~ U(0, 1), the value linearly interpolated between the two quantiles around u,
    and beyond the outermost ones extrapolated along the outer segment (so the tails are not cut off).
    """
    u = rng.uniform(size=len(q))
    seg = np.clip(np.searchsorted(levels, u) - 1, 0, len(levels) - 2)  # segment [levels[seg], levels[seg+1]]
    rows = np.arange(len(q))
    lo, hi = q[rows, seg], q[rows, seg + 1]
    return lo + (u - levels[seg]) * (hi - lo) / (levels[seg + 1] - levels[seg])


def forecast(model: Forecaster, values: np.ndarray, origins: np.ndarray, horizon: int, *, n_paths: int = 100,
             seed: int = 0, level: float = 0.8, method: str | None = None) -> Forecast:
    """The model's forecasts of ``values[o:o+horizon]`` from the window before each origin ``o``.

    many_to_many: the median and the quantiles (1 - level)/2, (1 + level)/2 come straight out (``horizon``
    may not exceed the model's H). many_to_one: ``n_paths`` sample paths rolled forward from each origin;
    the point forecast is their median, the interval their empirical quantiles.
    """
    c = model.config
    if model.scaler is None:
        raise ValueError("the model has no scaler (train it with engine.timeseries.recipe)")
    if c.n_input != 1:
        raise ValueError("forecast() rolls a plain series (n_input=1); call the model directly for vector inputs")
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    origins = np.asarray(origins, dtype=int)
    windows = windows_at(values, origins, c.window)
    name = method or f"{c.cell}-{c.shape}"
    model.eval()
    if c.shape == "many_to_many":
        if horizon > c.horizon:
            raise ValueError(f"this model forecasts at most {c.horizon} steps at once; asked for {horizon}")
        q = _quantiles(model, windows)[:, :horizon]
        levels = np.array(c.quantiles)
        pick = {p: np.array([np.interp(p, levels, row) for row in q.reshape(-1, len(levels))]).reshape(q.shape[:2])
                for p in (0.5, lo_q, hi_q)}
        return Forecast(name, origins, pick[0.5], pick[lo_q], pick[hi_q], level)
    rng = np.random.default_rng(seed)
    paths = np.repeat(windows, n_paths, axis=0)  # (N * P, T)
    levels = np.array(c.quantiles)
    drawn = np.empty((len(paths), horizon))
    for h in range(horizon):
        q = _quantiles(model, paths)[:, 0]
        drawn[:, h] = _sample(levels, q, rng)
        paths = np.concatenate([paths[:, 1:], drawn[:, h:h + 1]], axis=1)
    drawn = drawn.reshape(len(origins), n_paths, horizon)
    point, lower, upper = (np.quantile(drawn, p, axis=1) for p in (0.5, lo_q, hi_q))
    return Forecast(name, origins, point, lower, upper, level)
