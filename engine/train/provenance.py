"""Where a run came from: the command that started it and its data, recorded in checkpoints and model cards."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

__all__ = ["corpus_provenance", "portable_path", "run_command"]


def portable_path(value: str) -> str:
    """``value`` with the user's home directory written as ``~``, for files that are shared or committed.

    The shell expands ``~/rnnlab-runs/x`` to ``/home/ada/rnnlab-runs/x`` before the CLI sees it; recording it
    back as ``~/rnnlab-runs/x`` keeps the command re-runnable on another machine and leaves the user name out
    of a shipped model's ``config.json``.
    """
    home = str(Path.home()).rstrip("/")
    if not home:
        return value
    # only where a path starts (the whole value, or after "--flag="), never inside another path: with home
    # /root, /data/root/x stays as it is
    return re.sub(rf"(^|=){re.escape(home)}(?=/|$)", r"\1~", value)


def run_command() -> str:
    """The command line of this process, as a run's provenance records it (home directory as ``~``)."""
    return "python -m engine " + " ".join(portable_path(a) for a in sys.argv[1:])


def corpus_provenance(corpus: Any) -> dict:
    """Where a training run's data came from: the corpus, the command, and a named corpus's MD5 and licence."""
    from engine.data.corpora import CORPORA

    provenance = {"corpus": str(corpus), "command": run_command()}
    if str(corpus) in CORPORA:
        provenance.update(corpus_md5=CORPORA[str(corpus)].md5, license=CORPORA[str(corpus)].license)
    return provenance
