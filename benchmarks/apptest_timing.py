"""Each interaction of a page, timed in-process with Streamlit's AppTest through the app: the whole script rerun
the server does for a click (engine calls, tables, charts' data; the browser's drawing is not included).

    from benchmarks.apptest_timing import print_interactions, time_interactions

    steps = [("open the page", lambda at: at.switch_page(path)), ("spacing", lambda at: at.button_group(...))]
    print_interactions(time_interactions(steps, repeat=3))

Each of ``repeat`` fresh sessions opens the app, then applies the steps in order, timing the rerun after each.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "streamlit_app.py"

Step = tuple[str, Callable[[object], object]]


def time_interactions(steps: Sequence[Step], repeat: int) -> dict[str, list[float]]:
    """Seconds of the rerun after each step, per step name, over ``repeat`` sessions; stops at an exception."""
    from streamlit.testing.v1 import AppTest

    times: dict[str, list[float]] = {name: [] for name, _ in steps}
    for _ in range(repeat):
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.run()
        for name, act in steps:
            act(at)
            start = time.perf_counter()
            at.run()
            times[name].append(time.perf_counter() - start)
            if at.exception:
                raise SystemExit(f"{name}: {at.exception[0].value}")
    return times


def print_interactions(times: dict[str, list[float]], note: str = "") -> None:
    """The table: each interaction's median and worst rerun in milliseconds."""
    print(f"\n{'interaction (one script rerun)':<32} {'median ms':>10} {'worst ms':>10}")
    for name, values in times.items():
        print(f"{name:<32} {statistics.median(values) * 1e3:>10.0f} {max(values) * 1e3:>10.0f}")
    if note:
        print(note)
