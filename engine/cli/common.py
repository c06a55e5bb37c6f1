"""What the command groups share: flags generated from the config dataclasses, presets, the progress bar.

A setting is declared once, as a field of a ``@dataclass`` config (the model's, the data's, the
:class:`~engine.train.trainer.TrainConfig`); :func:`add_config_args` turns the fields into flags
(``n_hidden`` -> ``--n-hidden``, help from the field's ``metadata``) and :func:`config_from_args` turns
the parsed flags back into the typed config::

    >>> import argparse
    >>> from engine.lm.model import CharLMConfig
    >>> parser = argparse.ArgumentParser()
    >>> add_config_args(parser, CharLMConfig, exclude=("vocab_size",), aliases={"n_layer": "--layers"},
    ...                 negations={"fused": "--from-scratch"})
    >>> config = config_from_args(parser.parse_args(["--layers", "1", "--from-scratch"]), CharLMConfig)
    >>> config.n_layer, config.fused, config.n_hidden     # n_hidden: not given, the dataclass default
    (1, False, 512)

One listener serves every model kind's progress bar; only the words differ (characters, subwords, words).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from engine.train.provenance import corpus_provenance, portable_path, run_command

__all__ = ["DRY_RUN_TEXT", "FINISHED", "add_common_args", "add_config_args", "add_decode_args", "add_preset_arg",
           "add_train_args", "config_from_args", "configs_from_args", "corpus_provenance", "load_or_dry_run",
           "fit_run", "portable_path", "progress_listener", "run_command", "run_dir_for", "stop_on_signals"]

DRY_RUN_TEXT = (
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
    "First Citizen:\nYou are all resolved rather to die than to famish?\n\n"
) * 40  # a tiny built-in text so --dry-run works with no data directory


# ----------------------------------------------------------------------------- flags from dataclasses
def _dest(cls: type, name: str) -> str:
    return f"{cls.__name__}.{name}"  # one namespace per config: TranslatorData.vocab_size is not the model's


def _shown(value: Any) -> str:
    return " ".join(map(str, value)) if isinstance(value, tuple) else str(value)


def add_config_args(parser: argparse.ArgumentParser, config: type | Any, *, exclude: Iterable[str] = (),
                    aliases: Mapping[str, str | tuple[str, ...]] | None = None,
                    negations: Mapping[str, str] | None = None, title: str | None = None) -> None:
    """Add one flag per field of the dataclass ``config`` to ``parser``, in an argument group.

    ``config`` is the class (its defaults are shown in ``--help``) or an instance, e.g. a preset's
    (its values are shown). The field ``n_hidden`` becomes ``--n-hidden`` with the field's type
    (``int``, ``float``, ``str``, ``X | None``, ``tuple[float, float]`` as two values), its
    ``metadata["choices"]`` and ``metadata["help"]``; a ``bool`` field becomes ``--x/--no-x``.
    ``aliases`` gives other spellings of a field's flag (``{"n_layer": "--layers"}``: older command
    lines keep working), ``negations`` a flag that sets a bool field to False (``{"fused": "--from-scratch"}``).

    A flag that is not given puts nothing in the namespace (``argparse.SUPPRESS``), so
    :func:`config_from_args` applies the given flags on top of any base: the class defaults or a preset.
    """
    cls = config if isinstance(config, type) else type(config)
    aliases, negations, exclude = dict(aliases or {}), dict(negations or {}), set(exclude)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = (set(aliases) | set(negations) | exclude) - names
    if unknown:
        raise ValueError(f"{cls.__name__} has no field(s) {sorted(unknown)}")
    hints = typing.get_type_hints(cls)
    group = parser.add_argument_group(title or cls.__name__)
    for f in dataclasses.fields(cls):
        if not f.init or f.name in exclude:
            continue
        if config is cls:
            default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        else:
            default = getattr(config, f.name)
        tp = hints[f.name]
        if typing.get_origin(tp) in (typing.Union, types.UnionType):  # X | None: the flag takes an X
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
        text = f.metadata.get("help", "")
        if default is not dataclasses.MISSING:
            shown = (f"--{'' if default else 'no-'}{f.name.replace('_', '-')}" if tp is bool else _shown(default))
            text = f"{text} (default: {shown})" if text else f"default: {shown}"
        spelled = aliases.get(f.name, ())
        flags = [f"--{f.name.replace('_', '-')}", *([spelled] if isinstance(spelled, str) else spelled)]
        kw: dict[str, Any] = dict(dest=_dest(cls, f.name), default=argparse.SUPPRESS, help=text.replace("%", "%%"))
        if tp is bool:
            kw["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(tp) is tuple:
            item_types = typing.get_args(tp)
            kw.update(nargs=len(item_types), type=item_types[0],
                      metavar=tuple(f"{f.name.upper()}{i}" for i in range(1, len(item_types) + 1)))
        else:
            kw["type"] = tp
            if "choices" in f.metadata:
                kw["choices"] = tuple(f.metadata["choices"])
            else:
                kw["metavar"] = f.name.upper()
        group.add_argument(*flags, **kw)
        if f.name in negations:
            if tp is not bool:
                raise ValueError(f"negation {negations[f.name]} of {cls.__name__}.{f.name}, which is not a bool")
            group.add_argument(negations[f.name], dest=_dest(cls, f.name), action="store_false",
                               default=argparse.SUPPRESS, help=f"same as --no-{f.name.replace('_', '-')}")


def config_from_args(args: argparse.Namespace, config: type | Any) -> Any:
    """The typed config named by the flags of :func:`add_config_args`.

    ``config`` is the base the given flags change: the class (its defaults) or an instance (e.g. a
    preset's config). Flags that were not given keep the base's value. The config's own checks run
    (``__post_init__``), so a bad combination is a ``ValueError`` naming the setting.
    """
    base = config() if isinstance(config, type) else config
    prefix = _dest(type(base), "")
    given = {k[len(prefix):]: tuple(v) if isinstance(v, list) else v
             for k, v in vars(args).items() if k.startswith(prefix)}
    return dataclasses.replace(base, **given)


def add_preset_arg(parser: argparse.ArgumentParser, presets: Mapping[str, Any]) -> None:
    """``--preset NAME``: start from ``presets[NAME]`` instead of ``presets["default"]``."""
    listing = "; ".join(f"{name}: {p.about}" for name, p in presets.items() if name != "default")
    parser.add_argument("--preset", choices=tuple(presets), default=argparse.SUPPRESS,
                        help=f"start from these settings instead of the defaults shown below; flags given as well "
                             f"change single fields of them ({listing})".replace("%", "%%"))


def configs_from_args(args: argparse.Namespace, presets: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    """``(model, data, train)`` of a ``train`` command: a preset with the flags given on the command line applied.

    The preset is ``--preset NAME``, else ``"tiny"`` with ``--dry-run``, else ``"default"`` (whose values
    the flags' help shows).
    """
    name = getattr(args, "preset", None)
    if getattr(args, "dry_run", False):
        if name not in (None, "tiny"):
            raise ValueError(f"--dry-run trains the tiny preset; drop --preset {name}")
        name = "tiny"
    preset = presets[name or "default"]
    model, data, train = (config_from_args(args, c) for c in preset.configs())
    return model, data, train


def add_train_args(parser: argparse.ArgumentParser, presets: Mapping[str, Any], *, model_title: str | None = None,
                   **model_flags: Any) -> None:
    """The settings flags of a ``train <kind>`` command, the inverse of :func:`configs_from_args`.

    ``--preset``, then one flag per field of the default preset's model, data and optimisation configs
    (``model_flags``: ``exclude``, ``aliases``, ``negations`` of the model's flags, see
    :func:`add_config_args`), then ``--data-dir`` and ``--device``.
    """
    default = presets["default"]
    add_preset_arg(parser, presets)
    add_config_args(parser, default.model, title=model_title or f"model ({type(default.model).__name__})",
                    **model_flags)
    add_config_args(parser, default.data, title=f"data ({type(default.data).__name__})")
    add_config_args(parser, default.train, title=f"optimisation ({type(default.train).__name__})")
    add_common_args(parser)


def add_common_args(parser: argparse.ArgumentParser, data: bool = True) -> None:
    """``--data-dir`` (when the command reads data) and ``--device``."""
    if data:
        parser.add_argument("--data-dir", default=None, help="data directory (default: $RNN_DATA_DIR)")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:N or mps (default: auto, or $RNN_DEVICE)")


# ----------------------------------------------------------------------------- decoding flags
DECODE_HELP = {  # what each decoding flag does; a command may say it in its own words (``helps=``)
    "method": "decoding strategy",
    "temperature": "softmax temperature (sampling)",
    "top_k": "keep only the k most likely tokens (sampling)",
    "top_p": "nucleus sampling: keep the smallest set with mass p",
    "beam_width": "beam width (beam search)",
    "n_best": "print the n best hypotheses with their scores (beam)",
    "length_penalty": "GNMT length normalisation alpha (beam)",
    "length_norm": "length normalisation of beam scores: gnmt ((5+L)/6)^alpha or power L^alpha",
    "min_len": "forbid the end token before this many tokens",
    "no_repeat_ngram": "forbid repeating n-grams of this size (0: off)",
    "max_len": "longest output in tokens (default: the model's)",
}


def add_decode_args(parser: argparse.ArgumentParser, *, methods: Iterable[str] | None = None,
                    helps: Mapping[str, str] | None = None, **defaults: Any) -> None:
    """Add one flag per decoding setting named in ``defaults``, with that default: the command's own choice.

    The names are fields of :class:`engine.decoding.DecodeConfig` (``beam_width`` -> ``--beam-width``, its
    type from the field: ``int``, ``float``, ``X | None`` as an X, a ``Literal`` as choices); ``method``
    takes ``methods`` (default: all three). Help comes from :data:`DECODE_HELP` unless ``helps`` words it
    for this command.
    The flags keep the fields' names, so ``args.beam_width`` is the beam width::

        >>> parser = argparse.ArgumentParser()
        >>> add_decode_args(parser, methods=("beam", "greedy"), method="beam", beam_width=5, top_k=None)
        >>> args = parser.parse_args(["--beam-width", "3", "--top-k", "40"])
        >>> args.method, args.beam_width, args.top_k
        ('beam', 3, 40)
        >>> add_decode_args(parser, beam_size=5)
        Traceback (most recent call last):
        ...
        ValueError: DecodeConfig has no field(s) ['beam_size']
    """
    from engine.decoding import DecodeConfig

    hints = typing.get_type_hints(DecodeConfig)
    unknown = sorted(set(defaults) - set(hints))
    if unknown:
        raise ValueError(f"DecodeConfig has no field(s) {unknown}")
    helps = {**DECODE_HELP, **(helps or {})}
    for name, default in defaults.items():
        kw: dict[str, Any] = {"default": default, "help": helps[name].replace("%", "%%")}
        tp = hints[name]
        if typing.get_origin(tp) in (typing.Union, types.UnionType):  # X | None: the flag takes an X
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
        if typing.get_origin(tp) is typing.Literal:
            kw["choices"] = list(methods if name == "method" and methods is not None else typing.get_args(tp))
        else:
            kw["type"] = tp
        parser.add_argument(f"--{name.replace('_', '-')}", **kw)


# ----------------------------------------------------------------------------- training runs
#: How a run may end for its command to exit 0 (a stop request saves a checkpoint to resume from).
FINISHED = ("done", "early_stop", "stopped")


def fit_run(device: str | None, run_dir: Path, provenance: dict, progress: tuple[int, str, str],
            build: Callable[[Any], Any], describe: Callable[[Any], str]) -> tuple[str, Any]:
    """Train as a ``train`` command does; returns ``(status, run options)``.

    In :func:`~engine.train.distributed.distributed_context` (one process, or one per GPU under torchrun),
    ``build(run)`` makes the recipe's trainer from the :class:`~engine.train.run_options.RunOptions` ``run``
    (the progress bar, ``progress = (max_steps, token, sample_title)`` of :func:`progress_listener`, on rank 0
    only); rank 0 says what it trains (``describe(trainer)``); Ctrl-C or SIGTERM stop it with a checkpoint.
    """
    from engine.train.distributed import distributed_context
    from engine.train.run_options import RunOptions

    max_steps, token, sample_title = progress
    with distributed_context(device) as (rank, world_size, rank_device):
        listeners = [progress_listener(max_steps, 0, token, sample_title)] if rank == 0 else []
        run = RunOptions(run_dir=run_dir, provenance=provenance, listeners=listeners, device=rank_device, rank=rank,
                         world_size=world_size)
        trainer = build(run)
        if rank == 0:
            where = f"resuming at step {trainer.step}" if trainer.step else "new run"
            print(f"{where} in {run_dir}: {describe(trainer)}, device {trainer.device}, {world_size} process(es)",
                  file=sys.stderr)
        stop_on_signals(trainer)
        return trainer.fit(), run


def progress_listener(total: int, start: int = 0, token: str = "char",
                      sample_title: str = "sample") -> Callable:
    """A listener drawing a progress bar with loss, gradient norm, throughput and the last validation loss.

    ``token`` names what the loss is per (``char`` adds bits/char; others add perplexity).
    """
    from tqdm import tqdm

    bar = tqdm(total=total, initial=start, unit="step", dynamic_ncols=True, file=sys.stderr)
    last_val: dict[str, float | None] = {"v": None}

    def on_event(e) -> None:
        if e.kind == "start" and e.data.get("resumed_from"):
            bar.n = bar.last_print_n = e.data["resumed_from"]
            bar.refresh()
        elif e.kind == "step":
            bar.update(1)
            post = {"loss": f"{e.data['loss']:.3f}", "gnorm": f"{e.data['grad_norm']:.2f}",
                    f"{token}/s": f"{e.data['tokens_per_s']:.0f}"}
            if last_val["v"] is not None:
                post["val"] = f"{last_val['v']:.3f}"
            bar.set_postfix(post, refresh=False)
        elif e.kind == "eval":
            v = last_val["v"] = e.data["val_loss"]
            extra = f"{v / math.log(2):.4f} bits/char" if token == "char" else f"perplexity {math.exp(v):.2f}"
            bar.write(f"step {e.step}: val loss {v:.4f} nats/{token} ({extra})"
                      f"{' *best*' if e.data['improved'] else ''}")
        elif e.kind == "sample":
            bar.write(f"--- {sample_title} at step {e.step} ---\n{e.data['text']}\n---")
        elif e.kind in ("stopped", "early_stop", "diverged", "done"):
            bar.close()
            msg = e.data.get("message") or ", ".join(f"{k}={v}" for k, v in e.data.items())
            print(f"{e.kind} at step {e.step}: {msg}", file=sys.stderr)

    return on_event


def stop_on_signals(trainer) -> None:
    """Ctrl-C or `kill` (SIGTERM) ask the trainer to stop: it saves run_dir/last first, so nothing is lost."""
    import signal

    def handler(signum, frame):
        print(f"\n{signal.Signals(signum).name}: stopping after this step and saving the checkpoint "
              "(send it again to abort without saving)", file=sys.stderr)
        trainer.request_stop()
        signal.signal(signum, signal.SIG_DFL)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)


def run_dir_for(run_dir: str | None, default_name: str, fresh: bool) -> Path | None:
    """The run folder of a training command (``~/rnnlab-runs/<default_name>`` unless given).

    Returns ``None`` (after printing why) when ``--fresh`` was asked for but the folder already holds a run.
    """
    path = Path(run_dir or Path.home() / "rnnlab-runs" / default_name).expanduser()
    if fresh and (path / "last").exists():
        print(f"error: {path} already holds a run (drop --fresh to resume it)", file=sys.stderr)
        return None
    return path


def load_or_dry_run(load: Callable[[], Any], dry_run: bool, stand_in: Callable[[], Any], what: str) -> tuple[Any, bool]:
    """``(load(), False)``; in a dry run whose corpus is missing, says so and returns ``(stand_in(), True)``."""
    from engine.data.corpora import CorpusNotFoundError, DataError

    try:
        return load(), False
    except (CorpusNotFoundError, DataError) as exc:
        if not dry_run:
            raise
        print(f"dry run: {exc}; using {what} instead", file=sys.stderr)
        return stand_in(), True
