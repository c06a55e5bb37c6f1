"""The WFDB reader (engine/timeseries/wfdb.py): a tiny format-212 record written here reads back exactly, damaged
files raise WfdbError naming the problem, and record 100 has the sample and annotation counts its README states
(skipped without the data directory)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.data.corpora import resolve_data_dir
from engine.timeseries import wfdb
from engine.timeseries.wfdb import WfdbError


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, np.ndarray]:
    rng = np.random.default_rng(0)
    adc = rng.integers(-2048, 2048, size=(7, 2))  # an odd number of values (14 is even; the header counts frames)
    adc[1] = [-2048, 2047]  # the 12-bit extremes
    wfdb.write_record(tmp_path / "rec", adc, fs=360, names=["MLII", "V5"], gain=200, zero=1024)
    return tmp_path / "rec", adc


def test_format_212_packs_by_hand() -> None:
    # a = 0x123, b = 0xABC -> bytes 0x23, 0xA1 (high nibble of b, high nibble of a), 0xBC; 0xABC = 2748 - 4096
    raw = bytes([0x23, 0xA1, 0xBC])
    assert wfdb.decode_212(raw, 2).tolist() == [0x123, 0xABC - 4096]
    assert wfdb.encode_212(np.array([0x123, 0xABC - 4096])) == raw
    assert wfdb.decode_212(wfdb.encode_212(np.array([5, -7, 2047])), 3).tolist() == [5, -7, 2047]  # odd count
    with pytest.raises(WfdbError):
        wfdb.encode_212(np.array([4096]))


def test_a_generated_record_reads_back_exactly(tiny) -> None:
    base, adc = tiny
    record = wfdb.read_record(base)
    assert record.adc.shape == (7, 2) and record.fs == 360 and record.names == ["MLII", "V5"]
    np.testing.assert_array_equal(record.adc, adc)
    np.testing.assert_allclose(record.physical("V5"), (adc[:, 1] - 1024) / 200, rtol=1e-6)
    with pytest.raises(WfdbError, match="no lead"):
        record.physical("II")


def test_header_with_comments_and_baseline(tmp_path: Path) -> None:
    (tmp_path / "r.hea").write_text("# a comment\nr 1 250 3\nr.dat 212 100(10)/mV 12 0 5 0 0 lead I\n")
    name, fs, n, specs = wfdb.read_header(tmp_path / "r.hea")
    assert (name, fs, n) == ("r", 250.0, 3)
    assert (specs[0].gain, specs[0].baseline, specs[0].name) == (100.0, 10, "lead I")


@pytest.mark.parametrize("damage, message", [
    (lambda b: b.with_suffix(".dat").write_bytes(b.with_suffix(".dat").read_bytes()[:-6]), "samples"),
    (lambda b: b.with_suffix(".dat").write_bytes(b"\0\0\0" + b.with_suffix(".dat").read_bytes()[3:]), "starts at"),
    (lambda b: b.with_suffix(".dat").unlink(), "not found"),
    (lambda b: b.with_suffix(".hea").write_text("rec 2 360\n"), "record line"),
    (lambda b: b.with_suffix(".hea").write_text("rec 2 360 7\nrec.dat 212 200 11 1024 0 0 0 MLII\n"), "2 signals"),
    (lambda b: b.with_suffix(".hea").write_text("rec 1 360 x\n"), "sample count"),
    (lambda b: b.with_suffix(".hea").write_text("rec 1 360 7\nrec.dat 16 200 11 1024 0 0 0 MLII\n"), "format"),
])
def test_damaged_files_raise_a_typed_error(tiny, damage, message) -> None:
    base, _ = tiny
    damage(base)
    with pytest.raises(WfdbError, match=message):
        wfdb.read_record(base)


def test_a_changed_sample_fails_the_checksum(tiny) -> None:
    base, adc = tiny
    dat = base.with_suffix(".dat")
    raw = bytearray(dat.read_bytes())
    raw[-1] ^= 0x01  # one bit of the last sample of lead V5
    dat.write_bytes(bytes(raw))
    with pytest.raises(WfdbError, match="checksum"):
        wfdb.read_record(base)


def test_annotations_round_trip_with_skip_aux_and_non_beats(tmp_path: Path) -> None:
    path = wfdb.write_annotations(tmp_path / "a.atr", [5, 300, 301, 5000, 5200], ["+", "N", "A", "V", "N"])
    ann = wfdb.read_annotations(path)
    assert ann.sample.tolist() == [5, 300, 301, 5000, 5200]  # 5000 - 301 > 1023: written with a SKIP
    assert ann.symbol.tolist() == ["+", "N", "A", "V", "N"]
    assert ann.beats().counts() == {"A": 1, "N": 2, "V": 1}
    # an AUX string (code 63, 3 bytes + 1 pad) between two beats is skipped; NUM (60) sets no time
    words = [(1 << 10) | 10, (63 << 10) | 3, 0x4228, 0x0029, (60 << 10) | 1, (8 << 10) | 2, 0]
    raw = np.asarray(words, dtype="<u2").tobytes()
    ann = wfdb.read_annotation_bytes(raw)
    assert ann.sample.tolist() == [10, 12] and ann.symbol.tolist() == ["N", "A"]


@pytest.mark.parametrize("raw, message", [(b"\x12\x04\x05", "odd length"), (b"\x12\x04\x05\x20", "truncated"),
                                          (bytes([0, 59 << 2]), "cut off"), (bytes([0, 50 << 2, 0, 0]), "unknown")])
def test_malformed_annotations_raise(raw: bytes, message: str) -> None:
    with pytest.raises(WfdbError, match=message):
        wfdb.read_annotation_bytes(raw)


def _record_100() -> Path:
    root = resolve_data_dir()
    base = None if root is None else root / "ecg" / "mitbih-100" / "100"
    if base is None or not base.with_suffix(".dat").is_file():
        pytest.skip("MIT-BIH record 100 not in $RNN_DATA_DIR")
    return base


@pytest.mark.data
def test_record_100_has_the_documented_counts() -> None:
    base = _record_100()
    record = wfdb.read_record(base)  # the header's checksums and first values are verified on the way
    assert record.adc.shape == (650_000, 2) and record.fs == 360 and record.names == ["MLII", "V5"]
    counts = wfdb.read_annotations(base.with_suffix(".atr")).beats().counts()
    assert counts == {"N": 2239, "A": 33, "V": 1}
    mv = record.physical("MLII")
    assert -3 < mv.min() < mv.max() < 3  # millivolts, not ADC units
