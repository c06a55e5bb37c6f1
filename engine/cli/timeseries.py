"""The forecasting commands::

    python -m engine train forecaster --series co2 --shape many_to_many --out pretrained/forecaster-co2-m2m --fp16
    python -m engine eval-forecaster forecaster-co2-m2m forecaster-co2-m2o --horizon 12

``train forecaster`` trains on the series' training part (flags from :class:`ForecasterConfig`,
:class:`ForecasterData` and :class:`TrainConfig`), scores the model against the baselines on the held-out
tail and, with ``--out``, writes the checkpoint, ``metrics.json`` and ``card.md`` there.
``eval-forecaster`` prints the error table (MAE, MASE, interval coverage; MASE per horizon) of shipped
models or checkpoint folders, all on the same series, next to naive, seasonal naive and (S)ARIMA.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

from engine.cli.common import add_config_args, config_from_args, run_command

__all__ = ["add_parsers", "cmd_eval_forecaster", "cmd_train_forecaster", "write_card"]

_TRAIN_EXCLUDE = ("eval_every", "checkpoint_every", "keep_every", "sample_every", "patience", "amp",
                  "divergence_factor")


def add_parsers(commands: argparse._SubParsersAction, train: argparse._SubParsersAction) -> None:
    """Register ``train forecaster`` (under ``train``) and ``eval-forecaster``."""
    from engine.timeseries.model import ForecasterConfig
    from engine.timeseries.recipe import FORECAST_TRAIN, ForecasterData

    tr = train.add_parser("forecaster", help="an LSTM/GRU forecaster of a numeric series (sunspots, co2, a stock)")
    add_config_args(tr, ForecasterData, title="data (ForecasterData)")
    add_config_args(tr, ForecasterConfig, exclude=("window", "horizon"), title="model (ForecasterConfig)")
    tr.add_argument("--window", type=int, default=None, help="input window T (default: the series')")
    tr.add_argument("--horizon", type=int, default=None, help="values emitted at once H (default: the series')")
    add_config_args(tr, FORECAST_TRAIN, exclude=_TRAIN_EXCLUDE, title="optimisation (TrainConfig)")
    tr.add_argument("--out", default=None, help="checkpoint folder to write (with metrics.json and card.md)")
    tr.add_argument("--fp16", action="store_true", help="store the weights in float16 (shipped models)")
    tr.add_argument("--device", default=None, help="cpu, cuda, mps (default: the best available)")
    tr.set_defaults(func=cmd_train_forecaster)

    ev = commands.add_parser("eval-forecaster", help="error table of forecasters and baselines on a held-out tail")
    ev.add_argument("models", nargs="+", help="shipped model names or checkpoint folders (one series)")
    ev.add_argument("--horizon", type=int, default=None, help="steps ahead H (default: the largest all models reach)")
    ev.add_argument("--no-arima", action="store_true", help="leave out the (S)ARIMA baseline")
    ev.add_argument("--json", action="store_true", help="print the table as JSON")
    ev.set_defaults(func=cmd_eval_forecaster)


def cmd_train_forecaster(args: argparse.Namespace) -> int:
    from engine.cli.common import progress_listener
    from engine.timeseries.compare import compare, format_table
    from engine.timeseries.recipe import FORECAST_TRAIN, ForecasterData, default_config, train_forecaster

    data = config_from_args(args, ForecasterData)
    base = default_config(data.series)
    base = replace(base, window=args.window or base.window, horizon=args.horizon or base.horizon)
    config = config_from_args(args, base)
    train = config_from_args(args, FORECAST_TRAIN)
    print(f"training a {config.cell} {config.shape} forecaster on {data.series} "
          f"(window {config.window}, H {config.outputs}, {train.max_steps} steps)", file=sys.stderr)
    start = time.perf_counter()
    model = train_forecaster(data, config, train, listeners=[progress_listener(train.max_steps, token="window")],
                             device=args.device)
    seconds = time.perf_counter() - start
    if args.fp16:  # score the weights that will be shipped: float16, loaded back as float32
        import torch

        with torch.no_grad():
            for p in model.parameters():
                p.copy_(p.half().float())
    label = f"{config.cell}-{config.shape}"
    result = compare(data.series, {label: model}, horizon=config.horizon if config.outputs > 1 else base.horizon)
    print(format_table(result))
    if args.out:
        write_checkpoint(Path(args.out), model, result, seconds, args.fp16)
    return 0


def write_checkpoint(out: Path, model, result, seconds: float, fp16: bool) -> None:
    """The checkpoint, ``metrics.json`` (the error table, the command, time, hardware) and ``card.md``."""
    import torch

    from engine.timeseries.compare import comparison_to_dict
    from engine.train.checkpoint import save_checkpoint

    save_checkpoint(out, model, dtype=torch.float16 if fp16 else None)
    weights = out / "model.safetensors"
    metrics = {
        "series": result.series, "horizon": result.horizon, "origins": len(result.origins),
        "first_origin": int(result.origins[0]), "table": result.table,
        "model": {"parameters": sum(p.numel() for p in model.parameters()), "file_bytes": weights.stat().st_size,
                  "dtype": "float16" if fp16 else "float32"},
        "training": {"command": run_command(), "seconds": round(seconds, 1),
                     "hardware": f"{platform.machine()} CPU, torch threads {torch.get_num_threads()}"},
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    # every forecast on the tail (baselines too), so the page draws a shipped model without computing anything
    (out / "forecasts.json").write_text(json.dumps(comparison_to_dict(result), separators=(",", ":")))
    (out / "card.md").write_text(write_card(out.name, model, metrics))
    print(f"wrote {out} ({weights.stat().st_size / 1e3:.1f} kB of weights)")


def write_card(name: str, model, metrics: dict) -> str:
    """The model card's text, every number taken from ``metrics`` (what the run measured)."""
    from engine.timeseries.series import load_series

    c = model.config
    s = load_series(metrics["series"])
    source = {"sunspots": "statsmodels' bundled `sunspots` dataset (yearly mean sunspot numbers, SIDC; public domain)",
              "co2": "statsmodels' bundled `co2` dataset (weekly Mauna Loa CO₂, Scripps/NOAA; public domain), "
                     "averaged to months",
              "stock": "vega-datasets' bundled `stocks.csv` (monthly closing prices; the package is BSD-3-Clause)"}
    rows = "\n".join(f"| {r['method']} | {r['mae']:.3f} | {r['mase']:.3f} | {_cov(r)} |" for r in metrics["table"])
    t = metrics["training"]
    return f"""# {name}

A {c.cell.upper()} forecaster of the **{s.name}** series, shape **{c.shape}** (window T = {c.window},
{"the next value, rolled forward" if c.shape == "many_to_one" else f"the next H = {c.horizon} values at once"}),
{c.n_hidden} hidden units, {len(c.quantiles)} quantile outputs τ = {", ".join(f"{q:g}" for q in c.quantiles)}
(the 0.1 and 0.9 quantiles bound the 80 % prediction interval). {metrics['model']['parameters']} parameters,
weights in {metrics['model']['dtype']} ({metrics['model']['file_bytes']} bytes).

- **Data**: {source[s.name.split('-')[0]]}.
  {len(s)} values {s.dates[0]} – {s.dates[-1]}; seasonal period m = {s.period}.
- **Split**: the last {s.test_len} values ({s.dates[s.split]} – {s.dates[-1]}) are the held-out tail; the
  scaler (anchor `{model.scaler.anchor}`) and the training windows use only the {s.split} values before it.
- **Training**: `{t['command']}`; {t['seconds']} s on a 2-core CPU ({t['hardware']}).
- **Evaluation**: {metrics['origins']} forecast origins in the tail, horizons 1..{metrics['horizon']}; MASE is
  scaled by the in-sample seasonal-naive error of the training part. Re-measure with
  `python -m engine eval-forecaster {name} --horizon {metrics['horizon']}`.

| method | MAE | MASE | 80 % interval coverage |
|---|---|---|---|
{rows}
"""


def _cov(row: dict) -> str:
    return "–" if row["coverage"] is None else f"{row['coverage']:.2f}"


def cmd_eval_forecaster(args: argparse.Namespace) -> int:
    from engine.timeseries.compare import compare, format_table
    from engine.train.checkpoint import load_pretrained

    models = {str(m): load_pretrained(m, device="cpu") for m in args.models}
    series = {m.series for m in models.values()}
    if len(series) != 1 or None in series:
        raise ValueError(f"the models must forecast one series; they forecast {sorted(map(str, series))}")
    reach = min(m.config.horizon if m.config.shape == "many_to_many" else 10**6 for m in models.values())
    (name,) = series
    from engine.timeseries.series import SERIES

    horizon = args.horizon or min(reach, SERIES[name].horizon)
    result = compare(name, models, horizon=horizon, arima_baseline=not args.no_arima)
    print(json.dumps(result.table, indent=2) if args.json else format_table(result))
    return 0
