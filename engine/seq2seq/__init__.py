"""Encoder-decoder translation: the model, its training recipe, and BLEU/chrF evaluation."""
