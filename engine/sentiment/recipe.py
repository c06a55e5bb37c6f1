"""Training recipe of the sentiment classifier: tokenizer, model, batches, trainer; and accuracy.

**One sentencepiece model per language, not a joint one.** English and Korean share no script, so a
joint vocabulary would share almost no pieces: each shipped model, trained on one language only, would
carry the other language's pieces as dead rows of its embedding (half of an 8k vocabulary, half of the
file) and get half the pieces for its own language. Each checkpoint stores its own ``spm.model``
(trained by ``train sentiment`` on the training split of its language) next to the weights.

    >>> data = SentimentData(vocab_size=300)
    >>> data.batch_size, data.vocab_size
    (64, 300)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch

from engine.data.corpora import DataError
from engine.data.parallel import UNK_ID, SubwordTokenizer
from engine.sentiment.batches import ClassBatches, eval_batches, pad_ids
from engine.sentiment.data import SentimentSplits
from engine.sentiment.model import MAX_PIECES, TOKENIZER_FILE, SentimentClassifier, SentimentConfig
from engine.train.run_options import RunOptions
from engine.train.trainer import TrainConfig, Trainer

__all__ = ["SentimentData", "sentiment_trainer", "train_tokenizer", "encode_texts", "accuracy", "predict_probs",
           "load_teachers", "distill_targets"]


@dataclass
class SentimentData:
    """How the texts become batches (``train sentiment`` flags are generated from these fields)."""

    vocab_size: int = field(default=8000, metadata={"help": "sentencepiece vocabulary size of the language"})
    spm_type: str = field(default="unigram", metadata={"help": "sentencepiece model type",
                                                       "choices": ("unigram", "bpe")})
    batch_size: int = field(default=64, metadata={"help": "texts per batch"})
    max_train: int = field(default=0, metadata={"help": "use at most N training texts, evenly spaced (0: all)"})
    teachers: str = field(default="", metadata={
        "help": "knowledge distillation: comma-separated checkpoint folders of classifiers of this language "
                "trained before (e.g. the same recipe with other seeds); the student trains on their averaged "
                "probabilities mixed with the labels, and uses their sentencepiece model"})
    distill_weight: float = field(default=0.5, metadata={
        "help": "with --teachers: weight of the teachers' probabilities in the targets (the labels get the rest)"})
    distill_temperature: float = field(default=1.0, metadata={
        "help": "with --teachers: softmax temperature applied to each teacher's logits (>1 softens them)"})

    subword_alpha: float = field(default=0.0, metadata={
        "help": "subword regularisation: each training batch is cut into pieces sampled from the unigram "
                "model with this smoothing (0.1-0.3 typical; 0: always the best segmentation). Unigram only"})

    def __post_init__(self) -> None:
        if self.subword_alpha < 0 or (self.subword_alpha and self.spm_type != "unigram"):
            raise ValueError("subword_alpha must be >= 0, and sampling needs spm_type 'unigram'")
        if self.vocab_size < 50 or self.batch_size < 1 or self.max_train < 0:
            raise ValueError("vocab_size must be >= 50, batch_size >= 1, max_train >= 0")
        if not 0 <= self.distill_weight <= 1 or self.distill_temperature <= 0:
            raise ValueError("distill_weight must be in [0, 1] and distill_temperature > 0")

    def teacher_dirs(self) -> list[Path]:
        return [Path(p.strip()).expanduser() for p in self.teachers.split(",") if p.strip()]


def train_tokenizer(texts: list[str], data: SentimentData) -> SubwordTokenizer:
    """A sentencepiece model of one language, trained on its (distinct) training texts."""
    return SubwordTokenizer.train(sorted(set(texts)), vocab_size=data.vocab_size, model_type=data.spm_type,
                                  num_threads=1)


def encode_texts(tokenizer: SubwordTokenizer, pairs: list[tuple[str, int]]) -> tuple[list[list[int]], list[int]]:
    """Ids (cut at MAX_PIECES) and labels of prepared ``(text, label)`` pairs; texts with no pieces dropped."""
    ids, labels, _ = _encode_kept(tokenizer, pairs)
    return ids, labels


def _encode_kept(tokenizer: SubwordTokenizer, pairs: list[tuple[str, int]]):
    """:func:`encode_texts` and the texts it kept, in the same order."""
    ids = tokenizer.encode_batch([t for t, _ in pairs])
    keep = [i for i, x in enumerate(ids) if x]
    return [ids[i][:MAX_PIECES] for i in keep], [pairs[i][1] for i in keep], [pairs[i][0] for i in keep]


def sampled_segmentations(tokenizer: SubwordTokenizer, texts: list[str], alpha: float, seed: int):
    """``resegment(rows, step)`` for :class:`ClassBatches`: the rows of ``texts`` (the texts the batches' ids were
    encoded from, in their order) cut by :meth:`SubwordTokenizer.encode_sampled`, seeded by ``(seed, step)``."""

    def resegment(rows: list[int], step: int) -> list[list[int]]:
        out = tokenizer.encode_sampled([texts[i] for i in rows], alpha, seed=seed * 1_000_003 + step)
        return [x[:MAX_PIECES] or [UNK_ID] for x in out]  # (a non-empty text never samples to no pieces)

    return resegment


def sentiment_trainer(splits: SentimentSplits, model: SentimentConfig, data: SentimentData, train: TrainConfig,
                      run: RunOptions | None = None, tokenizer: SubwordTokenizer | None = None,
                      **options) -> Trainer:
    """Build (or resume) a classifier training run on ``splits`` (train: batches, val: validation loss).

    The tokenizer is the resumed run's, else ``tokenizer``, else one trained on ``splits.train`` (saved
    in every checkpoint as ``spm.model``). ``model.lang`` is set to ``splits.lang``.
    """
    run = RunOptions.of(run, **options)
    train_pairs = splits.train[:: max(1, len(splits.train) // data.max_train)] if data.max_train else splits.train
    if not train_pairs or not splits.val:
        raise DataError(f"no training or no validation texts ({splits.sizes()})")
    teachers = load_teachers(data.teacher_dirs(), splits.lang)
    resumed = run.resumed(SentimentConfig)
    if resumed is not None:
        model, _, last = resumed
        tokenizer = SubwordTokenizer.load(last / TOKENIZER_FILE)
    elif teachers:
        tokenizer = teachers[0].tokenizer  # the teachers' pieces, so their probabilities are of the same inputs
    elif tokenizer is None:
        tokenizer = train_tokenizer([t for t, _ in train_pairs], data)
    torch.manual_seed(train.seed)
    net = SentimentClassifier(replace(model, vocab_size=len(tokenizer), lang=splits.lang), tokenizer)
    ids, labels, texts = _encode_kept(tokenizer, train_pairs)
    soft = distill_targets(teachers, ids, labels, data) if teachers else None
    val = eval_batches(*encode_texts(tokenizer, splits.val))
    meta = {"data": asdict(data), "split_sizes": splits.sizes(), "train_texts": len(ids),
            "tokenizer_info": {"type": data.spm_type, "pieces": len(tokenizer), "joint": False,
                               "lang": splits.lang}}
    if teachers:
        meta["teachers"] = [str(p) for p in data.teacher_dirs()]
    torch.manual_seed(train.seed)  # the trainer's random stream (dropout) does not depend on building the model
    resegment = (sampled_segmentations(tokenizer, texts, data.subword_alpha, train.seed)
                 if data.subword_alpha else None)
    return run.trainer(net, ClassBatches(ids, labels, data.batch_size, seed=train.seed, soft=soft,
                                         resegment=resegment), train,
                       eval_batches=lambda: val, meta=meta)


def load_teachers(dirs: list[Path], lang: str) -> list[SentimentClassifier]:
    """The teacher classifiers of a distillation, checked: sentiment models of ``lang`` with one and the same
    sentencepiece model (the student reads the same pieces). Raises :class:`DataError` otherwise."""
    from engine.train.checkpoint import load_model

    teachers, spm_bytes = [], None
    for d in dirs:
        if not (d / TOKENIZER_FILE).is_file():
            raise DataError(f"teacher {d} is not a sentiment checkpoint folder (no {TOKENIZER_FILE})")
        m = load_model(d, device="cpu")
        if getattr(m, "kind", None) != "sentiment" or m.config.lang != lang:
            raise DataError(f"teacher {d} is not a {lang} sentiment classifier")
        b = (d / TOKENIZER_FILE).read_bytes()
        if spm_bytes is not None and b != spm_bytes:
            raise DataError(f"teacher {d} has another sentencepiece model than {dirs[0]}: teachers must share one")
        spm_bytes = b
        teachers.append(m.eval())
    return teachers


@torch.no_grad()
def distill_targets(teachers: list[SentimentClassifier], ids: list[list[int]], labels: list[int],
                    data: SentimentData) -> torch.Tensor:
    """Soft targets ``(N, classes)`` for knowledge distillation (Hinton et al. 2015):
    ``w * mean_k softmax(o_k / T) + (1 - w) * onehot(label)``, with w = ``data.distill_weight``, T =
    ``data.distill_temperature``. An average of several independently trained models is more accurate than
    each of them; a student trained on its probabilities learns much of that in one model of the same size.

        >>> data = SentimentData(distill_weight=0.5)
        >>> class Sure(torch.nn.Module):        # a teacher 80 % sure of class 1, whatever the text
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.o = torch.nn.Parameter(torch.tensor([0.2, 0.8]).log())
        ...     def forward(self, inputs, targets=None, state=None):
        ...         return self.o.expand(len(inputs[1]), 2), None, None
        >>> distill_targets([Sure()], [[5], [6, 7]], [0, 1], data)
        tensor([[0.6000, 0.4000],
                [0.1000, 0.9000]])
    """
    probs = sum(predict_probs(m, ids, temperature=data.distill_temperature) for m in teachers) / len(teachers)
    onehot = torch.nn.functional.one_hot(torch.tensor(labels), probs.shape[1]).float()
    return data.distill_weight * probs + (1 - data.distill_weight) * onehot


@torch.no_grad()
def predict_probs(model: torch.nn.Module, ids: list[list[int]], batch_size: int = 256,
                  temperature: float = 1.0) -> torch.Tensor:
    """P(class) of each (non-empty) id list, in order: (N, classes); ``model`` takes ``(ids, lengths)``;
    ``temperature`` divides the logits first (> 1: softer probabilities)."""
    was = model.training
    model.eval()
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    dev = next(model.parameters()).device
    parts = []
    try:
        for s in range(0, len(order), batch_size):
            x, lengths = pad_ids([ids[i] for i in order[s:s + batch_size]])
            parts.append((model((x.to(dev), lengths))[0].float() / temperature).softmax(-1).cpu())
    finally:
        model.train(was)
    out = torch.empty(len(ids), parts[0].shape[1])
    out[order] = torch.cat(parts)
    return out


def accuracy(model: torch.nn.Module, pairs: list[tuple[str, int]], tokenizer: SubwordTokenizer | None = None) -> float:
    """Fraction of prepared ``(text, label)`` pairs classified right (a text with no pieces counts as wrong);
    ``tokenizer`` defaults to the model's."""
    if not pairs:
        raise DataError("accuracy of no texts")
    ids, labels = encode_texts(tokenizer or model.tokenizer, pairs)
    pred = predict_probs(model, ids).argmax(-1)
    return float((pred == torch.tensor(labels)).sum()) / len(pairs)
