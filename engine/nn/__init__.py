"""Building blocks of the lecture: recurrent cells (vanilla RNN, LSTM with peepholes, GRU), stacked and
bidirectional recurrences, and attention.

* :mod:`engine.nn.cells`: :class:`RNNCell`, :class:`LSTMCell`, :class:`GRUCell` and :func:`lstm_pointwise`,
  one time step each, written as the lecture's equations;
* :mod:`engine.nn.recurrent`: :class:`Recurrent` (stacked, bidirectional) and :func:`make_rnn`;
* :mod:`engine.nn.attention`: :class:`Attention` (dot, general, additive scores).
"""

from engine.nn.attention import Attention
from engine.nn.cells import GRUCell, LSTMCell, RNNCell, lstm_pointwise
from engine.nn.recurrent import Recurrent, make_rnn

__all__ = ["Attention", "GRUCell", "LSTMCell", "RNNCell", "Recurrent", "lstm_pointwise", "make_rnn"]
