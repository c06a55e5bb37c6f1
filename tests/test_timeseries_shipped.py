"""The shipped forecasters: one many-to-one and one many-to-many LSTM for every series the page offers; their cards
match the files, and the precomputed forecasts the page draws are what the shipped weights compute."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.timeseries.baselines import naive
from engine.timeseries.compare import comparison_from_dict
from engine.timeseries.metrics import error_table
from engine.timeseries.model import forecast
from engine.timeseries.series import SERIES, load_series
from engine.train.checkpoint import load_pretrained

ROOT = Path(__file__).resolve().parents[1]
SHAPES = {"m2o": "many_to_one", "m2m": "many_to_many"}
NAMES = [f"forecaster-{series}-{short}" for series in SERIES for short in SHAPES]

torch.set_num_threads(1)


def _folder(name: str) -> Path:
    folder = ROOT / "pretrained" / name
    if not (folder / "config.json").is_file():
        pytest.skip(f"pretrained/{name} not shipped")
    return folder


@pytest.mark.parametrize("name", NAMES)
def test_card_matches_the_files(name: str) -> None:
    folder = _folder(name)
    model = load_pretrained(name, device="cpu")
    metrics = json.loads((folder / "metrics.json").read_text())
    weights = folder / "model.safetensors"
    total = sum(p.stat().st_size for p in folder.iterdir())
    assert total < 500_000, "small: the page opens instantly"
    assert metrics["model"]["file_bytes"] == weights.stat().st_size
    assert metrics["model"]["parameters"] == sum(p.numel() for p in model.parameters())
    series, short = name.removeprefix("forecaster-").rsplit("-", 1)
    assert model.series == metrics["series"] == series and model.config.shape == SHAPES[short]
    assert model.scaler is not None
    card = (folder / "card.md").read_text()
    command = metrics["training"]["command"]
    assert command.startswith("python -m engine train forecaster") and f"--series {series}" in command
    assert command in card and "2-core CPU" in card
    for row in metrics["table"]:
        assert f"| {row['method']} | {row['mae']:.3f} | {row['mase']:.3f} |" in card


@pytest.mark.parametrize("name", NAMES)
def test_the_precomputed_forecasts_are_what_the_weights_compute(name: str) -> None:
    folder = _folder(name)
    model = load_pretrained(name, device="cpu")
    stored = comparison_from_dict(json.loads((folder / "forecasts.json").read_text()))
    s = load_series(stored.series)
    assert stored.origins[0] == s.split  # the held-out tail, from its first value
    by = {f.method: f for f in stored.forecasts}
    # stored to 6 significant digits
    np.testing.assert_allclose(by["naive"].point, naive(s.values, stored.origins, stored.horizon).point, rtol=1e-6)
    mine = by[f"lstm-{model.config.shape}"]
    if model.config.shape == "many_to_one" and len(stored.origins) > 20:
        return  # rolled-forward paths of a long tail: checked on the short series (same code)
    again = forecast(model, s.values, stored.origins, stored.horizon)
    np.testing.assert_allclose(again.point, mine.point, rtol=1e-4, atol=1e-4 * np.abs(s.values).max())
    np.testing.assert_allclose(again.upper, mine.upper, rtol=1e-4, atol=1e-4 * np.abs(s.values).max())
    metrics = json.loads((folder / "metrics.json").read_text())
    table = error_table(stored.forecasts, s.values, s.train, s.period)
    assert [round(r["mase"], 3) for r in table] == [round(r["mase"], 3) for r in metrics["table"]]
