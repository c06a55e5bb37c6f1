"""Building blocks of the lecture: recurrent cells (vanilla RNN, LSTM with peepholes, GRU), stacked and
bidirectional recurrences, and attention."""
