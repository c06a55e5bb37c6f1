"""The shipped ECG models (pretrained/ecg-predictor, pretrained/ecg-classifier): what their cards promise is what
the files do. The re-measurement on record 100 needs the data directory (skipped without it)."""

from __future__ import annotations

import json

import pytest

from engine.cli import main
from engine.data.corpora import resolve_data_dir
from engine.timeseries.ecg_card import render_card
from engine.train.checkpoint import PRETRAINED_DIR, load_pretrained

NAMES = ("ecg-predictor", "ecg-classifier")


def _metrics(name: str) -> dict:
    return json.loads((PRETRAINED_DIR / name / "metrics.json").read_text())


@pytest.mark.parametrize("name", NAMES)
def test_card_matches_the_files(name: str) -> None:
    folder = PRETRAINED_DIR / name
    model = load_pretrained(name)
    metrics = _metrics(name)
    weights = folder / "model.safetensors"
    assert weights.stat().st_size < 200_000, "small: the page opens instantly"
    assert metrics["model"]["file_bytes"] == weights.stat().st_size
    assert metrics["model"]["parameters"] == sum(p.numel() for p in model.parameters())
    assert model.kind == metrics["kind"] == name
    assert metrics["training"]["hardware"] == "2-core CPU"
    assert metrics["training"]["command"].split()[:4] == ["python", "-m", "engine", "train"]
    assert (folder / "card.md").read_text() == render_card(metrics)  # every number on the card is from metrics.json
    assert not any(p.suffix in (".dat", ".atr", ".hea") for p in folder.iterdir())  # never the record itself


def test_the_cards_report_the_counts_and_the_honest_measures() -> None:
    predictor, classifier = (_metrics(n)["evaluation"] for n in NAMES)
    assert predictor["held_out"]["n_abnormal"] == classifier["held_out"]["n_abnormal"] == 19
    assert predictor["all"]["counts"] == {"A": 33, "N": 2239, "V": 1}
    m = classifier["held_out"]["confusion"]
    assert classifier["held_out"]["balanced_accuracy"] == pytest.approx((m[0][0] / sum(m[0]) + m[1][1] / sum(m[1])) / 2)
    assert classifier["held_out"]["balanced_accuracy"] > 0.5 and predictor["held_out"]["auc"] > 0.5


@pytest.mark.data
@pytest.mark.parametrize("name", NAMES)
def test_ecg_eval_reproduces_the_card(name: str, capsys: pytest.CaptureFixture) -> None:
    root = resolve_data_dir()
    if root is None or not (root / "ecg" / "mitbih-100" / "100.dat").is_file():
        pytest.skip("MIT-BIH record 100 not in $RNN_DATA_DIR")
    assert main(["ecg-eval", "--model", name, "--json"]) == 0  # `python -m engine ecg-eval --model NAME --json`
    report = json.loads(capsys.readouterr().out)
    card = _metrics(name)["evaluation"]
    assert report["held_out"]["auc"] == pytest.approx(card["held_out"]["auc"], abs=1e-6)
    if name == "ecg-classifier":
        assert report["held_out"]["confusion"] == card["held_out"]["confusion"]
