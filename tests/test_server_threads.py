"""The app's server gives each inference one torch thread (dashboard/components/resources.py; issue 15 item 6)."""

import subprocess
import sys
import threading

import pytest


def _run(code: str, env: dict[str, str]) -> str:
    import os

    full = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**full, **env}, check=True)
    return out.stdout.strip()


CODE = ("import threading, torch; torch.set_num_threads(2); import dashboard.components.resources as r; seen = []; "
        "t = threading.Thread(target=lambda: seen.append(torch.get_num_threads())); t.start(); t.join(); "
        "print(torch.get_num_threads(), seen[0])")


@pytest.mark.hardening
def test_the_server_uses_one_torch_thread_per_inference_in_every_script_thread():
    """issue 15: with torch's default (a thread per core) four visitors and two training runs oversubscribed a
    2-CPU host (translate p95 19.5 s). Importing the shared loaders sets one thread, for the threads Streamlit
    runs the scripts in too."""
    assert _run(CODE, {}) == "1 1"


def test_an_explicit_omp_num_threads_is_respected():
    assert _run(CODE, {"OMP_NUM_THREADS": "3"}) == "3 3"


def test_limit_server_threads_in_this_process(monkeypatch):
    import torch

    from dashboard.components.resources import limit_server_threads

    before = torch.get_num_threads()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    try:
        torch.set_num_threads(2)
        assert limit_server_threads() == 1 and torch.get_num_threads() == 1
        seen = []
        t = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
        t.start()
        t.join()
        assert seen == [1]
    finally:
        torch.set_num_threads(before)


RACE = ("import sys, threading, time; import dashboard.components.resources as r\n"
        "assert 'torch' not in sys.modules\n"
        "t = threading.Thread(target=lambda: __import__('torch')); t.start()\n"
        "while 'torch' not in sys.modules: time.sleep(0.001)\n"  # another visitor's first run is importing torch
        "print(r.limit_server_threads()); t.join()")


def test_a_second_first_visitor_waits_for_torch_to_finish_importing():
    """Two first visitors at once: one script thread was still importing torch when the other's run asked it for
    its thread count, found a partly initialised module and crashed ("no attribute 'get_num_threads'")."""
    assert _run(RACE, {}) == "1"
