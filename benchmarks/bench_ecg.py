"""How long the ECG page takes: the one-time analysis of record 100 (cached per server process) and each
interaction of a visitor (a rerun of the page script with the analysis cached), on one CPU thread.

    RNN_DATA_DIR=../shared/data OMP_NUM_THREADS=1 python benchmarks/bench_ecg.py

Prints a table; the page's target is under 1 s for every interaction. The page rows are AppTest reruns: the
script run plus AppTest's bookkeeping, a little more than the server spends.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import load_pretrained  # noqa: E402
from engine.timeseries.ecg import ECGDataMissing, load_ecg  # noqa: E402
from engine.timeseries.ecg_recipe import classifier_probabilities, error_trace, predict_signal  # noqa: E402


def _timed(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    torch.set_num_threads(1)
    try:
        data = load_ecg()
    except ECGDataMissing as exc:
        print(f"skipped: {exc}")
        return 0
    predictor, classifier = load_pretrained("ecg-predictor"), load_pretrained("ecg-classifier")
    pred = predict_signal(predictor, data.signal)
    rows = [("read record 100 (WFDB, 650,000 x 2 samples)", _timed(load_ecg)),
            ("predictor over the whole record (216,666 steps)", _timed(lambda: predict_signal(predictor, data.signal))),
            ("error trace of those predictions", _timed(lambda: error_trace(data.signal, pred))),
            ("classifier on all 2,273 beats", _timed(lambda: classifier_probabilities(classifier, data)))]

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / "ecg.py"), default_timeout=300)
    start = time.perf_counter()
    at.run()
    rows.append(("page, first visit (runs the analysis once)", time.perf_counter() - start))
    at.run()  # AppTest's own first-rerun overhead (about 0.5 s of isinstance checks), not the page's
    steps = [("page rerun, the analysis cached", lambda: at.run()),
             ("move the view (slider)", lambda: at.slider(key="ecg.t").set_value(600.0).run()),
             ("show 30 s", lambda: at.select_slider(key="ecg.span").set_value("30").run()),
             ("prediction 1 sample ahead", lambda: at.slider(key="ecg.ahead").set_value(1).run()),
             ("go to an abnormal beat", lambda: at.selectbox(key="ecg.jump").select_index(10).run())]
    for name, step in steps:
        start = time.perf_counter()
        step()
        rows.append((name, time.perf_counter() - start))
    assert not at.exception, [e.value for e in at.exception]
    width = max(len(r[0]) for r in rows)
    print(f"{'step':<{width}}  seconds")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
