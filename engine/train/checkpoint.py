"""Checkpoint I/O: the one place that reads and writes model and trainer state.

A checkpoint is a folder::

    model.safetensors     the model's state dict (fp32, or fp16 for shipped models)
    config.json           {"kind", "config", "meta" (vocab, metrics, provenance, ...)}
    trainer.safetensors   optional: optimizer/scheduler/RNG/hidden-state tensors, for resuming
    trainer.json          optional: the non-tensor part of that state (step, best loss, ...)

Nothing is ever pickled: tensors go to safetensors, everything else to JSON, so loading an
untrusted checkpoint cannot run code; nor can it exhaust memory: :func:`load_model` checks config.json
against the weights file's header (:func:`check_weights`: every shape and dtype, on a model built on
the ``meta`` device, and a parameter cap) before it allocates anything. Folders are written atomically:
into a temporary sibling, then swapped in with renames, so a crash mid-write leaves the previous checkpoint.

``load_pretrained(name_or_path)`` is the one way in for models: a name under ``pretrained/``
or a checkpoint folder path; the model class comes from :data:`MODEL_KINDS` (kind -> class path),
imported on first use, so this module imports no model and no model imports it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from engine.device import on_meta

__all__ = [
    "CheckpointError",
    "MODEL_KINDS",
    "save_checkpoint",
    "read_checkpoint",
    "load_model",
    "load_pretrained",
    "list_pretrained",
    "pack_state",
    "unpack_state",
    "PRETRAINED_DIR",
    "archive_checkpoint",
    "average_checkpoints",
    "config_from_dict",
    "check_weights",
    "open_checked",
    "weights_header",
    "MAX_LOAD_PARAMS",
]

FORMAT = "rnnlab-checkpoint"
VERSION = 1
PRETRAINED_DIR = Path(__file__).resolve().parents[2] / "pretrained"
# Every model a checkpoint can hold: its ``kind`` (a class attribute of the model, written to config.json)
# and where the class lives. The class needs a ``config`` dataclass attribute, a ``config_class`` class
# attribute, and a constructor ``cls(config)`` or a ``from_checkpoint(config, meta)`` classmethod.
MODEL_KINDS: dict[str, str] = {
    "charlm": "engine.lm.model:CharLM",
    "translator": "engine.seq2seq.model:Translator",
    "captioner": "engine.captioning.model:Captioner",
    "forecaster": "engine.timeseries.model:Forecaster",
    "ecg-predictor": "engine.timeseries.ecg_model:ECGPredictor",
    "ecg-classifier": "engine.timeseries.ecg_model:ECGBeatClassifier",
    "sentiment": "engine.sentiment.model:SentimentClassifier",
    "spacing": "engine.spacing.model:SpacingTagger",
}


#: The most parameters :func:`load_model` builds a model with (10^8: 400 MB in fp32, 11x the largest shipped
#: model); ``load_model(path, max_params=...)`` raises or lowers it for one call.
MAX_LOAD_PARAMS = 100_000_000
# safetensors' dtype names -> torch dtypes (the ones a model state can hold)
_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
           "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
           "BOOL": torch.bool}


class CheckpointError(ValueError):
    """A checkpoint folder is missing, incomplete, or not an RNN Lab checkpoint."""


def model_class(kind: str) -> type:
    """The model class registered for ``kind`` in :data:`MODEL_KINDS` (imported on first use)."""
    import importlib

    if kind not in MODEL_KINDS:
        raise CheckpointError(f"unknown model kind {kind!r}; known kinds: {', '.join(sorted(MODEL_KINDS))}")
    module, name = MODEL_KINDS[kind].split(":")
    return getattr(importlib.import_module(module), name)


# ----------------------------------------------------------------------------- nested state <-> tensors
def pack_state(obj: Any) -> tuple[dict[str, torch.Tensor], Any]:
    """Split a nested structure into (flat tensors, JSON skeleton). Inverse: :func:`unpack_state`.

    Handles what optimizer/scheduler/RNG states contain: dicts (any key type), lists, tuples,
    tensors, numpy arrays, numbers, strings, None.
    """
    tensors: dict[str, torch.Tensor] = {}

    def walk(o: Any) -> Any:
        if isinstance(o, torch.Tensor):
            key = f"t{len(tensors)}"
            tensors[key] = o.detach().cpu().contiguous()
            return {"__tensor__": key}
        if isinstance(o, np.ndarray):
            key = f"t{len(tensors)}"
            tensors[key] = torch.from_numpy(np.ascontiguousarray(o))
            return {"__ndarray__": key}
        if isinstance(o, dict):
            return {"__dict__": [[walk(k), walk(v)] for k, v in o.items()]}
        if isinstance(o, tuple):
            return {"__tuple__": [walk(v) for v in o]}
        if isinstance(o, list):
            return [walk(v) for v in o]
        if isinstance(o, (np.integer, np.floating)):
            return o.item()
        if o is None or isinstance(o, (bool, int, float, str)):
            return o
        raise TypeError(f"cannot store {type(o).__name__} in a checkpoint")

    return tensors, walk(obj)


def unpack_state(tensors: dict[str, torch.Tensor], skeleton: Any) -> Any:
    def walk(o: Any) -> Any:
        if isinstance(o, dict):
            if "__tensor__" in o:
                return tensors[o["__tensor__"]]
            if "__ndarray__" in o:
                return tensors[o["__ndarray__"]].numpy()
            if "__dict__" in o:
                return {_hashable(walk(k)): walk(v) for k, v in o["__dict__"]}
            if "__tuple__" in o:
                return tuple(walk(v) for v in o["__tuple__"])
        if isinstance(o, list):
            return [walk(v) for v in o]
        return o

    return walk(skeleton)


def _hashable(k: Any) -> Any:
    return tuple(k) if isinstance(k, list) else k


# ----------------------------------------------------------------------------- atomic folder writes
def _atomic_folder(path: Path, write: Callable[[Path], None]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    old = path.parent / f".{path.name}.old"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        write(tmp)
        for f in tmp.iterdir():  # flush file contents before the rename makes them visible
            with open(f, "rb+") as fh:
                os.fsync(fh.fileno())
        if path.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
        # else: a crash left only ".name.old" (reads use it); it stays until the new folder is in place
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _recover(path: Path) -> Path:
    """The folder to read ``path`` from: itself, or ``.name.old`` where the previous checkpoint is while
    ``path`` is missing (a crash between the two renames of :func:`_atomic_folder`, or a writer that is
    between them right now).

    Reading never renames: a page reading ``best/`` while the training thread replaces it must not move
    folders under the writer (its second rename would then fail). The next write replaces ``.name.old``.
    """
    path = Path(path)
    old = path.parent / f".{path.name}.old"
    return old if not path.exists() and old.exists() else path


def _jsonable(o: Any) -> Any:
    if is_dataclass(o):
        return asdict(o)
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def save_checkpoint(
    path: str | os.PathLike,
    model: torch.nn.Module,
    meta: dict | None = None,
    trainer_state: Any = None,
    dtype: torch.dtype | None = None,
    extra_files: dict[str, bytes] | None = None,
) -> Path:
    """Write ``model`` (and optionally a trainer state) to the checkpoint folder ``path`` atomically.

    ``meta`` is stored in config.json (vocab, metrics, data provenance...). ``dtype=torch.float16``
    halves the size of a shipped model; loading always returns float32 weights.
    ``extra_files`` (name -> bytes), merged over what the model's optional ``checkpoint_files()``
    returns (e.g. the translator's ``spm.model``), are written into the folder and listed in
    config.json under ``"files"``; ``from_checkpoint`` finds the folder in ``meta["checkpoint_dir"]``.
    """
    raw = model.module if hasattr(model, "module") else model  # unwrap DDP
    kind = getattr(raw, "kind", None)
    if kind not in MODEL_KINDS:
        raise CheckpointError(f"{type(raw).__name__} has no model kind listed in MODEL_KINDS")
    state = {k: (v.to(dtype) if dtype is not None and v.is_floating_point() else v).detach().cpu().contiguous()
             for k, v in raw.state_dict().items()}
    config = {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "config": asdict(raw.config),
        "meta": {**getattr(raw, "checkpoint_meta", lambda: {})(), **(meta or {})},
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    config["meta"].pop("checkpoint_dir", None)  # where it was loaded from: not part of the checkpoint
    files = {**getattr(raw, "checkpoint_files", lambda: {})(), **(extra_files or {})}
    reserved = {"model.safetensors", "config.json", "trainer.safetensors", "trainer.json"}
    for name in files:
        if name in reserved or not name or Path(name).name != name or name.startswith("."):
            raise CheckpointError(f"extra file name {name!r} must be a plain file name, not one of {sorted(reserved)}")
    if files:
        config["files"] = sorted(files)

    def write(folder: Path) -> None:
        save_file(_dedupe_shared(state), str(folder / "model.safetensors"))
        (folder / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False, default=_jsonable))
        if trainer_state is not None:
            tensors, skeleton = pack_state(trainer_state)
            save_file(tensors, str(folder / "trainer.safetensors"))
            (folder / "trainer.json").write_text(json.dumps(skeleton))
        for name, data in files.items():
            (folder / name).write_bytes(bytes(data))

    path = Path(path)
    _atomic_folder(path, write)
    return path


def _dedupe_shared(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """safetensors refuses tensors that share memory (tied weights): store independent copies."""
    seen: dict[int, str] = {}
    out = {}
    for k, v in state.items():
        ptr = v.data_ptr()
        out[k] = v.clone() if ptr in seen and v.numel() else v
        seen.setdefault(ptr, k)
    return out


def _open_folder(path: str | os.PathLike) -> tuple[Path, dict]:
    """``(folder, config.json)`` of a checkpoint folder (``.name.old`` after a crash), checked, no weights read."""
    path = _recover(Path(path))
    cfg_file, weights = path / "config.json", path / "model.safetensors"
    if not cfg_file.is_file() or not weights.is_file():
        raise CheckpointError(f"{path} is not a checkpoint folder (needs config.json and model.safetensors)")
    try:
        config = json.loads(cfg_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{cfg_file} is not valid JSON: {exc}") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise CheckpointError(f"{cfg_file} is not an RNN Lab checkpoint (format "
                              f"{config.get('format') if isinstance(config, dict) else None!r})")
    return path, config


def _read_weights(weights: Path) -> dict[str, torch.Tensor]:
    try:
        state = load_file(str(weights))
    except Exception as exc:  # safetensors raises its own error types for corrupt files
        raise CheckpointError(f"{weights} could not be read: {exc}") from None
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


def read_checkpoint(path: str | os.PathLike, with_trainer: bool = False, *,
                    max_params: int = MAX_LOAD_PARAMS) -> tuple[dict, dict, Any]:
    """Read a checkpoint folder: ``(state_dict, config_json, trainer_state_or_None)`` (fp32 weights).

    Checked like :func:`load_model` before a weight is read (:func:`open_checked`): a run folder's ``last/``
    whose config.json asks for another model than its weights hold is a :class:`CheckpointError`.
    """
    path, config = open_checked(path, max_params)
    state = _read_weights(path / "model.safetensors")
    trainer = None
    if with_trainer:
        tfile, tjson = path / "trainer.safetensors", path / "trainer.json"
        if not tfile.is_file() or not tjson.is_file():
            raise CheckpointError(f"{path} has no trainer state to resume from")
        trainer = unpack_state(load_file(str(tfile)), json.loads(tjson.read_text()))
    return state, config, trainer


def config_from_dict(config_class: type, values: dict) -> Any:
    """``config_class(**values)``, with the field names of older versions renamed first.

    A config class lists its renamed fields in a ``LEGACY_NAMES`` class attribute (old name -> new
    name), so checkpoints and runs written before a rename still load, unchanged on disk::

        >>> from engine.captioning.model import CaptionerConfig
        >>> config_from_dict(CaptionerConfig, {"vocab_size": 10, "hidden_dim": 64}).n_hidden
        64
    """
    legacy = getattr(config_class, "LEGACY_NAMES", {})
    return config_class(**{legacy.get(k, k): v for k, v in values.items()})


def build_model(config_json: dict, folder: str | os.PathLike | None = None) -> torch.nn.Module:
    """The (untrained) model ``config_json`` describes; inside ``with engine.device.on_meta()`` it costs no memory."""
    kind = config_json.get("kind")
    cls = model_class(kind)
    where = f"{folder}: " if folder is not None else ""
    try:
        cfg = config_from_dict(cls.config_class, config_json["config"])
    except (KeyError, TypeError) as exc:  # no "config", or fields of another version of the code
        raise CheckpointError(f"{where}its {kind} configuration does not match this version of RNN Lab ({exc})"
                              ) from exc
    except CheckpointError:
        raise
    except ValueError as exc:  # a field out of range (the config's __post_init__)
        raise CheckpointError(f"{where}its {kind} configuration is invalid ({exc})") from exc
    if hasattr(cls, "from_checkpoint"):
        meta = dict(config_json.get("meta", {}))
        if folder is not None:
            meta["checkpoint_dir"] = str(folder)  # so the model can read its extra files (spm.model ...)
        return cls.from_checkpoint(cfg, meta)
    return cls(cfg)


def weights_header(weights: str | os.PathLike) -> dict[str, tuple[torch.dtype, tuple[int, ...]]]:
    """Name -> ``(dtype, shape)`` of every tensor in a safetensors file, from its header: no tensor is read.

    safetensors checks that the header's tensors exactly cover the file, so what it declares is what
    loading the file would allocate.
    """
    try:
        with safe_open(str(weights), framework="pt") as f:
            raw = {k: (f.get_slice(k).get_dtype(), tuple(f.get_slice(k).get_shape())) for k in f.keys()}
    except Exception as exc:  # safetensors raises its own error types for corrupt headers
        raise CheckpointError(f"{weights} could not be read: {exc}") from None
    unknown = sorted({dtype for dtype, _ in raw.values()} - set(_DTYPES))
    if unknown:
        raise CheckpointError(f"{weights} holds tensors of type {', '.join(unknown)}, which no model here uses")
    return {k: (_DTYPES[dtype], shape) for k, (dtype, shape) in raw.items()}


def check_weights(config_json: dict, header: dict[str, tuple[torch.dtype, tuple[int, ...]]],
                  folder: str | os.PathLike | None = None, max_params: int = MAX_LOAD_PARAMS) -> None:
    """Raise :class:`CheckpointError` unless weights with these shapes and dtypes (:func:`weights_header`) are
    what the model of ``config_json`` holds, and no more than ``max_params`` numbers: checked before any
    memory is allocated.

    The model is built on the ``meta`` device (shapes, no storage), and no further once it has registered
    far more tensors than the file holds (twice as many, plus 16); the header's tensors, as empty meta
    tensors, then go through the model's own ``load_state_dict`` (so renamed weights of older versions are
    matched as loading matches them): every missing, unexpected or wrongly shaped tensor is reported. A
    ``config.json`` asking for ``n_hidden=8000`` next to small weights is refused in milliseconds, not after
    allocating gigabytes.
    """
    where = f"{folder}: " if folder is not None else ""
    n_params = sum(math.prod(shape) for _, shape in header.values())
    if n_params > max_params:
        raise CheckpointError(f"{where}the weights hold {n_params:,} numbers; at most {max_params:,} are loaded "
                              "(load_model(path, max_params=...) changes the limit)")
    try:
        with _meta_build(2 * len(header) + 16, where):
            model = build_model(config_json, folder)
    except (RuntimeError, ValueError, TypeError, OverflowError) as exc:  # e.g. a negative size
        if isinstance(exc, ValueError) and type(exc) is not ValueError:  # already typed (CheckpointError, DataError)
            raise
        raise CheckpointError(f"{where}its configuration cannot be built ({exc})") from None
    built = {k: v.dtype for k, v in model.state_dict().items()}
    for k, (dtype, _) in header.items():  # a name the model lacks is a renamed (float) weight, or unexpected
        need = built.get(k, torch.float32)
        if dtype.is_floating_point != need.is_floating_point:
            raise CheckpointError(f"{where}weight {k!r} is stored as {dtype}, the model needs {need}")
    _load_state(model, {k: torch.empty(shape, dtype=dtype, device="meta") for k, (dtype, shape) in header.items()},
                where)


def open_checked(path: str | os.PathLike, max_params: int = MAX_LOAD_PARAMS) -> tuple[Path, dict]:
    """``(folder, config.json)`` of a checkpoint folder whose config its weights file's header matches
    (:func:`check_weights`), no weight read: what every reader goes through before it builds or reads anything.

    A run's ``last/`` is as untrusted as any folder (a resumed run builds its model from that config.json).
    """
    folder, config_json = _open_folder(path)
    check_weights(config_json, weights_header(folder / "model.safetensors"), folder, max_params)
    return folder, config_json


@contextmanager
def _meta_build(limit: int, where: str) -> Iterator[None]:
    """Build models on the meta device (shapes, no storage) and stop a build in this thread
    (:class:`CheckpointError`) once it has registered ``limit`` tensors.

    A config asking for ``n_layer=10**6`` would otherwise take minutes to build even on the meta device.
    """
    from torch.nn.modules.module import (
        register_module_buffer_registration_hook,
        register_module_parameter_registration_hook,
    )

    me, count = threading.get_ident(), [0]

    def hook(module: torch.nn.Module, name: str, tensor: Any) -> None:
        if threading.get_ident() == me:
            count[0] += 1
            if count[0] > limit:
                raise CheckpointError(f"{where}its configuration asks for more tensors than the weights file holds")

    handles = [register_module_parameter_registration_hook(hook), register_module_buffer_registration_hook(hook)]
    try:
        with on_meta():
            yield
    finally:
        for handle in handles:
            handle.remove()


def _load_state(model: torch.nn.Module, state: dict[str, torch.Tensor], where: str) -> None:
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # "size mismatch for rnn.weight_hh_l0: copying a param with shape ..."
        raise CheckpointError(f"{where}weights do not match the config: {exc}") from None
    if missing or unexpected:
        raise CheckpointError(f"{where}weights do not match the config (missing {missing}, unexpected {unexpected})")


def load_model(path: str | os.PathLike, device: str | torch.device | None = None, *,
               max_params: int = MAX_LOAD_PARAMS) -> torch.nn.Module:
    """Build the model stored in a checkpoint folder, load its weights, return it in eval mode.

    ``model.meta`` holds the checkpoint's meta (vocab, metrics, provenance). The weights file's header is
    checked against the config (:func:`check_weights`) before the model is built or a weight is read;
    a model of more than ``max_params`` parameters is refused.
    """
    folder, config_json = open_checked(path, max_params)
    state = _read_weights(folder / "model.safetensors")
    return _instantiate(state, config_json, path, config_json.get("meta", {}), device)


def _instantiate(state: dict[str, torch.Tensor], config_json: dict, path: str | os.PathLike, meta: dict,
                 device: str | torch.device | None) -> torch.nn.Module:
    """The model of ``config_json`` with weights ``state`` and ``meta`` attached, on ``device``, in eval mode."""
    from engine.device import pick_device

    model = build_model(config_json, _recover(Path(path)))
    _load_state(model, state, f"{path}: ")
    model.meta = meta
    model.checkpoint_path = str(path)
    return model.to(pick_device(device)).eval()


def list_pretrained() -> list[str]:
    """Names of the models shipped in ``pretrained/`` (folders with a config.json)."""
    if not PRETRAINED_DIR.is_dir():
        return []
    return sorted(p.name for p in PRETRAINED_DIR.iterdir() if (p / "config.json").is_file())


def load_pretrained(name_or_path: str | os.PathLike, device: str | torch.device | None = None) -> torch.nn.Module:
    """Load a shipped model by name (``"charlm-shakespeare"``) or any checkpoint folder by path."""
    candidate = PRETRAINED_DIR / str(name_or_path)
    if (candidate / "config.json").is_file():
        return load_model(candidate, device)
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return load_model(path, device)
    raise CheckpointError(
        f"no pretrained model or checkpoint folder {str(name_or_path)!r}; "
        f"shipped models: {', '.join(list_pretrained()) or 'none'}"
    )


def average_checkpoints(paths: list[str | os.PathLike], device: str | torch.device | None = None,
                        ) -> torch.nn.Module:
    """One model whose weights are the element-wise mean of several checkpoints of the same run.

    Checkpoint averaging (Vaswani et al. 2017; fairseq's ``average_checkpoints.py``): the weights of
    the last few checkpoints of a run that has settled into one basin, averaged, often generalise a
    little better than any one of them (the average sits nearer the basin's centre; Izmailov et al.
    2018, stochastic weight averaging). Measure it: averaging checkpoints from different basins (two
    runs, or early and late ones) gives a worse model, not a better one.

    All checkpoints must have the same kind, architecture and vocabulary. The result carries the first
    checkpoint's meta plus ``meta["averaged_from"]`` (the folders and the steps they record), in eval mode.

    >>> model = average_checkpoints(["run/snap-2800", "run/snap-2900", "run/last"])  # doctest: +SKIP
    """
    if not paths:
        raise CheckpointError("average_checkpoints needs at least one checkpoint")
    total: dict[str, torch.Tensor] = {}
    folder, first_cfg = open_checked(paths[0])  # the model is built from its config: check its weights first
    first_state = _read_weights(folder / "model.safetensors")
    sources = []
    for i, path in enumerate(paths):
        state, cfg = (first_state, first_cfg) if i == 0 else read_checkpoint(path)[:2]  # read each file once
        for key in ("kind", "config"):
            if cfg.get(key) != first_cfg.get(key):
                raise CheckpointError(f"{path}: {key} differs from {paths[0]}'s; only checkpoints of one "
                                      f"architecture can be averaged")
        if cfg.get("meta", {}).get("vocab") != first_cfg.get("meta", {}).get("vocab"):
            raise CheckpointError(f"{path}: vocabulary differs from {paths[0]}'s")
        if state.keys() != first_state.keys():
            raise CheckpointError(f"{path}: weights differ in names from {paths[0]}'s")
        for k, v in state.items():
            if not v.is_floating_point():
                if not torch.equal(v, first_state[k]):
                    raise CheckpointError(f"{path}: non-float tensor {k!r} differs from {paths[0]}'s")
                continue
            if v.shape != first_state[k].shape:
                raise CheckpointError(f"{path}: {k!r} has shape {tuple(v.shape)}, not {tuple(first_state[k].shape)}")
            total[k] = total[k] + v.double() if k in total else v.double()
        sources.append({"path": str(path), "step": cfg.get("meta", {}).get("step")})
    averaged = {k: (total[k] / len(paths)).float() if k in total else v for k, v in first_state.items()}
    return _instantiate(averaged, first_cfg, paths[0], {**first_cfg.get("meta", {}), "averaged_from": sources}, device)


def archive_checkpoint(path: str | os.PathLike, folder: str | None = None) -> bytes:
    """A zip (bytes) of the checkpoint folder's ``model.safetensors``, ``config.json`` and the extra
    files config.json lists (a translator's ``spm.model``), nothing else.

    What a download button hands to the user: the model, without the trainer state. The files sit
    in a folder named ``folder`` (default: the checkpoint folder's name), so unzipping gives a
    folder that ``load_pretrained(path)`` opens. Only plain files directly inside the checkpoint folder
    are archived: a ``config.json`` listing ``../../etc/passwd``, an absolute path or a symbolic link
    is a :class:`CheckpointError`, not a leaked file.
    """
    import io
    import zipfile

    path_arg = path
    path, config = _open_folder(path)
    files = [_inside(path, "model.safetensors"), _inside(path, "config.json")]
    listed = config.get("files", [])
    if not isinstance(listed, list):
        raise CheckpointError(f"{path}/config.json: \"files\" must be a list of file names")
    extra = [f for f in (_inside(path, name) for name in listed) if f.is_file()]  # e.g. spm.model
    folder = folder or Path(path_arg).name
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(files[0], f"{folder}/{files[0].name}", compress_type=zipfile.ZIP_STORED)  # floats: no gain
        zf.write(files[1], f"{folder}/{files[1].name}", compress_type=zipfile.ZIP_DEFLATED)
        for f in extra:
            zf.write(f, f"{folder}/{f.name}", compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _inside(folder: Path, name: Any) -> Path:
    """``folder / name`` if ``name`` is a plain file name (no folder part, not hidden) and not a symbolic
    link; else :class:`CheckpointError`.

    >>> _inside(Path("ck"), "spm.model").as_posix()
    'ck/spm.model'
    >>> _inside(Path("ck"), "../../etc/passwd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    engine.train.checkpoint.CheckpointError: ck: '../../etc/passwd' is not a plain file inside the checkpoint ...
    """
    path = folder / name if isinstance(name, str) and name else None
    if (path is None or Path(name).name != name or name.startswith(".") or path.is_symlink()
            or (path.exists() and path.resolve().parent != folder.resolve())):
        raise CheckpointError(f"{folder}: {name!r} is not a plain file inside the checkpoint folder (no folder "
                              "part, no link)")
    return path
