"""A small reader for PhysioNet WFDB records (MIT-BIH record 100): the ``.hea`` header, the format-212 ``.dat``
signal and the ``.atr`` beat annotations, in numpy.

Why not the ``wfdb`` package: ``pip install wfdb --dry-run --ignore-installed`` (wfdb 4.3.1) lists 32 packages
with it, among them matplotlib, soundfile, aiohttp, fsspec, requests, pandas and scipy, for an app that must fit
Streamlit Community Cloud's ~2.7 GB; the three small files' formats fit on a page
(https://physionet.org/physiotools/wag/header-5.htm, signal-5.htm, annot-5.htm). This reader checks what the
files promise (sample count, each signal's 16-bit checksum and first value) and raises :class:`WfdbError`
naming the file when they do not hold.

Format 212 packs two 12-bit two's-complement samples into three bytes::

    byte 0 = low 8 bits of sample a      byte 1 = high 4 bits of b | high 4 bits of a      byte 2 = low 8 bits of b

Samples of the signals are interleaved frame by frame (lead 0, lead 1, lead 0, ...). Physical units:
``mV = (adc - baseline) / gain``.

>>> decode_212(bytes([0x01, 0xF0, 0xFF]), 2).tolist()   # a = 0x001 = 1, b = 0xFFF = -1
[1, -1]

The annotation file is a stream of 16-bit little-endian words: the top 6 bits are a code A, the low 10 bits a
number I. A in 1..49 is a beat or event label at I samples after the previous one; A = 59 (SKIP) moves time by
the 32-bit number in the next two words; A = 60, 61, 62 set fields of the annotation (no time); A = 63 (AUX)
is followed by I bytes of text; the word 0 ends the file.

>>> read_annotation_bytes(bytes([0x12, 0x04, 0x05, 0x20, 0x00, 0x00]))   # N at 18, then A 5 samples later
Annotations(sample=array([18, 23]), symbol=array(['N', 'A'], dtype='<U1'))
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["BEAT_SYMBOLS", "Annotations", "Record", "SignalSpec", "WfdbError", "decode_212", "encode_212",
           "read_annotation_bytes", "read_annotations", "read_header", "read_record", "write_annotations",
           "write_record"]

#: MIT annotation codes (1..41) -> symbols (PhysioNet's ``ecgcodes.h``).
CODES: dict[int, str] = {1: "N", 2: "L", 3: "R", 4: "a", 5: "V", 6: "F", 7: "J", 8: "A", 9: "S", 10: "E",
                         11: "j", 12: "/", 13: "Q", 14: "~", 16: "|", 18: "s", 19: "T", 20: "*", 21: "D",
                         22: '"', 23: "=", 24: "p", 25: "B", 26: "^", 27: "t", 28: "+", 29: "u", 30: "?",
                         31: "!", 32: "[", 33: "]", 34: "e", 35: "n", 36: "@", 37: "x", 38: "f", 39: "(",
                         40: ")", 41: "r"}
#: The symbols that label a heartbeat (the others mark rhythm changes, noise, comments).
BEAT_SYMBOLS = frozenset("NLRBaJASVrFejnE/fQ?")
_SKIP, _NUM, _SUB, _CHN, _AUX = 59, 60, 61, 62, 63


class WfdbError(ValueError):
    """A WFDB file is missing, malformed, or disagrees with its header."""


@dataclass(frozen=True)
class SignalSpec:
    """One signal line of a header: ``100.dat 212 200 11 1024 995 -22131 0 MLII``."""

    file: str
    fmt: int
    gain: float       # ADC units per mV
    baseline: int     # the ADC value of 0 mV
    adc_res: int
    adc_zero: int
    init_value: int
    checksum: int
    name: str


@dataclass(frozen=True)
class Record:
    """A record: ``adc`` (n_samples, n_signals) int16 as stored, ``fs`` in Hz, one :class:`SignalSpec` each."""

    name: str
    fs: float
    adc: np.ndarray
    signals: tuple[SignalSpec, ...]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.signals]

    def physical(self, lead: str | int) -> np.ndarray:
        """Lead ``lead`` (name or index) in mV, float32."""
        if isinstance(lead, str) and lead not in self.names:
            raise WfdbError(f"record {self.name} has no lead {lead!r}; leads: {self.names}")
        i = self.names.index(lead) if isinstance(lead, str) else int(lead)
        spec = self.signals[i]
        return ((self.adc[:, i].astype(np.float32) - spec.baseline) / spec.gain).astype(np.float32)


@dataclass(frozen=True)
class Annotations:
    """Annotation sample indices and their symbols (``"N"``, ``"A"``, ``"V"``, ``"+"`` ...), in file order."""

    sample: np.ndarray
    symbol: np.ndarray

    def beats(self) -> Annotations:
        """Only the beat annotations."""
        keep = np.isin(self.symbol, list(BEAT_SYMBOLS))
        return Annotations(self.sample[keep], self.symbol[keep])

    def counts(self) -> dict[str, int]:
        values, n = np.unique(self.symbol, return_counts=True)
        return {str(v): int(c) for v, c in zip(values, n)}


# --------------------------------------------------------------------------------------------- header
def _int(text: str, what: str, path: Path) -> int:
    try:
        return int(text)
    except ValueError:
        raise WfdbError(f"{path}: {what} {text!r} is not an integer") from None


def read_header(path: str | os.PathLike) -> tuple[str, float, int, tuple[SignalSpec, ...]]:
    """``(record name, sampling frequency, samples per signal, signal specs)`` from a ``.hea`` file."""
    path = Path(path)
    if not path.is_file():
        raise WfdbError(f"WFDB header {path} not found")
    lines = [ln.split("#")[0].strip() for ln in path.read_text(encoding="ascii", errors="replace").splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise WfdbError(f"{path}: empty header")
    first = lines[0].split()
    if len(first) < 4:
        raise WfdbError(f"{path}: record line {lines[0]!r} needs 'name n_signals fs n_samples'")
    name, n_sig = first[0].split("/")[0], _int(first[1], "signal count", path)
    n_samples = _int(first[3], "sample count", path)
    try:
        fs = float(first[2].split("/")[0].split("(")[0])
    except ValueError:
        raise WfdbError(f"{path}: sampling frequency {first[2]!r} is not a number") from None
    if len(lines) - 1 < n_sig:
        raise WfdbError(f"{path}: header names {n_sig} signals but has {len(lines) - 1} signal lines")
    specs = []
    for line in lines[1:1 + n_sig]:
        f = line.split(maxsplit=8)
        if len(f) < 8:
            raise WfdbError(f"{path}: signal line {line!r} is too short")
        gain_field = f[2].split("/")[0]
        baseline = None
        if "(" in gain_field:
            gain_field, rest = gain_field.split("(", 1)
            baseline = _int(rest.rstrip(")"), "baseline", path)
        try:
            gain = float(gain_field) or 200.0  # a gain of 0 means "uncalibrated": WFDB's default 200
        except ValueError:
            raise WfdbError(f"{path}: gain {f[2]!r} is not a number") from None
        zero = _int(f[4], "ADC zero", path)
        specs.append(SignalSpec(f[0], _int(f[1], "format", path), gain, zero if baseline is None else baseline,
                                _int(f[3], "ADC resolution", path), zero, _int(f[5], "initial value", path),
                                _int(f[6], "checksum", path), f[8] if len(f) > 8 else f"signal {len(specs)}"))
    return name, fs, n_samples, tuple(specs)


# --------------------------------------------------------------------------------------------- signal
def decode_212(raw: bytes, n_values: int) -> np.ndarray:
    """The first ``n_values`` 12-bit samples packed in format-212 bytes ``raw``, as int16."""
    need = (n_values * 3 + 1) // 2
    if len(raw) < need:
        raise WfdbError(f"format-212 data holds {len(raw) * 2 // 3} samples, {n_values} expected")
    groups = (n_values + 1) // 2  # three bytes hold two samples
    b = np.frombuffer(bytes(raw[:groups * 3]).ljust(groups * 3, b"\0"), np.uint8).reshape(-1, 3).astype(np.int16)
    a = b[:, 0] | ((b[:, 1] & 0x0F) << 8)
    c = b[:, 2] | ((b[:, 1] & 0xF0) << 4)
    out = np.stack([a, c], axis=1).reshape(-1)[:n_values]
    return np.where(out > 2047, out - 4096, out).astype(np.int16)


def encode_212(values: np.ndarray) -> bytes:
    """Pack 12-bit integers (-2048..2047) in format 212, the inverse of :func:`decode_212`."""
    v = np.asarray(values, dtype=np.int64).reshape(-1)
    if v.size and (v.min() < -2048 or v.max() > 2047):
        raise WfdbError("format 212 holds 12-bit samples (-2048..2047)")
    v = np.concatenate([v, np.zeros(v.size % 2, np.int64)]) & 0xFFF
    a, c = v[0::2], v[1::2]
    out = np.stack([a & 0xFF, ((a >> 8) & 0x0F) | ((c >> 4) & 0xF0), c & 0xFF], axis=1).astype(np.uint8)
    n_bytes = (np.asarray(values).size * 3 + 1) // 2
    return out.tobytes()[:n_bytes]


def _checksum(values: np.ndarray) -> int:
    """WFDB's checksum: the 16-bit two's-complement sum of a signal's samples."""
    total = int(values.astype(np.int64).sum()) & 0xFFFF
    return total - 0x10000 if total >= 0x8000 else total


def read_record(path: str | os.PathLike) -> Record:
    """Read ``<path>.hea`` and its format-212 signal file (``path`` without extension: ``.../mitbih-100/100``)."""
    base = Path(path)
    header = base.with_suffix(".hea") if base.suffix != ".hea" else base
    name, fs, n_samples, specs = read_header(header)
    files = {s.file for s in specs}
    if len(files) != 1 or any(s.fmt != 212 for s in specs):
        raise WfdbError(f"{header}: this reader handles one format-212 signal file, got "
                        f"{sorted(files)} in formats {sorted({s.fmt for s in specs})}")
    dat = header.parent / specs[0].file
    if not dat.is_file():
        raise WfdbError(f"WFDB signal file {dat} (named in {header.name}) not found")
    raw = dat.read_bytes()
    n_sig = len(specs)
    try:
        adc = decode_212(raw, n_samples * n_sig).reshape(n_samples, n_sig)
    except WfdbError as exc:
        raise WfdbError(f"{dat}: {exc} ({n_samples} samples x {n_sig} signals per {header.name})") from None
    for i, spec in enumerate(specs):
        if n_samples and adc[0, i] != spec.init_value:
            raise WfdbError(f"{dat}: signal {spec.name} starts at {adc[0, i]}, header says {spec.init_value}")
        if _checksum(adc[:, i]) != spec.checksum:
            raise WfdbError(f"{dat}: signal {spec.name} checksum {_checksum(adc[:, i])} does not match the "
                            f"header's {spec.checksum}: the file is damaged or truncated")
    return Record(name, fs, adc, specs)


def write_record(base: str | os.PathLike, adc: np.ndarray, fs: float, names: list[str], gain: float = 200.0,
                 zero: int = 1024) -> Path:
    """Write a format-212 record (``<base>.hea`` + ``<base>.dat``) from int ``adc`` (n_samples, n_signals).

    Used by the tests to make a small record the reader must read back exactly.
    """
    base = Path(base)
    adc = np.asarray(adc, dtype=np.int64)
    (base.parent / f"{base.name}.dat").write_bytes(encode_212(adc.reshape(-1)))
    lines = [f"{base.name} {adc.shape[1]} {fs:g} {adc.shape[0]}"]
    for i, name in enumerate(names):
        lines.append(f"{base.name}.dat 212 {gain:g} 11 {zero} {int(adc[0, i])} {_checksum(adc[:, i])} 0 {name}")
    header = base.parent / f"{base.name}.hea"
    header.write_text("\n".join(lines) + "\n")
    return header


# ---------------------------------------------------------------------------------------- annotations
def read_annotation_bytes(raw: bytes, source: str = "annotation data") -> Annotations:
    """Decode MIT-format annotations (see the module docstring)."""
    if len(raw) % 2:
        raise WfdbError(f"{source}: odd length {len(raw)}; annotation files are 16-bit words")
    words = np.frombuffer(raw, "<u2")
    samples, symbols, t, i = [], [], 0, 0
    while i < len(words):
        code, value = int(words[i]) >> 10, int(words[i]) & 0x3FF
        i += 1
        if code == 0 and value == 0:
            break
        if code == _SKIP:
            if i + 2 > len(words):
                raise WfdbError(f"{source}: SKIP at word {i - 1} is cut off")
            skip = (int(words[i]) << 16) | int(words[i + 1])
            t += skip - (1 << 32) if skip >= 1 << 31 else skip
            i += 2
        elif code == _AUX:
            i += (value + 1) // 2
        elif code in (_NUM, _SUB, _CHN):
            continue
        elif 1 <= code <= 49:
            t += value
            samples.append(t)
            symbols.append(CODES.get(code, "?"))
        else:
            raise WfdbError(f"{source}: unknown annotation code {code} at word {i - 1}")
    else:
        raise WfdbError(f"{source}: no end-of-file word (the file is truncated)")
    return Annotations(np.asarray(samples, dtype=np.int64), np.asarray(symbols, dtype="<U1"))


def read_annotations(path: str | os.PathLike) -> Annotations:
    """Read a ``.atr`` file (MIT format)."""
    path = Path(path)
    if not path.is_file():
        raise WfdbError(f"WFDB annotation file {path} not found")
    return read_annotation_bytes(path.read_bytes(), str(path))


def write_annotations(path: str | os.PathLike, sample: list[int], symbol: list[str]) -> Path:
    """Write MIT-format annotations (time steps under 1024 samples apart, or a SKIP), for tests."""
    codes = {s: c for c, s in CODES.items()}
    words, t = [], 0
    for s, sym in zip(sample, symbol):
        step = int(s) - t
        if step > 1023 or step < 0:
            words += [_SKIP << 10, (step >> 16) & 0xFFFF, step & 0xFFFF]
            step = 0
        words.append((codes[sym] << 10) | step)
        t = int(s)
    words.append(0)
    Path(path).write_bytes(np.asarray(words, dtype="<u2").tobytes())
    return Path(path)
