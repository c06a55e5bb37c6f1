import hashlib
from pathlib import Path

import pytest
import torch

from engine.data import (
    CORPORA,
    CharVocab,
    CorpusNotFoundError,
    DataError,
    RandomWindows,
    TBPTTStreams,
    corpus_path,
    eval_chunks,
    load_text,
    split_train_val,
)
from engine.data.text import UNK, corpus_stats


def test_vocab_roundtrip_and_unknown():
    v = CharVocab.from_text("hello world")
    assert v.chars[0] == UNK
    assert v.decode(v.encode("hello")) == "hello"
    assert v.encode("hé") == [v.encode("h")[0], 0]
    assert v.unknown("héllo🙂é") == ["é", "🙂"]
    with pytest.raises(DataError):
        CharVocab.from_text("")
    with pytest.raises(ValueError):
        CharVocab(["a", "b"])


def test_split_is_first_90_last_10():
    text = "".join(chr(65 + i % 26) for i in range(1000))
    train, val = split_train_val(text)
    assert train + val == text and len(train) == 900


def test_tbptt_streams_are_contiguous_and_carry():
    data = torch.arange(101)
    b = TBPTTStreams(data, batch_size=2, seq_len=10)
    first, second = b(0), b(1)
    assert not first.carry and second.carry
    assert torch.equal(first.targets, first.inputs + 1)
    # the second chunk continues the same streams
    assert torch.equal(second.inputs[:, 0], first.inputs[:, -1] + 1)
    assert not b(b.chunks).carry  # wraps to the start of the streams


def test_tbptt_ranks_take_disjoint_streams():
    data = torch.arange(401)
    r0 = TBPTTStreams(data, 2, 10, rank=0, world_size=2)(0)
    r1 = TBPTTStreams(data, 2, 10, rank=1, world_size=2)(0)
    assert not set(r0.inputs.flatten().tolist()) & set(r1.inputs.flatten().tolist())


def test_random_windows_depend_only_on_step():
    data = torch.arange(1000)
    a, b = RandomWindows(data, 4, 16, seed=3), RandomWindows(data, 4, 16, seed=3)
    assert torch.equal(a(5).inputs, b(5).inputs)
    assert not torch.equal(a(5).inputs, a(6).inputs)
    assert torch.equal(a(5).targets, a(5).inputs + 1)


def test_eval_chunks_cover_text_once():
    data = torch.arange(1001)
    chunks = eval_chunks(data, batch_size=4, seq_len=64)
    seen = torch.cat([c.targets for c in chunks], dim=1).flatten()
    assert len(set(seen.tolist())) == seen.numel() == 1000
    assert [c.carry for c in chunks][:2] == [False, True]


def test_too_short_text_is_a_data_error():
    with pytest.raises(DataError, match="too short"):
        TBPTTStreams(torch.arange(10), batch_size=4, seq_len=8)


def test_user_file_utf8_and_errors(tmp_path):
    good = tmp_path / "a.txt"
    good.write_text("안녕 RNN", encoding="utf-8")
    assert load_text(good) == "안녕 RNN"
    bad = tmp_path / "b.txt"
    bad.write_bytes("café".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        load_text(bad)
    with pytest.raises(CorpusNotFoundError, match="neither a named corpus"):
        load_text(tmp_path / "missing.txt")


def test_named_corpus_missing_gives_instructions(tmp_path, monkeypatch):
    monkeypatch.setenv("RNN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("engine.data.corpora.CACHE_DIR", tmp_path / "cache")
    with pytest.raises(CorpusNotFoundError, match="--data-dir"):
        corpus_path("kjv", data_dir=tmp_path, download=False)


def test_named_corpus_from_data_dir(tmp_path):
    (tmp_path / "kjv").mkdir()
    (tmp_path / "kjv" / "kjv.txt").write_text("\nGenesis 1\n\n  1 In the beginning God\ncreated.\n  2 And the earth\n")
    text = load_text("kjv", data_dir=tmp_path)
    assert "In the beginning" in text and " 1 " not in text


def test_real_tinyshakespeare_checksum():
    from engine.data.corpora import resolve_data_dir

    root = resolve_data_dir()
    if root is None or not (root / CORPORA["tinyshakespeare"].relpath).is_file():
        pytest.skip("Tiny Shakespeare not in $RNN_DATA_DIR")
    raw = (root / CORPORA["tinyshakespeare"].relpath).read_bytes()
    assert hashlib.md5(raw).hexdigest() == CORPORA["tinyshakespeare"].md5


def test_corpus_stats():
    s = corpus_stats("aab")
    assert s["characters"] == 3 and s["vocab_size"] == 2 and s["most_common"][0] == ("a", 2)


def _fake_download(content: bytes):
    def fake(url, dest):
        Path(dest).write_bytes(content)

    return fake


def test_download_is_checksum_verified(tmp_path, monkeypatch):
    """With internet, a missing corpus is downloaded into the cache, and rejected if its MD5 is wrong."""
    import engine.data.corpora as corpora

    monkeypatch.setattr(corpora, "CACHE_DIR", tmp_path / "cache")
    good = b"First Citizen:\nBefore we proceed any further, hear me speak.\n"
    fake = corpora.Corpus("tiny", "tiny/input.txt", hashlib.md5(good).hexdigest(), "https://example.org/tiny.txt",
                          "test corpus", "test")
    monkeypatch.setitem(corpora.CORPORA, "tiny", fake)
    monkeypatch.setattr(corpora.urllib.request, "urlretrieve", _fake_download(b"tampered"))
    with pytest.raises(CorpusNotFoundError, match="MD5 does not match"):
        corpus_path("tiny", data_dir=tmp_path / "empty")
    assert not (tmp_path / "cache" / "tiny" / "input.txt").exists()
    monkeypatch.setattr(corpora.urllib.request, "urlretrieve", _fake_download(good))
    path = corpus_path("tiny", data_dir=tmp_path / "empty")
    assert path.read_bytes() == good and path.parent.parent == tmp_path / "cache"
    assert load_text("tiny", data_dir=tmp_path / "empty").startswith("First Citizen")
