"""Language models: the character LSTM, text generation from it, its training recipe, and the n-gram vs RNN
comparison."""
