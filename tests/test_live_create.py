"""LiveRun.create with text no UTF-8 can hold: a typed error and no run folder left behind (issue 15)."""

import pytest

from engine.data import DataError
from engine.lm.model import CharLMConfig
from engine.lm.recipe import CharLMData
from engine.train.live import LiveRun
from engine.train.trainer import TrainConfig

MODEL = CharLMConfig(n_layer=1, n_hidden=16, n_embd=8, dropout=0.0)
DATA = CharLMData(batch_size=4, seq_len=16, eval_batch_size=2, eval_seq_len=32)


@pytest.mark.parametrize(("text", "name", "what"), [
    ("lone surrogate: \ud800", "tiny", "the text"),
    ("", "upload-\udcff.txt", "the corpus name"),
], ids=["in-the-text", "in-the-corpus-name"])
def test_lone_surrogates_are_a_data_error_and_leave_no_folder(tiny_text, tmp_path, text, name, what):
    """A str holding a lone surrogate ("\\ud800", e.g. from a decoder with errors="surrogateescape") raised
    UnicodeEncodeError while corpus.txt was written, after the run folder had been made: an orphan folder."""
    root = tmp_path / "runs"
    with pytest.raises(DataError, match=f"^{what} is not valid Unicode: a lone surrogate U\\+D[89A-F]"):
        LiveRun.create(tiny_text + text, name, MODEL, DATA, TrainConfig(max_steps=5), root=root)
    assert not root.exists() or not any(root.iterdir())
    run = LiveRun.create(tiny_text, "tiny", MODEL, DATA, TrainConfig(max_steps=5), root=root)  # a valid one is made
    assert [p.name for p in root.iterdir()] == [run.id]
    assert (run.run_dir / "corpus.txt").read_text(encoding="utf-8") == tiny_text


def test_a_failed_write_leaves_no_folder(tiny_text, tmp_path, monkeypatch):
    from pathlib import Path

    real = Path.write_bytes

    def disk_full(self, data):
        if self.name == "run.json":
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    root = tmp_path / "runs"
    with pytest.raises(OSError, match="No space left"):
        LiveRun.create(tiny_text, "tiny", MODEL, DATA, TrainConfig(max_steps=5), root=root)
    assert not any(root.iterdir())
