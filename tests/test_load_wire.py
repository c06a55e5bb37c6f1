"""The load test over the wire (``benchmarks/load_test.py --wire``), short: no browser needed.

Four visitors speak Streamlit's websocket protocol (``benchmarks/wire_visitor.py``) and do each page's main
action for a few seconds while two other visitors' runs train (their live panels ticking as in a browser); then
the runs are stopped. It must end with no error, every action done, both runs trained, and the server's peak
memory under the budget of a 2.7 GB host. Latencies are printed, not checked (machines here are noisy;
``python benchmarks/load_test.py --wire`` measures them).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
MEMORY_BUDGET = 2.5e9  # bytes: Streamlit Community Cloud gives an app about 2.7 GB


def _load_test_module():
    spec = importlib.util.spec_from_file_location("load_test", ROOT / "benchmarks" / "load_test.py")
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # (its dataclasses look it up)
    spec.loader.exec_module(module)
    return module


def test_four_wire_visitors_while_two_runs_train(tmp_path: Path, capsys) -> None:
    pytest.importorskip("websockets")  # (a dependency of Streamlit's server)
    load_test = _load_test_module()
    result = load_test.run_wire(sessions=4, seconds=8, trainers=2, runs_dir=tmp_path / "runs", timeout_s=120)
    with capsys.disabled():
        print()
        load_test.print_table(result)
    assert not result.errors, result.errors
    done = {action for action, xs in result.first_s.items() if xs}
    assert done == {"generate", "ngram", "translate", "caption"}  # each visitor starts at another page
    assert len(result.runs) == 2
    assert all(run["step_at_load_end"] > run["step_at_load_start"] for run in result.runs), result.runs
    peak = result.peak_pss_bytes if result.peak_pss_bytes is not None else result.peak_bytes
    if peak is not None:
        assert peak < MEMORY_BUDGET, f"server peak {peak / 1e9:.2f} GB"
