"""The command line: --help everywhere, --dry-run for every model kind, train → generate → eval."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
MODEL_KINDS = ["charlm"]  # every `python -m engine train <kind>` gets a dry-run test


def run_cli(*args, env_extra=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True, env=env,
                           timeout=300, cwd=ROOT)


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["train", "charlm", "--help"],
                                  ["generate", "--help"], ["eval", "--help"]])
def test_help(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 0
    assert "usage" in capsys.readouterr().out


def test_every_flag_has_help():
    parser = build_parser()

    def walk(p):
        for action in p._actions:
            if action.dest != "help" and not action.option_strings == []:
                assert action.help, f"{action.option_strings} has no help text"
            if hasattr(action, "choices") and isinstance(action.choices, dict):
                for sub in action.choices.values():
                    walk(sub)

    walk(parser)


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_dry_run_then_generate_and_eval(kind, tmp_path):
    run = tmp_path / "run"
    # no data directory: the dry run falls back to its built-in text and says so
    proc = run_cli("train", kind, "--dry-run", "--run-dir", str(run), "--data-dir", str(tmp_path / "nodata"),
                   env_extra={"RNN_CACHE_DIR": str(tmp_path / "cache")})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "step/s" in proc.stderr or "it/s" in proc.stderr or "s/step" in proc.stderr  # progress bar
    assert (run / "last" / "trainer.safetensors").is_file() and (run / "best" / "config.json").is_file()

    gen = run_cli("generate", "--model", str(run / "best"), "--prime", "First", "--length", "40", "--seed", "1")
    assert gen.returncode == 0, gen.stderr
    assert gen.stdout.startswith("First") and len(gen.stdout.strip()) >= 40

    beam = run_cli("generate", "--model", str(run / "best"), "--method", "beam", "--length", "10", "--prime", "é")
    assert beam.returncode == 0 and "replaced" in beam.stderr


def test_resume_by_running_again(tmp_path, tiny_text):
    corpus = tmp_path / "play.txt"
    corpus.write_text(tiny_text)
    args = ["train", "charlm", "--corpus", str(corpus), "--run-dir", str(tmp_path / "r"), "--layers", "1",
            "--hidden", "16", "--embd", "8", "--batch-size", "4", "--seq-len", "16", "--eval-every", "5",
            "--checkpoint-every", "5", "--warmup-steps", "1"]
    assert main(args + ["--max-steps", "5"]) == 0
    proc = run_cli(*args, "--max-steps", "8")
    assert proc.returncode == 0 and "resuming at step 5" in proc.stderr
    ev = run_cli("eval", "--model", str(tmp_path / "r" / "best"), "--json")
    assert ev.returncode == 0, ev.stderr
    result = json.loads(ev.stdout)
    assert result["split"] == "val" and 0 < result["loss_nats_per_char"] < 5
    assert main(args + ["--max-steps", "8", "--fresh"]) == 2


def test_clear_errors(tmp_path, capsys):
    assert main(["train", "charlm", "--corpus", str(tmp_path / "missing.txt")]) == 2
    assert "neither a named corpus" in capsys.readouterr().err
    assert main(["generate", "--model", str(tmp_path)]) == 2


def test_export_fp16_keeps_card(tmp_path):
    run = tmp_path / "run"
    assert main(["train", "charlm", "--dry-run", "--run-dir", str(run)]) == 0
    out = tmp_path / "shipped"
    out.mkdir()
    (out / "card.md").write_text("# card")
    (tmp_path / "m.json").write_text(json.dumps({"val_loss": 1.23}))
    assert main(["export", str(run / "best"), str(out), "--metrics", str(tmp_path / "m.json")]) == 0
    from engine.checkpoint import load_model

    model = load_model(out)
    assert model.meta["metrics"]["val_loss"] == 1.23 and (out / "card.md").read_text() == "# card"
    assert (out / "model.safetensors").stat().st_size < (run / "best" / "model.safetensors").stat().st_size
