"""The command line: --help everywhere, --dry-run for every model kind, train → generate → eval."""

import argparse
import dataclasses
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from engine.cli import build_parser, main
from engine.cli.common import configs_from_args

ROOT = Path(__file__).resolve().parent.parent
# every `python -m engine train <kind>` gets a dry-run test
MODEL_KINDS = ["charlm", "captioner", "ngram", "translator"]


def run_cli(*args, env_extra=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True, env=env,
                           timeout=300, cwd=ROOT)


def _commands(parser=None, path=()):
    """Every (sub)command's parser: ``{("train", "charlm"): parser, ...}``."""
    parser = parser or build_parser()
    found = {path: parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(_commands(sub, path + (name,)))
    return found


def test_every_command_has_help_and_runs_a_function(capsys):
    commands = _commands()
    assert {"train charlm", "train ngram", "train translator", "train captioner", "generate", "eval", "export",
            "translate", "eval-translator", "caption", "eval-captioner"} <= {" ".join(p) for p in commands}
    for path, parser in commands.items():
        for action in parser._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"{' '.join(path)} {action.option_strings} has no help text"
        with pytest.raises(SystemExit) as exc:
            build_parser().parse_args([*path, "--help"])
        assert exc.value.code == 0 and "usage" in capsys.readouterr().out
        if path and path != ("train",):  # a leaf command: one registration style, set_defaults(func=cmd_...)
            assert callable(parser.get_default("func")), path


# ----------------------------------------------------------------------------- decoding flags
DECODE_FLAGS = {  # command -> {flag: (default, type or choices)}: the same as before add_decode_args generated them
    "generate": {"--method": ("sample", ["sample", "greedy", "beam"]), "--temperature": (0.8, float),
                 "--top-k": (None, int), "--top-p": (None, float), "--beam-width": (5, int)},
    "translate": {"--method": ("beam", ["beam", "greedy"]), "--beam-width": (5, int), "--n-best": (1, int),
                  "--length-penalty": (0.6, float)},
    "eval-translator": {"--method": ("beam", ["beam", "greedy"]), "--beam-width": (5, int),
                        "--length-penalty": (0.6, float)},
    "caption": {"--method": ("beam", ["beam", "greedy"]), "--beam-width": (3, int), "--n-best": (1, int),
                "--length-penalty": (0.5, float), "--no-repeat-ngram": (3, int), "--max-len": (None, int)},
    "eval-captioner": {"--beam-width": (3, int), "--length-penalty": (0.5, float), "--no-repeat-ngram": (3, int)},
}


def test_decoding_flags_keep_their_names_defaults_and_types():
    """Each command's decoding flags, generated from DecodeConfig's fields, with the command's own defaults
    (the captioner's are CaptionSettings', what ``Captioner.caption`` uses)."""
    from engine.captioning.model import CaptionSettings

    commands = _commands()
    for command, flags in DECODE_FLAGS.items():
        actions = {opt: a for a in commands[(command,)]._actions for opt in a.option_strings}
        decoding = {"--method", "--temperature", "--top-k", "--top-p", "--beam-width", "--n-best",
                    "--length-penalty", "--no-repeat-ngram", "--max-len", "--min-len", "--length-norm"}
        assert decoding & set(actions) == set(flags), command
        for flag, (default, kind) in flags.items():
            action = actions[flag]
            assert action.default == default and action.dest == flag[2:].replace("-", "_"), (command, flag)
            assert (action.choices == kind) if isinstance(kind, list) else (action.type is kind), (command, flag)
    caption = build_parser().parse_args(["caption", "x.jpg"])
    names = ("method", "beam_width", "n_best", "max_len", "length_penalty", "no_repeat_ngram")
    assert CaptionSettings(**{k: getattr(caption, k) for k in names}) == CaptionSettings()
    assert build_parser().parse_args(["generate", "--top-k", "40", "--method", "beam"]).top_k == 40


# ----------------------------------------------------------------------------- flags from the config dataclasses
def _presets(kind):
    from engine.captioning.presets import PRESETS as CAPTIONER
    from engine.lm.presets import PRESETS as CHARLM
    from engine.seq2seq.presets import PRESETS as TRANSLATOR

    return {"charlm": CHARLM, "translator": TRANSLATOR, "captioner": CAPTIONER}[kind]


def _settings(argv):
    args = build_parser().parse_args(argv)
    return configs_from_args(args, _presets(argv[1]))


DERIVED = {"vocab_size", "src_lang", "tgt_lang"}  # model fields the recipe fills in from the data: no flag


def _other_value(f, value):
    """A valid value different from ``value`` for field ``f``, and how to write it on the command line."""
    if isinstance(value, bool):
        return (not value), [f"--{'no-' if value else ''}{f.name.replace('_', '-')}"]
    if "choices" in f.metadata:
        other = next(c for c in f.metadata["choices"] if c != value)
    elif isinstance(value, tuple):
        other = tuple(v / 2 for v in value)
    elif isinstance(value, int):
        other = value * 2 or 3
    elif isinstance(value, float):
        other = value / 2 or 0.25
    else:
        other = value + "-x"
    return other, [f"--{f.name.replace('_', '-')}", *map(str, other if isinstance(other, tuple) else [other])]


@pytest.mark.parametrize("kind", ["charlm", "translator", "captioner"])
def test_every_config_field_is_a_flag_with_the_dataclass_default(kind):
    """One declaration per setting: each field of the model/data/train dataclasses is a flag of `train <kind>`,
    its default is the command's default preset, its help the field's metadata, and giving it changes that field."""
    parser = _commands()[("train", kind)]
    defaults = _presets(kind)["default"].configs()
    assert _settings(["train", kind]) == defaults  # no flags: exactly the default preset
    help_text = " ".join(parser.format_help().split())
    for config in defaults:
        for f in dataclasses.fields(config):
            if f.name in DERIVED and config is defaults[0]:  # the model's; TranslatorData.vocab_size is a setting
                assert all(a.dest != f"{type(config).__name__}.{f.name}" for a in parser._actions), f.name
                continue
            flag = f"--{f.name.replace('_', '-')}"
            action = parser._option_string_actions.get(flag)
            assert action is not None, f"{type(config).__name__}.{f.name} has no flag {flag}"
            assert " ".join(f.metadata["help"].split()) in " ".join(action.help.split()), flag
            value = getattr(config, f.name)
            shown = (flag if value else f"--no-{flag[2:]}") if isinstance(value, bool) else (
                " ".join(map(str, value)) if isinstance(value, tuple) else str(value))
            assert f"(default: {shown})" in " ".join(action.help.split()), (flag, action.help)
            assert flag in help_text
            other, argv = _other_value(f, value)
            if f.name == "peephole":  # peephole connections need the from-scratch cells
                argv = [*argv, "--no-fused"]
            changed = next(c for c in _settings(["train", kind, *argv]) if type(c) is type(config))
            assert getattr(changed, f.name) == other, (flag, argv)
            assert dataclasses.replace(changed, **{f.name: value}) == dataclasses.replace(
                config, **{k: getattr(changed, k) for k in ("fused",) if f.name == "peephole"}), flag


@pytest.mark.parametrize("kind, old, new", [
    ("charlm", "--layers 1 --hidden 16 --embd 8 --from-scratch --peephole --no-amp",
     "--n-layer 1 --n-hidden 16 --n-embd 8 --no-fused --peephole --no-amp"),
    ("translator", "--embd 64 --unidirectional --no-tie --no-input-feed --attn-dim 32",
     "--n-embd 64 --no-bidirectional --no-tie-embeddings --no-input-feed --attn-dim 32"),
    ("captioner", "--embd 64 --hidden 128 --att-dim 32 --proj 0 --no-attention --no-gate",
     "--n-embd 64 --n-hidden 128 --attn-dim 32 --proj-dim 0 --no-attention --no-gate"),
    ("captioner", "--embed-dim 64 --hidden-dim 128 --att-dim 32", "--n-embd 64 --n-hidden 128 --attn-dim 32"),
])
def test_old_flag_spellings_still_work(kind, old, new):
    before = _settings(["train", kind, *old.split()])
    assert before == _settings(["train", kind, *new.split()])
    assert before != _settings(["train", kind])


@pytest.mark.parametrize("name", ["charlm-shakespeare", "translator-en-fr", "translator-en-fr-noattn",
                                  "captioner-flickr8k"])
def test_shipped_models_recorded_commands_give_their_settings(name):
    """The training command recorded in each shipped config.json, parsed today, names the settings it trained:
    old flag spellings and the defaults of that time included (the captioner's command gives no model flag)."""
    from engine.train.checkpoint import config_from_dict, model_class

    recorded = json.loads((ROOT / "pretrained" / name / "config.json").read_text())
    argv = shlex.split(recorded["meta"]["provenance"]["command"].removeprefix("python -m engine "))
    model, data, train = _settings(argv)
    cls = model_class(recorded["kind"]).config_class
    assert dataclasses.replace(model, vocab_size=recorded["config"]["vocab_size"],
                               **{k: recorded["config"][k] for k in DERIVED - {"vocab_size"} if k in recorded["config"]}
                               ) == config_from_dict(cls, recorded["config"])
    assert dataclasses.asdict(data) == recorded["meta"]["data"]
    now = dataclasses.asdict(train)
    assert {k: now[k] for k in recorded["meta"]["train_config"]} == {
        k: tuple(v) if isinstance(v, list) else v for k, v in recorded["meta"]["train_config"].items()}


def test_presets_and_dry_run():
    """--preset starts from named settings; flags given as well change single fields; --dry-run is the tiny preset."""
    from engine.lm.presets import PRESETS

    recorded = json.loads((ROOT / "pretrained" / "charlm-shakespeare" / "config.json").read_text())
    model, data, train = _settings(["train", "charlm", "--preset", "shakespeare-card"])
    assert dataclasses.asdict(model) == {**recorded["config"], "vocab_size": None}
    assert dataclasses.asdict(data) == recorded["meta"]["data"]
    assert dataclasses.asdict(train) == {**recorded["meta"]["train_config"], "betas": (0.9, 0.99)}
    model, _, train = _settings(["train", "charlm", "--preset", "shakespeare-card", "--n-hidden", "256"])
    assert (model.n_hidden, model.dropout, train.max_steps) == (256, 0.3, 6000)
    model, data, train = _settings(["train", "charlm", "--dry-run", "--n-hidden", "48", "--keep-every", "2"])
    tiny = PRESETS["tiny"]
    assert model == dataclasses.replace(tiny.model, n_hidden=48) and data == tiny.data
    assert train == dataclasses.replace(tiny.train, keep_every=2)
    with pytest.raises(ValueError, match="--dry-run"):
        _settings(["train", "charlm", "--dry-run", "--preset", "default"])
    with pytest.raises(ValueError, match="peephole"):  # the dataclass's own checks run on the parsed settings
        _settings(["train", "charlm", "--peephole"])


@pytest.mark.slow
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


@pytest.mark.slow
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
    model = load_model(tmp_path / "avg", device="cpu")  # compared with CPU tensors, whatever RNN_DEVICE says
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
    for k, v in load_model(tmp_path / "swa", device="cpu").state_dict().items():
        assert torch.allclose(v, sum(s[k] for s in states) / 3, atol=1e-6), k
    with pytest.raises(ValueError, match="keep_every"):
        from engine.train.trainer import TrainConfig

        TrainConfig(keep_every=-1)


def test_charlm_commands_reject_other_model_kinds(tmp_path, capsys):
    run = tmp_path / "tr"
    assert main(["train", "translator", "--dry-run", "--run-dir", str(run), "--data-dir", str(tmp_path / "no")]) == 0
    assert main(["generate", "--model", str(run / "best")]) == 2
    assert "needs a char-LM" in capsys.readouterr().err
