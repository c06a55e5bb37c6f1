"""The shipped sentiment models: what their cards promise is what the files do.

Skipped until ``pretrained/sentiment-en`` / ``sentiment-ko`` exist; re-measuring the accuracies needs the
data directory (``RNN_DATA_DIR``, ``sentiment/`` in it).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from engine.sentiment.compare import ROWS
from engine.sentiment.examples import examples_for
from engine.sentiment.shipped import COMPARISON_DIR, SHIPPED, embedding_table, read_comparison

ROOT = Path(__file__).resolve().parents[1]
torch.set_num_threads(1)


def _folder(name: str) -> Path:
    folder = ROOT / "pretrained" / name
    if not (folder / "metrics.json").is_file():
        pytest.skip(f"pretrained/{name} not shipped")
    return folder


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_card_matches_the_files(lang: str) -> None:
    from engine import load_pretrained

    folder = _folder(SHIPPED[lang])
    model = load_pretrained(SHIPPED[lang])
    metrics = json.loads((folder / "metrics.json").read_text())
    weights, spm = folder / "model.safetensors", folder / "spm.model"
    assert weights.stat().st_size + spm.stat().st_size <= 3_000_000, "at most 3 MB with its tokenizer"
    assert metrics["model"]["file_bytes"] == weights.stat().st_size
    assert metrics["model"]["parameters"] == model.num_params()
    assert model.config.lang == lang and model.tokenizer is not None and len(model.tokenizer) == 8000
    assert metrics["training"]["command"].startswith(f"python -m engine train sentiment --lang {lang}")
    card = (folder / "card.md").read_text()
    assert metrics["training"]["command"] in card and "2-core CPU" in card
    for name, acc in metrics["accuracy"].items():
        assert f"{acc:.4f}" in card, name


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_plain_examples_are_classified_right(lang: str) -> None:
    from engine import load_pretrained

    _folder(SHIPPED[lang])
    model = load_pretrained(SHIPPED[lang])
    plain = [e for e in examples_for(lang) if e.kind == "plain"]
    assert [p.label for p in model.predict([e.text for e in plain])] == [
        "positive" if e.label else "negative" for e in plain]


def test_embedding_table_of_a_shipped_model() -> None:
    _folder("sentiment-en")
    pieces, E = embedding_table("sentiment-en")
    from engine import load_pretrained

    c = load_pretrained("sentiment-en").config
    width = c.n_embd * (c.members if c.own_embeddings else 1)  # with own embeddings: each reader's columns side by side
    assert len(pieces) == E.shape[0] == 8000 and E.shape[1] == width and pieces[:4] == ["<pad>", "<unk>", "<s>", "</s>"]
    assert E.dtype == torch.float32 and not E.requires_grad


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_comparison_table_has_every_row_with_the_same_budget(lang: str) -> None:
    if not (COMPARISON_DIR / f"{lang}.json").is_file():
        pytest.skip(f"no comparison table for {lang}")
    table = read_comparison(lang)
    assert [r["name"] for r in table["rows"]] == list(ROWS)
    assert table["command"].startswith(f"python -m engine compare-sentiment --lang {lang}")
    assert table["budget"]["texts_seen"] == table["budget"]["steps"] * table["budget"]["batch_size"]


@pytest.mark.data
@pytest.mark.parametrize("lang,on", [("en", "sst2-dev"), ("ko", "nsmc-val")])
def test_eval_reproduces_the_card(lang: str, on: str, capsys) -> None:
    from engine.cli import main
    from engine.data.corpora import resolve_data_dir

    folder = _folder(SHIPPED[lang])
    root = resolve_data_dir()
    if root is None or not (root / "sentiment").is_dir():
        pytest.skip("no sentiment data in $RNN_DATA_DIR")
    assert main(["eval-sentiment", "--model", str(folder), "--on", on, "--json"]) == 0
    measured = json.loads(capsys.readouterr().out)[on]["accuracy"]
    assert measured == pytest.approx(json.loads((folder / "metrics.json").read_text())["accuracy"][on], abs=1e-4)


def test_comparison_card_matches_its_files():
    folder = Path(__file__).resolve().parents[1] / "pretrained" / "sentiment-comparison"
    card = (folder / "card.md").read_text()
    for lang in ("en", "ko"):
        table = json.loads((folder / f"{lang}.json").read_text())
        assert table["command"] in card
        for row in table["rows"]:
            assert f"| {row['name']} | {row['params']:,} | {row['val_accuracy']:.4f} | {row['test_accuracy']:.4f} |" \
                in card, (lang, row["name"])
