"""The command line: --help everywhere, --dry-run for every model kind, train → generate → eval."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from engine.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
# every `python -m engine train <kind>` gets a dry-run test
MODEL_KINDS = ["charlm", "captioner", "ngram", "translator"]


def run_cli(*args, env_extra=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True, env=env,
                           timeout=300, cwd=ROOT)


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["train", "charlm", "--help"],
                                  ["train", "ngram", "--help"], ["generate", "--help"], ["eval", "--help"],
                                  ["train", "translator", "--help"], ["translate", "--help"],
                                  ["eval-translator", "--help"]])
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
    if kind == "ngram":
        _ngram_after_dry_run(run, proc.stderr)
        return
    assert "step/s" in proc.stderr or "it/s" in proc.stderr or "s/step" in proc.stderr  # progress bar
    assert (run / "last" / "trainer.safetensors").is_file() and (run / "best" / "config.json").is_file()
    if kind == "captioner":
        _caption_after_dry_run(run)
        return
    if kind == "translator":
        _translate_after_dry_run(run, proc.stderr)
        return

    gen = run_cli("generate", "--model", str(run / "best"), "--prime", "First", "--length", "40", "--seed", "1")
    assert gen.returncode == 0, gen.stderr
    assert gen.stdout.startswith("First") and len(gen.stdout.strip()) >= 40

    beam = run_cli("generate", "--model", str(run / "best"), "--method", "beam", "--length", "10", "--prime", "é")
    assert beam.returncode == 0 and "replaced" in beam.stderr


def _caption_after_dry_run(run: Path) -> None:
    """The captioner's dry run trains on generated shapes; its model then captions one of them."""
    bleu = json.loads((run / "bleu.json").read_text())["bleu"]
    assert set(bleu) == {"greedy", "beam3"} and 0 <= bleu["beam3"]["bleu4"] <= 1
    import contextlib
    import io

    image = sorted((run / "toy-images").glob("*.png"))[0]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):  # in-process: no second torch start-up
        assert main(["caption", str(image), "--model", str(run / "best"), "--n-best", "2", "--json"]) == 0
        assert main(["caption", str(run / "best" / "config.json"), "--model", str(run / "best")]) == 2
    result = json.loads(out.getvalue().splitlines()[0])
    assert result["caption"] and len(result["n_best"]) == 2
    assert "not an image" in err.getvalue()


def _translate_after_dry_run(run: Path, stderr: str) -> None:
    """The translator's dry run uses its built-in pairs; the checkpoint then translates and is scored."""
    import contextlib
    import io

    assert "built-in sample pairs" in stderr and (run / "best" / "spm.model").is_file()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):  # in-process: no second torch start-up
        assert main(["translate", "I see the cat.", "🍕", "--model", str(run / "best"), "--n-best", "2", "--json"]) == 0
        assert main(["translate", "", "--model", str(run / "best")]) == 2
        assert main(["eval-translator", "--model", str(run / "best"), "--method", "greedy", "--json"]) == 0
    lines = out.getvalue().splitlines()
    first, emoji = json.loads(lines[0]), json.loads(lines[1])
    assert first["source"] == "I see the cat." and len(first["n_best"]) == 2 and first["source_pieces"][-1] == "</s>"
    assert emoji["text"] == "" and "never seen" in err.getvalue() and "nothing to translate" in err.getvalue()
    scores = json.loads(lines[2])
    assert scores["corpus"] == "built-in dry-run pairs" and 0 <= scores["bleu"] <= 100 and len(scores["buckets"]) == 4


def _ngram_after_dry_run(run: Path, stderr: str) -> None:
    """The n-gram dry run fits on the built-in text and writes the shipped-model files."""
    from engine.ngram import NGramLM

    assert "built-in sample text" in stderr
    assert {p.name for p in run.iterdir()} == {"model.npz", "metrics.json", "card.md"}
    metrics = json.loads((run / "metrics.json").read_text())
    assert len(metrics["sweep"]["modified_kneser_ney"]) == 3 and "train ngram --dry-run" in metrics["command"]
    assert NGramLM.load(run / "model.npz").order == 3


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
    from engine.train.checkpoint import load_model

    model = load_model(out)
    assert model.meta["metrics"]["val_loss"] == 1.23 and (out / "card.md").read_text() == "# card"
    assert (out / "model.safetensors").stat().st_size < (run / "best" / "model.safetensors").stat().st_size


def test_recorded_paths_write_the_home_directory_as_tilde(tmp_path, monkeypatch):
    """Shipped config.json files carry the training command and export source: no user name, re-runnable."""
    import sys

    from engine.train.checkpoint import load_model
    from engine.train.provenance import portable_path

    home = tmp_path / "home" / "ada"
    monkeypatch.setenv("HOME", str(home))
    assert portable_path(f"{home}/runs/x") == "~/runs/x" and portable_path(str(home)) == "~"
    assert portable_path(f"{home}x/runs") == f"{home}x/runs"  # another user's folder that starts the same
    assert portable_path(f"/data{home}/runs") == f"/data{home}/runs"  # not a path under home
    assert portable_path(f"--run-dir={home}/runs") == "--run-dir=~/runs"
    run, out = home / "runs" / "r1", home / "shipped"
    argv = ["train", "charlm", "--dry-run", "--run-dir", str(run)]
    monkeypatch.setattr(sys, "argv", ["python -m engine", *argv])
    assert main(argv) == 0
    assert main(["export", str(run / "best"), str(out)]) == 0
    meta = load_model(out).meta
    assert meta["provenance"]["command"] == "python -m engine train charlm --dry-run --run-dir ~/runs/r1"
    assert meta["exported_from"] == "~/runs/r1/best"
    assert str(home) not in (out / "config.json").read_text()


def test_export_several_checkpoints_averages_them(tmp_path, capsys):
    from engine.train.checkpoint import load_model, read_checkpoint

    run = tmp_path / "run"
    assert main(["train", "charlm", "--dry-run", "--run-dir", str(run), "--max-steps", "6"]) == 0
    assert main(["export", str(run / "best"), str(run / "last"), str(tmp_path / "avg"), "--fp32"]) == 0
    a, b = read_checkpoint(run / "best")[0], read_checkpoint(run / "last")[0]
    model = load_model(tmp_path / "avg")
    for k, v in model.state_dict().items():
        assert torch.allclose(v, (a[k] + b[k]) / 2, atol=1e-6), k
    assert model.meta["exported_from"] == [str(run / "best"), str(run / "last")]
    assert len(model.meta["averaged_from"]) == 2
    # a checkpoint of another architecture is a clear error, not a crash
    import dataclasses

    from engine import CharLM
    from engine.train.checkpoint import save_checkpoint

    wider = dataclasses.replace(model.config, n_hidden=model.config.n_hidden + 8)
    save_checkpoint(tmp_path / "other", CharLM(wider, model.vocab), meta={"vocab": model.meta["vocab"]})
    capsys.readouterr()
    assert main(["export", str(run / "best"), str(tmp_path / "other"), str(tmp_path / "bad")]) == 2
    assert "config differs" in capsys.readouterr().err and not (tmp_path / "bad").exists()


def test_keep_every_snapshots_then_average_them(tmp_path):
    """--keep-every N keeps weights-only snapshots step-NNNNNN; `export` averages them (SWA)."""
    from engine.train.checkpoint import load_model, read_checkpoint

    run = tmp_path / "run"
    assert main(["train", "charlm", "--dry-run", "--run-dir", str(run), "--keep-every", "2"]) == 0
    kept = sorted(p.name for p in run.glob("step-*"))
    assert kept == ["step-000002", "step-000004", "step-000006"]
    assert not (run / "step-000002" / "trainer.safetensors").exists()  # weights only, no optimizer state
    assert load_model(run / "step-000004").meta["step"] == 4
    last, step6 = read_checkpoint(run / "last")[0], read_checkpoint(run / "step-000006")[0]
    assert all(torch.equal(last[k], step6[k]) for k in last)
    snaps = [str(run / name) for name in kept]
    assert main(["export", *snaps, str(tmp_path / "swa"), "--fp32"]) == 0
    states = [read_checkpoint(p)[0] for p in snaps]
    for k, v in load_model(tmp_path / "swa").state_dict().items():
        assert torch.allclose(v, sum(s[k] for s in states) / 3, atol=1e-6), k
    with pytest.raises(ValueError, match="keep_every"):
        from engine.train.trainer import TrainConfig

        TrainConfig(keep_every=-1)


def test_sigterm_saves_and_resumes(tmp_path, tiny_text):
    """`kill` during training: the run stops after the current step, writes last/, and resumes from there."""
    import signal
    import time

    corpus = tmp_path / "play.txt"
    corpus.write_text(tiny_text)
    run = tmp_path / "r"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "engine", "train", "charlm", "--corpus", str(corpus), "--run-dir", str(run),
            "--layers", "1", "--hidden", "16", "--embd", "8", "--batch-size", "4", "--seq-len", "16",
            "--max-steps", "100000", "--eval-every", "100000", "--checkpoint-every", "100000"]
    proc = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.time() + 120
    while not (run / "metrics.jsonl").exists() or "step" not in (run / "metrics.jsonl").read_text():
        assert time.time() < deadline and proc.poll() is None
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-2000:]
    from engine.train.checkpoint import read_checkpoint

    _, _, state = read_checkpoint(run / "last", with_trainer=True)
    assert state["step"] >= 1


def test_charlm_commands_reject_other_model_kinds(tmp_path, capsys):
    run = tmp_path / "tr"
    assert main(["train", "translator", "--dry-run", "--run-dir", str(run), "--data-dir", str(tmp_path / "no")]) == 0
    assert main(["generate", "--model", str(run / "best")]) == 2
    assert "needs a char-LM" in capsys.readouterr().err
