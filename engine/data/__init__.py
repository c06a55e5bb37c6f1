"""Data: where corpora live (data directory, checksums, downloads) and how text becomes batches."""

from engine.data.corpora import (
    CORPORA,
    TEXT_CORPORA,
    Corpus,
    CorpusNotFoundError,
    DataError,
    corpus_path,
    load_text,
    resolve_data_dir,
)
from engine.data.text import (
    CharVocab,
    RandomWindows,
    TBPTTStreams,
    eval_chunks,
    split_train_val,
)

__all__ = [
    "CORPORA",
    "TEXT_CORPORA",
    "Corpus",
    "CorpusNotFoundError",
    "DataError",
    "corpus_path",
    "load_text",
    "resolve_data_dir",
    "CharVocab",
    "RandomWindows",
    "TBPTTStreams",
    "eval_chunks",
    "split_train_val",
]
