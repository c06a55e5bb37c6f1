"""Word spacing restoration (띄어쓰기 복원): a character tagger, unidirectional or bidirectional.

:mod:`~engine.spacing.data` (texts -> characters and "a space follows" labels, the corpora and their splits),
:mod:`~engine.spacing.model` (the tagger), :mod:`~engine.spacing.metrics` (character accuracy, space P/R/F1),
:mod:`~engine.spacing.restore` (restore a text; probabilities and forward/backward states),
:mod:`~engine.spacing.recipe` and :mod:`~engine.spacing.presets` (training).
"""
