"""단어 임베딩 on RNN Lab's trained models: a model's embedding table ``E`` (``m × n``: one learned row per
dictionary symbol), a sentence's vectors ``X = onehot · E``, nearest neighbours by cosine and a 2D PCA view.

The notes: one-hot codes cannot measure how alike two words are (every two distinct codes are equally
far apart), an embedding learned from a corpus can. Each shipped model has its own dictionary and table:

* the char-LSTM (``charlm-shakespeare``): ``m = 66`` characters of Tiny Shakespeare, ``n = 64``;
  a character it never saw becomes its unknown symbol ``�`` (id 0), whose row was never trained;
* the translator (``translator-en-fr``): ``m = 8000`` sentencepiece subwords shared by English and French,
  ``n = 256`` (tied: the same matrix embeds the source, the target and scores the output); a character
  outside its dictionary is spelled as its UTF-8 bytes (``<0xEC>`` ...);
* the sentiment classifiers (``sentiment-en``, ``sentiment-ko``): their own sentencepiece subwords;
* any model given as its tokens and matrix (:func:`table_from_tokens`).

A table built by hand, to check by eye (the doctest)::

    >>> table = table_from_tokens("toy", ["king", "queen", "apple"],
    ...                           torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]))
    >>> enc = table.encode("Queen apple pear")
    >>> enc.units, enc.ids, enc.unknown
    (['queen', 'apple', 'pear'], [1, 2, 3], ['pear'])
    >>> [[round(v, 2) for v in row] for row in table.vectors(enc).tolist()]  # x(t) = row ids[t] of E
    [[0.9, 0.1], [0.0, 1.0], [0.0, 0.0]]

"pear" is not among the tokens: it gets the unknown row, added as zeros (the model knows nothing of it)::

    >>> table.vocab.symbols[3], table.vocab.unknown_id
    ('<unk>', 3)

Neighbours by cosine: the queen's row points almost the way the king's does, the apple's at right angles::

    >>> [(nb.symbol, round(nb.cosine, 3)) for nb in table.nearest(0, k=2)]
    [('queen', 0.994), ('apple', 0.0)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from engine.lab.representations import Encoding, RepresentationError, Vocabulary, encode, split_units

__all__ = ["EmbeddingTable", "Neighbour", "Projection", "charlm_table", "model_table", "sentiment_table",
           "subword_table", "table_from_tokens", "translator_table"]

UNKNOWN_TOKEN = "<unk>"


@dataclass(frozen=True)
class Neighbour:
    symbol: str
    id: int
    cosine: float


@dataclass(frozen=True)
class Projection:
    """The table's rows ``ids`` projected on its first two principal components."""

    ids: list[int]
    coords: torch.Tensor  # (len(ids), 2)
    explained: tuple[float, float]  # fraction of the variance each component keeps


@dataclass
class EmbeddingTable:
    """A model's embedding matrix ``E`` (``m × n``) with its dictionary.

    ``candidates``: the ids of real symbols, among which neighbours are searched and which the projection
    shows (the translator's special and byte pieces and the char-LSTM's unknown symbol are left out).
    """

    name: str
    vocab: Vocabulary
    weight: torch.Tensor  # (m, n), float32, detached
    candidates: list[int]

    def __post_init__(self) -> None:
        self.weight = self.weight.detach().float().cpu()
        if self.weight.ndim != 2 or self.weight.shape[0] != self.vocab.m:
            raise RepresentationError(f"{self.name}: an embedding matrix of shape {tuple(self.weight.shape)} "
                                      f"does not match a dictionary of {self.vocab.m} symbols")
        self._unit = torch.nn.functional.normalize(self.weight, dim=1)
        self._pca: Projection | None = None

    @property
    def m(self) -> int:
        return self.weight.shape[0]

    @property
    def n(self) -> int:
        return self.weight.shape[1]

    @property
    def num_params(self) -> int:
        return self.weight.numel()

    def encode(self, text: object) -> Encoding:
        """``text`` in this model's dictionary (see :func:`engine.lab.representations.encode`)."""
        return encode(text, self.vocab)

    def vectors(self, enc: Encoding) -> torch.Tensor:
        """``X`` (``T × n``): row ``t`` is ``x(t)``, the row ``ids[t]`` of ``E`` (a lookup)."""
        return self.weight[torch.tensor(enc.ids, dtype=torch.long)]

    def vectors_by_product(self, enc: Encoding) -> torch.Tensor:
        """The same ``X`` computed as the notes write it: the ``T × m`` one-hot matrix times ``E``.

        Only the columns the text uses are multiplied (the others are all zeros and add nothing), so a
        long text in an 8,000-subword dictionary stays cheap.
        """
        cols = enc.used_columns()
        return enc.one_hot(cols) @ self.weight[torch.tensor(cols, dtype=torch.long)]

    def nearest(self, symbol_id: int, k: int = 8) -> list[Neighbour]:
        """The ``k`` candidate symbols whose rows have the largest cosine with row ``symbol_id`` (itself excluded)."""
        if not 0 <= symbol_id < self.m:
            raise RepresentationError(f"{self.name}: no symbol {symbol_id} in a dictionary of {self.m}")
        pool = torch.tensor([i for i in self.candidates if i != symbol_id], dtype=torch.long)
        cos = self._unit[pool] @ self._unit[symbol_id]
        top = torch.topk(cos, min(k, len(pool)))
        return [Neighbour(self.vocab.symbols[int(pool[j])], int(pool[j]), float(c))
                for c, j in zip(top.values.tolist(), top.indices.tolist())]

    def projection(self) -> Projection:
        """The candidates' rows on the first two principal components (PCA fitted on them; computed once)."""
        if self._pca is None:
            rows = self.weight[torch.tensor(self.candidates, dtype=torch.long)]
            centred = rows - rows.mean(0)
            _, s, vh = torch.linalg.svd(centred, full_matrices=False)
            axes = vh[:2]
            signs = torch.sign(axes.gather(1, axes.abs().argmax(1, keepdim=True)))  # a fixed orientation
            axes = axes * signs
            var = s ** 2
            explained = (float(var[0] / var.sum()), float(var[1] / var.sum()))
            self._pca = Projection(list(self.candidates), centred @ axes.T, explained)
        return self._pca


# ----------------------------------------------------------------------------------------- the models
def charlm_table(model, name: str = "char-LM") -> EmbeddingTable:
    """The char-LSTM's character embedding ``model.embed`` with its character dictionary (unknown: id 0, ``�``)."""
    chars = model.vocab

    def split(text: str) -> tuple[list[str], list[int], list[str]]:
        return list(text), chars.encode(text), chars.unknown(text)

    vocab = Vocabulary(f"{name}: its {len(chars)} characters", "character", tuple(chars.chars), split, unknown_id=0,
                       note="a character it never saw becomes the unknown symbol � (id 0)")
    return EmbeddingTable(name, vocab, model.embed.weight, list(range(1, len(chars))))


def subword_table(model, name: str, prepare: Callable[[str], str]) -> EmbeddingTable:
    """A sentencepiece model's subword embedding ``model.embed`` with its dictionary (byte fallback).

    ``prepare``: the model's own text preparation before tokenising (the translator's ``normalize_text``,
    the sentiment models' lower-casing and punctuation splitting), so the pieces are the ones it reads.
    """
    tok = getattr(model, "tokenizer", None)
    if tok is None:
        raise RepresentationError(f"{name}: no tokenizer attached (spm.model missing from its folder?)")
    sp = tok.sp

    def split(text: str) -> tuple[list[str], list[int], list[str]]:
        ready = prepare(text)
        ids = tok.encode(ready)
        return [tok.id_to_piece(i) for i in ids], ids, tok.unseen_chars(ready)

    symbols = tuple(tok.id_to_piece(i) for i in range(len(tok)))
    vocab = Vocabulary(f"{name}: its {len(tok):,} subwords", "subword", symbols, split,
                       note="a character outside it is spelled as its UTF-8 bytes (<0xEC> ...)")
    keep = [i for i in range(len(tok)) if not (sp.is_control(i) or sp.is_unknown(i) or sp.is_byte(i))]
    return EmbeddingTable(name, vocab, model.embed.weight, keep)


def translator_table(model, name: str = "translator") -> EmbeddingTable:
    """The translator's subword embedding (one table for English and French, tied with the output layer)."""
    from engine.data.parallel import normalize_text

    return subword_table(model, name, normalize_text)


def sentiment_table(model, name: str = "sentiment") -> EmbeddingTable:
    """A sentiment classifier's subword embedding (with one-hot inputs its rows are U's columns: ``U x(t)``)."""
    from engine.sentiment.data import prepare_text

    lang = model.config.lang
    return subword_table(model, name, lambda text: prepare_text(text, lang))


def table_from_tokens(name: str, tokens: Sequence[str], matrix: torch.Tensor, level: str = "word",
                      lowercase: bool = True) -> EmbeddingTable:
    """A table from a model's tokens and embedding matrix (row ``i`` embeds ``tokens[i]``).

    A text is cut into words (or characters: ``level``); a unit not among the tokens gets the token
    ``<unk>`` when there is one, else a zero row added at the end of the table.
    """
    if level not in ("word", "character"):
        raise RepresentationError(f"level must be 'word' or 'character', not {level!r}")
    symbols = list(tokens)
    weight = torch.as_tensor(matrix).detach().float()
    unk = symbols.index(UNKNOWN_TOKEN) if UNKNOWN_TOKEN in symbols else None
    if unk is None:  # unseen units share one zero vector: the model has nothing to say about them
        unk = len(symbols)
        symbols.append(UNKNOWN_TOKEN)
        weight = torch.cat([weight, torch.zeros(1, weight.shape[1])])
    index = {s: i for i, s in enumerate(symbols)}

    def split(text: str) -> tuple[list[str], list[int], list[str]]:
        units = split_units(text, level, lowercase)
        return units, [index.get(u, unk) for u in units], list(dict.fromkeys(u for u in units if u not in index))

    vocab = Vocabulary(f"{name}: its {len(tokens):,} {level}s", level, tuple(symbols), split, unknown_id=unk,
                       note=f"a {level} it never saw becomes {UNKNOWN_TOKEN}")
    return EmbeddingTable(name, vocab, weight, [i for i in range(len(symbols)) if i != unk and symbols[i][:1] != "<"])


def model_table(model, name: str) -> EmbeddingTable:
    """The embedding table of a loaded RNN Lab model, by its ``kind`` (``charlm``, ``translator``, ``sentiment``)."""
    kind = getattr(model, "kind", None)
    if kind == "charlm":
        return charlm_table(model, name)
    if kind == "translator":
        return translator_table(model, name)
    if kind == "sentiment":
        return sentiment_table(model, name)
    raise RepresentationError(f"{name}: no embedding table for a model of kind {kind!r}")
