"""Encoder-decoder translation: the model, its text side (input preparation, notes, results), its training
recipe, and BLEU/chrF evaluation."""
