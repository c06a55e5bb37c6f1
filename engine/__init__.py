"""RNN Lab engine: recurrent networks from the lecture, trained and used from Python.

Public API::

    from engine import CharLM, CharLMConfig, CharVocab, load_pretrained, list_pretrained
    from engine import Trainer, TrainConfig, Batch, load_text, generate_text
    from engine import Translator, TranslatorConfig   # load_pretrained("translator-en-fr").translate(...)
"""

from engine.data import CharVocab, CorpusNotFoundError, DataError, load_text, split_train_val
from engine.device import autocast, pick_device, seed_everything
from engine.lm.generate import PrimeTooLongError, generate_text, stream_text
from engine.lm.model import CharLM, CharLMConfig
from engine.nn import GRUCell, LSTMCell, Recurrent, RNNCell, make_rnn
from engine.seq2seq.model import Translator, TranslatorConfig
from engine.seq2seq.text import Translation, TranslationInputError
from engine.train.checkpoint import (
    CheckpointError,
    list_pretrained,
    load_model,
    load_pretrained,
    read_checkpoint,
    save_checkpoint,
)
from engine.train.trainer import Batch, TrainConfig, Trainer, TrainEvent, TrainingDiverged, evaluate

__all__ = [
    "Batch",
    "CharLM",
    "CharLMConfig",
    "CharVocab",
    "CheckpointError",
    "CorpusNotFoundError",
    "DataError",
    "GRUCell",
    "LSTMCell",
    "PrimeTooLongError",
    "RNNCell",
    "Recurrent",
    "TrainConfig",
    "TrainEvent",
    "Trainer",
    "TrainingDiverged",
    "Translation",
    "TranslationInputError",
    "Translator",
    "TranslatorConfig",
    "autocast",
    "evaluate",
    "generate_text",
    "list_pretrained",
    "load_model",
    "load_pretrained",
    "load_text",
    "make_rnn",
    "pick_device",
    "read_checkpoint",
    "save_checkpoint",
    "seed_everything",
    "split_train_val",
    "stream_text",
]

__version__ = "0.1.0"
