"""Time the time-series page: each interaction (the page's target: under 1 s on the app's CPU), and the live
computations the shipped ``forecasts.json`` files spare it.

Two tables:

1. each interaction of the page, run in-process with Streamlit's AppTest (the whole script rerun the server
   does for a click; the browser's drawing is not included): the first open in a fresh process (imports,
   loading the series), then a new series, a new origin, a new horizon, the other model shape, Korean;
   median and worst over ``--repeat`` sessions;
2. what computing instead of loading would cost, per series: the baselines with (S)ARIMA, and the shipped
   many-to-one and many-to-many LSTMs' forecasts over the whole held-out tail (100 sample paths).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_time_series.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import torch  # noqa: E402

PAGE = REPO / "dashboard" / "pages" / "time_series.py"


def _timed(step) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def interactions(repeat: int) -> dict[str, list[float]]:
    from streamlit.testing.v1 import AppTest

    times: dict[str, list[float]] = {}
    for _ in range(repeat):
        at = AppTest.from_file(str(PAGE), default_timeout=300)
        steps = {
            "open (co2, many-to-many)": lambda at=at: at.run(),
            "series -> sunspots": lambda at=at: at.selectbox(key="ts.series").set_value("sunspots").run(),
            "origin -> 10th": lambda at=at: at.select_slider(key="ts.origin").set_value(10).run(),
            "horizon -> 5": lambda at=at: at.slider(key="ts.horizon").set_value(5).run(),
            "shape -> many-to-one": lambda at=at: at.button_group(key="ts.model").set_value("many_to_one").run(),
            "series -> stock-AAPL": lambda at=at: at.selectbox(key="ts.series").set_value("stock-AAPL").run(),
        }
        for name, step in steps.items():
            times.setdefault(name, []).append(_timed(step))
            if at.exception:
                raise RuntimeError(f"{name}: {at.exception[0].value}")
    return times


def live_costs() -> list[tuple[str, float, float, float]]:
    from engine.timeseries.compare import baseline_forecasts
    from engine.timeseries.model import forecast
    from engine.timeseries.series import SERIES, load_series
    from engine.train.checkpoint import load_pretrained

    rows = []
    for name, spec in SERIES.items():
        s = load_series(name)
        base = _timed(lambda name=name, h=spec.horizon: baseline_forecasts(name, h))
        origins = baseline_forecasts(name, spec.horizon, arima_baseline=False)[0].origins
        cost = []
        for short in ("m2o", "m2m"):
            model = load_pretrained(f"forecaster-{name}-{short}", device="cpu")
            cost.append(_timed(lambda m=model, v=s.values, o=origins, h=spec.horizon: forecast(m, v, o, h)))
        rows.append((name, base, *cost))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"torch threads {torch.get_num_threads()}; {args.repeat} sessions\n")
    print(f"{'interaction':<28}{'median s':>10}{'worst s':>10}")
    for name, values in interactions(args.repeat).items():
        print(f"{name:<28}{statistics.median(values):>10.3f}{max(values):>10.3f}")
    print(f"\n{'computed live (not on the page)':<28}{'baselines s':>12}{'m2o LSTM s':>12}{'m2m LSTM s':>12}")
    for name, base, m2o, m2m in live_costs():
        print(f"{name:<28}{base:>12.2f}{m2o:>12.2f}{m2m:>12.3f}")


if __name__ == "__main__":
    main()
