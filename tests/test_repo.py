"""The README's promises: its commands are what CI runs, and its Python snippets run."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, re.S)


def test_ci_runs_the_readme_test_command():
    test_cmd = next(b.strip() for b in bash_blocks() if "pytest" in b and b.strip().startswith("python3 -m venv"))
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_cmd in ci.splitlines()


def test_readme_app_command_installs_requirements():
    app_cmd = next(b.strip() for b in bash_blocks() if "streamlit run" in b)
    assert "pip install -r requirements.txt" in app_cmd and "streamlit_app.py" in app_cmd


@pytest.mark.slow  # a fresh interpreter per snippet, loading shipped models
@pytest.mark.parametrize("block", re.findall(r"```python\n(.*?)```", README, re.S))
def test_readme_python_snippets_run(block, tmp_path):
    if "load_pretrained(" in block:
        from engine import list_pretrained

        names = re.findall(r'load_pretrained\("([^"]+)"\)', block)
        if any(n not in list_pretrained() for n in names):
            pytest.skip(f"pretrained model(s) {names} not shipped yet")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    (tmp_path / "dashboard").symlink_to(ROOT / "dashboard")  # snippets may name repository files (example images)
    proc = subprocess.run([sys.executable, "-c", block], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip()


def test_requirements_pin_what_the_code_imports():
    reqs = (ROOT / "requirements.txt").read_text()
    for pkg in ("torch", "streamlit", "plotly", "safetensors", "sentencepiece", "sacrebleu", "numpy", "tqdm"):
        assert re.search(rf"^{pkg}\b", reqs, re.M), pkg
