"""Named corpora and the data directory.

The project never ships data. A corpus is found, in this order:

1. in the data directory the user names: ``--data-dir`` on the CLI, else the ``RNN_DATA_DIR``
   environment variable (``.ci/run`` points it at ``../shared/data`` when that exists);
2. in the download cache (``~/.cache/rnnlab/data``), where a previous download put it;
3. downloaded from its public home (only when the corpus has one), checked against the
   published MD5 before it is used.

If all three fail, :class:`CorpusNotFoundError` says where the file was looked for and how
to provide it. Any other path is read as a user text file (UTF-8).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CORPORA",
    "TEXT_CORPORA",
    "Corpus",
    "DataError",
    "CorpusNotFoundError",
    "resolve_data_dir",
    "corpus_path",
    "load_text",
    "ENV_DATA_DIR",
]

ENV_DATA_DIR = "RNN_DATA_DIR"
CACHE_DIR = Path(os.environ.get("RNN_CACHE_DIR", Path.home() / ".cache" / "rnnlab" / "data"))


class DataError(ValueError):
    """Input data is unusable (not UTF-8, empty, too short for the requested batches...)."""


class CorpusNotFoundError(FileNotFoundError):
    """A named corpus is not in the data directory and could not be downloaded."""


_VERSE = re.compile(r"^\s*\d+\s", re.MULTILINE)


def _strip_verse_numbers(text: str) -> str:
    """KJV: drop the leading verse numbers (``  1 In the beginning``) so the model learns prose."""
    return _VERSE.sub("", text)


@dataclass(frozen=True)
class Corpus:
    name: str
    relpath: str  # path inside the data directory
    md5: str | None
    url: str | None
    description: str
    license: str
    preprocess: Callable[[str], str] | None = None
    kind: str = "text"  # "text": running text for character/n-gram models; "pairs": sentence pairs (translator)


CORPORA: dict[str, Corpus] = {
    "tinyshakespeare": Corpus(
        name="tinyshakespeare",
        relpath="tinyshakespeare/input.txt",
        md5="6fb458f1232090904fb40fe944165e91",
        url="https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
        description="Tiny Shakespeare: 1.1M characters of speeches from 40 plays (char-rnn's corpus)",
        license="public-domain text; corpus prepared by A. Karpathy for char-rnn (MIT)",
    ),
    "kjv": Corpus(
        name="kjv",
        relpath="kjv/kjv.txt",
        md5="9e9193c67cd125623629a76133c71e3c",
        url=None,  # a dump of Debian's bible-kjv-text 4.38; no stable single-file URL
        description="King James Bible (verse numbers stripped)",
        license="public domain (Debian bible-kjv-text 4.38)",
        preprocess=_strip_verse_numbers,
    ),
    "tatoeba-fra-eng": Corpus(
        name="tatoeba-fra-eng",
        relpath="tatoeba/fra-eng.txt",
        md5="5d10f7ccfce8d43c5486cbb43082148e",
        url=None,  # manythings.org ships it inside a zip (fra-eng.zip), not as a single file
        description="Tatoeba English-French sentence pairs (English<TAB>French, 142,787 lines, 2017-09-29)",
        license="CC-BY 2.0 FR; Tatoeba (tatoeba.org) via www.manythings.org/anki",
        kind="pairs",
    ),
}

# the corpora a character LM or an n-gram model is trained on (not the translator's sentence pairs)
TEXT_CORPORA: list[str] = [name for name, c in CORPORA.items() if c.kind == "text"]


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path | None:
    """The data directory: the explicit argument, else ``$RNN_DATA_DIR``, else ``None``."""
    value = data_dir if data_dir not in (None, "") else os.environ.get(ENV_DATA_DIR)
    return Path(value).expanduser() if value else None


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _download(corpus: Corpus, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".download-")
    os.close(fd)
    try:
        urllib.request.urlretrieve(corpus.url, tmp)  # noqa: S310 (https URL from the table above)
        if corpus.md5 and _md5(Path(tmp)) != corpus.md5:
            raise CorpusNotFoundError(f"downloaded {corpus.name} from {corpus.url} but its MD5 does not match")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return dest


def corpus_path(name: str, data_dir: str | os.PathLike | None = None, download: bool = True) -> Path:
    """Path of a named corpus file, looked up as described in the module docstring."""
    if name not in CORPORA:
        raise KeyError(f"unknown corpus {name!r}; named corpora: {', '.join(sorted(CORPORA))}")
    corpus = CORPORA[name]
    tried = []
    root = resolve_data_dir(data_dir)
    if root is not None:
        candidate = root / corpus.relpath
        tried.append(str(candidate))
        if candidate.is_file():
            return candidate
    cached = CACHE_DIR / corpus.relpath
    tried.append(str(cached))
    if cached.is_file() and (corpus.md5 is None or _md5(cached) == corpus.md5):
        return cached
    reason = "it has no public download address"
    if download and corpus.url:
        try:
            return _download(corpus, cached)
        except (OSError, CorpusNotFoundError) as exc:  # no internet, HTTP error, bad checksum
            reason = f"downloading {corpus.url} failed ({exc})"
    raise CorpusNotFoundError(
        f"corpus {name!r} not found (looked in: {', '.join(tried)}) and {reason}. "
        f"Put the file at <data-dir>/{corpus.relpath} and pass --data-dir <data-dir> "
        f"or set {ENV_DATA_DIR}=<data-dir>."
    )


def read_text_file(path: str | os.PathLike) -> str:
    """Read a user text file as UTF-8 (a BOM is dropped), with a clear error otherwise."""
    raw = Path(path).read_bytes()
    return decode_text(raw, source=str(path))


def decode_text(raw: bytes, source: str = "input") -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{source} is not UTF-8 text (byte {exc.start}: {raw[exc.start:exc.start + 1]!r}); "
            "save it as UTF-8 and try again"
        ) from None
    if not text:
        raise DataError(f"{source} is empty")
    return text


def load_text(name_or_path: str | os.PathLike, data_dir: str | os.PathLike | None = None,
              download: bool = True) -> str:
    """Text of a named corpus (``tinyshakespeare``, ``kjv``) or of a UTF-8 file at a path."""
    key = str(name_or_path)
    if key in CORPORA:
        corpus = CORPORA[key]
        text = read_text_file(corpus_path(key, data_dir, download=download))
        return corpus.preprocess(text) if corpus.preprocess else text
    path = Path(key).expanduser()
    if not path.is_file():
        raise CorpusNotFoundError(
            f"{key!r} is neither a named corpus ({', '.join(sorted(CORPORA))}) nor an existing file"
        )
    return read_text_file(path)
