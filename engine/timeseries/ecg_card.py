"""Shipping an ECG model: fp16 weights + config.json (:mod:`engine.train.checkpoint`), then ``metrics.json`` and
``card.md`` written from measurements **of the shipped files** (the fp16 weights are loaded back and evaluated
on record 100), so every number on the card is one the files reproduce with ``python -m engine ecg-eval``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from engine.timeseries.ecg import ECGData
from engine.timeseries.ecg_recipe import anomaly_report, classifier_report
from engine.train.checkpoint import load_model, save_checkpoint

__all__ = ["evaluate", "render_card", "ship"]

DATA = {"corpus": "mitbih-100",
        "record": "MIT-BIH Arrhythmia Database record 100, lead MLII, 360 Hz averaged to 120 Hz",
        "licence": "ODC-By 1.0 (PhysioNet); Moody & Mark 2001, Goldberger et al. 2000",
        "split": "by time: the first 60 % of the record (18 min) trains, the last 40 % (12 min) is held out"}


def evaluate(model: torch.nn.Module, data: ECGData) -> dict:
    """The report of either ECG model on record 100."""
    return anomaly_report(model, data) if model.kind == "ecg-predictor" else classifier_report(model, data)


def ship(model: torch.nn.Module, out: str | os.PathLike, data: ECGData, training: dict) -> dict:
    """Write ``model`` to ``out`` (fp16), evaluate the written files, add metrics.json and card.md."""
    out = Path(out)
    save_checkpoint(out, model, meta={"provenance": {**DATA, "command": training["command"]}}, dtype=torch.float16)
    shipped = load_model(out, "cpu")
    weights = out / "model.safetensors"
    metrics = {"kind": model.kind, "data": DATA, "training": training,
               "model": {"parameters": sum(p.numel() for p in shipped.parameters()),
                         "file_bytes": weights.stat().st_size, "config": json.loads(
                             (out / "config.json").read_text())["config"]},
               "evaluation": evaluate(shipped, data)}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (out / "card.md").write_text(render_card(metrics))
    return metrics


def _fmt_matrix(m: list[list[int]]) -> str:
    return ("| true \\ predicted | normal | abnormal |\n|---|---|---|\n"
            f"| normal (N) | {m[0][0]} | {m[0][1]} |\n| abnormal (A, V) | {m[1][0]} | {m[1][1]} |")


def render_card(metrics: dict) -> str:
    """The model card (markdown) for ``metrics``; every number comes from ``metrics``."""
    e, tr, mdl = metrics["evaluation"], metrics["training"], metrics["model"]
    head = [f"# {tr['name']}", "", tr["what"], "",
            f"- **Data**: {metrics['data']['record']}. Licence: {metrics['data']['licence']}. The record is not "
            "shipped: put `100.hea`, `100.dat`, `100.atr` in `$RNN_DATA_DIR/ecg/mitbih-100/`.",
            f"- **Split**: {metrics['data']['split']}.",
            f"- **Model**: {mdl['parameters']:,} parameters, `model.safetensors` {mdl['file_bytes']:,} bytes (fp16); "
            f"config `{json.dumps(mdl['config'])}`.",
            f"- **Training**: `{tr['command']}`: {tr['steps']} steps in {tr['seconds']:.0f} s on a 2-core CPU "
            "(one thread).", f"- **Re-measure**: `python -m engine ecg-eval --model pretrained/{tr['name']}`.", ""]
    if tr.get("history"):
        head[-1:-1] = [f"- **Recipe history**: {tr['history']}"]
    if metrics["kind"] == "ecg-predictor":
        h, a = e["held_out"], e["all"]
        body = ["## Measured (fp16 weights as shipped)", "",
                f"Anomaly score of a beat: the mean squared error of the predictions within "
                f"{e['score_window_s'][0]} s of its R peak.", "",
                "| beats | abnormal | normal | ROC AUC of the LSTM's error | ROC AUC of the RR-interval rule |",
                "|---|---|---|---|---|",
                f"| held-out 40 % | {h['n_abnormal']} | {h['n_normal']} | {h['auc']:.3f} | {h['rr_rule_auc']:.3f} |",
                f"| whole record | {a['n_abnormal']} | {a['n_normal']} | {a['auc']:.3f} | {a['rr_rule_auc']:.3f} |",
                "", "(The whole record's normal beats in the first 60 % were training data; the held-out row is the "
                "honest one.)", "",
                f"Mean squared prediction error on the held-out part: {e['mse_held_out_mv2']:.5f} mV².", "",
                "Honest limits: record 100 has only 34 abnormal beats (33 A, 1 V), so an AUC here has a wide "
                "uncertainty; and the RR-interval rule (how early a beat came) alone separates them, so the "
                "LSTM's error is a teaching example of anomaly scoring, not a clinical detector."]
    else:
        h, t = e["held_out"], e["train"]
        body = ["## Measured (fp16 weights as shipped), threshold P(abnormal) ≥ 0.5", "",
                f"Held-out 40 %: {h['n_abnormal']} abnormal and {h['n_normal']} normal beats.", "",
                _fmt_matrix(h["confusion"]), "",
                f"- balanced accuracy **{h['balanced_accuracy']:.3f}** (plain accuracy {h['accuracy']:.3f}; always "
                f"answering \"normal\" would get plain accuracy {h['n_normal'] / (h['n_normal'] + h['n_abnormal']):.3f}"
                " and balanced accuracy 0.500)",
                f"- ROC AUC of P(abnormal): {h['auc']:.3f}",
                f"- on the training part: balanced accuracy {t['balanced_accuracy']:.3f}, "
                f"{t['n_abnormal']} abnormal / {t['n_normal']} normal beats", "",
                "Class imbalance: training batches are half normal, half abnormal beats (drawn with replacement, "
                "shifted by up to 4 samples and scaled by 0.9-1.1). Honest limits: 15 abnormal beats to learn "
                "from and 19 to test on; not a clinical detector."]
    return "\n".join(head + body) + "\n"
